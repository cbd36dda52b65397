/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reconcile_nvme.c: an NVMe/TCP export against the kernel (see reconcile_internal.h): its disk, then each
 * object in the order nvme_plan.h builds them, read with nvmet_state.h (one named object at a time) and
 * (re)made only where missing or different: after a reboot hosts (with their keys), subsystem, namespace,
 * allowed hosts, ports and links come back from the records; live objects in the wanted shape are left
 * alone, so connected hosts stay connected. Ports follow the configured --nvme-port list, and a port that
 * is gone is made again in attachd's id range (the record then names the new one).
 */
#include "reconcile_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "device.h"
#include "nvme_step.h"
#include "nvmet.h"
#include "nvmet_state.h"

/* ---- the disk */

/* Without device-mapper the namespace opens the volume's path: it must still lead to its disk. 1: down
 * (the namespace disabled if it is on). */
static int rn_nodm(struct recon *run, const struct recon_export *e, struct plan *p)
{
	struct device d;
	char why[sizeof(p->x.down) - 40];
	if (!e->v.id[0])
		return recon_down(run, p, "its volume has no record");
	int err = device_verify(&e->v, &d, why, sizeof(why));
	if (!err) {
		snprintf(p->x.device, sizeof(p->x.device), "%s", d.path);
		snprintf(p->x.backing, sizeof(p->x.backing), "%s", d.path);
		p->x.backing_major = d.major;
		p->x.backing_minor = d.minor;
		return 0;
	}
	struct nvmet_ns n = { .nqn = p->x.target_iqn, .nsid = NVMET_NSID, .dev = p->x.device };
	struct nvmet_ns_state st;
	err = nvmet_ns_state(&run->a->cfs, &n, &st);
	recon_down(run, p, "%s%s", why, st.enabled ? ": its namespace disabled" : ": not rebuilt");
	if (!err && st.enabled)
		err = plan_add(p, PLAN_NV_NS_DISABLE, NULL, NULL);
	return err ? err : 1;
}

/* ---- hosts */

/* The writer's spec of a host record (as nvme_step.c writes it). */
static struct nvmet_host rn_host_spec(const struct rec_nvme_host *h)
{
	struct nvmet_host s = { .nqn = h->nqn };
	if (h->dhchap) {
		s.key = h->key;
		s.hash = NVME_DHCHAP_HASH;
		s.dhgroup = h->dhgroup[0] ? h->dhgroup : "null";
		s.ctrl_key = h->dhchap == 2 ? h->ctrl_key : NULL;
	}
	return s;
}

/* Each recorded host's entry (with its keys); @allow: its allowed_hosts link instead. */
static int rn_hosts(struct recon *run, const struct recon_export *e, struct plan *p, bool allow)
{
	const char *nqn = p->x.target_iqn, *vol = p->x.volume_id;
	for (size_t i = 0; i < e->n_acls; i++) {
		const struct rec_nvme_host *h = &e->hosts[i];
		struct nvmet_host_state st;
		if (!h->nqn[0]) {
			if (!allow) {
				recon_line(run->r, "volume %s: host %s has no host record: not allowed", vol, e->acls[i].initiator);
				run->r->failures++;
			}
			continue;
		}
		struct nvmet_host spec = rn_host_spec(h);
		int err = nvmet_host_state(&run->a->cfs, nqn, &spec, &st);
		if (err)
			return err;
		if (allow && !st.allowed)
			recon_line(run->r, "volume %s: host %s is not allowed on %s", vol, h->nqn, nqn);
		else if (!allow && (!st.exists || !st.keys_ok))
			recon_line(run->r, "volume %s: NVMe host %s %s", vol, h->nqn,
				   !st.exists ? "is missing" : "has other DH-HMAC-CHAP values");
		else
			continue;
		err = plan_add_host(p, allow ? PLAN_NV_HOST_ALLOW : PLAN_NV_HOST_CREATE, h);
		if (err)
			return err;
	}
	return 0;
}

struct rn_other {
	struct recon *run;
	const struct recon_export *e;
	struct plan *p;
};

static int rn_other_host(const char *name, enum cfs_kind kind, void *arg)
{
	struct rn_other *o = arg;
	(void)kind;
	for (size_t i = 0; i < o->e->n_acls; i++)
		if (!strcmp(o->e->acls[i].initiator, name))
			return 0;
	struct rec_nvme_host h = { 0 };
	snprintf(h.nqn, sizeof(h.nqn), "%s", name);
	recon_line(o->run->r, "volume %s: host %s is allowed but has no record", o->p->x.volume_id, name);
	return plan_add_host(o->p, PLAN_NV_HOST_DISALLOW, &h);
}

/* ---- subsystem and namespace */

static int rn_subsys(struct recon *run, struct plan *p)
{
	const struct rec_export *x = &p->x;
	struct nvmet_ids ids;
	struct nvmet_subsys_state ss;
	struct nvmet_ns_state ns;
	int err = nvmet_ids_from_volume(x->volume_id, &ids);
	struct nvmet_subsys s = { .nqn = x->target_iqn, .serial = ids.serial };
	struct nvmet_ns n = { .nqn = x->target_iqn, .nsid = NVMET_NSID, .dev = x->device, .uuid = ids.uuid, .nguid = ids.nguid };
	if (!err)
		err = nvmet_subsys_state(&run->a->cfs, &s, &ss);
	if (!err)
		err = nvmet_ns_state(&run->a->cfs, &n, &ns);
	if (err)
		return err;
	if (!ss.exists || !ss.closed) {
		recon_line(run->r, "volume %s: subsystem %s %s", x->volume_id, x->target_iqn,
			   ss.exists ? "lets any host in" : "is missing");
		if ((err = plan_add(p, PLAN_NV_SUBSYS_CREATE, NULL, NULL)))
			return err;
	}
	if (ns.exists && ns.path_ok && ns.uuid_ok && ns.nguid_ok)
		return ns.enabled ? 0 : (recon_line(run->r, "volume %s: namespace %u is disabled", x->volume_id, NVMET_NSID),
					 plan_add(p, PLAN_NV_NS_ENABLE, NULL, NULL));
	recon_line(run->r, "volume %s: namespace %u %s", x->volume_id, NVMET_NSID,
		   ns.exists ? "opens another device or has other identities: made again" : "is missing");
	err = ns.exists ? plan_add(p, PLAN_NV_NS_REMOVE, NULL, NULL) : 0;
	return err ? err : plan_add(p, PLAN_NV_NS_CREATE, NULL, NULL);
}

/* ---- ports */

/* Is port @id named by an export record other than @self's? */
static bool rn_port_recorded(const struct recon *run, const struct rec_export *self, uint32_t id)
{
	for (size_t i = 0; i < run->n_ex; i++) {
		const struct rec_export *x = &run->ex[i].x;
		if (x->transport != ATTACH_TRANSPORT_NVME_TCP || !strcmp(x->volume_id, self->volume_id))
			continue;
		for (uint32_t j = 0; j < x->n_port_ids; j++)
			if (x->port_ids[j] == id)
				return true;
	}
	return false;
}

/* A free id of attachd's range: not in the kernel, not in any record, not taken by @x already. */
static int rn_port_pick(struct recon *run, const struct rec_export *x, uint32_t n, uint32_t *id)
{
	char path[CFS_PATH_MAX];
	for (uint32_t i = NVMET_PORT_ID_MIN; i <= NVMET_PORT_ID_MAX; i++) {
		bool taken = rn_port_recorded(run, x, i);
		for (uint32_t j = 0; j < n; j++)
			taken |= x->port_ids[j] == i;
		snprintf(path, sizeof(path), NVMET_ROOT "/ports/%u", i);
		int rc = taken ? 1 : cfs_exists(&run->a->cfs, path);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			*id = i;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Port @i of p->x (its address p->x.portals[i]), @known to the records or new to them: found in the
 * kernel by its address (another tool's is used as it is), or made again in attachd's range (its recorded
 * id when that one is free); then the subsystem's link into it. */
static int rn_port(struct recon *run, struct plan *p, uint32_t i, bool known)
{
	struct rec_export *x = &p->x;
	struct cfs *c = &run->a->cfs;
	char buf[ATTACH_PORTAL_MAX + 1];
	struct nvmet_addr a;
	struct nvmet_port_state st = { 0 };
	unsigned found;
	int err = nvme_portal_addr(x->portals[i], buf, sizeof(buf), &a);
	if (!err && known)
		err = nvmet_port_state(c, x->port_ids[i], &a, x->target_iqn, &st);
	if (err)
		return err;
	if (!known || !st.exists || !st.addr_ok) {
		const char *how = !known ? "is new" : !st.exists ? "is missing" : "has another address";
		uint32_t was = x->port_ids[i];
		bool reuse = known && !st.exists && was >= NVMET_PORT_ID_MIN && was <= NVMET_PORT_ID_MAX &&
			     !rn_port_recorded(run, x, was);
		err = nvmet_port_find(c, &a, &found);
		if (err == -ENOENT) {
			if (!reuse && (err = rn_port_pick(run, x, i, &x->port_ids[i])))
				return err;
			x->ports_made |= 1u << i;
			recon_line(run->r, "volume %s: NVMe port %s %s: made as port %u", x->volume_id, x->portals[i], how,
				   x->port_ids[i]);
			err = plan_add_port(p, PLAN_NV_PORT_CREATE, x->port_ids[i], x->portals[i]);
			return err ? err : plan_add_port(p, PLAN_NV_PORT_LINK, x->port_ids[i], x->portals[i]);
		}
		if (err)
			return err;
		/* a port on the address: attachd's (its range, no other record) or another tool's */
		x->port_ids[i] = found;
		bool ours = found >= NVMET_PORT_ID_MIN && found <= NVMET_PORT_ID_MAX && !rn_port_recorded(run, x, found);
		x->ports_made = ours ? x->ports_made | 1u << i : x->ports_made & ~(1u << i);
		recon_line(run->r, "volume %s: NVMe port %s %s: port %u has the address", x->volume_id, x->portals[i], how,
			   found);
		if ((err = nvmet_port_state(c, found, &a, x->target_iqn, &st)))
			return err;
	} else if (!st.linked) {
		recon_line(run->r, "volume %s: subsystem %s is not linked into NVMe port %u", x->volume_id, x->target_iqn,
			   x->port_ids[i]);
	}
	return st.linked ? 0 : plan_add_port(p, PLAN_NV_PORT_LINK, x->port_ids[i], x->portals[i]);
}

/* The configured --nvme-port list is the export's: ports that left it are unlinked (and removed when
 * attachd made them and no other export records them), new ones are found or made. With no --nvme-port
 * configured the recorded ones stay. */
static int rn_ports(struct recon *run, struct plan *p)
{
	const struct agent_config *cfg = &run->a->cfg;
	struct rec_export *x = &p->x, was = p->x;
	int err = 0;
	if (!cfg->n_nvme_ports) {
		recon_line(run->r, "volume %s: no --nvme-port is configured: its recorded NVMe ports are kept",
			   x->volume_id);
	} else {
		x->n_portals = (uint32_t)cfg->n_nvme_ports;
		x->n_port_ids = 0;
		x->ports_made = 0;
		for (uint32_t i = 0; i < x->n_portals; i++) {
			memcpy(x->portals[i], cfg->nvme_ports[i], sizeof(x->portals[i]));
			for (uint32_t j = 0; j < was.n_port_ids && j < was.n_portals; j++)
				if (!strcmp(was.portals[j], x->portals[i])) {
					x->port_ids[i] = was.port_ids[j];
					x->ports_made |= (was.ports_made >> j & 1u) << i;
				}
		}
	}
	uint32_t n = x->n_portals;
	for (uint32_t i = 0; !err && i < n; i++) {
		bool known = false;
		for (uint32_t j = 0; j < was.n_port_ids && j < was.n_portals; j++)
			known |= !strcmp(was.portals[j], x->portals[i]);
		x->n_port_ids = i + 1;
		err = rn_port(run, p, i, known);
	}
	for (uint32_t j = 0; !err && j < was.n_port_ids && j < was.n_portals; j++) {
		bool kept = false;
		for (uint32_t i = 0; i < x->n_portals; i++)
			kept |= !strcmp(was.portals[j], x->portals[i]);
		if (kept)
			continue;
		recon_line(run->r, "volume %s: NVMe port %s is no longer configured", x->volume_id, was.portals[j]);
		err = plan_add_port(p, PLAN_NV_PORT_UNLINK, was.port_ids[j], was.portals[j]);
		if (!err && (was.ports_made >> j & 1u) && !rn_port_recorded(run, x, was.port_ids[j]))
			err = plan_add_port(p, PLAN_NV_PORT_REMOVE, was.port_ids[j], was.portals[j]);
	}
	return err;
}

int recon_nvme(struct recon *run, const struct recon_export *e, struct plan *p)
{
	p->x.down[0] = '\0';
	int err = p->x.dm_name[0] ? recon_dm(run, e, p) : rn_nodm(run, e, p);
	if (err == 1)
		return 0; /* down: nothing of its nvmet side is made (a fence or disable may be planned) */
	if (err)
		return err;
	if (e->x.down[0])
		recon_line(run->r, "volume %s: its disk is back: the export comes up", p->x.volume_id);
	char path[CFS_PATH_MAX];
	struct rn_other o = { run, e, p };
	err = rn_hosts(run, e, p, false);
	if (!err)
		err = rn_subsys(run, p);
	if (!err)
		err = rn_hosts(run, e, p, true);
	snprintf(path, sizeof(path), NVMET_ROOT "/subsystems/%s/allowed_hosts", p->x.target_iqn);
	if (!err && cfs_exists(&run->a->cfs, path) == 1)
		err = cfs_list(&run->a->cfs, path, rn_other_host, &o);
	return err ? err : rn_ports(run, p);
}

/* ---- orphans */

struct rn_orphans {
	struct recon *run;
	char (*names)[ATTACH_IQN_MAX + 1];
	size_t n;
};

static bool rn_named(const struct rec_export *xs, size_t n, size_t stride, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		const struct rec_export *x = (const struct rec_export *)((const char *)xs + i * stride);
		if (!strcmp(x->target_iqn, name))
			return true;
	}
	return false;
}

static int rn_orphan_visit(const char *name, enum cfs_kind kind, void *arg)
{
	struct rn_orphans *o = arg;
	struct recon *run = o->run;
	const char *prefix = run->a->cfg.nqn_prefix;
	size_t pl = strlen(prefix);
	struct nvmet_ids ids;
	(void)kind;
	/* attachd's form only: <nqn-prefix>:<lower-case uuid> */
	if (strncmp(name, prefix, pl) || name[pl] != ':' || nvmet_ids_from_volume(name + pl + 1, &ids) ||
	    strcmp(ids.uuid, name + pl + 1))
		return 0;
	for (size_t i = 0; i < run->n_ex; i++)
		if (!strcmp(run->ex[i].x.target_iqn, name))
			return 0;
	if (!rn_named(run->owned, run->n_owned, sizeof(*run->owned), name)) {
		run->r->unowned++;
		if (!run->purge_unowned) {
			recon_line(run->r, "NVMe subsystem %s has attachd's name but this database did not make it: left "
				   "alone (reconcile --purge-unowned removes it)", name);
			return 0;
		}
	}
	char *slot = recon_push(&o->names, &o->n, sizeof(*o->names));
	if (!slot)
		return -ENOMEM;
	snprintf(slot, sizeof(*o->names), "%s", name);
	return 0;
}

/* Run (or, dry run, list) one orphan's step. */
static void rn_orphan_apply(struct recon *run, struct plan *p, const char *what)
{
	char line[256], err[ATTACH_MESSAGE_MAX + 1];
	plan_describe(p, 0, line, sizeof(line));
	run->r->differences++;
	recon_line(run->r, "  %s%s", run->dry_run ? "would " : "", line);
	if (run->dry_run)
		return;
	struct plan_env env = { .cfs = &run->a->cfs, .dbroot = run->a->dbroot };
	if (plan_apply(p, &env, err, sizeof(err))) {
		run->r->failures++;
		recon_line(run->r, "%s: not fixed: %s", what, err);
	} else {
		run->r->fixed++;
		run->r->removed++;
	}
}

static int rn_any(const char *name, enum cfs_kind kind, void *arg)
{
	(void)name, (void)kind, (void)arg;
	return 1;
}

/* An empty port of attachd's range that no record names (left by an interrupted call). */
static int rn_port_visit(const char *name, enum cfs_kind kind, void *arg)
{
	struct recon *run = arg;
	char *end, path[CFS_PATH_MAX];
	unsigned long id = strtoul(name, &end, 10);
	struct rec_export none = { 0 };
	(void)kind;
	if (*end || id < NVMET_PORT_ID_MIN || id > NVMET_PORT_ID_MAX || rn_port_recorded(run, &none, (uint32_t)id))
		return 0;
	snprintf(path, sizeof(path), NVMET_ROOT "/ports/%lu/subsystems", id);
	int err = cfs_list(&run->a->cfs, path, rn_any, NULL);
	if (err != 0)
		return err < 0 && err != -ENOENT ? err : 0; /* something is linked: not empty */
	struct plan p;
	plan_init(&p);
	p.call = "reconcile";
	recon_line(run->r, "NVMe port %lu is attachd's but no record names it", id);
	err = plan_add_port(&p, PLAN_NV_PORT_REMOVE, (uint32_t)id, "-");
	if (!err)
		rn_orphan_apply(run, &p, name);
	plan_free(&p);
	return err;
}

/* Does an export record allow host @nqn? */
static bool rn_host_recorded(const struct recon *run, const char *nqn)
{
	for (size_t i = 0; i < run->n_ex; i++)
		for (size_t j = 0; run->ex[i].x.transport == ATTACH_TRANSPORT_NVME_TCP && j < run->ex[i].n_acls; j++)
			if (!strcasecmp(run->ex[i].acls[j].initiator, nqn))
				return true;
	return false;
}

/* Host entries this database made (the owned table) that no record allows any more (an interrupted call
 * made them): removed, and forgotten once gone. */
static int rn_hosts_orphans(struct recon *run)
{
	struct cfs *c = &run->a->cfs;
	for (size_t i = 0; i < run->n_owned_hosts; i++) {
		const char *nqn = run->owned_hosts[i].target_iqn;
		char path[CFS_PATH_MAX], key[ATTACH_IQN_MAX + sizeof(STORE_OWNED_HOST)];
		if (rn_host_recorded(run, nqn))
			continue;
		snprintf(path, sizeof(path), NVMET_ROOT "/hosts/%s", nqn);
		int had = cfs_exists(c, path);
		if (had < 0)
			return had;
		if (had) {
			struct plan p;
			plan_init(&p);
			p.call = "reconcile";
			struct rec_nvme_host h = { 0 };
			snprintf(h.nqn, sizeof(h.nqn), "%s", nqn);
			recon_line(run->r, "NVMe host %s is attachd's but no record allows it", nqn);
			int err = plan_add_host(&p, PLAN_NV_HOST_REMOVE, &h);
			if (!err)
				rn_orphan_apply(run, &p, nqn);
			plan_free(&p);
			if (err)
				return err;
		}
		if (run->dry_run || cfs_exists(c, path) != 0 || store_key_lower(key, sizeof(key), STORE_OWNED_HOST, nqn))
			continue;
		MDB_txn *txn;
		if (store_begin(run->a->store, true, &txn))
			continue;
		int err = store_del(run->a->store, txn, STORE_OWNED, key);
		if (err)
			store_abort(txn);
		if (err || store_commit(txn))
			recon_line(run->r, "NVMe host %s: its owned entry could not be forgotten", nqn);
	}
	return 0;
}

int recon_nvme_orphans(struct recon *run)
{
	struct cfs *c = &run->a->cfs;
	if (cfs_exists(c, NVMET_ROOT "/subsystems") != 1)
		return 0; /* no nvmet loaded: nothing of it can be ours */
	struct rn_orphans o = { run, NULL, 0 };
	int err = cfs_list(c, NVMET_ROOT "/subsystems", rn_orphan_visit, &o);
	for (size_t i = 0; !err && i < o.n; i++) {
		struct plan p;
		plan_init(&p);
		p.call = "reconcile";
		snprintf(p.x.target_iqn, sizeof(p.x.target_iqn), "%s", o.names[i]);
		recon_line(run->r, "NVMe subsystem %s is %s but has no record", o.names[i],
			   run->purge_unowned ? "of attachd's form" : "ours");
		err = plan_add(&p, PLAN_NV_SUBSYS_PURGE, NULL, NULL);
		if (!err)
			rn_orphan_apply(run, &p, o.names[i]);
		plan_free(&p);
	}
	free(o.names);
	if (!err)
		err = rn_hosts_orphans(run);
	return err ? err : cfs_list(c, NVMET_ROOT "/ports", rn_port_visit, run);
}
