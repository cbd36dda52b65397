/* SPDX-License-Identifier: Apache-2.0 */
/*
 * options_row.h: inside the options module only. The table of attachd's long options (options.c), which
 * the command line and the configuration file (options_file.c) both go through, so that a value is set and
 * checked by the same setter whichever way it comes.
 */
#ifndef OPTIONS_ROW_H
#define OPTIONS_ROW_H

#include <stdbool.h>
#include <stddef.h>

#include "agent.h"

/* One long option: what it is called, whether it takes a value, and what sets it. */
struct options_row;
typedef int options_set_fn(const struct options_row *row, const char *value, struct agent_config *cfg, char *err,
			   size_t errlen);
struct options_row {
	const char *name; /* without the leading "--"; the configuration file's key */
	bool has_arg;
	bool list;     /* repeatable: each use adds one entry at @count (--portal, --allow-uid, ...) */
	bool cli_only; /* --config, --help, --version: not keys of the file */
	options_set_fn *set; /* @value is NULL for an option without one; @value must outlive @cfg */
	size_t field;        /* offsetof() the member of struct agent_config it sets (a list's array) */
	size_t count;        /* lists: offsetof() the list's count */
	unsigned long max;   /* numbers: from 1 to this */
	const char *unit;    /* numbers: what the message calls them ("milliseconds"), or NULL for "a number" */
};

extern const struct options_row options_rows[];
extern const size_t options_n_rows;

/*
 * Apply the configuration file @path to @cfg, line by line, through the rows' setters. @must_exist false
 * (the default path): a file that does not exist is no error and returns 1, with @cfg unchanged. Returns 0
 * when read, with cfg->config_path = @path and cfg->config_text holding the text the values point into;
 * or -errno with the file, the line and the key in @err (@cfg may then be partly set: the caller stops).
 */
int options_file_read(const char *path, bool must_exist, struct agent_config *cfg, char *err, size_t errlen);

#endif
