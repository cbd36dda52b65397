/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attachctl_args.h: attachctl's command line, parsed by a pure function (no I/O, no exit, no globals) so
 * that it can be unit-tested and fuzzed on its own. attachctl.c runs the call and prints; this header is
 * the contract between the two. The tables here (subcommands, their options, the global options) are the one
 * place attachctl's help text lives: --help and help SUBCOMMAND print them (attachctl_help.c), and the
 * shell completion and the man page test read that output, so none of them can drift from the parser.
 */
#ifndef ATTACHCTL_ARGS_H
#define ATTACHCTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attach_proto.h"

#define ACTL_SOCKET_DEFAULT "/run/attachd.sock"
#define ACTL_SOCKET_ENV "ATTACHD_SOCKET"

enum actl_cmd {
	ACTL_CMD_NONE = 0,
	ACTL_CMD_HELP,
	ACTL_CMD_VERSION,
	ACTL_CMD_VOLUME_CREATE,
	ACTL_CMD_VOLUME_DELETE,
	ACTL_CMD_VOLUME_LIST,
	ACTL_CMD_VOLUME_SHOW,
	ACTL_CMD_RESERVE,
	ACTL_CMD_UNRESERVE,
	ACTL_CMD_INITIALIZE_CONNECTION,
	ACTL_CMD_ATTACH,
	ACTL_CMD_BEGIN_DETACHING,
	ACTL_CMD_ROLL_DETACHING,
	ACTL_CMD_TERMINATE_CONNECTION,
	ACTL_CMD_DETACH,
	ACTL_CMD_VOLUME_EXTEND,
	ACTL_CMD_RECONCILE,
	ACTL_CMD_STATS,
};

struct actl_command;

/* Everything the command line said. Strings point into argv; NULL where not given. */
struct actl_args {
	enum actl_cmd cmd;
	const char *cmd_name; /* "volume-create"; "attachctl" before a subcommand is known */
	const char *socket;   /* -s; NULL: the caller applies $ATTACHD_SOCKET, then ACTL_SOCKET_DEFAULT */
	bool json;
	bool dry_run;
	const char *volume_id; /* the VOL operand */
	const char *device;
	const char *name;
	const char *id; /* volume-create --id */
	bool multiattach;
	const char *initiator;
	const char *host;
	const char *ip;
	bool multipath;
	bool mutual_chap;
	const char *instance;
	const char *mountpoint;
	int mode; /* enum attach_mode from --mode; ATTACH_MODE_AS_RESERVED without it */
	const char *attachment_id;
	bool force;
	bool secrets;
	bool purge_unowned; /* reconcile */
	bool prometheus;    /* stats: the Prometheus text format */
	int transport;      /* volume-create --transport: enum attach_transport (default iscsi) */
	const char *nqn;    /* the NVMe host NQN */
	bool dhchap;
	bool dhchap_bidirectional;
	const char *dhchap_dhgroup;
	const struct actl_command *help; /* ACTL_CMD_HELP: the subcommand asked about; NULL: all of them */
};

/* One subcommand: the call it makes and its help. Its name, the options it takes and needs, and whether it
 * changes anything are the call's (attach_call_by_type()). */
struct actl_command {
	uint16_t type; /* enum attach_msg */
	enum actl_cmd cmd;
	const char *synopsis; /* operands and options after the name (--dry-run is global: not here) */
	const char *summary;
	const char *example;  /* a complete command line after "attachctl " (the unit test parses it) */
};

/* A subcommand's option as help shows it. */
struct actl_option_help {
	const char *name;    /* without the leading "--" */
	const char *metavar; /* its value's placeholder ("IQN", "rw|ro"); NULL for a flag */
	const char *help;
	char rule[96];       /* how the call's row binds it ("required", "not with --force"), or "" */
};

/* A global option (before the subcommand), as help shows it. */
struct actl_global {
	const char *shortopt; /* "-s", or NULL */
	const char *longopt;  /* "--socket" */
	const char *metavar;  /* NULL for a flag */
	const char *help;
};

/*
 * Parse @argc/@argv (argv[0] is the program) into @out. Returns 0, or -EINVAL for a usage error with a
 * one-line reason in @err (no "attachctl:" prefix, no newline). @out is fully reset first.
 */
int actl_parse(int argc, char *const argv[], struct actl_args *out, char *err, size_t errlen);

/* The subcommand table, in --help order; returns its length. */
size_t actl_commands(const struct actl_command **table);
/* Its name on the command line: the call's. */
const char *actl_command_name(const struct actl_command *row);
/* The subcommand named @name, or NULL. */
const struct actl_command *actl_command_find(const char *name);
/* The @k-th option (from 0, in table order) that @row's subcommand takes, --dry-run excepted (a global
 * option that mutating subcommands also take after their name): 0, or -ENOENT past the last. */
int actl_command_option(const struct actl_command *row, size_t k, struct actl_option_help *out);
/* The global options, in --help order; returns their number. */
size_t actl_globals(const struct actl_global **table);

/* Whether the subcommand changes anything (and so prints a plan under --dry-run). */
bool actl_cmd_is_mutating(enum actl_cmd cmd);

#endif
