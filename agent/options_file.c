/* SPDX-License-Identifier: Apache-2.0 */
/*
 * options_file.c: attachd's configuration file (/etc/attachd.conf, or --config FILE; see options_row.h).
 *
 * One setting a line, "key = value", where the key is a long option's name without its dashes and the
 * value is what the option takes; blank lines and lines whose first character (after blanks) is '#' are
 * skipped. A flag (no-dm, foreground, ...) takes true or false (yes, no). A repeatable option's key may
 * appear on several lines; any other key once. Each value goes through the option's own setter, so it
 * is checked exactly as on the command line. Anything else (an unknown key, a bad value, a line without
 * '=', a comment after a value) is refused with the file, the line and the key, and attachd does not
 * start: a setting it would ignore or guess at is worse than none.
 *
 * The file says who may use the agent (allow-uid, ...) and which devices, and attachd runs as root, so
 * it must be a regular file of root's that nobody else can write, as the socket's directory must be.
 */
#include "options_row.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fail.h"

/* far more than any sensible file, small enough to hold at once */
#define OPTIONS_FILE_MAX (256 * 1024)

/* The file's text, NUL-terminated, in *@out (malloc). 1: absent and allowed to be. */
static int options_file_load(const char *path, bool must_exist, char **out, char *err, size_t errlen)
{
	/* O_NONBLOCK: a FIFO put in the file's place must not hang the start (it is refused below) */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT && !must_exist)
			return 1;
		return fail_with(-e, err, errlen, "configuration file %s: %s", path, strerror(e));
	}
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0)
		rc = fail_with(-errno, err, errlen, "configuration file %s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rc = fail_with(-EINVAL, err, errlen, "configuration file %s: not a regular file", path);
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		rc = fail_with(-EPERM, err, errlen, "configuration file %s belongs to uid %u: it must be root's", path,
			       (unsigned)st.st_uid);
	else if ((st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_gid != 0))
		rc = fail_with(-EPERM, err, errlen, "configuration file %s can be written by others (mode %04o): it "
			       "says who may use attachd, so only root may write it", path, (unsigned)(st.st_mode & 07777));
	char *text = NULL;
	size_t len = 0;
	if (!rc && !(text = malloc(OPTIONS_FILE_MAX + 1)))
		rc = -ENOMEM;
	while (!rc) {
		/* to the end, whatever the size said: one byte more than the limit tells it was passed */
		ssize_t n = read(fd, text + len, OPTIONS_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = fail_with(-errno, err, errlen, "configuration file %s: %s", path, strerror(errno));
		else if (n == 0)
			break;
		else if ((len += (size_t)n) > OPTIONS_FILE_MAX)
			rc = fail_with(-EFBIG, err, errlen, "configuration file %s is larger than %d bytes", path,
				       OPTIONS_FILE_MAX);
	}
	close(fd);
	if (!rc && memchr(text, '\0', len))
		rc = fail_with(-EINVAL, err, errlen, "configuration file %s holds a NUL byte: not a text file", path);
	if (rc) {
		free(text);
		return rc;
	}
	text[len] = '\0';
	*out = text;
	return 0;
}

static bool options_file_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* @s without the blanks around it (the text is cut in place). */
static char *options_file_trim(char *s)
{
	while (options_file_blank(*s))
		s++;
	size_t n = strlen(s);
	while (n && options_file_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* A flag's value: 1 true, 0 false, -1 neither. */
static int options_file_bool(const char *v)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes"))
		return 1;
	if (!strcmp(v, "false") || !strcmp(v, "no"))
		return 0;
	return -1;
}

/* The row named @key, exactly (no abbreviations in a file: a later option could make one ambiguous). */
static const struct options_row *options_file_row(const char *key, size_t *index)
{
	for (size_t i = 0; i < options_n_rows; i++)
		if (!strcmp(options_rows[i].name, key)) {
			*index = i;
			return &options_rows[i];
		}
	return NULL;
}

/* The setter's reason, which speaks of "--key value: ...", told as the file's "key = value: ...". */
static int options_file_why(int rc, const char *where, const struct options_row *row, const char *value,
			    const char *why, char *err, size_t errlen)
{
	size_t nlen = strlen(row->name), vlen = strlen(value);
	if (!strncmp(why, "--", 2) && !strncmp(why + 2, row->name, nlen) && why[2 + nlen] == ' ' &&
	    !strncmp(why + 3 + nlen, value, vlen) && !strncmp(why + 3 + nlen + vlen, ": ", 2))
		return fail_with(rc, err, errlen, "%s: %s = %s: %s", where, row->name, value, why + 5 + nlen + vlen);
	return fail_with(rc, err, errlen, "%s: %s: %s", where, row->name, why);
}

/* One line that is not blank or a comment. @first_line: per row, the line that set it (0: none yet). */
static int options_file_line(const char *path, unsigned lineno, char *line, unsigned *first_line,
			     struct agent_config *cfg, char *err, size_t errlen)
{
	char where[4096 + 16];
	snprintf(where, sizeof(where), "%s:%u", path, lineno);
	char *eq = strchr(line, '=');
	if (!eq)
		return fail_with(-EINVAL, err, errlen, "%s: not a \"key = value\" line", where);
	*eq = '\0';
	const char *key = options_file_trim(line), *value = options_file_trim(eq + 1);
	size_t i;
	const struct options_row *row = options_file_row(key, &i);
	if (!*key)
		return fail_with(-EINVAL, err, errlen, "%s: no key before '='", where);
	if (!row)
		return fail_with(-EINVAL, err, errlen, "%s: unknown key \"%s\"", where, key);
	if (row->cli_only)
		return fail_with(-EINVAL, err, errlen, "%s: %s is not a key of the file (a command-line option only)",
				 where, key);
	if (first_line[i] && !row->list)
		return fail_with(-EINVAL, err, errlen, "%s: %s given twice (first on line %u)", where, key,
				 first_line[i]);
	first_line[i] = lineno;
	if (!*value)
		return fail_with(-EINVAL, err, errlen, "%s: %s has no value", where, key);
	for (const char *h = strchr(value, '#'); h; h = strchr(h + 1, '#'))
		if (h == value || options_file_blank(h[-1]))
			return fail_with(-EINVAL, err, errlen, "%s: %s: a comment must be on a line of its own", where,
					 key);
	if (!row->has_arg) {
		int on = options_file_bool(value);
		if (on < 0)
			return fail_with(-EINVAL, err, errlen, "%s: %s = %s: true or false", where, key, value);
		/* false is the default of every flag, and a key is set once: nothing to undo */
		return on ? row->set(row, NULL, cfg, err, errlen) : 0;
	}
	char why[512];
	int rc = row->set(row, value, cfg, why, sizeof(why));
	return rc ? options_file_why(rc, where, row, value, why, err, errlen) : 0;
}

int options_file_read(const char *path, bool must_exist, struct agent_config *cfg, char *err, size_t errlen)
{
	char *text = NULL;
	int rc = options_file_load(path, must_exist, &text, err, errlen);
	if (rc)
		return rc;
	/* the values point into the text: it is the configuration's from here on, whatever follows */
	cfg->config_path = path;
	cfg->config_text = text;
	unsigned *first_line = calloc(options_n_rows, sizeof(*first_line));
	if (!first_line)
		return -ENOMEM;
	unsigned lineno = 0;
	for (char *line = text, *next; !rc && line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char *l = options_file_trim(line);
		if (*l && *l != '#')
			rc = options_file_line(path, lineno, l, first_line, cfg, err, errlen);
	}
	free(first_line);
	return rc;
}
