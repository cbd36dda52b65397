/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pr_restore.h: an export's plan step PLAN_PR_RESTORE, one per initiator of an export being built:
 * the persistent reservations LIO wrote for the volume (<dbroot>/pr/aptpl_<volume id>, dbroot.h) fed
 * back to its new storage object, between the storage object and its LUN (the kernel takes them only
 * while no LUN links the object, and makes them live when the initiator's mapped LUN appears). The
 * kernel never reads the file itself (docs/KERNEL.md, 'dbroot and persistent reservations').
 *
 * The file is checked whole (aptpl.h) and must name this export's target, TPG and LUN; then the
 * registrations of @acl's initiator on its mapped LUN are fed. Registrations of initiators that have no
 * ACL are not: removing an ACL drops them in the live kernel, which leaves the file as it was.
 * A file that fails the check stops the step (-EBADMSG): the export is not built without the
 * reservations that fence other initiators; the log says what to do. No file: nothing to do.
 * Undone with the storage object (nothing of its own).
 */
#ifndef PR_RESTORE_H
#define PR_RESTORE_H

#include "cfs.h"
#include "record.h"

/* @dbroot NULL or "": LIO's dbroot is not attachd's (dbroot.h): nothing is restored. 0 or -errno. */
int pr_restore(struct cfs *c, const char *dbroot, const struct rec_export *x, const struct rec_acl *acl);

#endif
