/* SPDX-License-Identifier: Apache-2.0 */
/* options.h: attachd's command line, parsed into struct agent_config without side effects. */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "agent.h"

enum options_result { OPTIONS_RUN = 0, OPTIONS_HELP = 1, OPTIONS_VERSION = 2 };

/* Fill @cfg from @argv (defaults first). Returns an enum options_result, or -EINVAL with the reason in
 * @err. Strings in @cfg point into @argv, which is left as it is. Re-entrant: no globals (no getopt). */
int options_parse(int argc, char **argv, struct agent_config *cfg, char *err, size_t errlen);
/* attachd --help: every option with its default, to @out. */
void options_usage(FILE *out);

#endif
