/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dbroot.h: LIO's dbroot (target/dbroot), the directory where the kernel writes the persistent
 * reservations that initiators register with APTPL (<dbroot>/pr/aptpl_<unit serial>), pointed at
 * attachd's own <db>/dbroot at every start, before any export is built, so reservations live on the
 * same storage as the records and come back with the exports after a reboot (pr_restore.h).
 * The kernel accepts a new dbroot only while no storage object exists (any tool's): when that is not
 * so, and dbroot is elsewhere, the start goes on with one warning and no reservation is restored.
 * Facts: docs/KERNEL.md, 'dbroot and persistent reservations'.
 */
#ifndef DBROOT_H
#define DBROOT_H

#include <stddef.h>

#include "agent.h"

#define DBROOT_DIR "dbroot" /* in --db */
#define DBROOT_PR "pr"      /* in it: the kernel writes there and does not make it */
#define DBROOT_ATTR "target/dbroot"

/* <db>/dbroot and its pr/, made 0700 when missing, checked as attachd's own: directories, not links,
 * owned by attachd's uid (a wider mode is set to 0700). @path gets the absolute path of <db>/dbroot.
 * 0, or a negative errno with the reason in @why (something else sits there: the start stops). */
int dbroot_prepare(const char *db_dir, char *path, size_t size, char *why, size_t whylen);

/* Point the kernel's dbroot at @path. 1: it points there now (it did already, or the write took);
 * 0: it does not, @was says where it points and *@werr why (-EINVAL: storage objects exist); a
 * negative errno when target/dbroot cannot be read. */
int dbroot_point(struct cfs *c, const char *path, char *was, size_t wassize, int *werr);

/* Both, at start, with what they found in the log: a->dbroot is <db>/dbroot when the kernel writes
 * there, "" when it does not (warned). 0, or the negative errno of dbroot_prepare. */
int dbroot_setup(struct agent *a);

#endif
