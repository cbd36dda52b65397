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
#include "store.h"

#define AGENT_ALLOW_MAX 32
#define AGENT_DEFAULT_IQN_PREFIX "iqn.2026-11.org.attachd"
#define AGENT_DEFAULT_CONFIGFS "/sys/kernel/config"
#define AGENT_DEFAULT_MAX_CLIENTS 64
#define AGENT_DEFAULT_MAX_VOLUMES 4096
#define AGENT_DEFAULT_MAX_EXPORTS 4096
#define AGENT_DEFAULT_REQUEST_TIMEOUT_MS 10000
/* attachd's HBA under target/core: every storage object of ours lives in iblock_<AGENT_HBA_INDEX>. */
#define AGENT_HBA "iblock_1000"

struct agent_config {
	const char *socket_path;
	const char *db_dir;
	const char *configfs_root;
	const char *iqn_prefix;
	char portals[REC_PORTALS_MAX][ATTACH_PORTAL_MAX + 1]; /* canonical "ip:port" / "[ip6]:port" */
	size_t n_portals;
	bool no_dm, no_kmod, foreground;
	uid_t allow_uid[AGENT_ALLOW_MAX];
	size_t n_allow_uid;
	gid_t allow_gid[AGENT_ALLOW_MAX];
	size_t n_allow_gid;
	unsigned max_clients;
	unsigned max_volumes;
	unsigned max_exports;
	unsigned request_timeout_ms; /* a half-sent request is dropped after this */
	enum log_level log_level;
};

struct agent {
	struct agent_config cfg;
	struct store *store;
	struct cfs cfs;
};

#endif
