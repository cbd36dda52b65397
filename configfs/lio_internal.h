/* SPDX-License-Identifier: Apache-2.0 */
/* lio_internal.h: what lio.c and lio_state.c share; not for the agent. */
#ifndef LIO_INTERNAL_H
#define LIO_INTERNAL_H

#include "cfs.h"

#define LIO_CORE "target/core"
#define LIO_ISCSI "target/iscsi"

/* Format a path relative to the configfs root into @buf: 0, or -ENAMETOOLONG. */
int lio_path(char (*buf)[CFS_PATH_MAX], const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
