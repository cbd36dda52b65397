/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nvmet.h: NVMe over Fabrics target (nvmet) objects as configfs operations, one function per object, in
 * the kernel's order (docs/KERNEL.md, 'nvmet: object order'): host (with its DH-HMAC-CHAP attributes),
 * subsystem, namespace (enabled), port, the host's link into the subsystem's allowed_hosts, the
 * subsystem's link into the port; teardown in reverse. The same rules as lio.h: each function touches
 * only its own object's paths, writes attributes without a trailing newline (and only those that differ
 * from what the kernel shows), leaves nothing half-made (on failure it removes what it made itself),
 * creating an object that is there in the wanted shape succeeds without a write, removing one that is
 * gone succeeds, and an object in another shape is -EEXIST and left alone.
 *
 * The one listing: a port is found by its address (nvmet_port_find), which reads the address of each
 * entry of nvmet/ports (one level, a handful of ports). Ports are shared: a port of another tool on the
 * wanted address is used as it is and never removed; a port attachd makes gets a free id in
 * [NVMET_PORT_ID_MIN, NVMET_PORT_ID_MAX], away from the small ids other tools pick, and only ids in that
 * range are ever removed. Whether attachd made a port is the caller's record (nvmet_port_ensure's @made).
 *
 * Names: subsystem nvmet/subsystems/<nqn>, namespace .../namespaces/<nsid>, host nvmet/hosts/<host nqn>,
 * port nvmet/ports/<id>; a link is named after its target (the host NQN in allowed_hosts, the subsystem
 * NQN in a port's subsystems), as nvmetcli names them. NQNs are checked by the caller
 * (proto_nvme_name_check); here only their length.
 */
#ifndef NVMET_H
#define NVMET_H

#include <stdbool.h>

#include "cfs.h"

#define NVMET_ROOT "nvmet"
#define NVMET_NSID 1
#define NVMET_NQN_MAX 223 /* the kernel keeps a subsystem NQN's first 223 bytes (NVMF_NQN_SIZE) */
#define NVMET_SERIAL_MAX 20
#define NVMET_MODEL_MAX 40
#define NVMET_PORT_ID_MIN 40960u /* 0xa000: attachd's port ids */
#define NVMET_PORT_ID_MAX 41983u
#define NVMET_UUID_LEN 36

/* ---- identities of a volume's export, derived from its id (a UUID), stable across rebuilds */
struct nvmet_ids {
	char uuid[NVMET_UUID_LEN + 1];   /* device_uuid: the volume id in lower case (os-brick's vol_uuid) */
	char nguid[NVMET_UUID_LEN + 1];  /* device_nguid: the same 16 bytes (the kernel shows both as UUIDs) */
	char serial[NVMET_SERIAL_MAX + 1]; /* attr_serial: the id's first 20 hex digits */
};
/* 0, or -EINVAL when @volume_id is not a UUID (8-4-4-4-12 hex digits). */
int nvmet_ids_from_volume(const char *volume_id, struct nvmet_ids *ids);
/* "<prefix>:<volume id>" into @out: 0, -EINVAL (empty part), -ENAMETOOLONG over NVMET_NQN_MAX or @size. */
int nvmet_subsys_nqn(char *out, size_t size, const char *prefix, const char *volume_id);

/* ---- subsystem: attr_allow_any_host 0 (only linked hosts), optional serial and model. The kernel freezes
 * serial and model once a host has identified the subsystem: they are written at creation, and asking
 * another one of a subsystem a host knows is the kernel's EINVAL. */
struct nvmet_subsys {
	const char *nqn;
	const char *serial; /* 1-20 printable ASCII, or NULL: the kernel's random one */
	const char *model;  /* 1-40 printable ASCII, or NULL: the kernel's "Linux" */
};
int nvmet_subsys_create(struct cfs *c, const struct nvmet_subsys *s);
/* The kernel refuses while a port links it (EBUSY) or it holds namespaces or allowed hosts (ENOTEMPTY). */
int nvmet_subsys_remove(struct cfs *c, const char *nqn);

/* Everything of a subsystem, for one nobody recorded (reconciliation's orphans): unlinked from every port
 * that links it (the one listing of ports/), its allowed hosts unlinked, its namespaces disabled and
 * removed, then itself. Hosts and ports stay. Gone: 0. */
int nvmet_subsys_purge(struct cfs *c, const char *nqn);

/* ---- namespace: device_path, device_uuid, device_nguid, then enable. The kernel refuses the three while
 * the namespace is enabled (EBUSY): an enabled namespace in another shape is -EEXIST. */
struct nvmet_ns {
	const char *nqn;
	unsigned nsid;      /* 1 to 0xfffffffe */
	const char *dev;    /* the block device */
	const char *uuid;   /* 8-4-4-4-12, shown in lower case */
	const char *nguid;  /* the same form */
};
int nvmet_ns_create(struct cfs *c, const struct nvmet_ns *n);
/* enable 1 or 0: 0 cuts every host off the namespace's I/O at once (the fence); gone and @on 0: 0. */
int nvmet_ns_enable(struct cfs *c, const char *nqn, unsigned nsid, bool on);
int nvmet_ns_remove(struct cfs *c, const char *nqn, unsigned nsid);
/* The host sees the namespace's new size: revalidate_size 1 (the kernel then reads the device's size and
 * tells connected hosts with an AEN). 0, 1 when the kernel has no revalidate_size (no such attribute:
 * hosts then see the size at their next rescan or reconnect), or a negative errno. */
int nvmet_ns_revalidate(struct cfs *c, const char *nqn, unsigned nsid);

/* ---- host: nvmet/hosts/<nqn>, shared by every subsystem that allows it, and so are its DH-HMAC-CHAP
 * attributes (one key per host NQN, not per subsystem). Only kernels built with CONFIG_NVME_TARGET_AUTH
 * have them (Debian's 6.12 does, its 6.1 does not): that is decided by hosts/<nqn>/dhchap_key being there.
 * Secrets are checked in full first (nvmet_secret_parse); the kernel itself checks only their prefix.
 * The kernel cannot be told to forget a key by a text write (a write of zero bytes never reaches it), so
 * a host without keys here leaves the keys it has: to drop them, remove the host and make it again. */
struct nvmet_host {
	const char *nqn;
	const char *key;      /* dhchap_key (DHHC-1), or NULL */
	const char *ctrl_key; /* dhchap_ctrl_key: the controller's, for bidirectional authentication, or NULL */
	const char *hash;     /* dhchap_hash: hmac(sha256) (the kernel's default), hmac(sha384), hmac(sha512), or NULL */
	const char *dhgroup;  /* dhchap_dhgroup: null (default), ffdhe2048 ... ffdhe8192, or NULL */
};
/* 1 when the kernel has DH-HMAC-CHAP attributes for hosts (hosts/<nqn>/dhchap_key), 0 when not; -ENOENT
 * when the host is not there. */
int nvmet_host_auth_supported(struct cfs *c, const char *host_nqn);
/* -EOPNOTSUPP when @h has DH-HMAC-CHAP values and the kernel has no such attributes (nothing left made). */
int nvmet_host_create(struct cfs *c, const struct nvmet_host *h);
/* The kernel refuses while a subsystem allows it (EBUSY). */
int nvmet_host_remove(struct cfs *c, const char *host_nqn);
/* The link subsystems/<nqn>/allowed_hosts/<host> -> hosts/<host>. Removing it stops new connections of the
 * host, not the ones it has (docs/KERNEL.md). */
int nvmet_host_allow(struct cfs *c, const char *nqn, const char *host_nqn);
int nvmet_host_disallow(struct cfs *c, const char *nqn, const char *host_nqn);

/* ---- port: TCP on one address */
struct nvmet_addr {
	const char *traddr;  /* an IPv4 or IPv6 address (the port's addr_adrfam follows from it) */
	const char *trsvcid; /* the TCP port, 1-65535 */
};
/* The id of a port whose addr_trtype, addr_adrfam, addr_traddr and addr_trsvcid are @a (addresses compared
 * as addresses, not as text): 0, or -ENOENT. A port named other than in plain decimal ("0x10", "010": the
 * kernel takes them) is not looked at; its address then meets attachd's port at the link: EADDRINUSE. */
int nvmet_port_find(struct cfs *c, const struct nvmet_addr *a, unsigned *id);
/* The port of @a: found, or made with the first free id of attachd's range (-ENOSPC when none is left);
 * *@made tells which. -EINVAL for an address that is not one. */
int nvmet_port_ensure(struct cfs *c, const struct nvmet_addr *a, unsigned *id, bool *made);
/* The port of @a under id @id, which must be of attachd's range (else -EPERM): made, or there already with
 * that address (0, no write); there with another address: -EEXIST, left alone. Undone on failure. */
int nvmet_port_create(struct cfs *c, unsigned id, const struct nvmet_addr *a);
/* Only a port of attachd's range (else -EPERM); the kernel refuses while subsystems are linked (ENOTEMPTY). */
int nvmet_port_remove(struct cfs *c, unsigned id);
/* ports/<id>/subsystems/<nqn> -> subsystems/<nqn>. The first link enables the port: the kernel binds its
 * socket then and answers EINVAL (address or transport), EADDRINUSE or EADDRNOTAVAIL here. Unlinking
 * drops the subsystem's controllers on that port; the last unlink closes the port's socket. */
int nvmet_port_link(struct cfs *c, unsigned id, const char *nqn);
int nvmet_port_unlink(struct cfs *c, unsigned id, const char *nqn);

#endif
