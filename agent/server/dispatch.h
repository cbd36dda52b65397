/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dispatch.h: one request, one straight path. dispatch() decodes the request with proto's strict layer,
 * checks the UUID attributes, finds the call's row, opens the transaction, loads the volume and checks
 * its state against the row, runs the handler (which plans and stages record changes in the open
 * transaction, with no side effects), then commits the records with the intent, applies the plan,
 * settles the intent, and builds the reply. Any failure before the commit leaves records and kernel as
 * they were. dispatch_begin() is the same path for the event loop, except that the plan of a call on
 * one iSCSI volume is applied in a thread of its own while the loop serves others (flight.h).
 */
#ifndef DISPATCH_H
#define DISPATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <lmdb.h>
#include <netlink/msg.h>

#include "agent.h"
#include "plan.h"
#include "proto.h"

#define STATE_BIT(s) (1u << (s))
#define STATES_ALL (STATE_BIT(ATTACH_STATE_AVAILABLE) | STATE_BIT(ATTACH_STATE_ATTACHING) | \
		    STATE_BIT(ATTACH_STATE_IN_USE) | STATE_BIT(ATTACH_STATE_DETACHING))

struct call_ctx {
	struct agent *a;
	uid_t uid; /* the caller's */
	const struct proto_call *call;
	struct nlattr **tb;
	MDB_txn *txn;
	struct rec_volume vol; /* the request's volume, when its row has states */
	struct plan plan;
	struct nl_msg *body;   /* result attributes, appended to the reply on success */
	char msg[ATTACH_MESSAGE_MAX + 1]; /* success summary or error text */
	bool dry_run;
	bool intent_committed; /* the kernel may have been touched: the call cannot simply start over */
	bool body_on_error;    /* the result attributes also go with an error (reconcile's lines) */
	struct flight *flight; /* the event loop's calls in flight (flight.h); NULL: dispatch(), all in line */
	const void *conn;      /* the connection's dispatch_conn (flight.h's barrier) */
};

typedef int (*call_handler)(struct call_ctx *ctx);

/* The agent's part of a call; the rest of its facts are its protocol row (proto.h, struct proto_call). */
struct dispatch_row {
	uint16_t type;
	call_handler handler;
	uint8_t states;  /* STATE_BIT()s the volume may be in; 0: the call loads no volume */
	const char *expects; /* the states in words, for the wrong-state message */
	bool own_transactions; /* a mutating call that opens and commits its own (no plan of the dispatcher's) */
};

/* Per-connection protocol state the dispatcher keeps. */
struct dispatch_conn {
	bool hello_done;
	uint32_t version;
	uid_t uid; /* the peer's, from SO_PEERCRED at accept (0: root) */
	bool read_only; /* a --read-uid peer: calls of ATTACH_PRIV_READ only (proto_request_priv) */
};

/* Handle one framed request (@len bytes); always returns a reply (NULL only if out of memory). UUID
 * attributes are lower-cased in place, so @nlh is the caller's writable buffer. */
struct nl_msg *dispatch(struct agent *a, struct dispatch_conn *dc, struct nlmsghdr *nlh, size_t len);

/* The event loop's path (srv.c): the same, except that a call's kernel work may run in a thread of its
 * own beside other calls' (flight.h). DISPATCH_DONE: *@reply is the answer (NULL only if out of
 * memory). DISPATCH_PENDING: *@job is under way; when flight's eventfd says it is done (flight_collect),
 * dispatch_end() settles it and gives its reply. DISPATCH_WAIT: not now (its volume has a call in
 * flight, or it must run alone): nothing was done; offer the same request again when a job has ended.
 * @owner is the caller's, returned by dispatch_job_owner(). */
struct dispatch_job;
enum dispatch_status { DISPATCH_DONE, DISPATCH_PENDING, DISPATCH_WAIT };
enum dispatch_status dispatch_begin(struct agent *a, struct dispatch_conn *dc, struct nlmsghdr *nlh, size_t len,
				    void *owner, struct nl_msg **reply, struct dispatch_job **job);
void *dispatch_job_owner(const struct dispatch_job *job);
struct nl_msg *dispatch_end(struct dispatch_job *job);

/* The whole validation a request gets before any handler: proto's strict decoder (framing, attributes,
 * policy, required mask, value shapes), UUIDs checked with libuuid and lower-cased in place, and a
 * dispatch row for the call. 0, or a negative errno with the reason in @msg. (Also the fuzz target.) */
int dispatch_validate(struct nlmsghdr *nlh, size_t len, const struct proto_call **call, struct nlattr **tb,
		      char *msg, size_t msglen);

/* A reply of @type/@seq with status from @err, @message, and @body's attributes (NULL for none). */
struct nl_msg *dispatch_reply(uint16_t type, uint32_t seq, int err, const char *message, struct nl_msg *body);

/* For handlers: set ctx->msg and return @err. */
int ctx_fail(struct call_ctx *ctx, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ctx_say(struct call_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Store @ctx->vol back (after a state change) and note it in the plan. */
int ctx_set_state(struct call_ctx *ctx, uint8_t state);

#endif
