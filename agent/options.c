/* SPDX-License-Identifier: Apache-2.0 */
/* options.c: attachd's options (see options.h and attachd --help). */
#include <stdio.h>

#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "portal.h"
#include "proto.h"

void options_usage(FILE *out)
{
	fprintf(out,
		"usage: attachd --socket S --db DIR --portal IP:PORT [--portal IP:PORT ...] [options]\n"
		"\n"
		"Attach and detach block volumes for remote hosts (iSCSI, LIO) on behalf of local callers.\n"
		"\n"
		"  --socket S           control socket path (created 0660)\n"
		"  --db DIR             record database directory (created 0700)\n"
		"  --portal IP:PORT     iSCSI portal for exports; [IPv6]:PORT; repeat for multipath (max %d)\n"
		"  --configfs-root R    configfs mount point (default %s)\n"
		"  --iqn-prefix P       targets are named P:<volume-id> (default %s)\n"
		"  --no-dm              export volume devices directly, without a device-mapper device\n"
		"  --no-kmod            do not load kernel modules or mount configfs\n"
		"  --foreground         stay in the foreground and log to stderr (default: daemon, syslog)\n"
		"  --allow-uid UID      also serve this uid (root always; repeatable)\n"
		"  --allow-gid GID      also serve this gid (repeatable; the first one owns the socket)\n"
		"  --max-clients N      concurrent connections (default %d; the last %d are kept for root)\n"
		"  --max-clients-per-uid N  connections of one non-root uid (default %d)\n"
		"  --max-volumes N      registered volumes (default %d)\n"
		"  --max-exports N      volumes exported at once (default %d)\n"
		"  --request-timeout MS a half-sent request, or a connection without hello, is dropped after MS\n"
		"                       milliseconds (default %d)\n"
		"  --idle-timeout MS    a connection with no request for MS milliseconds is closed (default %d)\n"
		"  --device-prefix P    volumes may be registered by paths that start with P (repeatable; a\n"
		"                       directory ends in '/': /dev/vg0 would also take /dev/vg00/...)\n"
		"  --device-vg VG       ... or be LVs of volume group VG (repeatable); with neither, only root\n"
		"                       registers devices\n"
		"  --log-level L        error, warn, info (default) or debug\n"
		"  --version, --help\n",
		REC_PORTALS_MAX, AGENT_DEFAULT_CONFIGFS, AGENT_DEFAULT_IQN_PREFIX, AGENT_DEFAULT_MAX_CLIENTS,
		AGENT_ROOT_SLOTS, AGENT_DEFAULT_MAX_CLIENTS_PER_UID, AGENT_DEFAULT_MAX_VOLUMES, AGENT_DEFAULT_MAX_EXPORTS,
		AGENT_DEFAULT_REQUEST_TIMEOUT_MS, AGENT_DEFAULT_IDLE_TIMEOUT_MS);
}

__attribute__((format(printf, 3, 4)))
static int options_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int options_number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || s[0] == '+' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Target name prefixes that other tools use by default: their targets could take ours for theirs and
 * back. attachd owns only <prefix>:<uuid> names that its database made, but refuses these anyway. */
static const char *const options_foreign_prefixes[] = {
	"iqn.2010-10.org.openstack",       /* Cinder's LIO and tgt drivers (target_prefix) */
	"iqn.2003-01.org.linux-iscsi",     /* targetcli / rtslib-fb generated names */
	"iqn.2003-01.com.redhat.iscsi-gw", /* ceph-iscsi */
	"iqn.2016-12.org.gluster-block",   /* gluster-block */
	"iqn.2005-10.org.freenas.ctl",     /* FreeNAS / TrueNAS */
	"iqn.2016-06.io.spdk",             /* SPDK's iSCSI target */
	"iqn.1993-08.org.debian",          /* open-iscsi's initiator names (Debian) */
	"iqn.1994-05.com.redhat",          /* open-iscsi's initiator names (Red Hat) */
	"iqn.2004-10.com.ubuntu",          /* open-iscsi's initiator names (Ubuntu) */
};

static int options_check_prefix(const char *prefix, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(options_foreign_prefixes) / sizeof(options_foreign_prefixes[0]); i++) {
		const char *f = options_foreign_prefixes[i];
		size_t n = strlen(f);
		if (!strncasecmp(prefix, f, n) && (prefix[n] == '\0' || prefix[n] == '.'))
			return options_fail(err, errlen, "--iqn-prefix %s: %s is the default of another tool; attachd "
					    "needs a prefix of its own", prefix, f);
	}
	return 0;
}

/* A device prefix: an absolute path, no "." or ".." components. */
static int options_device_prefix(const char *p, char *err, size_t errlen)
{
	if (p[0] != '/' || strstr(p, "/./") || strstr(p, "/../") || strstr(p, "//") ||
	    (strlen(p) >= 2 && !strcmp(p + strlen(p) - 2, "/.")) || (strlen(p) >= 3 && !strcmp(p + strlen(p) - 3, "/..")))
		return options_fail(err, errlen, "--device-prefix %s: an absolute path without \".\", \"..\" or \"//\"", p);
	return 0;
}

/* LVM's volume group names: [A-Za-z0-9+_.-], not starting with '-', not "." or "..". */
static int options_device_vg(const char *vg, char *err, size_t errlen)
{
	if (!vg[0] || vg[0] == '-' || !strcmp(vg, ".") || !strcmp(vg, "..") || strlen(vg) > 127 ||
	    strspn(vg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+_.-") != strlen(vg))
		return options_fail(err, errlen, "--device-vg %s: not an LVM volume group name", vg);
	return 0;
}

static int options_check(struct agent_config *cfg, char *err, size_t errlen)
{
	if (!cfg->socket_path)
		return options_fail(err, errlen, "--socket is required");
	if (!cfg->db_dir)
		return options_fail(err, errlen, "--db is required");
	if (!cfg->n_portals)
		return options_fail(err, errlen, "at least one --portal is required");
	/* LIO cannot build a wildcard next to another portal on the same port: its [::] listener takes the
	 * port for IPv4 too, and its duplicate check compares addresses without their family (seen on
	 * Debian's 6.1 and 6.12: every export would then fail) */
	for (size_t i = 0; i < cfg->n_portals; i++) {
		struct portal p, q;
		char why[128];
		if (portal_parse(cfg->portals[i], &p, why, sizeof(why)) || !portal_is_wildcard(&p))
			continue;
		for (size_t j = 0; j < cfg->n_portals; j++)
			if (j != i && !portal_parse(cfg->portals[j], &q, why, sizeof(why)) && q.port == p.port)
				return options_fail(err, errlen,
						    "--portal %s is a wildcard: it cannot share port %u with --portal %s "
						    "(the kernel refuses the pair); use one wildcard, or addresses",
						    p.text, p.port, q.text);
	}
	if (cfg->configfs_root[0] != '/')
		return options_fail(err, errlen, "--configfs-root must be an absolute path");
	/* the prefix must make valid target names: check it with a sample volume id */
	char sample[ATTACH_IQN_MAX + 64], why[160];
	snprintf(sample, sizeof(sample), "%s:00000000-0000-0000-0000-000000000000", cfg->iqn_prefix);
	if (strchr(cfg->iqn_prefix, ':') || strncasecmp(cfg->iqn_prefix, "iqn.", 4) ||
	    proto_iscsi_name_check(sample, why, sizeof(why)))
		return options_fail(err, errlen, "--iqn-prefix %s: targets would not be valid iqn. names (%s)",
				    cfg->iqn_prefix, strchr(cfg->iqn_prefix, ':') ? "no ':' in the prefix" : why);
	if (cfg->max_clients_per_uid > cfg->max_clients)
		cfg->max_clients_per_uid = cfg->max_clients;
	return options_check_prefix(cfg->iqn_prefix, err, errlen);
}

int options_parse(int argc, char **argv, struct agent_config *cfg, char *err, size_t errlen)
{
	enum { O_SOCKET = 256, O_DB, O_CONFIGFS, O_PORTAL, O_PREFIX, O_NO_DM, O_NO_KMOD, O_FG, O_UID, O_GID,
	       O_MAXCL, O_MAXVOL, O_MAXEXP, O_TIMEOUT, O_LOG, O_VERSION, O_HELP, O_MAXUID, O_IDLE, O_DEVPFX,
	       O_DEVVG };
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, O_SOCKET },
		{ "db", required_argument, NULL, O_DB },
		{ "configfs-root", required_argument, NULL, O_CONFIGFS },
		{ "portal", required_argument, NULL, O_PORTAL },
		{ "iqn-prefix", required_argument, NULL, O_PREFIX },
		{ "no-dm", no_argument, NULL, O_NO_DM },
		{ "no-kmod", no_argument, NULL, O_NO_KMOD },
		{ "foreground", no_argument, NULL, O_FG },
		{ "allow-uid", required_argument, NULL, O_UID },
		{ "allow-gid", required_argument, NULL, O_GID },
		{ "max-clients", required_argument, NULL, O_MAXCL },
		{ "max-volumes", required_argument, NULL, O_MAXVOL },
		{ "max-exports", required_argument, NULL, O_MAXEXP },
		{ "request-timeout", required_argument, NULL, O_TIMEOUT },
		{ "log-level", required_argument, NULL, O_LOG },
		{ "max-clients-per-uid", required_argument, NULL, O_MAXUID },
		{ "idle-timeout", required_argument, NULL, O_IDLE },
		{ "device-prefix", required_argument, NULL, O_DEVPFX },
		{ "device-vg", required_argument, NULL, O_DEVVG },
		{ "version", no_argument, NULL, O_VERSION },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	memset(cfg, 0, sizeof(*cfg));
	cfg->configfs_root = AGENT_DEFAULT_CONFIGFS;
	cfg->iqn_prefix = AGENT_DEFAULT_IQN_PREFIX;
	cfg->max_clients = AGENT_DEFAULT_MAX_CLIENTS;
	cfg->max_volumes = AGENT_DEFAULT_MAX_VOLUMES;
	cfg->max_exports = AGENT_DEFAULT_MAX_EXPORTS;
	cfg->request_timeout_ms = AGENT_DEFAULT_REQUEST_TIMEOUT_MS;
	cfg->idle_timeout_ms = AGENT_DEFAULT_IDLE_TIMEOUT_MS;
	cfg->max_clients_per_uid = AGENT_DEFAULT_MAX_CLIENTS_PER_UID;
	cfg->log_level = LOG_LVL_INFO;

	optind = 0; /* reset getopt: the parser may run more than once in one process (tests) */
	opterr = 0;
	int o;
	while ((o = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		unsigned long n;
		char why[160];
		struct portal p;
		switch (o) {
		case O_SOCKET:
			cfg->socket_path = optarg;
			break;
		case O_DB:
			cfg->db_dir = optarg;
			break;
		case O_CONFIGFS:
			cfg->configfs_root = optarg;
			break;
		case O_PORTAL:
			if (portal_parse(optarg, &p, why, sizeof(why)))
				return options_fail(err, errlen, "--portal %s: %s", optarg, why);
			if (cfg->n_portals == REC_PORTALS_MAX)
				return options_fail(err, errlen, "at most %d portals", REC_PORTALS_MAX);
			for (size_t i = 0; i < cfg->n_portals; i++)
				if (!strcmp(cfg->portals[i], p.text))
					return options_fail(err, errlen, "--portal %s given twice", p.text);
			memcpy(cfg->portals[cfg->n_portals++], p.text, sizeof(p.text));
			break;
		case O_PREFIX:
			cfg->iqn_prefix = optarg;
			break;
		case O_NO_DM:
			cfg->no_dm = true;
			break;
		case O_NO_KMOD:
			cfg->no_kmod = true;
			break;
		case O_FG:
			cfg->foreground = true;
			break;
		case O_UID:
		case O_GID:
			if (options_number(optarg, 0xfffffffeul, &n))
				return options_fail(err, errlen, "--allow-%s %s: not a numeric id", o == O_UID ? "uid" : "gid",
						    optarg);
			if ((o == O_UID ? cfg->n_allow_uid : cfg->n_allow_gid) == AGENT_ALLOW_MAX)
				return options_fail(err, errlen, "at most %d --allow-uid/--allow-gid each", AGENT_ALLOW_MAX);
			if (o == O_UID)
				cfg->allow_uid[cfg->n_allow_uid++] = (uid_t)n;
			else
				cfg->allow_gid[cfg->n_allow_gid++] = (gid_t)n;
			break;
		case O_MAXCL:
			if (options_number(optarg, 65536, &n) || n == 0)
				return options_fail(err, errlen, "--max-clients %s: a number from 1 to 65536", optarg);
			cfg->max_clients = (unsigned)n;
			break;
		case O_MAXVOL:
		case O_MAXEXP:
			if (options_number(optarg, 1000000, &n) || n == 0)
				return options_fail(err, errlen, "--%s %s: a number from 1 to 1000000",
						    o == O_MAXVOL ? "max-volumes" : "max-exports", optarg);
			*(o == O_MAXVOL ? &cfg->max_volumes : &cfg->max_exports) = (unsigned)n;
			break;
		case O_TIMEOUT:
			if (options_number(optarg, 3600000, &n) || n == 0)
				return options_fail(err, errlen, "--request-timeout %s: milliseconds, 1 to 3600000", optarg);
			cfg->request_timeout_ms = (unsigned)n;
			break;
		case O_MAXUID:
			if (options_number(optarg, 65536, &n) || n == 0)
				return options_fail(err, errlen, "--max-clients-per-uid %s: a number from 1 to 65536", optarg);
			cfg->max_clients_per_uid = (unsigned)n;
			break;
		case O_IDLE:
			if (options_number(optarg, 86400000, &n) || n == 0)
				return options_fail(err, errlen, "--idle-timeout %s: milliseconds, 1 to 86400000", optarg);
			cfg->idle_timeout_ms = (unsigned)n;
			break;
		case O_DEVPFX:
		case O_DEVVG:
			if (o == O_DEVPFX ? options_device_prefix(optarg, err, errlen) : options_device_vg(optarg, err, errlen))
				return -EINVAL;
			if ((o == O_DEVPFX ? cfg->n_device_prefix : cfg->n_device_vg) == AGENT_DEVICE_POLICY_MAX)
				return options_fail(err, errlen, "at most %d --device-prefix and --device-vg each",
						    AGENT_DEVICE_POLICY_MAX);
			if (o == O_DEVPFX)
				cfg->device_prefix[cfg->n_device_prefix++] = optarg;
			else
				cfg->device_vg[cfg->n_device_vg++] = optarg;
			break;
		case O_LOG:
			if (log_level_parse(optarg, &cfg->log_level))
				return options_fail(err, errlen, "--log-level %s: error, warn, info or debug", optarg);
			break;
		case O_VERSION:
			return OPTIONS_VERSION;
		case O_HELP:
			return OPTIONS_HELP;
		default:
			return options_fail(err, errlen, "unknown or incomplete option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return options_fail(err, errlen, "unexpected argument %s", argv[optind]);
	return options_check(cfg, err, errlen);
}
