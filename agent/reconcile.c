/* SPDX-License-Identifier: Apache-2.0 */
/* reconcile.c: records versus kernel, export by export, then orphans (see reconcile.h). */
#include "reconcile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "dmdev.h"
#include "lio_state.h"
#include "log.h"
#include "plan.h"

struct recon_export {
	struct rec_export x;
	struct rec_acl *acls;
	size_t n_acls;
};

struct recon {
	struct agent *a;
	bool dry_run;
	struct recon_report *r;
	struct recon_export *ex;
	size_t n_ex;
};

__attribute__((format(printf, 2, 3)))
static void recon_line(struct recon_report *r, const char *fmt, ...)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		char **nl = realloc(r->lines, cap * sizeof(*nl));
		if (!nl)
			return;
		r->lines = nl;
		r->cap = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&r->lines[r->n], fmt, ap) >= 0)
		r->n++;
	va_end(ap);
}

void recon_report_free(struct recon_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->lines[i]);
	free(r->lines);
	memset(r, 0, sizeof(*r));
}

static void recon_free(struct recon *rc)
{
	for (size_t i = 0; i < rc->n_ex; i++) {
		if (rc->ex[i].acls)
			explicit_bzero(rc->ex[i].acls, rc->ex[i].n_acls * sizeof(*rc->ex[i].acls));
		free(rc->ex[i].acls);
	}
	free(rc->ex);
}

/* ---- the records: exports and their ACLs, after rolling back an interrupted call */

static int recon_acl_visit(const char *key, void *rec, void *arg)
{
	struct recon_export *e = arg;
	(void)key;
	struct rec_acl *n = realloc(e->acls, (e->n_acls + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	e->acls = n;
	e->acls[e->n_acls++] = *(struct rec_acl *)rec;
	return 0;
}

static int recon_export_visit(const char *key, void *rec, void *arg)
{
	struct recon *rc = arg;
	(void)key;
	struct recon_export *n = realloc(rc->ex, (rc->n_ex + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	rc->ex = n;
	memset(&rc->ex[rc->n_ex], 0, sizeof(rc->ex[0]));
	rc->ex[rc->n_ex++].x = *(struct rec_export *)rec;
	return 0;
}

/* The configured portals are the exports' portals: after a change of --portal, existing exports move
 * (their records first; the kernel follows in recon_export). */
static int recon_portals(struct recon *rc, MDB_txn *txn, struct rec_export *x)
{
	const struct agent_config *cfg = &rc->a->cfg;
	bool same = x->n_portals == cfg->n_portals;
	for (size_t i = 0; same && i < cfg->n_portals; i++)
		same = !strcmp(x->portals[i], cfg->portals[i]);
	if (same)
		return 0;
	char from[256] = "", to[256] = "";
	for (uint32_t i = 0; i < x->n_portals; i++)
		snprintf(from + strlen(from), sizeof(from) - strlen(from), "%s%s", i ? "," : "", x->portals[i]);
	for (size_t i = 0; i < cfg->n_portals; i++)
		snprintf(to + strlen(to), sizeof(to) - strlen(to), "%s%s", i ? "," : "", cfg->portals[i]);
	rc->r->differences++;
	recon_line(rc->r, "volume %s: portals %s %s to the configured %s", x->volume_id, from,
		   rc->dry_run ? "would move" : "move", to);
	x->n_portals = (uint32_t)cfg->n_portals;
	for (size_t i = 0; i < cfg->n_portals; i++)
		memcpy(x->portals[i], cfg->portals[i], sizeof(x->portals[i]));
	int err = store_put(rc->a->store, txn, STORE_EXPORTS, x->volume_id, x);
	rc->r->fixed += !err && !rc->dry_run;
	return err;
}

static int recon_records(struct recon *rc)
{
	struct store *s = rc->a->store;
	MDB_txn *txn;
	char call[64], vol[64];
	int err = store_begin(s, true, &txn);
	if (err)
		return err;
	err = store_intent_get(s, txn, call, sizeof(call), vol, sizeof(vol));
	if (err == 0) {
		rc->r->differences++;
		recon_line(rc->r, "interrupted %s on volume %s: its record changes %s rolled back", call, vol,
			   rc->dry_run ? "would be" : "are");
		err = store_intent_rollback(s, txn);
		rc->r->fixed += !err && !rc->dry_run;
	} else if (err == -ENOENT) {
		err = 0;
	}
	struct rec_export xb;
	struct rec_acl ab;
	if (!err)
		err = store_scan(s, txn, STORE_EXPORTS, "", &xb, recon_export_visit, rc);
	for (size_t i = 0; !err && i < rc->n_ex; i++)
		err = recon_portals(rc, txn, &rc->ex[i].x);
	for (size_t i = 0; !err && i < rc->n_ex; i++) {
		char prefix[ATTACH_UUID_LEN + 2];
		snprintf(prefix, sizeof(prefix), "%s/", rc->ex[i].x.volume_id);
		err = store_scan(s, txn, STORE_ACLS, prefix, &ab, recon_acl_visit, &rc->ex[i]);
	}
	explicit_bzero(&ab, sizeof(ab));
	/* the rollback is committed before the kernel is touched; a dry run only looked */
	if (!err && !rc->dry_run)
		return store_commit(txn);
	store_abort(txn);
	return err;
}

/* ---- one export: what is missing or different */

/* Does the dm table still map the whole backing device? */
static bool recon_dm_linear_ok(const struct rec_export *x, const char *params)
{
	struct stat st;
	char want[32];
	if (stat(x->backing, &st) < 0)
		return false;
	snprintf(want, sizeof(want), "%u:%u ", major(st.st_rdev), minor(st.st_rdev));
	return !strncmp(params, want, strlen(want));
}

/* 0, or -EEXIST when someone else's object is in the way (the export is skipped). */
static int recon_dm(struct recon *rc, struct plan *p)
{
	const struct rec_export *x = &p->x;
	bool exists, ours;
	if (!x->dm_name[0])
		return 0;
	int err = dmdev_query(x->dm_name, &exists, &ours);
	if (err)
		return err;
	if (exists && !ours) {
		recon_line(rc->r, "volume %s: dm device %s belongs to someone else: export left alone", x->volume_id,
			   x->dm_name);
		return -EEXIST;
	}
	if (!exists) {
		recon_line(rc->r, "volume %s: dm device %s is missing", x->volume_id, x->dm_name);
		return plan_add(p, PLAN_DM_CREATE, NULL, NULL);
	}
	char type[32], params[128];
	uint64_t sectors;
	err = dmdev_table(x->dm_name, type, sizeof(type), params, sizeof(params), &sectors);
	if (err)
		return err;
	if (strcmp(type, "linear") || !recon_dm_linear_ok(x, params)) {
		recon_line(rc->r, "volume %s: dm device %s has a %s table, not linear over %s", x->volume_id, x->dm_name,
			   type, x->backing);
		return plan_add(p, PLAN_DM_UNFENCE, NULL, NULL);
	}
	/* the size initiators see is the recorded one (a crash inside volume-extend must not keep it) */
	if (x->size && sectors != x->size / 512) {
		recon_line(rc->r, "volume %s: dm device %s maps %llu bytes, the records say %llu", x->volume_id,
			   x->dm_name, (unsigned long long)sectors * 512, (unsigned long long)x->size);
		err = plan_add(p, PLAN_DM_RESIZE, NULL, NULL);
		if (!err)
			p->steps[p->n - 1].old_size = sectors * 512;
	}
	return err;
}

struct recon_names {
	const struct recon_export *e;
	struct plan *p;
	struct recon_report *r;
};

static int recon_acl_name(const char *name, void *arg)
{
	struct recon_names *n = arg;
	for (size_t i = 0; i < n->e->n_acls; i++)
		if (!strcasecmp(n->e->acls[i].initiator, name))
			return 0;
	struct rec_acl a = { 0 };
	snprintf(a.initiator, sizeof(a.initiator), "%s", name);
	recon_line(n->r, "volume %s: ACL %s has no record", n->e->x.volume_id, name);
	return plan_add(n->p, PLAN_ACL_PURGE, &a, NULL);
}

static int recon_portal_name(const char *name, void *arg)
{
	struct recon_names *n = arg;
	for (uint32_t i = 0; i < n->e->x.n_portals; i++)
		if (!strcmp(n->e->x.portals[i], name))
			return 0;
	recon_line(n->r, "volume %s: portal %s has no record", n->e->x.volume_id, name);
	return plan_add(n->p, PLAN_PORTAL_REMOVE, NULL, name);
}

static int recon_portal_find(const char *name, void *arg)
{
	return !strcmp(name, (const char *)arg);
}

static int recon_export(struct recon *rc, const struct recon_export *e, struct plan *p)
{
	struct cfs *c = &rc->a->cfs;
	const struct rec_export *x = &p->x;
	struct recon_report *r = rc->r;
	struct lio_backstore b = { .hba = x->hba, .name = x->backstore, .dev = x->device, .serial = x->volume_id };
	struct lio_so_state so;
	struct lio_target_state ts;
	bool rebuild = false;

	int err = recon_dm(rc, p);
	if (!err)
		err = lio_backstore_state(c, &b, &so);
	if (!err)
		err = lio_target_state(c, x->target_iqn, x->lun, &b, &ts);
	if (err)
		return err;
	if (so.exists && so.enabled && !so.device_ok) {
		/* a storage object's device is set once: the export is made again around a new one */
		recon_line(r, "volume %s: storage object core/%s/%s opens another device: export rebuilt", x->volume_id,
			   x->hba, x->backstore);
		rebuild = true;
		err = plan_add(p, PLAN_TARGET_PURGE, NULL, NULL);
		if (!err)
			err = plan_add(p, PLAN_BACKSTORE_REMOVE, NULL, NULL);
	}
	if (!err && (rebuild || !so.exists || !so.enabled || !so.serial_ok)) {
		if (!rebuild)
			recon_line(r, "volume %s: storage object core/%s/%s is %s", x->volume_id, x->hba, x->backstore,
				   !so.exists ? "missing" : !so.enabled ? "not enabled" : "without its serial");
		err = plan_add(p, PLAN_BACKSTORE_CREATE, NULL, NULL);
	}
	if (!err && (rebuild || !ts.exists || !ts.tpg || !ts.attribs_ok)) {
		if (!rebuild)
			recon_line(r, "volume %s: target %s %s", x->volume_id, x->target_iqn,
				   !ts.exists ? "is missing" : !ts.tpg ? "has no tpgt_1" : "has the wrong TPG attributes");
		err = plan_add(p, PLAN_TARGET_CREATE, NULL, NULL);
	}
	if (!err && (rebuild || !ts.lun_ok)) {
		if (!rebuild)
			recon_line(r, "volume %s: LUN %u %s", x->volume_id, x->lun,
				   ts.lun ? "does not lead to the storage object" : "is missing");
		if (ts.lun && !rebuild)
			err = plan_add(p, PLAN_LUN_REMOVE, NULL, NULL);
		if (!err)
			err = plan_add(p, PLAN_LUN_CREATE, NULL, NULL);
	}
	for (size_t i = 0; !err && i < e->n_acls; i++) {
		const struct rec_acl *ra = &e->acls[i];
		struct lio_acl la = { .initiator = ra->initiator, .userid = ra->username, .password = ra->password,
				      .mapped_lun = ra->mapped_lun, .lun = x->lun };
		struct lio_acl_state as = { 0 };
		if (!rebuild && (err = lio_acl_state(c, x->target_iqn, &la, &as)))
			break;
		if (!as.exists || !as.chap_ok) {
			if (!rebuild)
				recon_line(r, "volume %s: ACL %s %s", x->volume_id, ra->initiator,
					   as.exists ? "has other CHAP credentials" : "is missing");
			err = plan_add(p, PLAN_ACL_CREATE, ra, NULL);
		}
		if (!err && !as.mapped_ok) {
			if (!rebuild && as.exists)
				recon_line(r, "volume %s: ACL %s does not map LUN %u", x->volume_id, ra->initiator, x->lun);
			err = plan_add(p, PLAN_MAPPED_LUN_CREATE, ra, NULL);
		}
	}
	struct recon_names n = { e, p, r };
	if (!err && !rebuild)
		err = lio_list_acls(c, x->target_iqn, recon_acl_name, &n);
	for (uint32_t i = 0; !err && i < x->n_portals; i++) {
		int has = rebuild ? 0 : lio_list_portals(c, x->target_iqn, recon_portal_find, (void *)x->portals[i]);
		if (has < 0)
			err = has;
		else if (!has) {
			if (!rebuild)
				recon_line(r, "volume %s: portal %s is missing", x->volume_id, x->portals[i]);
			err = plan_add(p, PLAN_PORTAL_ADD, NULL, x->portals[i]);
		}
	}
	if (!err && !rebuild)
		err = lio_list_portals(c, x->target_iqn, recon_portal_name, &n);
	if (!err && (rebuild || !ts.enabled)) {
		if (!rebuild)
			recon_line(r, "volume %s: target %s is not enabled", x->volume_id, x->target_iqn);
		err = plan_add(p, PLAN_TPG_ENABLE, NULL, NULL);
	}
	return err;
}

/* Run (or, dry run, list) @p's steps; count the outcome. */
static void recon_apply(struct recon *rc, struct plan *p, const char *what)
{
	size_t k = plan_kernel_steps(p);
	if (!k)
		return;
	rc->r->differences++;
	for (size_t i = 0; i < p->n; i++) {
		char line[256];
		plan_describe(p, i, line, sizeof(line));
		recon_line(rc->r, "  %s%s", rc->dry_run ? "would " : "", line);
	}
	if (rc->dry_run)
		return;
	char err[ATTACH_MESSAGE_MAX + 1];
	struct plan_env env = { .cfs = &rc->a->cfs };
	if (plan_apply(p, &env, err, sizeof(err))) {
		rc->r->failures++;
		recon_line(rc->r, "%s: not fixed: %s", what, err);
	} else {
		rc->r->fixed++;
	}
}

/* ---- orphans: our names, no record */

struct recon_orphans {
	struct recon *rc;
	char (*names)[ATTACH_IQN_MAX + 1];
	size_t n, cap;
	int kind; /* 0 target, 1 storage object, 2 dm device */
};

static bool recon_known(const struct recon *rc, int kind, const char *name)
{
	for (size_t i = 0; i < rc->n_ex; i++) {
		const struct rec_export *x = &rc->ex[i].x;
		const char *have = kind == 0 ? x->target_iqn : kind == 1 ? x->backstore : x->dm_name;
		if (!strcmp(have, name))
			return true;
	}
	return false;
}

static int recon_orphan_visit(const char *name, void *arg)
{
	struct recon_orphans *o = arg;
	const struct agent_config *cfg = &o->rc->a->cfg;
	size_t pl = strlen(cfg->iqn_prefix);
	/* ours: targets named <prefix>:..., everything in our HBA, dm devices listed by uuid prefix */
	if (o->kind == 0 && (strncasecmp(name, cfg->iqn_prefix, pl) || name[pl] != ':'))
		return 0;
	if (o->kind == 1 && strlen(name) > ATTACH_UUID_LEN)
		return 0; /* our storage objects are named by volume id */
	if (recon_known(o->rc, o->kind, name))
		return 0;
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 8;
		void *n = realloc(o->names, cap * sizeof(*o->names));
		if (!n)
			return -ENOMEM;
		o->names = n;
		o->cap = cap;
	}
	snprintf(o->names[o->n++], sizeof(o->names[0]), "%s", name);
	return 0;
}

static int recon_orphans(struct recon *rc)
{
	static const char *const what[] = { "target", "storage object", "dm device" };
	static const enum plan_op ops[] = { PLAN_TARGET_PURGE, PLAN_BACKSTORE_REMOVE, PLAN_DM_REMOVE };
	int err = 0;
	/* targets first: they hold the storage objects, which hold the dm devices */
	for (int kind = 0; !err && kind < 3; kind++) {
		struct recon_orphans o = { .rc = rc, .kind = kind };
		if (kind == 0)
			err = lio_list_targets(&rc->a->cfs, recon_orphan_visit, &o);
		else if (kind == 1)
			err = lio_list_backstores(&rc->a->cfs, AGENT_HBA, recon_orphan_visit, &o);
		else if (!rc->a->cfg.no_dm)
			err = dmdev_list(recon_orphan_visit, &o);
		for (size_t i = 0; !err && i < o.n; i++) {
			struct plan p;
			plan_init(&p);
			p.call = "reconcile";
			snprintf(p.x.hba, sizeof(p.x.hba), "%s", AGENT_HBA);
			if (kind == 0)
				snprintf(p.x.target_iqn, sizeof(p.x.target_iqn), "%s", o.names[i]);
			else if (kind == 1)
				snprintf(p.x.backstore, sizeof(p.x.backstore), "%s", o.names[i]);
			else
				snprintf(p.x.dm_name, sizeof(p.x.dm_name), "%s", o.names[i]);
			recon_line(rc->r, "%s %s is ours but has no record", what[kind], o.names[i]);
			err = plan_add(&p, ops[kind], NULL, NULL);
			if (!err)
				recon_apply(rc, &p, o.names[i]);
			plan_free(&p);
		}
		free(o.names);
	}
	return err;
}

int reconcile(struct agent *a, bool dry_run, struct recon_report *r)
{
	struct recon rc = { .a = a, .dry_run = dry_run, .r = r };
	memset(r, 0, sizeof(*r));
	int err = recon_records(&rc);
	if (err) {
		recon_line(r, "the records could not be read: %s", strerror(-err));
		recon_free(&rc);
		return err;
	}
	for (size_t i = 0; i < rc.n_ex; i++) {
		struct plan p;
		plan_init(&p);
		p.call = "reconcile";
		p.x = rc.ex[i].x;
		err = recon_export(&rc, &rc.ex[i], &p);
		if (err && err != -EEXIST) {
			recon_line(r, "volume %s: cannot read its kernel state: %s", p.x.volume_id, strerror(-err));
			r->failures++;
		} else if (err) {
			r->failures++;
		} else {
			recon_apply(&rc, &p, p.x.target_iqn);
		}
		plan_free(&p);
	}
	err = recon_orphans(&rc);
	if (err) {
		recon_line(r, "looking for unrecorded objects failed: %s", strerror(-err));
		r->failures++;
	}
	if (!rc.n_ex && !dry_run) {
		struct plan p;
		plan_init(&p);
		snprintf(p.x.hba, sizeof(p.x.hba), "%s", AGENT_HBA);
		struct plan_env env = { .cfs = &a->cfs };
		/* an HBA left empty by an interrupted call: quietly gone (kept while anything is in it) */
		if (cfs_exists(&a->cfs, "target/core/" AGENT_HBA) == 1 && !plan_add(&p, PLAN_HBA_REMOVE, NULL, NULL)) {
			char e[256];
			plan_apply(&p, &env, e, sizeof(e));
		}
		plan_free(&p);
	}
	recon_free(&rc);
	return r->failures ? -EIO : 0;
}
