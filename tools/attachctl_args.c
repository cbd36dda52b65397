/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attachctl_args.c: attachctl's grammar. Global options, then the subcommand, then its operand and options
 * in any order ("--opt value" or "--opt=value"; "--" ends options). A hand-written loop rather than
 * getopt_long(): getopt keeps its position in globals (optind), and this parser must be re-entrant so a
 * fuzzer or a test can call it many times in one process. Every usage error names what was wrong.
 */
#include "attachctl_args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Subcommand options. The table order is the bit number. */
enum actl_opt {
	OPT_DEVICE,
	OPT_NAME,
	OPT_MULTIATTACH,
	OPT_ID,
	OPT_INITIATOR,
	OPT_HOST,
	OPT_IP,
	OPT_MULTIPATH,
	OPT_INSTANCE,
	OPT_MOUNTPOINT,
	OPT_MODE,
	OPT_ATTACHMENT,
	OPT_FORCE,
	OPT_SECRETS,
	OPT_DRY_RUN, /* reconcile's own; a global option for the other subcommands */
	OPT_PURGE_UNOWNED,
	OPT__COUNT,
};
#define O(x) (1u << OPT_##x)

static const struct actl_option {
	const char *name; /* without the leading "--" */
	bool has_value;
} actl_options[OPT__COUNT] = {
	[OPT_DEVICE] = { "device", true },
	[OPT_NAME] = { "name", true },
	[OPT_MULTIATTACH] = { "multiattach", false },
	[OPT_ID] = { "id", true },
	[OPT_INITIATOR] = { "initiator", true },
	[OPT_HOST] = { "host", true },
	[OPT_IP] = { "ip", true },
	[OPT_MULTIPATH] = { "multipath", false },
	[OPT_INSTANCE] = { "instance", true },
	[OPT_MOUNTPOINT] = { "mountpoint", true },
	[OPT_MODE] = { "mode", true },
	[OPT_ATTACHMENT] = { "attachment", true },
	[OPT_FORCE] = { "force", false },
	[OPT_SECRETS] = { "secrets", false },
	[OPT_DRY_RUN] = { "dry-run", false },
	[OPT_PURGE_UNOWNED] = { "purge-unowned", false },
};

static const struct actl_command actl_table[] = {
	{ "volume-create", ACTL_CMD_VOLUME_CREATE, false, true, O(DEVICE) | O(NAME) | O(MULTIATTACH) | O(ID),
	  O(DEVICE), "--device D [--name N] [--multiattach] [--id UUID]",
	  "register a block device as a volume; prints its id" },
	{ "volume-list", ACTL_CMD_VOLUME_LIST, false, false, 0, 0, "", "list every volume" },
	{ "volume-show", ACTL_CMD_VOLUME_SHOW, true, false, O(SECRETS), 0, "VOL [--secrets]",
	  "one volume with its attachments, export and initiators (CHAP passwords with --secrets)" },
	{ "volume-delete", ACTL_CMD_VOLUME_DELETE, true, true, 0, 0, "VOL", "forget an available volume" },
	{ "volume-extend", ACTL_CMD_VOLUME_EXTEND, true, true, 0, 0, "VOL",
	  "take the device's new size, also while exported; prints the size in bytes" },
	{ "reconcile", ACTL_CMD_RECONCILE, false, true, O(DRY_RUN) | O(PURGE_UNOWNED), 0,
	  "[--dry-run] [--purge-unowned]",
	  "make the kernel match the records (as at every start); prints the differences and steps; "
	  "--purge-unowned also removes objects of attachd's names this database did not make" },
	{ "reserve", ACTL_CMD_RESERVE, true, true, 0, 0, "VOL", "start attaching; prints the attachment id" },
	{ "unreserve", ACTL_CMD_UNRESERVE, true, true, 0, 0, "VOL", "undo reserve" },
	{ "initialize-connection", ACTL_CMD_INITIALIZE_CONNECTION, true, true,
	  O(INITIATOR) | O(HOST) | O(IP) | O(MULTIPATH), O(INITIATOR),
	  "VOL --initiator IQN [--host H] [--ip IP] [--multipath]",
	  "export the volume to an initiator; prints the connection info" },
	{ "attach", ACTL_CMD_ATTACH, true, true, O(INSTANCE) | O(HOST) | O(MOUNTPOINT) | O(MODE) | O(ATTACHMENT),
	  O(INSTANCE) | O(HOST) | O(MOUNTPOINT),
	  "VOL --instance UUID --host H --mountpoint M [--mode rw|ro] [--attachment ID]",
	  "mark the reserved attachment attached; prints the attachment id" },
	{ "begin-detaching", ACTL_CMD_BEGIN_DETACHING, true, true, 0, 0, "VOL", "start detaching" },
	{ "roll-detaching", ACTL_CMD_ROLL_DETACHING, true, true, 0, 0, "VOL", "undo begin-detaching" },
	/* the initiator is required unless --force: checked after the loop */
	{ "terminate-connection", ACTL_CMD_TERMINATE_CONNECTION, true, true, O(INITIATOR) | O(FORCE) | O(ATTACHMENT),
	  0, "VOL --initiator IQN [--attachment ID] [--force]",
	  "release a connection of an initiator (--attachment: that attachment's); its access goes with the last "
	  "(--force: every initiator)" },
	{ "detach", ACTL_CMD_DETACH, true, true, O(ATTACHMENT), 0, "VOL [--attachment ID]",
	  "drop an attachment" },
};
#define ACTL_N_COMMANDS (sizeof(actl_table) / sizeof(actl_table[0]))

size_t actl_commands(const struct actl_command **table)
{
	*table = actl_table;
	return ACTL_N_COMMANDS;
}

static const struct actl_command *actl_find(enum actl_cmd cmd)
{
	for (size_t i = 0; i < ACTL_N_COMMANDS; i++)
		if (actl_table[i].cmd == cmd)
			return &actl_table[i];
	return NULL;
}

bool actl_cmd_is_mutating(enum actl_cmd cmd)
{
	const struct actl_command *row = actl_find(cmd);
	return row && row->mutating;
}

__attribute__((format(printf, 3, 4)))
static int actl_usage(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "-s X", "-sX", "--socket X", "--socket=X": 1 if @argv[*i] is the socket option (consuming its value),
 * 0 if it is not, -EINVAL if its value is missing. */
static int actl_socket_opt(int argc, const char *const argv[], int *i, const char **value)
{
	const char *s = argv[*i];
	if (!strcmp(s, "-s") || !strcmp(s, "--socket")) {
		if (*i + 1 >= argc)
			return -EINVAL;
		*value = argv[++*i];
		return 1;
	}
	if (!strncmp(s, "--socket=", 9)) {
		*value = s + 9;
		return 1;
	}
	if (!strncmp(s, "-s", 2) && s[2] != '-') {
		*value = s + 2;
		return 1;
	}
	return 0;
}

static bool actl_is_global(const char *s)
{
	return !strcmp(s, "--json") || !strcmp(s, "--dry-run") || !strcmp(s, "--version") ||
	       !strncmp(s, "--socket", 8) || !strncmp(s, "-s", 2);
}

static bool actl_is_help(const char *s)
{
	return !strcmp(s, "-h") || !strcmp(s, "--help");
}

/* Store option @o with @value (NULL for flags). */
static int actl_set(struct actl_args *a, enum actl_opt o, const char *value, char *err, size_t errlen)
{
	switch (o) {
	case OPT_DEVICE: a->device = value; break;
	case OPT_NAME: a->name = value; break;
	case OPT_MULTIATTACH: a->multiattach = true; break;
	case OPT_ID: a->id = value; break;
	case OPT_INITIATOR: a->initiator = value; break;
	case OPT_HOST: a->host = value; break;
	case OPT_IP: a->ip = value; break;
	case OPT_MULTIPATH: a->multipath = true; break;
	case OPT_INSTANCE: a->instance = value; break;
	case OPT_MOUNTPOINT: a->mountpoint = value; break;
	case OPT_MODE:
		if (!strcmp(value, "rw"))
			a->mode = ATTACH_MODE_RW;
		else if (!strcmp(value, "ro"))
			a->mode = ATTACH_MODE_RO;
		else
			return actl_usage(err, errlen, "%s: invalid --mode '%s' (rw or ro)", a->cmd_name, value);
		break;
	case OPT_ATTACHMENT: a->attachment_id = value; break;
	case OPT_FORCE: a->force = true; break;
	case OPT_SECRETS: a->secrets = true; break;
	case OPT_DRY_RUN: a->dry_run = true; break;
	case OPT_PURGE_UNOWNED: a->purge_unowned = true; break;
	case OPT__COUNT: break;
	}
	return 0;
}

/* One "--name[=value]" after the subcommand; advances *@i past a separate value. */
static int actl_option(int argc, char *const argv[], int *i, const struct actl_command *row, unsigned *seen,
		       struct actl_args *a, char *err, size_t errlen)
{
	const char *s = argv[*i];
	if (s[1] != '-' && !actl_is_global(s))
		return actl_usage(err, errlen, "%s: unknown option %s", row->name, s);
	const char *eq = strchr(s + 2, '=');
	size_t len = eq ? (size_t)(eq - (s + 2)) : strlen(s + 2);
	int o = 0;
	while (o < OPT__COUNT && (strlen(actl_options[o].name) != len || strncmp(actl_options[o].name, s + 2, len)))
		o++;
	if (o == OPT__COUNT || !(row->allowed & (1u << o))) {
		if (actl_is_global(s))
			return actl_usage(err, errlen, "%s is a global option: put it before the subcommand", s);
		return actl_usage(err, errlen, "%s: unknown option --%.*s", row->name, (int)len, s + 2);
	}
	if (*seen & (1u << o))
		return actl_usage(err, errlen, "%s: --%s given twice", row->name, actl_options[o].name);
	*seen |= 1u << o;
	const char *value = NULL;
	if (actl_options[o].has_value) {
		if (eq)
			value = eq + 1;
		else if (*i + 1 < argc)
			value = argv[++*i];
		else
			return actl_usage(err, errlen, "%s: --%s needs a value", row->name, actl_options[o].name);
	} else if (eq) {
		return actl_usage(err, errlen, "%s: --%s takes no value", row->name, actl_options[o].name);
	}
	return actl_set(a, (enum actl_opt)o, value, err, errlen);
}

/* The subcommand's operand and options, from argv[@i]. */
static int actl_parse_command(int argc, char *const argv[], int i, const struct actl_command *row,
			      struct actl_args *a, char *err, size_t errlen)
{
	unsigned seen = 0;
	bool options_done = false;
	for (; i < argc; i++) {
		const char *s = argv[i];
		if (!options_done && !strcmp(s, "--")) {
			options_done = true;
			continue;
		}
		if (!options_done && s[0] == '-' && s[1]) {
			if (actl_is_help(s)) {
				a->cmd = ACTL_CMD_HELP;
				return 0;
			}
			int rc = actl_option(argc, argv, &i, row, &seen, a, err, errlen);
			if (rc)
				return rc;
			continue;
		}
		if (!row->takes_volume || a->volume_id)
			return actl_usage(err, errlen, "%s: unexpected argument '%s'", row->name, s);
		a->volume_id = s;
	}
	if (row->takes_volume && !a->volume_id)
		return actl_usage(err, errlen, "%s: missing VOL (the volume id)", row->name);
	unsigned missing = row->required & ~seen;
	if (missing)
		return actl_usage(err, errlen, "%s: --%s is required", row->name,
				  actl_options[__builtin_ctz(missing)].name);
	if (row->cmd == ACTL_CMD_TERMINATE_CONNECTION && !a->initiator && !a->force)
		return actl_usage(err, errlen, "%s: --initiator is required (or --force)", row->name);
	if (row->cmd == ACTL_CMD_TERMINATE_CONNECTION && a->attachment_id && (a->force || !a->initiator))
		return actl_usage(err, errlen, "%s: --attachment goes with --initiator, not --force", row->name);
	return 0;
}

int actl_parse(int argc, char *const argv[], struct actl_args *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->cmd_name = "attachctl";
	a->mode = ATTACH_MODE_RW;
	if (err && errlen)
		err[0] = '\0';

	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *s = argv[i];
		int rc = actl_socket_opt(argc, (const char *const *)argv, &i, &a->socket);
		if (rc < 0)
			return actl_usage(err, errlen, "%s needs a value", s);
		if (rc > 0)
			continue;
		if (actl_is_help(s)) {
			a->cmd = ACTL_CMD_HELP;
			return 0;
		}
		if (!strcmp(s, "--version")) {
			a->cmd = ACTL_CMD_VERSION;
			return 0;
		}
		if (!strcmp(s, "--json"))
			a->json = true;
		else if (!strcmp(s, "--dry-run"))
			a->dry_run = true;
		else if (!strcmp(s, "--")) {
			i++;
			break;
		} else
			return actl_usage(err, errlen, "unknown option %s", s);
	}
	if (i >= argc)
		return actl_usage(err, errlen, "missing subcommand");

	const char *name = argv[i++];
	if (!strcmp(name, "help")) {
		if (i < argc)
			return actl_usage(err, errlen, "help: unexpected argument '%s'", argv[i]);
		a->cmd = ACTL_CMD_HELP;
		return 0;
	}
	const struct actl_command *row = NULL;
	for (size_t k = 0; k < ACTL_N_COMMANDS && !row; k++)
		if (!strcmp(actl_table[k].name, name))
			row = &actl_table[k];
	if (!row)
		return actl_usage(err, errlen, "unknown subcommand '%s'", name);
	a->cmd = row->cmd;
	a->cmd_name = row->name;
	int rc = actl_parse_command(argc, argv, i, row, a, err, errlen);
	if (rc) {
		/* a failed parse leaves no half-filled request behind */
		const char *cmd_name = a->cmd_name;
		memset(a, 0, sizeof(*a));
		a->cmd_name = cmd_name;
	}
	return rc;
}
