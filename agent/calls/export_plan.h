/* SPDX-License-Identifier: Apache-2.0 */
/*
 * export_plan.h: what an iSCSI export is made of and in which order (docs/KERNEL.md, "Object order"), as
 * plan steps. The order is written once, in export_plan_build(): a new export, a teardown (its reverse)
 * and reconciliation (each part checked against the kernel, built where it is missing) all walk it.
 *
 * export_prepare() is the one place a new export reads the kernel: the volume's disk found again and
 * checked, and the node path of the dm device it will get. Everything else here is pure: records in,
 * plan steps out.
 */
#ifndef EXPORT_PLAN_H
#define EXPORT_PLAN_H

#include <stddef.h>

#include "agent.h"
#include "plan.h"

/* The parts of an export, in the order they are built. The EXPORT_OTHER_* parts are not objects: they
 * stand where a reconcile removes what the records do not know (never built, never torn down). */
enum export_part {
	EXPORT_DM,           /* the dm linear device over the volume (when exported through device-mapper) */
	EXPORT_BACKSTORE,    /* the storage object on it */
	EXPORT_PR,           /* per initiator: its persistent reservations fed to the new storage object,
			      * before a LUN links it (pr_restore.h) */
	EXPORT_TARGET,       /* <iqn-prefix>:<volume-id> with tpgt_1 and its attributes */
	EXPORT_LUN,          /* LUN 0 on the storage object */
	EXPORT_ACL,          /* per initiator: its ACL with CHAP credentials ... */
	EXPORT_MAPPED_LUN,   /* ... and its mapped LUN */
	EXPORT_OTHER_ACLS,
	EXPORT_PORTAL,       /* per portal */
	EXPORT_OTHER_PORTALS,
	EXPORT_ENABLE,       /* tpgt_1 enabled: initiators may log in from now on */
};

/*
 * Asked for each part in order, with its ACL (EXPORT_PR, EXPORT_ACL, EXPORT_MAPPED_LUN) or portal (EXPORT_PORTAL).
 * Returns 1 to have the part's create step added, 0 when it is there already (the checker may add steps
 * of its own, e.g. a removal before the create), or a negative errno, which ends the walk.
 */
typedef int (*export_check)(void *arg, struct plan *p, enum export_part part, const struct rec_acl *acl,
			    const char *portal);

/* Fill @x for exporting @v (not stored; x->created is the caller's), on its disk found again and checked
 * (device_verify: -ENOENT, -ENOTBLK, -EMEDIUMTYPE...). The reason of a failure goes to @why. */
int export_prepare(struct agent *a, const struct rec_volume *v, struct rec_export *x, char *why, size_t whylen);

/* Walk p->x's parts with @acls in build order, adding the create step of each part @check asks for
 * (@check NULL: every part, which is a new export). 0 or a negative errno. */
int export_plan_build(struct plan *p, const struct rec_acl *acls, size_t n_acls, export_check check, void *arg);
/* A new export with its first initiator. */
int export_plan_create(struct plan *p, const struct rec_acl *first);
/* One initiator's access on an export that stays: its ACL and mapped LUN, and their removal. */
int export_plan_acl_add(struct plan *p, const struct rec_acl *acl);
int export_plan_acl_remove(struct plan *p, const struct rec_acl *acl);
/* The export after its last ACL went: every part's removal, in the reverse of the build order. */
int export_plan_teardown(struct plan *p);

#endif
