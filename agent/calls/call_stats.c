/* SPDX-License-Identifier: Apache-2.0 */
/*
 * call_stats.c: the stats call. The agent's counters (stats.h), the store's counts of its records (LMDB
 * keeps each database's number of entries in its root page: mdb_stat reads it, no record is read), the
 * last reconciles, and per export the iSCSI sessions the kernel shows (lio_session.h): one export at a
 * time, its target's session count and the ACLs its records name, never a listing of configfs. Only
 * this call reads the kernel's sessions; no other call pays for them. An NVMe/TCP export is listed with its
 * transport and no sessions: nvmet shows no controllers in configfs.
 */
#include "calls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lio_session.h"
#include "log.h"
#include "stats.h"

/* A TALLY nest: @name (or, when NULL, @status) and @count. */
static int call_stats_tally(struct nl_msg *m, const char *name, uint32_t status, uint64_t count)
{
	int nest = proto_nest_start(m, ATTACH_A_TALLY);
	if (nest < 0)
		return nest;
	int rc = name ? proto_put_str(m, ATTACH_A_NAME, name) : proto_put_u32(m, ATTACH_A_STATUS, status);
	if (!rc)
		rc = proto_put_u64(m, ATTACH_A_COUNT, count);
	return rc ? rc : proto_nest_end(m, nest);
}

/* One CALL_STATS nest: the totals, the statuses that occurred, the histogram made cumulative. */
static int call_stats_call(struct nl_msg *m, const char *name, const struct stats_call *c)
{
	int nest = proto_nest_start(m, ATTACH_A_CALL_STATS);
	if (nest < 0)
		return nest;
	int rc = proto_put_str(m, ATTACH_A_NAME, name);
	if (!rc)
		rc = proto_put_u64(m, ATTACH_A_COUNT, c->count);
	if (!rc)
		rc = proto_put_u64(m, ATTACH_A_SUM_US, c->sum_us);
	for (uint32_t s = 0; !rc && s < STATS_STATUSES; s++)
		if (c->by_status[s])
			rc = call_stats_tally(m, NULL, s, c->by_status[s]);
	uint64_t below = 0;
	for (unsigned i = 0; !rc && i < STATS_BUCKETS; i++) {
		int b = proto_nest_start(m, ATTACH_A_BUCKET);
		below += c->bucket[i];
		rc = b < 0 ? b : proto_put_u64(m, ATTACH_A_LE_US, stats_bucket_us[i]);
		if (!rc)
			rc = proto_put_u64(m, ATTACH_A_COUNT, below);
		if (!rc)
			rc = proto_nest_end(m, b);
	}
	return rc ? rc : proto_nest_end(m, nest);
}

static int call_stats_calls(struct nl_msg *m, const struct stats *s)
{
	int rc = 0;
	for (unsigned row = 0; !rc && row < STATS_CALLS; row++) {
		const struct proto_call *call = proto_call_find((uint16_t)(ATTACH_MSG_FIRST + row));
		rc = call_stats_call(m, row == STATS_UNKNOWN || !call ? "unknown" : call->name, &s->calls[row]);
	}
	return rc;
}

/* The store's counts: LMDB's entry counts, and the intent pending (0 or 1). */
static int call_stats_records(struct call_ctx *ctx)
{
	static const struct {
		const char *name;
		enum store_db db;
	} kinds[] = {
		{ "volumes", STORE_VOLUMES }, { "exports", STORE_EXPORTS }, { "acls", STORE_ACLS },
		{ "attachments", STORE_ATTACHMENTS }, { "intents", STORE_INTENTS },
	};
	int nest = proto_nest_start(ctx->body, ATTACH_A_RECORDS);
	int rc = nest < 0 ? nest : 0;
	for (size_t i = 0; !rc && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n;
		rc = store_count(ctx->a->store, ctx->txn, kinds[i].db, &n);
		if (!rc)
			rc = call_stats_tally(ctx->body, kinds[i].name, 0, n);
	}
	return rc ? rc : proto_nest_end(ctx->body, nest);
}

static int call_stats_recon(struct nl_msg *m, const char *name, const struct stats_recon *r)
{
	const struct {
		const char *name;
		unsigned n;
	} counts[] = {
		{ "differences", r->differences }, { "fixed", r->fixed }, { "failed", r->failures },
		{ "down", r->down }, { "unowned", r->unowned }, { "removed", r->removed },
	};
	if (!r->ran)
		return 0;
	int nest = proto_nest_start(m, ATTACH_A_RECONCILE_RUN);
	int rc = nest < 0 ? nest : proto_put_str(m, ATTACH_A_NAME, name);
	if (!rc)
		rc = proto_put_u64(m, ATTACH_A_TIME, r->time);
	if (!rc)
		rc = proto_put_u64(m, ATTACH_A_SUM_US, r->duration_us);
	if (!rc)
		rc = proto_put_u32(m, ATTACH_A_STATUS, r->status);
	for (size_t i = 0; !rc && i < sizeof(counts) / sizeof(counts[0]); i++)
		rc = call_stats_tally(m, counts[i].name, 0, counts[i].n);
	return rc ? rc : proto_nest_end(m, nest);
}

struct call_stats_export {
	struct call_ctx *ctx;
	const char *iqn;
};

/* One recorded initiator: an ACL nest when the kernel has its ACL, LOGGED_IN while it has a session. */
static int call_stats_acl(const char *key, void *rec, void *arg)
{
	struct call_stats_export *e = arg;
	const struct rec_acl *acl = rec;
	struct nl_msg *m = e->ctx->body;
	bool in;
	(void)key;
	int rc = lio_acl_logged_in(&e->ctx->a->cfs, e->iqn, acl->initiator, &in);
	if (rc) {
		log_debug("stats: %s on %s: its session cannot be read: %s", acl->initiator, e->iqn, strerror(-rc));
		return 0; /* not in the kernel (a down export) or unreadable: not listed */
	}
	int nest = proto_nest_start(m, ATTACH_A_ACL);
	rc = nest < 0 ? nest : proto_put_str(m, ATTACH_A_INITIATOR, acl->initiator);
	if (!rc && in)
		rc = proto_put_flag(m, ATTACH_A_LOGGED_IN);
	return rc ? rc : proto_nest_end(m, nest);
}

static int call_stats_export(const char *key, void *rec, void *arg)
{
	struct call_ctx *ctx = arg;
	const struct rec_export *x = rec;
	struct nl_msg *m = ctx->body;
	struct call_stats_export e = { .ctx = ctx, .iqn = x->target_iqn };
	struct rec_acl buf;
	char prefix[ATTACH_UUID_LEN + 2];
	unsigned n;
	(void)key;
	snprintf(prefix, sizeof(prefix), "%s/", x->volume_id);
	int nest = proto_nest_start(m, ATTACH_A_EXPORT_STATS);
	int rc = nest < 0 ? nest : proto_put_str(m, ATTACH_A_VOLUME_ID, x->volume_id);
	if (!rc)
		rc = proto_put_str(m, ATTACH_A_TARGET_IQN, x->target_iqn);
	if (!rc && x->down[0])
		rc = proto_put_str(m, ATTACH_A_DOWN, x->down);
	/* nvmet shows no controllers in configfs: an NVMe export has neither sessions nor initiators here */
	if (x->transport == ATTACH_TRANSPORT_NVME_TCP) {
		rc = rc ? rc : proto_put_u8(m, ATTACH_A_TRANSPORT, x->transport);
		return rc ? rc : proto_nest_end(m, nest);
	}
	int read = rc ? 0 : lio_target_sessions(&ctx->a->cfs, x->target_iqn, &n);
	if (!rc && !read)
		rc = proto_put_u32(m, ATTACH_A_SESSIONS, n);
	else if (!rc)
		log_debug("stats: target %s: its sessions cannot be read: %s", x->target_iqn, strerror(-read));
	if (!rc)
		rc = store_scan(ctx->a->store, ctx->txn, STORE_ACLS, prefix, &buf, call_stats_acl, &e);
	return rc ? rc : proto_nest_end(m, nest);
}

int call_stats(struct call_ctx *ctx)
{
	const struct stats *s = &ctx->a->stats;
	struct rec_export x;
	int rc = proto_put_u64(ctx->body, ATTACH_A_TIME, s->start);
	if (!rc)
		rc = call_stats_calls(ctx->body, s);
	if (!rc)
		rc = call_stats_records(ctx);
	if (!rc)
		rc = call_stats_recon(ctx->body, "start", &s->at_start);
	if (!rc)
		rc = call_stats_recon(ctx->body, "call", &s->last_call);
	if (!rc)
		rc = store_scan(ctx->a->store, ctx->txn, STORE_EXPORTS, "", &x, call_stats_export, ctx);
	if (rc == -EMSGSIZE)
		return ctx_fail(ctx, rc, "the statistics exceed the largest reply (%u bytes)", ATTACH_REPLY_MAX);
	return rc;
}
