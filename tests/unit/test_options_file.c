/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_options_file.c: attachd's configuration file (agent/options_file.c, through options_parse()): every
 * long option as a key, the syntax (comments, blanks, flags), the rule that the command line wins (a list
 * given there replaces the file's), the default file that may be absent and the named one that may not,
 * and every refusal, each naming the file, the line and the key. The expected messages are written out.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "options.h"
#include "unit_main.h"

#define SOCK "/run/attachd.sock"
#define DB "/var/lib/attachd"
#define PORTAL "127.0.0.1:3260"
/* what every file needs to start, when the command line gives nothing */
#define BASE_LINES "socket = " SOCK "\ndb = " DB "\nportal = " PORTAL "\n"

struct cf {
	char dir[128];
	char path[192];    /* the file the test writes */
	char missing[192]; /* a path with nothing there */
	int rc;
	struct agent_config cfg;
	char err[1024];
};

static int cf_setup(void **state)
{
	struct cf *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	snprintf(c->dir, sizeof(c->dir), "%s/attachd-conf.XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	assert_non_null(mkdtemp(c->dir));
	snprintf(c->path, sizeof(c->path), "%s/attachd.conf", c->dir);
	snprintf(c->missing, sizeof(c->missing), "%s/absent.conf", c->dir);
	*state = c;
	return 0;
}

static int cf_teardown(void **state)
{
	struct cf *c = *state;
	options_free(&c->cfg);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", c->dir);
	assert_int_equal(system(cmd), 0);
	free(c);
	return 0;
}

/* The file @c->path holds exactly @len bytes of @text, mode @mode. */
static void cf_write_n(struct cf *c, const char *text, size_t len, mode_t mode)
{
	unlink(c->path);
	int fd = open(c->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void cf_write(struct cf *c, const char *text)
{
	cf_write_n(c, text, strlen(text), 0644);
}

/* options_parse() with @def as the default file and @argv (NULL-terminated, without argv[0]). */
static void cf_parse_argv(struct cf *c, const char *def, char **args)
{
	char *argv[128] = { "attachd" };
	int argc = 1;
	while (args[argc - 1]) {
		assert_true(argc < 127);
		argv[argc] = args[argc - 1], argc++;
	}
	argv[argc] = NULL;
	options_free(&c->cfg);
	memset(&c->cfg, 0xa5, sizeof(c->cfg));
	c->cfg.config_text = NULL;
	snprintf(c->err, sizeof(c->err), "(untouched)");
	c->rc = options_parse(argc, argv, def, &c->cfg, c->err, sizeof(c->err));
}

/* The file @c->path as the default, then the command line. */
#define PARSE_DEFAULT(c, ...)                                     \
	do {                                                      \
		char *args_[] = { __VA_ARGS__ __VA_OPT__(, ) NULL }; \
		cf_parse_argv((c), (c)->path, args_);             \
	} while (0)
/* The same, with --config naming it. */
#define PARSE_CONFIG(c, ...) PARSE_DEFAULT(c, "--config", (c)->path __VA_OPT__(, ) __VA_ARGS__)

/* The parse failed with @rc and exactly the message "<file>@msg" (the file's path is put in front). */
static void cf_fails(struct cf *c, int rc, const char *msg)
{
	char want[1024];
	snprintf(want, sizeof(want), "%s%s", c->path, msg);
	assert_int_equal(c->rc, rc);
	assert_string_equal(c->err, want);
}

/* Every option that takes a value or is a flag, as a key: the same configuration as on the command line. */
static void test_every_option_is_a_key(void **state)
{
	struct cf *c = *state;
	cf_write(c, "socket = /run/a.sock\n"
		    "db = /var/lib/a\n"
		    "portal = 127.0.0.1:3260\n"
		    "portal = [::1]:3261\n"
		    "configfs-root = /cfs\n"
		    "iqn-prefix = iqn.2020-01.com.example\n"
		    "no-dm = true\n"
		    "no-kmod = yes\n"
		    "foreground = true\n"
		    "allow-uid = 1000\n"
		    "allow-gid = 2000\n"
		    "read-uid = 3000\n"
		    "max-clients = 10\n"
		    "max-clients-per-uid = 3\n"
		    "max-volumes = 11\n"
		    "max-exports = 12\n"
		    "request-timeout = 1500\n"
		    "idle-timeout = 2500\n"
		    "device-prefix = /dev/vg0/\n"
		    "device-vg = vg0\n"
		    "discovery-chap = true\n"
		    "log-level = warning\n");
	PARSE_CONFIG(c);
	assert_int_equal(c->rc, OPTIONS_RUN);
	struct agent_config f = c->cfg;
	c->cfg.config_text = NULL; /* kept for the comparison below */
	char *cli[] = { "--socket", "/run/a.sock", "--db", "/var/lib/a", "--portal", "127.0.0.1:3260", "--portal",
			"[::1]:3261", "--configfs-root", "/cfs", "--iqn-prefix", "iqn.2020-01.com.example", "--no-dm",
			"--no-kmod", "--foreground", "--allow-uid", "1000", "--allow-gid", "2000", "--read-uid", "3000",
			"--max-clients", "10", "--max-clients-per-uid", "3", "--max-volumes", "11", "--max-exports", "12",
			"--request-timeout", "1500", "--idle-timeout", "2500", "--device-prefix", "/dev/vg0/",
			"--device-vg", "vg0", "--discovery-chap", "--log-level", "warning", NULL };
	cf_parse_argv(c, NULL, cli);
	assert_int_equal(c->rc, OPTIONS_RUN);
	struct agent_config *l = &c->cfg;
	assert_string_equal(f.config_path, c->path);
	assert_null(l->config_path);
	assert_string_equal(f.socket_path, l->socket_path);
	assert_string_equal(f.db_dir, l->db_dir);
	assert_int_equal(f.n_portals, 2);
	assert_int_equal(l->n_portals, 2);
	assert_memory_equal(f.portals, l->portals, sizeof(f.portals));
	assert_string_equal(f.configfs_root, l->configfs_root);
	assert_string_equal(f.iqn_prefix, l->iqn_prefix);
	assert_true(f.no_dm && f.no_kmod && f.foreground && f.discovery_chap);
	assert_true(l->no_dm && l->no_kmod && l->foreground && l->discovery_chap);
	assert_int_equal(f.n_allow_uid, 1);
	assert_int_equal(f.allow_uid[0], 1000);
	assert_int_equal(f.n_allow_gid, 1);
	assert_int_equal(f.allow_gid[0], 2000);
	assert_int_equal(f.n_read_uid, 1);
	assert_int_equal(f.read_uid[0], 3000);
	assert_int_equal(f.max_clients, 10);
	assert_int_equal(f.max_clients_per_uid, 3);
	assert_int_equal(f.max_volumes, 11);
	assert_int_equal(f.max_exports, 12);
	assert_int_equal(f.request_timeout_ms, 1500);
	assert_int_equal(f.idle_timeout_ms, 2500);
	assert_int_equal(f.n_device_prefix, 1);
	assert_string_equal(f.device_prefix[0], "/dev/vg0/");
	assert_int_equal(f.n_device_vg, 1);
	assert_string_equal(f.device_vg[0], "vg0");
	assert_int_equal(f.log_level, LOG_LVL_WARN);
	/* and the two agree on the numbers too */
	assert_int_equal(f.max_clients, l->max_clients);
	assert_int_equal(f.log_level, l->log_level);
	options_free(&f);
}

static void test_syntax(void **state)
{
	struct cf *c = *state;
	/* comments and blank lines anywhere, blanks around everything, CRLF, no blanks around '=', '#' inside a
	 * value, a file without a final newline */
	cf_write(c, "# attachd's settings\n"
		    "\n"
		    "   # indented comment\n"
		    "\t\n"
		    "socket=" SOCK "\r\n"
		    "  db   =\t" DB "  \n"
		    "portal = " PORTAL "\n"
		    "device-prefix = /dev/disk/by-id/x#1\n"
		    "no-dm = false\n"
		    "foreground = no\n"
		    "log-level = err");
	PARSE_CONFIG(c);
	assert_int_equal(c->rc, OPTIONS_RUN);
	assert_string_equal(c->cfg.socket_path, SOCK);
	assert_string_equal(c->cfg.db_dir, DB);
	assert_string_equal(c->cfg.portals[0], PORTAL);
	assert_string_equal(c->cfg.device_prefix[0], "/dev/disk/by-id/x#1");
	assert_false(c->cfg.no_dm);
	assert_false(c->cfg.foreground);
	assert_int_equal(c->cfg.log_level, LOG_LVL_ERROR);
	/* an empty file, and one of comments only, set nothing */
	cf_write(c, "");
	PARSE_CONFIG(c, "--socket", SOCK, "--db", DB, "--portal", PORTAL);
	assert_int_equal(c->rc, OPTIONS_RUN);
	assert_string_equal(c->cfg.config_path, c->path);
	cf_write(c, "# nothing\n#socket = /x\n");
	PARSE_CONFIG(c);
	assert_int_equal(c->rc, -EINVAL);
	assert_string_equal(c->err, "--socket is required");
}

/* The command line wins: a value replaces the file's; a list given there replaces the file's list. */
static void test_command_line_wins(void **state)
{
	struct cf *c = *state;
	cf_write(c, BASE_LINES "portal = 127.0.0.2:3260\n"
			       "allow-uid = 1000\nallow-uid = 1001\n"
			       "read-uid = 3000\n"
			       "log-level = warning\n"
			       "max-clients = 10\n"
			       "no-dm = true\n");
	PARSE_CONFIG(c, "--socket", "/run/b.sock", "--log-level", "debug", "--portal", "10.0.0.1:3260", "--portal",
		     "10.0.0.2:3260", "--allow-uid", "7");
	assert_int_equal(c->rc, OPTIONS_RUN);
	assert_string_equal(c->cfg.socket_path, "/run/b.sock");
	assert_string_equal(c->cfg.db_dir, DB); /* not on the command line: the file's */
	assert_int_equal(c->cfg.log_level, LOG_LVL_DEBUG);
	assert_int_equal(c->cfg.n_portals, 2);
	assert_string_equal(c->cfg.portals[0], "10.0.0.1:3260");
	assert_string_equal(c->cfg.portals[1], "10.0.0.2:3260");
	assert_int_equal(c->cfg.n_allow_uid, 1);
	assert_int_equal(c->cfg.allow_uid[0], 7);
	assert_int_equal(c->cfg.n_read_uid, 1); /* a list the command line does not give stays */
	assert_int_equal(c->cfg.read_uid[0], 3000);
	assert_int_equal(c->cfg.max_clients, 10);
	assert_true(c->cfg.no_dm);
	/* the file's portal, given again on the command line, is no duplicate: the list was replaced */
	PARSE_CONFIG(c, "--portal", PORTAL);
	assert_int_equal(c->rc, OPTIONS_RUN);
	assert_int_equal(c->cfg.n_portals, 1);
	/* "--opt=value" and abbreviations count as the option */
	PARSE_CONFIG(c, "--max-clients=20", "--allow-u", "8");
	assert_int_equal(c->rc, OPTIONS_RUN);
	assert_int_equal(c->cfg.max_clients, 20);
	assert_int_equal(c->cfg.n_allow_uid, 1);
	assert_int_equal(c->cfg.allow_uid[0], 8);
	/* a flag on the command line sets what the file left false */
	cf_write(c, BASE_LINES "foreground = false\n");
	PARSE_CONFIG(c, "--foreground");
	assert_int_equal(c->rc, OPTIONS_RUN);
	assert_true(c->cfg.foreground);
	/* a list's limit counts the command line's entries only: the file's were replaced */
	cf_write(c, BASE_LINES "allow-uid = 1\n");
	static char ids[32][8];
	char *many[2 + 2 * 32 + 1] = { "--config", c->path };
	for (int i = 0; i < 32; i++) {
		snprintf(ids[i], sizeof(ids[i]), "%d", 100 + i);
		many[2 + 2 * i] = "--allow-uid";
		many[3 + 2 * i] = ids[i];
	}
	many[2 + 2 * 32] = NULL;
	cf_parse_argv(c, NULL, many);
	assert_int_equal(c->rc, OPTIONS_RUN);
	assert_int_equal(c->cfg.n_allow_uid, 32);
	assert_int_equal(c->cfg.allow_uid[0], 100);
	assert_int_equal(c->cfg.allow_uid[31], 131);
}

/* The default file may be absent; a file named with --config may not. */
static void test_default_and_named_file(void **state)
{
	struct cf *c = *state;
	char *base[] = { "--socket", SOCK, "--db", DB, "--portal", PORTAL, NULL };
	cf_parse_argv(c, c->missing, base);
	assert_int_equal(c->rc, OPTIONS_RUN);
	assert_null(c->cfg.config_path);
	assert_null(c->cfg.config_text);
	/* the default file, present, is read */
	cf_write(c, "max-volumes = 5\n");
	cf_parse_argv(c, c->path, base);
	assert_int_equal(c->rc, OPTIONS_RUN);
	assert_string_equal(c->cfg.config_path, c->path);
	assert_int_equal(c->cfg.max_volumes, 5);
	/* --config replaces the default: the default is not read */
	char other[256];
	snprintf(other, sizeof(other), "%s/other.conf", c->dir);
	FILE *f = fopen(other, "w");
	assert_non_null(f);
	fputs("max-volumes = 6\n", f);
	fclose(f);
	char *named[] = { "--config", other, "--socket", SOCK, "--db", DB, "--portal", PORTAL, NULL };
	cf_parse_argv(c, c->path, named);
	assert_int_equal(c->rc, OPTIONS_RUN);
	assert_int_equal(c->cfg.max_volumes, 6);
	assert_string_equal(c->cfg.config_path, other);
	/* a named file that is not there is an error */
	char *gone[] = { "--config", c->missing, "--socket", SOCK, "--db", DB, "--portal", PORTAL, NULL };
	cf_parse_argv(c, NULL, gone);
	assert_int_equal(c->rc, -ENOENT);
	char want[400];
	snprintf(want, sizeof(want), "configuration file %s: No such file or directory", c->missing);
	assert_string_equal(c->err, want);
	/* a default that is there but cannot be read is an error too (here: a directory) */
	cf_parse_argv(c, c->dir, base);
	assert_int_equal(c->rc, -EINVAL);
	snprintf(want, sizeof(want), "configuration file %s: not a regular file", c->dir);
	assert_string_equal(c->err, want);
	/* --help and --version read no file, however bad */
	cf_write(c, "this is not a configuration\n");
	PARSE_CONFIG(c, "--help");
	assert_int_equal(c->rc, OPTIONS_HELP);
	PARSE_DEFAULT(c, "--version");
	assert_int_equal(c->rc, OPTIONS_VERSION);
	/* "--conf" names two options now (config, configfs-root): refused; longer beginnings still work */
	PARSE_DEFAULT(c, "--conf", c->path);
	assert_int_equal(c->rc, -EINVAL);
	assert_string_equal(c->err, "unknown or incomplete option --conf");
	cf_write(c, BASE_LINES);
	PARSE_DEFAULT(c, "--configf", "/cfs", "--config=/dev/null"); /* --configf is --configfs-root */
	assert_int_equal(c->rc, -EINVAL);
	assert_string_equal(c->err, "configuration file /dev/null: not a regular file");
	/* the command line's own errors come first */
	PARSE_CONFIG(c, "--max-clients", "0");
	assert_int_equal(c->rc, -EINVAL);
	assert_string_equal(c->err, "--max-clients 0: a number from 1 to 65536");
}

static void test_bad_lines(void **state)
{
	struct cf *c = *state;
	static const struct {
		const char *text;
		const char *msg; /* after the file's path */
	} cases[] = {
		{ BASE_LINES "portl = 1\n", ":4: unknown key \"portl\"" },
		{ "# c\n\nfore = true\n", ":3: unknown key \"fore\"" }, /* no abbreviations in a file */
		{ "--socket = /x\n", ":1: unknown key \"--socket\"" },
		{ "Socket = /x\n", ":1: unknown key \"Socket\"" },
		{ "socket /run/x.sock\n", ":1: not a \"key = value\" line" },
		{ "= /run/x.sock\n", ":1: no key before '='" },
		{ "socket =\n", ":1: socket has no value" },
		{ "socket = /a\nsocket = /b\n", ":2: socket given twice (first on line 1)" },
		{ "no-dm = true\nno-dm = true\n", ":2: no-dm given twice (first on line 1)" },
		{ "socket = /run/x.sock # the control socket\n", ":1: socket: a comment must be on a line of its own" },
		{ "portal = #127.0.0.1:3260\n", ":1: portal: a comment must be on a line of its own" },
		{ "config = /etc/other.conf\n", ":1: config is not a key of the file (a command-line option only)" },
		{ "help = true\n", ":1: help is not a key of the file (a command-line option only)" },
		{ "version = 1\n", ":1: version is not a key of the file (a command-line option only)" },
		{ "no-dm = maybe\n", ":1: no-dm = maybe: true or false" },
		{ "foreground = 1\n", ":1: foreground = 1: true or false" },
		{ "max-clients = 0\n", ":1: max-clients = 0: a number from 1 to 65536" },
		{ "max-clients = 12abc\n", ":1: max-clients = 12abc: a number from 1 to 65536" },
		{ "request-timeout = -5\n", ":1: request-timeout = -5: milliseconds, 1 to 3600000" },
		{ "log-level = loud\n", ":1: log-level = loud: err, warning, info or debug" },
		{ "portal = 10.0.0.1\n", ":1: portal = 10.0.0.1: a portal needs a port: address:port" },
		{ "portal = " PORTAL "\nportal = " PORTAL "\n", ":2: portal: --portal " PORTAL " given twice" },
		{ "allow-uid = root\n", ":1: allow-uid = root: not a numeric id" },
		{ "device-prefix = dev/vg0\n",
		  ":1: device-prefix = dev/vg0: an absolute path without \".\", \"..\" or \"//\"" },
		{ "device-vg = -vg\n", ":1: device-vg = -vg: not an LVM volume group name" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cf_write(c, cases[i].text);
		PARSE_CONFIG(c);
		cf_fails(c, -EINVAL, cases[i].msg);
		/* as the default file, the same */
		PARSE_DEFAULT(c);
		cf_fails(c, -EINVAL, cases[i].msg);
		/* and a good command line does not hide it */
		PARSE_CONFIG(c, "--socket", SOCK, "--db", DB, "--portal", PORTAL);
		cf_fails(c, -EINVAL, cases[i].msg);
	}
	/* the checks of the whole name the option; the file gave it */
	cf_write(c, BASE_LINES "configfs-root = sys/kernel/config\n");
	PARSE_CONFIG(c);
	assert_int_equal(c->rc, -EINVAL);
	assert_string_equal(c->err, "--configfs-root must be an absolute path");
	/* 33 allow-uid lines: the list's limit */
	char text[2048] = BASE_LINES;
	for (int i = 0; i < 33; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "allow-uid = %d\n", i);
	cf_write(c, text);
	PARSE_CONFIG(c);
	cf_fails(c, -EINVAL, ":36: allow-uid: at most 32 --allow-uid");
}

/* The file decides who may call a root agent: root's, and nobody else may write it; and it is text. */
static void test_bad_files(void **state)
{
	struct cf *c = *state;
	char want[512];
	cf_write_n(c, BASE_LINES, strlen(BASE_LINES), 0666);
	PARSE_CONFIG(c);
	assert_int_equal(c->rc, -EPERM);
	snprintf(want, sizeof(want), "configuration file %s can be written by others (mode 0666): it says who may "
		 "use attachd, so only root may write it", c->path);
	assert_string_equal(c->err, want);
	cf_write_n(c, BASE_LINES, strlen(BASE_LINES), 0640);
	PARSE_CONFIG(c);
	assert_int_equal(c->rc, OPTIONS_RUN);
	/* group-writable: only when the group is root's */
	cf_write_n(c, BASE_LINES, strlen(BASE_LINES), 0660);
	assert_int_equal(chown(c->path, (uid_t)-1, 0), 0);
	PARSE_CONFIG(c);
	assert_int_equal(c->rc, OPTIONS_RUN);
	if (geteuid() == 0) {
		assert_int_equal(chown(c->path, (uid_t)-1, 100), 0);
		PARSE_CONFIG(c);
		assert_int_equal(c->rc, -EPERM);
		snprintf(want, sizeof(want), "configuration file %s can be written by others (mode 0660): it says who "
			 "may use attachd, so only root may write it", c->path);
		assert_string_equal(c->err, want);
		cf_write_n(c, BASE_LINES, strlen(BASE_LINES), 0644);
		assert_int_equal(chown(c->path, 65534, 0), 0);
		PARSE_CONFIG(c);
		assert_int_equal(c->rc, -EPERM);
		snprintf(want, sizeof(want), "configuration file %s belongs to uid 65534: it must be root's", c->path);
		assert_string_equal(c->err, want);
	}
	/* a NUL byte: not text */
	cf_write_n(c, "socket = /a\0b\n", 14, 0644);
	PARSE_CONFIG(c);
	assert_int_equal(c->rc, -EINVAL);
	snprintf(want, sizeof(want), "configuration file %s holds a NUL byte: not a text file", c->path);
	assert_string_equal(c->err, want);
	/* too large (a log file named by mistake, say) */
	size_t big = 256 * 1024 + 1;
	char *text = malloc(big);
	assert_non_null(text);
	memset(text, '#', big);
	cf_write_n(c, text, big, 0644);
	free(text);
	PARSE_CONFIG(c);
	assert_int_equal(c->rc, -EFBIG);
	snprintf(want, sizeof(want), "configuration file %s is larger than 262144 bytes", c->path);
	assert_string_equal(c->err, want);
	/* a FIFO in the file's place is refused at once, not waited on */
	unlink(c->path);
	assert_int_equal(mkfifo(c->path, 0600), 0);
	PARSE_CONFIG(c);
	assert_int_equal(c->rc, -EINVAL);
	snprintf(want, sizeof(want), "configuration file %s: not a regular file", c->path);
	assert_string_equal(c->err, want);
	char *dev_null[] = { "--config", "/dev/null", "--socket", SOCK, "--db", DB, "--portal", PORTAL, NULL };
	cf_parse_argv(c, NULL, dev_null);
	assert_int_equal(c->rc, -EINVAL);
	assert_string_equal(c->err, "configuration file /dev/null: not a regular file");
}

#define CF_TEST(t) cmocka_unit_test_setup_teardown(t, cf_setup, cf_teardown)
UNIT_MAIN("options_file", CF_TEST(test_every_option_is_a_key), CF_TEST(test_syntax), CF_TEST(test_command_line_wins),
	  CF_TEST(test_default_and_named_file), CF_TEST(test_bad_lines), CF_TEST(test_bad_files))
