/* SPDX-License-Identifier: Apache-2.0 */
/* call_reconcile.c: the reconcile call: reconcile.c's report as the reply's plan. */
#include "calls.h"

#include <errno.h>
#include <string.h>

#include "log.h"
#include "reconcile.h"
#include "stats.h"

/* The plan nest holds at most this much: a reply attribute nest is limited to 64 KiB. */
#define RECON_REPLY_MAX 60000

int call_reconcile(struct call_ctx *ctx)
{
	/* reconcile opens its own write transaction: this call's read transaction must end first */
	store_abort(ctx->txn);
	ctx->txn = NULL;
	struct recon_report r;
	struct recon_opts o = { .dry_run = ctx->dry_run, .purge_unowned = ctx->tb[ATTACH_A_PURGE_UNOWNED] != NULL };
	uint64_t t0 = stats_now_us();
	int rc = reconcile(ctx->a, &o, &r);
	if (!ctx->dry_run) /* a dry run changes nothing: the last reconcile is still the one before */
		stats_reconciled(&ctx->a->stats.last_call, &r, rc, stats_now_us() - t0);
	int nest = proto_nest_start(ctx->body, ATTACH_A_PLAN);
	int prc = nest < 0 ? nest : 0;
	size_t used = 0, i;
	for (i = 0; !prc && i < r.n; i++) {
		if (!ctx->dry_run)
			log_info("reconcile: %s", r.lines[i]); /* what changed in the kernel is always in the log */
		used += strlen(r.lines[i]) + 8;
		if (used > RECON_REPLY_MAX)
			break;
		prc = proto_put_str(ctx->body, ATTACH_A_STEP, r.lines[i]);
	}
	if (!prc && i < r.n) {
		char more[96];
		snprintf(more, sizeof(more), "... %zu more line(s): see the agent's log", r.n - i);
		for (; !ctx->dry_run && i < r.n; i++)
			log_info("reconcile: %s", r.lines[i]);
		prc = proto_put_str(ctx->body, ATTACH_A_STEP, more);
	}
	if (!prc)
		prc = proto_nest_end(ctx->body, nest);
	char summary[320];
	if (!r.differences && !r.failures && !r.unowned)
		snprintf(summary, sizeof(summary), "nothing to do: the kernel matches the records");
	else if (!r.differences && !r.failures)
		snprintf(summary, sizeof(summary), "the kernel matches the records; %u object(s) with attachd's names "
			 "that this database did not make are left alone (--purge-unowned removes them)", r.unowned);
	else if (ctx->dry_run)
		snprintf(summary, sizeof(summary), "dry run: %u difference(s) found%s; nothing changed", r.differences,
			 r.failures ? ", some objects could not be read" : "");
	else
		snprintf(summary, sizeof(summary), "%u difference(s), %u fixed, %u failed", r.differences, r.fixed,
			 r.failures);
	recon_report_free(&r);
	/* the lines say what failed: they go with the error too */
	ctx->body_on_error = true;
	if (rc == -EIO)
		return ctx_fail(ctx, -EIO, "%s (see the steps)", summary);
	if (rc)
		return ctx_fail(ctx, rc, "reconcile: %s", strerror(-rc));
	ctx_say(ctx, "%s", summary);
	return prc;
}
