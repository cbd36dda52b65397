/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_dispatch.c: the path every request takes (agent/server/dispatch.c, on the harness of
 * helpers/harness.h): hello first and the version exchange, dry-run (the plan, and nothing changed), and an
 * intent left pending that blocks the one-plan calls until reconcile settles it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "calls_fx.h"
#include "unit_main.h"

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
}

static void test_hello_first_and_version(void **state)
{
	struct harness *h = *state;
	struct dispatch_conn fresh = { 0 };
	struct dispatch_conn saved = h->dc;
	h->dc = fresh;
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_LIST, 0), ATTACH_E_PROTO);
	assert_non_null(strstr(h->message, "hello"));
	assert_int_equal(h_call(h, ATTACH_MSG_HELLO, ATTACH_A_VERSION, "99", 0), ATTACH_E_VERSION);
	assert_non_null(strstr(h->message, "99"));
	assert_int_equal(h_call(h, ATTACH_MSG_HELLO, ATTACH_A_VERSION, "1", 0), ATTACH_OK);
	assert_int_equal(nla_get_u32(h->tb[ATTACH_A_VERSION]), ATTACH_PROTO_VERSION);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_LIST, 0), ATTACH_OK);
	h->dc = saved;
}

/* An intent left pending (its settling could not be saved) blocks every mutating call until reconcile
 * settles it: another call would overwrite it, or be undone by its rollback. */
static void test_pending_intent_blocks_calls(void **state)
{
	struct harness *h = *state;
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_AVAILABLE);
	MDB_txn *txn;
	struct rec_volume v;
	assert_int_equal(store_begin(h->a.store, true, &txn), 0);
	store_journal_start(h->a.store);
	assert_int_equal(store_get(h->a.store, txn, STORE_VOLUMES, vol, &v), 0);
	v.state = ATTACH_STATE_ATTACHING;
	assert_int_equal(store_put(h->a.store, txn, STORE_VOLUMES, vol, &v), 0);
	assert_int_equal(store_intent_put(h->a.store, txn, "reserve", vol), 0);
	store_journal_stop(h->a.store);
	assert_int_equal(store_commit(txn), 0);

	assert_int_equal(h_call(h, ATTACH_MSG_UNRESERVE, V(vol), 0), ATTACH_E_INTERNAL);
	assert_non_null(strstr(h->message, "not settled"));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[1], 0), ATTACH_E_INTERNAL);
	assert_int_equal(volume_state(h, vol), ATTACH_STATE_ATTACHING); /* reading still works */
	assert_int_equal(h_call(h, ATTACH_MSG_RECONCILE, 0), ATTACH_OK);
	assert_non_null(strstr(h->message, "1 fixed"));
	assert_int_equal(volume_state(h, vol), ATTACH_STATE_AVAILABLE);
	assert_int_equal(h_call(h, ATTACH_MSG_RESERVE, V(vol), 0), ATTACH_OK);
}

UNIT_MAIN("dispatch", H_TEST(test_dry_run_changes_nothing), H_TEST(test_hello_first_and_version),
	  H_TEST(test_pending_intent_blocks_calls))
