/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attachctl_args.c: attachctl's grammar. Global options, then the subcommand, then its operand and options
 * in any order ("--opt value" or "--opt=value"; "--" ends options). A hand-written loop rather than
 * getopt_long(): getopt keeps its position in globals (optind), and this parser must be re-entrant so a
 * fuzzer or a test can call it many times in one process. Every usage error names what was wrong.
 */
#include "attachctl_args.h"

#include "attach.h"

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
	OPT_MUTUAL_CHAP,
	OPT_INSTANCE,
	OPT_MOUNTPOINT,
	OPT_MODE,
	OPT_ATTACHMENT,
	OPT_FORCE,
	OPT_SECRETS,
	OPT_DRY_RUN, /* reconcile's own; a global option for the other subcommands */
	OPT_PURGE_UNOWNED,
	OPT_PROMETHEUS,
	OPT_TRANSPORT,
	OPT_NQN,
	OPT_DHCHAP,
	OPT_DHCHAP_BIDIRECTIONAL,
	OPT_DHCHAP_DHGROUP,
	OPT__COUNT,
};
#define O(x) (1u << OPT_##x)

/* attachctl's spelling of the request's attributes, with its help. Which subcommand takes which option, and
 * which it needs, is the protocol's call table (attach_call_by_type()): an option is taken where its
 * attribute is. An option of attachctl's own (how to print) sets no attribute and names its call. */
static const struct actl_option {
	const char *name;    /* without the leading "--" */
	const char *metavar; /* its value's placeholder; NULL: a flag, which takes no value */
	int attr;            /* ATTACH_A_* it sets; 0: none (attachctl's own, for @call only) */
	const char *help;
	uint16_t call;       /* the call of an option that sets no attribute */
} actl_options[OPT__COUNT] = {
	[OPT_DEVICE] = { "device", "D", ATTACH_A_DEVICE,
			 "the block device's path; one that follows the disk (/dev/disk/by-id/..., /dev/VG/LV)" },
	[OPT_NAME] = { "name", "N", ATTACH_A_NAME, "a name for the volume" },
	[OPT_MULTIATTACH] = { "multiattach", NULL, ATTACH_A_MULTIATTACH,
			      "the volume may be attached to several instances at once" },
	/* where the volume id is not the VOL operand */
	[OPT_ID] = { "id", "UUID", ATTACH_A_VOLUME_ID, "the volume's id (default: the agent makes one)" },
	[OPT_INITIATOR] = { "initiator", "IQN", ATTACH_A_INITIATOR, "the initiator's iSCSI name" },
	[OPT_HOST] = { "host", "H", ATTACH_A_HOST, "the host's name" },
	[OPT_IP] = { "ip", "IP", ATTACH_A_IP,
		     "the connector's address: a wildcard portal is advertised as the local address that reaches it" },
	[OPT_MULTIPATH] = { "multipath", NULL, ATTACH_A_MULTIPATH,
			    "the connector does multipath (recorded; every portal is listed either way)" },
	[OPT_MUTUAL_CHAP] = { "mutual-chap", NULL, ATTACH_A_MUTUAL_CHAP,
			      "the target authenticates too: the connection info carries its credentials" },
	[OPT_INSTANCE] = { "instance", "UUID", ATTACH_A_INSTANCE, "the instance's UUID" },
	[OPT_MOUNTPOINT] = { "mountpoint", "M", ATTACH_A_MOUNTPOINT, "the device's path in the instance (/dev/vdb)" },
	[OPT_MODE] = { "mode", "rw|ro", ATTACH_A_MODE,
		       "read-write or read-only access (default: rw at reserve, reserve's at attach)" },
	[OPT_ATTACHMENT] = { "attachment", "ID", ATTACH_A_ATTACHMENT_ID,
			     "that attachment only (default: the volume's only attachment; terminate-connection: "
			     "one connection of the initiator)" },
	[OPT_FORCE] = { "force", NULL, ATTACH_A_FORCE,
			"first swap the device-mapper table for an error target, then remove every initiator and "
			"the export" },
	[OPT_SECRETS] = { "secrets", NULL, ATTACH_A_SHOW_SECRETS, "also show the CHAP passwords" },
	[OPT_DRY_RUN] = { "dry-run", NULL, ATTACH_A_DRY_RUN, "print the planned steps and change nothing" },
	[OPT_PURGE_UNOWNED] = { "purge-unowned", NULL, ATTACH_A_PURGE_UNOWNED,
				"also remove objects of attachd's names that this database did not make (see them "
				"first with --dry-run)" },
	[OPT_PROMETHEUS] = { "prometheus", NULL, 0,
			     "print the Prometheus text exposition format (for node_exporter's textfile collector)",
			     ATTACH_MSG_STATS },
	[OPT_TRANSPORT] = { "transport", "iscsi|nvme-tcp", ATTACH_A_TRANSPORT,
			    "how the volume is exported (default iscsi; nvme-tcp needs the agent's --nvme-port)" },
	[OPT_NQN] = { "nqn", "NQN", ATTACH_A_NQN, "the NVMe host's NQN (nvme-tcp volumes, instead of --initiator)" },
	/* three spellings of two attributes: DHCHAP carries the group, MUTUAL_CHAP the controller's key */
	[OPT_DHCHAP] = { "dhchap", NULL, ATTACH_A_DHCHAP,
			 "nvme-tcp: the host authenticates with DH-HMAC-CHAP; its secret comes back (dhchap_secret)" },
	[OPT_DHCHAP_BIDIRECTIONAL] = { "dhchap-bidirectional", NULL, ATTACH_A_MUTUAL_CHAP,
				       "nvme-tcp: DH-HMAC-CHAP both ways: the controller's secret comes back too "
				       "(dhchap_ctrl_secret)" },
	[OPT_DHCHAP_DHGROUP] = { "dhchap-dhgroup", "G", ATTACH_A_DHCHAP,
				 "nvme-tcp: DH-HMAC-CHAP with DH group G (null, ffdhe2048 ... ffdhe8192; default null)" },
};

/* The global options; the parser's own loop is actl_parse_globals(). */
static const struct actl_global actl_global_table[] = {
	{ "-s", "--socket", "SOCKET", "the agent's socket (default $" ACTL_SOCKET_ENV ", then " ACTL_SOCKET_DEFAULT ")" },
	{ NULL, "--json", NULL, "print JSON instead of text" },
	{ NULL, "--dry-run", NULL,
	  "mutating calls print the agent's planned steps and change nothing (also taken after the subcommand)" },
	{ "-h", "--help", NULL, "print this help (help SUBCOMMAND, or SUBCOMMAND --help: that subcommand's)" },
	{ NULL, "--version", NULL, "print the version" },
};

#define CMD(c) .type = ATTACH_MSG_##c, .cmd = ACTL_CMD_##c
#define EX_VOL "0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b"
#define EX_INI "iqn.1993-08.org.debian:01:compute1"

static const struct actl_command actl_table[] = {
	{ CMD(VOLUME_CREATE), .synopsis = "--device D [--name N] [--multiattach] [--id UUID] [--transport iscsi|nvme-tcp]",
	  .summary = "register a block device as a volume; prints its id",
	  .example = "volume-create --device /dev/vg0/vol1 --name vol1" },
	{ CMD(VOLUME_LIST), .synopsis = "", .summary = "list every volume", .example = "--json volume-list" },
	{ CMD(VOLUME_SHOW), .synopsis = "VOL [--secrets]",
	  .summary = "one volume with its attachments, export and initiators (CHAP passwords with --secrets)",
	  .example = "volume-show " EX_VOL },
	{ CMD(VOLUME_DELETE), .synopsis = "VOL", .summary = "forget an available volume",
	  .example = "volume-delete " EX_VOL },
	{ CMD(VOLUME_EXTEND), .synopsis = "VOL",
	  .summary = "take the device's new size, also while exported; prints the size in bytes",
	  .example = "volume-extend " EX_VOL },
	{ CMD(RECONCILE), .synopsis = "[--purge-unowned]",
	  .summary = "make the kernel match the records (as at every start); prints the differences and steps; "
		     "--purge-unowned also removes objects of attachd's names this database did not make",
	  .example = "--dry-run reconcile" },
	{ CMD(RESERVE), .synopsis = "VOL [--mode rw|ro]",
	  .summary = "start attaching, read-write or read-only (the LUN is mapped so); prints the attachment id",
	  .example = "reserve " EX_VOL " --mode ro" },
	{ CMD(UNRESERVE), .synopsis = "VOL", .summary = "undo reserve", .example = "unreserve " EX_VOL },
	{ CMD(INITIALIZE_CONNECTION),
	  .synopsis = "VOL --initiator IQN | --nqn NQN [--host H] [--ip IP] [--multipath] [--mutual-chap] "
		      "[--dhchap] [--dhchap-bidirectional] [--dhchap-dhgroup G]",
	  .summary = "export the volume to an initiator; prints the connection info (--mutual-chap: with the "
		     "target's credentials too)",
	  .example = "--json initialize-connection " EX_VOL " --initiator " EX_INI " --ip 192.0.2.7" },
	{ CMD(ATTACH), .synopsis = "VOL --instance UUID --host H --mountpoint M [--mode rw|ro] [--attachment ID]",
	  .summary = "mark the reserved attachment attached (--mode must be reserve's); prints the attachment id",
	  .example = "attach " EX_VOL " --instance 6f1c9d7e-1111-4222-8333-944455556666 --host compute1 "
		     "--mountpoint /dev/vdb" },
	{ CMD(BEGIN_DETACHING), .synopsis = "VOL", .summary = "start detaching", .example = "begin-detaching " EX_VOL },
	{ CMD(ROLL_DETACHING), .synopsis = "VOL", .summary = "undo begin-detaching", .example = "roll-detaching " EX_VOL },
	{ CMD(TERMINATE_CONNECTION), .synopsis = "VOL --initiator IQN | --nqn NQN [--attachment ID] [--force]",
	  .summary = "release a connection of an initiator (--attachment: that attachment's); its access goes "
		     "with the last (--force: every initiator)",
	  .example = "terminate-connection " EX_VOL " --initiator " EX_INI },
	{ CMD(DETACH), .synopsis = "VOL [--attachment ID]", .summary = "drop an attachment", .example = "detach " EX_VOL },
	{ CMD(STATS), .synopsis = "[--prometheus]",
	  .summary = "the agent's counters, latencies, records, last reconciles and each export's iSCSI sessions "
		     "(--json, or --prometheus for node_exporter)",
	  .example = "stats --prometheus" },
};
#define ACTL_N_COMMANDS (sizeof(actl_table) / sizeof(actl_table[0]))
#define ACTL_N_GLOBALS (sizeof(actl_global_table) / sizeof(actl_global_table[0]))

size_t actl_globals(const struct actl_global **table)
{
	*table = actl_global_table;
	return ACTL_N_GLOBALS;
}

size_t actl_commands(const struct actl_command **table)
{
	*table = actl_table;
	return ACTL_N_COMMANDS;
}

const char *actl_command_name(const struct actl_command *row)
{
	struct attach_call_info info;
	return attach_call_by_type(row->type, &info) ? "?" : info.name;
}

bool actl_cmd_is_mutating(enum actl_cmd cmd)
{
	struct attach_call_info info;
	for (size_t i = 0; i < ACTL_N_COMMANDS; i++)
		if (actl_table[i].cmd == cmd)
			return !attach_call_by_type(actl_table[i].type, &info) && info.mutating;
	return false;
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
	case OPT_MUTUAL_CHAP: a->mutual_chap = true; break;
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
	case OPT_PROMETHEUS: a->prometheus = true; break;
	case OPT_TRANSPORT:
		if (!strcmp(value, "iscsi"))
			a->transport = ATTACH_TRANSPORT_ISCSI;
		else if (!strcmp(value, "nvme-tcp"))
			a->transport = ATTACH_TRANSPORT_NVME_TCP;
		else
			return actl_usage(err, errlen, "%s: invalid --transport '%s' (iscsi or nvme-tcp)", a->cmd_name, value);
		break;
	case OPT_NQN: a->nqn = value; break;
	case OPT_DHCHAP: a->dhchap = true; break;
	case OPT_DHCHAP_BIDIRECTIONAL: a->dhchap_bidirectional = true; break;
	case OPT_DHCHAP_DHGROUP: a->dhchap_dhgroup = value; break;
	case OPT__COUNT: break;
	}
	return 0;
}

/* A subcommand being parsed: its row, the protocol's facts of its call, what was given so far. */
struct actl_sub {
	const struct actl_command *row;
	struct attach_call_info call;
	bool takes_volume; /* the call needs a volume id: the VOL operand */
	unsigned seen;     /* bits of actl_options given */
	uint64_t attrs;    /* ATTACH_BIT()s of the attributes they (and VOL) set */
};

/* Does the subcommand take option @o? Where its attribute is accepted (the volume id as --id only where
 * it is not the operand). */
static bool actl_takes(const struct actl_sub *sub, int o)
{
	int attr = actl_options[o].attr;
	if (!attr)
		return actl_options[o].call == sub->row->type;
	return (sub->call.accepted & ATTACH_BIT(attr)) && !(attr == ATTACH_A_VOLUME_ID && sub->takes_volume);
}

/* The first option of the subcommand's, in table order, whose attribute is in @mask (-1: none). */
static int actl_option_in(const struct actl_sub *sub, uint64_t mask, int after)
{
	for (int o = after + 1; o < OPT__COUNT; o++)
		if (actl_takes(sub, o) && (mask & ATTACH_BIT(actl_options[o].attr)))
			return o;
	return -1;
}

static int actl_option_find(const char *name, size_t len)
{
	int o = 0;
	while (o < OPT__COUNT && (strlen(actl_options[o].name) != len || strncmp(actl_options[o].name, name, len)))
		o++;
	return o;
}

/* @sub for the subcommand of @row: 0, or -ENOENT when the protocol has no such call. */
static int actl_sub_init(struct actl_sub *sub, const struct actl_command *row)
{
	*sub = (struct actl_sub){ .row = row };
	if (attach_call_by_type(row->type, &sub->call))
		return -ENOENT;
	sub->takes_volume = sub->call.required & ATTACH_BIT(ATTACH_A_VOLUME_ID);
	return 0;
}

const struct actl_command *actl_command_find(const char *name)
{
	struct attach_call_info info;
	for (size_t k = 0; k < ACTL_N_COMMANDS; k++)
		if (!attach_call_by_type(actl_table[k].type, &info) && !strcmp(info.name, name))
			return &actl_table[k];
	return NULL;
}

/* Option @o's place in the rules of @sub's call, in words, into @buf ("" when it has none). */
static void actl_rule(const struct actl_sub *sub, int o, char *buf, size_t len)
{
	uint64_t bit = ATTACH_BIT(actl_options[o].attr);
	int other = -1;
	size_t n = 0;
	buf[0] = '\0';
	if (sub->call.required & bit)
		n += (size_t)snprintf(buf, len, "required");
	if ((sub->call.any_of & bit) && (other = actl_option_in(sub, sub->call.any_of & ~bit, -1)) >= 0)
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "required, or --%s", actl_options[other].name);
	if ((sub->call.exclusive & bit) && (other = actl_option_in(sub, sub->call.exclusive & ~bit, -1)) >= 0)
		snprintf(buf + n, n < len ? len - n : 0, "%snot with --%s", n ? "; " : "", actl_options[other].name);
}

int actl_command_option(const struct actl_command *row, size_t k, struct actl_option_help *out)
{
	struct actl_sub sub;
	if (actl_sub_init(&sub, row))
		return -ENOENT;
	for (int o = 0; o < OPT__COUNT; o++) {
		if (o == OPT_DRY_RUN || !actl_takes(&sub, o) || k--)
			continue;
		out->name = actl_options[o].name;
		out->metavar = actl_options[o].metavar;
		out->help = actl_options[o].help;
		actl_rule(&sub, o, out->rule, sizeof(out->rule));
		return 0;
	}
	return -ENOENT;
}

/* One "--name[=value]" after the subcommand; advances *@i past a separate value. */
static int actl_option(int argc, char *const argv[], int *i, struct actl_sub *sub, struct actl_args *a, char *err,
		       size_t errlen)
{
	const char *s = argv[*i], *cmd = sub->call.name;
	if (s[1] != '-' && !actl_is_global(s))
		return actl_usage(err, errlen, "%s: unknown option %s", cmd, s);
	const char *eq = strchr(s + 2, '=');
	size_t len = eq ? (size_t)(eq - (s + 2)) : strlen(s + 2);
	int o = actl_option_find(s + 2, len);
	if (o == OPT__COUNT || !actl_takes(sub, o)) {
		if (actl_is_global(s))
			return actl_usage(err, errlen, "%s is a global option: put it before the subcommand", s);
		return actl_usage(err, errlen, "%s: unknown option --%.*s", cmd, (int)len, s + 2);
	}
	if (sub->seen & (1u << o))
		return actl_usage(err, errlen, "%s: --%s given twice", cmd, actl_options[o].name);
	sub->seen |= 1u << o;
	sub->attrs |= ATTACH_BIT(actl_options[o].attr);
	const char *value = NULL;
	if (actl_options[o].metavar) {
		if (eq)
			value = eq + 1;
		else if (*i + 1 < argc)
			value = argv[++*i];
		else
			return actl_usage(err, errlen, "%s: --%s needs a value", cmd, actl_options[o].name);
	} else if (eq) {
		return actl_usage(err, errlen, "%s: --%s takes no value", cmd, actl_options[o].name);
	}
	return actl_set(a, (enum actl_opt)o, value, err, errlen);
}

/* The call's rules on what goes together (its protocol row), said in options. */
static int actl_check_rules(const struct actl_sub *sub, char *err, size_t errlen)
{
	const char *cmd = sub->call.name;
	int o = actl_option_in(sub, sub->call.required & ~sub->attrs, -1);
	if (o >= 0)
		return actl_usage(err, errlen, "%s: --%s is required", cmd, actl_options[o].name);
	if (sub->call.any_of && !(sub->call.any_of & sub->attrs) && (o = actl_option_in(sub, sub->call.any_of, -1)) >= 0) {
		int alt = actl_option_in(sub, sub->call.any_of, o);
		return actl_usage(err, errlen, "%s: --%s is required (or --%s)", cmd, actl_options[o].name,
				  alt >= 0 ? actl_options[alt].name : "?");
	}
	uint64_t both = sub->call.exclusive & sub->attrs;
	if (both & (both - 1)) {
		o = actl_option_in(sub, both, -1);
		return actl_usage(err, errlen, "%s: --%s and --%s do not go together", cmd, actl_options[o].name,
				  actl_options[actl_option_in(sub, both, o)].name);
	}
	return 0;
}

/* The subcommand's operand and options, from argv[@i]. */
static int actl_parse_command(int argc, char *const argv[], int i, struct actl_sub *sub, struct actl_args *a,
			      char *err, size_t errlen)
{
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
				a->help = sub->row;
				return 0;
			}
			int rc = actl_option(argc, argv, &i, sub, a, err, errlen);
			if (rc)
				return rc;
			continue;
		}
		if (!sub->takes_volume || a->volume_id)
			return actl_usage(err, errlen, "%s: unexpected argument '%s'", sub->call.name, s);
		a->volume_id = s;
		sub->attrs |= ATTACH_BIT(ATTACH_A_VOLUME_ID);
	}
	if (sub->takes_volume && !a->volume_id)
		return actl_usage(err, errlen, "%s: missing VOL (the volume id)", sub->call.name);
	return actl_check_rules(sub, err, errlen);
}

/* The global options before the subcommand, from argv[1]: the index of the subcommand, 0 when the parse
 * is complete (help, version), or -EINVAL. */
static int actl_parse_globals(int argc, char *const argv[], struct actl_args *a, char *err, size_t errlen)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *s = argv[i];
		int rc = actl_socket_opt(argc, (const char *const *)argv, &i, &a->socket);
		if (rc < 0)
			return actl_usage(err, errlen, "%s needs a value", s);
		if (rc > 0)
			continue;
		if (actl_is_help(s) || !strcmp(s, "--version")) {
			a->cmd = actl_is_help(s) ? ACTL_CMD_HELP : ACTL_CMD_VERSION;
			return 0;
		}
		if (!strcmp(s, "--json"))
			a->json = true;
		else if (!strcmp(s, "--dry-run"))
			a->dry_run = true;
		else if (!strcmp(s, "--"))
			return i + 1 < argc ? i + 1 : actl_usage(err, errlen, "missing subcommand");
		else
			return actl_usage(err, errlen, "unknown option %s", s);
	}
	return i < argc ? i : actl_usage(err, errlen, "missing subcommand");
}

/* "help [SUBCOMMAND]", from argv[@i] on. */
static int actl_parse_help(int argc, char *const argv[], int i, struct actl_args *a, char *err, size_t errlen)
{
	const struct actl_command *row = NULL;
	if (i < argc) {
		row = actl_command_find(argv[i]);
		if (!row && strcmp(argv[i], "help"))
			return actl_usage(err, errlen, "help: unknown subcommand '%s'", argv[i]);
		if (i + 1 < argc)
			return actl_usage(err, errlen, "help: unexpected argument '%s'", argv[i + 1]);
	}
	a->cmd = ACTL_CMD_HELP;
	a->help = row;
	return 0;
}

int actl_parse(int argc, char *const argv[], struct actl_args *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->cmd_name = "attachctl";
	a->mode = ATTACH_MODE_AS_RESERVED;
	if (err && errlen)
		err[0] = '\0';
	int i = actl_parse_globals(argc, argv, a, err, errlen);
	if (i <= 0)
		return i;
	const char *name = argv[i++];
	if (!strcmp(name, "help"))
		return actl_parse_help(argc, argv, i, a, err, errlen);
	struct actl_sub sub;
	const struct actl_command *row = actl_command_find(name);
	if (!row || actl_sub_init(&sub, row))
		return actl_usage(err, errlen, "unknown subcommand '%s'", name);
	a->cmd = sub.row->cmd;
	a->cmd_name = sub.call.name;
	int rc = actl_parse_command(argc, argv, i, &sub, a, err, errlen);
	if (!rc && a->prometheus && a->json)
		rc = actl_usage(err, errlen, "%s: --json and --prometheus do not go together", a->cmd_name);
	if (rc) {
		/* a failed parse leaves no half-filled request behind */
		const char *cmd_name = a->cmd_name;
		memset(a, 0, sizeof(*a));
		a->cmd_name = cmd_name;
		a->mode = ATTACH_MODE_AS_RESERVED;
	}
	return rc;
}
