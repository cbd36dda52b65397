/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_lio_state.c: the LIO state readers, listings and purges (configfs/lio_state.c) on the configfs
 * simulator (helpers/lio_fx.h): what each reader reports of an export in every shape, that the readers
 * change nothing, and that the purges remove exactly attachd's objects in the kernel's order.
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
/* lio_state.c: readers */

static void test_backstore_state(void **state)
{
	struct fx *f = *state;
	struct lio_backstore b = bs(f);
	struct lio_so_state st;
	memset(&st, 0xff, sizeof(st));
	OK(lio_backstore_state(&f->c, &b, &st));
	assert_false(st.exists || st.enabled || st.device_ok || st.serial_ok);
	MK(HBA);
	MK(SO); /* made, nothing written */
	OK(lio_backstore_state(&f->c, &b, &st));
	assert_true(st.exists);
	assert_false(st.enabled || st.device_ok || st.serial_ok);
	OK(cfs_rmdir(&f->c, SO));
	OK(lio_backstore_create(&f->c, &b));
	sim_stats_reset();
	OK(lio_backstore_state(&f->c, &b, &st));
	assert_true(st.exists && st.enabled && st.device_ok && st.serial_ok);
	/* another device or another serial is seen */
	struct lio_backstore other = b;
	other.dev = f->dev[1];
	OK(lio_backstore_state(&f->c, &other, &st));
	assert_true(st.exists && st.enabled && st.serial_ok);
	assert_false(st.device_ok);
	other = b;
	other.serial = "another-serial";
	OK(lio_backstore_state(&f->c, &other, &st));
	assert_true(st.device_ok);
	assert_false(st.serial_ok);
	other.serial = SERIAL "0"; /* not a prefix match */
	OK(lio_backstore_state(&f->c, &other, &st));
	assert_false(st.serial_ok);
	other.serial = NULL; /* no serial wanted: any will do */
	OK(lio_backstore_state(&f->c, &other, &st));
	assert_true(st.serial_ok);
	assert_string_equal(ops(), "0/0/0/0/0"); /* reading changes nothing */
}

static void test_target_state(void **state)
{
	struct fx *f = *state;
	struct lio_backstore b = bs(f), b2 = bs2(f);
	struct lio_target_state st;
	memset(&st, 0xff, sizeof(st));
	OK(lio_target_state(&f->c, IQN, 0, &b, &st)); /* no target/iscsi at all */
	assert_false(st.exists || st.tpg || st.attribs_ok || st.enabled || st.lun || st.lun_ok);
	OK(lio_fabric_ensure(&f->c));
	MK(T); /* a target without its TPG */
	OK(lio_target_state(&f->c, IQN, 0, &b, &st));
	assert_true(st.exists);
	assert_false(st.tpg || st.attribs_ok || st.enabled || st.lun || st.lun_ok);
	MK(TPG); /* the kernel's defaults: authentication 1, generate_node_acls 0, demo_mode_discovery 1 */
	OK(lio_target_state(&f->c, IQN, 0, &b, &st));
	assert_true(st.exists && st.tpg);
	assert_false(st.attribs_ok);
	OK(lio_target_create(&f->c, IQN));
	OK(lio_target_state(&f->c, IQN, 0, &b, &st));
	assert_true(st.exists && st.tpg && st.attribs_ok);
	assert_false(st.enabled || st.lun || st.lun_ok);
	/* each attribute counts */
	static const char *const attrs[][2] = { { TPG "/attrib/authentication", "0" },
						{ TPG "/attrib/generate_node_acls", "1" },
						{ TPG "/attrib/demo_mode_discovery", "1" } };
	for (size_t i = 0; i < 3; i++) {
		W(attrs[i][0], attrs[i][1]);
		OK(lio_target_state(&f->c, IQN, 0, &b, &st));
		assert_false(st.attribs_ok);
		OK(lio_target_create(&f->c, IQN));
	}
	OK(cfs_write(&f->c, TPG "/attrib/cache_dynamic_acls", "0")); /* generate_node_acls left it at 1 */
	OK(lio_tpg_enable(&f->c, IQN, true));
	OK(lio_backstore_create(&f->c, &b));
	OK(lio_backstore_create(&f->c, &b2));
	OK(lio_lun_create(&f->c, IQN, 0, &b));
	sim_stats_reset();
	OK(lio_target_state(&f->c, IQN, 0, &b, &st));
	assert_true(st.exists && st.tpg && st.attribs_ok && st.enabled && st.lun && st.lun_ok);
	OK(lio_target_state(&f->c, IQN, 0, &b2, &st)); /* linked to another object */
	assert_true(st.lun);
	assert_false(st.lun_ok);
	MK(TPG "/lun/lun_1"); /* a LUN without its link */
	sim_stats_reset();
	OK(lio_target_state(&f->c, IQN, 1, &b, &st));
	assert_true(st.lun);
	assert_false(st.lun_ok);
	OK(lio_target_state(&f->c, IQN, 2, &b, &st));
	assert_false(st.lun || st.lun_ok);
	assert_string_equal(ops(), "0/0/0/0/0");
}

static void test_acl_state(void **state)
{
	struct fx *f = *state;
	struct lio_acl_state st;
	lio_export(f);
	sim_stats_reset();
	OK(lio_acl_state(&f->c, IQN, &acl, &st));
	assert_true(st.exists && st.chap_ok && st.mapped_ok);
	struct lio_acl want = acl;
	want.password = "secret-654321";
	OK(lio_acl_state(&f->c, IQN, &want, &st));
	assert_true(st.exists && st.mapped_ok);
	assert_false(st.chap_ok);
	want = acl;
	want.userid = "user-2";
	OK(lio_acl_state(&f->c, IQN, &want, &st));
	assert_false(st.chap_ok);
	want = acl;
	want.lun = 1; /* mapped to another LUN */
	OK(lio_acl_state(&f->c, IQN, &want, &st));
	assert_true(st.chap_ok);
	assert_false(st.mapped_ok);
	want = acl;
	want.mapped_lun = 6; /* no such mapped LUN */
	OK(lio_acl_state(&f->c, IQN, &want, &st));
	assert_false(st.mapped_ok);
	want = acl;
	want.initiator = INI2;
	memset(&st, 0xff, sizeof(st));
	OK(lio_acl_state(&f->c, IQN, &want, &st));
	assert_false(st.exists || st.chap_ok || st.mapped_ok);
	assert_string_equal(ops(), "0/0/0/0/0");
	/* the kernel keeps a trailing newline of a userid: that is not the wanted one */
	W(ACL "/auth/userid", "user-1\n");
	OK(lio_acl_state(&f->c, IQN, &acl, &st));
	assert_false(st.chap_ok);
}

/* ------------------------------------------------------------------------------------------------ */
/* lio_state.c: listings */

struct names {
	char text[512];
	int calls;
	int stop_at; /* return 7 on this call (1-based), 0: never */
};

static int collect(const char *name, void *arg)
{
	struct names *n = arg;
	size_t len = strlen(n->text);
	snprintf(n->text + len, sizeof(n->text) - len, "%s%s", len ? " " : "", name);
	return ++n->calls == n->stop_at ? 7 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names collected, sorted (a directory's order is the file system's). */
static const char *sorted(struct names *n)
{
	static char out[512];
	char *words[32] = { 0 }, *save;
	size_t k = 0;
	for (char *w = strtok_r(n->text, " ", &save); w && k < 32; w = strtok_r(NULL, " ", &save))
		words[k++] = w;
	qsort(words, k, sizeof(words[0]), cmp_str);
	out[0] = '\0';
	for (size_t i = 0; i < k; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? " " : "", words[i]);
	memset(n, 0, sizeof(*n));
	return out;
}

static void test_lists(void **state)
{
	struct fx *f = *state;
	struct lio_backstore b2 = bs2(f);
	struct names n = { 0 };
	/* missing parents list nothing */
	OK(lio_list_targets(&f->c, collect, &n));
	OK(lio_list_backstores(&f->c, "iblock_0", collect, &n));
	OK(lio_list_acls(&f->c, IQN, collect, &n));
	OK(lio_list_portals(&f->c, IQN, collect, &n));
	assert_int_equal(n.calls, 0);

	lio_export(f);
	OK(lio_target_create(&f->c, IQN2));
	OK(lio_backstore_create(&f->c, &b2));
	struct lio_acl a2 = acl;
	a2.initiator = INI2;
	OK(lio_acl_create(&f->c, IQN, &a2));
	OK(lio_portal_add(&f->c, IQN, "[::1]:3260"));
	/* directories only: target/iscsi's files (lio_version, cpus_allowed_list) are not listed; its
	 * default group discovery_auth is, and is never a target of ours */
	OK(lio_list_targets(&f->c, collect, &n));
	assert_string_equal(sorted(&n), "discovery_auth " IQN " " IQN2);
	OK(lio_list_backstores(&f->c, "iblock_0", collect, &n));
	assert_string_equal(sorted(&n), "x y");
	OK(lio_list_acls(&f->c, IQN, collect, &n));
	assert_string_equal(sorted(&n), INI " " INI2);
	OK(lio_list_acls(&f->c, IQN2, collect, &n));
	assert_string_equal(sorted(&n), "");
	OK(lio_list_portals(&f->c, IQN, collect, &n));
	assert_string_equal(sorted(&n), "127.0.0.1:3260 [::1]:3260");
	/* the callback's non-zero return stops the walk and is returned */
	n.stop_at = 1;
	assert_int_equal(lio_list_backstores(&f->c, "iblock_0", collect, &n), 7);
	assert_int_equal(n.calls, 1);
	memset(&n, 0, sizeof(n));
	n.stop_at = 2;
	assert_int_equal(lio_list_targets(&f->c, collect, &n), 7);
	assert_int_equal(n.calls, 2);
}

/* ------------------------------------------------------------------------------------------------ */
/* lio_state.c: purges */

static void test_acl_purge(void **state)
{
	struct fx *f = *state;
	struct lio_backstore b = bs(f);
	lio_export(f);
	struct lio_acl a6 = acl;
	a6.mapped_lun = 6;
	OK(lio_mapped_lun_create(&f->c, IQN, &a6));
	OK(lio_acl_create(&f->c, IQN, &(struct lio_acl){ .initiator = INI2, .userid = "u2", .password = "secret-222222" }));
	sim_fail("unlink", "lun_6", EIO, 1);
	ERR(lio_acl_purge(&f->c, IQN, INI), EIO);
	assert_int_equal(exists(f, ACL), 1);
	sim_stats_reset();
	OK(lio_acl_purge(&f->c, IQN, INI));
	assert_int_equal(exists(f, ACL), 0);
	assert_int_equal(sim_stats().write, 0);
	/* the rest is untouched: the other ACL, the LUN and its link */
	assert_int_equal(exists(f, TPG "/acls/" INI2), 1);
	assert_string_equal(link_of(f, SO_LINK), SO);
	assert_string_equal(rd(f, TPG "/enable"), "1");
	OK(lio_acl_purge(&f->c, IQN, INI)); /* gone is done */
	OK(lio_lun_remove(&f->c, IQN, 0, &b)); /* nothing maps the LUN any more */
}

static void test_target_purge(void **state)
{
	struct fx *f = *state;
	struct lio_backstore b = bs(f);
	OK(lio_target_purge(&f->c, IQN)); /* nothing there */
	lio_export(f);
	struct lio_acl a2 = { .initiator = INI2, .userid = "u2", .password = "secret-222222", .mapped_lun = 0, .lun = 1 };
	struct lio_backstore b2 = bs2(f);
	OK(lio_backstore_create(&f->c, &b2));
	OK(lio_lun_create(&f->c, IQN, 1, &b2));
	OK(lio_acl_create(&f->c, IQN, &a2));
	OK(lio_mapped_lun_create(&f->c, IQN, &a2));
	OK(lio_portal_add(&f->c, IQN, "[::1]:3260"));
	MK(T "/tpgt_2"); /* every TPG goes, not only ours */
	MK(T "/tpgt_2/lun/lun_0");
	OK(lio_target_create(&f->c, IQN2));
	/* the order: the ACLs (dropping sessions), then disable, then portals and LUNs */
	sim_fail("write", TPG "/enable", EIO, 1);
	ERR(lio_target_purge(&f->c, IQN), EIO);
	assert_int_equal(exists(f, ACL), 0);
	assert_int_equal(exists(f, TPG "/acls/" INI2), 0);
	assert_string_equal(rd(f, TPG "/enable"), "1");
	assert_int_equal(exists(f, TPG "/np/127.0.0.1:3260"), 1);
	assert_int_equal(exists(f, LUN), 1);
	/* finished by a second call */
	sim_stats_reset();
	OK(lio_target_purge(&f->c, IQN));
	assert_int_equal(exists(f, T), 0);
	assert_int_equal(sim_stats().write, 1); /* enable 0, once */
	assert_int_equal(exists(f, "target/iscsi/" IQN2 "/tpgt_1"), 1); /* another target is not touched */
	/* no link is left to the storage objects */
	OK(lio_backstore_remove(&f->c, &b));
	OK(lio_backstore_remove(&f->c, &b2));
	assert_int_equal(exists(f, HBA), 0);
	OK(lio_target_purge(&f->c, IQN));
	/* a disabled TPG is not written to */
	sim_stats_reset();
	OK(lio_target_purge(&f->c, IQN2));
	assert_string_equal(ops(), "0/2/0/0/0");
}

static void test_hba_remove(void **state)
{
	struct fx *f = *state;
	struct lio_backstore b = bs(f);
	OK(lio_hba_remove(&f->c, "iblock_0")); /* nothing there */
	OK(lio_backstore_create(&f->c, &b));
	sim_stats_reset();
	OK(lio_hba_remove(&f->c, "iblock_0")); /* holds an object: stays, untouched */
	assert_string_equal(ops(), "0/0/0/0/0");
	assert_int_equal(exists(f, SO), 1);
	OK(cfs_rmdir(&f->c, SO));
	OK(lio_hba_remove(&f->c, "iblock_0"));
	assert_int_equal(exists(f, HBA), 0);
	MK(HBA);
	sim_fail("rmdir", HBA, EBUSY, 1);
	ERR(lio_hba_remove(&f->c, "iblock_0"), EBUSY);
}

UNIT_MAIN("lio-state", SIM_TEST(test_backstore_state), SIM_TEST(test_target_state), SIM_TEST(test_acl_state),
	  SIM_TEST(test_lists), SIM_TEST(test_acl_purge), SIM_TEST(test_target_purge), SIM_TEST(test_hba_remove))
