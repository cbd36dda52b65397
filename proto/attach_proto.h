/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attach_proto.h: the attachd wire protocol, as numbers. This header is the contract shared by the agent,
 * libattach and any other client; docs/PROTOCOL.md explains every value. Values never change meaning once
 * released: new calls, attributes and status codes get new numbers.
 *
 * A message is a struct nlmsghdr (host byte order; nlmsg_len = whole message length) followed by netlink
 * attributes (struct nlattr, 4-byte aligned). Requests set NLM_F_REQUEST; replies echo nlmsg_type and
 * nlmsg_seq and carry ATTACH_A_STATUS and ATTACH_A_MESSAGE first.
 */
#ifndef ATTACH_PROTO_H
#define ATTACH_PROTO_H

#define ATTACH_PROTO_VERSION 1     /* what this header describes */
#define ATTACH_PROTO_VERSION_MIN 1 /* oldest version an agent built from it accepts */

#define ATTACH_REQUEST_MAX 65536u      /* largest request, header included */
#define ATTACH_REPLY_MAX (16u << 20)   /* largest reply, header included */

/* nlmsg_type: the call. Calls start at 0x10 (NLMSG_MIN_TYPE, as in netlink); 0x0f, below them, is the
 * agent's unsolicited refusal, which is never a call. */
enum attach_msg {
	/* agent -> client only, unsolicited, nlmsg_seq 0: the agent will not serve this connection (caller
	 * not allowed, too many clients, request timed out) and closes it after this message. */
	ATTACH_MSG_REFUSED = 0x0f,
	ATTACH_MSG_HELLO = 0x10,
	ATTACH_MSG_VOLUME_CREATE = 0x11,
	ATTACH_MSG_VOLUME_DELETE = 0x12,
	ATTACH_MSG_VOLUME_LIST = 0x13,
	ATTACH_MSG_VOLUME_SHOW = 0x14,
	ATTACH_MSG_RESERVE = 0x15,
	ATTACH_MSG_UNRESERVE = 0x16,
	ATTACH_MSG_INITIALIZE_CONNECTION = 0x17,
	ATTACH_MSG_ATTACH = 0x18,
	ATTACH_MSG_BEGIN_DETACHING = 0x19,
	ATTACH_MSG_ROLL_DETACHING = 0x1a,
	ATTACH_MSG_TERMINATE_CONNECTION = 0x1b,
	ATTACH_MSG_DETACH = 0x1c,
	ATTACH_MSG_VOLUME_EXTEND = 0x1d,
	ATTACH_MSG_RECONCILE = 0x1e,
	ATTACH_MSG_STATS = 0x1f,
};
#define ATTACH_MSG_FIRST ATTACH_MSG_HELLO
#define ATTACH_MSG_LAST ATTACH_MSG_STATS

/* nla_type: one attribute namespace for every call; docs/PROTOCOL.md says which call takes which. */
enum attach_attr {
	ATTACH_A_UNSPEC = 0,
	ATTACH_A_STATUS = 1,          /* u32, enum attach_status (replies) */
	ATTACH_A_MESSAGE = 2,         /* string (replies) */
	ATTACH_A_VERSION = 3,         /* u32 */
	ATTACH_A_VERSION_MIN = 4,     /* u32 (HELLO reply) */
	ATTACH_A_VOLUME_ID = 5,       /* string, canonical UUID */
	ATTACH_A_DEVICE = 6,          /* string, absolute path of a block device */
	ATTACH_A_NAME = 7,            /* string */
	ATTACH_A_MULTIATTACH = 8,     /* flag */
	ATTACH_A_INITIATOR = 9,       /* string, iSCSI name (iqn./eui./naa.) */
	ATTACH_A_HOST = 10,           /* string */
	ATTACH_A_IP = 11,             /* string, IPv4 or IPv6 address */
	ATTACH_A_MULTIPATH = 12,      /* flag */
	ATTACH_A_INSTANCE = 13,       /* string, UUID */
	ATTACH_A_MOUNTPOINT = 14,     /* string */
	ATTACH_A_MODE = 15,           /* u8, enum attach_mode */
	ATTACH_A_ATTACHMENT_ID = 16,  /* string, UUID */
	ATTACH_A_FORCE = 17,          /* flag */
	ATTACH_A_STATE = 18,          /* u8, enum attach_volume_state or enum attach_attachment_state */
	ATTACH_A_VOLUME = 19,         /* nested: one volume (VOLUME_LIST reply) */
	ATTACH_A_ATTACHMENT = 20,     /* nested: one attachment (VOLUME_SHOW reply) */
	ATTACH_A_EXPORT = 21,         /* nested: the volume's export (VOLUME_SHOW reply) */
	ATTACH_A_ACL = 22,            /* nested: one initiator's access (VOLUME_SHOW reply) */
	ATTACH_A_TARGET_IQN = 23,     /* string */
	ATTACH_A_PORTAL = 24,         /* string "ip:port" or "[ip6]:port" (inside ATTACH_A_PORTALS) */
	ATTACH_A_PORTALS = 25,        /* nested: ATTACH_A_PORTAL, repeated, in order */
	ATTACH_A_LUN = 26,            /* u32 */
	ATTACH_A_AUTH_METHOD = 27,    /* string, "CHAP" */
	ATTACH_A_AUTH_USERNAME = 28,  /* string */
	ATTACH_A_AUTH_PASSWORD = 29,  /* string (secret) */
	ATTACH_A_DRIVER_TYPE = 30,    /* string, "iscsi" */
	ATTACH_A_SIZE = 31,           /* u64, bytes */
	ATTACH_A_REFS = 32,           /* u32 */
	ATTACH_A_CREATED = 33,        /* u64, seconds since the epoch */
	ATTACH_A_SHOW_SECRETS = 34,   /* flag (VOLUME_SHOW request) */
	ATTACH_A_DRY_RUN = 35,        /* flag: plan only, change nothing */
	ATTACH_A_PLAN = 36,           /* nested: ATTACH_A_STEP, repeated, in order */
	ATTACH_A_STEP = 37,           /* string: one planned step */
	ATTACH_A_CONNECTED = 38,      /* flag: the attachment holds a connection (volume-show) */
	ATTACH_A_IDENTITY = 39,       /* string: the registered disk's identity, "wwid:...", "dm-uuid:..." */
	ATTACH_A_DEVICE_NODE = 40,    /* string: the kernel's path of the device when it was registered */
	ATTACH_A_DOWN = 41,           /* string (export nest): why the export is down; absent when it is up */
	ATTACH_A_PURGE_UNOWNED = 42,  /* flag (RECONCILE request): also remove objects with attachd's names
				       * that this agent's database never made */
	ATTACH_A_MUTUAL_CHAP = 43,    /* flag (INITIALIZE_CONNECTION request): the target authenticates too */
	ATTACH_A_AUTH_USERNAME_IN = 44, /* string: the target's CHAP username (mutual CHAP) */
	ATTACH_A_AUTH_PASSWORD_IN = 45, /* string (secret): the target's CHAP secret (mutual CHAP) */
	/* SendTargets discovery CHAP (INITIALIZE_CONNECTION reply), present only with attachd --discovery-chap */
	ATTACH_A_DISCOVERY_AUTH_METHOD = 46, /* string, "CHAP" */
	ATTACH_A_DISCOVERY_USERNAME = 47,    /* string */
	ATTACH_A_DISCOVERY_PASSWORD = 48,    /* string (secret) */
	/* STATS reply (docs/PROTOCOL.md 8.17) */
	ATTACH_A_TIME = 49,           /* u64, seconds since the epoch: the agent's start; a reconcile's end */
	ATTACH_A_CALL_STATS = 50,     /* nested, repeated: one call's counters (NAME, COUNT, SUM_US, TALLY, BUCKET) */
	ATTACH_A_TALLY = 51,          /* nested, repeated: NAME or STATUS, and COUNT */
	ATTACH_A_COUNT = 52,          /* u64 */
	ATTACH_A_BUCKET = 53,         /* nested, repeated: LE_US and COUNT, cumulative (a latency histogram) */
	ATTACH_A_LE_US = 54,          /* u64, microseconds: a bucket's upper bound */
	ATTACH_A_SUM_US = 55,         /* u64, microseconds: the sum of the durations counted */
	ATTACH_A_RECORDS = 56,        /* nested: TALLY per kind of record (the store's counts) */
	ATTACH_A_RECONCILE_RUN = 57,  /* nested, repeated: a reconcile's outcome (at start, the last called) */
	ATTACH_A_EXPORT_STATS = 58,   /* nested, repeated: one export's iSCSI sessions, as the kernel shows them */
	ATTACH_A_SESSIONS = 59,       /* u32: the target's sessions (its fabric_statistics) */
	ATTACH_A_LOGGED_IN = 60,      /* flag (ACL nest of EXPORT_STATS): the initiator has a session */
	/* NVMe over TCP (docs/PROTOCOL.md 5.x). A request's attributes are bits of a 64-bit mask (attach.h,
	 * ATTACH_BIT), so the NVMe side reuses the attributes whose role it shares: TARGET_IQN carries the
	 * subsystem NQN, LUN the namespace id, AUTH_PASSWORD / AUTH_PASSWORD_IN the host's and the
	 * controller's DH-HMAC-CHAP secrets, MUTUAL_CHAP asks for bidirectional authentication. */
	ATTACH_A_TRANSPORT = 61,      /* u8, enum attach_transport (VOLUME_CREATE; volume nests) */
	ATTACH_A_NQN = 62,            /* string, the connector's host NQN (nqn.YYYY-MM.<domain>:..., <= 223) */
	ATTACH_A_DHCHAP = 63,         /* string, a DH group: null, ffdhe2048 ... ffdhe8192 (INITIALIZE_CONNECTION:
				       * asks for DH-HMAC-CHAP; replies: the group the host's key uses) */
	__ATTACH_A_MAX,
};
#define ATTACH_A_MAX (__ATTACH_A_MAX - 1)

/* ATTACH_A_STATUS. 0 is success; everything else comes with a message naming the object. */
enum attach_status {
	ATTACH_OK = 0,
	ATTACH_E_INVALID = 1,      /* a request attribute has a bad value */
	ATTACH_E_PROTO = 2,        /* malformed message: framing, attribute layout, order of calls */
	ATTACH_E_VERSION = 3,      /* protocol version not supported */
	ATTACH_E_UNKNOWN_CALL = 4, /* nlmsg_type is not a call */
	ATTACH_E_PERM = 5,         /* caller not allowed */
	ATTACH_E_NOT_FOUND = 6,    /* no such volume or attachment */
	ATTACH_E_EXISTS = 7,       /* the object already exists */
	ATTACH_E_STATE = 8,        /* the volume is not in a state the call accepts */
	ATTACH_E_BUSY = 9,         /* the object is in use (attached, exported, device taken) */
	ATTACH_E_NOT_BLOCK = 10,   /* the path is not a block device */
	ATTACH_E_TOO_BIG = 11,     /* message or value over its limit */
	ATTACH_E_LIMIT = 12,       /* a configured limit is reached (clients, volumes) */
	ATTACH_E_NO_SPACE = 13,    /* the store is full */
	ATTACH_E_KERNEL = 14,      /* the kernel refused a configfs or device-mapper step; the steps already
				    * done were undone (the message says if that rollback was incomplete) */
	ATTACH_E_INTERNAL = 15,    /* anything else; the agent's log has details */
	ATTACH_E_TIMEOUT = 16,     /* the request did not arrive in time */
	ATTACH_E_WRONG_DEVICE = 17, /* the volume's device is missing, or is not the disk that was registered:
				     * its export stays down (the message says what was found) */
	ATTACH_E_ALREADY = 18,     /* the call already took effect (a retry whose reply was lost): the message
				    * says what is there */
	ATTACH_E_UNSUPPORTED = 19, /* the kernel lacks what the request asks for (DH-HMAC-CHAP without
				    * CONFIG_NVME_TARGET_AUTH), or the agent is not configured for it (no
				    * --nvme-port): nothing was changed, nothing was downgraded */
	__ATTACH_E_MAX,
};

enum attach_volume_state {
	ATTACH_STATE_AVAILABLE = 1,
	ATTACH_STATE_ATTACHING = 2,
	ATTACH_STATE_IN_USE = 3,
	ATTACH_STATE_DETACHING = 4,
};

enum attach_attachment_state {
	ATTACH_ATT_RESERVED = 1, /* made by reserve, not yet attached */
	ATTACH_ATT_ATTACHED = 2,
};

/* How a volume is exported, chosen at volume-create (a record without one is iSCSI). */
enum attach_transport {
	ATTACH_TRANSPORT_ISCSI = 0,    /* LIO iSCSI target, CHAP */
	ATTACH_TRANSPORT_NVME_TCP = 1, /* nvmet over TCP, host NQN access, optional DH-HMAC-CHAP */
};

enum attach_mode {
	ATTACH_MODE_RW = 0,
	ATTACH_MODE_RO = 1,
};

/* Field limits, in bytes without the terminating NUL. */
#define ATTACH_UUID_LEN 36
#define ATTACH_IQN_MAX 223
#define ATTACH_PATH_MAX 1023
#define ATTACH_NAME_MAX 255
#define ATTACH_HOST_MAX 255
#define ATTACH_IP_MAX 63
#define ATTACH_PORTAL_MAX 70
#define ATTACH_MESSAGE_MAX 1023
#define ATTACH_CHAP_MAX 255
#define ATTACH_DHGROUP_MAX 15 /* ATTACH_A_DHCHAP: "ffdhe2048" ... */

#endif
