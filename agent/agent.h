/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent.h: the agent's configuration and long-lived context, passed to every part that needs it (no
 * globals).
 */
#ifndef AGENT_H
#define AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cfs.h"
#include "log.h"
#include "record.h"
#include "stats.h"
#include "store.h"

#define AGENT_ALLOW_MAX 32
#define AGENT_DEFAULT_IQN_PREFIX "iqn.2026-11.org.attachd"
#define AGENT_DEFAULT_NQN_PREFIX "nqn.2026-11.org.attachd" /* NVMe subsystems: <prefix>:<volume-id> */
#define AGENT_DEFAULT_CONFIGFS "/sys/kernel/config"
#define AGENT_DEFAULT_CONFIG "/etc/attachd.conf" /* read when present; --config names another */
#define AGENT_DEFAULT_MAX_CLIENTS 64
#define AGENT_DEFAULT_MAX_VOLUMES 4096
#define AGENT_DEFAULT_MAX_EXPORTS 4096
#define AGENT_DEFAULT_REQUEST_TIMEOUT_MS 10000
#define AGENT_DEFAULT_IDLE_TIMEOUT_MS 300000
#define AGENT_DEFAULT_MAX_CLIENTS_PER_UID 16
#define AGENT_ROOT_SLOTS 4     /* of --max-clients, kept for root (fewer when the limit is small) */
#define AGENT_DEVICE_POLICY_MAX 16
/* attachd's HBA under target/core: every storage object of ours lives in iblock_<AGENT_HBA_INDEX>. */
#define AGENT_HBA "iblock_1000"

struct agent_config {
	const char *config_path; /* the configuration file read, or NULL (the default one was absent) */
	char *config_text;       /* owned: that file's text, which its values point into (options_free()) */
	const char *socket_path;
	const char *db_dir;
	const char *configfs_root;
	const char *iqn_prefix;
	char portals[REC_PORTALS_MAX][ATTACH_PORTAL_MAX + 1]; /* canonical "ip:port" / "[ip6]:port" */
	size_t n_portals;
	/* NVMe/TCP: the nvmet ports of nvme-tcp exports (canonical "ip:port" / "[ip6]:port"); none: the agent
	 * exports over iSCSI only, and loads no nvmet module */
	const char *nqn_prefix;
	char nvme_ports[REC_PORTALS_MAX][ATTACH_PORTAL_MAX + 1];
	size_t n_nvme_ports;
	bool no_dm, no_kmod, foreground;
	uid_t allow_uid[AGENT_ALLOW_MAX];
	size_t n_allow_uid;
	gid_t allow_gid[AGENT_ALLOW_MAX];
	size_t n_allow_gid;
	uid_t read_uid[AGENT_ALLOW_MAX]; /* served read-only calls only (monitoring) */
	size_t n_read_uid;
	unsigned max_clients;
	unsigned max_clients_per_uid; /* connections of one non-root uid */
	unsigned max_volumes;
	unsigned max_exports;
	unsigned request_timeout_ms; /* a half-sent request (and a connection without HELLO) is dropped after this */
	unsigned idle_timeout_ms;    /* a connection with no request for this long is closed */
	/* The device policy (device.h): paths a volume's device may be given by, LVM volume groups it may
	 * be in. Both empty: root alone registers devices, any block device that passes device.c's checks. */
	const char *device_prefix[AGENT_DEVICE_POLICY_MAX];
	size_t n_device_prefix;
	const char *device_vg[AGENT_DEVICE_POLICY_MAX];
	size_t n_device_vg;
	enum log_level log_level;
	bool discovery_chap; /* SendTargets discovery requires CHAP (agent/kernel/discovery.h) */
};

/* Discovery CHAP credentials (agent/kernel/discovery.h): the database's, kept while the agent runs. */
struct agent_discovery {
	bool stored; /* the database holds credentials (made by the first start with --discovery-chap) */
	bool serve;  /* the kernel enforces them: initialize-connection replies carry them */
	char userid[ATTACH_CHAP_MAX + 1];
	char password[ATTACH_CHAP_MAX + 1];
};

struct flight;

struct agent {
	struct agent_config cfg;
	struct store *store;
	struct cfs cfs;
	struct agent_discovery disc;
	/* LIO's dbroot when it is attachd's <db>/dbroot (dbroot.h), "" when the kernel writes elsewhere:
	 * persistent reservations are then not restored */
	char dbroot[CFS_PATH_MAX];
	struct stats stats; /* counters of this process (stats.h): the stats call reads them */
	struct flight *flight; /* the event loop's calls in the kernel (flight.h); NULL before it runs */
};

#endif
