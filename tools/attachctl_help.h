/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attachctl_help.h: attachctl's help, printed from the tables of attachctl_args.c. Its layout is read by
 * the shell completion (tools/attachctl.bash) and the man page test: a subcommand at two spaces' indent
 * in the list of subcommands, an option at two spaces' indent ("  --initiator IQN  ...") under "Options:".
 */
#ifndef ATTACHCTL_HELP_H
#define ATTACHCTL_HELP_H

#include <stdio.h>

#include "attachctl_args.h"

/* attachctl --help (@row NULL), or help of the subcommand @row, to @out. Returns 0 or -EIO. */
int actl_help(FILE *out, const struct actl_command *row);

#endif
