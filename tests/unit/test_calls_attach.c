/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_calls_attach.c: a volume's state machine through dispatch() (agent/calls/call_attach.c, on the
 * harness of helpers/harness.h): the full cycle from volume-create to volume-delete, every call in every
 * state (a refusal changes nothing), the permitted transitions, unreserve releasing a connection, and
 * attach, detach and reserve with their ids and retries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "calls_fx.h"
#include "unit_main.h"

static void test_full_cycle(void **state)
{
	struct harness *h = *state;
	char att[64], user[64], pass[64], acl[1024];
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_AVAILABLE);
	assert_int_equal(volume_state(h, vol), ATTACH_STATE_AVAILABLE);

	reserve(h, vol, att);
	assert_int_equal(strlen(att), 36);
	assert_int_equal(volume_state(h, vol), ATTACH_STATE_ATTACHING);

	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_string_equal(h_str(h, ATTACH_A_DRIVER_TYPE), "iscsi");
	assert_string_equal(h_str(h, ATTACH_A_AUTH_METHOD), "CHAP");
	assert_int_equal(nla_get_u32(h->tb[ATTACH_A_LUN]), 0);
	char want_iqn[128];
	snprintf(want_iqn, sizeof(want_iqn), AGENT_DEFAULT_IQN_PREFIX ":%s", vol);
	assert_string_equal(h_str(h, ATTACH_A_TARGET_IQN), want_iqn);
	snprintf(user, sizeof(user), "%s", h_str(h, ATTACH_A_AUTH_USERNAME));
	snprintf(pass, sizeof(pass), "%s", h_str(h, ATTACH_A_AUTH_PASSWORD));
	assert_int_equal(strlen(user), 16);
	assert_int_equal(strlen(pass), 16);
	assert_string_not_equal(user, pass);

	/* the kernel side: CHAP on the ACL, no trailing newline, discovery hardened, enabled */
	char val[256];
	snprintf(acl, sizeof(acl), "%s/tpgt_1/acls/" INI_A, target_of(vol));
	char p[1200];
	snprintf(p, sizeof(p), "%s/auth/password", acl);
	assert_true(cfs_read(&h->a.cfs, p, val, sizeof(val)) >= 0);
	assert_string_equal(val, pass);
	snprintf(p, sizeof(p), "%s/tpgt_1/attrib/demo_mode_discovery", target_of(vol));
	assert_true(cfs_read(&h->a.cfs, p, val, sizeof(val)) >= 0);
	assert_string_equal(val, "0");
	snprintf(p, sizeof(p), "%s/tpgt_1/enable", target_of(vol));
	assert_true(cfs_read(&h->a.cfs, p, val, sizeof(val)) >= 0);
	assert_string_equal(val, "1");
	assert_true(tree_has(h, "%s/tpgt_1/np/" H_PORTAL, target_of(vol)));
	assert_true(tree_has(h, "%s/lun_0/" "attachd", acl));
	assert_true(tree_has(h, "target/core/" AGENT_HBA "/%s", vol));

	assert_int_equal(do_attach(h, vol), ATTACH_OK);
	assert_string_equal(h_str(h, ATTACH_A_ATTACHMENT_ID), att);
	assert_int_equal(volume_state(h, vol), ATTACH_STATE_IN_USE);

	assert_int_equal(h_call(h, ATTACH_MSG_BEGIN_DETACHING, V(vol), 0), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_A, 0), ATTACH_OK);
	assert_false(tree_has(h, "%s", target_of(vol)));
	assert_false(tree_has(h, "target/core/" AGENT_HBA));
	assert_int_equal(h_call(h, ATTACH_MSG_DETACH, V(vol), 0), ATTACH_OK);
	assert_int_equal(volume_state(h, vol), ATTACH_STATE_AVAILABLE);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_DELETE, V(vol), 0), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_SHOW, V(vol), 0), ATTACH_E_NOT_FOUND);
	/* the device is free again */
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[0], 0), ATTACH_OK);
}

/* Which calls each state permits (dispatch table), checked from the outside. */
struct matrix_call {
	uint16_t type;
	unsigned permitted; /* STATE_BIT()s */
};

static uint32_t call_in_matrix(struct harness *h, uint16_t type, const char *vol)
{
	switch (type) {
	case ATTACH_MSG_INITIALIZE_CONNECTION:
		return h_call(h, type, V(vol), ATTACH_A_INITIATOR, INI_B, 0);
	case ATTACH_MSG_ATTACH:
		return (uint32_t)do_attach(h, vol);
	case ATTACH_MSG_TERMINATE_CONNECTION:
		return h_call(h, type, V(vol), ATTACH_A_INITIATOR, INI_B, 0);
	default:
		return h_call(h, type, V(vol), 0);
	}
}

static void test_state_matrix(void **state)
{
	struct harness *h = *state;
	const unsigned A = STATE_BIT(ATTACH_STATE_AVAILABLE), T = STATE_BIT(ATTACH_STATE_ATTACHING),
		       U = STATE_BIT(ATTACH_STATE_IN_USE), D = STATE_BIT(ATTACH_STATE_DETACHING);
	static struct matrix_call calls[] = {
		{ ATTACH_MSG_VOLUME_DELETE, 0 }, { ATTACH_MSG_RESERVE, 0 }, { ATTACH_MSG_UNRESERVE, 0 },
		{ ATTACH_MSG_INITIALIZE_CONNECTION, 0 }, { ATTACH_MSG_ATTACH, 0 }, { ATTACH_MSG_BEGIN_DETACHING, 0 },
		{ ATTACH_MSG_ROLL_DETACHING, 0 }, { ATTACH_MSG_DETACH, 0 },
	};
	calls[0].permitted = A;
	calls[1].permitted = A; /* in-use only for multiattach volumes: not this one */
	calls[2].permitted = T;
	calls[3].permitted = T | U;
	calls[4].permitted = T;
	calls[5].permitted = U;
	calls[6].permitted = D;
	calls[7].permitted = D;
	int states[] = { ATTACH_STATE_AVAILABLE, ATTACH_STATE_ATTACHING, ATTACH_STATE_IN_USE, ATTACH_STATE_DETACHING };
	int refused = 0;
	for (size_t s = 0; s < 4; s++) {
		const char *vol = new_volume(h, (int)s, 0, states[s]);
		for (size_t c = 0; c < sizeof(calls) / sizeof(calls[0]); c++) {
			if (calls[c].permitted & STATE_BIT(states[s]))
				continue;
			char *before = h_snapshot(h);
			uint32_t st = call_in_matrix(h, calls[c].type, vol);
			/* a reserve that finds the volume reserved may be its own retry: it says so; the same attach
			 * again (do_attach's instance) is one, and changes nothing */
			bool again = calls[c].type == ATTACH_MSG_RESERVE && states[s] == ATTACH_STATE_ATTACHING;
			bool retry = calls[c].type == ATTACH_MSG_ATTACH && states[s] == ATTACH_STATE_IN_USE;
			uint32_t want = again ? ATTACH_E_ALREADY : retry ? ATTACH_OK : ATTACH_E_STATE;
			if (st != want)
				fail_msg("%s in state %s: status %u (%s), expected %s", proto_call_find(calls[c].type)->name,
					 proto_state_name(states[s]), st, h->message, proto_status_name(want));
			/* the message names the volume, its state and what the call expects */
			assert_non_null(strstr(h->message, vol));
			if (again) {
				assert_non_null(strstr(h->message, "already reserved (rw): attachment"));
			} else if (retry) {
				assert_non_null(strstr(h->message, "(retry): nothing changed"));
			} else {
				assert_non_null(strstr(h->message, proto_state_name(states[s])));
				assert_non_null(strstr(h->message, "expects"));
			}
			assert_unchanged(h, before);
			refused++;
		}
	}
	assert_int_equal(refused, 4 * 8 - 9); /* 9 (call, state) pairs are permitted */
}

static void test_permitted_transitions(void **state)
{
	struct harness *h = *state;
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_AVAILABLE);
	/* reserve / unreserve with no connection */
	assert_int_equal(h_call(h, ATTACH_MSG_RESERVE, V(vol), 0), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_UNRESERVE, V(vol), 0), ATTACH_OK);
	assert_int_equal(volume_state(h, vol), ATTACH_STATE_AVAILABLE);
	/* roll_detaching */
	h_to_state(h, vol, ATTACH_STATE_DETACHING, INI_A);
	assert_int_equal(h_call(h, ATTACH_MSG_ROLL_DETACHING, V(vol), 0), ATTACH_OK);
	assert_int_equal(volume_state(h, vol), ATTACH_STATE_IN_USE);
	/* initialize_connection while in-use: a second initiator (live migration) gets its own ACL */
	assert_int_equal(init_conn(h, vol, INI_B), ATTACH_OK);
	assert_true(tree_has(h, "%s/tpgt_1/acls/" INI_B, target_of(vol)));
	/* terminate_connection in-use (migration source cleanup) keeps the other initiator */
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_A, 0), ATTACH_OK);
	assert_false(tree_has(h, "%s/tpgt_1/acls/" INI_A, target_of(vol)));
	assert_true(tree_has(h, "%s/tpgt_1/acls/" INI_B, target_of(vol)));
	/* reserve on an in-use volume that is not multiattach */
	assert_int_equal(h_call(h, ATTACH_MSG_RESERVE, V(vol), 0), ATTACH_E_STATE);
	assert_non_null(strstr(h->message, "not multiattach"));
	/* terminate_connection is accepted in every state, including available */
	assert_int_equal(h_call(h, ATTACH_MSG_BEGIN_DETACHING, V(vol), 0), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_DETACH, V(vol), 0), ATTACH_OK);
	assert_int_equal(volume_state(h, vol), ATTACH_STATE_AVAILABLE);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_B, 0), ATTACH_OK);
	assert_false(tree_has(h, "%s", target_of(vol)));
	/* detach twice: the second finds the volume available, its attachment detached already: a retry */
	assert_int_equal(h_call(h, ATTACH_MSG_DETACH, V(vol), 0), ATTACH_E_ALREADY);
	assert_non_null(strstr(h->message, "was detached already (a retry?)"));
}

static void test_unreserve_releases_connection(void **state)
{
	struct harness *h = *state;
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_ATTACHING);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_true(tree_has(h, "%s", target_of(vol)));
	assert_int_equal(h_call(h, ATTACH_MSG_UNRESERVE, V(vol), 0), ATTACH_OK);
	assert_false(tree_has(h, "%s", target_of(vol)));
	assert_int_equal(volume_state(h, vol), ATTACH_STATE_AVAILABLE);
	/* Nova's order (terminate, then unreserve) releases the connection once */
	h_to_state(h, vol, ATTACH_STATE_ATTACHING, INI_A);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_A, 0), ATTACH_OK);
	assert_false(tree_has(h, "%s", target_of(vol)));
	assert_int_equal(h_call(h, ATTACH_MSG_UNRESERVE, V(vol), 0), ATTACH_OK);
	assert_int_equal(volume_state(h, vol), ATTACH_STATE_AVAILABLE);
}

static void test_attach_and_detach_ids(void **state)
{
	struct harness *h = *state;
	char att[64];
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_AVAILABLE);
	reserve(h, vol, att);
	assert_int_equal(h_call(h, ATTACH_MSG_ATTACH, V(vol), ATTACH_A_INSTANCE, INSTANCE, ATTACH_A_HOST, "h",
				ATTACH_A_MOUNTPOINT, "/dev/vdb", ATTACH_A_ATTACHMENT_ID,
				"00000000-0000-4000-8000-000000000000", 0), ATTACH_E_NOT_FOUND);
	assert_int_equal(h_call(h, ATTACH_MSG_ATTACH, V(vol), ATTACH_A_INSTANCE, "not-a-uuid-at-all-but-36-characters",
				ATTACH_A_HOST, "h", ATTACH_A_MOUNTPOINT, "/dev/vdb", 0), ATTACH_E_INVALID);
	/* the mode was fixed at reserve (rw): another one is refused, nothing changed */
	char *fixed = h_snapshot(h);
	assert_int_equal(h_call(h, ATTACH_MSG_ATTACH, V(vol), ATTACH_A_INSTANCE, INSTANCE, ATTACH_A_HOST, "h",
				ATTACH_A_MOUNTPOINT, "/dev/vdb", ATTACH_A_MODE, "1", ATTACH_A_ATTACHMENT_ID, att, 0),
			 ATTACH_E_INVALID);
	assert_non_null(strstr(h->message, "was reserved rw: attach as ro conflicts"));
	assert_unchanged(h, fixed);
	assert_int_equal(h_call(h, ATTACH_MSG_ATTACH, V(vol), ATTACH_A_INSTANCE, INSTANCE, ATTACH_A_HOST, "h",
				ATTACH_A_MOUNTPOINT, "/dev/vdb", ATTACH_A_MODE, "0", ATTACH_A_ATTACHMENT_ID, att, 0),
			 ATTACH_OK);
	/* the same attach again: a retry that changes nothing; other details for it: already attached */
	char *before = h_snapshot(h);
	assert_int_equal(h_call(h, ATTACH_MSG_ATTACH, V(vol), ATTACH_A_INSTANCE, INSTANCE, ATTACH_A_HOST, "h",
				ATTACH_A_MOUNTPOINT, "/dev/vdb", ATTACH_A_MODE, "0", ATTACH_A_ATTACHMENT_ID, att, 0),
			 ATTACH_OK);
	assert_non_null(strstr(h->message, "(retry): nothing changed"));
	assert_string_equal(h_str(h, ATTACH_A_ATTACHMENT_ID), att);
	assert_int_equal(h_call(h, ATTACH_MSG_ATTACH, V(vol), ATTACH_A_INSTANCE, INSTANCE, ATTACH_A_HOST, "other",
				ATTACH_A_MOUNTPOINT, "/dev/vdb", ATTACH_A_ATTACHMENT_ID, att, 0), ATTACH_E_ALREADY);
	assert_non_null(strstr(h->message, "is already attached, to instance"));
	assert_string_equal(h_str(h, ATTACH_A_ATTACHMENT_ID), att);
	assert_unchanged(h, before);
	assert_int_equal(h_call(h, ATTACH_MSG_BEGIN_DETACHING, V(vol), 0), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_DETACH, V(vol), ATTACH_A_ATTACHMENT_ID,
				"00000000-0000-4000-8000-000000000000", 0), ATTACH_E_NOT_FOUND);
	assert_int_equal(h_call(h, ATTACH_MSG_DETACH, V(vol), ATTACH_A_ATTACHMENT_ID, att, 0), ATTACH_OK);
	/* detach twice: the retry says so and changes nothing */
	before = h_snapshot(h);
	assert_int_equal(h_call(h, ATTACH_MSG_DETACH, V(vol), ATTACH_A_ATTACHMENT_ID, att, 0), ATTACH_OK);
	assert_non_null(strstr(h->message, "already detached (retry)"));
	assert_unchanged(h, before);
	assert_int_equal(h_call(h, ATTACH_MSG_DETACH, V(vol), ATTACH_A_ATTACHMENT_ID,
				"00000000-0000-4000-8000-000000000000", 0), ATTACH_E_STATE);
	/* reserve twice: the second names the reservation, which is there once */
	reserve(h, vol, att);
	assert_int_equal(h_call(h, ATTACH_MSG_RESERVE, V(vol), 0), ATTACH_E_ALREADY);
	assert_string_equal(h_str(h, ATTACH_A_ATTACHMENT_ID), att);
	/* a new reservation forgets the last detach: a detach now is no retry of it */
	assert_int_equal(h_call(h, ATTACH_MSG_DETACH, V(vol), 0), ATTACH_E_STATE);
}

UNIT_MAIN("calls-attach", H_TEST(test_full_cycle), H_TEST(test_state_matrix), H_TEST(test_permitted_transitions),
	  H_TEST(test_unreserve_releases_connection), H_TEST(test_attach_and_detach_ids))
