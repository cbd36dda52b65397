/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attach.h: libattach, the C client of attachd. One header, opaque client handle, one function per call.
 *
 * Conventions
 *  - Every call returns 0 on success or a negative errno. When the agent answered with an error, the
 *    errno is the one its status maps to (docs/PROTOCOL.md: EBADFD for a wrong volume state, ENOENT for
 *    an unknown volume, ...), and attach_last_status()/attach_last_message() give the agent's status code
 *    and its human-readable message. Local failures (socket, memory) set a message too.
 *  - Strings passed in are copied; strings returned in structs are owned by the struct and freed by the
 *    matching _free function.
 *  - A client is one connection; calls on it are sequential (not thread-safe; use one client per thread).
 *
 * Caveats
 *  - attach_connect() performs the protocol-version exchange; an agent that does not speak this
 *    library's version refuses with -EPROTONOSUPPORT and says which versions it speaks.
 *  - Secrets (CHAP passwords) returned by initialize-connection and by volume-show with secrets are in
 *    ordinary memory; callers that care should clear the struct (attach_conninfo_clear()).
 */
#ifndef ATTACH_H
#define ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attach_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ATTACH_PORTALS_MAX 16
/* attach_attach_args.mode: the mode given at reserve (not an enum attach_mode: never on the wire) */
#define ATTACH_MODE_AS_RESERVED (-1)

struct attach_client;

/* A client that is not connected yet; NULL and errno on failure. */
struct attach_client *attach_client_new(void);
/* Connect to the agent's UNIX socket and exchange protocol versions. */
int attach_connect(struct attach_client *c, const char *socket_path);
/* Close the connection (if any) and free the client. NULL is ignored. */
void attach_client_free(struct attach_client *c);

/* Status and message of the last call: ATTACH_OK and "" after a success; the agent's enum attach_status
 * when it refused; ATTACH_STATUS_LOCAL when the call failed on this side (connection, memory, a reply that
 * does not parse). After a local failure of the connection itself, the client is disconnected and later
 * calls return -ENOTCONN until attach_connect() again. */
#define ATTACH_STATUS_LOCAL UINT32_MAX
uint32_t attach_last_status(const struct attach_client *c);
const char *attach_last_message(const struct attach_client *c);

/* With dry-run on, mutating calls only plan: the agent changes nothing and returns the steps it would
 * take, readable with attach_last_plan() until the next call. */
void attach_set_dry_run(struct attach_client *c, bool on);
size_t attach_last_plan(const struct attach_client *c, const char *const **steps);

/* --- the calls themselves: what the protocol's call table says of each (the agent checks every
 * request against the same row), for tools that build requests or explain them */
enum attach_priv {
	ATTACH_PRIV_READ,    /* reads records: volume-list, volume-show */
	ATTACH_PRIV_WRITE,   /* changes records or the kernel */
	ATTACH_PRIV_SECRETS, /* returns CHAP passwords: initialize-connection, volume-show with secrets */
};
#define ATTACH_BIT(attr) (UINT64_C(1) << (attr))
struct attach_call_info {
	uint16_t type;      /* enum attach_msg */
	const char *name;   /* "initialize-connection" */
	uint64_t accepted;  /* ATTACH_BIT()s of the attributes a request may carry */
	uint64_t required;  /* ... must carry */
	uint64_t any_of;    /* ... at least one of (0: no such rule) */
	uint64_t exclusive; /* ... at most one of (0: no such rule) */
	bool mutating;      /* changes records or the kernel (a dry run returns its plan) */
	enum attach_priv priv;
};
/* The call named @name ("volume-show"), or of message type @type (ATTACH_MSG_FIRST to ATTACH_MSG_LAST):
 * 0, or -ENOENT when there is no such call. */
int attach_call_by_name(const char *name, struct attach_call_info *out);
int attach_call_by_type(uint16_t type, struct attach_call_info *out);

/* --- registry */
struct attach_volume_create_args {
	const char *device;    /* required: absolute path of a block device */
	const char *name;      /* optional */
	const char *volume_id; /* optional: a UUID; the agent makes one when NULL */
	bool multiattach;
	int transport;         /* enum attach_transport: ATTACH_TRANSPORT_ISCSI (0, the default) or
				* ATTACH_TRANSPORT_NVME_TCP (the agent needs an --nvme-port) */
};
/* @id receives the volume id (37 bytes). */
int attach_volume_create(struct attach_client *c, const struct attach_volume_create_args *a,
			 char id[ATTACH_UUID_LEN + 1]);
int attach_volume_delete(struct attach_client *c, const char *volume_id);
/* Make the kernel match the records (what attachd does at every start): interrupted calls rolled back,
 * missing exports, ACLs and credentials rebuilt, unrecorded objects of attachd's removed. With dry-run
 * (attach_set_dry_run) nothing changes. The differences and steps are in attach_last_plan(); a summary
 * in attach_last_message(). -EIO if some difference could not be fixed. */
int attach_reconcile(struct attach_client *c);
/* The same, and also remove objects of attachd's form that this agent's database did not make (a
 * database that was lost, another agent's): only when sure they are stale; dry-run first. */
int attach_reconcile_purge_unowned(struct attach_client *c);
/* Take the device's new size (after it grew): the export's device-mapper table is reloaded while
 * initiators stay connected; they see the size after a rescan. @size receives it in bytes. */
int attach_volume_extend(struct attach_client *c, const char *volume_id, uint64_t *size);

struct attach_attachment_info {
	char id[ATTACH_UUID_LEN + 1];
	int state;        /* enum attach_attachment_state */
	char *instance;   /* "" while reserved */
	char *host;
	char *mountpoint;
	int mode;         /* enum attach_mode */
	char *initiator;  /* the initiator bound by initialize-connection, or "" */
	bool connected;   /* still holds that connection (false after terminate-connection) */
	uint64_t created; /* seconds since the epoch */
};

struct attach_acl_info {
	char *initiator; /* the iSCSI initiator, or for an nvme-tcp volume the host NQN */
	uint32_t refs;   /* connections holding this access */
	char *username;
	char *password;  /* NULL unless secrets were asked for */
	int mode;        /* enum attach_mode: read-only while every connection on it was */
	char *username_in; /* mutual CHAP: the target's username; NULL when no connection asked for it */
	char *password_in; /* NULL unless secrets were asked for */
	/* nvme-tcp volumes: username is "", password and password_in are the host's DH-HMAC-CHAP secret and
	 * controller secret (with secrets); dhchap_dhgroup the group, NULL when the host does not authenticate */
	char *dhchap_dhgroup;
	bool dhchap_bidirectional;
};

struct attach_volume_info {
	char id[ATTACH_UUID_LEN + 1];
	char *name;   /* "" when unnamed */
	char *device;
	int state;    /* enum attach_volume_state */
	bool multiattach;
	uint64_t size;    /* bytes, at creation or the last volume-extend */
	uint64_t created; /* seconds since the epoch */
	size_t n_attachments;
	struct attach_attachment_info *attachments;
	bool exported;
	char *target_iqn; /* NULL unless exported */
	size_t n_portals;
	char portals[ATTACH_PORTALS_MAX][ATTACH_PORTAL_MAX + 1];
	uint32_t lun;
	size_t n_acls;
	struct attach_acl_info *acls;
	char *identity;    /* the registered disk's identity ("wwid:...", "dm-uuid:..."); "" for an old record */
	char *device_node; /* the kernel's path of the device when it was registered */
	char *down;        /* why the export is down (its disk missing or another); NULL when up */
	int transport;     /* enum attach_transport; for nvme-tcp, target_iqn is the subsystem NQN, lun the
			    * namespace id and portals the NVMe ports */
};

/* Every volume (attachments, export and ACLs are filled by attach_volume_show only). */
int attach_volume_list(struct attach_client *c, struct attach_volume_info **vols, size_t *n);
void attach_volume_list_free(struct attach_volume_info *vols, size_t n);
/* One volume with its attachments, export and initiators; CHAP passwords only if @secrets. */
int attach_volume_show(struct attach_client *c, const char *volume_id, bool secrets,
		       struct attach_volume_info **out);
void attach_volume_info_free(struct attach_volume_info *v);

/* --- the attach side */
/* available -> attaching (in-use -> attaching for multiattach); @attachment_id receives the new
 * attachment's id (may be NULL). -EALREADY: the volume is reserved already (a reserve whose reply was
 * lost?): @attachment_id receives that reservation's id. */
int attach_reserve(struct attach_client *c, const char *volume_id, char attachment_id[ATTACH_UUID_LEN + 1]);
/* The same with the attachment's mode (enum attach_mode; attach_reserve: ATTACH_MODE_RW), fixed here as
 * Cinder's attachment_create fixes it: initialize_connection maps the LUN read-only for ATTACH_MODE_RO
 * (the initiator's writes fail), and attach with another mode is refused. */
int attach_reserve_mode(struct attach_client *c, const char *volume_id, int mode,
			char attachment_id[ATTACH_UUID_LEN + 1]);
int attach_unreserve(struct attach_client *c, const char *volume_id);

struct attach_connector {
	const char *initiator; /* iSCSI volumes: the iSCSI name (required) */
	const char *host;      /* optional */
	const char *ip;        /* optional */
	bool multipath;
	bool mutual_chap;      /* the target authenticates too: auth_username_in/auth_password_in come back */
	/* nvme-tcp volumes: the host NQN (required, instead of initiator), and DH-HMAC-CHAP on request: the
	 * host's secret comes back (dhchap_secret), with dhchap_bidirectional the controller's too; the group
	 * is dhchap_dhgroup (NULL: "null", no DH exchange). A host NQN holds one key for every volume: a
	 * request that differs from what the host has is refused (-EEXIST). */
	const char *nqn;
	bool dhchap;
	bool dhchap_bidirectional;
	const char *dhchap_dhgroup;
};

struct attach_conninfo {
	char driver_volume_type[16]; /* "iscsi" */
	char volume_id[ATTACH_UUID_LEN + 1];
	char target_iqn[ATTACH_IQN_MAX + 1];
	size_t n_portals;
	char portals[ATTACH_PORTALS_MAX][ATTACH_PORTAL_MAX + 1]; /* "ip:port", "[ip6]:port" */
	uint32_t lun;
	char auth_method[16];        /* "CHAP" */
	char auth_username[ATTACH_CHAP_MAX + 1];
	char auth_password[ATTACH_CHAP_MAX + 1];
	int mode;                    /* enum attach_mode: access_mode */
	/* mutual CHAP (asked with attach_connector.mutual_chap, else ""): the target's credentials, which the
	 * initiator checks (open-iscsi: node.session.auth.username_in / password_in) */
	char auth_username_in[ATTACH_CHAP_MAX + 1];
	char auth_password_in[ATTACH_CHAP_MAX + 1];
	/* SendTargets discovery CHAP (attachd --discovery-chap): all three empty when the agent has it off */
	char discovery_auth_method[16]; /* "CHAP" */
	char discovery_auth_username[ATTACH_CHAP_MAX + 1];
	char discovery_auth_password[ATTACH_CHAP_MAX + 1];
	/* nvme-tcp volumes (driver_volume_type "nvmeof"; target_iqn, auth_* and discovery_* empty) */
	int transport;               /* enum attach_transport */
	char target_nqn[ATTACH_IQN_MAX + 1];
	char host_nqn[ATTACH_IQN_MAX + 1];
	uint32_t ns_id;              /* the namespace id (1) */
	char dhchap_dhgroup[16];     /* "" when the host does not authenticate */
	char dhchap_secret[ATTACH_CHAP_MAX + 1];      /* DHHC-1 */
	char dhchap_ctrl_secret[ATTACH_CHAP_MAX + 1]; /* bidirectional only */
};
int attach_initialize_connection(struct attach_client *c, const char *volume_id,
				 const struct attach_connector *conn, struct attach_conninfo *out);
/* os-brick's connection info: {"driver_volume_type": "iscsi", "data": {...}}, or for an nvme-tcp volume
 * os-brick's "new" nvmeof form {"driver_volume_type": "nvmeof", "data": {"target_nqn", "vol_uuid",
 * "portals": [[address, port, "tcp"], ...], "ns_id", "host_nqn", ...}}. malloc'd; NULL + errno. */
char *attach_conninfo_json(const struct attach_conninfo *ci);
/* Overwrite the secrets in @ci. */
void attach_conninfo_clear(struct attach_conninfo *ci);

struct attach_attach_args {
	const char *instance;      /* required: instance UUID */
	const char *host;          /* required */
	const char *mountpoint;    /* required */
	int mode;                  /* enum attach_mode: must be the reservation's (refused otherwise), or
				    * ATTACH_MODE_AS_RESERVED to take it */
	const char *attachment_id; /* optional: which reserved attachment; the volume's only one if NULL */
};
/* attaching -> in-use; @attachment_id receives the attachment's id (may be NULL). The same attach again
 * succeeds and changes nothing; -EALREADY: the attachment is attached with other details (its id in
 * @attachment_id). */
int attach_attach(struct attach_client *c, const char *volume_id, const struct attach_attach_args *a,
		  char attachment_id[ATTACH_UUID_LEN + 1]);

/* --- the detach side */
int attach_begin_detaching(struct attach_client *c, const char *volume_id);
int attach_roll_detaching(struct attach_client *c, const char *volume_id);
/* Release one connection of @initiator (NULL allowed with @force, which removes every initiator and the
 * export); its access goes with its last connection. Calling it again with nothing changed in between is
 * a retry and releases nothing more. For an nvme-tcp volume @initiator is the host NQN (a name that
 * begins with "nqn." goes as one). */
int attach_terminate_connection(struct attach_client *c, const char *volume_id, const char *initiator,
				bool force);
/* Release exactly the connection attachment @attachment_id holds through @initiator (again: nothing). */
int attach_terminate_attachment(struct attach_client *c, const char *volume_id, const char *initiator,
				const char *attachment_id);
/* Drop an attachment (NULL: the volume's only one). */
int attach_detach(struct attach_client *c, const char *volume_id, const char *attachment_id);

/* --- statistics (the stats call: a --read-uid caller may make it). Counters are the agent process's:
 * they start from zero, with a new start_time, when attachd restarts; the record counts are the store's,
 * the sessions the kernel's, read at the call. */
struct attach_stats_status {
	uint32_t status; /* enum attach_status */
	uint64_t count;
};
struct attach_stats_bucket {
	uint64_t le_us; /* upper bound, microseconds */
	uint64_t count; /* calls that took at most le_us: cumulative, as Prometheus's buckets */
};
struct attach_stats_call {
	char *name;      /* the call's name ("initialize-connection"), or "unknown": requests of no call type */
	uint64_t count;  /* requests answered (every status) */
	uint64_t sum_us; /* their time, microseconds, from the request read to the reply built */
	size_t n_statuses;
	struct attach_stats_status *statuses; /* the statuses answered, each with its count */
	size_t n_buckets;
	struct attach_stats_bucket *buckets;  /* in increasing le_us; count is the +Inf bucket */
};
struct attach_stats_reconcile {
	bool ran;
	uint64_t time;        /* its end, seconds since the epoch */
	uint64_t duration_us;
	uint32_t status;      /* enum attach_status of its result (ATTACH_E_KERNEL: something was not fixed) */
	uint64_t differences, fixed, failed, down, unowned, removed;
};
struct attach_stats_initiator {
	char *initiator;
	bool logged_in; /* the kernel shows a session of it on the export's target */
};
struct attach_stats_export {
	char volume_id[ATTACH_UUID_LEN + 1];
	char *target_iqn;
	char *down;         /* why the export is down, or NULL */
	bool sessions_read; /* false when the kernel's count could not be read (no target) */
	uint32_t sessions;  /* the target's iSCSI sessions */
	size_t n_initiators; /* the recorded initiators whose ACL the kernel has */
	struct attach_stats_initiator *initiators;
};
struct attach_stats {
	uint64_t start_time; /* seconds since the epoch */
	size_t n_calls;
	struct attach_stats_call *calls; /* every call type of the agent, then "unknown" */
	/* the store's records */
	uint64_t volumes, exports, acls, attachments, intents;
	struct attach_stats_reconcile at_start, last_call; /* the reconcile at start; the last reconcile call */
	size_t n_export_stats;
	struct attach_stats_export *export_stats;
};
int attach_stats(struct attach_client *c, struct attach_stats **out);
void attach_stats_free(struct attach_stats *s);

/* Text for codes. */
const char *attach_status_name(uint32_t status);
const char *attach_state_name(int state);                /* enum attach_volume_state */
const char *attach_attachment_state_name(int state);     /* enum attach_attachment_state */
const char *attach_mode_name(int mode);                  /* enum attach_mode: "rw", "ro" */
const char *attach_transport_name(int transport);        /* enum attach_transport: "iscsi", "nvme-tcp" */

#ifdef __cplusplus
}
#endif
#endif
