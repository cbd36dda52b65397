/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reconcile.h: make the kernel match the records. Runs at every start (before the socket accepts calls)
 * and on the reconcile call. First an interrupted call (a pending intent) is rolled back in the records;
 * then, export by export, what the kernel has of it (configfs and dm, read without touching anything) is
 * compared with its records, and only what is missing or different is (re)made: after a reboot every
 * export, ACL and credential comes back as recorded; live objects that match are left alone, so logged-in
 * initiators see nothing. Last, objects that carry attachd's names (targets under the IQN prefix,
 * storage objects in attachd's HBA, dm devices with attachd's uuid prefix) but have no record are
 * removed. Objects of anyone else are never touched. A dry run reports the same and changes nothing.
 */
#ifndef RECONCILE_H
#define RECONCILE_H

#include <stdbool.h>
#include <stddef.h>

#include "agent.h"

struct recon_report {
	char **lines; /* differences found and steps taken (or planned), in order */
	size_t n, cap;
	unsigned differences; /* found (an interrupted call counts as one) */
	unsigned fixed;       /* of those, put right */
	unsigned failures;    /* differences not fixed, and objects whose state could not be read */
};

/* 0 when every difference was fixed (or, dry run, found), -EIO if some could not be, other -errno if the
 * records could not be read. */
int reconcile(struct agent *a, bool dry_run, struct recon_report *r);
void recon_report_free(struct recon_report *r);

#endif
