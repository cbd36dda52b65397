/* SPDX-License-Identifier: Apache-2.0 */
/*
 * options.c: attachd's options (see options.h and attachd --help): a table of the long options, one
 * setter per kind of value, and the checks of the whole.
 *
 * A hand-written loop rather than getopt_long(), as in tools/attachctl_args.c: getopt keeps its place in
 * globals (optind, optarg, opterr, and glibc's hidden position inside "-abc"), so it can be restarted
 * (glibc: optind = 0) but never run twice at once, it changes the caller's opterr, and GNU getopt
 * permutes the caller's argv. This loop keeps its place in a local, leaves argv as it is, and can run
 * any number of times in one process (tests). It accepts what getopt_long accepted: "--opt value" (the
 * next argument, whatever it is), "--opt=value", "--" ending the options, an unambiguous abbreviation of
 * a name ("--fore"), and arguments that are not options anywhere (refused after the options, so an
 * option's own error, --help or --version comes first, as after getopt's permutation).
 */
#include "options.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fail.h"
#include "options_row.h"
#include "portal.h"
#include "proto.h"

void options_usage(FILE *out)
{
	fprintf(out,
		"usage: attachd --socket S --db DIR --portal IP:PORT [--portal IP:PORT ...] [options]\n"
		"\n"
		"Attach and detach block volumes for remote hosts (iSCSI, LIO) on behalf of local callers.\n"
		"\n"
		"  --config FILE        read options from FILE (default %s, when it exists): \"key = value\"\n"
		"                       lines, each key a long option below without its dashes; options given\n"
		"                       here replace the file's (a repeatable one: all of the file's entries)\n"
		"  --socket S           control socket path (created 0660)\n"
		"  --db DIR             record database directory (created 0700)\n"
		"  --portal IP:PORT     iSCSI portal for exports; [IPv6]:PORT; repeat for multipath (max %d)\n"
		"  --configfs-root R    configfs mount point (default %s)\n"
		"  --iqn-prefix P       targets are named P:<volume-id> (default %s)\n"
		"  --nvme-port IP:PORT  NVMe/TCP port for nvme-tcp volumes; [IPv6]:PORT; repeatable (max %d);\n"
		"                       with none, volumes are exported over iSCSI only\n"
		"  --nqn-prefix P       NVMe subsystems are named P:<volume-id> (default %s)\n"
		"  --no-dm              export volume devices directly, without a device-mapper device\n"
		"  --no-kmod            do not load kernel modules or mount configfs\n"
		"  --foreground         stay in the foreground and log to stderr (default: daemon, syslog)\n"
		"  --allow-uid UID      also serve this uid (root always; repeatable)\n"
		"  --allow-gid GID      also serve this gid (repeatable; the first one owns the socket)\n"
		"  --read-uid UID       also serve this uid, read-only calls only: volume-list, volume-show\n"
		"                       without secrets (repeatable; it needs the socket's group or mode too)\n"
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
		"  --discovery-chap     SendTargets discovery requires CHAP: credentials made once, kept in the\n"
		"                       database, returned by initialize-connection (discovery_auth_*)\n"
		"  --log-level L        err, warning, info (default) or debug (error and warn also work)\n"
		"  --version, --help\n",
		AGENT_DEFAULT_CONFIG, REC_PORTALS_MAX, AGENT_DEFAULT_CONFIGFS, AGENT_DEFAULT_IQN_PREFIX, REC_PORTALS_MAX,
		AGENT_DEFAULT_NQN_PREFIX, AGENT_DEFAULT_MAX_CLIENTS,
		AGENT_ROOT_SLOTS, AGENT_DEFAULT_MAX_CLIENTS_PER_UID, AGENT_DEFAULT_MAX_VOLUMES, AGENT_DEFAULT_MAX_EXPORTS,
		AGENT_DEFAULT_REQUEST_TIMEOUT_MS, AGENT_DEFAULT_IDLE_TIMEOUT_MS);
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
			return fail_with(-EINVAL, err, errlen, "--iqn-prefix %s: %s is the default of another tool; attachd "
					    "needs a prefix of its own", prefix, f);
	}
	return 0;
}

/* A device prefix: an absolute path, no "." or ".." components. */
static int options_device_prefix(const char *p, char *err, size_t errlen)
{
	if (p[0] != '/' || strstr(p, "/./") || strstr(p, "/../") || strstr(p, "//") ||
	    (strlen(p) >= 2 && !strcmp(p + strlen(p) - 2, "/.")) || (strlen(p) >= 3 && !strcmp(p + strlen(p) - 3, "/..")))
		return fail_with(-EINVAL, err, errlen, "--device-prefix %s: an absolute path without \".\", \"..\" or \"//\"", p);
	return 0;
}

/* LVM's volume group names: [A-Za-z0-9+_.-], not starting with '-', not "." or "..". */
static int options_device_vg(const char *vg, char *err, size_t errlen)
{
	if (!vg[0] || vg[0] == '-' || !strcmp(vg, ".") || !strcmp(vg, "..") || strlen(vg) > 127 ||
	    strspn(vg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+_.-") != strlen(vg))
		return fail_with(-EINVAL, err, errlen, "--device-vg %s: not an LVM volume group name", vg);
	return 0;
}

/* LIO cannot build a wildcard next to another portal on the same port: its [::] listener takes the port
 * for IPv4 too, and its duplicate check compares addresses without their family (seen on Debian's 6.1
 * and 6.12: every export would then fail) */
static int options_check_wildcards(const struct agent_config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < cfg->n_portals; i++) {
		struct portal p, q;
		char why[128];
		if (portal_parse(cfg->portals[i], &p, why, sizeof(why)) || !portal_is_wildcard(&p))
			continue;
		for (size_t j = 0; j < cfg->n_portals; j++)
			if (j != i && !portal_parse(cfg->portals[j], &q, why, sizeof(why)) && q.port == p.port)
				return fail_with(-EINVAL, err, errlen,
						    "--portal %s is a wildcard: it cannot share port %u with --portal %s "
						    "(the kernel refuses the pair); use one wildcard, or addresses",
						    p.text, p.port, q.text);
	}
	return 0;
}

/* The prefix must make valid target names: checked with a sample volume id. */
static int options_check_iqn(const char *prefix, char *err, size_t errlen)
{
	/* why stays empty when the name check is not reached (a prefix without "iqn."): it printed "()" there
	 * before, from a buffer read uninitialized */
	char sample[ATTACH_IQN_MAX + 64], why[160] = "";
	snprintf(sample, sizeof(sample), "%s:00000000-0000-0000-0000-000000000000", prefix);
	if (strchr(prefix, ':') || strncasecmp(prefix, "iqn.", 4) || proto_iscsi_name_check(sample, why, sizeof(why)))
		return fail_with(-EINVAL, err, errlen, "--iqn-prefix %s: targets would not be valid iqn. names (%s)", prefix,
				    strchr(prefix, ':') ? "no ':' in the prefix" : why);
	return 0;
}

/* The NQN prefix must make valid subsystem NQNs: checked with a sample volume id. */
static int options_check_nqn(const char *prefix, char *err, size_t errlen)
{
	char sample[ATTACH_IQN_MAX + 64], why[160] = "";
	snprintf(sample, sizeof(sample), "%s:00000000-0000-0000-0000-000000000000", prefix);
	if (strlen(sample) > PROTO_NQN_MAX || proto_nvme_name_check(sample, why, sizeof(why)))
		return fail_with(-EINVAL, err, errlen, "--nqn-prefix %s: subsystems would not be valid NQNs (%s)", prefix,
				    why[0] ? why : "longer than 223 bytes");
	return 0;
}

/* The options as a whole, once all are read: the required ones, and those that depend on others. */
static int options_check(struct agent_config *cfg, char *err, size_t errlen)
{
	if (!cfg->socket_path)
		return fail_with(-EINVAL, err, errlen, "--socket is required");
	if (!cfg->db_dir)
		return fail_with(-EINVAL, err, errlen, "--db is required");
	if (!cfg->n_portals)
		return fail_with(-EINVAL, err, errlen, "at least one --portal is required");
	int rc = options_check_wildcards(cfg, err, errlen);
	if (rc)
		return rc;
	if (cfg->configfs_root[0] != '/')
		return fail_with(-EINVAL, err, errlen, "--configfs-root must be an absolute path");
	rc = options_check_iqn(cfg->iqn_prefix, err, errlen);
	if (!rc)
		rc = options_check_nqn(cfg->nqn_prefix, err, errlen);
	if (rc)
		return rc;
	if (cfg->max_clients_per_uid > cfg->max_clients)
		cfg->max_clients_per_uid = cfg->max_clients;
	return options_check_prefix(cfg->iqn_prefix, err, errlen);
}

static void *options_field(struct agent_config *cfg, size_t offset)
{
	return (char *)cfg + offset;
}

/* A string: the option's value itself, which points into argv. */
static int options_set_string(const struct options_row *row, const char *value, struct agent_config *cfg,
			      char *err, size_t errlen)
{
	(void)err, (void)errlen;
	*(const char **)options_field(cfg, row->field) = value;
	return 0;
}

static int options_set_flag(const struct options_row *row, const char *value, struct agent_config *cfg, char *err,
			    size_t errlen)
{
	(void)value, (void)err, (void)errlen;
	*(bool *)options_field(cfg, row->field) = true;
	return 0;
}

/* An unsigned member from 1 to row->max. */
static int options_set_number(const struct options_row *row, const char *value, struct agent_config *cfg,
			      char *err, size_t errlen)
{
	unsigned long n;
	if (options_number(value, row->max, &n) || n == 0) {
		if (row->unit)
			return fail_with(-EINVAL, err, errlen, "--%s %s: %s, 1 to %lu", row->name, value, row->unit, row->max);
		return fail_with(-EINVAL, err, errlen, "--%s %s: a number from 1 to %lu", row->name, value, row->max);
	}
	*(unsigned *)options_field(cfg, row->field) = (unsigned)n;
	return 0;
}

/* uid_t and gid_t are both unsigned int (Linux): one setter appends to either list. */
_Static_assert(_Generic((uid_t)0, unsigned: 1, default: 0) && _Generic((gid_t)0, unsigned: 1, default: 0),
	       "uid_t and gid_t are unsigned int");

/* A uid or gid appended to its list: decimal, 0 to 2^32 - 2 ((uid_t)-1 means "no id" to the kernel). */
static int options_set_id(const struct options_row *row, const char *value, struct agent_config *cfg, char *err,
			  size_t errlen)
{
	unsigned long n;
	if (options_number(value, 0xfffffffeul, &n))
		return fail_with(-EINVAL, err, errlen, "--%s %s: not a numeric id", row->name, value);
	size_t *count = options_field(cfg, row->count);
	if (*count == AGENT_ALLOW_MAX)
		return fail_with(-EINVAL, err, errlen, "at most %d --%s", AGENT_ALLOW_MAX, row->name);
	((unsigned *)options_field(cfg, row->field))[(*count)++] = (unsigned)n;
	return 0;
}

/* A portal (--portal) or an NVMe port (--nvme-port), in its canonical spelling: each one once, at most
 * REC_PORTALS_MAX of each. */
static int options_set_portal(const struct options_row *row, const char *value, struct agent_config *cfg,
			      char *err, size_t errlen)
{
	struct portal p;
	char why[160];
	char (*list)[ATTACH_PORTAL_MAX + 1] = options_field(cfg, row->field);
	size_t *n = options_field(cfg, row->count);
	if (portal_parse(value, &p, why, sizeof(why)))
		return fail_with(-EINVAL, err, errlen, "--%s %s: %s", row->name, value, why);
	if (*n == REC_PORTALS_MAX)
		return fail_with(-EINVAL, err, errlen, "at most %d --%s", REC_PORTALS_MAX, row->name);
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(list[i], p.text))
			return fail_with(-EINVAL, err, errlen, "--%s %s given twice", row->name, p.text);
	memcpy(list[(*n)++], p.text, sizeof(p.text));
	return 0;
}

/* An entry of the device policy (--device-prefix, --device-vg), checked already, appended to its list. */
static int options_append_policy(const struct options_row *row, const char *value, struct agent_config *cfg,
				 char *err, size_t errlen)
{
	size_t *count = options_field(cfg, row->count);
	if (*count == AGENT_DEVICE_POLICY_MAX)
		return fail_with(-EINVAL, err, errlen, "at most %d --device-prefix and --device-vg each",
				    AGENT_DEVICE_POLICY_MAX);
	((const char **)options_field(cfg, row->field))[(*count)++] = value;
	return 0;
}

static int options_set_device_prefix(const struct options_row *row, const char *value, struct agent_config *cfg,
				     char *err, size_t errlen)
{
	int rc = options_device_prefix(value, err, errlen);
	return rc ? rc : options_append_policy(row, value, cfg, err, errlen);
}

static int options_set_device_vg(const struct options_row *row, const char *value, struct agent_config *cfg,
				 char *err, size_t errlen)
{
	int rc = options_device_vg(value, err, errlen);
	return rc ? rc : options_append_policy(row, value, cfg, err, errlen);
}

static int options_set_log_level(const struct options_row *row, const char *value, struct agent_config *cfg,
				 char *err, size_t errlen)
{
	(void)row;
	if (log_level_parse(value, &cfg->log_level))
		return fail_with(-EINVAL, err, errlen, "--log-level %s: err, warning, info or debug", value);
	return 0;
}

/* --help and --version end the parse at once: what follows them is not looked at. */
static int options_set_help(const struct options_row *row, const char *value, struct agent_config *cfg, char *err,
			    size_t errlen)
{
	(void)row, (void)value, (void)cfg, (void)err, (void)errlen;
	return OPTIONS_HELP;
}

static int options_set_version(const struct options_row *row, const char *value, struct agent_config *cfg,
			       char *err, size_t errlen)
{
	(void)row, (void)value, (void)cfg, (void)err, (void)errlen;
	return OPTIONS_VERSION;
}

/* A row of each kind: @m names the member of struct agent_config it sets, @n a list's count. */
#define OPT_ROW(name, has_arg, list, cli, set, field, count, max, unit) \
	{ name, has_arg, list, cli, set, field, count, max, unit }
#define OPT_AT(m) offsetof(struct agent_config, m)
#define OPT_STRING(name, m) OPT_ROW(name, true, false, false, options_set_string, OPT_AT(m), 0, 0, NULL)
#define OPT_FLAG(name, m) OPT_ROW(name, false, false, false, options_set_flag, OPT_AT(m), 0, 0, NULL)
#define OPT_NUMBER(name, m, max, unit) \
	OPT_ROW(name, true, false, false, options_set_number, OPT_AT(m), 0, max, unit)
#define OPT_LIST(name, set, m, n) OPT_ROW(name, true, true, false, set, OPT_AT(m), OPT_AT(n), 0, NULL)
#define OPT_OWN(name, has_arg, set) OPT_ROW(name, has_arg, false, false, set, 0, 0, 0, NULL)
#define OPT_CLI(name, has_arg, set, field) OPT_ROW(name, has_arg, false, true, set, field, 0, 0, NULL)

/* Every option: adding one is adding a row (and its line in options_usage()). */
const struct options_row options_rows[] = {
	OPT_CLI("config", true, options_set_string, OPT_AT(config_path)),
	OPT_STRING("socket", socket_path),
	OPT_STRING("db", db_dir),
	OPT_LIST("portal", options_set_portal, portals, n_portals),
	OPT_STRING("configfs-root", configfs_root),
	OPT_STRING("iqn-prefix", iqn_prefix),
	OPT_LIST("nvme-port", options_set_portal, nvme_ports, n_nvme_ports),
	OPT_STRING("nqn-prefix", nqn_prefix),
	OPT_FLAG("no-dm", no_dm),
	OPT_FLAG("no-kmod", no_kmod),
	OPT_FLAG("foreground", foreground),
	OPT_LIST("allow-uid", options_set_id, allow_uid, n_allow_uid),
	OPT_LIST("allow-gid", options_set_id, allow_gid, n_allow_gid),
	OPT_LIST("read-uid", options_set_id, read_uid, n_read_uid),
	OPT_NUMBER("max-clients", max_clients, 65536, NULL),
	OPT_NUMBER("max-clients-per-uid", max_clients_per_uid, 65536, NULL),
	OPT_NUMBER("max-volumes", max_volumes, 1000000, NULL),
	OPT_NUMBER("max-exports", max_exports, 1000000, NULL),
	OPT_NUMBER("request-timeout", request_timeout_ms, 3600000, "milliseconds"),
	OPT_NUMBER("idle-timeout", idle_timeout_ms, 86400000, "milliseconds"),
	OPT_LIST("device-prefix", options_set_device_prefix, device_prefix, n_device_prefix),
	OPT_LIST("device-vg", options_set_device_vg, device_vg, n_device_vg),
	OPT_FLAG("discovery-chap", discovery_chap),
	OPT_OWN("log-level", true, options_set_log_level),
	OPT_CLI("version", false, options_set_version, 0),
	OPT_CLI("help", false, options_set_help, 0),
};
#define OPTIONS_N_ROWS (sizeof(options_rows) / sizeof(options_rows[0]))
const size_t options_n_rows = OPTIONS_N_ROWS;
/* options_one() marks the lists the command line gives in a 64-bit mask */
_Static_assert(OPTIONS_N_ROWS <= 64, "more rows than bits in options_one()'s mask");

/*
 * The row that @name (@len bytes: what comes before any '=') names: its own name, or else the beginning of
 * exactly one name (getopt_long's abbreviations, accepted since the first release: "--fore"). NULL when
 * it names none, or the beginning of several ("--max-c").
 */
static const struct options_row *options_find(const char *name, size_t len)
{
	const struct options_row *found = NULL;
	size_t matches = 0;
	for (size_t i = 0; i < OPTIONS_N_ROWS; i++) {
		if (strncmp(options_rows[i].name, name, len))
			continue;
		if (strlen(options_rows[i].name) == len)
			return &options_rows[i];
		found = &options_rows[i];
		matches++;
	}
	return matches == 1 ? found : NULL;
}

/*
 * argv[*@i], an option (it begins with '-' and is neither "-" nor "--"), with its value: after '=', or
 * the next argument, whatever it is (as getopt_long took it), which *@i then moves past. Single-dash
 * options are all unknown. With @lists (the pass over the configuration file's settings), the first use
 * of a list on the command line empties it first, and *@lists marks it.
 */
static int options_one(int argc, char **argv, int *i, struct agent_config *cfg, uint64_t *lists, char *err,
		       size_t errlen)
{
	const char *arg = argv[*i], *eq = NULL;
	const struct options_row *row = NULL;
	if (arg[1] == '-') {
		eq = strchr(arg + 2, '=');
		row = options_find(arg + 2, eq ? (size_t)(eq - (arg + 2)) : strlen(arg + 2));
	}
	if (!row || (eq && !row->has_arg) || (!eq && row->has_arg && *i + 1 >= argc))
		return fail_with(-EINVAL, err, errlen, "unknown or incomplete option %s", arg);
	const char *value = NULL;
	if (row->has_arg)
		value = eq ? eq + 1 : argv[++*i];
	uint64_t bit = UINT64_C(1) << (row - options_rows);
	if (lists && row->list && !(*lists & bit)) {
		*(size_t *)options_field(cfg, row->count) = 0;
		*lists |= bit;
	}
	return row->set(row, value, cfg, err, errlen);
}

static void options_defaults(struct agent_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->configfs_root = AGENT_DEFAULT_CONFIGFS;
	cfg->iqn_prefix = AGENT_DEFAULT_IQN_PREFIX;
	cfg->nqn_prefix = AGENT_DEFAULT_NQN_PREFIX;
	cfg->max_clients = AGENT_DEFAULT_MAX_CLIENTS;
	cfg->max_volumes = AGENT_DEFAULT_MAX_VOLUMES;
	cfg->max_exports = AGENT_DEFAULT_MAX_EXPORTS;
	cfg->request_timeout_ms = AGENT_DEFAULT_REQUEST_TIMEOUT_MS;
	cfg->idle_timeout_ms = AGENT_DEFAULT_IDLE_TIMEOUT_MS;
	cfg->max_clients_per_uid = AGENT_DEFAULT_MAX_CLIENTS_PER_UID;
	cfg->log_level = LOG_LVL_INFO;
}

/* The command line's options into @cfg, in order; @lists as for options_one() (NULL: lists append). */
static int options_argv(int argc, char **argv, struct agent_config *cfg, uint64_t *lists, char *err,
			size_t errlen)
{
	const char *stray = NULL; /* the first argument that is not an option */
	bool options_done = false;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!options_done && !strcmp(arg, "--")) {
			options_done = true;
			continue;
		}
		if (options_done || arg[0] != '-' || !arg[1]) {
			if (!stray)
				stray = arg;
			continue;
		}
		int rc = options_one(argc, argv, &i, cfg, lists, err, errlen);
		if (rc)
			return rc;
	}
	if (stray)
		return fail_with(-EINVAL, err, errlen, "unexpected argument %s", stray);
	return 0;
}

const char *options_default_config(void)
{
	return AGENT_DEFAULT_CONFIG;
}

/*
 * The command line is read twice. First alone, on defaults: its own errors, --help and --version come
 * first and as they always did, and it names the file. Then over the file's settings, so that what it
 * gives wins: a single value replaces the file's, a list replaces the file's list (options_one()).
 */
int options_parse(int argc, char **argv, const char *default_config, struct agent_config *cfg, char *err,
		  size_t errlen)
{
	struct agent_config cli;
	options_defaults(&cli);
	int rc = options_argv(argc, argv, &cli, NULL, err, errlen);
	options_defaults(cfg);
	if (rc)
		return rc;
	const char *path = cli.config_path ? cli.config_path : default_config;
	if (path) {
		rc = options_file_read(path, cli.config_path != NULL, cfg, err, errlen);
		if (rc < 0) {
			options_free(cfg);
			return rc;
		}
	}
	uint64_t lists = 0;
	rc = options_argv(argc, argv, cfg, &lists, err, errlen);
	if (!rc)
		rc = options_check(cfg, err, errlen);
	if (rc)
		options_free(cfg);
	return rc;
}

void options_free(struct agent_config *cfg)
{
	free(cfg->config_text);
	cfg->config_text = NULL;
}
