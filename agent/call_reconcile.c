/* SPDX-License-Identifier: Apache-2.0 */
/* call_reconcile.c: the reconcile call: reconcile.c's report as the reply's plan. */
#include "calls.h"

#include <errno.h>
#include <string.h>

#include "reconcile.h"

int call_reconcile(struct call_ctx *ctx)
{
	/* reconcile opens its own write transaction: this call's read transaction must end first */
	store_abort(ctx->txn);
	ctx->txn = NULL;
	struct recon_report r;
	int rc = reconcile(ctx->a, ctx->dry_run, &r);
	int nest = proto_nest_start(ctx->body, ATTACH_A_PLAN);
	int prc = nest < 0 ? nest : 0;
	for (size_t i = 0; !prc && i < r.n; i++)
		prc = proto_put_str(ctx->body, ATTACH_A_STEP, r.lines[i]);
	if (!prc)
		prc = proto_nest_end(ctx->body, nest);
	if (!r.differences)
		ctx_say(ctx, "nothing to do: the kernel matches the records");
	else if (ctx->dry_run)
		ctx_say(ctx, "dry run: %u difference(s) found; nothing changed", r.differences);
	else
		ctx_say(ctx, "%u difference(s), %u fixed, %u failed", r.differences, r.differences - r.failures,
			r.failures);
	recon_report_free(&r);
	if (rc == -EIO)
		return ctx_fail(ctx, -EIO, "%s (see the steps)", ctx->msg);
	if (rc)
		return ctx_fail(ctx, rc, "reconcile: %s", strerror(-rc));
	return prc;
}
