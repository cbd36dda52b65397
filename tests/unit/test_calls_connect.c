/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_calls_connect.c: initialize-connection and terminate-connection through dispatch()
 * (agent/calls/call_connect.c, on the harness of helpers/harness.h): a retry costs no kernel work, the
 * exact configfs operations of an export, an attachment bound to its initiator, multiattach and the ACL
 * reference counts of two instances behind one initiator, terminate by attachment, --force (fencing first,
 * everyone removed, foreign objects left alone), the dm device under each export, and --no-dm.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cmocka.h>

#include "calls_fx.h"
#include "sim.h"
#include "unit_main.h"

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

UNIT_MAIN("calls-connect", H_TEST(test_retry_same_credentials_no_kernel_work), H_TEST(test_minimal_kernel_work),
	  H_TEST(test_multiattach_two_initiators), H_TEST(test_same_initiator_refcount),
	  H_TEST(test_terminate_by_attachment), H_TEST(test_reserved_attachment_bound_to_other_initiator),
	  H_TEST(test_force_removes_everyone), H_TEST(test_foreign_objects_untouched),
	  H_TEST(test_dm_device_under_export), H_TEST(test_force_fences_first), H_TEST(test_no_dm))
