/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_attachctl_args.c: attachctl's grammar (tools/attachctl_args.c). The subcommands' options, what they
 * need and what goes together come from the protocol's call table: each case states the expected
 * outcome in attachctl's words, so a row that changes shows up here as a usage that changed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "attach.h"
#include "tools/attachctl_args.h"

#define VOL "0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b"
#define ARGS_MAX 16

/* Parse the words of @line (split on spaces) after "attachctl". */
static int parse_line(const char *line, struct actl_args *a, char *err, size_t errlen)
{
	static char buf[512];
	char *argv[ARGS_MAX + 1] = { "attachctl" };
	int argc = 1;
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *save = NULL, *w = strtok_r(buf, " ", &save); w && argc < ARGS_MAX; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	return actl_parse(argc, argv, a, err, errlen);
}

static void test_usage_errors(void **state)
{
	(void)state;
	static const struct { const char *line, *err; } cases[] = {
		{ "terminate-connection " VOL, "terminate-connection: --initiator is required (or --force)" },
		{ "terminate-connection " VOL " --attachment " VOL,
		  "terminate-connection: --initiator is required (or --force)" },
		{ "terminate-connection " VOL " --force --attachment " VOL,
		  "terminate-connection: --attachment and --force do not go together" },
		{ "attach " VOL, "attach: --host is required" },
		{ "attach " VOL " --host h", "attach: --instance is required" },
		{ "volume-create", "volume-create: --device is required" },
		{ "initialize-connection " VOL, "initialize-connection: --initiator is required (or --nqn)" },
		{ "initialize-connection " VOL " --initiator " "iqn.2004-10.org.example:a --nqn nqn.2014-08.org.example:b",
		  "initialize-connection: --initiator and --nqn do not go together" },
		{ "volume-create --device /dev/sdb --transport fc", "volume-create: invalid --transport 'fc' (iscsi or nvme-tcp)" },
		{ "reserve", "reserve: missing VOL (the volume id)" },
		{ "reserve " VOL " " VOL, "reserve: unexpected argument '" VOL "'" },
		{ "volume-list " VOL, "volume-list: unexpected argument '" VOL "'" },
		{ "volume-list --dry-run", "--dry-run is a global option: put it before the subcommand" },
		{ "volume-show " VOL " --json", "--json is a global option: put it before the subcommand" },
		{ "volume-show " VOL " --id " VOL, "volume-show: unknown option --id" },
		{ "unreserve " VOL " --mode ro", "unreserve: unknown option --mode" },
		{ "reserve " VOL " --mode rx", "reserve: invalid --mode 'rx' (rw or ro)" },
		{ "attach " VOL " --instance " VOL " --host h --mountpoint m --mutual-chap",
		  "attach: unknown option --mutual-chap" },
		{ "attach " VOL " --mode rx", "attach: invalid --mode 'rx' (rw or ro)" },
		{ "detach " VOL " --attachment", "detach: --attachment needs a value" },
		{ "detach " VOL " --attachment=" VOL " --attachment " VOL, "detach: --attachment given twice" },
		{ "reconcile --purge-unowned=yes", "reconcile: --purge-unowned takes no value" },
		{ "volume-show " VOL " -x", "volume-show: unknown option -x" },
		{ "frobnicate", "unknown subcommand 'frobnicate'" },
		{ "--bogus reserve " VOL, "unknown option --bogus" },
		{ "--json", "missing subcommand" },
		{ "-s", "-s needs a value" },
		{ "help me", "help: unknown subcommand 'me'" },
		{ "help reserve me", "help: unexpected argument 'me'" },
		{ "help --json", "help: unknown subcommand '--json'" },
		{ "attach " VOL " --mode ro --host", "attach: --host needs a value" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct actl_args a;
		char err[256];
		int rc = parse_line(cases[i].line, &a, err, sizeof(err));
		if (rc != -EINVAL || strcmp(err, cases[i].err))
			fail_msg("\"%s\": rc %d \"%s\", expected \"%s\"", cases[i].line, rc, err, cases[i].err);
		assert_null(a.volume_id); /* nothing half-filled is left */
		assert_int_equal(a.cmd, ACTL_CMD_NONE);
		assert_int_equal(a.mode, ATTACH_MODE_AS_RESERVED); /* no --mode left behind either */
		assert_null(a.help);
	}
}

static void test_accepted(void **state)
{
	(void)state;
	struct actl_args a;
	char err[256];
	assert_int_equal(parse_line("--json -s /tmp/s terminate-connection " VOL " --force", &a, err, sizeof(err)), 0);
	assert_int_equal(a.cmd, ACTL_CMD_TERMINATE_CONNECTION);
	assert_true(a.json && a.force);
	assert_string_equal(a.socket, "/tmp/s");
	assert_string_equal(a.volume_id, VOL);
	assert_int_equal(parse_line("terminate-connection " VOL " --initiator=iqn.2004-10.org.example:a --attachment "
				    VOL, &a, err, sizeof(err)), 0);
	assert_string_equal(a.initiator, "iqn.2004-10.org.example:a");
	assert_string_equal(a.attachment_id, VOL);
	/* a mutating call takes --dry-run after its name too */
	assert_int_equal(parse_line("reserve " VOL " --dry-run", &a, err, sizeof(err)), 0);
	assert_true(a.dry_run);
	assert_int_equal(parse_line("volume-create --device /dev/loop0 --id " VOL " --multiattach", &a, err,
				    sizeof(err)), 0);
	assert_string_equal(a.id, VOL);
	assert_null(a.volume_id);
	assert_true(a.multiattach);
	assert_int_equal(parse_line("attach " VOL " --instance " VOL " --host h --mountpoint /dev/vdb --mode ro", &a,
				    err, sizeof(err)), 0);
	assert_int_equal(a.mode, ATTACH_MODE_RO);
	assert_int_equal(parse_line("volume-show -- " VOL, &a, err, sizeof(err)), 0);
	assert_string_equal(a.volume_id, VOL);
	assert_int_equal(parse_line("reconcile --dry-run --purge-unowned", &a, err, sizeof(err)), 0);
	assert_true(a.dry_run && a.purge_unowned);
	assert_int_equal(parse_line("volume-list --help", &a, err, sizeof(err)), 0);
	assert_int_equal(a.cmd, ACTL_CMD_HELP);
	assert_non_null(a.help);
	assert_int_equal(a.help->cmd, ACTL_CMD_VOLUME_LIST);
	assert_int_equal(parse_line("--version", &a, err, sizeof(err)), 0);
	assert_int_equal(a.cmd, ACTL_CMD_VERSION);
}

/* The table: one subcommand per call but hello, named as the protocol names it; mutating as its row says. */
static void test_table_is_the_protocols(void **state)
{
	(void)state;
	const struct actl_command *t;
	size_t n = actl_commands(&t);
	assert_int_equal(n, ATTACH_MSG_LAST - ATTACH_MSG_FIRST); /* every call but hello */
	for (size_t i = 0; i < n; i++) {
		struct attach_call_info info;
		assert_int_equal(attach_call_by_type(t[i].type, &info), 0);
		assert_string_equal(actl_command_name(&t[i]), info.name);
		assert_int_equal(actl_cmd_is_mutating(t[i].cmd), info.mutating);
		for (size_t k = 0; k < i; k++)
			assert_int_not_equal(t[k].type, t[i].type);
	}
	assert_false(actl_cmd_is_mutating(ACTL_CMD_VOLUME_SHOW));
	assert_false(actl_cmd_is_mutating(ACTL_CMD_VOLUME_LIST));
	assert_true(actl_cmd_is_mutating(ACTL_CMD_RECONCILE));
	assert_true(actl_cmd_is_mutating(ACTL_CMD_INITIALIZE_CONNECTION));
}

/* help, help SUBCOMMAND, SUBCOMMAND --help and -h: which help each asks for. */
static void test_help(void **state)
{
	(void)state;
	static const struct { const char *line; enum actl_cmd about; } cases[] = {
		{ "help", ACTL_CMD_NONE },
		{ "--help reserve", ACTL_CMD_NONE },
		{ "-s /tmp/s -h", ACTL_CMD_NONE },
		{ "help help", ACTL_CMD_NONE },
		{ "help initialize-connection", ACTL_CMD_INITIALIZE_CONNECTION },
		{ "--json help detach", ACTL_CMD_DETACH },
		{ "terminate-connection --help", ACTL_CMD_TERMINATE_CONNECTION },
		{ "attach " VOL " -h", ACTL_CMD_ATTACH },
		{ "reconcile --purge-unowned --help", ACTL_CMD_RECONCILE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct actl_args a;
		char err[256];
		if (parse_line(cases[i].line, &a, err, sizeof(err)) || a.cmd != ACTL_CMD_HELP)
			fail_msg("\"%s\": not a help (%s)", cases[i].line, err);
		if (cases[i].about == ACTL_CMD_NONE ? a.help != NULL : !a.help || a.help->cmd != cases[i].about)
			fail_msg("\"%s\": help about the wrong subcommand", cases[i].line);
	}
}

/* The table's help says what the parser does: each synopsis names exactly the options the subcommand
 * takes (--dry-run is global), with their placeholders, and each example parses as its subcommand. */
static void test_help_matches_parser(void **state)
{
	(void)state;
	const struct actl_command *t;
	size_t n = actl_commands(&t);
	for (size_t i = 0; i < n; i++) {
		const char *name = actl_command_name(&t[i]);
		struct actl_option_help o;
		size_t k = 0;
		for (; !actl_command_option(&t[i], k, &o); k++) {
			char want[64];
			snprintf(want, sizeof(want), "--%s%s%s", o.name, o.metavar ? " " : "", o.metavar ? o.metavar : "");
			const char *at = strstr(t[i].synopsis, want);
			if (!at || (at[strlen(want)] && !strchr(" ]", at[strlen(want)])))
				fail_msg("%s: the synopsis \"%s\" lacks \"%s\"", name, t[i].synopsis, want);
		}
		size_t in_synopsis = 0;
		for (const char *p = strstr(t[i].synopsis, "--"); p; p = strstr(p + 2, "--"))
			in_synopsis++;
		if (in_synopsis != k)
			fail_msg("%s: the synopsis names %zu options, the parser takes %zu", name, in_synopsis, k);
		struct attach_call_info info;
		assert_int_equal(attach_call_by_type(t[i].type, &info), 0);
		if (!strncmp(t[i].synopsis, "VOL", 3) != !!(info.required & ATTACH_BIT(ATTACH_A_VOLUME_ID)))
			fail_msg("%s: VOL in the synopsis \"%s\" but not in the call, or back", name, t[i].synopsis);
		struct actl_args a;
		char err[256];
		if (parse_line(t[i].example, &a, err, sizeof(err)) || a.cmd != t[i].cmd)
			fail_msg("%s: the example \"%s\" does not parse as it: %s", name, t[i].example, err);
		assert_ptr_equal(actl_command_find(name), &t[i]);
		assert_non_null(strstr(t[i].example, name));
	}
	assert_null(actl_command_find("help"));
	assert_null(actl_command_find("hello")); /* a call, but not a subcommand */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_table_is_the_protocols),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_help_matches_parser),
	};
	return cmocka_run_group_tests_name("attachctl_args", tests, NULL, NULL);
}
