/* SPDX-License-Identifier: Apache-2.0 */
/*
 * call_nvme.c: the NVMe/TCP side of initialize_connection and terminate_connection (call_connect.c keeps
 * the connection counting, which is the same for both transports): a host NQN's access to an nvme-tcp
 * volume is an ACL record (initiator = the host NQN, no CHAP), reference-counted exactly as an iSCSI ACL.
 *
 * Host entries and keys: the kernel has one hosts/<nqn> entry, with one DH-HMAC-CHAP key, per host NQN,
 * for every subsystem that allows it. So has attachd (the nvme_hosts records): the key is drawn from
 * getrandom (nvmet_secret_generate) when a host first asks for DH-HMAC-CHAP, kept while any volume
 * allows the host, and a request whose DH options differ from what the host has is refused (the kernel
 * cannot hold two keys for one NQN): never silently changed, never downgraded.
 *
 * Ports: a port per --nvme-port, found by its address (another tool's, used as it is) or made by attachd
 * in its id range (bit i of x.ports_made). A port attachd made goes with the last export that uses it;
 * while others use it, the going export hands the bit on to one of them.
 */
#include "calls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nvme_plan.h"
#include "nvme_step.h"
#include "nvmet.h"
#include "nvmet_secret.h"

static int nvme_host_key(char *key, size_t size, const char *nqn)
{
	return store_key_lower(key, size, "", nqn);
}

int nvme_host_get(struct call_ctx *ctx, const char *nqn, struct rec_nvme_host *h)
{
	char key[ATTACH_IQN_MAX + 1];
	int rc = nvme_host_key(key, sizeof(key), nqn);
	return rc ? rc : store_get(ctx->a->store, ctx->txn, STORE_NVME_HOSTS, key, h);
}

static int nvme_host_put(struct call_ctx *ctx, const struct rec_nvme_host *h)
{
	char key[ATTACH_IQN_MAX + 1];
	int rc = nvme_host_key(key, sizeof(key), h->nqn);
	return rc ? rc : store_put(ctx->a->store, ctx->txn, STORE_NVME_HOSTS, key, h);
}

/* What the request asks of DH-HMAC-CHAP: 0 none, 1 the host authenticates, 2 both ways; and the group. */
static uint8_t nvme_dh_wanted(struct call_ctx *ctx, const char **group)
{
	struct nlattr *g = ctx->tb[ATTACH_A_DHCHAP];
	*group = g ? nla_get_string(g) : "null";
	if (ctx->tb[ATTACH_A_MUTUAL_CHAP])
		return 2;
	return g ? 1 : 0;
}

static const char *nvme_dh_words(uint8_t dhchap)
{
	return dhchap == 2 ? "bidirectional DH-HMAC-CHAP" : dhchap ? "DH-HMAC-CHAP" : "no DH-HMAC-CHAP";
}

/* Does the host's key serve this request? */
static int nvme_dh_check(struct call_ctx *ctx, const struct rec_nvme_host *h)
{
	const char *group;
	uint8_t want = nvme_dh_wanted(ctx, &group);
	if (want == h->dhchap && (!want || !strcmp(group, h->dhgroup)))
		return 0;
	return ctx_fail(ctx, -EEXIST, "host %s already has access with %s%s%s; the kernel keeps one key per host "
			"NQN, so this request (%s%s%s) is refused: ask as before, or terminate the host's other "
			"connections first", h->nqn, nvme_dh_words(h->dhchap), h->dhchap ? ", group " : "",
			h->dhchap ? h->dhgroup : "", nvme_dh_words(want), want ? ", group " : "", want ? group : "");
}

/* A new host record with the keys the request asks for. A host entry already in the kernel is another
 * tool's: used as it is (no keys set on it), never removed. */
static int nvme_host_new(struct call_ctx *ctx, const char *nqn, struct rec_nvme_host *h)
{
	const char *group;
	char path[CFS_PATH_MAX];
	memset(h, 0, sizeof(*h));
	snprintf(h->nqn, sizeof(h->nqn), "%s", nqn);
	h->dhchap = nvme_dh_wanted(ctx, &group);
	snprintf(path, sizeof(path), NVMET_ROOT "/hosts/%s", nqn);
	int there = cfs_exists(&ctx->a->cfs, path);
	if (there < 0)
		return ctx_fail(ctx, there, "NVMe host %s: cannot look at its entry: %s", nqn, strerror(-there));
	h->foreign = there == 1;
	if (h->foreign && h->dhchap)
		return ctx_fail(ctx, -EBUSY, "NVMe host %s has an entry attachd did not make (another tool's): its "
				"DH-HMAC-CHAP key is not attachd's to set; connect without DH-HMAC-CHAP, or remove that "
				"entry first", nqn);
	h->created = call_now();
	snprintf(h->dhgroup, sizeof(h->dhgroup), "%s", h->dhchap ? group : "");
	int rc = h->dhchap ? nvmet_secret_generate(0, 32, h->key, sizeof(h->key)) : 0;
	if (!rc && h->dhchap == 2)
		rc = nvmet_secret_generate(0, 32, h->ctrl_key, sizeof(h->ctrl_key));
	if (rc)
		return ctx_fail(ctx, rc, "cannot draw a DH-HMAC-CHAP key: %s", strerror(-rc));
	return 0;
}

/* One more (volume, host) access on @nqn's host record, made when it is the first: *@host_new when the
 * host's entry is then attachd's to make. */
static int nvme_host_ref(struct call_ctx *ctx, const char *nqn, struct rec_nvme_host *h, bool *host_new)
{
	int rc = nvme_host_get(ctx, nqn, h);
	*host_new = rc == -ENOENT;
	if (rc == -ENOENT)
		rc = nvme_host_new(ctx, nqn, h);
	else if (!rc && strcmp(h->nqn, nqn))
		return ctx_fail(ctx, -EEXIST, "host NQN %s differs from %s only in case: attachd keeps one of them",
				nqn, h->nqn);
	else if (!rc)
		rc = nvme_dh_check(ctx, h);
	if (rc)
		return rc;
	h->refs++;
	if (*host_new)
		plan_note(&ctx->plan, "NVMe host %s: recorded (%s%s)", nqn, nvme_dh_words(h->dhchap),
			  h->foreign ? "; its entry is another tool's, used as it is" : "");
	*host_new = *host_new && !h->foreign; /* the entry to make */
	return nvme_host_put(ctx, h);
}

/* One (volume, host) access fewer: its record deleted with the last, and then *@gone when the host's
 * entry is attachd's to remove. */
static int nvme_host_unref(struct call_ctx *ctx, const char *nqn, struct rec_nvme_host *h, bool *gone)
{
	int rc = nvme_host_get(ctx, nqn, h);
	if (rc == -ENOENT)
		return ctx_fail(ctx, -EUCLEAN, "host %s has access to volume %s but no host record", nqn, ctx->vol.id);
	if (rc)
		return rc;
	*gone = h->refs <= 1;
	if (!*gone) {
		h->refs--;
		return nvme_host_put(ctx, h);
	}
	bool foreign = h->foreign;
	char key[ATTACH_IQN_MAX + 1];
	rc = nvme_host_key(key, sizeof(key), nqn);
	if (!rc)
		rc = store_del(ctx->a->store, ctx->txn, STORE_NVME_HOSTS, key);
	if (!rc)
		plan_note(&ctx->plan, "NVMe host %s: no volume allows it any more%s", nqn,
			  foreign ? " (its entry, another tool's, stays)" : "");
	*gone = !foreign; /* the entry to remove */
	return rc;
}

/* ---- ports */

struct nvme_port_scan {
	const char *skip; /* this volume */
	uint32_t id;
	char user[ATTACH_UUID_LEN + 1]; /* the first other export on the port */
};

static int nvme_port_visit(const char *key, void *rec, void *arg)
{
	const struct rec_export *x = rec;
	struct nvme_port_scan *s = arg;
	if (x->transport != ATTACH_TRANSPORT_NVME_TCP || !strcmp(key, s->skip))
		return 0;
	for (uint32_t i = 0; i < x->n_port_ids; i++)
		if (x->port_ids[i] == s->id) {
			snprintf(s->user, sizeof(s->user), "%s", key);
			return 1;
		}
	return 0;
}

/* Another export on port @id: 1 (its volume id in @user), 0 none, or a negative errno. */
static int nvme_port_user(struct call_ctx *ctx, uint32_t id, char user[ATTACH_UUID_LEN + 1])
{
	struct nvme_port_scan s = { .skip = ctx->vol.id, .id = id };
	struct rec_export buf;
	int rc = store_scan(ctx->a->store, ctx->txn, STORE_EXPORTS, "", &buf, nvme_port_visit, &s);
	if (rc == 1)
		memcpy(user, s.user, sizeof(s.user));
	return rc;
}

/* A free id of attachd's range for a new port: not in the kernel, not in a record, not taken already. */
static int nvme_port_pick(struct call_ctx *ctx, const struct rec_export *x, uint32_t *id)
{
	char user[ATTACH_UUID_LEN + 1], path[CFS_PATH_MAX];
	for (uint32_t i = NVMET_PORT_ID_MIN; i <= NVMET_PORT_ID_MAX; i++) {
		bool mine = false;
		for (uint32_t j = 0; j < x->n_port_ids; j++)
			mine |= x->port_ids[j] == i;
		snprintf(path, sizeof(path), NVMET_ROOT "/ports/%u", i);
		int rc = mine ? 1 : cfs_exists(&ctx->a->cfs, path);
		if (rc == 0)
			rc = nvme_port_user(ctx, i, user);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			*id = i;
			return 0;
		}
	}
	return ctx_fail(ctx, -ENOSPC, "no free NVMe port id left in attachd's range %u-%u", NVMET_PORT_ID_MIN,
			NVMET_PORT_ID_MAX);
}

/* Each of x's --nvme-port addresses to a port: found (another tool's, or one of attachd's) or to be made. */
static int nvme_ports_resolve(struct call_ctx *ctx, struct rec_export *x)
{
	char user[ATTACH_UUID_LEN + 1];
	x->n_port_ids = 0;
	x->ports_made = 0;
	for (uint32_t i = 0; i < x->n_portals; i++) {
		char buf[ATTACH_PORTAL_MAX + 1];
		struct nvmet_addr a;
		uint32_t id = 0;
		unsigned found;
		int rc = nvme_portal_addr(x->portals[i], buf, sizeof(buf), &a);
		if (!rc)
			rc = nvmet_port_find(&ctx->a->cfs, &a, &found);
		if (rc == -ENOENT) {
			rc = nvme_port_pick(ctx, x, &id);
			x->ports_made |= rc ? 0 : 1u << i;
		} else if (!rc) {
			/* in attachd's range and no export of ours on it: left by an interrupted call, ours */
			id = found;
			if (id >= NVMET_PORT_ID_MIN && id <= NVMET_PORT_ID_MAX && (rc = nvme_port_user(ctx, id, user)) == 0)
				x->ports_made |= 1u << i;
			rc = rc < 0 ? rc : 0;
		}
		if (rc)
			return ctx->msg[0] ? rc : ctx_fail(ctx, rc, "NVMe port %s: %s", x->portals[i], strerror(-rc));
		x->port_ids[x->n_port_ids++] = id;
	}
	return 0;
}

/* The ports this export made and nobody else uses go with it; those others use are handed on. */
static int nvme_ports_release(struct call_ctx *ctx, const struct rec_export *x, uint32_t *remove)
{
	*remove = 0;
	for (uint32_t i = 0; i < x->n_port_ids; i++) {
		char user[ATTACH_UUID_LEN + 1];
		struct rec_export o;
		if (!(x->ports_made & (1u << i)))
			continue;
		int rc = nvme_port_user(ctx, x->port_ids[i], user);
		if (rc == 0) {
			*remove |= 1u << i;
			continue;
		}
		if (rc < 0 || (rc = store_get(ctx->a->store, ctx->txn, STORE_EXPORTS, user, &o)))
			return rc;
		for (uint32_t j = 0; j < o.n_port_ids; j++)
			if (o.port_ids[j] == x->port_ids[i])
				o.ports_made |= 1u << j;
		rc = store_put(ctx->a->store, ctx->txn, STORE_EXPORTS, user, &o);
		if (rc)
			return rc;
		plan_note(&ctx->plan, "NVMe port %u: kept for volume %s, which now owns it", x->port_ids[i], user);
	}
	return 0;
}

/* ---- the calls' NVMe parts */

int call_nvme_grant(struct call_ctx *ctx, const struct rec_acl *acl)
{
	struct rec_nvme_host h;
	bool host_new;
	int rc = nvme_host_ref(ctx, acl->initiator, &h, &host_new);
	if (!rc)
		rc = call_export(ctx, &ctx->plan.x);
	if (rc == -ENOENT) {
		rc = call_export_begin(ctx);
		if (!rc)
			rc = nvme_ports_resolve(ctx, &ctx->plan.x);
		if (!rc)
			rc = nvme_plan_create(&ctx->plan, &h, host_new);
		if (!rc)
			rc = store_put(ctx->a->store, ctx->txn, STORE_EXPORTS, ctx->vol.id, &ctx->plan.x);
	} else if (!rc && ctx->plan.x.down[0]) {
		rc = ctx_fail(ctx, -EMEDIUMTYPE, "volume %s: its export is down (%s); no access granted until its device "
			      "is back and reconcile has rebuilt it", ctx->vol.id, ctx->plan.x.down);
	} else if (!rc) {
		rc = nvme_plan_host_add(&ctx->plan, &h, host_new);
	}
	explicit_bzero(&h, sizeof(h));
	return rc;
}

int call_nvme_join(struct call_ctx *ctx, const struct rec_acl *acl)
{
	struct rec_nvme_host h;
	int rc = nvme_host_get(ctx, acl->initiator, &h);
	if (rc == -ENOENT)
		return ctx_fail(ctx, -EUCLEAN, "host %s has access to volume %s but no host record", acl->initiator,
				ctx->vol.id);
	if (!rc)
		rc = nvme_dh_check(ctx, &h);
	explicit_bzero(&h, sizeof(h));
	return rc;
}

int call_nvme_conninfo(struct call_ctx *ctx, const struct rec_acl *acl, const char *peer_ip)
{
	struct rec_nvme_host h;
	/* a dry run's host record may be a new one that the aborted transaction never kept */
	int rc = ctx->dry_run ? 0 : nvme_host_get(ctx, acl->initiator, &h);
	if (!rc && !ctx->dry_run)
		rc = reply_nvme_conninfo(ctx->body, &ctx->plan.x, &h, peer_ip);
	explicit_bzero(&h, sizeof(h));
	return rc;
}

int call_nvme_release(struct call_ctx *ctx, const struct rec_acl *acl, size_t n_acls)
{
	struct rec_nvme_host h;
	bool gone;
	uint32_t remove;
	int rc = nvme_host_unref(ctx, acl->initiator, &h, &gone);
	if (!rc && n_acls > 1)
		rc = nvme_plan_host_cut(&ctx->plan, &h, gone);
	else if (!rc && !(rc = nvme_ports_release(ctx, &ctx->plan.x, &remove)))
		rc = nvme_plan_teardown(&ctx->plan, &h, gone, remove);
	explicit_bzero(&h, sizeof(h));
	return rc;
}

int call_nvme_force_host(struct call_ctx *ctx, const struct rec_acl *acl)
{
	struct rec_nvme_host h;
	bool gone;
	int rc = nvme_host_unref(ctx, acl->initiator, &h, &gone);
	if (!rc)
		rc = plan_add_host(&ctx->plan, PLAN_NV_HOST_DISALLOW, &h);
	if (!rc && gone)
		rc = plan_add_host(&ctx->plan, PLAN_NV_HOST_REMOVE, &h);
	explicit_bzero(&h, sizeof(h));
	return rc;
}

int call_nvme_force_teardown(struct call_ctx *ctx)
{
	uint32_t remove;
	int rc = nvme_ports_release(ctx, &ctx->plan.x, &remove);
	return rc ? rc : nvme_plan_teardown(&ctx->plan, NULL, false, remove);
}
