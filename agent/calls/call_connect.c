/* SPDX-License-Identifier: Apache-2.0 */
/*
 * call_connect.c: initialize_connection and terminate_connection, the calls that change the kernel.
 *
 * Access is per (volume, initiator): one ACL with its own CHAP credentials, reference-counted by the
 * connections that use it (Cinder LP#1786327: two instances on one host share an initiator). A
 * connection is counted once: when initialize_connection binds the volume's reserved attachment to the
 * initiator, or when an initiator with no access connects to an in-use volume (live migration). Any other
 * repeat is a retry: it changes nothing and returns the same credentials. terminate_connection releases
 * one reference; the ACL goes at zero (dropping that initiator's sessions) and the export with the last
 * ACL. --force removes every ACL and the export at once.
 *
 * Each connection has a mode: its reserved attachment's (fixed at reserve), or for a connection with no
 * reservation (live migration) read-only when every attached attachment of the volume is. The ACL is
 * read-only (its mapped LUN write-protected) while every connection that made or joined it was; a
 * read-write one makes it read-write for the rest of its life (the initiator's host shares one session:
 * a read-only instance beside a read-write one is held read-only by its hypervisor). Mutual CHAP: the
 * target's credentials are drawn when a connection first asks for them and stay with the ACL.
 */
#include "calls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "chap.h"
#include "nvme_plan.h"

/* An ACL record on the stack holds a CHAP secret: wiped on every way out of its scope. */
static void call_acl_wipe(struct rec_acl *acl)
{
	explicit_bzero(acl, sizeof(*acl));
}
#define ACL_LOCAL __attribute__((cleanup(call_acl_wipe))) struct rec_acl

/* The target's credentials for mutual CHAP, once per ACL. */
static int call_acl_mutual(struct call_ctx *ctx, struct rec_acl *acl)
{
	int rc = chap_random(acl->username_in, sizeof(acl->username_in));
	if (!rc)
		rc = chap_random(acl->password_in, sizeof(acl->password_in));
	if (rc)
		return ctx_fail(ctx, rc, "cannot draw mutual CHAP credentials: %s", strerror(-rc));
	return 0;
}

/* A new ACL record for @ini, with fresh credentials. */
static int call_acl_new(struct call_ctx *ctx, const char *ini, uint8_t mode, struct rec_acl *acl)
{
	memset(acl, 0, sizeof(*acl));
	snprintf(acl->volume_id, sizeof(acl->volume_id), "%s", ctx->vol.id);
	snprintf(acl->initiator, sizeof(acl->initiator), "%s", ini);
	/* an NVMe host's secrets are its host record's (call_nvme.c), not the ACL's */
	int rc = CALL_NVME(ctx) ? 0 : chap_random(acl->username, sizeof(acl->username));
	if (!rc && !CALL_NVME(ctx))
		rc = chap_random(acl->password, sizeof(acl->password));
	if (rc)
		return ctx_fail(ctx, rc, "cannot draw CHAP credentials: %s", strerror(-rc));
	if (ctx->tb[ATTACH_A_HOST])
		snprintf(acl->host, sizeof(acl->host), "%s", nla_get_string(ctx->tb[ATTACH_A_HOST]));
	if (ctx->tb[ATTACH_A_IP])
		snprintf(acl->ip, sizeof(acl->ip), "%s", nla_get_string(ctx->tb[ATTACH_A_IP]));
	acl->mapped_lun = 0;
	acl->mode = mode;
	acl->created = call_now();
	return ctx->tb[ATTACH_A_MUTUAL_CHAP] && !CALL_NVME(ctx) ? call_acl_mutual(ctx, acl) : 0;
}

int call_export_begin(struct call_ctx *ctx)
{
	struct store *s = ctx->a->store;
	struct rec_volume *v = &ctx->vol;
	struct rec_export *x = &ctx->plan.x;
	size_t exports;
	char why[ATTACH_MESSAGE_MAX - 96];
	int rc = store_count(s, ctx->txn, STORE_EXPORTS, &exports);
	if (rc)
		return rc;
	if (exports >= ctx->a->cfg.max_exports)
		return ctx_fail(ctx, -EDQUOT, "%zu volumes exported: the limit (--max-exports) is %u", exports,
				ctx->a->cfg.max_exports);
	rc = CALL_NVME(ctx) ? nvme_prepare(ctx->a, v, x, why, sizeof(why)) : export_prepare(ctx->a, v, x, why, sizeof(why));
	if (rc)
		return ctx_fail(ctx, rc, "volume %s: %s; not exported", v->id, why);
	x->created = call_now();
	if (x->size && x->size < v->size)
		return ctx_fail(ctx, -EINVAL, "volume %s: its device shrank from %llu to %llu bytes since it was "
				"registered: attachd does not export a smaller disk", v->id, (unsigned long long)v->size,
				(unsigned long long)x->size);
	if (x->size && x->size != v->size) {
		plan_note(&ctx->plan, "volume %s: size %llu -> %llu bytes (the device's, as exported)", v->id,
			  (unsigned long long)v->size, (unsigned long long)x->size);
		v->size = x->size;
		rc = store_put(s, ctx->txn, STORE_VOLUMES, v->id, v);
	}
	if (!rc)
		plan_note(&ctx->plan, "export %s: created", x->target_iqn);
	return rc;
}

/* The volume's first iSCSI export, with @acl as its first initiator. */
static int call_export_new(struct call_ctx *ctx, const struct rec_acl *acl)
{
	int rc = call_export_begin(ctx);
	if (!rc)
		rc = export_plan_create(&ctx->plan, acl);
	return rc ? rc : store_put(ctx->a->store, ctx->txn, STORE_EXPORTS, ctx->vol.id, &ctx->plan.x);
}

/* A new initiator's access: a new export, or an ACL on the existing one (which must be up). */
static int call_grant(struct call_ctx *ctx, const char *ini, uint8_t mode, struct rec_acl *acl)
{
	int rc = call_acl_new(ctx, ini, mode, acl);
	if (rc || CALL_NVME(ctx))
		return rc ? rc : call_nvme_grant(ctx, acl);
	rc = call_export(ctx, &ctx->plan.x);
	if (rc == -ENOENT)
		return call_export_new(ctx, acl);
	if (rc)
		return rc;
	if (ctx->plan.x.down[0])
		return ctx_fail(ctx, -EMEDIUMTYPE, "volume %s: its export is down (%s); no access granted until its "
				"device is back and reconcile has rebuilt it", ctx->vol.id, ctx->plan.x.down);
	return export_plan_acl_add(&ctx->plan, acl);
}

/* Does this call count a new connection on @ini's access? It binds the reserved attachment, if any, which
 * @res receives (res->id "" when there is none). */
static int call_bind(struct call_ctx *ctx, const char *ini, bool have_acl, const struct rec_acl *acl, bool *count,
		     struct rec_attachment *res)
{
	struct rec_attachment att;
	int rc = call_reserved(ctx, &att);
	res->id[0] = '\0';
	if (rc && rc != -ENOENT)
		return rc;
	bool have_att = rc == 0;
	if (have_att && att.connected && strcasecmp(att.initiator, ini))
		return ctx_fail(ctx, -EBUSY,
				"the reserved attachment %s of volume %s is already connected to %s; "
				"terminate-connection or unreserve first", att.id, ctx->vol.id, att.initiator);
	if (have_att)
		*res = att;
	/* counted: the reservation's first connection, or a new initiator (e.g. live migration target) */
	*count = !have_acl || (have_att && !att.connected);
	if (!have_att || att.connected)
		return 0;
	att.connected = 1;
	snprintf(att.initiator, sizeof(att.initiator), "%s", have_acl ? acl->initiator : ini);
	rc = call_put_attachment(ctx, &att);
	if (!rc)
		plan_note(&ctx->plan, "attachment %s: connected through %s", att.id, att.initiator);
	return rc;
}

static int call_attached_ro_visit(const char *key, void *rec, void *arg)
{
	const struct rec_attachment *att = rec;
	int *seen = arg;
	(void)key;
	if (att->state != ATTACH_ATT_ATTACHED)
		return 0;
	if (att->mode != ATTACH_MODE_RO)
		return 1;
	*seen = 1;
	return 0;
}

/* A connection's mode: its reservation's; without one (live migration), read-only when the volume's
 * attached attachments all are (and there is one). */
static int call_conn_mode(struct call_ctx *ctx, const struct rec_attachment *res, uint8_t *mode)
{
	char prefix[ATTACH_UUID_LEN + 2];
	struct rec_attachment buf;
	int seen = 0;
	if (res->id[0]) {
		*mode = res->mode;
		return 0;
	}
	snprintf(prefix, sizeof(prefix), "%s/", ctx->vol.id);
	int rc = store_scan(ctx->a->store, ctx->txn, STORE_ATTACHMENTS, prefix, &buf, call_attached_ro_visit, &seen);
	if (rc < 0)
		return rc;
	*mode = rc == 0 && seen ? ATTACH_MODE_RO : ATTACH_MODE_RW;
	return 0;
}

/* An existing ACL that a connection joins: read-write when it is, the target's credentials when it asks. */
static int call_acl_join(struct call_ctx *ctx, struct rec_acl *acl, uint8_t mode, bool count)
{
	if (CALL_NVME(ctx))
		return call_nvme_join(ctx, acl);
	int rc = 0;
	if (count && mode == ATTACH_MODE_RW && acl->mode == ATTACH_MODE_RO) {
		acl->mode = ATTACH_MODE_RW;
		rc = plan_add(&ctx->plan, PLAN_MAPPED_LUN_UNPROTECT, acl, NULL);
		if (!rc)
			plan_note(&ctx->plan, "ACL %s: read-write (a read-write connection joins it)", acl->initiator);
	}
	if (!rc && ctx->tb[ATTACH_A_MUTUAL_CHAP] && !acl->username_in[0]) {
		rc = call_acl_mutual(ctx, acl);
		if (!rc)
			rc = plan_add(&ctx->plan, PLAN_ACL_MUTUAL_SET, acl, NULL);
		if (!rc)
			plan_note(&ctx->plan, "ACL %s: mutual CHAP credentials drawn", acl->initiator);
	}
	return rc;
}

/* The reply: the connection info (a dry run's credentials would never exist: it returns the plan). */
static int call_conninfo(struct call_ctx *ctx, const struct rec_acl *acl, uint8_t mode)
{
	if (ctx->dry_run)
		return 0;
	struct reply_conn how = {
		.peer_ip = ctx->tb[ATTACH_A_IP] ? nla_get_string(ctx->tb[ATTACH_A_IP]) : NULL,
		/* what the kernel enforces wins: a read-only ACL is read-only for every connection on it */
		.mode = acl->mode == ATTACH_MODE_RO ? ATTACH_MODE_RO : mode,
		.mutual = ctx->tb[ATTACH_A_MUTUAL_CHAP] != NULL,
		.disc = &ctx->a->disc,
	};
	const char *ip = how.peer_ip;
	int rc = CALL_NVME(ctx) ? call_nvme_conninfo(ctx, acl, ip) : reply_conninfo(ctx->body, &ctx->plan.x, acl, &how);
	if (rc == -EDESTADDRREQ)
		return ctx_fail(ctx, -EINVAL, "a wildcard %s listens everywhere: initialize-connection needs the "
				"connector's ip to advertise the address that reaches it", CALL_NVME(ctx) ? "NVMe port" : "portal");
	if (rc == -EAFNOSUPPORT || rc == -ENETUNREACH)
		return ctx_fail(ctx, -EINVAL, "no %s address reaches the connector's ip %s",
				CALL_NVME(ctx) ? "NVMe port" : "portal", ip);
	return rc;
}

/* The initiator's ACL record: @have receives whether there is one. */
static int call_acl_get(struct call_ctx *ctx, const char *ini, char *key, size_t keysize, struct rec_acl *acl,
			bool *have)
{
	int rc = call_acl_key(key, keysize, ctx->vol.id, ini);
	if (!rc)
		rc = store_get(ctx->a->store, ctx->txn, STORE_ACLS, key, acl);
	*have = rc == 0;
	return rc == -ENOENT ? 0 : rc;
}

/* The export the connection leads to, loaded when no step planned it; it must be up. */
static int call_export_up(struct call_ctx *ctx, const char *ini)
{
	if (ctx->plan.x.target_iqn[0] == '\0') {
		int rc = call_export(ctx, &ctx->plan.x);
		if (rc == -ENOENT)
			return ctx_fail(ctx, -EUCLEAN, "volume %s: initiator %s has access but the export record is missing; "
					"run terminate-connection --force", ctx->vol.id, ini);
		if (rc)
			return rc;
	}
	if (ctx->plan.x.down[0])
		return ctx_fail(ctx, -EMEDIUMTYPE, "volume %s: its export is down (%s): the connection info would lead "
				"nowhere until its device is back and reconcile has rebuilt it", ctx->vol.id, ctx->plan.x.down);
	return 0;
}

/* Who connects: the initiator of an iSCSI volume, the host NQN of an nvme-tcp one (the other refused, with
 * the options of the other transport). With --force (@optional) neither is needed: *@who NULL. */
static int call_who(struct call_ctx *ctx, bool optional, const char **who)
{
	struct nlattr **tb = ctx->tb;
	bool nvme = CALL_NVME(ctx);
	struct nlattr *mine = tb[nvme ? ATTACH_A_NQN : ATTACH_A_INITIATOR];
	*who = mine ? nla_get_string(mine) : NULL;
	if (nvme && tb[ATTACH_A_INITIATOR])
		return ctx_fail(ctx, -EINVAL, "volume %s is exported over NVMe/TCP: name the connector by its host NQN "
				"(nqn), not by an iSCSI initiator", ctx->vol.id);
	if (!nvme && (tb[ATTACH_A_NQN] || tb[ATTACH_A_DHCHAP]))
		return ctx_fail(ctx, -EINVAL, "volume %s is exported over iSCSI: name the connector by its initiator "
				"(iqn.), not by an NVMe host NQN, and ask for CHAP, not DH-HMAC-CHAP", ctx->vol.id);
	if (!mine && !optional)
		return ctx_fail(ctx, -EINVAL, "volume %s is exported over %s: %s needs the connector's %s", ctx->vol.id,
				nvme ? "NVMe/TCP" : "iSCSI", ctx->call->name, nvme ? "host NQN (nqn)" : "initiator");
	return 0;
}

/* An NVMe host's access is the host's whole: nvmet has no per-host read-only namespace. */
static int call_nvme_mode(struct call_ctx *ctx, uint8_t mode)
{
	if (!CALL_NVME(ctx) || mode != ATTACH_MODE_RO)
		return 0;
	return ctx_fail(ctx, -EINVAL, "volume %s is exported over NVMe/TCP, which has no per-host read-only access: "
			"a read-only attachment cannot be connected (reserve it read-write)", ctx->vol.id);
}

int call_initialize_connection(struct call_ctx *ctx)
{
	const char *ini;
	char key[ATTACH_UUID_LEN + ATTACH_IQN_MAX + 2];
	struct rec_attachment res;
	ACL_LOCAL acl;
	bool count = false, have_acl = false;
	uint8_t mode;

	int rc = call_who(ctx, false, &ini);
	if (!rc)
		rc = call_acl_get(ctx, ini, key, sizeof(key), &acl, &have_acl);
	if (!rc && have_acl && CALL_NVME(ctx) && strcmp(acl.initiator, ini))
		rc = ctx_fail(ctx, -EEXIST, "host NQN %s differs from %s, which has access to volume %s, only in case: "
			      "attachd keeps one of them", ini, acl.initiator, ctx->vol.id);
	if (!rc)
		rc = call_bind(ctx, ini, have_acl, &acl, &count, &res);
	if (!rc)
		rc = call_conn_mode(ctx, &res, &mode);
	if (!rc)
		rc = call_nvme_mode(ctx, mode);
	if (!rc)
		rc = have_acl ? call_acl_join(ctx, &acl, mode, count) : call_grant(ctx, ini, mode, &acl);
	if (rc)
		return rc;
	if (count) {
		acl.refs++;
		acl.released = 0; /* a new connection: the next terminate is not a retry */
		plan_note(&ctx->plan, "ACL %s: %u connection(s)", acl.initiator, acl.refs);
	}
	if (count || plan_kernel_steps(&ctx->plan) > 0)
		rc = store_put(ctx->a->store, ctx->txn, STORE_ACLS, key, &acl);
	if (!rc)
		rc = call_export_up(ctx, ini);
	if (!rc)
		rc = call_conninfo(ctx, &acl, mode);
	if (rc)
		return rc;
	ctx_say(ctx, "volume %s: %s %s %s through %s (%s)", ctx->vol.id, CALL_NVME(ctx) ? "host" : "initiator", ini,
		count ? (have_acl ? "connected again" : "granted access") : "already connected (retry)",
		ctx->plan.x.target_iqn, proto_mode_name(acl.mode == ATTACH_MODE_RO ? ATTACH_MODE_RO : mode));
	return 0;
}

struct call_force {
	struct call_ctx *ctx;
};

static int call_force_visit(const char *key, void *rec, void *arg)
{
	struct call_force *f = arg;
	const struct rec_acl *acl = rec;
	int rc = CALL_NVME(f->ctx) ? call_nvme_force_host(f->ctx, acl) : export_plan_acl_remove(&f->ctx->plan, acl);
	if (!rc)
		rc = store_del(f->ctx->a->store, f->ctx->txn, STORE_ACLS, key);
	return rc;
}

struct call_disconnect {
	struct call_ctx *ctx;
	const char *initiator; /* NULL: every attachment */
	bool one;              /* stop after the first */
	int n;
};

static int call_disconnect_visit(const char *key, void *rec, void *arg)
{
	struct call_disconnect *d = arg;
	struct rec_attachment *att = rec;
	if (!att->connected || (d->initiator && strcasecmp(att->initiator, d->initiator)))
		return 0;
	att->connected = 0;
	d->n++;
	int rc = store_put(d->ctx->a->store, d->ctx->txn, STORE_ATTACHMENTS, key, att);
	return rc ? rc : (d->one ? 1 : 0);
}

/* Attachments that held a reference on the released access no longer do. */
static int call_disconnect(struct call_ctx *ctx, const char *initiator)
{
	char prefix[ATTACH_UUID_LEN + 2];
	struct rec_attachment buf;
	struct rec_attachment res;
	struct call_disconnect d = { ctx, initiator, initiator != NULL, 0 };
	snprintf(prefix, sizeof(prefix), "%s/", ctx->vol.id);
	/* a pending reservation's connection is the one a terminate during attaching aborts */
	if (initiator && call_reserved(ctx, &res) == 0 && res.connected && !strcasecmp(res.initiator, initiator)) {
		res.connected = 0;
		return call_put_attachment(ctx, &res);
	}
	int rc = store_scan(ctx->a->store, ctx->txn, STORE_ATTACHMENTS, prefix, &buf, call_disconnect_visit, &d);
	return rc == 1 ? 0 : rc;
}

static int call_terminate_force(struct call_ctx *ctx)
{
	char prefix[ATTACH_UUID_LEN + 2];
	struct rec_acl buf;
	const char *who;
	size_t n;
	int rc = call_who(ctx, true, &who);
	if (!rc)
		rc = call_export(ctx, &ctx->plan.x);
	if (rc == -ENOENT)
		return ctx_fail(ctx, -ENOENT, "volume %s is not exported", ctx->vol.id);
	if (!rc)
		rc = call_acl_count(ctx, &n);
	if (rc)
		return rc;
	/* fence first: from here on a stuck initiator's I/O fails, whatever the teardown meets. An export
	 * that is down is not built, or fenced already (reconcile): it is torn down as it is */
	if (ctx->plan.x.dm_name[0] && !ctx->plan.x.down[0] && (rc = plan_add(&ctx->plan, PLAN_DM_FENCE, NULL, NULL)))
		return rc;
	struct call_force f = { ctx };
	snprintf(prefix, sizeof(prefix), "%s/", ctx->vol.id);
	rc = store_scan(ctx->a->store, ctx->txn, STORE_ACLS, prefix, &buf, call_force_visit, &f);
	explicit_bzero(&buf, sizeof(buf));
	if (!rc)
		rc = CALL_NVME(ctx) ? call_nvme_force_teardown(ctx) : export_plan_teardown(&ctx->plan);
	if (!rc)
		rc = store_del(ctx->a->store, ctx->txn, STORE_EXPORTS, ctx->vol.id);
	if (!rc)
		rc = call_disconnect(ctx, NULL);
	if (rc)
		return rc;
	plan_note(&ctx->plan, "export %s: removed with %zu initiator(s)", ctx->plan.x.target_iqn, n);
	ctx_say(ctx, "volume %s: forced teardown of %s (%zu initiator(s) removed)", ctx->vol.id,
		ctx->plan.x.target_iqn, n);
	return 0;
}

/* Has any attachment of the volume been connected through @ini (and released since)? */
static int call_ini_seen_visit(const char *key, void *rec, void *arg)
{
	const struct rec_attachment *att = rec;
	(void)key;
	return att->initiator[0] && !strcasecmp(att->initiator, (const char *)arg) ? 1 : 0;
}

/* terminate-connection --attachment: release exactly that attachment's connection (a retry: nothing). */
static int call_terminate_attachment(struct call_ctx *ctx, const char *ini, struct rec_acl *acl, bool have_acl)
{
	const char *id = nla_get_string(ctx->tb[ATTACH_A_ATTACHMENT_ID]);
	char akey[2 * ATTACH_UUID_LEN + 2];
	struct rec_attachment att;
	int rc = call_attachment_key(akey, sizeof(akey), ctx->vol.id, id);
	if (!rc)
		rc = store_get(ctx->a->store, ctx->txn, STORE_ATTACHMENTS, akey, &att);
	if (rc == -ENOENT)
		return ctx_fail(ctx, -ENOENT, "volume %s has no attachment %s", ctx->vol.id, id);
	if (rc)
		return rc;
	if (strcasecmp(att.initiator, ini))
		return ctx_fail(ctx, -EINVAL, "attachment %s of volume %s is not connected through %s%s%s", id,
				ctx->vol.id, ini, att.initiator[0] ? " but through " : "", att.initiator);
	if (!att.connected || !have_acl) {
		ctx_say(ctx, "volume %s: the connection of attachment %s through %s was already terminated (retry): "
			"nothing changed", ctx->vol.id, id, ini);
		return 0;
	}
	att.connected = 0;
	acl->released = 0; /* exact: the next terminate without an attachment is not a retry of this one */
	rc = call_put_attachment(ctx, &att);
	if (!rc)
		rc = call_acl_release(ctx, acl);
	return rc;
}

int call_terminate_connection(struct call_ctx *ctx)
{
	struct nlattr **tb = ctx->tb;
	if (tb[ATTACH_A_FORCE])
		return call_terminate_force(ctx);
	const char *ini;
	char key[ATTACH_UUID_LEN + ATTACH_IQN_MAX + 2];
	ACL_LOCAL acl;
	int rc = call_who(ctx, false, &ini);
	if (!rc)
		rc = call_acl_key(key, sizeof(key), ctx->vol.id, ini);
	if (!rc)
		rc = store_get(ctx->a->store, ctx->txn, STORE_ACLS, key, &acl);
	if (rc && rc != -ENOENT)
		return rc;
	bool have_acl = rc == 0;
	uint32_t left = have_acl && acl.refs > 0 ? acl.refs - 1 : 0;
	if (tb[ATTACH_A_ATTACHMENT_ID]) {
		rc = call_terminate_attachment(ctx, ini, &acl, have_acl);
		if (rc || ctx->msg[0])
			return rc;
	} else if (!have_acl) {
		/* gone already: a retry after the last reference went, or an initiator that never connected */
		char prefix[ATTACH_UUID_LEN + 2];
		struct rec_attachment buf;
		snprintf(prefix, sizeof(prefix), "%s/", ctx->vol.id);
		rc = store_scan(ctx->a->store, ctx->txn, STORE_ATTACHMENTS, prefix, &buf, call_ini_seen_visit, (void *)ini);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return ctx_fail(ctx, -ENOENT, "initiator %s has no access to volume %s", ini, ctx->vol.id);
		ctx_say(ctx, "volume %s: the access of initiator %s was already removed (retry): nothing changed",
			ctx->vol.id, ini);
		return 0;
	} else if (acl.released && acl.released_gen == ctx->vol.gen) {
		/* this initiator's last terminate released a reference and nothing happened to the volume since:
		 * this is that call again (its reply was lost); releasing another would cut off a connection
		 * that still holds one (another attachment on the same host) */
		ctx_say(ctx, "volume %s: initiator %s keeps access (%u connection(s)): its last terminate-connection "
			"already released one and nothing changed since (retry)", ctx->vol.id, ini, acl.refs);
		return 0;
	} else {
		acl.released = 1;
		acl.released_gen = ctx->vol.gen;
		rc = call_acl_release(ctx, &acl);
		if (!rc)
			rc = call_disconnect(ctx, ini);
		if (rc)
			return rc;
	}
	if (left) {
		ctx_say(ctx, "volume %s: initiator %s keeps access (%u connection(s) left)", ctx->vol.id, ini, left);
		return 0;
	}
	struct rec_export x;
	rc = call_export(ctx, &x);
	if (rc && rc != -ENOENT)
		return rc;
	ctx_say(ctx, "volume %s: access of %s %s removed%s", ctx->vol.id, CALL_NVME(ctx) ? "host" : "initiator", ini,
		rc == -ENOENT ? "; export removed" : CALL_NVME(ctx) ? "; the host cut off (the others reconnect)" : "");
	return 0;
}
