/* SPDX-License-Identifier: Apache-2.0 */
/* reconcile.c: records versus kernel, export by export, then orphans (see reconcile.h). */
#include "reconcile.h"

#include <ctype.h>
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <uuid/uuid.h>

#include "device.h"
#include "discovery.h"
#include "dmdev.h"
#include "lio_state.h"
#include "log.h"
#include "export_plan.h"
#include "plan.h"
#include "reconcile_internal.h"

void recon_line(struct recon_report *r, const char *fmt, ...)
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

static void recon_free(struct recon *run)
{
	free(run->owned);
	free(run->owned_hosts);
	free(run->vols);
	for (size_t i = 0; i < run->n_ex; i++) {
		if (run->ex[i].acls)
			explicit_bzero(run->ex[i].acls, run->ex[i].n_acls * sizeof(*run->ex[i].acls));
		free(run->ex[i].acls);
		if (run->ex[i].hosts)
			explicit_bzero(run->ex[i].hosts, run->ex[i].n_acls * sizeof(*run->ex[i].hosts));
		free(run->ex[i].hosts);
	}
	free(run->ex);
	/* every export's records were in memory at once (7 KiB an export record): what they took goes back
	 * to the system, not kept in the heap after a restore of 1000 */
	malloc_trim(0);
}

/* ---- the records: exports and their ACLs, after rolling back an interrupted call */

/* A new zeroed last element of the array at *@arrp (any T *, passed as &arr) of *@n elements of @size
 * bytes: NULL when out of memory. The pointer is copied as bytes, so T * is never read as void *. The
 * array doubles when *@n is 0 or a power of two (its room is the next power of two): a restore of 1000
 * exports reallocated its arrays of 7 KiB records once an element before. */
void *recon_push(void *arrp, size_t *n, size_t size)
{
	char *grown;
	memcpy(&grown, arrp, sizeof(grown));
	if ((*n & (*n - 1)) == 0) {
		void *arr = grown;
		grown = realloc(arr, (*n ? *n * 2 : 1) * size);
		if (!grown)
			return NULL;
	}
	memcpy(arrp, &grown, sizeof(grown));
	memset(grown + *n * size, 0, size);
	return grown + (*n)++ * size;
}

static int recon_acl_visit(const char *key, void *rec, void *arg)
{
	struct recon_export *e = arg;
	struct rec_acl *slot = recon_push(&e->acls, &e->n_acls, sizeof(*e->acls));
	(void)key;
	if (!slot)
		return -ENOMEM;
	*slot = *(struct rec_acl *)rec;
	return 0;
}

static int recon_export_visit(const char *key, void *rec, void *arg)
{
	struct recon *run = arg;
	struct recon_export *slot = recon_push(&run->ex, &run->n_ex, sizeof(*run->ex));
	(void)key;
	if (!slot)
		return -ENOMEM;
	slot->x = *(struct rec_export *)rec;
	return 0;
}

static int recon_owned_visit(const char *key, void *rec, void *arg)
{
	struct recon *run = arg;
	bool host = !strncmp(key, STORE_OWNED_HOST, strlen(STORE_OWNED_HOST));
	struct rec_export *slot = host ? recon_push(&run->owned_hosts, &run->n_owned_hosts, sizeof(*run->owned_hosts)) :
					 recon_push(&run->owned, &run->n_owned, sizeof(*run->owned));
	if (!slot)
		return -ENOMEM;
	*slot = *(struct rec_export *)rec;
	return 0;
}

/* Every registered volume's id. */
static int recon_volume_visit(const char *key, void *rec, void *arg)
{
	struct recon *run = arg;
	char *slot = recon_push(&run->vols, &run->n_vols, sizeof(*run->vols));
	(void)rec;
	if (!slot)
		return -ENOMEM;
	snprintf(slot, sizeof(*run->vols), "%s", key);
	return 0;
}

/* A volume of attachd 0.1 gets the identity of its disk (device_adopt) and its entry in the devices
 * index by identity; one whose device number changed waits: device_verify says why, at its export. */
static int recon_adopt(struct recon *run, MDB_txn *txn, const char *id)
{
	struct store *s = run->a->store;
	struct rec_volume v;
	char key[REC_IDENT_MAX + 16], owner[ATTACH_UUID_LEN + 1];
	int err = store_get(s, txn, STORE_VOLUMES, id, &v);
	if (err || v.ident[0] || device_adopt(&v) != 1)
		return err;
	err = store_key_ident(key, sizeof(key), v.ident);
	if (!err && store_get_str(s, txn, STORE_DEVICES, key, owner, sizeof(owner)) == 0 && strcmp(owner, id)) {
		recon_line(run->r, "volume %s: its disk %s is already volume %s's: both records name it", id, v.ident,
			   owner);
		run->r->failures++;
		return 0;
	}
	recon_line(run->r, "volume %s: its disk's identity %s %s from %s (registered by an attachd without "
		   "identities; same device number)", id, v.ident, run->dry_run ? "would be taken" : "taken", v.path);
	if (run->dry_run || err)
		return err;
	err = store_put(s, txn, STORE_VOLUMES, id, &v);
	return err ? err : store_put_str(s, txn, STORE_DEVICES, key, id);
}

/* The configured portals are the exports' portals: after a change of --portal, existing exports move
 * (their records first; the kernel follows in recon_export). */
static int recon_portals(struct recon *run, MDB_txn *txn, struct rec_export *x)
{
	const struct agent_config *cfg = &run->a->cfg;
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
	run->r->differences++;
	recon_line(run->r, "volume %s: portals %s %s to the configured %s", x->volume_id, from,
		   run->dry_run ? "would move" : "move", to);
	x->n_portals = (uint32_t)cfg->n_portals;
	for (size_t i = 0; i < cfg->n_portals; i++)
		memcpy(x->portals[i], cfg->portals[i], sizeof(x->portals[i]));
	int err = store_put(run->a->store, txn, STORE_EXPORTS, x->volume_id, x);
	run->r->fixed += !err && !run->dry_run;
	return err;
}

/* An nvme-tcp export's host records, one per ACL (a missing one stays zeroed: its host is reported). */
static int recon_hosts(struct recon *run, MDB_txn *txn, struct recon_export *e)
{
	e->hosts = calloc(e->n_acls ? e->n_acls : 1, sizeof(*e->hosts));
	if (!e->hosts)
		return -ENOMEM;
	for (size_t i = 0; i < e->n_acls; i++) {
		char key[ATTACH_IQN_MAX + 1];
		int err = store_key_lower(key, sizeof(key), "", e->acls[i].initiator);
		if (!err)
			err = store_get(run->a->store, txn, STORE_NVME_HOSTS, key, &e->hosts[i]);
		if (err && err != -ENOENT)
			return err;
	}
	return 0;
}

static int recon_records(struct recon *run)
{
	struct store *s = run->a->store;
	MDB_txn *txn;
	char call[64], vol[64];
	int err = store_begin(s, true, &txn);
	if (err)
		return err;
	/* every interrupted call's intent (calls on different volumes may have been in the kernel at once):
	 * their records do not overlap, so the order does not matter */
	while ((err = store_intent_get(s, txn, call, sizeof(call), vol, sizeof(vol))) == 0) {
		run->r->differences++;
		recon_line(run->r, "interrupted %s on volume %s: its record changes %s rolled back", call, vol,
			   run->dry_run ? "would be" : "are");
		err = store_intent_rollback(s, txn);
		run->r->fixed += !err && !run->dry_run;
		if (err)
			break;
	}
	if (err == -ENOENT)
		err = 0;
	struct rec_export xb;
	struct rec_acl ab;
	struct rec_volume vb;
	if (!err)
		err = store_scan(s, txn, STORE_VOLUMES, "", &vb, recon_volume_visit, run);
	for (size_t i = 0; !err && i < run->n_vols; i++)
		err = recon_adopt(run, txn, run->vols[i]);
	if (!err)
		err = store_scan(s, txn, STORE_OWNED, "", &xb, recon_owned_visit, run);
	if (!err)
		err = store_scan(s, txn, STORE_EXPORTS, "", &xb, recon_export_visit, run);
	for (size_t i = 0; !err && i < run->n_ex; i++) {
		int g = store_get(s, txn, STORE_VOLUMES, run->ex[i].x.volume_id, &run->ex[i].v);
		if (g && g != -ENOENT)
			err = g;
	}
	for (size_t i = 0; !err && i < run->n_ex; i++)
		if (run->ex[i].x.transport != ATTACH_TRANSPORT_NVME_TCP) /* NVMe ports: recon_nvme's */
			err = recon_portals(run, txn, &run->ex[i].x);
	for (size_t i = 0; !err && i < run->n_ex; i++) {
		char prefix[ATTACH_UUID_LEN + 2];
		snprintf(prefix, sizeof(prefix), "%s/", run->ex[i].x.volume_id);
		err = store_scan(s, txn, STORE_ACLS, prefix, &ab, recon_acl_visit, &run->ex[i]);
		if (!err && run->ex[i].x.transport == ATTACH_TRANSPORT_NVME_TCP)
			err = recon_hosts(run, txn, &run->ex[i]);
	}
	explicit_bzero(&ab, sizeof(ab));
	/* the rollback is committed before the kernel is touched; a dry run only looked */
	if (!err && !run->dry_run)
		return store_commit(txn);
	store_abort(txn);
	return err;
}

/* ---- one export: what is missing or different */

/* The export is down: @why, logged as an error (a dry run only reports it). Returns 1: skip its LIO side. */
int recon_down(struct recon *run, struct plan *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->x.down, sizeof(p->x.down), fmt, ap);
	va_end(ap);
	recon_line(run->r, "volume %s: export %s down: %s", p->x.volume_id, run->dry_run ? "would stay" : "stays",
		   p->x.down);
	if (!run->dry_run)
		log_error("volume %s: export down: %s", p->x.volume_id, p->x.down);
	run->r->down++;
	return 1;
}

/* The export's disk found again through its volume's path, for a dm device to map: 0, or down. */
static int recon_find_disk(struct recon *run, const struct recon_export *e, struct plan *p, const char *then)
{
	struct device d;
	char why[sizeof(p->x.down) - 40];
	if (!e->v.id[0])
		return recon_down(run, p, "its volume has no record");
	int err = device_verify(&e->v, &d, why, sizeof(why));
	if (err)
		return recon_down(run, p, "%s: %s", why, then);
	if (d.major != p->x.backing_major || d.minor != p->x.backing_minor || strcmp(d.path, p->x.backing))
		recon_line(run->r, "volume %s: its disk %s is now %s (%u:%u)", p->x.volume_id, e->v.ident, d.path, d.major,
			   d.minor);
	snprintf(p->x.backing, sizeof(p->x.backing), "%s", d.path);
	p->x.backing_major = d.major;
	p->x.backing_minor = d.minor;
	return 0;
}

/* A live linear table: does it map the volume's disk (whatever its path leads to now)? */
static int recon_dm_live(struct recon *run, const struct recon_export *e, struct plan *p, const char *params,
			 uint64_t sectors)
{
	unsigned maj, min;
	char why[sizeof(p->x.down) - 40];
	if (sscanf(params, "%u:%u", &maj, &min) != 2)
		return -EIO;
	int err = e->v.id[0] ? device_is_volumes(&e->v, maj, min, why, sizeof(why)) : 0;
	if (err == -EMEDIUMTYPE) {
		recon_down(run, p, "its dm device %s %s: fenced", p->x.dm_name, why);
		err = plan_add(p, PLAN_DM_FENCE, NULL, NULL);
		return err ? err : 1;
	}
	if (err)
		return err;
	p->x.backing_major = maj;
	p->x.backing_minor = min;
	/* the size initiators see is the recorded one (a crash inside volume-extend must not keep it) */
	if (p->x.size && sectors != p->x.size / 512) {
		recon_line(run->r, "volume %s: dm device %s maps %llu bytes, the records say %llu", p->x.volume_id,
			   p->x.dm_name, (unsigned long long)sectors * 512, (unsigned long long)p->x.size);
		return plan_add_resize(p, sectors * 512);
	}
	return 0;
}

/* The export's dm device: 0 to go on with its LIO side, 1 when the export stays down, -EEXIST when
 * someone else's object is in the way (the export is skipped). */
int recon_dm(struct recon *run, const struct recon_export *e, struct plan *p)
{
	const struct rec_export *x = &p->x;
	bool exists, ours;
	int err = dmdev_query(x->dm_name, &exists, &ours);
	if (err)
		return err;
	if (exists && !ours) {
		recon_line(run->r, "volume %s: dm device %s belongs to someone else: export left alone", x->volume_id,
			   x->dm_name);
		return -EEXIST;
	}
	if (!exists) {
		err = recon_find_disk(run, e, p, "not rebuilt");
		if (err)
			return err;
		recon_line(run->r, "volume %s: dm device %s is missing", x->volume_id, x->dm_name);
		return plan_add(p, PLAN_DM_CREATE, NULL, NULL);
	}
	char type[32], params[128];
	uint64_t sectors;
	err = dmdev_table(x->dm_name, type, sizeof(type), params, sizeof(params), &sectors);
	if (err)
		return err;
	if (!strcmp(type, "linear"))
		return recon_dm_live(run, e, p, params, sectors);
	/* fenced (an interrupted terminate --force, or a disk found wrong): linear again only on the right disk */
	err = recon_find_disk(run, e, p, "left fenced");
	if (err)
		return err;
	recon_line(run->r, "volume %s: dm device %s has a %s table, not linear over %s", x->volume_id, x->dm_name, type,
		   x->backing);
	return plan_add(p, PLAN_DM_UNFENCE, NULL, NULL);
}

/* Without device-mapper the storage object opens the volume's path: it must still lead to its disk. */
static int recon_nodm(struct recon *run, const struct recon_export *e, struct plan *p)
{
	struct device d;
	char why[sizeof(p->x.down) - 40];
	if (!e->v.id[0])
		return recon_down(run, p, "its volume has no record");
	int err = device_verify(&e->v, &d, why, sizeof(why));
	if (!err) {
		snprintf(p->x.device, sizeof(p->x.device), "%s", d.path); /* a moved path rebuilds the object */
		snprintf(p->x.backing, sizeof(p->x.backing), "%s", d.path);
		p->x.backing_major = d.major;
		p->x.backing_minor = d.minor;
		return 0;
	}
	struct lio_backstore b = { .hba = p->x.hba, .name = p->x.backstore, .dev = p->x.device, .serial = p->x.volume_id };
	struct lio_so_state so;
	err = lio_backstore_state(&run->a->cfs, &b, &so);
	if (err)
		return err;
	recon_down(run, p, "%s%s", why, so.exists ? ": its target and storage object removed" : ": not rebuilt");
	if (so.exists && !(err = plan_add(p, PLAN_TARGET_PURGE, NULL, NULL)))
		err = plan_add(p, PLAN_BACKSTORE_REMOVE, NULL, NULL);
	return err ? err : 1;
}

/* One export's walk: what the kernel has of it, read part by part as export_plan_build asks. */
struct recon_walk {
	struct recon *run;
	const struct recon_export *e;
	struct plan *p;
	bool rebuild; /* its storage object opens another device: every part is built again */
	bool so_new;  /* its storage object is (re)made: the initiators' reservations are fed to it */
	struct lio_backstore b;
	struct lio_so_state so;
	struct lio_target_state ts;
	struct lio_acl_state as; /* of the ACL asked last */
};

static int recon_acl_name(const char *name, void *arg)
{
	struct recon_walk *w = arg;
	for (size_t i = 0; i < w->e->n_acls; i++)
		if (!strcasecmp(w->e->acls[i].initiator, name))
			return 0;
	struct rec_acl a = { 0 };
	snprintf(a.initiator, sizeof(a.initiator), "%s", name);
	recon_line(w->run->r, "volume %s: ACL %s has no record", w->e->x.volume_id, name);
	return plan_add(w->p, PLAN_ACL_PURGE, &a, NULL);
}

static int recon_portal_name(const char *name, void *arg)
{
	struct recon_walk *w = arg;
	for (uint32_t i = 0; i < w->e->x.n_portals; i++)
		if (!strcmp(w->e->x.portals[i], name))
			return 0;
	recon_line(w->run->r, "volume %s: portal %s has no record", w->e->x.volume_id, name);
	return plan_add(w->p, PLAN_PORTAL_REMOVE, NULL, name);
}

static int recon_portal_find(const char *name, void *arg)
{
	return !strcmp(name, (const char *)arg);
}

/* The volume's disk (dm or not), then the storage object and the target as they are: 1 when the export
 * stays down. A storage object on another device means the export is made again around a new one. */
static int recon_walk_start(struct recon_walk *w)
{
	const struct rec_export *x = &w->p->x;
	struct cfs *c = &w->run->a->cfs;
	int err = x->dm_name[0] ? recon_dm(w->run, w->e, w->p) : recon_nodm(w->run, w->e, w->p);
	if (err)
		return err;
	if (w->e->x.down[0])
		recon_line(w->run->r, "volume %s: its disk is back: the export comes up", x->volume_id);
	w->b = (struct lio_backstore){ .hba = x->hba, .name = x->backstore, .dev = x->device, .serial = x->volume_id };
	err = lio_backstore_state(c, &w->b, &w->so);
	if (!err)
		err = lio_target_state(c, x->target_iqn, x->lun, &w->b, &w->ts);
	if (err || !w->so.exists || !w->so.enabled || w->so.device_ok)
		return err;
	recon_line(w->run->r, "volume %s: storage object core/%s/%s opens another device: export rebuilt", x->volume_id,
		   x->hba, x->backstore);
	w->rebuild = true;
	err = plan_add(w->p, PLAN_TARGET_PURGE, NULL, NULL);
	return err ? err : plan_add(w->p, PLAN_BACKSTORE_REMOVE, NULL, NULL);
}

/* A mapped LUN that is there: its write_protect follows the ACL's mode (fixed in place, sessions stay). */
static int recon_walk_wp(struct recon_walk *w, const struct rec_acl *ra)
{
	if (w->as.wp_ok)
		return 0;
	bool ro = ra->mode == ATTACH_MODE_RO;
	recon_line(w->run->r, "volume %s: ACL %s maps LUN %u %s, its record says %s", w->p->x.volume_id, ra->initiator,
		   ra->mapped_lun, ro ? "read-write" : "read-only", ro ? "read-only" : "read-write");
	return plan_add(w->p, ro ? PLAN_MAPPED_LUN_PROTECT : PLAN_MAPPED_LUN_UNPROTECT, ra, NULL);
}

/* An initiator's ACL and its mapped LUN: 1 when the part must be built. */
static int recon_walk_acl(struct recon_walk *w, enum export_part part, const struct rec_acl *ra)
{
	const struct rec_export *x = &w->p->x;
	if (part == EXPORT_MAPPED_LUN) {
		if (!w->as.mapped_ok && w->as.exists)
			recon_line(w->run->r, "volume %s: ACL %s does not map LUN %u", x->volume_id, ra->initiator, x->lun);
		return w->as.mapped_ok ? recon_walk_wp(w, ra) : 1;
	}
	struct lio_acl la = { .initiator = ra->initiator, .userid = ra->username, .password = ra->password,
			      .mapped_lun = ra->mapped_lun, .lun = x->lun, .write_protect = ra->mode == ATTACH_MODE_RO,
			      .userid_mutual = ra->username_in, .password_mutual = ra->password_in };
	memset(&w->as, 0, sizeof(w->as));
	int err = lio_acl_state(&w->run->a->cfs, x->target_iqn, &la, &w->as);
	if (err || (w->as.exists && w->as.chap_ok))
		return err;
	recon_line(w->run->r, "volume %s: ACL %s %s", x->volume_id, ra->initiator,
		   w->as.exists ? "has other CHAP credentials" : "is missing");
	return 1;
}

/* export_plan_build's checker: each part of the export against the kernel, in build order. */
static int recon_part(void *arg, struct plan *p, enum export_part part, const struct rec_acl *acl,
		      const char *portal)
{
	struct recon_walk *w = arg;
	const struct rec_export *x = &p->x;
	struct recon_report *r = w->run->r;
	struct cfs *c = &w->run->a->cfs;
	int has, err;
	if (w->rebuild)
		return part != EXPORT_OTHER_ACLS && part != EXPORT_OTHER_PORTALS;
	switch (part) {
	case EXPORT_DM:
		return 0; /* recon_walk_start's, before anything else: the disk decides whether the export is up */
	case EXPORT_BACKSTORE:
		if (w->so.exists && !w->ts.lun_ok) {
			/* Unexported, it has no live reservation, and whether an interrupted build fed it some
			 * already the kernel does not show: made again, so they are fed once (pr_restore.h). */
			recon_line(r, "volume %s: storage object core/%s/%s is not linked by its LUN: made again",
				   x->volume_id, x->hba, x->backstore);
			w->so_new = true;
			return (err = plan_add(p, PLAN_BACKSTORE_REMOVE, NULL, NULL)) ? err : 1;
		}
		if (w->so.exists && w->so.enabled && w->so.serial_ok)
			return 0;
		recon_line(r, "volume %s: storage object core/%s/%s is %s", x->volume_id, x->hba, x->backstore,
			   !w->so.exists ? "missing" : !w->so.enabled ? "not enabled" : "without its serial");
		w->so_new = !w->so.exists;
		return 1;
	case EXPORT_PR:
		return w->so_new; /* a live storage object keeps its reservations: never touched */
	case EXPORT_TARGET:
		if (w->ts.exists && w->ts.tpg && w->ts.attribs_ok)
			return 0;
		recon_line(r, "volume %s: target %s %s", x->volume_id, x->target_iqn,
			   !w->ts.exists ? "is missing" : !w->ts.tpg ? "has no tpgt_1" : "has the wrong TPG attributes");
		return 1;
	case EXPORT_LUN:
		if (w->ts.lun_ok)
			return 0;
		recon_line(r, "volume %s: LUN %u %s", x->volume_id, x->lun,
			   w->ts.lun ? "does not lead to the storage object" : "is missing");
		return w->ts.lun ? ((err = plan_add(p, PLAN_LUN_REMOVE, NULL, NULL)) ? err : 1) : 1;
	case EXPORT_ACL:
	case EXPORT_MAPPED_LUN:
		return recon_walk_acl(w, part, acl);
	case EXPORT_OTHER_ACLS:
		return lio_list_acls(c, x->target_iqn, recon_acl_name, w);
	case EXPORT_PORTAL:
		if ((has = lio_list_portals(c, x->target_iqn, recon_portal_find, (void *)portal)) != 0)
			return has < 0 ? has : 0;
		recon_line(r, "volume %s: portal %s is missing", x->volume_id, portal);
		return 1;
	case EXPORT_OTHER_PORTALS:
		return lio_list_portals(c, x->target_iqn, recon_portal_name, w);
	case EXPORT_ENABLE:
		if (w->ts.enabled)
			return 0;
		recon_line(r, "volume %s: target %s is not enabled", x->volume_id, x->target_iqn);
		return 1;
	}
	return -EINVAL;
}

/* One export: its disk first, then every part in the order an export is built (export_plan.h). */
static int recon_export(struct recon *run, const struct recon_export *e, struct plan *p)
{
	struct recon_walk w = { .run = run, .e = e, .p = p };
	p->x.down[0] = '\0'; /* up, unless the disk says otherwise now */
	int err = recon_walk_start(&w);
	if (err == 1)
		return 0; /* down: nothing of its LIO side is made (a fence step may be planned) */
	return err ? err : export_plan_build(p, e->acls, e->n_acls, recon_part, &w);
}

/* Run (or, dry run, list) @p's steps; count the outcome. */
static void recon_apply(struct recon *run, struct plan *p, const char *what)
{
	size_t k = plan_kernel_steps(p);
	if (!k)
		return;
	run->r->differences++;
	for (size_t i = 0; i < p->n; i++) {
		char line[256];
		plan_describe(p, i, line, sizeof(line));
		recon_line(run->r, "  %s%s", run->dry_run ? "would " : "", line);
	}
	if (run->dry_run)
		return;
	char err[ATTACH_MESSAGE_MAX + 1];
	struct plan_env env = { .cfs = &run->a->cfs, .dbroot = run->a->dbroot };
	if (plan_apply(p, &env, err, sizeof(err))) {
		run->r->failures++;
		recon_line(run->r, "%s: not fixed: %s", what, err);
	} else {
		run->r->fixed++;
	}
}

/* The same NVMe ports (an iSCSI export has none, and its portals follow the configuration in the
 * records already: recon_portals). */
static bool recon_same_ports(const struct rec_export *a, const struct rec_export *b)
{
	if (a->n_port_ids != b->n_port_ids || a->ports_made != b->ports_made || a->n_portals != b->n_portals)
		return false;
	for (uint32_t i = 0; i < a->n_port_ids; i++)
		if (a->port_ids[i] != b->port_ids[i])
			return false;
	for (uint32_t i = 0; i < a->n_portals; i++)
		if (strcmp(a->portals[i], b->portals[i]))
			return false;
	return true;
}

/* The export's record follows what reconcile found: down or up, and where its disk is now. */
static void recon_save(struct recon *run, const struct recon_export *e, const struct plan *p)
{
	const struct rec_export *a = &e->x, *b = &p->x;
	if (run->dry_run || (!strcmp(a->down, b->down) && !strcmp(a->backing, b->backing) &&
			    !strcmp(a->device, b->device) && a->backing_major == b->backing_major &&
			    a->backing_minor == b->backing_minor && recon_same_ports(a, b)))
		return;
	MDB_txn *txn;
	struct store *s = run->a->store;
	int err = store_begin(s, true, &txn);
	if (!err)
		err = store_put(s, txn, STORE_EXPORTS, b->volume_id, b);
	if (!err)
		err = store_commit(txn);
	else
		store_abort(txn);
	if (err) {
		recon_line(run->r, "volume %s: its export record could not be updated: %s", b->volume_id, strerror(-err));
		run->r->failures++;
	}
}

/* ---- orphans: our names, no record */

struct recon_orphans {
	struct recon *run;
	char (*names)[ATTACH_IQN_MAX + 1];
	size_t n;
	int kind; /* 0 target, 1 storage object, 2 dm device */
};

static bool recon_known(const struct recon *run, int kind, const char *name)
{
	for (size_t i = 0; i < run->n_ex; i++) {
		const struct rec_export *x = &run->ex[i].x;
		const char *have = kind == 0 ? x->target_iqn : kind == 1 ? x->backstore : x->dm_name;
		if (!strcmp(have, name))
			return true;
	}
	return false;
}

/* A lower-case UUID, as attachd names volumes: @s exactly. */
static bool recon_uuid_lower(const char *s)
{
	uuid_t u;
	if (strlen(s) != ATTACH_UUID_LEN || uuid_parse(s, u))
		return false;
	for (; *s; s++)
		if (isupper((unsigned char)*s))
			return false;
	return true;
}

/* The volume id in a name of attachd's form for @kind, or NULL when the name is not of that form. */
static const char *recon_form(const struct recon *run, int kind, const char *name)
{
	const char *prefix = kind == 0 ? run->a->cfg.iqn_prefix : kind == 2 ? DMDEV_NAME_PREFIX : "";
	size_t pl = strlen(prefix);
	if (kind == 0 ? strncasecmp(name, prefix, pl) || name[pl] != ':' : strncmp(name, prefix, pl))
		return NULL;
	const char *id = name + pl + (kind == 0);
	return recon_uuid_lower(id) ? id : NULL;
}

/* Made by this database: named by its owned table. (Not "of a volume registered in it": volume ids can
 * be the caller's, and a database restored from an older backup registers volumes whose live exports
 * it never made.) */
static bool recon_owned(const struct recon *run, int kind, const char *name)
{
	for (size_t i = 0; i < run->n_owned; i++) {
		const struct rec_export *x = &run->owned[i];
		const char *have = kind == 0 ? x->target_iqn : kind == 1 ? x->backstore : x->dm_name;
		if (!strcmp(have, name))
			return true;
	}
	return false;
}

static int recon_orphan_visit(const char *name, void *arg)
{
	static const char *const what[] = { "target", "storage object", "dm device" };
	struct recon_orphans *o = arg;
	/* attachd's form only: <prefix>:<uuid>, <uuid> in our HBA, attachd-<uuid> with our dm uuid prefix */
	if (!recon_form(o->run, o->kind, name) || recon_known(o->run, o->kind, name))
		return 0;
	if (!recon_owned(o->run, o->kind, name)) {
		o->run->r->unowned++;
		if (!o->run->purge_unowned) {
			recon_line(o->run->r, "%s %s has attachd's name but this database did not make it: left alone "
				   "(reconcile --purge-unowned removes it)", what[o->kind], name);
			return 0;
		}
	}
	char *slot = recon_push(&o->names, &o->n, sizeof(*o->names));
	if (!slot)
		return -ENOMEM;
	snprintf(slot, sizeof(*o->names), "%s", name);
	return 0;
}

static int recon_orphans(struct recon *run)
{
	static const char *const what[] = { "target", "storage object", "dm device" };
	static const enum plan_op ops[] = { PLAN_TARGET_PURGE, PLAN_BACKSTORE_REMOVE, PLAN_DM_REMOVE };
	int err = 0;
	/* targets first: they hold the storage objects, which hold the dm devices */
	for (int kind = 0; !err && kind < 3; kind++) {
		struct recon_orphans o = { .run = run, .kind = kind };
		if (kind == 0)
			err = lio_list_targets(&run->a->cfs, recon_orphan_visit, &o);
		else if (kind == 1)
			err = lio_list_backstores(&run->a->cfs, AGENT_HBA, recon_orphan_visit, &o);
		else if (!run->a->cfg.no_dm)
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
			recon_line(run->r, "%s %s is %s but has no record", what[kind], o.names[i],
				   run->purge_unowned ? "of attachd's form" : "ours");
			err = plan_add(&p, ops[kind], NULL, NULL);
			unsigned fixed = run->r->fixed;
			if (!err)
				recon_apply(run, &p, o.names[i]);
			run->r->removed += run->r->fixed - fixed;
			plan_free(&p);
		}
		free(o.names);
	}
	return err;
}

/* Owned names of exports that have no record and of which the kernel has nothing left: forgotten. */
static void recon_forget(struct recon *run)
{
	struct store *s = run->a->store;
	for (size_t i = 0; !run->dry_run && i < run->n_owned; i++) {
		const struct rec_export *x = &run->owned[i];
		char path[CFS_PATH_MAX];
		bool exists = false, ours;
		size_t j;
		for (j = 0; j < run->n_ex && strcmp(run->ex[j].x.volume_id, x->volume_id); j++) {
		}
		if (j < run->n_ex)
			continue;
		snprintf(path, sizeof(path), x->transport == ATTACH_TRANSPORT_NVME_TCP ? "nvmet/subsystems/%s" :
			 "target/iscsi/%s", x->target_iqn);
		if (x->target_iqn[0] && cfs_exists(&run->a->cfs, path) != 0)
			continue;
		snprintf(path, sizeof(path), "target/core/%s/%s", x->hba, x->backstore);
		if (x->backstore[0] && cfs_exists(&run->a->cfs, path) != 0)
			continue;
		if (x->dm_name[0] && (dmdev_query(x->dm_name, &exists, &ours) || exists))
			continue;
		MDB_txn *txn;
		if (store_begin(s, true, &txn))
			return;
		if (store_del(s, txn, STORE_OWNED, x->volume_id) || store_commit(txn))
			return;
	}
}

/* Discovery CHAP (--discovery-chap): the fabric's one discovery ACL, not an export's. */
static void recon_discovery(struct recon *run)
{
	char line[512];
	bool failed;
	int rc = discovery_reconcile(run->a, run->dry_run, line, sizeof(line), &failed);
	if (!rc)
		return;
	recon_line(run->r, "%s", line);
	if (rc > 0)
		run->r->differences++;
	if (rc < 0 || failed)
		run->r->failures++;
	else if (!run->dry_run)
		run->r->fixed++;
}

int reconcile(struct agent *a, const struct recon_opts *o, struct recon_report *r)
{
	struct recon run = { .a = a, .dry_run = o->dry_run, .purge_unowned = o->purge_unowned, .r = r };
	memset(r, 0, sizeof(*r));
	int err = recon_records(&run);
	if (err) {
		recon_line(r, "the records could not be read: %s", strerror(-err));
		recon_free(&run);
		return err;
	}
	for (size_t i = 0; i < run.n_ex; i++) {
		struct plan p;
		plan_init(&p);
		p.call = "reconcile";
		p.x = run.ex[i].x;
		memcpy(p.ident, run.ex[i].v.ident, sizeof(p.ident));
		err = p.x.transport == ATTACH_TRANSPORT_NVME_TCP ? recon_nvme(&run, &run.ex[i], &p) :
								    recon_export(&run, &run.ex[i], &p);
		if (err && err != -EEXIST) {
			recon_line(r, "volume %s: cannot read its kernel state: %s", p.x.volume_id, strerror(-err));
			r->failures++;
		} else if (err) {
			r->failures++;
		} else {
			if (p.x.down[0]) { /* left down: a difference reconcile cannot fix */
				r->differences++;
				r->failures++;
			}
			recon_apply(&run, &p, p.x.target_iqn);
			recon_save(&run, &run.ex[i], &p);
		}
		plan_free(&p);
	}
	recon_discovery(&run);
	err = recon_orphans(&run);
	if (!err)
		err = recon_nvme_orphans(&run);
	if (err) {
		recon_line(r, "looking for unrecorded objects failed: %s", strerror(-err));
		r->failures++;
	}
	recon_forget(&run);
	if (!run.n_ex && !o->dry_run) {
		struct plan p;
		plan_init(&p);
		snprintf(p.x.hba, sizeof(p.x.hba), "%s", AGENT_HBA);
		struct plan_env env = { .cfs = &a->cfs, .dbroot = a->dbroot };
		/* an HBA left empty by an interrupted call: quietly gone (kept while anything is in it) */
		if (cfs_exists(&a->cfs, "target/core/" AGENT_HBA) == 1 && !plan_add(&p, PLAN_HBA_REMOVE, NULL, NULL)) {
			char e[256];
			plan_apply(&p, &env, e, sizeof(e));
		}
		plan_free(&p);
	}
	recon_free(&run);
	return r->failures ? -EIO : 0;
}
