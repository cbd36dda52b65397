/* SPDX-License-Identifier: Apache-2.0 */
/* call_util.c: record lookups and the ACL reference count shared by the handlers (see calls.h). */
#include "calls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <uuid/uuid.h>

void call_new_uuid(char out[ATTACH_UUID_LEN + 1])
{
	uuid_t u;
	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

uint64_t call_now(void)
{
	return (uint64_t)time(NULL);
}

int call_attachment_key(char *key, size_t size, const char *vol, const char *att)
{
	return store_key2(key, size, vol, att, false);
}

int call_acl_key(char *key, size_t size, const char *vol, const char *initiator)
{
	return store_key2(key, size, vol, initiator, true);
}

int call_put_attachment(struct call_ctx *ctx, const struct rec_attachment *att)
{
	char key[2 * ATTACH_UUID_LEN + 2];
	int rc = call_attachment_key(key, sizeof(key), ctx->vol.id, att->id);
	return rc ? rc : store_put(ctx->a->store, ctx->txn, STORE_ATTACHMENTS, key, att);
}

struct call_att_scan {
	uint8_t state;
	size_t n;
	struct rec_attachment *last;
};

static int call_att_visit(const char *key, void *rec, void *arg)
{
	struct call_att_scan *s = arg;
	const struct rec_attachment *a = rec;
	(void)key;
	if (s->state && a->state != s->state)
		return 0;
	s->n++;
	if (s->last)
		*s->last = *a;
	return 0;
}

int call_attachments(struct call_ctx *ctx, uint8_t state, size_t *n, struct rec_attachment *last)
{
	char prefix[ATTACH_UUID_LEN + 2];
	struct rec_attachment buf;
	struct call_att_scan s = { state, 0, last };
	snprintf(prefix, sizeof(prefix), "%s/", ctx->vol.id);
	int rc = store_scan(ctx->a->store, ctx->txn, STORE_ATTACHMENTS, prefix, &buf, call_att_visit, &s);
	*n = s.n;
	return rc;
}

int call_reserved(struct call_ctx *ctx, struct rec_attachment *out)
{
	size_t n;
	int rc = call_attachments(ctx, ATTACH_ATT_RESERVED, &n, out);
	if (rc)
		return rc;
	return n ? 0 : -ENOENT;
}

int call_export(struct call_ctx *ctx, struct rec_export *x)
{
	return store_get(ctx->a->store, ctx->txn, STORE_EXPORTS, ctx->vol.id, x);
}

static int call_count_visit(const char *key, void *rec, void *arg)
{
	(void)key;
	(void)rec;
	(*(size_t *)arg)++;
	return 0;
}

int call_acl_count(struct call_ctx *ctx, size_t *n)
{
	char prefix[ATTACH_UUID_LEN + 2];
	struct rec_acl buf;
	*n = 0;
	snprintf(prefix, sizeof(prefix), "%s/", ctx->vol.id);
	int rc = store_scan(ctx->a->store, ctx->txn, STORE_ACLS, prefix, &buf, call_count_visit, n);
	explicit_bzero(&buf, sizeof(buf));
	return rc;
}

int call_acl_release(struct call_ctx *ctx, struct rec_acl *acl)
{
	struct store *s = ctx->a->store;
	char key[ATTACH_UUID_LEN + ATTACH_IQN_MAX + 2];
	int rc = call_acl_key(key, sizeof(key), ctx->vol.id, acl->initiator);
	if (rc)
		return rc;
	if (acl->refs > 1) {
		acl->refs--;
		plan_note(&ctx->plan, "ACL %s: %u connection(s) left, access kept", acl->initiator, acl->refs);
		return store_put(s, ctx->txn, STORE_ACLS, key, acl);
	}
	size_t n;
	rc = call_export(ctx, &ctx->plan.x);
	if (!rc)
		rc = call_acl_count(ctx, &n);
	if (rc == -ENOENT)
		return ctx_fail(ctx, -EUCLEAN, "volume %s: an initiator has access but the export record is missing",
				ctx->vol.id);
	if (rc)
		return ctx_fail(ctx, rc, "volume %s: export record unreadable: %s", ctx->vol.id, strerror(-rc));
	if (CALL_NVME(ctx)) {
		rc = call_nvme_release(ctx, acl, n);
		if (!rc)
			rc = store_del(s, ctx->txn, STORE_ACLS, key);
		if (!rc && n <= 1)
			rc = store_del(s, ctx->txn, STORE_EXPORTS, ctx->vol.id);
		return rc;
	}
	rc = export_plan_acl_remove(&ctx->plan, acl);
	if (!rc)
		rc = store_del(s, ctx->txn, STORE_ACLS, key);
	if (rc || n > 1)
		return rc;
	rc = export_plan_teardown(&ctx->plan);
	if (!rc)
		rc = store_del(s, ctx->txn, STORE_EXPORTS, ctx->vol.id);
	return rc;
}
