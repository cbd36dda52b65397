/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_lio.c: the LIO writer (configfs/lio.c) on the configfs simulator (helpers/lio_fx.h: a fresh tree
 * of kernel 6.1 per test). What is checked is lio.h's contract: the exact entries and values each call
 * leaves in the tree; the order of its writes (a fault injected into the nth write of one attribute,
 * with the simulator's count of the writes that reached it); that a failed call removes what it made and
 * nothing else; idempotence (a second call succeeds without writing), another shape refused; and the
 * errors passed back. The readers are test_lio_state.c's.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lio_fx.h"
#include "unit_main.h"

/* ------------------------------------------------------------------------------------------------ */
/* lio.c: the writer */

static void test_fabric_ensure(void **state)
{
	struct fx *f = *state;
	assert_int_equal(exists(f, "target/iscsi"), 0);
	OK(lio_fabric_ensure(&f->c));
	assert_int_equal(exists(f, "target/iscsi"), 1);
	sim_stats_reset();
	OK(lio_fabric_ensure(&f->c)); /* there already: EEXIST is success */
	assert_string_equal(ops(), "1/0/0/0/0");
	OK(cfs_rmdir(&f->c, "target/iscsi"));
	sim_fail("mkdir", "target/iscsi", EIO, 1);
	ERR(lio_fabric_ensure(&f->c), EIO);
	assert_int_equal(exists(f, "target/iscsi"), 0);
}

static void test_backstore_create(void **state)
{
	struct fx *f = *state;
	struct lio_backstore b = bs(f);
	char want[PATH_MAX + 32];
	sim_stats_reset();
	OK(lio_backstore_create(&f->c, &b));
	assert_string_equal(ops(), "2/0/4/0/0"); /* the HBA and the object; control, udev_path, enable, serial */
	assert_string_equal(rd(f, SO "/enable"), "1");
	assert_string_equal(rd(f, SO "/udev_path"), f->dev[0]);
	snprintf(want, sizeof(want), "UDEV PATH: %s", f->dev[0]); /* what control said, as info shows it */
	assert_non_null(strstr(rd(f, SO "/info"), want));
	assert_non_null(strstr(rbuf, "readonly: 0"));
	assert_string_equal(rd(f, SO "/wwn/vpd_unit_serial"), "T10 VPD Unit Serial Number: " SERIAL);
}

/* The nth write is the attribute named: a fault there comes after n - 1 writes, and undoes the object. */
static void test_backstore_create_order_and_undo(void **state)
{
	struct fx *f = *state;
	struct lio_backstore b = bs(f);
	static const char *const order[] = { SO "/control", SO "/udev_path", SO "/enable", SO "/wwn/vpd_unit_serial" };
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		char *before = dump(f);
		sim_stats_reset();
		sim_fail("write", order[i], EIO, 1);
		ERR(lio_backstore_create(&f->c, &b), EIO);
		struct sim_stats s = sim_stats();
		assert_int_equal(s.write, i + 1);
		assert_int_equal(s.rmdir, 2); /* the object, then the HBA it made */
		assert_tree_is(f, before);
	}
	/* the object could not be made: the HBA made for it goes */
	sim_fail("mkdir", SO, ENOMEM, 1);
	ERR(lio_backstore_create(&f->c, &b), ENOMEM);
	assert_int_equal(exists(f, HBA), 0);
	/* an HBA that was there stays */
	MK(HBA);
	sim_fail("write", SO "/enable", EIO, 1);
	ERR(lio_backstore_create(&f->c, &b), EIO);
	assert_int_equal(exists(f, SO), 0);
	assert_int_equal(exists(f, HBA), 1);
}

static void test_backstore_readonly(void **state)
{
	struct fx *f = *state;
	struct lio_backstore b = bs(f);
	b.readonly = true;
	OK(lio_backstore_create(&f->c, &b));
	assert_non_null(strstr(rd(f, SO "/info"), "readonly: 1"));
	/* and so an initiator maps it read-only */
	OK(lio_fabric_ensure(&f->c));
	OK(lio_target_create(&f->c, IQN));
	OK(lio_lun_create(&f->c, IQN, 0, &b));
	OK(lio_acl_create(&f->c, IQN, &acl));
	OK(lio_mapped_lun_create(&f->c, IQN, &acl));
	assert_string_equal(rd(f, MLUN "/write_protect"), "1");
}

static void test_backstore_create_again(void **state)
{
	struct fx *f = *state;
	struct lio_backstore b = bs(f);
	OK(lio_backstore_create(&f->c, &b));
	char *before = dump(f);
	sim_stats_reset();
	OK(lio_backstore_create(&f->c, &b)); /* in the wanted shape: nothing written */
	assert_string_equal(ops(), "2/0/0/0/0");
	assert_tree_is(f, before);

	/* enabled but interrupted before its serial: only the serial is written */
	struct lio_backstore b2 = bs2(f);
	b2.serial = NULL;
	OK(lio_backstore_create(&f->c, &b2));
	b2.serial = "serial-y";
	sim_stats_reset();
	OK(lio_backstore_create(&f->c, &b2));
	assert_string_equal(ops(), "2/0/1/0/0");
	assert_string_equal(rd(f, SO2 "/wwn/vpd_unit_serial"), "T10 VPD Unit Serial Number: serial-y");
}

/* Made but not enabled (interrupted): the call finishes it; a failure leaves the directories it did not make. */
static void test_backstore_create_finishes(void **state)
{
	struct fx *f = *state;
	struct lio_backstore b = bs(f);
	MK(HBA);
	MK(SO);
	sim_fail("write", SO "/enable", EIO, 1);
	ERR(lio_backstore_create(&f->c, &b), EIO);
	assert_int_equal(exists(f, SO), 1);
	sim_stats_reset();
	OK(lio_backstore_create(&f->c, &b)); /* control again is fine before enable */
	assert_string_equal(ops(), "2/0/4/0/0");
	assert_string_equal(rd(f, SO "/enable"), "1");
	assert_string_equal(rd(f, SO "/udev_path"), f->dev[0]);
}

/* An object of that name on another device is not ours to change. */
static void test_backstore_other_device(void **state)
{
	struct fx *f = *state;
	struct lio_backstore b = bs(f);
	mk_so(f, HBA, SO, f->dev[1]);
	char *before = dump(f);
	sim_stats_reset();
	ERR(lio_backstore_create(&f->c, &b), EEXIST);
	assert_int_equal(sim_stats().write, 0);
	assert_tree_is(f, before);
}

static void test_backstore_remove(void **state)
{
	struct fx *f = *state;
	struct lio_backstore b = bs(f), b2 = bs2(f);
	OK(lio_backstore_create(&f->c, &b));
	OK(lio_backstore_create(&f->c, &b2));
	OK(lio_backstore_remove(&f->c, &b)); /* the HBA holds y: it stays */
	assert_int_equal(exists(f, SO), 0);
	assert_int_equal(exists(f, HBA), 1);
	OK(lio_backstore_remove(&f->c, &b2)); /* the last object: the HBA goes with it */
	assert_int_equal(exists(f, HBA), 0);
	OK(lio_backstore_remove(&f->c, &b2)); /* gone is done */
	/* linked from a LUN: EBUSY, and it stays */
	OK(lio_backstore_create(&f->c, &b));
	mk_tpg(f, T);
	MK(LUN);
	LN(SO, LUN "/lnk");
	ERR(lio_backstore_remove(&f->c, &b), EBUSY);
	assert_string_equal(rd(f, SO "/enable"), "1");
	OK(cfs_unlink(&f->c, LUN "/lnk"));
	/* the HBA's own failure is passed on; the object is gone by then */
	sim_fail("rmdir", "iblock_0", EIO, 2);
	ERR(lio_backstore_remove(&f->c, &b), EIO);
	assert_int_equal(exists(f, SO), 0);
	assert_int_equal(exists(f, HBA), 1);
}

static void test_target_create(void **state)
{
	struct fx *f = *state;
	ERR(lio_target_create(&f->c, IQN), ENOENT); /* no target/iscsi: nothing made */
	assert_int_equal(exists(f, "target/iscsi"), 0);
	OK(lio_fabric_ensure(&f->c));
	sim_stats_reset();
	OK(lio_target_create(&f->c, IQN));
	assert_string_equal(ops(), "2/0/3/0/0");
	assert_string_equal(rd(f, TPG "/attrib/authentication"), "1");
	assert_string_equal(rd(f, TPG "/attrib/generate_node_acls"), "0");
	assert_string_equal(rd(f, TPG "/attrib/demo_mode_discovery"), "0");
	assert_string_equal(rd(f, TPG "/param/AuthMethod"), "CHAP");
	assert_string_equal(rd(f, TPG "/enable"), "0"); /* not enabled */
	assert_int_equal(exists(f, T "/tpgt_2"), 0);
	/* again: the same tree */
	char *before = dump(f);
	OK(lio_target_create(&f->c, IQN));
	assert_tree_is(f, before);
	/* a failure leaves a target it did not make */
	sim_fail("write", TPG "/attrib/generate_node_acls", EIO, 1);
	ERR(lio_target_create(&f->c, IQN), EIO);
	assert_int_equal(exists(f, TPG), 1);
}

static void test_target_create_order_and_undo(void **state)
{
	struct fx *f = *state;
	static const char *const order[] = { TPG "/attrib/authentication", TPG "/attrib/generate_node_acls",
					     TPG "/attrib/demo_mode_discovery" };
	OK(lio_fabric_ensure(&f->c));
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		char *before = dump(f);
		sim_stats_reset();
		sim_fail("write", order[i], EACCES, 1);
		ERR(lio_target_create(&f->c, IQN), EACCES);
		assert_int_equal(sim_stats().write, i + 1);
		assert_int_equal(sim_stats().rmdir, 2); /* the TPG, then the target */
		assert_tree_is(f, before);
	}
	sim_fail("mkdir", "tpgt_1", ENOMEM, 1);
	ERR(lio_target_create(&f->c, IQN), ENOMEM);
	assert_int_equal(exists(f, T), 0);
}

static void test_target_remove(void **state)
{
	struct fx *f = *state;
	OK(lio_fabric_ensure(&f->c));
	OK(lio_target_create(&f->c, IQN));
	MK(LUN); /* a TPG that still holds a LUN is not removed */
	ERR(lio_target_remove(&f->c, IQN), ENOTEMPTY);
	assert_int_equal(exists(f, TPG), 1);
	OK(cfs_rmdir(&f->c, LUN));
	OK(lio_target_remove(&f->c, IQN));
	assert_int_equal(exists(f, T), 0);
	assert_int_equal(exists(f, "target/iscsi"), 1);
	OK(lio_target_remove(&f->c, IQN)); /* gone is done */
}

static void test_portals(void **state)
{
	struct fx *f = *state;
	OK(lio_fabric_ensure(&f->c));
	OK(lio_target_create(&f->c, IQN));
	OK(lio_portal_add(&f->c, IQN, "127.0.0.1:3260"));
	OK(lio_portal_add(&f->c, IQN, "127.0.0.1:3260"));
	OK(lio_portal_add(&f->c, IQN, "[::1]:3260"));
	assert_int_equal(exists(f, TPG "/np/127.0.0.1:3260"), 1);
	assert_int_equal(exists(f, TPG "/np/[::1]:3260"), 1);
	ERR(lio_portal_add(&f->c, IQN, "300.1.1.1:3260"), EINVAL); /* the kernel's refusal is passed on */
	ERR(lio_portal_add(&f->c, IQN2, "127.0.0.1:3260"), ENOENT);
	OK(lio_portal_remove(&f->c, IQN, "127.0.0.1:3260"));
	assert_int_equal(exists(f, TPG "/np/127.0.0.1:3260"), 0);
	assert_int_equal(exists(f, TPG "/np/[::1]:3260"), 1);
	OK(lio_portal_remove(&f->c, IQN, "127.0.0.1:3260"));
}

static void test_lun(void **state)
{
	struct fx *f = *state;
	struct lio_backstore b = bs(f);
	OK(lio_fabric_ensure(&f->c));
	OK(lio_backstore_create(&f->c, &b));
	OK(lio_target_create(&f->c, IQN));
	sim_stats_reset();
	OK(lio_lun_create(&f->c, IQN, 0, &b));
	assert_string_equal(ops(), "1/0/0/1/0");
	assert_string_equal(link_of(f, SO_LINK), SO);
	assert_string_equal(rd(f, LUN "/alua_tg_pt_offline"), "0"); /* the LUN has its device */
	char *before = dump(f);
	OK(lio_lun_create(&f->c, IQN, 0, &b)); /* linked already */
	assert_tree_is(f, before);
	/* a storage object that is not enabled cannot be linked: the LUN made for it goes */
	MK(SO2);
	struct lio_backstore b2 = bs2(f);
	ERR(lio_lun_create(&f->c, IQN, 1, &b2), ENODEV);
	assert_int_equal(exists(f, TPG "/lun/lun_1"), 0);
	/* but a LUN that was there stays */
	MK(TPG "/lun/lun_1");
	ERR(lio_lun_create(&f->c, IQN, 1, &b2), ENODEV);
	assert_int_equal(exists(f, TPG "/lun/lun_1"), 1);
	OK(lio_lun_remove(&f->c, IQN, 1, &b2)); /* no link: the directory alone */
	assert_int_equal(exists(f, TPG "/lun/lun_1"), 0);
	OK(lio_lun_remove(&f->c, IQN, 0, &b));
	assert_int_equal(exists(f, LUN), 0);
	assert_int_equal(exists(f, SO), 1);
	OK(lio_lun_remove(&f->c, IQN, 0, &b));
}

/* A LUN or a mapped LUN that links elsewhere is another shape: -EEXIST, and left as it is (lio.h). */
static void test_links_elsewhere(void **state)
{
	struct fx *f = *state;
	struct lio_backstore b2 = bs2(f);
	lio_export(f);
	OK(lio_backstore_create(&f->c, &b2));
	char *before = dump(f);
	ERR(lio_lun_create(&f->c, IQN, 0, &b2), EEXIST); /* lun_0 leads to x, not y */
	assert_tree_is(f, before);
	OK(lio_lun_create(&f->c, IQN, 1, &b2));
	before = dump(f);
	struct lio_acl other = acl;
	other.lun = 1; /* mapped lun_0 leads to lun_0, not lun_1 */
	ERR(lio_mapped_lun_create(&f->c, IQN, &other), EEXIST);
	assert_tree_is(f, before);
	assert_string_equal(link_of(f, MLUN_LINK), LUN);
}

/* A LUN an initiator still maps is not removed, and its link is put back. */
static void test_lun_remove_busy(void **state)
{
	struct fx *f = *state;
	struct lio_backstore b = bs(f);
	lio_export(f);
	char *before = dump(f);
	sim_stats_reset();
	ERR(lio_lun_remove(&f->c, IQN, 0, &b), EBUSY);
	assert_string_equal(ops(), "0/1/0/1/1"); /* unlink, rmdir refused, link again */
	assert_string_equal(link_of(f, SO_LINK), SO);
	assert_tree_is(f, before);
}

static void test_tpg_enable(void **state)
{
	struct fx *f = *state;
	OK(lio_fabric_ensure(&f->c));
	OK(lio_target_create(&f->c, IQN));
	OK(lio_tpg_enable(&f->c, IQN, true));
	assert_string_equal(rd(f, TPG "/enable"), "1");
	OK(lio_tpg_enable(&f->c, IQN, true));
	/* a kernel that refuses the current value (EINVAL, before 5.16): the value in place is success */
	sim_fail("write", TPG "/enable", EINVAL, 1);
	OK(lio_tpg_enable(&f->c, IQN, true));
	/* ... but not when the value is another */
	sim_fail("write", TPG "/enable", EINVAL, 1);
	ERR(lio_tpg_enable(&f->c, IQN, false), EINVAL);
	assert_string_equal(rd(f, TPG "/enable"), "1");
	sim_fail("write", TPG "/enable", EBUSY, 1); /* other errors are errors */
	ERR(lio_tpg_enable(&f->c, IQN, false), EBUSY);
	OK(lio_tpg_enable(&f->c, IQN, false));
	assert_string_equal(rd(f, TPG "/enable"), "0");
	OK(lio_target_remove(&f->c, IQN));
	OK(lio_tpg_enable(&f->c, IQN, false)); /* disabling what is gone is done */
	ERR(lio_tpg_enable(&f->c, IQN, true), ENOENT);
}

static void test_acl(void **state)
{
	struct fx *f = *state;
	OK(lio_fabric_ensure(&f->c));
	OK(lio_target_create(&f->c, IQN));
	sim_stats_reset();
	OK(lio_acl_create(&f->c, IQN, &acl));
	assert_string_equal(ops(), "1/0/2/0/0");
	assert_string_equal(rd(f, ACL "/auth/userid"), "user-1");
	assert_string_equal(rd(f, ACL "/auth/password"), "secret-123456");
	assert_string_equal(rd(f, ACL "/auth/authenticate_target"), "0"); /* no mutual CHAP */
	OK(lio_acl_create(&f->c, IQN, &acl)); /* again: the credentials are written again */
	/* userid, then password; a failure removes the ACL it made */
	OK(lio_acl_remove(&f->c, IQN, INI));
	static const char *const order[] = { ACL "/auth/userid", ACL "/auth/password" };
	for (size_t i = 0; i < 2; i++) {
		char *before = dump(f);
		sim_stats_reset();
		sim_fail("write", order[i], EIO, 1);
		ERR(lio_acl_create(&f->c, IQN, &acl), EIO);
		assert_int_equal(sim_stats().write, i + 1);
		assert_tree_is(f, before);
	}
	/* a secret the kernel refuses (over 255 bytes) */
	char longpw[300];
	memset(longpw, 'p', 256);
	longpw[256] = '\0';
	struct lio_acl bad = acl;
	bad.password = longpw;
	ERR(lio_acl_create(&f->c, IQN, &bad), EINVAL);
	assert_int_equal(exists(f, ACL), 0);
	/* an ACL that was there stays, with what it had */
	OK(lio_acl_create(&f->c, IQN, &acl));
	ERR(lio_acl_create(&f->c, IQN, &bad), EINVAL);
	assert_string_equal(rd(f, ACL "/auth/password"), "secret-123456");
	OK(lio_acl_remove(&f->c, IQN, INI));
	assert_int_equal(exists(f, ACL), 0);
	OK(lio_acl_remove(&f->c, IQN, INI)); /* gone is done */
}

/* Mutual CHAP: the target's credentials with the ACL's; on an existing ACL without them in @a, cleared
 * ("NULL", which the kernel shows from then on) only when the kernel holds some. */
static void test_acl_mutual(void **state)
{
	struct fx *f = *state;
	OK(lio_fabric_ensure(&f->c));
	OK(lio_target_create(&f->c, IQN));
	struct lio_acl mutual = acl;
	mutual.userid_mutual = "target-user";
	mutual.password_mutual = "target-secret-1";
	sim_stats_reset();
	OK(lio_acl_create(&f->c, IQN, &mutual));
	assert_string_equal(ops(), "1/0/4/0/0");
	assert_string_equal(rd(f, ACL "/auth/userid_mutual"), "target-user");
	assert_string_equal(rd(f, ACL "/auth/password_mutual"), "target-secret-1");
	assert_string_equal(rd(f, ACL "/auth/authenticate_target"), "1");
	sim_stats_reset();
	OK(lio_acl_create(&f->c, IQN, &acl)); /* the same ACL without them: cleared (its mkdir: EEXIST) */
	assert_string_equal(ops(), "1/0/4/0/0");
	assert_string_equal(rd(f, ACL "/auth/userid_mutual"), "NULL");
	assert_string_equal(rd(f, ACL "/auth/authenticate_target"), "0");
	sim_stats_reset();
	OK(lio_acl_create(&f->c, IQN, &acl)); /* cleared already: only the initiator's credentials */
	assert_string_equal(ops(), "1/0/2/0/0");
	/* a failed mutual write removes the ACL it made */
	OK(lio_acl_remove(&f->c, IQN, INI));
	char *before = dump(f);
	sim_fail("write", ACL "/auth/password_mutual", EIO, 1);
	ERR(lio_acl_create(&f->c, IQN, &mutual), EIO);
	assert_tree_is(f, before);
}

static void test_mapped_lun(void **state)
{
	struct fx *f = *state;
	struct lio_backstore b = bs(f);
	lio_export(f);
	assert_string_equal(link_of(f, MLUN_LINK), LUN);
	assert_string_equal(rd(f, MLUN "/write_protect"), "0");
	char *before = dump(f);
	OK(lio_mapped_lun_create(&f->c, IQN, &acl)); /* linked already */
	assert_tree_is(f, before);
	/* write_protect, after the link (the kernel ignores it before) */
	struct lio_acl ro = acl;
	ro.mapped_lun = 6;
	ro.write_protect = true;
	sim_stats_reset();
	OK(lio_mapped_lun_create(&f->c, IQN, &ro));
	assert_string_equal(ops(), "1/0/1/1/0");
	assert_string_equal(rd(f, ACL "/lun_6/write_protect"), "1");
	/* an existing mapped LUN takes the wanted write_protect; in place, either way */
	struct lio_acl rw = ro;
	rw.write_protect = false;
	sim_stats_reset();
	OK(lio_mapped_lun_create(&f->c, IQN, &rw)); /* mkdir and symlink: EEXIST, then the one write */
	assert_string_equal(ops(), "1/0/1/1/0");
	assert_string_equal(rd(f, ACL "/lun_6/write_protect"), "0");
	OK(lio_mapped_lun_protect(&f->c, IQN, &ro, true));
	assert_string_equal(rd(f, ACL "/lun_6/write_protect"), "1");
	sim_stats_reset();
	OK(lio_mapped_lun_protect(&f->c, IQN, &ro, true)); /* as wanted already: no write */
	assert_string_equal(ops(), "0/0/0/0/0");
	OK(lio_mapped_lun_protect(&f->c, IQN, &ro, false));
	assert_string_equal(rd(f, ACL "/lun_6/write_protect"), "0");
	OK(lio_mapped_lun_remove(&f->c, IQN, &ro));
	/* a failed write_protect undoes the link and the directory */
	before = dump(f);
	sim_fail("write", "lun_6/write_protect", EIO, 1);
	ERR(lio_mapped_lun_create(&f->c, IQN, &ro), EIO);
	assert_tree_is(f, before);
	/* a LUN without a device cannot be mapped */
	MK(TPG "/lun/lun_1");
	struct lio_acl other = acl;
	other.mapped_lun = 7;
	other.lun = 1;
	ERR(lio_mapped_lun_create(&f->c, IQN, &other), EINVAL);
	assert_int_equal(exists(f, ACL "/lun_7"), 0);
	/* remove: the link, then the directory; again is done */
	OK(lio_mapped_lun_remove(&f->c, IQN, &acl));
	assert_int_equal(exists(f, MLUN), 0);
	OK(lio_mapped_lun_remove(&f->c, IQN, &acl));
	/* and then the LUN and the ACL can go */
	OK(lio_lun_remove(&f->c, IQN, 0, &b));
	OK(lio_acl_remove(&f->c, IQN, INI));
}

/* An ACL that still has mapped LUNs is refused by the kernel, and stays whole. */
static void test_acl_remove_refused(void **state)
{
	struct fx *f = *state;
	lio_export(f);
	char *before = dump(f);
	ERR(lio_acl_remove(&f->c, IQN, INI), ENOTEMPTY);
	assert_tree_is(f, before);
}

UNIT_MAIN("lio", SIM_TEST(test_fabric_ensure), SIM_TEST(test_backstore_create),
	  SIM_TEST(test_backstore_create_order_and_undo), SIM_TEST(test_backstore_readonly),
	  SIM_TEST(test_backstore_create_again), SIM_TEST(test_backstore_create_finishes),
	  SIM_TEST(test_backstore_other_device), SIM_TEST(test_backstore_remove), SIM_TEST(test_target_create),
	  SIM_TEST(test_target_create_order_and_undo), SIM_TEST(test_target_remove), SIM_TEST(test_portals),
	  SIM_TEST(test_lun), SIM_TEST(test_links_elsewhere), SIM_TEST(test_lun_remove_busy),
	  SIM_TEST(test_tpg_enable), SIM_TEST(test_acl), SIM_TEST(test_acl_mutual), SIM_TEST(test_mapped_lun),
	  SIM_TEST(test_acl_remove_refused))
