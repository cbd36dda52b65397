/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attachctl_help.c: attachctl --help, and help SUBCOMMAND (or SUBCOMMAND --help): the usage, the summary,
 * every option the subcommand takes with the rules its call puts on it, and an example. All of it comes
 * from the tables of attachctl_args.c; nothing here names a subcommand or an option.
 */
#include "attachctl_help.h"

#include <errno.h>
#include <string.h>

#define HELP_WIDTH 79
#define HELP_COLUMN 22 /* where an option's text starts */

/* @text from column @col, wrapped at spaces to HELP_WIDTH; continuation lines start at column @indent. */
static void actl_wrap(FILE *out, const char *text, int col, int indent)
{
	while (*text) {
		int room = HELP_WIDTH - col, len = (int)strlen(text);
		if (len > room) {
			int cut = room;
			while (cut > 0 && text[cut] != ' ')
				cut--;
			len = cut > 0 ? cut : (int)strcspn(text, " ");
		}
		fprintf(out, "%.*s\n", len, text);
		text += len;
		text += strspn(text, " ");
		if (*text)
			fprintf(out, "%*s", indent, "");
		col = indent;
	}
}

/* "  NAME  text": NAME padded to HELP_COLUMN, or text on the next line when NAME is longer. */
static void actl_item(FILE *out, const char *name, const char *text)
{
	int n = fprintf(out, "  %s", name);
	if (n + 2 > HELP_COLUMN) {
		fprintf(out, "\n%*s", HELP_COLUMN, "");
	} else {
		fprintf(out, "%*s", HELP_COLUMN - n, "");
	}
	actl_wrap(out, text, HELP_COLUMN, HELP_COLUMN);
}

static void actl_usage_line(FILE *out, const char *name, const char *synopsis)
{
	char head[128];
	int n = snprintf(head, sizeof(head), "usage: attachctl [-s SOCKET] [--json] [--dry-run] %s", name);
	fputs(head, out);
	if (*synopsis) {
		fputc(' ', out);
		actl_wrap(out, synopsis, n + 1, 8);
	} else {
		fputc('\n', out);
	}
}

static void actl_help_globals(FILE *out)
{
	const struct actl_global *g;
	size_t n = actl_globals(&g);
	for (size_t i = 0; i < n; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s%s%s%s%s", g[i].shortopt ? g[i].shortopt : "", g[i].shortopt ? ", " : "",
			 g[i].longopt, g[i].metavar ? " " : "", g[i].metavar ? g[i].metavar : "");
		actl_item(out, name, g[i].help);
	}
}

static void actl_help_all(FILE *out)
{
	const struct actl_command *t;
	size_t n = actl_commands(&t);
	fputs("usage: attachctl [-s SOCKET] [--json] [--dry-run] SUBCOMMAND [ARGS]\n"
	      "       attachctl help [SUBCOMMAND] | --help | --version\n\n"
	      "Calls attachd, the volume attach agent, over its UNIX socket.\n\n"
	      "Global options (before the subcommand):\n", out);
	actl_help_globals(out);
	fputs("\nSubcommands:\n", out);
	for (size_t i = 0; i < n; i++) {
		const char *name = actl_command_name(&t[i]);
		fprintf(out, "  %s%s", name, *t[i].synopsis ? " " : "\n");
		if (*t[i].synopsis)
			actl_wrap(out, t[i].synopsis, 3 + (int)strlen(name), 8);
		fputs("      ", out);
		actl_wrap(out, t[i].summary, 6, 6);
	}
	fputs("  help [SUBCOMMAND]\n"
	      "      print this help, or a subcommand's: its options and an example\n\n", out);
	actl_wrap(out, "VOL is a volume id. Exit status: 0 success, 1 error from the agent or the connection, 2 "
		  "usage error.", 0, 0);
}

static void actl_help_command(FILE *out, const struct actl_command *row)
{
	struct actl_option_help o;
	actl_usage_line(out, actl_command_name(row), row->synopsis);
	fputc('\n', out);
	actl_wrap(out, row->summary, 0, 0);
	if (strstr(row->synopsis, "VOL"))
		fputs("VOL is the volume id.\n", out);
	fputs("\nOptions:\n", out);
	size_t k = 0;
	for (; !actl_command_option(row, k, &o); k++) {
		char name[64], text[512];
		snprintf(name, sizeof(name), "--%s%s%s", o.name, o.metavar ? " " : "", o.metavar ? o.metavar : "");
		snprintf(text, sizeof(text), "%s%s%s%s", o.help, *o.rule ? " (" : "", o.rule, *o.rule ? ")" : "");
		actl_item(out, name, text);
	}
	if (!k)
		fputs("  none\n", out);
	/* one line, whatever its length: an example is there to be copied */
	fprintf(out, "\nGlobal options: see attachctl --help.\n\nExample:\n  attachctl %s\n", row->example);
}

int actl_help(FILE *out, const struct actl_command *row)
{
	if (row)
		actl_help_command(out, row);
	else
		actl_help_all(out);
	return ferror(out) ? -EIO : 0;
}
