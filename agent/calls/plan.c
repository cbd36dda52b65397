/* SPDX-License-Identifier: Apache-2.0 */
/* plan.c: building, describing, applying and undoing plans (see plan.h). */
#include "plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "dmdev.h"
#include "fault.h"
#include "lio.h"
#include "lio_state.h"
#include "log.h"
#include "nvme_step.h"
#include "pr_restore.h"

void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
}

void plan_free(struct plan *p)
{
	if (p->steps) {
		/* steps carry CHAP secrets */
		explicit_bzero(p->steps, p->cap * sizeof(*p->steps));
		free(p->steps);
	}
	plan_init(p);
}

static struct plan_step *plan_push(struct plan *p)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		struct plan_step *ns = realloc(p->steps, cap * sizeof(*ns));
		if (!ns)
			return NULL;
		p->steps = ns;
		p->cap = cap;
	}
	struct plan_step *s = &p->steps[p->n++];
	memset(s, 0, sizeof(*s));
	return s;
}

int plan_add(struct plan *p, enum plan_op op, const struct rec_acl *acl, const char *portal)
{
	struct plan_step *s = plan_push(p);
	if (!s)
		return -ENOMEM;
	s->op = op;
	if (portal)
		snprintf(s->portal, sizeof(s->portal), "%s", portal);
	if (acl)
		s->acl = *acl;
	return 0;
}

int plan_add_host(struct plan *p, enum plan_op op, const struct rec_nvme_host *host)
{
	int rc = plan_add(p, op, NULL, NULL);
	if (!rc)
		p->steps[p->n - 1].host = *host;
	return rc;
}

int plan_add_port(struct plan *p, enum plan_op op, uint32_t port_id, const char *portal)
{
	int rc = plan_add(p, op, NULL, portal);
	if (!rc)
		p->steps[p->n - 1].port_id = port_id;
	return rc;
}

int plan_add_resize(struct plan *p, uint64_t old_size)
{
	int rc = plan_add(p, PLAN_DM_RESIZE, NULL, NULL);
	if (!rc)
		p->steps[p->n - 1].old_size = old_size;
	return rc;
}

int plan_note(struct plan *p, const char *fmt, ...)
{
	struct plan_step *s = plan_push(p);
	if (!s)
		return -ENOMEM;
	s->op = PLAN_NOTE;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->note, sizeof(s->note), fmt, ap);
	va_end(ap);
	return 0;
}

bool plan_has(const struct plan *p, enum plan_op op)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->steps[i].op == op)
			return true;
	return false;
}

size_t plan_kernel_steps(const struct plan *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n; i++)
		n += p->steps[i].op != PLAN_NOTE;
	return n;
}

/* The steps on an initiator's ACL and mapped LUN. */
static void plan_describe_acl(const struct rec_export *x, const struct plan_step *s, char *buf, size_t size)
{
	const char *ini = s->acl.initiator, *t = x->target_iqn;
	switch (s->op) {
	case PLAN_MAPPED_LUN_CREATE:
		snprintf(buf, size, "map LUN %u as %u for %s on %s%s", x->lun, s->acl.mapped_lun, ini, t,
			 s->acl.mode == ATTACH_MODE_RO ? " read-only (write_protect)" : "");
		return;
	case PLAN_MAPPED_LUN_PROTECT:
		snprintf(buf, size, "make LUN %u read-only for %s on %s (write_protect 1)", s->acl.mapped_lun, ini, t);
		return;
	case PLAN_MAPPED_LUN_UNPROTECT:
		snprintf(buf, size, "make LUN %u read-write for %s on %s (write_protect 0)", s->acl.mapped_lun, ini, t);
		return;
	case PLAN_ACL_MUTUAL_SET:
		snprintf(buf, size, "give ACL %s on %s the target's mutual CHAP credentials", ini, t);
		return;
	case PLAN_ACL_MUTUAL_CLEAR: snprintf(buf, size, "clear the mutual CHAP credentials of ACL %s on %s", ini, t); return;
	case PLAN_MAPPED_LUN_REMOVE: snprintf(buf, size, "unmap LUN %u for %s on %s", s->acl.mapped_lun, ini, t); return;
	default: /* plan_describe hands over these steps only */
		snprintf(buf, size, "unknown ACL step %d", s->op);
		return;
	}
}

void plan_describe(const struct plan *p, size_t i, char *buf, size_t size)
{
	const struct plan_step *s = &p->steps[i];
	const struct rec_export *x = &p->x;
	const char *ini = s->acl.initiator, *t = x->target_iqn;
	unsigned long long bytes = x->size;
	switch (s->op) {
	case PLAN_NOTE: snprintf(buf, size, "record: %s", s->note); return;
	case PLAN_BACKSTORE_CREATE:
		snprintf(buf, size, "create storage object core/%s/%s on %s", x->hba, x->backstore, x->device);
		return;
	case PLAN_BACKSTORE_REMOVE: snprintf(buf, size, "remove storage object core/%s/%s", x->hba, x->backstore); return;
	case PLAN_TARGET_CREATE:
		snprintf(buf, size, "create target %s tpgt_1 (CHAP required, no discovery without ACL)", t);
		return;
	case PLAN_TARGET_REMOVE: snprintf(buf, size, "remove target %s", t); return;
	case PLAN_LUN_CREATE: snprintf(buf, size, "create LUN %u of %s on core/%s/%s", x->lun, t, x->hba, x->backstore); return;
	case PLAN_LUN_REMOVE: snprintf(buf, size, "remove LUN %u of %s", x->lun, t); return;
	case PLAN_PORTAL_ADD: snprintf(buf, size, "add portal %s to %s", s->portal, t); return;
	case PLAN_PORTAL_REMOVE: snprintf(buf, size, "remove portal %s from %s", s->portal, t); return;
	case PLAN_TPG_ENABLE: snprintf(buf, size, "enable %s tpgt_1", t); return;
	case PLAN_TPG_DISABLE: snprintf(buf, size, "disable %s tpgt_1", t); return;
	case PLAN_ACL_CREATE: snprintf(buf, size, "create ACL %s on %s with its CHAP credentials", ini, t); return;
	case PLAN_ACL_REMOVE: snprintf(buf, size, "remove ACL %s from %s (drops its sessions)", ini, t); return;
	case PLAN_MAPPED_LUN_CREATE: case PLAN_MAPPED_LUN_PROTECT: case PLAN_MAPPED_LUN_UNPROTECT:
	case PLAN_ACL_MUTUAL_SET: case PLAN_ACL_MUTUAL_CLEAR: case PLAN_MAPPED_LUN_REMOVE:
		plan_describe_acl(x, s, buf, size);
		return;
	case PLAN_DM_CREATE:
		snprintf(buf, size, "create dm device %s over %s (%u:%u)", x->dm_name, x->backing, x->backing_major,
			 x->backing_minor);
		return;
	case PLAN_DM_REMOVE: snprintf(buf, size, "remove dm device %s", x->dm_name); return;
	case PLAN_DM_FENCE:
		snprintf(buf, size, "fence dm device %s (error table: I/O fails from now on)", x->dm_name);
		return;
	case PLAN_DM_UNFENCE: snprintf(buf, size, "unfence dm device %s (linear over %s)", x->dm_name, x->backing); return;
	case PLAN_DM_RESIZE:
		snprintf(buf, size, "reload dm device %s at %llu bytes of %s", x->dm_name, bytes, x->backing);
		return;
	case PLAN_PR_RESTORE:
		snprintf(buf, size, "restore the persistent reservations of %s on core/%s/%s (dbroot pr/aptpl_%s, if any)", ini,
			 x->hba, x->backstore, x->volume_id);
		return;
	case PLAN_ACL_PURGE:
		snprintf(buf, size, "remove unrecorded ACL %s from %s (drops its sessions)", ini, t);
		return;
	case PLAN_TARGET_PURGE: snprintf(buf, size, "remove unrecorded target %s and everything in it", t); return;
	case PLAN_HBA_REMOVE: snprintf(buf, size, "remove empty HBA core/%s", x->hba); return;
	case PLAN_NV_SUBSYS_CREATE: case PLAN_NV_SUBSYS_REMOVE: case PLAN_NV_NS_CREATE: case PLAN_NV_NS_REMOVE:
	case PLAN_NV_NS_ENABLE: case PLAN_NV_NS_DISABLE: case PLAN_NV_NS_REVALIDATE: case PLAN_NV_HOST_CREATE:
	case PLAN_NV_HOST_REMOVE: case PLAN_NV_HOST_ALLOW: case PLAN_NV_HOST_DISALLOW: case PLAN_NV_PORT_CREATE:
	case PLAN_NV_PORT_REMOVE: case PLAN_NV_PORT_LINK: case PLAN_NV_PORT_UNLINK: case PLAN_NV_SUBSYS_PURGE:
		nvme_step_describe(x, s, buf, size);
		return;
	}
	snprintf(buf, size, "unknown step %d", s->op);
}

/* Each step's inverse: create <-> remove, enable <-> disable. A resize's is a resize back (plan_exec). What
 * nobody recorded cannot be rebuilt: the purges have none (a note). */
static const enum plan_op plan_inverses[] = {
	[PLAN_NOTE] = PLAN_NOTE,
	[PLAN_BACKSTORE_CREATE] = PLAN_BACKSTORE_REMOVE,
	[PLAN_BACKSTORE_REMOVE] = PLAN_BACKSTORE_CREATE,
	[PLAN_TARGET_CREATE] = PLAN_TARGET_REMOVE,
	[PLAN_TARGET_REMOVE] = PLAN_TARGET_CREATE,
	[PLAN_LUN_CREATE] = PLAN_LUN_REMOVE,
	[PLAN_LUN_REMOVE] = PLAN_LUN_CREATE,
	[PLAN_PORTAL_ADD] = PLAN_PORTAL_REMOVE,
	[PLAN_PORTAL_REMOVE] = PLAN_PORTAL_ADD,
	[PLAN_TPG_ENABLE] = PLAN_TPG_DISABLE,
	[PLAN_TPG_DISABLE] = PLAN_TPG_ENABLE,
	[PLAN_ACL_CREATE] = PLAN_ACL_REMOVE,
	[PLAN_ACL_REMOVE] = PLAN_ACL_CREATE,
	[PLAN_MAPPED_LUN_CREATE] = PLAN_MAPPED_LUN_REMOVE,
	[PLAN_MAPPED_LUN_REMOVE] = PLAN_MAPPED_LUN_CREATE,
	[PLAN_DM_CREATE] = PLAN_DM_REMOVE,
	[PLAN_DM_REMOVE] = PLAN_DM_CREATE,
	[PLAN_DM_FENCE] = PLAN_DM_UNFENCE,
	[PLAN_DM_UNFENCE] = PLAN_DM_FENCE,
	[PLAN_DM_RESIZE] = PLAN_DM_RESIZE,
	[PLAN_MAPPED_LUN_PROTECT] = PLAN_MAPPED_LUN_UNPROTECT,
	[PLAN_MAPPED_LUN_UNPROTECT] = PLAN_MAPPED_LUN_PROTECT,
	[PLAN_ACL_MUTUAL_SET] = PLAN_ACL_MUTUAL_CLEAR,
	[PLAN_ACL_MUTUAL_CLEAR] = PLAN_ACL_MUTUAL_SET,
	[PLAN_PR_RESTORE] = PLAN_NOTE,
	[PLAN_ACL_PURGE] = PLAN_NOTE,
	[PLAN_TARGET_PURGE] = PLAN_NOTE,
	[PLAN_NV_SUBSYS_CREATE] = PLAN_NV_SUBSYS_REMOVE,
	[PLAN_NV_SUBSYS_REMOVE] = PLAN_NV_SUBSYS_CREATE,
	[PLAN_NV_NS_CREATE] = PLAN_NV_NS_REMOVE,
	[PLAN_NV_NS_REMOVE] = PLAN_NV_NS_CREATE,
	[PLAN_NV_NS_ENABLE] = PLAN_NV_NS_DISABLE,
	[PLAN_NV_NS_DISABLE] = PLAN_NV_NS_ENABLE,
	[PLAN_NV_NS_REVALIDATE] = PLAN_NOTE,
	[PLAN_NV_HOST_CREATE] = PLAN_NV_HOST_REMOVE,
	[PLAN_NV_HOST_REMOVE] = PLAN_NV_HOST_CREATE,
	[PLAN_NV_HOST_ALLOW] = PLAN_NV_HOST_DISALLOW,
	[PLAN_NV_HOST_DISALLOW] = PLAN_NV_HOST_ALLOW,
	[PLAN_NV_PORT_CREATE] = PLAN_NV_PORT_REMOVE,
	[PLAN_NV_PORT_REMOVE] = PLAN_NV_PORT_CREATE,
	[PLAN_NV_PORT_LINK] = PLAN_NV_PORT_UNLINK,
	[PLAN_NV_PORT_UNLINK] = PLAN_NV_PORT_LINK,
	[PLAN_NV_SUBSYS_PURGE] = PLAN_NOTE,
	[PLAN_HBA_REMOVE] = PLAN_NOTE,
};
_Static_assert(sizeof(plan_inverses) / sizeof(plan_inverses[0]) == PLAN_HBA_REMOVE + 1, "an inverse per step");

enum plan_op plan_inverse(enum plan_op op)
{
	return (size_t)op < sizeof(plan_inverses) / sizeof(plan_inverses[0]) ? plan_inverses[op] : PLAN_NOTE;
}

/* Is x.backing_major:minor still the volume's disk? Checked right before a linear table is loaded: the
 * plan was made from records, and a number can lead to another disk since (a fence's undo, a reload). */
static int plan_disk_check(const struct plan *p)
{
	char why[256];
	if (!p->ident[0])
		return 0;
	int rc = device_is_disk(p->ident, p->x.backing_major, p->x.backing_minor, why, sizeof(why));
	if (rc)
		log_error("volume %s: its dm device %s: no linear table on it", p->x.volume_id, why);
	return rc;
}

/* Our device may already be there (an interrupted call): it is taken, its table loaded again with the
 * disk this plan checked (whatever an earlier run left it mapping). */
static int plan_dm_create(const struct rec_export *x)
{
	char uuid[DMDEV_NAME_MAX + 1];
	snprintf(uuid, sizeof(uuid), DMDEV_UUID_PREFIX "%s", x->volume_id);
	int rc = dmdev_create_linear(x->dm_name, uuid, x->backing_major, x->backing_minor, x->size / 512);
	if (rc == -EEXIST || rc == -EBUSY) {
		bool exists, ours;
		if (dmdev_query(x->dm_name, &exists, &ours) == 0 && exists)
			return ours ? dmdev_reload_linear(x->dm_name, x->backing_major, x->backing_minor, x->size / 512) :
				      -EEXIST;
	}
	return rc;
}

/* A linear table again (an unfence, a resize, or the undo of one) at @bytes, on the checked disk. */
static int plan_dm_reload(const struct plan *p, uint64_t bytes)
{
	const struct rec_export *x = &p->x;
	int rc = plan_disk_check(p);
	return rc ? rc : dmdev_reload_linear(x->dm_name, x->backing_major, x->backing_minor, bytes / 512);
}

static int plan_exec(const struct plan *p, enum plan_op op, const struct plan_step *s, const struct plan_env *env,
		     bool undo)
{
	const struct rec_export *x = &p->x;
	const char *t = x->target_iqn;
	struct lio_backstore b = { .hba = x->hba, .name = x->backstore, .dev = x->device, .serial = x->volume_id };
	struct lio_acl acl = { .initiator = s->acl.initiator, .userid = s->acl.username, .password = s->acl.password,
			       .mapped_lun = s->acl.mapped_lun, .lun = x->lun, .write_protect = s->acl.mode == ATTACH_MODE_RO,
			       .userid_mutual = s->acl.username_in, .password_mutual = s->acl.password_in };
	struct cfs *c = env->cfs;
	int rc;
	switch (op) {
	case PLAN_NOTE: return 0;
	case PLAN_BACKSTORE_CREATE: return lio_backstore_create(c, &b);
	case PLAN_BACKSTORE_REMOVE: return lio_backstore_remove(c, &b);
	case PLAN_TARGET_CREATE: return lio_target_create(c, t);
	case PLAN_TARGET_REMOVE: return lio_target_remove(c, t);
	case PLAN_LUN_CREATE: return lio_lun_create(c, t, x->lun, &b);
	case PLAN_LUN_REMOVE: return lio_lun_remove(c, t, x->lun, &b);
	case PLAN_PORTAL_ADD: return lio_portal_add(c, t, s->portal);
	case PLAN_PORTAL_REMOVE: return lio_portal_remove(c, t, s->portal);
	case PLAN_TPG_ENABLE: return lio_tpg_enable(c, t, true);
	case PLAN_TPG_DISABLE: return lio_tpg_enable(c, t, false);
	case PLAN_ACL_CREATE: return lio_acl_create(c, t, &acl);
	case PLAN_ACL_REMOVE: return lio_acl_remove(c, t, acl.initiator);
	case PLAN_MAPPED_LUN_CREATE: return lio_mapped_lun_create(c, t, &acl);
	case PLAN_MAPPED_LUN_REMOVE: return lio_mapped_lun_remove(c, t, &acl);
	case PLAN_MAPPED_LUN_PROTECT: return lio_mapped_lun_protect(c, t, &acl, true);
	case PLAN_MAPPED_LUN_UNPROTECT: return lio_mapped_lun_protect(c, t, &acl, false);
	case PLAN_ACL_MUTUAL_SET: return lio_acl_create(c, t, &acl);
	case PLAN_ACL_MUTUAL_CLEAR:
		acl.userid_mutual = acl.password_mutual = NULL;
		return lio_acl_create(c, t, &acl);
	case PLAN_DM_CREATE: return (rc = plan_disk_check(p)) ? rc : plan_dm_create(x);
	case PLAN_DM_REMOVE: return dmdev_remove(x->dm_name);
	/* a device that is not there serves nobody: fenced already */
	case PLAN_DM_FENCE: return (rc = dmdev_fence(x->dm_name)) == -ENXIO ? 0 : rc;
	case PLAN_DM_UNFENCE: return plan_dm_reload(p, x->size);
	/* undone: back to the size before (the inverse step carries it) */
	case PLAN_DM_RESIZE: return plan_dm_reload(p, undo ? s->old_size : x->size);
	case PLAN_PR_RESTORE: return pr_restore(c, env->dbroot, x, &s->acl);
	case PLAN_ACL_PURGE: return lio_acl_purge(c, t, acl.initiator);
	case PLAN_TARGET_PURGE: return lio_target_purge(c, t);
	case PLAN_HBA_REMOVE: return lio_hba_remove(c, x->hba);
	case PLAN_NV_SUBSYS_CREATE: case PLAN_NV_SUBSYS_REMOVE: case PLAN_NV_NS_CREATE: case PLAN_NV_NS_REMOVE:
	case PLAN_NV_NS_ENABLE: case PLAN_NV_NS_DISABLE: case PLAN_NV_NS_REVALIDATE: case PLAN_NV_HOST_CREATE:
	case PLAN_NV_HOST_REMOVE: case PLAN_NV_HOST_ALLOW: case PLAN_NV_HOST_DISALLOW: case PLAN_NV_PORT_CREATE:
	case PLAN_NV_PORT_REMOVE: case PLAN_NV_PORT_LINK: case PLAN_NV_PORT_UNLINK: case PLAN_NV_SUBSYS_PURGE:
		return nvme_step_exec(x, op, s, c);
	}
	return -EINVAL;
}

int plan_undo(struct plan *p, const struct plan_env *env)
{
	int failed = 0;
	while (p->applied > 0) {
		size_t i = --p->applied;
		const struct plan_step *s = &p->steps[i];
		if (s->op == PLAN_NOTE)
			continue;
		char what[256];
		plan_describe(p, i, what, sizeof(what));
		int rc = plan_exec(p, plan_inverse(s->op), s, env, true);
		if (rc) {
			log_error("undo of \"%s\" failed: %s; the kernel and the records may differ until reconcile",
				  what, strerror(-rc));
			failed++;
		} else {
			log_debug("undone: %s", what);
		}
	}
	return failed;
}

int plan_apply(struct plan *p, const struct plan_env *env, char *err, size_t errlen)
{
	p->applied = 0;
	unsigned k = 0;
	/* with the "done:" lines, the time of each step (make bench's storm scenario reads them) */
	log_debug("apply: %s %s, %zu kernel step(s)", p->call ? p->call : "-", p->x.volume_id[0] ? p->x.volume_id : "-",
		  plan_kernel_steps(p));
	for (size_t i = 0; i < p->n; i++) {
		char what[256];
		plan_describe(p, i, what, sizeof(what));
		if (p->steps[i].op != PLAN_NOTE) {
			char point[32];
			snprintf(point, sizeof(point), "step-%u", ++k);
			fault_point(p->call, point);
		}
		int rc = plan_exec(p, p->steps[i].op, &p->steps[i], env, false);
		if (rc) {
			log_error("step failed: %s: %s", what, strerror(-rc));
			int left = plan_undo(p, env);
			snprintf(err, errlen, "%s: %s (%s)", what,
				 rc == -EOPNOTSUPP ? "this kernel lacks the attributes it needs (DH-HMAC-CHAP: CONFIG_NVME_TARGET_AUTH); nothing was downgraded" : strerror(-rc),
				 left ? "rollback incomplete: see the agent's log" : "earlier steps rolled back");
			/* a step the kernel cannot do at all (DH-HMAC-CHAP without CONFIG_NVME_TARGET_AUTH) is the
			 * caller's to know as such: nothing was made, nothing downgraded */
			return rc == -EOPNOTSUPP ? -ENOPROTOOPT : -EIO;
		}
		if (p->steps[i].op != PLAN_NOTE)
			log_debug("done: %s", what);
		p->applied = i + 1;
	}
	return 0;
}
