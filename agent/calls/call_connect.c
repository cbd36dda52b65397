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
 */
#include "calls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "chap.h"

/* An ACL record on the stack holds a CHAP secret: wiped on every way out of its scope. */
static void call_acl_wipe(struct rec_acl *acl)
{
	explicit_bzero(acl, sizeof(*acl));
}
#define ACL_LOCAL __attribute__((cleanup(call_acl_wipe))) struct rec_acl

/* A new ACL record for @ini, with fresh credentials. */
static int call_acl_new(struct call_ctx *ctx, const char *ini, struct rec_acl *acl)
{
	memset(acl, 0, sizeof(*acl));
	snprintf(acl->volume_id, sizeof(acl->volume_id), "%s", ctx->vol.id);
	snprintf(acl->initiator, sizeof(acl->initiator), "%s", ini);
	int rc = chap_random(acl->username, sizeof(acl->username));
	if (!rc)
		rc = chap_random(acl->password, sizeof(acl->password));
	if (rc)
		return ctx_fail(ctx, rc, "cannot draw CHAP credentials: %s", strerror(-rc));
	if (ctx->tb[ATTACH_A_HOST])
		snprintf(acl->host, sizeof(acl->host), "%s", nla_get_string(ctx->tb[ATTACH_A_HOST]));
	if (ctx->tb[ATTACH_A_IP])
		snprintf(acl->ip, sizeof(acl->ip), "%s", nla_get_string(ctx->tb[ATTACH_A_IP]));
	acl->mapped_lun = 0;
	acl->created = call_now();
	return 0;
}

/* The volume's first export, with @acl as its first initiator: the disk checked, the size noted. */
static int call_export_new(struct call_ctx *ctx, const struct rec_acl *acl)
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
	rc = export_prepare(ctx->a, v, x, why, sizeof(why));
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
		rc = export_plan_create(&ctx->plan, acl);
	if (!rc)
		rc = store_put(s, ctx->txn, STORE_EXPORTS, v->id, x);
	if (!rc)
		plan_note(&ctx->plan, "export %s: created", x->target_iqn);
	return rc;
}

/* A new initiator's access: a new export, or an ACL on the existing one (which must be up). */
static int call_grant(struct call_ctx *ctx, const char *ini, struct rec_acl *acl)
{
	int rc = call_acl_new(ctx, ini, acl);
	if (rc)
		return rc;
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

/* Does this call count a new connection on @ini's access? It binds the reserved attachment, if any. */
static int call_bind(struct call_ctx *ctx, const char *ini, bool have_acl, const struct rec_acl *acl, bool *count)
{
	struct rec_attachment att;
	int rc = call_reserved(ctx, &att);
	if (rc && rc != -ENOENT)
		return rc;
	bool have_att = rc == 0;
	if (have_att && att.connected && strcasecmp(att.initiator, ini))
		return ctx_fail(ctx, -EBUSY,
				"the reserved attachment %s of volume %s is already connected to %s; "
				"terminate-connection or unreserve first", att.id, ctx->vol.id, att.initiator);
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

/* The reply: the connection info (a dry run's credentials would never exist: it returns the plan). */
static int call_conninfo(struct call_ctx *ctx, const struct rec_acl *acl)
{
	if (ctx->dry_run)
		return 0;
	const char *ip = ctx->tb[ATTACH_A_IP] ? nla_get_string(ctx->tb[ATTACH_A_IP]) : NULL;
	int rc = reply_conninfo(ctx->body, &ctx->plan.x, acl, ip, &ctx->a->disc);
	if (rc == -EDESTADDRREQ)
		return ctx_fail(ctx, -EINVAL, "a wildcard portal listens everywhere: initialize-connection needs the "
				"connector's ip to advertise the address that reaches it");
	if (rc == -EAFNOSUPPORT || rc == -ENETUNREACH)
		return ctx_fail(ctx, -EINVAL, "no portal address reaches the connector's ip %s", ip);
	return rc;
}

int call_initialize_connection(struct call_ctx *ctx)
{
	struct store *s = ctx->a->store;
	const char *ini = nla_get_string(ctx->tb[ATTACH_A_INITIATOR]);
	char key[ATTACH_UUID_LEN + ATTACH_IQN_MAX + 2];
	ACL_LOCAL acl;
	bool count = false;

	int rc = call_acl_key(key, sizeof(key), ctx->vol.id, ini);
	if (!rc)
		rc = store_get(s, ctx->txn, STORE_ACLS, key, &acl);
	if (rc && rc != -ENOENT)
		return rc;
	bool have_acl = rc == 0;
	rc = call_bind(ctx, ini, have_acl, &acl, &count);
	if (!rc && !have_acl)
		rc = call_grant(ctx, ini, &acl);
	if (rc)
		return rc;
	if (count) {
		acl.refs++;
		acl.released = 0; /* a new connection: the next terminate is not a retry */
		plan_note(&ctx->plan, "ACL %s: %u connection(s)", acl.initiator, acl.refs);
		rc = store_put(s, ctx->txn, STORE_ACLS, key, &acl);
		if (rc)
			return rc;
	}
	if (ctx->plan.x.target_iqn[0] == '\0') {
		rc = call_export(ctx, &ctx->plan.x);
		if (rc == -ENOENT)
			return ctx_fail(ctx, -EUCLEAN, "volume %s: initiator %s has access but the export record is missing; "
					"run terminate-connection --force", ctx->vol.id, ini);
		if (rc)
			return rc;
	}
	if (ctx->plan.x.down[0])
		return ctx_fail(ctx, -EMEDIUMTYPE, "volume %s: its export is down (%s): the connection info would lead "
				"nowhere until its device is back and reconcile has rebuilt it", ctx->vol.id, ctx->plan.x.down);
	rc = call_conninfo(ctx, &acl);
	if (rc)
		return rc;
	ctx_say(ctx, "volume %s: initiator %s %s through %s", ctx->vol.id, ini,
		count ? (have_acl ? "connected again" : "granted access") : "already connected (retry)",
		ctx->plan.x.target_iqn);
	return 0;
}

struct call_force {
	struct call_ctx *ctx;
};

static int call_force_visit(const char *key, void *rec, void *arg)
{
	struct call_force *f = arg;
	const struct rec_acl *acl = rec;
	int rc = export_plan_acl_remove(&f->ctx->plan, acl);
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
	size_t n;
	int rc = call_export(ctx, &ctx->plan.x);
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
		rc = export_plan_teardown(&ctx->plan);
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
	const char *ini = nla_get_string(tb[ATTACH_A_INITIATOR]);
	char key[ATTACH_UUID_LEN + ATTACH_IQN_MAX + 2];
	ACL_LOCAL acl;
	int rc = call_acl_key(key, sizeof(key), ctx->vol.id, ini);
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
	ctx_say(ctx, "volume %s: access of initiator %s removed%s", ctx->vol.id, ini,
		rc == -ENOENT ? "; export removed" : "");
	return 0;
}
