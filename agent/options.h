/* SPDX-License-Identifier: Apache-2.0 */
/* options.h: attachd's command line, parsed into struct agent_config without side effects. */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "agent.h"

enum options_result { OPTIONS_RUN = 0, OPTIONS_HELP = 1, OPTIONS_VERSION = 2 };

/*
 * Fill @cfg: the defaults, then the configuration file (--config FILE, or else @default_config when that
 * exists; NULL: none), then @argv, whose options replace the file's. Returns an enum options_result, or
 * a negative errno with the reason in @err (a bad file names itself, the line and the key). --help and
 * --version read no file. Strings in @cfg point into @argv, which is left as it is, or into the file's
 * text, which @cfg then owns: options_free() frees it (a failed parse frees it itself).
 * Re-entrant: no globals (no getopt).
 */
/* The configuration file read when --config is not given: AGENT_DEFAULT_CONFIG, when it exists. The
 * simulator build replaces it (tests/sim/sim_config.c), so that a test agent never reads the machine's. */
const char *options_default_config(void);
int options_parse(int argc, char **argv, const char *default_config, struct agent_config *cfg, char *err,
		  size_t errlen);
/* Free what options_parse() allocated in @cfg (the file's text); the strings that pointed into it go. */
void options_free(struct agent_config *cfg);
/* attachd --help: every option with its default, to @out. */
void options_usage(FILE *out);

#endif
