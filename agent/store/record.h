/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record.h: the records attachd keeps in LMDB, and their on-disk layout.
 *
 * A record is a stream of netlink attributes (built with libnl, parsed with nla_parse and a policy), so
 * it can grow: a new field is a new attribute number; an older attachd skips attributes it does not know
 * and a newer one fills fields missing from old records with their zero default. REC_A_LAYOUT (always
 * the first attribute) changes only for an incompatible layout, which an older attachd refuses to read.
 */
#ifndef RECORD_H
#define RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "attach_proto.h"

#define REC_LAYOUT 1
#define REC_PORTALS_MAX 16
#define REC_CHAP_MAX 64
#define REC_MAX_SIZE 8192 /* largest encoded record */

#define REC_IDENT_MAX 255

struct rec_volume {
	char id[ATTACH_UUID_LEN + 1];
	char name[ATTACH_NAME_MAX + 1];
	char device[ATTACH_PATH_MAX + 1]; /* the kernel's path of the device at creation (/dev/sdb, /dev/dm-3) */
	uint64_t size;                    /* bytes, at creation or the last volume-extend */
	uint64_t created;
	uint32_t dev_major, dev_minor;    /* the device's number at creation */
	uint8_t state;                    /* enum attach_volume_state */
	uint8_t multiattach;
	/* The path as the caller gave it (/dev/disk/by-id/wwn-..., /dev/vg0/vol1): it is resolved again at
	 * every export, reconcile and extend, and what it leads to must have the identity below. Records of
	 * an attachd before 0.2 have neither: "" (see device.h, device_verify). */
	char path[ATTACH_PATH_MAX + 1];
	char ident[REC_IDENT_MAX + 1];    /* blkdev_identity() of the disk at creation */
	uint64_t gen;                     /* bumped by every mutating call on the volume but terminate */
	char last_detached[ATTACH_UUID_LEN + 1]; /* the attachment detach dropped last (retries say so) */
	/* enum attach_transport, chosen at volume-create: a record of an attachd before NVMe/TCP has none and
	 * reads as 0, iSCSI */
	uint8_t transport;
};

struct rec_attachment {
	char id[ATTACH_UUID_LEN + 1];
	char volume_id[ATTACH_UUID_LEN + 1];
	uint8_t state; /* enum attach_attachment_state */
	uint8_t mode;  /* enum attach_mode */
	uint8_t connected; /* holds one reference on its initiator's ACL */
	char instance[ATTACH_UUID_LEN + 1];
	char host[ATTACH_HOST_MAX + 1];
	char mountpoint[ATTACH_PATH_MAX + 1];
	char initiator[ATTACH_IQN_MAX + 1]; /* bound by initialize_connection while reserved */
	uint64_t created;
};

struct rec_export {
	char volume_id[ATTACH_UUID_LEN + 1];
	char target_iqn[ATTACH_IQN_MAX + 1];
	char hba[32];                      /* "iblock_<N>" under target/core */
	char backstore[ATTACH_UUID_LEN + 1]; /* storage object name */
	char device[ATTACH_PATH_MAX + 1];  /* what the storage object opens (dm device or the volume's) */
	char dm_name[128];                 /* "" when exported without device-mapper */
	char backing[ATTACH_PATH_MAX + 1]; /* the volume's device, under the dm device */
	uint64_t size;                     /* bytes the dm device maps (0: all of the backing device) */
	uint32_t backing_major, backing_minor; /* the number @backing had when last checked (identity) */
	uint32_t lun;
	uint32_t n_portals;
	char portals[REC_PORTALS_MAX][ATTACH_PORTAL_MAX + 1];
	uint64_t created;
	/* Why the export is down ("" when up): reconcile found its device missing or not the registered
	 * disk, so it left the export unbuilt (or fenced it) and keeps its records to rebuild it later. */
	char down[384];
	/* NVMe/TCP (transport ATTACH_TRANSPORT_NVME_TCP): target_iqn holds the subsystem NQN, device what its
	 * namespace opens, portals the --nvme-port addresses, and port_ids the nvmet port of each (in the
	 * same order). Bit i of ports_made: attachd made port i for this export, or took it over from an
	 * export that made it and went (a port attachd did not make is never removed). */
	uint8_t transport;
	uint32_t n_port_ids;
	uint32_t port_ids[REC_PORTALS_MAX];
	uint32_t ports_made;
};

struct rec_acl {
	char volume_id[ATTACH_UUID_LEN + 1];
	char initiator[ATTACH_IQN_MAX + 1]; /* spelled as first given; keys use lower case */
	char username[REC_CHAP_MAX + 1];
	char password[REC_CHAP_MAX + 1];    /* secret: never logged */
	uint32_t refs;                      /* connections holding this access */
	uint32_t mapped_lun;
	char host[ATTACH_HOST_MAX + 1];     /* connector details, for volume-show */
	char ip[ATTACH_IP_MAX + 1];
	uint64_t created;
	/* The volume's gen when this initiator's last terminate-connection released a reference: a
	 * terminate with the volume unchanged since then is a retry and releases nothing. */
	uint64_t released_gen;
	uint8_t released; /* released_gen is set */
	/* enum attach_mode of the access: ro (the mapped LUN write-protected) while every connection that
	 * made or joined it was read-only; a read-write connection turns it rw for the ACL's life. */
	uint8_t mode;
	/* Mutual CHAP: the target's credentials ("" when no connection asked for them). Secret: never logged. */
	char username_in[REC_CHAP_MAX + 1];
	char password_in[REC_CHAP_MAX + 1];
};

/* One NVMe host NQN that nvme-tcp exports allow: the kernel keeps one hosts/<nqn> entry, and one
 * DH-HMAC-CHAP key, per host NQN, shared by every subsystem that allows it; so is this record. */
#define REC_DHCHAP_MAX 127 /* a DHHC-1 secret (103 characters at most) */
struct rec_nvme_host {
	char nqn[ATTACH_IQN_MAX + 1];
	uint32_t refs;   /* nvme ACL records (volume, host) that name this host */
	uint8_t dhchap;  /* 0: no DH-HMAC-CHAP; 1: the host authenticates; 2: bidirectional (controller key) */
	char dhgroup[16];                 /* dhchap_dhgroup ("null" when none) */
	char key[REC_DHCHAP_MAX + 1];      /* dhchap_key: secret, never logged */
	char ctrl_key[REC_DHCHAP_MAX + 1]; /* dhchap_ctrl_key (bidirectional): secret, never logged */
	uint64_t created;
	/* hosts/<nqn> was there before attachd needed it (another tool's): used as it is, never removed,
	 * and its keys are not attachd's to set */
	uint8_t foreign;
};

enum rec_type_id { REC_VOLUME, REC_ATTACHMENT, REC_EXPORT, REC_ACL, REC_NVME_HOST, REC_TYPE_COUNT };

/* Encode @rec of @type into @buf; *@len receives the size. 0 or -errno (-EMSGSIZE if it does not fit). */
int rec_encode(enum rec_type_id type, const void *rec, void *buf, size_t bufsize, size_t *len);
/* Decode into @rec (zeroed first). -EPROTO on a malformed record or a layout newer than REC_LAYOUT. */
int rec_decode(enum rec_type_id type, const void *data, size_t len, void *rec);
size_t rec_size(enum rec_type_id type);

#endif
