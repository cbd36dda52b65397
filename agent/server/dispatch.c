/* SPDX-License-Identifier: Apache-2.0 */
/* dispatch.c: the dispatch table and the path every request takes (see dispatch.h). */
#include "dispatch.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "calls.h"
#include "fault.h"
#include "flight.h"
#include "log.h"

#define S(x) STATE_BIT(ATTACH_STATE_##x)

/* What the agent adds to each call's protocol row (proto_calls.c): its handler and the volume states it is
 * permitted in. */
static const struct dispatch_row dispatch_rows[] = {
	{ .type = ATTACH_MSG_VOLUME_CREATE, .handler = call_volume_create },
	{ .type = ATTACH_MSG_VOLUME_DELETE, .handler = call_volume_delete, .states = S(AVAILABLE), .expects = "available" },
	{ .type = ATTACH_MSG_VOLUME_LIST, .handler = call_volume_list },
	{ .type = ATTACH_MSG_VOLUME_SHOW, .handler = call_volume_show, .states = STATES_ALL, .expects = "any state" },
	/* reserve, attach and detach also take the state their own success leaves, to tell a retry apart */
	{ .type = ATTACH_MSG_RESERVE, .handler = call_reserve, .states = S(AVAILABLE) | S(IN_USE) | S(ATTACHING),
	  .expects = "available (or in-use if multiattach)" },
	{ .type = ATTACH_MSG_UNRESERVE, .handler = call_unreserve, .states = S(ATTACHING), .expects = "attaching" },
	{ .type = ATTACH_MSG_INITIALIZE_CONNECTION, .handler = call_initialize_connection,
	  .states = S(ATTACHING) | S(IN_USE), .expects = "attaching or in-use" },
	{ .type = ATTACH_MSG_ATTACH, .handler = call_attach, .states = S(ATTACHING) | S(IN_USE), .expects = "attaching" },
	{ .type = ATTACH_MSG_BEGIN_DETACHING, .handler = call_begin_detaching, .states = S(IN_USE), .expects = "in-use" },
	{ .type = ATTACH_MSG_ROLL_DETACHING, .handler = call_roll_detaching, .states = S(DETACHING),
	  .expects = "detaching" },
	{ .type = ATTACH_MSG_TERMINATE_CONNECTION, .handler = call_terminate_connection, .states = STATES_ALL,
	  .expects = "any state" },
	{ .type = ATTACH_MSG_DETACH, .handler = call_detach, .states = STATES_ALL, .expects = "detaching" },
	{ .type = ATTACH_MSG_VOLUME_EXTEND, .handler = call_volume_extend, .states = STATES_ALL, .expects = "any state" },
	/* reconcile runs its own transactions and plans: not the one-plan path of the other mutating calls */
	{ .type = ATTACH_MSG_RECONCILE, .handler = call_reconcile, .own_transactions = true },
	{ .type = ATTACH_MSG_STATS, .handler = call_stats },
};

static const struct dispatch_row *dispatch_row_find(uint16_t type)
{
	for (size_t i = 0; i < sizeof(dispatch_rows) / sizeof(dispatch_rows[0]); i++)
		if (dispatch_rows[i].type == type)
			return &dispatch_rows[i];
	return NULL;
}

/* dispatch_finish's answers beyond 0 and -errno (never a reply's status) */
#define DISPATCH_RC_PENDING 1 /* the plan is in its thread */
#define DISPATCH_RC_WAIT 2    /* not now: nothing was done */

/* The request's volume id, "-" for none (the intent's key, the logs') */
static const char *dispatch_volume(const struct call_ctx *ctx)
{
	return ctx->tb[ATTACH_A_VOLUME_ID] ? nla_get_string(ctx->tb[ATTACH_A_VOLUME_ID]) : "-";
}

/* store_intent_find's filter: an intent of a call in flight is not an interrupted one */
static bool dispatch_in_flight(const char *volume, void *arg)
{
	const struct flight *f = arg;
	return f && flight_busy(f, volume);
}

int ctx_fail(struct call_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx->msg, sizeof(ctx->msg), fmt, ap);
	va_end(ap);
	return err;
}

void ctx_say(struct call_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx->msg, sizeof(ctx->msg), fmt, ap);
	va_end(ap);
}

int ctx_set_state(struct call_ctx *ctx, uint8_t state)
{
	if (ctx->vol.state != state)
		plan_note(&ctx->plan, "volume %s: %s -> %s", ctx->vol.id, proto_state_name(ctx->vol.state),
			  proto_state_name(state));
	ctx->vol.state = state;
	return store_put(ctx->a->store, ctx->txn, STORE_VOLUMES, ctx->vol.id, &ctx->vol);
}

struct nl_msg *dispatch_reply(uint16_t type, uint32_t seq, int err, const char *message, struct nl_msg *body)
{
	struct nl_msg *m = proto_msg_new(type, 0, seq);
	if (!m)
		return NULL;
	char text[ATTACH_MESSAGE_MAX + 1];
	snprintf(text, sizeof(text), "%s", message ? message : "");
	if (!text[0] && err)
		snprintf(text, sizeof(text), "%s", strerror(err < 0 ? -err : err));
	if (proto_put_u32(m, ATTACH_A_STATUS, proto_status_from_errno(err)) || proto_put_str(m, ATTACH_A_MESSAGE, text))
		goto fail;
	if (body) {
		struct nlmsghdr *bh = nlmsg_hdr(body);
		int blen = nlmsg_attrlen(bh, 0);
		if (blen > 0) {
			size_t need = nlmsg_hdr(m)->nlmsg_len + (size_t)blen;
			if (need > ATTACH_REPLY_MAX) {
				nlmsg_free(m);
				return dispatch_reply(type, seq, -EMSGSIZE, "the reply exceeds the protocol's maximum size",
						      NULL);
			}
			if (need > nlmsg_get_max_size(m) && nlmsg_expand(m, need) < 0)
				goto fail;
			if (nlmsg_append(m, nlmsg_attrdata(bh, 0), (size_t)blen, 0) < 0)
				goto fail;
		}
	}
	return m;
fail:
	nlmsg_free(m);
	return NULL;
}

/* UUID attributes: libuuid decides what a UUID is; volume ids are keys, so spell them in lower case. */
static int dispatch_check_uuids(struct nlattr **tb, char *msg, size_t msglen)
{
	static const int uuid_attrs[] = { ATTACH_A_VOLUME_ID, ATTACH_A_INSTANCE, ATTACH_A_ATTACHMENT_ID };
	for (size_t i = 0; i < sizeof(uuid_attrs) / sizeof(uuid_attrs[0]); i++) {
		struct nlattr *a = tb[uuid_attrs[i]];
		uuid_t u;
		if (!a)
			continue;
		char *s = nla_data(a);
		if (uuid_parse(s, u) < 0) {
			snprintf(msg, msglen, "attribute %s: \"%s\" is not a UUID", proto_attr_name(uuid_attrs[i]), s);
			return -EINVAL;
		}
		for (char *p = s; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	return 0;
}

static struct nl_msg *dispatch_hello(struct dispatch_conn *dc, const struct nlmsghdr *nlh, struct nlattr **tb)
{
	uint32_t v = nla_get_u32(tb[ATTACH_A_VERSION]);
	char msg[160];
	if (v < ATTACH_PROTO_VERSION_MIN || v > ATTACH_PROTO_VERSION) {
		snprintf(msg, sizeof(msg), "protocol version %u is not supported: this attachd speaks versions %d to %d",
			 v, ATTACH_PROTO_VERSION_MIN, ATTACH_PROTO_VERSION);
		log_limited(LOG_LVL_WARN, "hello: %s", msg);
		dc->hello_done = false;
	} else {
		dc->hello_done = true;
		dc->version = v;
		snprintf(msg, sizeof(msg), "protocol version %u", v);
	}
	/* the versions this agent speaks go with a refusal too, for clients that can adapt */
	struct nl_msg *body = proto_msg_new(0, 0, 0);
	if (!body || proto_put_u32(body, ATTACH_A_VERSION, ATTACH_PROTO_VERSION) ||
	    proto_put_u32(body, ATTACH_A_VERSION_MIN, ATTACH_PROTO_VERSION_MIN)) {
		if (body)
			nlmsg_free(body);
		return NULL;
	}
	struct nl_msg *r = dispatch_reply(nlh->nlmsg_type, nlh->nlmsg_seq, dc->hello_done ? 0 : -EPROTONOSUPPORT, msg,
					  body);
	nlmsg_free(body);
	return r;
}

/* Load the volume and check the row's states. */
static int dispatch_gate(struct call_ctx *ctx, const struct dispatch_row *row)
{
	const char *id = nla_get_string(ctx->tb[ATTACH_A_VOLUME_ID]);
	int rc = store_get(ctx->a->store, ctx->txn, STORE_VOLUMES, id, &ctx->vol);
	if (rc == -ENOENT)
		return ctx_fail(ctx, -ENOENT, "no volume %s", id);
	if (rc)
		return ctx_fail(ctx, rc, "volume %s: cannot read its record: %s", id, strerror(-rc));
	if (!(row->states & STATE_BIT(ctx->vol.state)))
		return ctx_fail(ctx, -EBADFD, "volume %s is %s; %s expects %s", id, proto_state_name(ctx->vol.state),
				ctx->call->name, row->expects);
	return 0;
}

/* The database failed under a call: a full disk is the caller's to know (no space); anything else (an I/O
 * error, a read-only or corrupt file system) is the agent's trouble, "internal" on the wire, while the
 * message and the log keep what it was. Nothing of the call was kept. */
static int dispatch_store_fail(struct call_ctx *ctx, int rc, const char *what)
{
	if (rc == -ENOSPC || rc == -ENOMEM)
		return ctx_fail(ctx, rc, "%s: %s", what, strerror(-rc));
	return ctx_fail(ctx, -ENOTRECOVERABLE, "%s: %s (the agent's database; see its log)", what, strerror(-rc));
}

/* The owned table's entries of the NVMe host entries a plan makes (@put) or removes. */
static int dispatch_own_hosts(struct call_ctx *ctx, MDB_txn *txn, bool put)
{
	struct store *s = ctx->a->store;
	for (size_t i = 0; i < ctx->plan.n; i++) {
		const struct plan_step *st = &ctx->plan.steps[i];
		char key[ATTACH_IQN_MAX + sizeof(STORE_OWNED_HOST)];
		if (st->op != (put ? PLAN_NV_HOST_CREATE : PLAN_NV_HOST_REMOVE))
			continue;
		struct rec_export h = { .transport = ATTACH_TRANSPORT_NVME_TCP };
		snprintf(h.target_iqn, sizeof(h.target_iqn), "%s", st->host.nqn);
		int rc = store_key_lower(key, sizeof(key), STORE_OWNED_HOST, st->host.nqn);
		if (!rc)
			rc = put ? store_put(s, txn, STORE_OWNED, key, &h) : store_del(s, txn, STORE_OWNED, key);
		if (rc && rc != -ENOENT)
			return rc;
	}
	return 0;
}

/* After a teardown the kernel holds nothing of the export any more: its names are no longer ours. */
static int dispatch_disown(struct call_ctx *ctx, MDB_txn *txn)
{
	struct store *s = ctx->a->store;
	struct rec_export x;
	int rc = dispatch_own_hosts(ctx, txn, false);
	if (rc)
		return rc;
	if ((!plan_has(&ctx->plan, PLAN_TARGET_REMOVE) && !plan_has(&ctx->plan, PLAN_NV_SUBSYS_REMOVE)) ||
	    !ctx->plan.x.volume_id[0])
		return 0;
	if (store_get(s, txn, STORE_EXPORTS, ctx->plan.x.volume_id, &x) != -ENOENT)
		return 0; /* still exported (or unreadable: keep the names) */
	rc = store_del(s, txn, STORE_OWNED, ctx->plan.x.volume_id);
	return rc == -ENOENT ? 0 : rc;
}

/* Intent before action: the new records, the before-images and the names this call makes go to disk
 * before the kernel is touched, so a crash anywhere after leaves enough to roll back (reconcile.c). The
 * names are ours from before the objects exist, whatever happens next. Consumes the transaction. */
static int dispatch_intent(struct call_ctx *ctx, const char *vol)
{
	struct store *s = ctx->a->store;
	const struct plan *p = &ctx->plan;
	int rc = 0;
	if (plan_has(p, PLAN_TARGET_CREATE) || plan_has(p, PLAN_BACKSTORE_CREATE) || plan_has(p, PLAN_DM_CREATE) ||
	    plan_has(p, PLAN_NV_SUBSYS_CREATE))
		rc = store_put(s, ctx->txn, STORE_OWNED, p->x.volume_id, &p->x);
	if (!rc)
		rc = dispatch_own_hosts(ctx, ctx->txn, true);
	if (!rc)
		rc = store_intent_put(s, ctx->txn, ctx->call->name, vol);
	if (!rc)
		rc = store_commit(ctx->txn);
	ctx->txn = NULL;
	return rc;
}

/* The intent settled after the kernel work: cleared (and names disowned) when @applied is 0, rolled back
 * otherwise. A full map grows here too, since the call cannot start over any more. */
static int dispatch_settle(struct call_ctx *ctx, int applied)
{
	struct store *s = ctx->a->store;
	const char *vol = dispatch_volume(ctx);
	int rc, tries = 0;
	do {
		MDB_txn *txn;
		rc = store_begin(s, true, &txn);
		if (!rc)
			rc = applied ? store_intent_rollback_vol(s, txn, vol) : store_intent_clear(s, txn, vol);
		if (!rc && !applied)
			rc = dispatch_disown(ctx, txn);
		if (!rc)
			rc = store_commit(txn);
		else
			store_abort(txn);
	} while (store_retry_grown(s, rc, &tries));
	return rc;
}

/* The kernel work is done (@applied 0) or failed and rolled back as far as it could be (@err says how):
 * the intent settles, and the call's result follows. */
static int dispatch_settled(struct call_ctx *ctx, int applied, const char *err)
{
	if (!applied)
		fault_point(ctx->call->name, "applied");
	int rc = dispatch_settle(ctx, applied);
	if (applied)
		return ctx_fail(ctx, applied, "%s%s", err,
				rc ? "; the records roll back at the next start or reconcile" : "");
	if (rc) {
		/* done in the kernel, unconfirmed on disk: the pending intent rolls it all back later, so the
		 * caller must not take it as done */
		log_error("%s %s: applied but the intent could not be cleared: %s", ctx->call->name,
			  dispatch_volume(ctx), strerror(-rc));
		return ctx_fail(ctx, rc == -ENOSPC ? rc : -ENOTRECOVERABLE, "applied, but the agent could not record it "
				"(%s): it will be rolled back at the next start or reconcile; retry then", strerror(-rc));
	}
	return 0;
}

/* The kernel's side of the agent, for a plan (read only: a call's thread may use it too). */
static struct plan_env dispatch_env(struct agent *a)
{
	return (struct plan_env){ .cfs = &a->cfs, .dbroot = a->dbroot };
}

/* The plan applied here, in the loop, and the intent settled. */
static int dispatch_apply(struct call_ctx *ctx)
{
	struct plan_env env = dispatch_env(ctx->a);
	char err[ATTACH_MESSAGE_MAX + 1];
	int applied = plan_apply(&ctx->plan, &env, err, sizeof(err));
	return dispatch_settled(ctx, applied, err);
}

/* May this plan's kernel work run beside other calls'? Only on objects of its own volume: an iSCSI
 * export's (its dm device, storage object, target and what is under it, its reservations' file). The
 * NVMe steps touch hosts and ports that subsystems share, and the HBA is everyone's. */
static bool dispatch_plan_alone(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		enum plan_op op = p->steps[i].op;
		if (op >= PLAN_NV_SUBSYS_CREATE) /* the NVMe steps, then PLAN_HBA_REMOVE */
			return false;
	}
	return true;
}

/* Apply and commit, or (dry run) describe and drop. Runs with the handler's transaction open. With the
 * event loop's flight (srv.c), a plan that may run beside others returns DISPATCH_RC_PENDING once its
 * intent is committed: its thread applies it and dispatch_end() settles; one that must run alone while
 * others are in flight returns DISPATCH_RC_WAIT with nothing done. */
static int dispatch_finish(struct call_ctx *ctx)
{
	if (ctx->dry_run) {
		store_abort(ctx->txn);
		ctx->txn = NULL;
		ctx_say(ctx, "dry run: %zu step(s), %zu of them in the kernel; nothing changed", ctx->plan.n,
			plan_kernel_steps(&ctx->plan));
		return reply_plan(ctx->body, &ctx->plan);
	}
	if (!plan_kernel_steps(&ctx->plan)) {
		int rc = store_commit(ctx->txn);
		ctx->txn = NULL;
		return rc ? dispatch_store_fail(ctx, rc, "the records could not be saved") : 0;
	}
	struct flight *f = ctx->flight;
	const char *vol = dispatch_volume(ctx);
	bool beside = f && strcmp(vol, "-") && dispatch_plan_alone(&ctx->plan);
	if (f && !beside && f->n) {
		f->barrier = ctx->conn; /* nothing new starts until this call has run */
		return DISPATCH_RC_WAIT;
	}
	if (beside && f->n == FLIGHT_MAX) /* (a busy volume waited before its handler: dispatch_must_wait) */
		return DISPATCH_RC_WAIT;
	int rc = dispatch_intent(ctx, vol);
	if (rc)
		return dispatch_store_fail(ctx, rc, "the records could not be saved");
	ctx->intent_committed = true;
	fault_point(ctx->call->name, "intent");
	if (beside) {
		flight_add(f, vol);
		return DISPATCH_RC_PENDING;
	}
	return dispatch_apply(ctx);
}

/* A mutating call on the one-plan path: a write transaction, its plan applied by dispatch_finish. */
static bool dispatch_planned(const struct call_ctx *ctx, const struct dispatch_row *row)
{
	return ctx->call->mutating && !row->own_transactions;
}

static int dispatch_call(struct call_ctx *ctx, const struct dispatch_row *row)
{
	bool planned = dispatch_planned(ctx, row);
	int rc = store_begin(ctx->a->store, planned, &ctx->txn);
	if (rc)
		return dispatch_store_fail(ctx, rc, "cannot open the store");
	if (planned) {
		/* an intent still pending (its rollback could not be saved) must be settled first: another
		 * call would overwrite it, or be undone by it */
		char call[64], vol[64];
		if (store_intent_find(ctx->a->store, ctx->txn, dispatch_in_flight, ctx->flight, call, sizeof(call), vol,
				      sizeof(vol)) == 0)
			rc = ctx_fail(ctx, -ENOTRECOVERABLE,
				      "the interrupted %s on volume %s is not settled yet: run reconcile (or restart attachd)",
				      call, vol);
		store_journal_start(ctx->a->store);
	}
	ctx->plan.call = ctx->call->name;
	if (!rc && row->states)
		rc = dispatch_gate(ctx, row);
	if (!rc)
		rc = row->handler(ctx);
	/* the volume's generation, moved by every call that changed a record of it: terminate-connection
	 * tells its own retry by it (call_connect.c) */
	if (!rc && planned && row->states && ctx->call->type != ATTACH_MSG_TERMINATE_CONNECTION &&
	    ctx->call->type != ATTACH_MSG_VOLUME_DELETE && store_journal_changed(ctx->a->store)) {
		ctx->vol.gen++;
		rc = store_put(ctx->a->store, ctx->txn, STORE_VOLUMES, ctx->vol.id, &ctx->vol);
	}
	/* every linear table the plan loads is checked against the volume's disk at that moment */
	if (!rc && row->states)
		memcpy(ctx->plan.ident, ctx->vol.ident, sizeof(ctx->plan.ident));
	if (!rc && planned)
		rc = dispatch_finish(ctx);
	if (planned)
		store_journal_stop(ctx->a->store);
	if (ctx->txn) {
		store_abort(ctx->txn);
		ctx->txn = NULL;
	}
	return rc;
}

int dispatch_validate(struct nlmsghdr *nlh, size_t len, const struct proto_call **call, struct nlattr **tb,
		      char *msg, size_t msglen)
{
	memset(tb, 0, sizeof(*tb) * (ATTACH_A_MAX + 1));
	*call = NULL;
	int rc = proto_parse_request(nlh, len, call, tb, msg, msglen);
	if (!rc)
		rc = dispatch_check_uuids(tb, msg, msglen);
	if (!rc && (*call)->type != ATTACH_MSG_HELLO && !dispatch_row_find((*call)->type)) {
		snprintf(msg, msglen, "%s is not served by this attachd", (*call)->name);
		rc = -EOPNOTSUPP;
	}
	return rc;
}

/* The request as far as its call: validated, hello first, within the caller's privilege (the call's
 * row, raised by show_secrets). 0, or a negative errno with @msg. */
static int dispatch_admit(struct dispatch_conn *dc, struct nlmsghdr *nlh, size_t len, const struct proto_call **call,
			  struct nlattr **tb, char *msg, size_t msglen)
{
	int rc = dispatch_validate(nlh, len, call, tb, msg, msglen);
	if (rc || (*call)->type == ATTACH_MSG_HELLO)
		return rc;
	if (!dc->hello_done) {
		snprintf(msg, msglen, "send hello (the protocol version exchange) before %s", (*call)->name);
		return -EPROTO;
	}
	if (dc->read_only && proto_request_priv(*call, tb) != ATTACH_PRIV_READ) {
		snprintf(msg, msglen, "uid %u may make read-only calls only (--read-uid): not %s%s", (unsigned)dc->uid,
			 (*call)->name, tb[ATTACH_A_SHOW_SECRETS] ? " with secrets" : "");
		return -EPERM;
	}
	return 0;
}

/* Run the call; a full map grows instead of failing, and the call starts over (nothing of it was kept). */
static int dispatch_run(struct call_ctx *ctx, const struct dispatch_row *row)
{
	int tries = 0;
	int rc = dispatch_call(ctx, row);
	while (!ctx->intent_committed && store_retry_grown(ctx->a->store, rc, &tries)) {
		plan_free(&ctx->plan);
		plan_init(&ctx->plan);
		nlmsg_free(ctx->body);
		ctx->body = proto_msg_new(0, 0, 0);
		if (!ctx->body)
			return -ENOMEM;
		ctx->msg[0] = '\0';
		rc = dispatch_call(ctx, row);
	}
	return rc;
}

/* A call whose plan is in its thread (dispatch_begin), with everything its reply needs. */
struct dispatch_job {
	struct call_ctx ctx;
	const struct dispatch_row *row;
	struct nlattr *tb[ATTACH_A_MAX + 1]; /* into req */
	void *req;                           /* the request's copy: the attributes point into it */
	uint16_t type;
	uint32_t seq;
	uint64_t t0; /* the request's start (stats) */
	void *owner;
	struct flight_thread thread;
	int applied;
	char err[ATTACH_MESSAGE_MAX + 1];
};

/* The call's end: its log line and reply; the context is freed. */
static struct nl_msg *dispatch_conclude(struct call_ctx *ctx, const struct dispatch_row *row, uint16_t type,
					uint32_t seq, int rc)
{
	const char *vol = dispatch_volume(ctx);
	if (rc)
		log_limited(LOG_LVL_WARN, "%s %s failed: %s", ctx->call->name, vol, ctx->msg[0] ? ctx->msg : strerror(-rc));
	else if (dispatch_planned(ctx, row) && !ctx->dry_run)
		log_info("%s: %s", ctx->call->name, ctx->msg);
	else
		log_debug("%s %s: %s", ctx->call->name, vol, ctx->msg[0] ? ctx->msg : "ok");
	struct nl_msg *reply = dispatch_reply(type, seq, rc, ctx->msg, rc && !ctx->body_on_error ? NULL : ctx->body);
	nlmsg_free(ctx->body);
	plan_free(&ctx->plan);
	return reply;
}

static void *dispatch_worker(void *arg)
{
	struct dispatch_job *j = arg;
	struct plan_env env = dispatch_env(j->ctx.a);
	j->applied = plan_apply(&j->ctx.plan, &env, j->err, sizeof(j->err));
	flight_done(j->ctx.flight, j);
	return NULL;
}

/* The call's plan goes to its thread: the context moves into a job, with a copy of the request for its
 * attributes. NULL when that cannot be done (the caller applies the plan itself). */
static struct dispatch_job *dispatch_launch(struct call_ctx *ctx, const struct dispatch_row *row,
					    const struct nlmsghdr *nlh, size_t len, struct nlattr **tb)
{
	struct dispatch_job *j = calloc(1, sizeof(*j));
	void *req = j ? malloc(len) : NULL;
	if (!req) {
		free(j);
		return NULL;
	}
	memcpy(req, nlh, len);
	for (int i = 0; i <= ATTACH_A_MAX; i++)
		j->tb[i] = tb[i] ? (struct nlattr *)((char *)req + ((const char *)tb[i] - (const char *)nlh)) : NULL;
	j->req = req;
	j->ctx = *ctx;
	j->ctx.tb = j->tb;
	j->row = row;
	j->type = nlh->nlmsg_type;
	j->seq = nlh->nlmsg_seq;
	if (flight_thread_start(&j->thread, dispatch_worker, j)) {
		free(req);
		free(j);
		return NULL;
	}
	return j;
}

/* With calls in flight: must this request wait? A call on a volume in flight waits for it; a call that
 * must run alone (reconcile) waits for all, and from then on nothing new starts before it. */
static bool dispatch_must_wait(struct flight *f, const struct dispatch_conn *dc, const struct proto_call *call,
			       const struct dispatch_row *row, struct nlattr **tb)
{
	if (tb[ATTACH_A_VOLUME_ID] && flight_busy(f, nla_get_string(tb[ATTACH_A_VOLUME_ID])))
		return true;
	if (call->mutating && f->barrier && f->barrier != dc)
		return true;
	if (call->mutating && row->own_transactions && f->n) {
		f->barrier = dc;
		return true;
	}
	return false;
}

/* One request's path, from the decoder to its reply; *@err receives the reply's errno. With @job (the
 * event loop's path) the call may instead wait (NULL, *@err DISPATCH_RC_WAIT: nothing was done) or go
 * to its thread (NULL, *@job set). */
static struct nl_msg *dispatch_one(struct agent *a, struct dispatch_conn *dc, struct nlmsghdr *nlh, size_t len,
				   int *err, struct dispatch_job **job)
{
	struct nlattr *tb[ATTACH_A_MAX + 1];
	const struct proto_call *call = NULL;
	char msg[ATTACH_MESSAGE_MAX + 1] = "";
	uint16_t type = len >= NLMSG_HDRLEN ? nlh->nlmsg_type : 0;
	uint32_t seq = len >= NLMSG_HDRLEN ? nlh->nlmsg_seq : 0;

	int rc = dispatch_admit(dc, nlh, len, &call, tb, msg, sizeof(msg));
	*err = rc;
	if (rc) {
		log_limited(LOG_LVL_WARN, "request %s refused: %s", call ? call->name : "-", msg);
		return dispatch_reply(type, seq, rc, msg, NULL);
	}
	if (call->type == ATTACH_MSG_HELLO) {
		struct nl_msg *r = dispatch_hello(dc, nlh, tb);
		*err = dc->hello_done ? 0 : -EPROTONOSUPPORT;
		return r;
	}
	const struct dispatch_row *row = dispatch_row_find(call->type);
	struct flight *f = job ? a->flight : NULL;
	if (f && dispatch_must_wait(f, dc, call, row, tb))
		return *err = DISPATCH_RC_WAIT, NULL;
	struct call_ctx ctx = { .a = a, .uid = dc->uid, .call = call, .tb = tb, .flight = f, .conn = dc,
				.dry_run = tb[ATTACH_A_DRY_RUN] != NULL };
	plan_init(&ctx.plan);
	ctx.body = proto_msg_new(0, 0, 0);
	rc = ctx.body ? dispatch_run(&ctx, row) : -ENOMEM;
	if (!ctx.body) {
		plan_free(&ctx.plan);
		return NULL;
	}
	if (f && f->barrier == dc && rc != DISPATCH_RC_WAIT)
		f->barrier = NULL; /* it ran */
	if (rc == DISPATCH_RC_WAIT) {
		nlmsg_free(ctx.body);
		plan_free(&ctx.plan);
		*err = rc;
		return NULL;
	}
	if (rc == DISPATCH_RC_PENDING && (*job = dispatch_launch(&ctx, row, nlh, len, tb)))
		return NULL;
	if (rc == DISPATCH_RC_PENDING) { /* no thread for it: applied here */
		rc = dispatch_apply(&ctx);
		flight_remove(f, dispatch_volume(&ctx));
	}
	*err = rc;
	return dispatch_conclude(&ctx, row, type, seq, rc);
}

struct nl_msg *dispatch(struct agent *a, struct dispatch_conn *dc, struct nlmsghdr *nlh, size_t len)
{
	uint64_t t0 = stats_now_us();
	int err = 0;
	struct nl_msg *reply = dispatch_one(a, dc, nlh, len, &err, NULL);
	/* the type as sent (a request too short for a header counts with the types that are not calls) */
	stats_count(&a->stats, len >= NLMSG_HDRLEN ? nlh->nlmsg_type : 0, reply ? err : -ENOMEM, stats_now_us() - t0);
	return reply;
}

enum dispatch_status dispatch_begin(struct agent *a, struct dispatch_conn *dc, struct nlmsghdr *nlh, size_t len,
				    void *owner, struct nl_msg **reply, struct dispatch_job **job)
{
	uint64_t t0 = stats_now_us();
	int err = 0;
	*job = NULL;
	*reply = dispatch_one(a, dc, nlh, len, &err, job);
	if (!*reply && err == DISPATCH_RC_WAIT)
		return DISPATCH_WAIT;
	if (*job) {
		(*job)->t0 = t0;
		(*job)->owner = owner;
		return DISPATCH_PENDING;
	}
	stats_count(&a->stats, len >= NLMSG_HDRLEN ? nlh->nlmsg_type : 0, *reply ? err : -ENOMEM, stats_now_us() - t0);
	return DISPATCH_DONE;
}

void *dispatch_job_owner(const struct dispatch_job *job)
{
	return job->owner;
}

struct nl_msg *dispatch_end(struct dispatch_job *j)
{
	struct call_ctx *ctx = &j->ctx;
	flight_thread_join(&j->thread);
	flight_remove(ctx->flight, dispatch_volume(ctx));
	int rc = dispatch_settled(ctx, j->applied, j->err);
	struct nl_msg *reply = dispatch_conclude(ctx, j->row, j->type, j->seq, rc);
	stats_count(&ctx->a->stats, j->type, reply ? rc : -ENOMEM, stats_now_us() - j->t0);
	explicit_bzero(j->err, sizeof(j->err));
	free(j->req);
	free(j);
	return reply;
}
