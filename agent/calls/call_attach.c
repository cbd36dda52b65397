/* SPDX-License-Identifier: Apache-2.0 */
/*
 * call_attach.c: the state-machine calls (Cinder's states: docs/PROTOCOL.md, 11.1 and 8.16): reserve /
 * unreserve, attach, begin_detaching / roll_detaching, detach. Reserve makes a "reserved" attachment record (what
 * Cinder's attachment_create does); attach completes it; detach drops an attached one. Only unreserve
 * may touch the kernel: it releases the connection initialize_connection made for the reservation.
 */
#include "calls.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int call_del_attachment(struct call_ctx *ctx, const struct rec_attachment *att)
{
	char key[2 * ATTACH_UUID_LEN + 2];
	int rc = call_attachment_key(key, sizeof(key), ctx->vol.id, att->id);
	return rc ? rc : store_del(ctx->a->store, ctx->txn, STORE_ATTACHMENTS, key);
}

/* A call found the volume in the state its own success leaves: say what is there (EALREADY), with the
 * attachment's id in the reply too, for a caller that lost the first reply. */
static int call_already(struct call_ctx *ctx, const char *att_id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int call_already(struct call_ctx *ctx, const char *att_id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx->msg, sizeof(ctx->msg), fmt, ap);
	va_end(ap);
	if (att_id && !proto_put_str(ctx->body, ATTACH_A_ATTACHMENT_ID, att_id))
		ctx->body_on_error = true;
	return -EALREADY;
}

int call_reserve(struct call_ctx *ctx)
{
	struct rec_volume *v = &ctx->vol;
	struct rec_attachment res;
	if (v->state == ATTACH_STATE_ATTACHING) {
		int rc = call_reserved(ctx, &res);
		if (rc)
			return rc == -ENOENT ? ctx_fail(ctx, -EBADFD, "volume %s is attaching but has no reserved "
							"attachment", v->id) : rc;
		return call_already(ctx, res.id, "volume %s is already reserved (%s): attachment %s. If this is a reserve "
				    "whose reply was lost, that attachment is yours; unreserve drops it", v->id,
				    proto_mode_name(res.mode), res.id);
	}
	if (v->state == ATTACH_STATE_IN_USE && !v->multiattach)
		return ctx_fail(ctx, -EBADFD, "volume %s is in-use and not multiattach; reserve expects available", v->id);
	/* the mode is fixed here, as Cinder's attachment_create fixes it: initialize_connection maps the LUN so */
	uint8_t mode = ctx->tb[ATTACH_A_MODE] ? nla_get_u8(ctx->tb[ATTACH_A_MODE]) : ATTACH_MODE_RW;
	struct rec_attachment att = { .state = ATTACH_ATT_RESERVED, .mode = mode };
	v->last_detached[0] = '\0'; /* a new attach cycle: a detach now is no retry of the last one */
	call_new_uuid(att.id);
	snprintf(att.volume_id, sizeof(att.volume_id), "%s", v->id);
	att.created = call_now();
	int rc = call_put_attachment(ctx, &att);
	if (!rc)
		rc = ctx_set_state(ctx, ATTACH_STATE_ATTACHING);
	if (!rc)
		rc = proto_put_str(ctx->body, ATTACH_A_ATTACHMENT_ID, att.id);
	if (rc)
		return rc;
	plan_note(&ctx->plan, "attachment %s: reserved (%s)", att.id, proto_mode_name(att.mode));
	ctx_say(ctx, "volume %s reserved: attachment %s (%s)", v->id, att.id, proto_mode_name(att.mode));
	return 0;
}

/* After the pending attachment goes: in-use while attached ones remain, else available. */
static int call_settle_state(struct call_ctx *ctx)
{
	size_t attached;
	int rc = call_attachments(ctx, ATTACH_ATT_ATTACHED, &attached, NULL);
	return rc ? rc : ctx_set_state(ctx, attached ? ATTACH_STATE_IN_USE : ATTACH_STATE_AVAILABLE);
}

int call_unreserve(struct call_ctx *ctx)
{
	struct rec_attachment att;
	int rc = call_reserved(ctx, &att);
	if (rc == -ENOENT)
		return ctx_fail(ctx, -EBADFD, "volume %s is attaching but has no reserved attachment", ctx->vol.id);
	if (rc)
		return rc;
	/* a connection made for this reservation and not terminated is released with it */
	if (att.connected) {
		struct rec_acl acl;
		char key[ATTACH_UUID_LEN + ATTACH_IQN_MAX + 2];
		rc = call_acl_key(key, sizeof(key), ctx->vol.id, att.initiator);
		if (!rc)
			rc = store_get(ctx->a->store, ctx->txn, STORE_ACLS, key, &acl);
		if (!rc)
			rc = call_acl_release(ctx, &acl);
		explicit_bzero(&acl, sizeof(acl));
		if (rc && rc != -ENOENT)
			return rc;
	}
	rc = call_del_attachment(ctx, &att);
	if (!rc)
		rc = call_settle_state(ctx);
	if (rc)
		return rc;
	plan_note(&ctx->plan, "attachment %s: dropped", att.id);
	ctx_say(ctx, "volume %s unreserved (attachment %s dropped)", ctx->vol.id, att.id);
	return 0;
}

/* Is @att what this attach request asks for? */
static bool call_attach_same(struct call_ctx *ctx, const struct rec_attachment *att)
{
	struct nlattr **tb = ctx->tb;
	return !strcmp(att->instance, nla_get_string(tb[ATTACH_A_INSTANCE])) &&
	       !strcmp(att->host, nla_get_string(tb[ATTACH_A_HOST])) &&
	       !strcmp(att->mountpoint, nla_get_string(tb[ATTACH_A_MOUNTPOINT])) &&
	       (!tb[ATTACH_A_MODE] || att->mode == nla_get_u8(tb[ATTACH_A_MODE]));
}

struct call_attached_find {
	struct call_ctx *ctx;
	const char *id; /* NULL: the one with the request's instance, host, mountpoint (and mode, if given) */
	struct rec_attachment found;
	bool any;
};

static int call_attached_visit(const char *key, void *rec, void *arg)
{
	struct call_attached_find *f = arg;
	const struct rec_attachment *att = rec;
	(void)key;
	if (att->state != ATTACH_ATT_ATTACHED || (f->id ? strcmp(att->id, f->id) : !call_attach_same(f->ctx, att)))
		return 0;
	f->found = *att;
	f->any = true;
	return 1;
}

/* An attach whose attachment is attached already: the same request again (its reply was lost) succeeds
 * and changes nothing; the attachment attached otherwise is EALREADY. 1 when not a retry. */
static int call_attach_retry(struct call_ctx *ctx)
{
	const char *id = ctx->tb[ATTACH_A_ATTACHMENT_ID] ? nla_get_string(ctx->tb[ATTACH_A_ATTACHMENT_ID]) : NULL;
	char prefix[ATTACH_UUID_LEN + 2];
	struct rec_attachment buf;
	struct call_attached_find f = { .ctx = ctx, .id = id };
	snprintf(prefix, sizeof(prefix), "%s/", ctx->vol.id);
	int rc = store_scan(ctx->a->store, ctx->txn, STORE_ATTACHMENTS, prefix, &buf, call_attached_visit, &f);
	if (rc < 0)
		return rc;
	if (!f.any)
		return 1;
	if (!call_attach_same(ctx, &f.found))
		return call_already(ctx, f.found.id, "attachment %s of volume %s is already attached, to instance %s "
				    "on %s at %s (%s)", f.found.id, ctx->vol.id, f.found.instance, f.found.host,
				    f.found.mountpoint, proto_mode_name(f.found.mode));
	rc = proto_put_str(ctx->body, ATTACH_A_ATTACHMENT_ID, f.found.id);
	if (!rc)
		ctx_say(ctx, "volume %s: attachment %s is already attached to instance %s (retry): nothing changed",
			ctx->vol.id, f.found.id, f.found.instance);
	return rc;
}

int call_attach(struct call_ctx *ctx)
{
	struct nlattr **tb = ctx->tb;
	struct rec_attachment att;
	int rc = call_reserved(ctx, &att);
	if (rc && rc != -ENOENT)
		return rc;
	bool named_other = !rc && tb[ATTACH_A_ATTACHMENT_ID] && strcmp(nla_get_string(tb[ATTACH_A_ATTACHMENT_ID]), att.id);
	if (rc == -ENOENT || named_other) {
		int retry = call_attach_retry(ctx);
		if (retry <= 0)
			return retry;
		if (rc == -ENOENT)
			return ctx_fail(ctx, -EBADFD, "volume %s is %s; attach expects attaching (a reserved attachment)",
					ctx->vol.id, proto_state_name(ctx->vol.state));
		return ctx_fail(ctx, -ENOENT, "attachment %s is not the reserved attachment of volume %s (%s is)",
				nla_get_string(tb[ATTACH_A_ATTACHMENT_ID]), ctx->vol.id, att.id);
	}
	if (tb[ATTACH_A_MODE] && nla_get_u8(tb[ATTACH_A_MODE]) != att.mode)
		return ctx_fail(ctx, -EINVAL, "attachment %s of volume %s was reserved %s: attach as %s conflicts (the "
				"mode is given at reserve; unreserve and reserve again to change it)", att.id, ctx->vol.id,
				proto_mode_name(att.mode), proto_mode_name(nla_get_u8(tb[ATTACH_A_MODE])));
	snprintf(att.instance, sizeof(att.instance), "%s", nla_get_string(tb[ATTACH_A_INSTANCE]));
	snprintf(att.host, sizeof(att.host), "%s", nla_get_string(tb[ATTACH_A_HOST]));
	snprintf(att.mountpoint, sizeof(att.mountpoint), "%s", nla_get_string(tb[ATTACH_A_MOUNTPOINT]));
	att.state = ATTACH_ATT_ATTACHED;
	rc = call_put_attachment(ctx, &att);
	if (!rc)
		rc = ctx_set_state(ctx, ATTACH_STATE_IN_USE);
	if (!rc)
		rc = proto_put_str(ctx->body, ATTACH_A_ATTACHMENT_ID, att.id);
	if (rc)
		return rc;
	plan_note(&ctx->plan, "attachment %s: attached to instance %s on %s at %s (%s)", att.id, att.instance,
		  att.host, att.mountpoint, proto_mode_name(att.mode));
	ctx_say(ctx, "volume %s attached: attachment %s, instance %s", ctx->vol.id, att.id, att.instance);
	return 0;
}

int call_begin_detaching(struct call_ctx *ctx)
{
	ctx->vol.last_detached[0] = '\0'; /* a new detach cycle */
	int rc = ctx_set_state(ctx, ATTACH_STATE_DETACHING);
	if (!rc)
		ctx_say(ctx, "volume %s detaching", ctx->vol.id);
	return rc;
}

int call_roll_detaching(struct call_ctx *ctx)
{
	int rc = ctx_set_state(ctx, ATTACH_STATE_IN_USE);
	if (!rc)
		ctx_say(ctx, "volume %s back in-use", ctx->vol.id);
	return rc;
}

/* A detach with the volume not detaching: the retry of the last detach (its reply was lost) says so. */
static int call_detach_retry(struct call_ctx *ctx, const char *id)
{
	const char *last = ctx->vol.last_detached;
	if (id && last[0] && !strcmp(id, last)) {
		ctx_say(ctx, "volume %s: attachment %s was already detached (retry): nothing changed; volume %s",
			ctx->vol.id, id, proto_state_name(ctx->vol.state));
		return 0;
	}
	if (!id && last[0])
		return call_already(ctx, last, "volume %s is %s: attachment %s was detached already (a retry?); detach "
				    "expects detaching", ctx->vol.id, proto_state_name(ctx->vol.state), last);
	return ctx_fail(ctx, -EBADFD, "volume %s is %s; detach expects detaching", ctx->vol.id,
			proto_state_name(ctx->vol.state));
}

int call_detach(struct call_ctx *ctx)
{
	struct nlattr **tb = ctx->tb;
	struct rec_attachment att;
	size_t n;
	int rc;
	const char *id = tb[ATTACH_A_ATTACHMENT_ID] ? nla_get_string(tb[ATTACH_A_ATTACHMENT_ID]) : NULL;
	if (ctx->vol.state != ATTACH_STATE_DETACHING)
		return call_detach_retry(ctx, id);
	if (id) {
		char key[2 * ATTACH_UUID_LEN + 2];
		rc = call_attachment_key(key, sizeof(key), ctx->vol.id, id);
		if (!rc)
			rc = store_get(ctx->a->store, ctx->txn, STORE_ATTACHMENTS, key, &att);
		if (rc == -ENOENT)
			return ctx_fail(ctx, -ENOENT, "volume %s has no attachment %s", ctx->vol.id, id);
		if (rc)
			return rc;
		if (att.state != ATTACH_ATT_ATTACHED)
			return ctx_fail(ctx, -EBADFD, "attachment %s of volume %s is %s, not attached", id, ctx->vol.id,
					proto_attachment_state_name(att.state));
	} else {
		rc = call_attachments(ctx, ATTACH_ATT_ATTACHED, &n, &att);
		if (rc)
			return rc;
		if (n == 0)
			return ctx_fail(ctx, -ENOENT, "volume %s has no attachment to detach", ctx->vol.id);
		if (n > 1)
			return ctx_fail(ctx, -EINVAL, "volume %s has %zu attachments: name one with --attachment",
					ctx->vol.id, n);
	}
	rc = call_del_attachment(ctx, &att);
	memcpy(ctx->vol.last_detached, att.id, sizeof(ctx->vol.last_detached));
	if (!rc)
		rc = call_settle_state(ctx);
	if (rc)
		return rc;
	plan_note(&ctx->plan, "attachment %s: dropped", att.id);
	ctx_say(ctx, "volume %s: attachment %s detached; volume %s", ctx->vol.id, att.id,
		proto_state_name(ctx->vol.state));
	return 0;
}
