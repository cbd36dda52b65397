/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_calls_recover.c: what the calls leave behind when something fails under them (on the harness of
 * helpers/harness.h): a kernel failure at each step of an export or a teardown rolls everything back, a
 * failed --force never unfences onto another disk, a restart keeps the records, and a full LMDB map grows
 * instead of failing.
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

#include <cmocka.h>

#include "calls_fx.h"
#include "sim.h"
#include "unit_main.h"

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

UNIT_MAIN("calls-recover", H_TEST(test_unfence_checks_the_disk), H_TEST(test_kernel_failure_rolls_back),
	  H_TEST(test_restart_keeps_records), H_TEST(test_map_grows))
