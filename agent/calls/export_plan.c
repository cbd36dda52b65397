/* SPDX-License-Identifier: Apache-2.0 */
/* export_plan.c: an export's parts, their order, and the plans built from it (see export_plan.h). */
#include "export_plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "dmdev.h"

#define EXPORT_LUN_NUMBER 0

int export_prepare(struct agent *a, const struct rec_volume *v, struct rec_export *x, char *why, size_t whylen)
{
	struct device d;
	memset(x, 0, sizeof(*x));
	/* the disk is checked here, at every new export: its path may lead elsewhere since it was registered */
	int rc = device_verify(v, &d, why, whylen);
	if (rc)
		return rc;
	snprintf(x->volume_id, sizeof(x->volume_id), "%s", v->id);
	int n = snprintf(x->target_iqn, sizeof(x->target_iqn), "%s:%s", a->cfg.iqn_prefix, v->id);
	if (n < 0 || (size_t)n >= sizeof(x->target_iqn))
		return snprintf(why, whylen, "target name %s:%s is too long", a->cfg.iqn_prefix, v->id), -ENAMETOOLONG;
	snprintf(x->hba, sizeof(x->hba), "%s", AGENT_HBA);
	snprintf(x->backstore, sizeof(x->backstore), "%s", v->id);
	snprintf(x->backing, sizeof(x->backing), "%s", d.path);
	x->backing_major = d.major;
	x->backing_minor = d.minor;
	x->size = d.size; /* 0: whatever the device has */
	if (a->cfg.no_dm) {
		snprintf(x->device, sizeof(x->device), "%s", d.path);
	} else {
		snprintf(x->dm_name, sizeof(x->dm_name), DMDEV_NAME_PREFIX "%s", v->id);
		rc = dmdev_node(x->dm_name, x->device, sizeof(x->device));
		if (rc)
			return snprintf(why, whylen, "no node path for %s: %s", x->dm_name, strerror(-rc)), rc;
	}
	x->lun = EXPORT_LUN_NUMBER;
	x->n_portals = (uint32_t)a->cfg.n_portals;
	for (size_t i = 0; i < a->cfg.n_portals; i++)
		memcpy(x->portals[i], a->cfg.portals[i], sizeof(x->portals[i]));
	return 0;
}

/* The step that builds each part (PLAN_NOTE: a part that is a check, not an object). */
static const enum plan_op export_create_op[] = {
	[EXPORT_DM] = PLAN_DM_CREATE,
	[EXPORT_BACKSTORE] = PLAN_BACKSTORE_CREATE,
	[EXPORT_PR] = PLAN_PR_RESTORE,
	[EXPORT_TARGET] = PLAN_TARGET_CREATE,
	[EXPORT_LUN] = PLAN_LUN_CREATE,
	[EXPORT_ACL] = PLAN_ACL_CREATE,
	[EXPORT_MAPPED_LUN] = PLAN_MAPPED_LUN_CREATE,
	[EXPORT_OTHER_ACLS] = PLAN_NOTE,
	[EXPORT_PORTAL] = PLAN_PORTAL_ADD,
	[EXPORT_OTHER_PORTALS] = PLAN_NOTE,
	[EXPORT_ENABLE] = PLAN_TPG_ENABLE,
};

/* One part: 0 (built, or present) or a negative errno. */
static int export_part_plan(struct plan *p, enum export_part part, const struct rec_acl *acl, const char *portal,
			    export_check check, void *arg)
{
	enum plan_op op = export_create_op[part];
	if (!check)
		return op == PLAN_NOTE ? 0 : plan_add(p, op, acl, portal);
	int want = check(arg, p, part, acl, portal);
	if (want < 0)
		return want;
	return want == 1 && op != PLAN_NOTE ? plan_add(p, op, acl, portal) : 0;
}

int export_plan_build(struct plan *p, const struct rec_acl *acls, size_t n_acls, export_check check, void *arg)
{
	static const enum export_part head[] = { EXPORT_TARGET, EXPORT_LUN };
	int rc = p->x.dm_name[0] ? export_part_plan(p, EXPORT_DM, NULL, NULL, check, arg) : 0;
	if (!rc)
		rc = export_part_plan(p, EXPORT_BACKSTORE, NULL, NULL, check, arg);
	/* the kernel takes reservations only while no LUN links the storage object */
	for (size_t i = 0; !rc && i < n_acls; i++)
		rc = export_part_plan(p, EXPORT_PR, &acls[i], NULL, check, arg);
	for (size_t i = 0; !rc && i < sizeof(head) / sizeof(head[0]); i++)
		rc = export_part_plan(p, head[i], NULL, NULL, check, arg);
	for (size_t i = 0; !rc && i < n_acls; i++) {
		rc = export_part_plan(p, EXPORT_ACL, &acls[i], NULL, check, arg);
		if (!rc)
			rc = export_part_plan(p, EXPORT_MAPPED_LUN, &acls[i], NULL, check, arg);
	}
	if (!rc)
		rc = export_part_plan(p, EXPORT_OTHER_ACLS, NULL, NULL, check, arg);
	for (uint32_t i = 0; !rc && i < p->x.n_portals; i++)
		rc = export_part_plan(p, EXPORT_PORTAL, NULL, p->x.portals[i], check, arg);
	if (!rc)
		rc = export_part_plan(p, EXPORT_OTHER_PORTALS, NULL, NULL, check, arg);
	if (!rc)
		rc = export_part_plan(p, EXPORT_ENABLE, NULL, NULL, check, arg);
	return rc;
}

int export_plan_create(struct plan *p, const struct rec_acl *first)
{
	return export_plan_build(p, first, 1, NULL, NULL);
}

int export_plan_acl_add(struct plan *p, const struct rec_acl *acl)
{
	int rc = plan_add(p, export_create_op[EXPORT_ACL], acl, NULL);
	return rc ? rc : plan_add(p, export_create_op[EXPORT_MAPPED_LUN], acl, NULL);
}

int export_plan_acl_remove(struct plan *p, const struct rec_acl *acl)
{
	int rc = plan_add(p, plan_inverse(export_create_op[EXPORT_MAPPED_LUN]), acl, NULL);
	return rc ? rc : plan_add(p, plan_inverse(export_create_op[EXPORT_ACL]), acl, NULL);
}

int export_plan_teardown(struct plan *p)
{
	struct plan built;
	plan_init(&built);
	built.x = p->x;
	int rc = export_plan_build(&built, NULL, 0, NULL, NULL);
	for (size_t i = built.n; !rc && i-- > 0;) {
		const struct plan_step *s = &built.steps[i];
		rc = plan_add(p, plan_inverse(s->op), NULL, s->portal[0] ? s->portal : NULL);
	}
	plan_free(&built);
	return rc;
}
