/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_dispatch.c: the path every request takes (agent/server/dispatch.c, against dispatch.h, on the harness
 * of helpers/harness.h): hello first, for every call, and the version exchange (a refused hello leaves the
 * connection without one); UUID attributes lower-cased, and a non-UUID refused; a volume in a state its call
 * does not take refused with the row's words; dry-run (the plan, and nothing changed); the reply's status,
 * message and body (dispatch_reply); an attribute pair the protocol refuses; and an intent left pending,
 * which blocks the one-plan calls until reconcile, a mutating call with its own transactions, settles it.
 * Requests for every call come from helpers/proto_req.h (build_call, on ids.h's VOL).
 */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "calls_fx.h"
#include "store_internal.h"
#include "proto_req.h"
#include "unit_main.h"

/* The steps of the reply's plan: how many, and how many of them are kernel steps (not "record: ..."). */
static void plan_counts(struct harness *h, int *steps, int *kernel)
{
	struct nlattr *pos;
	int rem;
	*steps = *kernel = 0;
	assert_non_null(h->tb[ATTACH_A_PLAN]);
	nla_for_each_nested(pos, h->tb[ATTACH_A_PLAN], rem) {
		++*steps;
		*kernel += strncmp(nla_get_string(pos), "record: ", 8) != 0;
	}
}

/* A mutating call's dry run (the request's attributes as h_call()'s, ATTACH_A_DRY_RUN among them) replies
 * with its plan, says how many steps, and changes nothing: records, tree (with attribute values) and the dm
 * device @dm. */
static void dry_run(struct harness *h, const char *dm, uint16_t type, ...)
{
	char *before = h_snapshot(h), *kernel = h_kernel_state(h, dm), want[128];
	va_list ap;
	va_start(ap, type);
	uint32_t status = h_vcall(h, type, ap);
	va_end(ap);
	if (status != ATTACH_OK)
		fail_msg("dry run of %s: %s", proto_call_find(type)->name, h->message);
	int steps, kernel_steps;
	plan_counts(h, &steps, &kernel_steps);
	assert_true(steps > 0);
	snprintf(want, sizeof(want), "dry run: %d step(s), %d of them in the kernel; nothing changed", steps,
		 kernel_steps);
	assert_string_equal(h->message, want);
	assert_unchanged(h, before);
	assert_kernel_unchanged(h, dm, kernel);
}

static void test_dry_run_changes_nothing(void **state)
{
	struct harness *h = *state;
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_ATTACHING);
	char *before = h_snapshot(h);
	assert_int_equal(h_call(h, ATTACH_MSG_INITIALIZE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_A,
				ATTACH_A_DRY_RUN, "", 0), ATTACH_OK);
	assert_non_null(h->tb[ATTACH_A_PLAN]);
	struct nlattr *pos;
	int rem, steps = 0, target = 0;
	nla_for_each_nested(pos, h->tb[ATTACH_A_PLAN], rem) {
		steps++;
		if (strstr(nla_get_string(pos), "create target"))
			target++;
		assert_null(strstr(nla_get_string(pos), "password"));
	}
	assert_true(steps >= 8);
	assert_int_equal(target, 1);
	assert_unchanged(h, before);
	/* the same for calls with and without kernel work, and for one that makes a record */
	char dm[128];
	snprintf(dm, sizeof(dm), "attachd-%s", vol);
#define DRY ATTACH_A_DRY_RUN, ""
	dry_run(h, dm, ATTACH_MSG_INITIALIZE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_A, DRY, 0);
	dry_run(h, dm, ATTACH_MSG_UNRESERVE, V(vol), DRY, 0);
	dry_run(h, dm, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[1], DRY, 0);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_int_equal(do_attach(h, vol), ATTACH_OK);
	dry_run(h, dm, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_FORCE, "", DRY, 0);
	dry_run(h, dm, ATTACH_MSG_BEGIN_DETACHING, V(vol), DRY, 0);
}

static void test_hello_first_and_version(void **state)
{
	struct harness *h = *state;
	struct dispatch_conn fresh = { 0 };
	struct dispatch_conn saved = h->dc;
	h->dc = fresh;
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_LIST, 0), ATTACH_E_PROTO);
	assert_string_equal(h->message, "send hello (the protocol version exchange) before volume-list");
	/* a version this agent does not speak: refused, with the versions it does; still no hello */
	static const char *const bad[] = { "99", "0" };
	for (size_t i = 0; i < 2; i++) {
		char want[160];
		assert_int_equal(h_call(h, ATTACH_MSG_HELLO, ATTACH_A_VERSION, bad[i], 0), ATTACH_E_VERSION);
		snprintf(want, sizeof(want), "protocol version %s is not supported: this attachd speaks versions %d to %d",
			 bad[i], ATTACH_PROTO_VERSION_MIN, ATTACH_PROTO_VERSION);
		assert_string_equal(h->message, want);
		assert_int_equal(nla_get_u32(h->tb[ATTACH_A_VERSION]), ATTACH_PROTO_VERSION);
		assert_int_equal(nla_get_u32(h->tb[ATTACH_A_VERSION_MIN]), ATTACH_PROTO_VERSION_MIN);
		assert_false(h->dc.hello_done);
		assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_LIST, 0), ATTACH_E_PROTO);
	}
	assert_int_equal(h_call(h, ATTACH_MSG_HELLO, ATTACH_A_VERSION, "1", 0), ATTACH_OK);
	assert_string_equal(h->message, "protocol version 1");
	assert_int_equal(nla_get_u32(h->tb[ATTACH_A_VERSION]), ATTACH_PROTO_VERSION);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_LIST, 0), ATTACH_OK);
	/* a second hello with a bad version undoes the first */
	assert_int_equal(h_call(h, ATTACH_MSG_HELLO, ATTACH_A_VERSION, "99", 0), ATTACH_E_VERSION);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_LIST, 0), ATTACH_E_PROTO);
	h->dc = saved;
}

/* Every call but hello, valid in every other way, is refused before hello and changes nothing. */
static void test_every_call_needs_hello(void **state)
{
	struct harness *h = *state;
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[0], ATTACH_A_VOLUME_ID, VOL, 0),
			 ATTACH_OK);
	h_to_state(h, VOL, ATTACH_STATE_ATTACHING, INI_A);
	struct dispatch_conn saved = h->dc;
	memset(&h->dc, 0, sizeof(h->dc));
	size_t refused = 0;
	for (size_t i = 0; i < N_CALLS; i++) {
		const struct expect_call *c = &expect_calls[i];
		if (c->type == ATTACH_MSG_HELLO)
			continue;
		char *before = h_snapshot(h), want[160];
		struct nl_msg *m = build_call(c, true, 0);
		assert_int_equal(h_send(h, m), ATTACH_E_PROTO);
		nlmsg_free(m);
		snprintf(want, sizeof(want), "send hello (the protocol version exchange) before %s", c->name);
		assert_string_equal(h->message, want);
		assert_unchanged(h, before);
		refused++;
	}
	assert_int_equal(refused, N_CALLS - 1);
	h->dc = saved;
}

/* @id in upper case, into @out (ATTACH_UUID_LEN + 1 bytes). */
static const char *upper(const char *id, char *out)
{
	for (size_t i = 0; i <= ATTACH_UUID_LEN; i++)
		out[i] = (char)toupper((unsigned char)id[i]);
	return out;
}

/* Volume, instance and attachment ids are keys: spelled in lower case whatever the request's case; what
 * libuuid does not take is refused, naming the attribute. */
static void test_uuids(void **state)
{
	struct harness *h = *state;
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_AVAILABLE);
	char vol_up[ATTACH_UUID_LEN + 1], att[ATTACH_UUID_LEN + 1], att_up[ATTACH_UUID_LEN + 1], ins_up[64];
	assert_string_not_equal(upper(vol, vol_up), vol);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_SHOW, V(vol_up), 0), ATTACH_OK);
	assert_string_equal(h_str(h, ATTACH_A_VOLUME_ID), vol);
	reserve(h, vol_up, att);
	assert_int_equal(h_call(h, ATTACH_MSG_ATTACH, V(vol_up), ATTACH_A_INSTANCE, upper(INSTANCE, ins_up),
				ATTACH_A_HOST, "h", ATTACH_A_MOUNTPOINT, "/dev/vdb", ATTACH_A_ATTACHMENT_ID,
				upper(att, att_up), 0), ATTACH_OK);
	assert_string_equal(h_str(h, ATTACH_A_ATTACHMENT_ID), att);
	/* the same attach in lower case is its retry: the records hold the lower-case spelling */
	assert_int_equal(h_call(h, ATTACH_MSG_ATTACH, V(vol), ATTACH_A_INSTANCE, INSTANCE, ATTACH_A_HOST, "h",
				ATTACH_A_MOUNTPOINT, "/dev/vdb", ATTACH_A_ATTACHMENT_ID, att, 0), ATTACH_OK);
	assert_non_null(strstr(h->message, "(retry): nothing changed"));
	/* 36 characters, but not a UUID */
	static const struct {
		int attr;
		const char *name;
	} uuids[] = { { ATTACH_A_VOLUME_ID, "volume_id" }, { ATTACH_A_INSTANCE, "instance" },
		      { ATTACH_A_ATTACHMENT_ID, "attachment_id" } };
	const char *bad = "0b6e5bd6-4d71-4a9f-8f0e-6c1f2a3b4cZZ";
	for (size_t i = 0; i < 3; i++) {
		char *before = h_snapshot(h), want[128];
		assert_int_equal(h_call(h, ATTACH_MSG_ATTACH, V(uuids[i].attr == ATTACH_A_VOLUME_ID ? bad : vol),
					ATTACH_A_INSTANCE, uuids[i].attr == ATTACH_A_INSTANCE ? bad : INSTANCE,
					ATTACH_A_HOST, "h", ATTACH_A_MOUNTPOINT, "/dev/vdb", ATTACH_A_ATTACHMENT_ID,
					uuids[i].attr == ATTACH_A_ATTACHMENT_ID ? bad : att, 0),
				 ATTACH_E_INVALID);
		snprintf(want, sizeof(want), "attribute %s: \"%s\" is not a UUID", uuids[i].name, bad);
		assert_string_equal(h->message, want);
		assert_unchanged(h, before);
	}
	/* dispatch_validate lower-cases in the caller's buffer */
	struct nl_msg *m = req_new(ATTACH_MSG_VOLUME_SHOW);
	assert_int_equal(proto_put_str(m, ATTACH_A_VOLUME_ID, vol_up), 0);
	struct nlmsghdr *copy = msg_copy(m, 0);
	const struct proto_call *call;
	struct nlattr *tb[ATTACH_A_MAX + 1];
	char msg[256];
	assert_int_equal(dispatch_validate(copy, copy->nlmsg_len, &call, tb, msg, sizeof(msg)), 0);
	assert_int_equal(call->type, ATTACH_MSG_VOLUME_SHOW);
	assert_string_equal(nla_get_string(tb[ATTACH_A_VOLUME_ID]), vol);
	free(copy);
	nlmsg_free(m);
}

/* A call in a state its row does not take: -EBADFD (state) with the row's words, nothing changed, and no
 * result attributes. The words are written out here from dispatch.h's table, not read from it. */
static void wrong_state(struct harness *h, uint16_t type, const char *state, const char *expects)
{
	const struct expect_call *c = find_call(type);
	char *before = h_snapshot(h), want[256];
	struct nl_msg *m = build_call(c, false, 0);
	assert_int_equal(h_send(h, m), ATTACH_E_STATE);
	nlmsg_free(m);
	snprintf(want, sizeof(want), "volume %s is %s; %s expects %s", VOL, state, c->name, expects);
	assert_string_equal(h->message, want);
	struct nlattr *pos;
	int rem, n = 0;
	nlmsg_for_each_attr(pos, nlmsg_hdr(h->reply), 0, rem)
		n++;
	assert_int_equal(n, 2); /* status and message */
	assert_unchanged(h, before);
}

static void test_wrong_state(void **state)
{
	struct harness *h = *state;
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_SHOW, V(VOL), 0), ATTACH_E_NOT_FOUND);
	assert_string_equal(h->message, "no volume " VOL);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[0], ATTACH_A_VOLUME_ID, VOL, 0),
			 ATTACH_OK);
	wrong_state(h, ATTACH_MSG_UNRESERVE, "available", "attaching");
	wrong_state(h, ATTACH_MSG_INITIALIZE_CONNECTION, "available", "attaching or in-use");
	wrong_state(h, ATTACH_MSG_ATTACH, "available", "attaching");
	wrong_state(h, ATTACH_MSG_BEGIN_DETACHING, "available", "in-use");
	wrong_state(h, ATTACH_MSG_ROLL_DETACHING, "available", "detaching");
	h_to_state(h, VOL, ATTACH_STATE_ATTACHING, INI_A);
	wrong_state(h, ATTACH_MSG_VOLUME_DELETE, "attaching", "available");
	wrong_state(h, ATTACH_MSG_ROLL_DETACHING, "attaching", "detaching");
	assert_int_equal(h_call(h, ATTACH_MSG_UNRESERVE, V(VOL), 0), ATTACH_OK);
	h_to_state(h, VOL, ATTACH_STATE_DETACHING, INI_A);
	wrong_state(h, ATTACH_MSG_RESERVE, "detaching", "available (or in-use if multiattach)");
	wrong_state(h, ATTACH_MSG_ATTACH, "detaching", "attaching");
	wrong_state(h, ATTACH_MSG_BEGIN_DETACHING, "detaching", "in-use");
}

/* dispatch_reply: status from the errno, the message (or the errno's text), the body's attributes, and
 * a reply too large for the protocol replaced by a refusal. */
static void test_reply(void **state)
{
	(void)state;
	struct nlattr *tb[ATTACH_A_MAX + 1];
	struct nl_msg *body = proto_msg_new(0, 0, 0);
	assert_non_null(body);
	assert_int_equal(proto_put_str(body, ATTACH_A_VOLUME_ID, VOL), 0);
	struct nl_msg *r = dispatch_reply(ATTACH_MSG_VOLUME_SHOW, 42, 0, "done", body);
	assert_non_null(r);
	assert_int_equal(nlmsg_hdr(r)->nlmsg_type, ATTACH_MSG_VOLUME_SHOW);
	assert_int_equal(nlmsg_hdr(r)->nlmsg_seq, 42);
	assert_int_equal(nlmsg_parse(nlmsg_hdr(r), 0, tb, ATTACH_A_MAX, (struct nla_policy *)proto_reply_policy), 0);
	assert_int_equal(nla_get_u32(tb[ATTACH_A_STATUS]), ATTACH_OK);
	assert_string_equal(nla_get_string(tb[ATTACH_A_MESSAGE]), "done");
	assert_string_equal(nla_get_string(tb[ATTACH_A_VOLUME_ID]), VOL);
	nlmsg_free(r);
	r = dispatch_reply(ATTACH_MSG_RESERVE, 7, -EBUSY, "", NULL);
	assert_int_equal(nlmsg_parse(nlmsg_hdr(r), 0, tb, ATTACH_A_MAX, (struct nla_policy *)proto_reply_policy), 0);
	assert_int_equal(nla_get_u32(tb[ATTACH_A_STATUS]), ATTACH_E_BUSY);
	assert_string_equal(nla_get_string(tb[ATTACH_A_MESSAGE]), strerror(EBUSY));
	assert_null(tb[ATTACH_A_VOLUME_ID]);
	nlmsg_free(r);
	/* a body that fills the protocol's maximum on its own */
	static char big[60000];
	memset(big, 'x', sizeof(big) - 1);
	static const size_t sizes[] = { sizeof(big), 4000, 100, 1 };
	for (size_t i = 0; i < 4; i++)
		while (proto_put_str(body, ATTACH_A_NAME, big + sizeof(big) - sizes[i]) == 0)
			;
	assert_true(nlmsg_hdr(body)->nlmsg_len > ATTACH_REPLY_MAX - 16);
	r = dispatch_reply(ATTACH_MSG_VOLUME_LIST, 9, 0, "all of them", body);
	assert_non_null(r);
	assert_true(nlmsg_hdr(r)->nlmsg_len < 1024);
	assert_int_equal(nlmsg_parse(nlmsg_hdr(r), 0, tb, ATTACH_A_MAX, (struct nla_policy *)proto_reply_policy), 0);
	assert_int_equal(nla_get_u32(tb[ATTACH_A_STATUS]), ATTACH_E_TOO_BIG);
	assert_string_equal(nla_get_string(tb[ATTACH_A_MESSAGE]), "the reply exceeds the protocol's maximum size");
	nlmsg_free(r);
	nlmsg_free(body);
}

/* terminate-connection by attachment releases one reference; --force removes everyone's: not both. */
static void test_attachment_and_force_refused(void **state)
{
	struct harness *h = *state;
	char att[ATTACH_UUID_LEN + 1];
	const char *vol = new_volume(h, 0, 1, ATTACH_STATE_IN_USE);
	reserve(h, vol, att);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_int_equal(do_attach(h, vol), ATTACH_OK);
	char dm[128], *before = h_snapshot(h);
	snprintf(dm, sizeof(dm), "attachd-%s", vol);
	char *kernel = h_kernel_state(h, dm);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_ATTACHMENT_ID, att, ATTACH_A_FORCE,
				"", 0), ATTACH_E_INVALID);
	assert_string_equal(h->message, "attributes attachment_id and force do not go together");
	assert_unchanged(h, before);
	assert_kernel_unchanged(h, dm, kernel);
}

/* @vol's record to @state, with an intent of @call on it (journaled: its rollback brings @vol back) */
static void pending_state(struct harness *h, const char *vol, uint8_t state, const char *call)
{
	MDB_txn *txn;
	struct rec_volume v;
	assert_int_equal(store_begin(h->a.store, true, &txn), 0);
	store_journal_start(h->a.store);
	assert_int_equal(store_get(h->a.store, txn, STORE_VOLUMES, vol, &v), 0);
	v.state = state;
	assert_int_equal(store_put(h->a.store, txn, STORE_VOLUMES, vol, &v), 0);
	assert_int_equal(store_intent_put(h->a.store, txn, call, vol), 0);
	store_journal_stop(h->a.store);
	assert_int_equal(store_commit(txn), 0);
}

static bool skip_vol(const char *volume, void *arg)
{
	return !strcmp(volume, arg);
}

/* An intent left pending (its settling could not be saved) blocks every mutating call until reconcile
 * settles it: another call would overwrite it, or be undone by its rollback. */
static void test_pending_intent_blocks_calls(void **state)
{
	struct harness *h = *state;
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_AVAILABLE);
	pending_state(h, vol, ATTACH_STATE_ATTACHING, "reserve");

	char *before = h_snapshot(h), want[256];
	snprintf(want, sizeof(want),
		 "the interrupted reserve on volume %s is not settled yet: run reconcile (or restart attachd)", vol);
	assert_int_equal(h_call(h, ATTACH_MSG_UNRESERVE, V(vol), 0), ATTACH_E_INTERNAL);
	assert_string_equal(h->message, want);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[1], 0), ATTACH_E_INTERNAL);
	assert_string_equal(h->message, want);
	assert_int_equal(h_call(h, ATTACH_MSG_UNRESERVE, V(vol), ATTACH_A_DRY_RUN, "", 0), ATTACH_E_INTERNAL);
	assert_int_equal(volume_state(h, vol), ATTACH_STATE_ATTACHING); /* reading still works */
	assert_unchanged(h, before);
	/* reconcile is mutating too, but runs its own transactions: served, and it settles the intent */
	assert_true(proto_call_find(ATTACH_MSG_RECONCILE)->mutating);
	assert_int_equal(h_call(h, ATTACH_MSG_RECONCILE, 0), ATTACH_OK);
	assert_non_null(strstr(h->message, "1 fixed"));
	assert_int_equal(volume_state(h, vol), ATTACH_STATE_AVAILABLE);
	assert_int_equal(h_call(h, ATTACH_MSG_RESERVE, V(vol), 0), ATTACH_OK);
}

/* Calls in the kernel side by side leave one intent each (key "pending/<volume>"): one of a call in
 * flight is passed over when a call looks for an unsettled one, and reconcile rolls them all back. An
 * intent from a database written before (the one key "pending") is read and rolled back the same way. */
static void test_intents_per_volume(void **state)
{
	struct harness *h = *state;
	const char *v0 = new_volume(h, 0, 0, ATTACH_STATE_AVAILABLE), *v1 = new_volume(h, 1, 0, ATTACH_STATE_AVAILABLE);
	char vol0[ATTACH_UUID_LEN + 1], vol1[ATTACH_UUID_LEN + 1], call[64], vol[64];
	snprintf(vol0, sizeof(vol0), "%s", v0);
	snprintf(vol1, sizeof(vol1), "%s", v1);
	pending_state(h, vol0, ATTACH_STATE_ATTACHING, "reserve");
	pending_state(h, vol1, ATTACH_STATE_IN_USE, "attach");

	MDB_txn *txn;
	assert_int_equal(store_begin(h->a.store, true, &txn), 0);
	/* vol1's intent moves to the old key, as a database from before would hold it */
	char key[128];
	snprintf(key, sizeof(key), "pending/%s", vol1);
	MDB_val k = { strlen(key), key }, v, old = { strlen("pending"), "pending" };
	assert_int_equal(mdb_get(txn, h->a.store->dbi[STORE_INTENTS], &k, &v), 0);
	void *copy = malloc(v.mv_size);
	memcpy(copy, v.mv_data, v.mv_size);
	MDB_val cv = { v.mv_size, copy };
	assert_int_equal(mdb_put(txn, h->a.store->dbi[STORE_INTENTS], &old, &cv, 0), 0);
	assert_int_equal(mdb_del(txn, h->a.store->dbi[STORE_INTENTS], &k, NULL), 0);
	free(copy);
	/* both pending; the one of a call in flight is passed over */
	assert_int_equal(store_intent_find(h->a.store, txn, skip_vol, vol0, call, sizeof(call), vol, sizeof(vol)), 0);
	assert_string_equal(vol, vol1);
	assert_string_equal(call, "attach");
	assert_int_equal(store_intent_find(h->a.store, txn, skip_vol, vol1, call, sizeof(call), vol, sizeof(vol)), 0);
	assert_string_equal(vol, vol0);
	assert_int_equal(store_commit(txn), 0);

	/* a mutating call refuses while either is pending and nothing is in flight */
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[2], 0), ATTACH_E_INTERNAL);
	assert_non_null(strstr(h->message, "is not settled yet"));
	/* reconcile rolls both back */
	assert_int_equal(h_call(h, ATTACH_MSG_RECONCILE, 0), ATTACH_OK);
	assert_non_null(strstr(h->message, "2 fixed"));
	assert_int_equal(volume_state(h, vol0), ATTACH_STATE_AVAILABLE);
	assert_int_equal(volume_state(h, vol1), ATTACH_STATE_AVAILABLE);
	assert_int_equal(store_begin(h->a.store, false, &txn), 0);
	assert_int_equal(store_intent_get(h->a.store, txn, call, sizeof(call), vol, sizeof(vol)), -ENOENT);
	store_abort(txn);
	assert_int_equal(h_call(h, ATTACH_MSG_RESERVE, V(vol0), 0), ATTACH_OK);
}


UNIT_MAIN("dispatch", H_TEST(test_dry_run_changes_nothing), H_TEST(test_hello_first_and_version),
	  H_TEST(test_every_call_needs_hello), H_TEST(test_uuids), H_TEST(test_wrong_state), H_TEST(test_reply),
	  H_TEST(test_attachment_and_force_refused), H_TEST(test_pending_intent_blocks_calls),
	  H_TEST(test_intents_per_volume))
