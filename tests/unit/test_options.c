/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_options.c: attachd's command line (agent/options.c): the defaults, every kind of option in both
 * spellings ("--opt value", "--opt=value"), abbreviations, "--", every message for a bad value, the
 * checks of the whole, and that the parser can run many times in one process without touching getopt's
 * globals or the caller's argv.
 *
 * The expected names, limits and messages are written out here, not taken from options.c or agent.h, so
 * that a change on either side shows up as a failure rather than agreeing with itself.
 */
#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "options.h"

/* the options every successful parse needs */
#define SOCK "/run/attachd.sock"
#define DB "/var/lib/attachd"
#define PORTAL "127.0.0.1:3260"
#define BASE "--socket", SOCK, "--db", DB, "--portal", PORTAL

struct parsed {
	int rc;
	struct agent_config cfg;
	char err[512];
};

/* options_parse() on @argv (NULL-terminated, argv[0] included), from a cfg full of garbage, so that a
 * default it forgets to set shows. */
static void parse_argv(struct parsed *p, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	memset(&p->cfg, 0xa5, sizeof(p->cfg));
	snprintf(p->err, sizeof(p->err), "(untouched)");
	p->rc = options_parse(argc, argv, NULL, &p->cfg, p->err, sizeof(p->err));
}

#define PARSE(p, ...)                                                    \
	do {                                                             \
		char *parse_argv_[] = { "attachd", __VA_ARGS__, NULL }; \
		parse_argv((p), parse_argv_);                            \
	} while (0)

/* The parse failed with exactly @msg. */
#define assert_fails(p, msg)                        \
	do {                                                \
		assert_int_equal((p)->rc, -EINVAL);         \
		assert_string_equal((p)->err, (msg));       \
	} while (0)

static void test_defaults(void **state)
{
	(void)state;
	struct parsed p;
	PARSE(&p, BASE);
	assert_int_equal(p.rc, OPTIONS_RUN);
	assert_string_equal(p.cfg.socket_path, SOCK);
	assert_string_equal(p.cfg.db_dir, DB);
	assert_int_equal(p.cfg.n_portals, 1);
	assert_string_equal(p.cfg.portals[0], PORTAL);
	/* the defaults attachd --help documents */
	assert_string_equal(p.cfg.configfs_root, "/sys/kernel/config");
	assert_string_equal(p.cfg.iqn_prefix, "iqn.2026-11.org.attachd");
	assert_false(p.cfg.no_dm);
	assert_false(p.cfg.no_kmod);
	assert_false(p.cfg.foreground);
	assert_false(p.cfg.discovery_chap);
	assert_int_equal(p.cfg.n_allow_uid, 0);
	assert_int_equal(p.cfg.n_allow_gid, 0);
	assert_int_equal(p.cfg.max_clients, 64);
	assert_int_equal(p.cfg.max_clients_per_uid, 16);
	assert_int_equal(p.cfg.max_volumes, 4096);
	assert_int_equal(p.cfg.max_exports, 4096);
	assert_int_equal(p.cfg.request_timeout_ms, 10000);
	assert_int_equal(p.cfg.idle_timeout_ms, 300000);
	assert_int_equal(p.cfg.n_device_prefix, 0);
	assert_int_equal(p.cfg.n_device_vg, 0);
	assert_int_equal(p.cfg.log_level, LOG_LVL_INFO);
}

static void test_strings_both_spellings(void **state)
{
	(void)state;
	struct parsed p;
	char *argv[] = { "attachd", "--socket", "/s", "--db=/d", "--portal", PORTAL, "--configfs-root=/cfs",
			 "--iqn-prefix", "iqn.2020-01.com.example", NULL };
	parse_argv(&p, argv);
	assert_int_equal(p.rc, OPTIONS_RUN);
	/* strings point into argv: a separate value is that argument, "--opt=value" the text after '=' */
	assert_ptr_equal(p.cfg.socket_path, argv[2]);
	assert_ptr_equal(p.cfg.db_dir, argv[3] + strlen("--db="));
	assert_ptr_equal(p.cfg.configfs_root, argv[6] + strlen("--configfs-root="));
	assert_ptr_equal(p.cfg.iqn_prefix, argv[8]);

	PARSE(&p, "--socket=", "--db", DB, "--portal", PORTAL);
	assert_int_equal(p.rc, OPTIONS_RUN);
	assert_string_equal(p.cfg.socket_path, "");
	/* a separate value is the next argument, whatever it looks like (as getopt_long took it) */
	PARSE(&p, "--db", DB, "--portal", PORTAL, "--socket", "--foreground");
	assert_int_equal(p.rc, OPTIONS_RUN);
	assert_string_equal(p.cfg.socket_path, "--foreground");
	assert_false(p.cfg.foreground);
	PARSE(&p, BASE, "--db", "--");
	assert_int_equal(p.rc, OPTIONS_RUN);
	assert_string_equal(p.cfg.db_dir, "--");
	/* the last one given wins */
	PARSE(&p, BASE, "--socket", "/other");
	assert_string_equal(p.cfg.socket_path, "/other");
}

static void test_flags(void **state)
{
	(void)state;
	struct parsed p;
	PARSE(&p, BASE, "--no-dm", "--no-kmod", "--foreground");
	assert_int_equal(p.rc, OPTIONS_RUN);
	assert_true(p.cfg.no_dm);
	assert_true(p.cfg.no_kmod);
	assert_true(p.cfg.foreground);
	PARSE(&p, BASE, "--no-kmod");
	assert_false(p.cfg.no_dm);
	assert_true(p.cfg.no_kmod);
	assert_false(p.cfg.foreground);
	/* a flag takes no value */
	PARSE(&p, BASE, "--no-dm=1");
	assert_fails(&p, "unknown or incomplete option --no-dm=1");
	PARSE(&p, BASE, "--foreground=");
	assert_fails(&p, "unknown or incomplete option --foreground=");
	/* discovery CHAP: a flag like the others */
	PARSE(&p, BASE, "--discovery-chap");
	assert_int_equal(p.rc, OPTIONS_RUN);
	assert_true(p.cfg.discovery_chap);
	assert_false(p.cfg.no_dm);
	PARSE(&p, BASE, "--discovery-chap=yes");
	assert_fails(&p, "unknown or incomplete option --discovery-chap=yes");
}

static const struct number_case {
	const char *name;
	size_t field;
	unsigned long max;
	const char *range; /* the message after "--name value: " */
} number_cases[] = {
	{ "max-clients", offsetof(struct agent_config, max_clients), 65536, "a number from 1 to 65536" },
	{ "max-clients-per-uid", offsetof(struct agent_config, max_clients_per_uid), 65536,
	  "a number from 1 to 65536" },
	{ "max-volumes", offsetof(struct agent_config, max_volumes), 1000000, "a number from 1 to 1000000" },
	{ "max-exports", offsetof(struct agent_config, max_exports), 1000000, "a number from 1 to 1000000" },
	{ "request-timeout", offsetof(struct agent_config, request_timeout_ms), 3600000,
	  "milliseconds, 1 to 3600000" },
	{ "idle-timeout", offsetof(struct agent_config, idle_timeout_ms), 86400000, "milliseconds, 1 to 86400000" },
};

static unsigned number_of(const struct parsed *p, const struct number_case *c)
{
	return *(const unsigned *)((const char *)&p->cfg + c->field);
}

/* --@name @value, given as one argument and as two: both parse the same way. */
static int parse_number(struct parsed *p, const struct number_case *c, const char *value)
{
	char opt[64], joined[128];
	snprintf(opt, sizeof(opt), "--%s", c->name);
	snprintf(joined, sizeof(joined), "--%s=%s", c->name, value);
	/* max-clients-per-uid is lowered to max-clients: keep that one out of the way */
	PARSE(p, BASE, "--max-clients=65536", joined);
	struct parsed first = *p;
	PARSE(p, BASE, "--max-clients", "65536", opt, (char *)value);
	assert_int_equal(p->rc, first.rc);
	assert_string_equal(p->err, first.err);
	if (!p->rc)
		assert_int_equal(number_of(p, c), number_of(&first, c));
	return p->rc;
}

static void test_numbers(void **state)
{
	(void)state;
	static const char *const bad[] = { "0", "-1", "+1", "", "12x", "0x10", "1.5", "99999999999999999999" };
	for (size_t i = 0; i < sizeof(number_cases) / sizeof(number_cases[0]); i++) {
		const struct number_case *c = &number_cases[i];
		struct parsed p;
		char value[32], msg[256];
		assert_int_equal(parse_number(&p, c, "1"), OPTIONS_RUN);
		assert_int_equal(number_of(&p, c), 1);
		snprintf(value, sizeof(value), "%lu", c->max);
		assert_int_equal(parse_number(&p, c, value), OPTIONS_RUN);
		assert_int_equal(number_of(&p, c), c->max);
		snprintf(value, sizeof(value), "%lu", c->max + 1);
		for (size_t j = 0; j <= sizeof(bad) / sizeof(bad[0]); j++) {
			const char *v = j < sizeof(bad) / sizeof(bad[0]) ? bad[j] : value;
			parse_number(&p, c, v);
			snprintf(msg, sizeof(msg), "--%s %s: %s", c->name, v, c->range);
			assert_fails(&p, msg);
		}
	}
}

static void test_max_clients_per_uid_capped(void **state)
{
	(void)state;
	struct parsed p;
	PARSE(&p, BASE, "--max-clients", "8");
	assert_int_equal(p.cfg.max_clients, 8);
	assert_int_equal(p.cfg.max_clients_per_uid, 8);
	PARSE(&p, BASE, "--max-clients-per-uid=100", "--max-clients=20");
	assert_int_equal(p.cfg.max_clients_per_uid, 20);
	PARSE(&p, BASE, "--max-clients-per-uid=3", "--max-clients=20");
	assert_int_equal(p.cfg.max_clients_per_uid, 3);
}

static void test_ids(void **state)
{
	(void)state;
	struct parsed p;
	PARSE(&p, BASE, "--allow-uid", "0", "--allow-gid=7", "--allow-uid=4294967294", "--allow-gid", "100");
	assert_int_equal(p.rc, OPTIONS_RUN);
	assert_int_equal(p.cfg.n_allow_uid, 2);
	assert_int_equal(p.cfg.allow_uid[0], 0);
	assert_int_equal(p.cfg.allow_uid[1], 4294967294u);
	assert_int_equal(p.cfg.n_allow_gid, 2);
	assert_int_equal(p.cfg.allow_gid[0], 7);
	assert_int_equal(p.cfg.allow_gid[1], 100);

	static const char *const bad[] = { "4294967295", "-1", "+1", "", "root", "1x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char msg[128];
		PARSE(&p, BASE, "--allow-uid", (char *)bad[i]);
		snprintf(msg, sizeof(msg), "--allow-uid %s: not a numeric id", bad[i]);
		assert_fails(&p, msg);
		PARSE(&p, BASE, "--allow-gid", (char *)bad[i]);
		snprintf(msg, sizeof(msg), "--allow-gid %s: not a numeric id", bad[i]);
		assert_fails(&p, msg);
	}
}

/* @n times "--@opt=@before<i>@after" after BASE, i from 0. */
static void parse_repeated(struct parsed *p, const char *opt, const char *before, const char *after, int n)
{
	static char args[64][96];
	char *argv[80] = { "attachd", BASE };
	int argc = 7;
	for (int i = 0; i < n; i++) {
		snprintf(args[i], sizeof(args[i]), "--%s=%s%d%s", opt, before, i, after);
		argv[argc++] = args[i];
	}
	argv[argc] = NULL;
	parse_argv(p, argv);
}

static void test_list_limits(void **state)
{
	(void)state;
	struct parsed p;
	parse_repeated(&p, "allow-uid", "", "", 32);
	assert_int_equal(p.rc, OPTIONS_RUN);
	assert_int_equal(p.cfg.n_allow_uid, 32);
	assert_int_equal(p.cfg.allow_uid[31], 31);
	parse_repeated(&p, "allow-uid", "", "", 33);
	assert_fails(&p, "at most 32 --allow-uid");
	parse_repeated(&p, "allow-gid", "", "", 33);
	assert_fails(&p, "at most 32 --allow-gid");
	parse_repeated(&p, "read-uid", "", "", 32);
	assert_int_equal(p.rc, OPTIONS_RUN);
	assert_int_equal(p.cfg.n_read_uid, 32);
	assert_int_equal(p.cfg.read_uid[7], 7);
	parse_repeated(&p, "read-uid", "", "", 33);
	assert_fails(&p, "at most 32 --read-uid");

	parse_repeated(&p, "device-prefix", "/dev/vg", "/", 16);
	assert_int_equal(p.rc, OPTIONS_RUN);
	assert_int_equal(p.cfg.n_device_prefix, 16);
	assert_string_equal(p.cfg.device_prefix[15], "/dev/vg15/");
	parse_repeated(&p, "device-prefix", "/dev/vg", "/", 17);
	assert_fails(&p, "at most 16 --device-prefix and --device-vg each");
	parse_repeated(&p, "device-vg", "vg", "", 16);
	assert_int_equal(p.rc, OPTIONS_RUN);
	assert_int_equal(p.cfg.n_device_vg, 16);
	parse_repeated(&p, "device-vg", "vg", "", 17);
	assert_fails(&p, "at most 16 --device-prefix and --device-vg each");

	/* 15 more portals after BASE's make 16, the most */
	parse_repeated(&p, "portal", "10.0.0.", ":3260", 15);
	assert_int_equal(p.rc, OPTIONS_RUN);
	assert_int_equal(p.cfg.n_portals, 16);
	parse_repeated(&p, "portal", "10.0.0.", ":3260", 16);
	assert_fails(&p, "at most 16 --portal");
}

static void test_portals(void **state)
{
	(void)state;
	struct parsed p;
	PARSE(&p, "--socket", SOCK, "--db", DB, "--portal", "[::1]:3260", "--portal=192.168.1.2:3261");
	assert_int_equal(p.rc, OPTIONS_RUN);
	assert_int_equal(p.cfg.n_portals, 2);
	assert_string_equal(p.cfg.portals[0], "[::1]:3260");
	assert_string_equal(p.cfg.portals[1], "192.168.1.2:3261");

	PARSE(&p, BASE, "--portal", "10.0.0.1");
	assert_fails(&p, "--portal 10.0.0.1: a portal needs a port: address:port");
	PARSE(&p, BASE, "--portal=127.0.0.1:0");
	assert_fails(&p, "--portal 127.0.0.1:0: the port must be a number from 1 to 65535");
	PARSE(&p, BASE, "--portal", "::1:3260");
	assert_fails(&p, "--portal ::1:3260: not an IPv4 address (IPv6 needs [brackets])");
	PARSE(&p, BASE, "--portal", PORTAL);
	assert_fails(&p, "--portal " PORTAL " given twice");
	PARSE(&p, "--socket", SOCK, "--db", DB);
	assert_fails(&p, "at least one --portal is required");
	/* a wildcard shares its port with no other portal */
	PARSE(&p, BASE, "--portal", "0.0.0.0:3260");
	assert_fails(&p, "--portal 0.0.0.0:3260 is a wildcard: it cannot share port 3260 with --portal "
			 "127.0.0.1:3260 (the kernel refuses the pair); use one wildcard, or addresses");
	PARSE(&p, BASE, "--portal", "[::]:3261");
	assert_int_equal(p.rc, OPTIONS_RUN);
}

/* --nvme-port: as --portal, a list of its own (none: iSCSI only); --nqn-prefix must make valid NQNs. */
static void test_nvme_ports(void **state)
{
	(void)state;
	struct parsed p;
	PARSE(&p, BASE);
	assert_int_equal(p.rc, OPTIONS_RUN);
	assert_int_equal(p.cfg.n_nvme_ports, 0);
	assert_string_equal(p.cfg.nqn_prefix, "nqn.2026-11.org.attachd");
	PARSE(&p, BASE, "--nvme-port", "[::1]:4420", "--nvme-port=192.0.2.1:4420", "--nqn-prefix", "nqn.2024-01.org.example");
	assert_int_equal(p.rc, OPTIONS_RUN);
	assert_int_equal(p.cfg.n_nvme_ports, 2);
	assert_string_equal(p.cfg.nvme_ports[0], "[::1]:4420");
	assert_string_equal(p.cfg.nvme_ports[1], "192.0.2.1:4420");
	assert_int_equal(p.cfg.n_portals, 1); /* the iSCSI portals are their own list */
	assert_string_equal(p.cfg.nqn_prefix, "nqn.2024-01.org.example");
	PARSE(&p, BASE, "--nvme-port", "10.0.0.1");
	assert_fails(&p, "--nvme-port 10.0.0.1: a portal needs a port: address:port");
	PARSE(&p, BASE, "--nvme-port", "[::1]:4420", "--nvme-port", "[::1]:4420");
	assert_fails(&p, "--nvme-port [::1]:4420 given twice");
	PARSE(&p, BASE, "--nqn-prefix", "iqn.2024-01.org.example");
	assert_fails(&p, "--nqn-prefix iqn.2024-01.org.example: subsystems would not be valid NQNs (not an NQN: must "
			 "start with \"nqn.\")");
	PARSE(&p, BASE, "--nqn-prefix", "nqn.2024-13.org.example");
	assert_int_equal(p.rc, -EINVAL);
	assert_non_null(strstr(p.err, "--nqn-prefix nqn.2024-13.org.example: subsystems would not be valid NQNs ("));
}

static void test_device_policy(void **state)
{
	(void)state;
	struct parsed p;
	PARSE(&p, BASE, "--device-prefix", "/dev/vg0/", "--device-vg=vg0", "--device-prefix=/dev/disk/by-id/",
	      "--device-vg", "A-z_0+9.x");
	assert_int_equal(p.rc, OPTIONS_RUN);
	assert_int_equal(p.cfg.n_device_prefix, 2);
	assert_string_equal(p.cfg.device_prefix[0], "/dev/vg0/");
	assert_string_equal(p.cfg.device_prefix[1], "/dev/disk/by-id/");
	assert_int_equal(p.cfg.n_device_vg, 2);
	assert_string_equal(p.cfg.device_vg[0], "vg0");
	assert_string_equal(p.cfg.device_vg[1], "A-z_0+9.x");

	static const char *const bad_prefix[] = { "dev/vg0", "", "/dev/../etc", "/dev/./x", "/dev//x", "/dev/.",
						  "/dev/.." };
	for (size_t i = 0; i < sizeof(bad_prefix) / sizeof(bad_prefix[0]); i++) {
		char msg[160];
		PARSE(&p, BASE, "--device-prefix", (char *)bad_prefix[i]);
		snprintf(msg, sizeof(msg), "--device-prefix %s: an absolute path without \".\", \"..\" or \"//\"",
			 bad_prefix[i]);
		assert_fails(&p, msg);
	}
	char long_vg[129];
	memset(long_vg, 'v', 128);
	long_vg[128] = '\0';
	static const char *const bad_vg[] = { "", "-vg", ".", "..", "vg/0", "vg 0", "vg:0" };
	for (size_t i = 0; i <= sizeof(bad_vg) / sizeof(bad_vg[0]); i++) {
		const char *vg = i < sizeof(bad_vg) / sizeof(bad_vg[0]) ? bad_vg[i] : long_vg;
		char msg[256];
		PARSE(&p, BASE, "--device-vg", (char *)vg);
		snprintf(msg, sizeof(msg), "--device-vg %s: not an LVM volume group name", vg);
		assert_fails(&p, msg);
	}
	long_vg[127] = '\0';
	PARSE(&p, BASE, "--device-vg", long_vg);
	assert_int_equal(p.rc, OPTIONS_RUN);
}

static void test_log_level(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum log_level level;
	} levels[] = { { "error", LOG_LVL_ERROR }, { "warn", LOG_LVL_WARN }, { "info", LOG_LVL_INFO },
		       { "debug", LOG_LVL_DEBUG } };
	struct parsed p;
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		PARSE(&p, BASE, "--log-level", (char *)levels[i].name);
		assert_int_equal(p.rc, OPTIONS_RUN);
		assert_int_equal(p.cfg.log_level, levels[i].level);
	}
	PARSE(&p, BASE, "--log-level=debug");
	assert_int_equal(p.cfg.log_level, LOG_LVL_DEBUG);
	PARSE(&p, BASE, "--log-level", "loud");
	assert_fails(&p, "--log-level loud: err, warning, info or debug");
	PARSE(&p, BASE, "--log-level=DEBUG");
	assert_fails(&p, "--log-level DEBUG: err, warning, info or debug");
}

static void test_configfs_root_and_iqn_prefix(void **state)
{
	(void)state;
	struct parsed p;
	PARSE(&p, BASE, "--configfs-root", "sys/kernel/config");
	assert_fails(&p, "--configfs-root must be an absolute path");
	PARSE(&p, BASE, "--iqn-prefix", "iqn.2020-01.com.example:x");
	assert_fails(&p, "--iqn-prefix iqn.2020-01.com.example:x: targets would not be valid iqn. names (no ':' in "
			 "the prefix)");
	/* without "iqn." the name check is not reached: nothing in the parentheses */
	PARSE(&p, BASE, "--iqn-prefix", "eui.0123456789abcdef");
	assert_fails(&p, "--iqn-prefix eui.0123456789abcdef: targets would not be valid iqn. names ()");
	PARSE(&p, BASE, "--iqn-prefix", "iqn.2020-01.com.ex ample");
	assert_int_equal(p.rc, -EINVAL);
	assert_non_null(strstr(p.err, "--iqn-prefix iqn.2020-01.com.ex ample: targets would not be valid iqn. names ("));
	/* other tools' defaults, in any case, alone or followed by '.' */
	PARSE(&p, BASE, "--iqn-prefix", "iqn.2010-10.org.openstack");
	assert_fails(&p, "--iqn-prefix iqn.2010-10.org.openstack: iqn.2010-10.org.openstack is the default of "
			 "another tool; attachd needs a prefix of its own");
	PARSE(&p, BASE, "--iqn-prefix", "IQN.2003-01.ORG.LINUX-ISCSI.host");
	assert_fails(&p, "--iqn-prefix IQN.2003-01.ORG.LINUX-ISCSI.host: iqn.2003-01.org.linux-iscsi is the "
			 "default of another tool; attachd needs a prefix of its own");
	PARSE(&p, BASE, "--iqn-prefix", "iqn.2010-10.org.openstackx");
	assert_int_equal(p.rc, OPTIONS_RUN);
}

static void test_required(void **state)
{
	(void)state;
	struct parsed p;
	PARSE(&p, "--db", DB, "--portal", PORTAL);
	assert_fails(&p, "--socket is required");
	PARSE(&p, "--socket", SOCK, "--portal", PORTAL);
	assert_fails(&p, "--db is required");
	char *none[] = { "attachd", NULL };
	parse_argv(&p, none);
	assert_fails(&p, "--socket is required");
}

static void test_help_and_version(void **state)
{
	(void)state;
	struct parsed p;
	PARSE(&p, "--help");
	assert_int_equal(p.rc, OPTIONS_HELP);
	PARSE(&p, "--version");
	assert_int_equal(p.rc, OPTIONS_VERSION);
	/* they end the parse: what follows is not looked at, what comes before is */
	PARSE(&p, "--help", "--bogus", "stray");
	assert_int_equal(p.rc, OPTIONS_HELP);
	PARSE(&p, "--version", "--help");
	assert_int_equal(p.rc, OPTIONS_VERSION);
	PARSE(&p, "stray", "--help");
	assert_int_equal(p.rc, OPTIONS_HELP);
	PARSE(&p, "--bogus", "--help");
	assert_fails(&p, "unknown or incomplete option --bogus");
	PARSE(&p, "--help=1");
	assert_fails(&p, "unknown or incomplete option --help=1");
	/* after "--", --help is an argument */
	PARSE(&p, BASE, "--", "--help");
	assert_fails(&p, "unexpected argument --help");
}

/* getopt_long's abbreviations stay accepted: a name's unambiguous beginning. */
static void test_abbreviations(void **state)
{
	(void)state;
	struct parsed p;
	PARSE(&p, "--sock", SOCK, "--d=" DB, "--port", PORTAL, "--fore", "--no-d", "--log-l", "warn");
	assert_fails(&p, "unknown or incomplete option --d=" DB); /* db, device-prefix, device-vg */
	PARSE(&p, "--sock", SOCK, "--db=" DB, "--port", PORTAL, "--fore", "--no-d", "--log-l", "warn");
	assert_int_equal(p.rc, OPTIONS_RUN);
	assert_string_equal(p.cfg.socket_path, SOCK);
	assert_true(p.cfg.foreground);
	assert_true(p.cfg.no_dm);
	assert_false(p.cfg.no_kmod);
	assert_int_equal(p.cfg.log_level, LOG_LVL_WARN);
	/* a whole name wins over a longer one it begins */
	PARSE(&p, BASE, "--max-clients", "5");
	assert_int_equal(p.cfg.max_clients, 5);
	PARSE(&p, BASE, "--max-clients-", "5");
	assert_int_equal(p.cfg.max_clients, 64);
	assert_int_equal(p.cfg.max_clients_per_uid, 5);
	PARSE(&p, BASE, "--max-c", "5");
	assert_fails(&p, "unknown or incomplete option --max-c");
	PARSE(&p, BASE, "--device", "/dev/");
	assert_fails(&p, "unknown or incomplete option --device");
	PARSE(&p, BASE, "--h");
	assert_int_equal(p.rc, OPTIONS_HELP);
	PARSE(&p, BASE, "--v");
	assert_int_equal(p.rc, OPTIONS_VERSION);
	PARSE(&p, BASE, "--=x");
	assert_fails(&p, "unknown or incomplete option --=x");
}

static void test_unknown_and_incomplete(void **state)
{
	(void)state;
	struct parsed p;
	PARSE(&p, BASE, "--bogus");
	assert_fails(&p, "unknown or incomplete option --bogus");
	PARSE(&p, BASE, "---socket", "/s");
	assert_fails(&p, "unknown or incomplete option ---socket");
	/* no short options */
	PARSE(&p, BASE, "-s", "/s");
	assert_fails(&p, "unknown or incomplete option -s");
	PARSE(&p, BASE, "-h");
	assert_fails(&p, "unknown or incomplete option -h");
	/* the whole argument is named (getopt named the one before "-xy") */
	PARSE(&p, BASE, "-xy");
	assert_fails(&p, "unknown or incomplete option -xy");
	/* a value missing at the end */
	PARSE(&p, BASE, "--max-volumes");
	assert_fails(&p, "unknown or incomplete option --max-volumes");
	PARSE(&p, "--db", DB, "--portal", PORTAL, "--sock");
	assert_fails(&p, "unknown or incomplete option --sock");
	/* an option's error comes before an argument's that stands before it */
	PARSE(&p, "stray", BASE, "--bogus");
	assert_fails(&p, "unknown or incomplete option --bogus");
}

static void test_arguments_and_double_dash(void **state)
{
	(void)state;
	struct parsed p;
	PARSE(&p, BASE, "--");
	assert_int_equal(p.rc, OPTIONS_RUN);
	PARSE(&p, "--", BASE);
	assert_fails(&p, "unexpected argument --socket");
	PARSE(&p, "--socket", SOCK, "--", "--db", DB);
	assert_fails(&p, "unexpected argument --db");
	PARSE(&p, BASE, "--", "--");
	assert_fails(&p, "unexpected argument --");
	PARSE(&p, BASE, "extra");
	assert_fails(&p, "unexpected argument extra");
	/* the first of them is named, wherever the options are */
	PARSE(&p, "first", BASE, "second");
	assert_fails(&p, "unexpected argument first");
	PARSE(&p, BASE, "-");
	assert_fails(&p, "unexpected argument -");
	PARSE(&p, BASE, "");
	assert_fails(&p, "unexpected argument ");
	/* an argument is refused even when required options are missing too */
	PARSE(&p, "extra");
	assert_fails(&p, "unexpected argument extra");
}

/* Many parses in one process, failed ones between them (one stopped inside "-xy", where getopt kept a
 * position), give the same results each time; getopt's globals and argv are left as they were. */
static void test_reentrant(void **state)
{
	(void)state;
	char *good[] = { "attachd", "--foreground", BASE, "--max-clients=9", "--allow-uid", "5", NULL };
	char *cluster[] = { "attachd", BASE, "-xy", NULL };
	char *missing[] = { "attachd", BASE, "--idle-timeout", NULL };
	char *stray[] = { "attachd", "x", "--socket", SOCK, "--db", DB, "--portal", PORTAL, "y", NULL };
	char *stray_copy[sizeof(stray) / sizeof(stray[0])];
	memcpy(stray_copy, stray, sizeof(stray));
	optind = 5;
	opterr = 1;
	for (int round = 0; round < 200; round++) {
		struct parsed p;
		parse_argv(&p, good);
		assert_int_equal(p.rc, OPTIONS_RUN);
		assert_true(p.cfg.foreground);
		assert_int_equal(p.cfg.max_clients, 9);
		assert_int_equal(p.cfg.n_allow_uid, 1);
		assert_int_equal(p.cfg.allow_uid[0], 5);
		parse_argv(&p, cluster);
		assert_fails(&p, "unknown or incomplete option -xy");
		parse_argv(&p, missing);
		assert_fails(&p, "unknown or incomplete option --idle-timeout");
		parse_argv(&p, stray);
		assert_fails(&p, "unexpected argument x");
		assert_memory_equal(stray, stray_copy, sizeof(stray));
	}
	assert_int_equal(optind, 5);
	assert_int_equal(opterr, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_strings_both_spellings),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_max_clients_per_uid_capped),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_list_limits),
		cmocka_unit_test(test_portals),
		cmocka_unit_test(test_nvme_ports),
		cmocka_unit_test(test_device_policy),
		cmocka_unit_test(test_log_level),
		cmocka_unit_test(test_configfs_root_and_iqn_prefix),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_abbreviations),
		cmocka_unit_test(test_unknown_and_incomplete),
		cmocka_unit_test(test_arguments_and_double_dash),
		cmocka_unit_test(test_reentrant),
	};
	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
