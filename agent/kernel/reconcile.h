/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reconcile.h: make the kernel match the records. Runs at every start (before the socket accepts calls)
 * and on the reconcile call. First an interrupted call (a pending intent) is rolled back in the records;
 * then, export by export, what the kernel has of it (configfs and dm, read without touching anything) is
 * compared with its records, and only what is missing or different is (re)made: after a reboot every
 * export, ACL and credential comes back as recorded; live objects that match are left alone, so logged-in
 * initiators see nothing. Every export's disk is checked first (device.h): an export whose volume's path
 * no longer leads to the registered disk stays down (not built; a live dm device that maps another disk
 * is fenced) and its record says why, until a later reconcile finds the disk again.
 * Last, orphans: objects of attachd's exact form (<iqn-prefix>:<lower-case uuid> targets, <uuid> storage
 * objects in attachd's HBA, attachd-<uuid> dm devices with attachd's dm uuid) that have no export record
 * are removed when this database made them (its owned table). One it did not make (a lost database, one
 * restored from an older backup, another agent's) is reported and left alone unless @purge_unowned.
 * Objects of any other form are never touched. A dry run reports the same and changes nothing.
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
	unsigned down;        /* exports left down: their disk is missing or another one */
	unsigned unowned;     /* objects of attachd's form that this database did not make */
	unsigned removed;     /* objects of attachd's form without a record that were removed */
};

struct recon_opts {
	bool dry_run;
	bool purge_unowned; /* remove objects of attachd's form that this database did not make, too */
};

/* 0 when every difference was fixed (or, dry run, found), -EIO if some could not be, other -errno if the
 * records could not be read. */
int reconcile(struct agent *a, const struct recon_opts *o, struct recon_report *r);
void recon_report_free(struct recon_report *r);

#endif
