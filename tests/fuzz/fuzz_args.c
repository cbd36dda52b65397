/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_args.c: attachctl's command-line parser (actl_parse) on any argv.
 *
 * The input is the arguments after argv[0], separated by NUL bytes, or by newlines when it holds no NUL
 * (so seeds stay readable text). Each argument gets its own heap block of exactly its length, so ASan sees
 * a read past any one of them.
 *
 * Checked: on success a command is set, every string points into argv (at or inside an argument, since
 * "--opt=value" points after the '='), a table command sets exactly what its call's protocol row accepts,
 * requires and lets go together; on failure a one-line reason and no subcommand result. A second parse with no error
 * buffer must give the same result: the parser keeps no state between calls (attachctl_args.c's promise).
 * Help about one subcommand points at that subcommand's row.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "tools/attachctl_args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)
#define ARGS_MAX 64

static int argc;
static char *argv[ARGS_MAX + 2];
static size_t arglen[ARGS_MAX + 2];

static void check_in_argv(const char *s)
{
	if (!s)
		return;
	for (int i = 0; i < argc; i++)
		if (s >= argv[i] && s <= argv[i] + arglen[i])
			return;
	abort();
}

static const struct actl_command *row_of(enum actl_cmd cmd)
{
	const struct actl_command *table;
	size_t n = actl_commands(&table);
	for (size_t i = 0; i < n; i++)
		if (table[i].cmd == cmd)
			return &table[i];
	return NULL;
}

/* The request attributes the parsed options set (the VOL operand and --id both set the volume id). */
static uint64_t given(const struct actl_args *a)
{
	const struct { bool set; int attr; } opts[] = {
		{ a->device, ATTACH_A_DEVICE }, { a->name, ATTACH_A_NAME }, { a->multiattach, ATTACH_A_MULTIATTACH },
		{ a->id || a->volume_id, ATTACH_A_VOLUME_ID }, { a->initiator, ATTACH_A_INITIATOR },
		{ a->host, ATTACH_A_HOST }, { a->ip, ATTACH_A_IP }, { a->multipath, ATTACH_A_MULTIPATH },
		{ a->mutual_chap || a->dhchap_bidirectional, ATTACH_A_MUTUAL_CHAP },
		{ a->nqn, ATTACH_A_NQN }, { a->dhchap || a->dhchap_dhgroup, ATTACH_A_DHCHAP },
		{ a->transport != 0, ATTACH_A_TRANSPORT },
		{ a->instance, ATTACH_A_INSTANCE }, { a->mountpoint, ATTACH_A_MOUNTPOINT },
		{ a->mode != ATTACH_MODE_AS_RESERVED, ATTACH_A_MODE }, { a->attachment_id, ATTACH_A_ATTACHMENT_ID },
		{ a->force, ATTACH_A_FORCE }, { a->secrets, ATTACH_A_SHOW_SECRETS },
		{ a->purge_unowned, ATTACH_A_PURGE_UNOWNED },
	};
	uint64_t bits = 0;
	for (unsigned i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		bits |= opts[i].set ? ATTACH_BIT(opts[i].attr) : 0;
	return bits;
}

static void check_result(int rc, const struct actl_args *a, const char *err, bool newline_in_args)
{
	const char *const strs[] = { a->socket, a->volume_id, a->device, a->name, a->id, a->initiator, a->host,
				     a->ip, a->instance, a->mountpoint, a->attachment_id, a->nqn, a->dhchap_dhgroup };
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		check_in_argv(strs[i]);
	CHECK(a->cmd_name);
	CHECK(a->mode == ATTACH_MODE_RW || a->mode == ATTACH_MODE_RO || a->mode == ATTACH_MODE_AS_RESERVED);
	if (rc) {
		CHECK(rc == -EINVAL && err[0]);
		CHECK(newline_in_args || !strchr(err, '\n'));
		CHECK(a->cmd == ACTL_CMD_NONE && !a->volume_id && !given(a) && !a->help);
		return;
	}
	CHECK(a->cmd != ACTL_CMD_NONE);
	/* help about one subcommand names a row of the table */
	CHECK(!a->help || (a->cmd == ACTL_CMD_HELP && row_of(a->help->cmd) == a->help));
	const struct actl_command *row = row_of(a->cmd);
	if (!row) {
		CHECK(a->cmd == ACTL_CMD_HELP || a->cmd == ACTL_CMD_VERSION);
		return;
	}
	/* the protocol's row of the call decides, as the agent's decoder does */
	struct attach_call_info call;
	CHECK(attach_call_by_type(row->type, &call) == 0);
	CHECK(!strcmp(a->cmd_name, call.name));
	CHECK(actl_cmd_is_mutating(a->cmd) == call.mutating);
	uint64_t attrs = given(a);
	CHECK(!(attrs & ~call.accepted));
	CHECK(!a->volume_id == !(call.required & ATTACH_BIT(ATTACH_A_VOLUME_ID)));
	CHECK((attrs & call.required) == call.required);
	CHECK(!call.any_of || (attrs & call.any_of));
	uint64_t both = attrs & call.exclusive;
	CHECK(!(both & (both - 1)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char sep = memchr(data, '\0', size) ? '\0' : '\n';
	bool newline_in_args = sep == '\0' && memchr(data, '\n', size);
	argv[0] = strdup("attachctl");
	CHECK(argv[0]);
	arglen[0] = strlen(argv[0]);
	argc = 1;
	for (size_t off = 0; off < size && argc <= ARGS_MAX;) {
		const uint8_t *end = memchr(data + off, sep, size - off);
		size_t n = end ? (size_t)(end - (data + off)) : size - off;
		argv[argc] = malloc(n + 1);
		CHECK(argv[argc]);
		memcpy(argv[argc], data + off, n);
		argv[argc][n] = '\0';
		arglen[argc++] = n;
		off += n + 1;
	}
	argv[argc] = NULL;

	struct actl_args a, b;
	char err[256];
	int rc = actl_parse(argc, argv, &a, err, sizeof(err));
	check_result(rc, &a, err, newline_in_args);
	CHECK(actl_parse(argc, argv, &b, NULL, 0) == rc);
	CHECK(!memcmp(&a, &b, sizeof(a)));

	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return 0;
}
