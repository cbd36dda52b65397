/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_calls.c: the calls through dispatch(), on a simulated configfs tree and a real LMDB store: the
 * full cycle, every call in every state (refusals change nothing), retries, reference counts,
 * multiattach, rollback on a kernel failure, dry-run, the registry's device checks.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "calls_fx.h"
#include "sim.h"

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
				assert_non_null(strstr(h->message, "already reserved: attachment"));
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

static void test_retry_same_credentials_no_kernel_work(void **state)
{
	struct harness *h = *state;
	char user[64], pass[64];
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_ATTACHING);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	snprintf(user, sizeof(user), "%s", h_str(h, ATTACH_A_AUTH_USERNAME));
	snprintf(pass, sizeof(pass), "%s", h_str(h, ATTACH_A_AUTH_PASSWORD));
	char *before = h_snapshot(h);
	sim_stats_reset();
	/* the same connector again, and spelled in another case */
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_string_equal(h_str(h, ATTACH_A_AUTH_USERNAME), user);
	assert_string_equal(h_str(h, ATTACH_A_AUTH_PASSWORD), pass);
	assert_int_equal(init_conn(h, vol, "IQN.2004-10.ORG.EXAMPLE:HOST-A"), ATTACH_OK);
	assert_string_equal(h_str(h, ATTACH_A_AUTH_PASSWORD), pass);
	struct sim_stats st = sim_stats();
	assert_int_equal(st.mkdir + st.rmdir + st.write + st.symlink + st.unlink + st.read, 0);
	assert_unchanged(h, before);
	/* after attach, still a retry */
	assert_int_equal(do_attach(h, vol), ATTACH_OK);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_string_equal(h_str(h, ATTACH_A_AUTH_PASSWORD), pass);
}

/* An export costs exactly these configfs operations, however many exports exist already: no reads,
 * no scans. */
static void test_minimal_kernel_work(void **state)
{
	struct harness *h = *state;
	for (int i = 1; i < H_DEVS; i++) {
		const char *other = new_volume(h, i, 0, ATTACH_STATE_AVAILABLE);
		h_to_state(h, other, ATTACH_STATE_IN_USE, INI_B);
	}
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_ATTACHING);
	sim_stats_reset();
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	struct sim_stats st = sim_stats();
	/* HBA (EEXIST here: other exports made it; one syscall, cheaper than asking first), storage
	 * object, target, tpgt_1, lun_0, ACL, mapped lun_0, one portal */
	assert_int_equal(st.mkdir, 8);
	/* control, udev_path, enable, serial; 3 TPG attributes; userid, password; TPG enable */
	assert_int_equal(st.write, 10);
	assert_int_equal(st.symlink, 2);
	assert_int_equal(st.read + st.rmdir + st.unlink, 0);
	/* a second initiator on the live export: ACL, mapped LUN and its link, CHAP */
	sim_stats_reset();
	assert_int_equal(do_attach(h, vol), ATTACH_OK);
	assert_int_equal(init_conn(h, vol, INI_B), ATTACH_OK);
	st = sim_stats();
	assert_int_equal(st.mkdir, 2);
	assert_int_equal(st.write, 2);
	assert_int_equal(st.symlink, 1);
}

static void test_multiattach_two_initiators(void **state)
{
	struct harness *h = *state;
	char pa[64];
	const char *vol = new_volume(h, 0, 1, ATTACH_STATE_IN_USE);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	snprintf(pa, sizeof(pa), "%s", h_str(h, ATTACH_A_AUTH_PASSWORD));
	assert_int_equal(h_call(h, ATTACH_MSG_RESERVE, V(vol), 0), ATTACH_OK);
	assert_int_equal(init_conn(h, vol, INI_B), ATTACH_OK);
	assert_string_not_equal(h_str(h, ATTACH_A_AUTH_PASSWORD), pa);
	assert_int_equal(do_attach(h, vol), ATTACH_OK);
	assert_true(tree_has(h, "%s/tpgt_1/acls/" INI_A, target_of(vol)));
	assert_true(tree_has(h, "%s/tpgt_1/acls/" INI_B, target_of(vol)));

	assert_int_equal(h_call(h, ATTACH_MSG_BEGIN_DETACHING, V(vol), 0), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_A, 0), ATTACH_OK);
	assert_false(tree_has(h, "%s/tpgt_1/acls/" INI_A, target_of(vol)));
	assert_true(tree_has(h, "%s/tpgt_1/acls/" INI_B "/lun_0/attachd", target_of(vol)));
	/* two attachments: detach needs to be told which */
	assert_int_equal(h_call(h, ATTACH_MSG_DETACH, V(vol), 0), ATTACH_E_INVALID);
	assert_int_equal(volume_state(h, vol), ATTACH_STATE_DETACHING);
	assert_non_null(h->tb[ATTACH_A_VOLUME_ID]);
}

/* Cinder LP#1786327: two instances on one host attach one multiattach volume through one initiator. */
static void test_same_initiator_refcount(void **state)
{
	struct harness *h = *state;
	const char *vol = new_volume(h, 0, 1, ATTACH_STATE_IN_USE);
	assert_int_equal(h_call(h, ATTACH_MSG_RESERVE, V(vol), 0), ATTACH_OK);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_int_equal(do_attach(h, vol), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_SHOW, V(vol), 0), ATTACH_OK);
	struct nlattr *pos;
	int rem, acls = 0;
	nlmsg_for_each_attr(pos, nlmsg_hdr(h->reply), 0, rem) {
		if (nla_type(pos) != ATTACH_A_ACL)
			continue;
		struct nlattr *tb[ATTACH_A_MAX + 1];
		assert_int_equal(nla_parse_nested(tb, ATTACH_A_MAX, pos, (struct nla_policy *)proto_reply_policy), 0);
		assert_int_equal(nla_get_u32(tb[ATTACH_A_REFS]), 2);
		assert_null(tb[ATTACH_A_AUTH_PASSWORD]); /* secrets hidden unless asked */
		acls++;
	}
	assert_int_equal(acls, 1);
	char att[2][64];
	int n = 0;
	nlmsg_for_each_attr(pos, nlmsg_hdr(h->reply), 0, rem) {
		struct nlattr *tb[ATTACH_A_MAX + 1];
		if (nla_type(pos) != ATTACH_A_ATTACHMENT || n == 2)
			continue;
		assert_int_equal(nla_parse_nested(tb, ATTACH_A_MAX, pos, (struct nla_policy *)proto_reply_policy), 0);
		snprintf(att[n++], sizeof(att[0]), "%s", nla_get_string(tb[ATTACH_A_ATTACHMENT_ID]));
	}
	assert_int_equal(n, 2);
	assert_int_equal(h_call(h, ATTACH_MSG_BEGIN_DETACHING, V(vol), 0), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_A, 0), ATTACH_OK);
	assert_non_null(strstr(h->message, "keeps access"));
	assert_true(tree_has(h, "%s/tpgt_1/acls/" INI_A, target_of(vol)));
	/* the same terminate again (its reply was lost): the other instance's reference stays */
	char *before = h_snapshot(h);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_A, 0), ATTACH_OK);
	assert_non_null(strstr(h->message, "(retry)"));
	assert_unchanged(h, before);
	assert_true(tree_has(h, "%s/tpgt_1/acls/" INI_A, target_of(vol)));
	assert_int_equal(h_call(h, ATTACH_MSG_DETACH, V(vol), ATTACH_A_ATTACHMENT_ID, att[0], 0), ATTACH_OK);
	assert_int_equal(volume_state(h, vol), ATTACH_STATE_IN_USE);
	/* the second instance's detach: its terminate removes the access; again, nothing more */
	assert_int_equal(h_call(h, ATTACH_MSG_BEGIN_DETACHING, V(vol), 0), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_A, 0), ATTACH_OK);
	assert_false(tree_has(h, "%s", target_of(vol)));
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_A, 0), ATTACH_OK);
	assert_non_null(strstr(h->message, "already removed (retry)"));
	assert_int_equal(h_call(h, ATTACH_MSG_DETACH, V(vol), ATTACH_A_ATTACHMENT_ID, att[1], 0), ATTACH_OK);
	/* no attachment ever connected through it: not a retry, an initiator without access */
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_A, 0),
			 ATTACH_E_NOT_FOUND);
}

/* terminate-connection --attachment: exactly that attachment's reference, a retry releases nothing. */
static void test_terminate_by_attachment(void **state)
{
	struct harness *h = *state;
	char att[64];
	const char *vol = new_volume(h, 0, 1, ATTACH_STATE_IN_USE);
	reserve(h, vol, att);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_int_equal(do_attach(h, vol), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_BEGIN_DETACHING, V(vol), 0), ATTACH_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_A,
					ATTACH_A_ATTACHMENT_ID, att, 0), ATTACH_OK);
		assert_non_null(strstr(h->message, i ? "already terminated (retry)" : "keeps access"));
		assert_true(tree_has(h, "%s/tpgt_1/acls/" INI_A, target_of(vol)));
	}
	/* a release by attachment clears the retry mark of a plain terminate before it */
	char ids[3][64];
	const char *vol2 = new_volume(h, 1, 1, ATTACH_STATE_IN_USE);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(h_call(h, ATTACH_MSG_RESERVE, V(vol2), 0), ATTACH_OK);
		assert_int_equal(init_conn(h, vol2, INI_A), ATTACH_OK);
		assert_int_equal(do_attach(h, vol2), ATTACH_OK);
	}
	assert_int_equal(h_call(h, ATTACH_MSG_BEGIN_DETACHING, V(vol2), 0), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol2), ATTACH_A_INITIATOR, INI_A, 0), ATTACH_OK);
	assert_non_null(strstr(h->message, "2 connection(s) left"));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_SHOW, V(vol2), 0), ATTACH_OK);
	struct nlattr *pos;
	int rem, n = 0;
	nlmsg_for_each_attr(pos, nlmsg_hdr(h->reply), 0, rem) {
		struct nlattr *tb[ATTACH_A_MAX + 1];
		if (nla_type(pos) != ATTACH_A_ATTACHMENT)
			continue;
		assert_int_equal(nla_parse_nested(tb, ATTACH_A_MAX, pos, (struct nla_policy *)proto_reply_policy), 0);
		if (tb[ATTACH_A_CONNECTED] && n < 3)
			snprintf(ids[n++], sizeof(ids[0]), "%s", nla_get_string(tb[ATTACH_A_ATTACHMENT_ID]));
	}
	assert_int_equal(n, 2);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol2), ATTACH_A_INITIATOR, INI_A,
				ATTACH_A_ATTACHMENT_ID, ids[0], 0), ATTACH_OK);
	assert_non_null(strstr(h->message, "1 connection(s) left"));
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol2), ATTACH_A_INITIATOR, INI_A, 0), ATTACH_OK);
	assert_false(tree_has(h, "%s/tpgt_1/acls/" INI_A, target_of(vol2)));
	/* another initiator's attachment, or one that does not exist */
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_B,
				ATTACH_A_ATTACHMENT_ID, att, 0), ATTACH_E_INVALID);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_A,
				ATTACH_A_ATTACHMENT_ID, "00000000-0000-4000-8000-000000000000", 0), ATTACH_E_NOT_FOUND);
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

static void test_reserved_attachment_bound_to_other_initiator(void **state)
{
	struct harness *h = *state;
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_ATTACHING);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	char *before = h_snapshot(h);
	assert_int_equal(init_conn(h, vol, INI_B), ATTACH_E_BUSY);
	assert_non_null(strstr(h->message, INI_A));
	assert_unchanged(h, before);
}

/* Each step of the first export failing in turn: the call fails as a kernel error and nothing is left. */
static void test_kernel_failure_rolls_back(void **state)
{
	struct harness *h = *state;
	static const struct {
		const char *op, *path;
	} points[] = {
		{ "mkdir", "iblock_1000/" }, { "write", "/control" },      { "write", "/enable" },
		{ "mkdir", "tpgt_1" },       { "write", "demo_mode" },     { "symlink", "lun/lun_0/attachd" },
		{ "mkdir", "/acls/" },       { "write", "auth/password" }, { "symlink", "acls/" },
		{ "mkdir", "/np/" },         { "write", "tpgt_1/enable" },
	};
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_ATTACHING);
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		char *before = h_snapshot(h);
		sim_fail(points[i].op, points[i].path, EIO, 1);
		if (init_conn(h, vol, INI_A) != ATTACH_E_KERNEL)
			fail_msg("failure at %s %s: status %u: %s", points[i].op, points[i].path, h->status, h->message);
		assert_non_null(strstr(h->message, "Input/output error"));
		char what[64];
		snprintf(what, sizeof(what), "a failure at %s %s", points[i].op, points[i].path);
		h_check_unchanged(h, before, what, __FILE__, __LINE__);
		sim_fail_clear();
	}
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	/* a failing teardown step keeps the access and the records */
	assert_int_equal(do_attach(h, vol), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_BEGIN_DETACHING, V(vol), 0), ATTACH_OK);
	char *before = h_snapshot(h);
	sim_fail("rmdir", "/tpgt_1/lun/lun_0", EBUSY, 1);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_A, 0),
			 ATTACH_E_KERNEL);
	h_check_unchanged(h, before, h->message, __FILE__, __LINE__);
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
}

static void test_volume_create_checks(void **state)
{
	struct harness *h = *state;
	char file[PATH_MAX + 32], link[PATH_MAX + 32], link2[PATH_MAX + 32], alias[PATH_MAX + 32];
	snprintf(file, sizeof(file), "%s/plain", h->dir);
	snprintf(link, sizeof(link), "%s/link-to-plain", h->dir);
	snprintf(link2, sizeof(link2), "%s/link-to-disk0", h->dir);
	snprintf(alias, sizeof(alias), "%s/disk0-again", h->dir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(symlink(file, link), 0);
	assert_int_equal(symlink(h->dev[0], link2), 0);
	assert_int_equal(mknod(alias, S_IFBLK | 0600, makedev(7, 200)), 0);

	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, file, 0), ATTACH_E_NOT_BLOCK);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, link, 0), ATTACH_E_NOT_BLOCK);
	assert_non_null(strstr(h->message, "not a block device"));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, "/nonexistent/dev", 0),
			 ATTACH_E_NOT_FOUND);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, "relative/path", 0), ATTACH_E_INVALID);
	const char *id = "0B4E2B1A-9C1D-4E5F-8A7B-6C5D4E3F2A1B";
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[0], ATTACH_A_VOLUME_ID, id, 0),
			 ATTACH_OK);
	assert_string_equal(h_str(h, ATTACH_A_VOLUME_ID), "0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b");
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[0], 0), ATTACH_E_BUSY);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, link2, 0), ATTACH_E_BUSY);
	/* the disk is known by its identity, whatever the path; the message names only what was sent */
	assert_non_null(strstr(h->message, link2));
	assert_null(strstr(h->message, h->dev[0]));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, alias, 0), ATTACH_E_BUSY);
	assert_non_null(strstr(h->message, "is already volume 0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b"));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[1], ATTACH_A_VOLUME_ID,
				"0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b", 0), ATTACH_E_EXISTS);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[1], ATTACH_A_VOLUME_ID,
				"0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1g", 0), ATTACH_E_INVALID);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_SHOW, V("0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a10"), 0),
			 ATTACH_E_NOT_FOUND);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_LIST, 0), ATTACH_OK);
}

static void test_volume_delete_refused(void **state)
{
	struct harness *h = *state;
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_IN_USE);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_DELETE, V(vol), 0), ATTACH_E_STATE);
	/* detached without terminate_connection: available but still exported */
	assert_int_equal(h_call(h, ATTACH_MSG_BEGIN_DETACHING, V(vol), 0), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_DETACH, V(vol), 0), ATTACH_OK);
	char *before = h_snapshot(h);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_DELETE, V(vol), 0), ATTACH_E_BUSY);
	assert_non_null(strstr(h->message, "--force"));
	assert_unchanged(h, before);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_FORCE, "", 0), ATTACH_OK);
	assert_false(tree_has(h, "%s", target_of(vol)));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_DELETE, V(vol), 0), ATTACH_OK);
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
	assert_int_equal(h_call(h, ATTACH_MSG_ATTACH, V(vol), ATTACH_A_INSTANCE, INSTANCE, ATTACH_A_HOST, "h",
				ATTACH_A_MOUNTPOINT, "/dev/vdb", ATTACH_A_MODE, "1", ATTACH_A_ATTACHMENT_ID, att, 0),
			 ATTACH_OK);
	/* the same attach again: a retry that changes nothing; other details for it: already attached */
	char *before = h_snapshot(h);
	assert_int_equal(h_call(h, ATTACH_MSG_ATTACH, V(vol), ATTACH_A_INSTANCE, INSTANCE, ATTACH_A_HOST, "h",
				ATTACH_A_MOUNTPOINT, "/dev/vdb", ATTACH_A_MODE, "1", ATTACH_A_ATTACHMENT_ID, att, 0),
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

static void test_restart_keeps_records(void **state)
{
	struct harness *h = *state;
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_IN_USE);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	char pass[64];
	snprintf(pass, sizeof(pass), "%s", h_str(h, ATTACH_A_AUTH_PASSWORD));
	char *before = h_snapshot(h);
	harness_restart(h);
	assert_unchanged(h, before);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_string_equal(h_str(h, ATTACH_A_AUTH_PASSWORD), pass);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_SHOW, V(vol), ATTACH_A_SHOW_SECRETS, "", 0), ATTACH_OK);
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

static void test_force_removes_everyone(void **state)
{
	struct harness *h = *state;
	const char *vol = new_volume(h, 0, 1, ATTACH_STATE_IN_USE);
	assert_int_equal(h_call(h, ATTACH_MSG_RESERVE, V(vol), 0), ATTACH_OK);
	assert_int_equal(init_conn(h, vol, INI_B), ATTACH_OK);
	assert_int_equal(do_attach(h, vol), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), 0), ATTACH_E_INVALID);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_FORCE, "", 0), ATTACH_OK);
	assert_false(tree_has(h, "%s", target_of(vol)));
	assert_false(tree_has(h, "target/core/" AGENT_HBA));
	assert_int_equal(volume_state(h, vol), ATTACH_STATE_IN_USE);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_FORCE, "", 0), ATTACH_E_NOT_FOUND);
	/* a new connection rebuilds the export */
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_true(tree_has(h, "%s/tpgt_1/acls/" INI_A, target_of(vol)));
}

static void test_foreign_objects_untouched(void **state)
{
	struct harness *h = *state;
	/* someone else's target and storage object in another HBA */
	assert_int_equal(cfs_mkdir(&h->a.cfs, "target/iscsi/iqn.2003-01.org.linux-iscsi.other:t1"), 0);
	assert_int_equal(cfs_mkdir(&h->a.cfs, "target/iscsi/iqn.2003-01.org.linux-iscsi.other:t1/tpgt_1"), 0);
	assert_int_equal(cfs_mkdir(&h->a.cfs, "target/core/iblock_0"), 0);
	assert_int_equal(cfs_mkdir(&h->a.cfs, "target/core/iblock_0/theirs"), 0);
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_DETACHING);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_FORCE, "", 0), ATTACH_OK);
	assert_true(tree_has(h, "target/iscsi/iqn.2003-01.org.linux-iscsi.other:t1/tpgt_1"));
	assert_true(tree_has(h, "target/core/iblock_0/theirs"));
}

/* Each export sits on its own dm linear device: made before the storage object, gone after it. */
static void test_dm_device_under_export(void **state)
{
	struct harness *h = *state;
	char dm[128], table[512], so[256], udev[512];
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_AVAILABLE);
	snprintf(dm, sizeof(dm), "attachd-%s", vol);
	h_to_state(h, vol, ATTACH_STATE_ATTACHING, INI_A);
	assert_int_equal(sim_dm_state(dm, table, sizeof(table)), -ENXIO);
	assert_int_equal(h_call(h, ATTACH_MSG_INITIALIZE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_A,
				ATTACH_A_DRY_RUN, "", 0), ATTACH_OK);
	struct nlattr *pos;
	int rem, i = 0, dm_at = -1, so_at = -1;
	nla_for_each_nested(pos, h->tb[ATTACH_A_PLAN], rem) {
		if (strstr(nla_get_string(pos), "create dm device"))
			dm_at = i;
		if (strstr(nla_get_string(pos), "create storage object"))
			so_at = i;
		i++;
	}
	assert_true(dm_at >= 0 && dm_at < so_at);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_int_equal(sim_dm_state(dm, table, sizeof(table)), 0);
	char want[PATH_MAX + 16];
	struct stat st;
	assert_int_equal(stat(h->dev[0], &st), 0);
	/* the table maps the disk by number, the one whose identity was checked */
	snprintf(want, sizeof(want), "linear %u:%u %llu", major(st.st_rdev), minor(st.st_rdev), (1ull << 30) / 512);
	assert_string_equal(table, want);
	snprintf(so, sizeof(so), "target/core/" AGENT_HBA "/%s/udev_path", vol);
	assert_true(cfs_read(&h->a.cfs, so, udev, sizeof(udev)) > 0);
	assert_non_null(strstr(udev, dm));
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_INITIATOR, INI_A, 0), ATTACH_OK);
	assert_int_equal(sim_dm_state(dm, table, sizeof(table)), -ENXIO);
}

/* The path a volume was registered by leads to another disk (a reboot enumerated them in another order, a
 * removed LV's minor went to a new one): nothing of it is exported, extended or mapped. */
static void test_wrong_disk_never_exported(void **state)
{
	struct harness *h = *state;
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_AVAILABLE);
	const char *other = new_volume(h, 1, 0, ATTACH_STATE_AVAILABLE);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_SHOW, V(vol), 0), ATTACH_OK);
	char ident[300];
	snprintf(ident, sizeof(ident), "%s", h_str(h, ATTACH_A_IDENTITY));
	assert_true(ident[0] != '\0');
	/* volume 0's path now leads to volume 1's disk */
	struct stat st;
	assert_int_equal(stat(h->dev[1], &st), 0);
	assert_int_equal(unlink(h->dev[0]), 0);
	assert_int_equal(mknod(h->dev[0], S_IFBLK | 0600, st.st_rdev), 0);
	h_to_state(h, vol, ATTACH_STATE_ATTACHING, NULL);
	char *before = h_snapshot(h);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_E_WRONG_DEVICE);
	assert_non_null(strstr(h->message, "not the registered disk"));
	assert_non_null(strstr(h->message, ident));
	assert_non_null(strstr(h->message, "not exported"));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_EXTEND, V(vol), 0), ATTACH_E_WRONG_DEVICE);
	assert_unchanged(h, before);
	/* the disk missing altogether */
	assert_int_equal(unlink(h->dev[0]), 0);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_E_NOT_FOUND);
	assert_non_null(strstr(h->message, "is missing"));
	/* back where it was: exported */
	assert_int_equal(mknod(h->dev[0], S_IFBLK | 0600, makedev(7, 200)), 0);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_true(tree_has(h, "%s/tpgt_1/acls/" INI_A, target_of(vol)));
	(void)other;
}

/* volume-create refuses what it could not tell apart later, what is in use, and what the policy keeps out;
 * its messages name only the path sent. */
static void test_device_policy(void **state)
{
	struct harness *h = *state;
	char dir[PATH_MAX + 32], link[PATH_MAX + 64], dev[PATH_MAX + 64];
	/* no identity (a RAM disk) */
	assert_int_equal(sim_dm_set_ident(h->dev[2], "-"), 0);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[2], 0), ATTACH_E_INVALID);
	assert_non_null(strstr(h->message, "no stable identity"));
	/* in use */
	char busy[PATH_MAX + 64];
	struct stat st;
	assert_int_equal(stat(h->dev[3], &st), 0);
	snprintf(busy, sizeof(busy), "%s/dm/busy-%u:%u", h->dir, major(st.st_rdev), minor(st.st_rdev));
	FILE *f = fopen(busy, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[3], 0), ATTACH_E_BUSY);
	assert_non_null(strstr(h->message, "in use"));
	unlink(busy);
	/* a path through a directory others can write: a link there could lead anywhere */
	snprintf(dir, sizeof(dir), "%s/open", h->dir);
	assert_int_equal(mkdir(dir, 0777), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	snprintf(link, sizeof(link), "%s/disk", dir);
	assert_int_equal(symlink(h->dev[3], link), 0);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, link, 0), ATTACH_E_PERM);
	assert_non_null(strstr(h->message, "others can write"));
	assert_null(strstr(h->message, h->dev[3])); /* where it leads is not told */
	/* someone else's entry in a sticky directory */
	assert_int_equal(chmod(dir, 01777), 0);
	assert_int_equal(lchown(link, 65534, 65534), 0);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, link, 0), ATTACH_E_PERM);
	assert_int_equal(lchown(link, 0, 0), 0);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, link, ATTACH_A_DRY_RUN, "", 0), ATTACH_OK);
	/* a ".." in a link is judged by the parent's rules again: someone else's entry of a sticky one */
	char rd[PATH_MAX + 64], evil[PATH_MAX + 64], l[PATH_MAX + 64];
	snprintf(rd, sizeof(rd), "%s/rd", dir);
	snprintf(evil, sizeof(evil), "%s/evil", dir);
	snprintf(l, sizeof(l), "%s/rd/l", dir);
	assert_int_equal(mkdir(rd, 0755), 0);
	assert_int_equal(symlink(h->dev[3], evil), 0);
	assert_int_equal(lchown(evil, 65534, 65534), 0);
	assert_int_equal(symlink("../evil", l), 0);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, l, 0), ATTACH_E_PERM);
	assert_non_null(strstr(h->message, "others can write"));
	/* ".." and relative paths say something else than they seem */
	snprintf(dev, sizeof(dev), "%s/open/../%s", h->dir, strrchr(h->dev[3], '/') + 1);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, dev, 0), ATTACH_E_INVALID);
	/* a non-root caller and no policy: root alone registers */
	h->dc.uid = 1000;
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[3], 0), ATTACH_E_PERM);
	assert_non_null(strstr(h->message, "only root registers devices"));
	/* a policy: prefixes, for everyone */
	h->a.cfg.device_prefix[h->a.cfg.n_device_prefix++] = "/nonexistent/";
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[3], 0), ATTACH_E_PERM);
	assert_non_null(strstr(h->message, "outside this attachd's device policy"));
	/* outside the prefixes nothing is looked at: a file and nothing read the same */
	char nothing[PATH_MAX + 32];
	snprintf(nothing, sizeof(nothing), "%s/no-such-file", h->dir);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, nothing, 0), ATTACH_E_PERM);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, "/etc/passwd", 0), ATTACH_E_PERM);
	assert_non_null(strstr(h->message, "outside this attachd's device policy"));
	h->dc.uid = 0;
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[3], 0), ATTACH_E_PERM);
	h->a.cfg.device_prefix[h->a.cfg.n_device_prefix++] = h->dir;
	h->dc.uid = 1000;
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[3], ATTACH_A_DRY_RUN, "", 0),
			 ATTACH_OK);
	/* volume groups: an LV of vg-a (dm name vg--a-lv1, uuid LVM-...) is in, one of vg-b is not */
	h->a.cfg.n_device_prefix = 0;
	h->a.cfg.device_vg[h->a.cfg.n_device_vg++] = "vg-a";
	assert_int_equal(stat(h->dev[3], &st), 0);
	snprintf(busy, sizeof(busy), "%s/dm/dm-%u:%u", h->dir, major(st.st_rdev), minor(st.st_rdev));
	f = fopen(busy, "w");
	assert_non_null(f);
	fputs("LVM-0123456789abcdef\nvg--b-lv1\n", f);
	fclose(f);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[3], 0), ATTACH_E_PERM);
	f = fopen(busy, "w");
	fputs("LVM-0123456789abcdef\nvg--a-lv1\n", f);
	fclose(f);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[3], 0), ATTACH_OK);
	h->dc.uid = 0;
	h->a.cfg.n_device_vg = 0;
}

/* A partition and its whole disk hold the same data: one volume for both, whichever comes first. */
static void test_partition_and_disk(void **state)
{
	struct harness *h = *state;
	/* dev[1] is partition 1 of dev[0]'s disk; dev[2] is a disk whose partition 2 is dev[3] */
	assert_int_equal(sim_dm_set_ident(h->dev[1], "part1:serial:sim-7-200"), 0);
	assert_int_equal(sim_dm_set_ident(h->dev[3], "part2:serial:sim-7-202"), 0);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[0], 0), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[1], 0), ATTACH_E_BUSY);
	assert_non_null(strstr(h->message, "is a partition of a disk that is volume"));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[3], 0), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[2], 0), ATTACH_E_BUSY);
	assert_non_null(strstr(h->message, "holds a partition that is volume"));
}

/* A linear table goes on a device only if it is the volume's disk at that moment: a failed --force
 * whose undo would unfence onto another disk leaves the device fenced. */
static void test_unfence_checks_the_disk(void **state)
{
	struct harness *h = *state;
	char dm[128], table[512];
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_AVAILABLE);
	snprintf(dm, sizeof(dm), "attachd-%s", vol);
	h_to_state(h, vol, ATTACH_STATE_IN_USE, INI_A);
	assert_int_equal(sim_dm_set_ident(h->dev[0], "serial:someone-else"), 0); /* the number is another disk now */
	sim_fail("rmdir", "/acls/", EBUSY, 1);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_FORCE, "", 0), ATTACH_E_KERNEL);
	assert_non_null(strstr(h->message, "rollback incomplete"));
	sim_fail_clear();
	assert_int_equal(sim_dm_state(dm, table, sizeof(table)), 0);
	assert_int_equal(strncmp(table, "error ", 6), 0);
}

/* --force fences the device before anything else: a stuck initiator's I/O fails at once. */
static void test_force_fences_first(void **state)
{
	struct harness *h = *state;
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_IN_USE);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_FORCE, "", ATTACH_A_DRY_RUN, "", 0),
			 ATTACH_OK);
	struct nlattr *pos;
	int rem, first_kernel = -1, i = 0;
	nla_for_each_nested(pos, h->tb[ATTACH_A_PLAN], rem) {
		if (first_kernel < 0 && strncmp(nla_get_string(pos), "record:", 7))
			first_kernel = i, assert_non_null(strstr(nla_get_string(pos), "fence dm device"));
		i++;
	}
	assert_int_equal(first_kernel, 0);
	/* a failing teardown after the fence: the fence is undone with the rest */
	char dm[128], table[512];
	snprintf(dm, sizeof(dm), "attachd-%s", vol);
	sim_fail("rmdir", "/acls/", EBUSY, 1);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_FORCE, "", 0), ATTACH_E_KERNEL);
	assert_int_equal(sim_dm_state(dm, table, sizeof(table)), 0);
	assert_int_equal(strncmp(table, "linear ", 7), 0);
	sim_fail_clear();
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_FORCE, "", 0), ATTACH_OK);
	assert_int_equal(sim_dm_state(dm, table, sizeof(table)), -ENXIO);
}

static void test_volume_extend(void **state)
{
	struct harness *h = *state;
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_AVAILABLE);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_EXTEND, V(vol), 0), ATTACH_OK);
	assert_int_equal(nla_get_u64(h->tb[ATTACH_A_SIZE]), 1ull << 30);
	h_to_state(h, vol, ATTACH_STATE_IN_USE, INI_A);
	assert_int_equal(sim_dm_set_size(h->dev[0], 3ull << 30), 0);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_EXTEND, V(vol), 0), ATTACH_OK);
	assert_int_equal(nla_get_u64(h->tb[ATTACH_A_SIZE]), 3ull << 30);
	assert_non_null(strstr(h->message, "reloaded"));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_SHOW, V(vol), 0), ATTACH_OK);
	assert_int_equal(nla_get_u64(h->tb[ATTACH_A_SIZE]), 3ull << 30);
	/* shrinking is refused and changes nothing */
	assert_int_equal(sim_dm_set_size(h->dev[0], 2ull << 30), 0);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_EXTEND, V(vol), 0), ATTACH_E_INVALID);
	assert_non_null(strstr(h->message, "shrank"));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_SHOW, V(vol), 0), ATTACH_OK);
	assert_int_equal(nla_get_u64(h->tb[ATTACH_A_SIZE]), 3ull << 30);
}

/* --no-dm: the storage object opens the volume's device itself. */
static void test_no_dm(void **state)
{
	struct harness *h = *state;
	char so[256], udev[512], table[256], dm[128];
	h->a.cfg.no_dm = true;
	const char *vol = new_volume(h, 1, 0, ATTACH_STATE_AVAILABLE);
	snprintf(dm, sizeof(dm), "attachd-%s", vol);
	h_to_state(h, vol, ATTACH_STATE_IN_USE, INI_A);
	snprintf(so, sizeof(so), "target/core/" AGENT_HBA "/%s/udev_path", vol);
	assert_true(cfs_read(&h->a.cfs, so, udev, sizeof(udev)) > 0);
	assert_string_equal(udev, h->dev[1]);
	assert_int_equal(sim_dm_state(dm, table, sizeof(table)), -ENXIO);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_FORCE, "", 0), ATTACH_OK);
}

static void test_limits(void **state)
{
	struct harness *h = *state;
	h->a.cfg.max_volumes = 2;
	h->a.cfg.max_exports = 1;
	const char *v0 = new_volume(h, 0, 0, ATTACH_STATE_AVAILABLE);
	const char *v1 = new_volume(h, 1, 0, ATTACH_STATE_AVAILABLE);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[2], 0), ATTACH_E_LIMIT);
	assert_non_null(strstr(h->message, "--max-volumes"));
	h_to_state(h, v0, ATTACH_STATE_IN_USE, INI_A);
	h_to_state(h, v1, ATTACH_STATE_ATTACHING, INI_A);
	char *before = h_snapshot(h);
	assert_int_equal(init_conn(h, v1, INI_A), ATTACH_E_LIMIT);
	assert_non_null(strstr(h->message, "--max-exports"));
	assert_unchanged(h, before);
	/* a second initiator on an existing export is not a new export */
	assert_int_equal(init_conn(h, v0, INI_B), ATTACH_OK);
}

static int grown;
static void count_growth(enum log_level level, const char *msg, void *data)
{
	(void)level;
	(void)data;
	grown += strstr(msg, "map grown") != NULL;
}

/* A full map grows instead of failing: a store opened tiny takes 60 volumes and an export. */
static void test_map_grows(void **state)
{
	struct harness *h = *state;
	store_close(h->a.store);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", h->db);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(store_open_sized(&h->a.store, h->db, 16 * 4096), 0);
	grown = 0;
	log_set_callback(count_growth, NULL);
	char ids[60][37];
	for (int i = 0; i < 60; i++) {
		char dev[300];
		snprintf(dev, sizeof(dev), "%s/many%d", h->dir, i);
		assert_int_equal(mknod(dev, S_IFBLK | 0600, makedev(9, 100 + i)), 0);
		if (h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, dev, ATTACH_A_NAME,
			   "a name long enough to fill pages quickly.............................................", 0))
			fail_msg("volume %d: %s", i, h->message);
		snprintf(ids[i], sizeof(ids[i]), "%s", h_str(h, ATTACH_A_VOLUME_ID));
	}
	h_to_state(h, ids[59], ATTACH_STATE_IN_USE, INI_A);
	log_set_callback(h_log_quiet, NULL);
	assert_true(grown >= 1);
	harness_restart(h);
	for (int i = 0; i < 60; i++)
		assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_SHOW, V(ids[i]), 0), ATTACH_OK);
	assert_int_equal(volume_state(h, ids[59]), ATTACH_STATE_IN_USE);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
		T(test_full_cycle),
		T(test_state_matrix),
		T(test_permitted_transitions),
		T(test_retry_same_credentials_no_kernel_work),
		T(test_minimal_kernel_work),
		T(test_multiattach_two_initiators),
		T(test_same_initiator_refcount),
		T(test_terminate_by_attachment),
		T(test_wrong_disk_never_exported),
		T(test_device_policy),
		T(test_partition_and_disk),
		T(test_unfence_checks_the_disk),
		T(test_unreserve_releases_connection),
		T(test_reserved_attachment_bound_to_other_initiator),
		T(test_kernel_failure_rolls_back),
		T(test_dry_run_changes_nothing),
		T(test_volume_create_checks),
		T(test_volume_delete_refused),
		T(test_attach_and_detach_ids),
		T(test_restart_keeps_records),
		T(test_hello_first_and_version),
		T(test_force_removes_everyone),
		T(test_foreign_objects_untouched),
		T(test_dm_device_under_export),
		T(test_force_fences_first),
		T(test_volume_extend),
		T(test_no_dm),
		T(test_limits),
		T(test_map_grows),
		T(test_pending_intent_blocks_calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
