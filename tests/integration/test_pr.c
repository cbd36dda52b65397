/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_pr.c: persistent reservations, on a real attachd-sim (agent/kernel/dbroot.h, agent/calls/pr_restore.h;
 * the kernel's side: docs/KERNEL.md, 'dbroot and persistent reservations'). LIO's dbroot pointed at
 * <db>/dbroot at start, or a warning when the kernel will not take it (storage objects exist); a start
 * refused when <db>/dbroot or its pr/ is something else (a file, a link); after a reboot, the export
 * rebuilt with the reservations of its initiators fed to the new storage object, and not rebuilt when
 * the file fails its check (until it is fixed: reconcile); registrations of initiators without an ACL
 * not fed; a live export's reservations never touched by reconcile. One world per test.
 */
#include "itest.h"

#define PREFIX "iqn.2026-11.org.attachd"

/* What target/dbroot shows, without its newline (static buffer). */
static const char *kernel_dbroot(void)
{
	static char buf[4200];
	char p[256];
	snprintf(p, sizeof(p), "%s/target/dbroot", W.cfs);
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* <db>/dbroot, absolute and without links, as the agent writes it. */
static void our_dbroot(char *out, size_t size)
{
	char real[PATH_MAX];
	assert_non_null(realpath(W.db, real));
	snprintf(out, size, "%s/dbroot", real);
}

/* The kernel's reservations file for @vol: @ini registered on LUN 0 with APTPL and holding a WRITE
 * EXCLUSIVE, REGISTRANTS ONLY reservation, on target @target (NULL: the volume's). */
static void aptpl_file(const char *vol, const char *ini, const char *target)
{
	char p[512], t[256];
	snprintf(t, sizeof(t), PREFIX ":%s", vol);
	snprintf(p, sizeof(p), "%s/dbroot/pr/aptpl_%s", W.db, vol);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fprintf(f, "PR_REG_START: 0\ninitiator_fabric=iSCSI\ninitiator_node=%s\ninitiator_sid=00023d000001\n"
		"sa_res_key=4369\nres_holder=1\nres_type=05\nres_scope=00\nres_all_tg_pt=0\nmapped_lun=0\n"
		"target_fabric=iSCSI\ntarget_node=%s\ntpgt=1\nport_rtpi=1\ntarget_lun=0\nPR_REG_END: 0\n", ini,
		target ? target : t);
	fputc('\0', f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, 0600), 0);
}

static bool target_live(const char *vol)
{
	char p[512];
	struct stat st;
	snprintf(p, sizeof(p), "%s/target/iscsi/" PREFIX ":%s/tpgt_1/enable", W.cfs, vol);
	return lstat(p, &st) == 0;
}

/* A volume on disk0 exported to INI_A, then the agent stopped and the machine rebooted: nothing of the
 * kernel's side is left, the records and <db>/dbroot are. */
static void export_then_reboot(char *vol)
{
	char d0[256];
	struct attach_conninfo ci;
	world_dev(&W, "disk0", 100, d0, sizeof(d0));
	assert_int_equal(world_start(&W, NULL), 0);
	struct attach_client *c = world_client(&W);
	it_volume_on(c, d0, vol);
	it_export_to(c, vol, INI_A, &ci);
	attach_conninfo_clear(&ci);
	world_client_free(c);
	assert_int_equal(world_stop(&W), 0);
	assert_int_equal(it_run("rm -rf %s/* && %s/tests/sim-setup %s && rm -f %s/attachd-*", W.cfs, it_build(), W.cfs,
				W.dm), 0);
}

/* The first start points dbroot at <db>/dbroot (made 0700 with its pr/); later starts find it there. */
static void test_dbroot_set_at_start(void **state)
{
	(void)state;
	char want[PATH_MAX + 16], p[PATH_MAX + 32];
	struct stat st;
	assert_string_equal(kernel_dbroot(), "/etc/target");
	assert_int_equal(world_start(&W, NULL), 0);
	our_dbroot(want, sizeof(want));
	assert_string_equal(kernel_dbroot(), want);
	world_assert_log_has(&W, "LIO's dbroot set to ");
	snprintf(p, sizeof(p), "%s/pr", want);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	/* an export: the agent's own storage object is there now, and a restart still has dbroot */
	char d0[256], vol[ATTACH_UUID_LEN + 1];
	struct attach_conninfo ci;
	world_dev(&W, "disk0", 100, d0, sizeof(d0));
	struct attach_client *c = world_client(&W);
	it_volume_on(c, d0, vol);
	it_export_to(c, vol, INI_A, &ci);
	attach_conninfo_clear(&ci);
	world_client_free(c);
	assert_int_equal(world_stop(&W), 0);
	assert_int_equal(world_start(&W, NULL), 0);
	assert_string_equal(kernel_dbroot(), want);
	char *log = world_log(&W);
	assert_null(strstr(log, "cannot be pointed at"));
	free(log);
}

/* Another tool's storage object holds dbroot elsewhere: the agent serves, says so once, and restores
 * nothing from its own directory (whose file the kernel does not keep up to date). */
static void test_dbroot_in_use_warns(void **state)
{
	(void)state;
	assert_int_equal(it_run("mkdir -p %s/target/core/iblock_0/someone-elses", W.cfs), 0);
	assert_int_equal(world_start(&W, NULL), 0);
	world_assert_log_has(&W, "LIO's dbroot is /etc/target and cannot be pointed at ");
	world_assert_log_has(&W, "storage objects exist already");
	assert_string_equal(kernel_dbroot(), "/etc/target");
	char d0[256], vol[ATTACH_UUID_LEN + 1];
	struct attach_conninfo ci;
	world_dev(&W, "disk0", 100, d0, sizeof(d0));
	struct attach_client *c = world_client(&W);
	it_volume_on(c, d0, vol);
	aptpl_file(vol, INI_A, NULL);
	assert_int_equal(world_stop(&W), 0);
	world_client_free(c);
	/* a feed would fail: none is tried */
	W.sim_fail = "write:pr/res_aptpl_metadata:EIO";
	assert_int_equal(world_start(&W, NULL), 0);
	c = world_client(&W);
	it_export_to(c, vol, INI_A, &ci);
	attach_conninfo_clear(&ci);
	world_client_free(c);
	assert_true(target_live(vol));
	char *log = world_log(&W);
	assert_null(strstr(log, "restored"));
	free(log);
}

/* <db>/dbroot or its pr/ not a directory of attachd's: the start stops, saying what is there. */
static void test_dbroot_bad_state_refused(void **state)
{
	(void)state;
	char p[256], q[256];
	assert_int_equal(world_start(&W, NULL), 0);
	assert_int_equal(world_stop(&W), 0);
	snprintf(p, sizeof(p), "%s/dbroot", W.db);
	/* a file */
	assert_int_equal(it_run("rm -rf %s && touch %s", p, p), 0);
	assert_int_equal(world_start(&W, NULL), -1);
	assert_int_equal(W.exit_status, 1);
	world_assert_log_has(&W, "dbroot: ");
	world_assert_log_has(&W, "/dbroot Not a directory: it must be a directory of attachd's own");
	/* a link to a directory somebody else made */
	snprintf(q, sizeof(q), "%s/elsewhere", W.dir);
	assert_int_equal(it_run("rm -f %s && mkdir -p %s/pr && ln -s %s %s", p, q, q, p), 0);
	assert_int_equal(world_start(&W, NULL), -1);
	world_assert_log_has(&W, "/dbroot is a symbolic link: it must be a directory of attachd's own");
	/* its pr/ a link */
	assert_int_equal(it_run("rm -f %s && mkdir -m 0700 %s && ln -s %s %s/pr", p, p, q, p), 0);
	assert_int_equal(world_start(&W, NULL), -1);
	world_assert_log_has(&W, "/dbroot/pr is a symbolic link");
	/* a loose mode is fixed; the kernel's dbroot is not pointed at a refused directory */
	assert_int_equal(it_run("rm -f %s/pr && mkdir -m 0777 %s/pr && chmod 0755 %s", p, p, p), 0);
	assert_int_equal(world_start(&W, NULL), 0);
	world_assert_log_has(&W, "had mode 0755; setting 0700");
	world_assert_log_has(&W, "had mode 0777; setting 0700");
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
}

/* After a reboot the export comes back with its initiator's reservations fed; the dry run shows the step. */
static void test_restore_after_reboot(void **state)
{
	(void)state;
	char vol[ATTACH_UUID_LEN + 1];
	export_then_reboot(vol);
	aptpl_file(vol, INI_A, NULL);
	assert_int_equal(world_start(&W, NULL), 0);
	assert_true(target_live(vol));
	world_assert_log_has(&W, "1 persistent reservation registration(s) of " INI_A " restored");
	world_assert_log_has(&W, "restore the persistent reservations of " INI_A);
	int st;
	char *out = world_ctl(&W, &st, "reconcile --dry-run");
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "nothing to do"));
	free(out);
	/* a live export: reconcile plans nothing, the file notwithstanding */
	char *before = world_snapshot(&W);
	out = world_ctl(&W, &st, "reconcile");
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "nothing to do"));
	free(out);
	char *after = world_snapshot(&W);
	world_assert_same(&W, before, after);
	free(before);
	free(after);
}

/* A registration of an initiator that has no ACL any more is not fed: the live kernel dropped it with
 * the ACL. */
static void test_restore_skips_initiators_without_acl(void **state)
{
	(void)state;
	char vol[ATTACH_UUID_LEN + 1];
	export_then_reboot(vol);
	aptpl_file(vol, INI_B, NULL);
	W.sim_fail = "write:pr/res_aptpl_metadata:EIO"; /* a feed would fail the export */
	assert_int_equal(world_start(&W, NULL), 0);
	assert_true(target_live(vol));
	char *log = world_log(&W);
	assert_null(strstr(log, "registration(s) of"));
	free(log);
}

/* A file that fails its check, or a kernel that refuses the feed: the export is not built (no fencing
 * would be lost); reconcile says why; fixed, the next reconcile builds it. */
static void test_restore_refused_until_fixed(void **state)
{
	(void)state;
	char vol[ATTACH_UUID_LEN + 1], p[512];
	int st;
	export_then_reboot(vol);
	aptpl_file(vol, INI_A, PREFIX ":someone-else");
	assert_int_equal(world_start(&W, NULL), 0);
	assert_false(target_live(vol));
	world_assert_log_has(&W, "its persistent reservations (");
	world_assert_log_has(&W, "registration 0 is for target " PREFIX ":someone-else");
	world_assert_log_has(&W, "restore the persistent reservations of " INI_A);
	world_assert_log_has(&W, "Bad message");
	/* a link where the file should be: not followed */
	snprintf(p, sizeof(p), "%s/dbroot/pr/aptpl_%s", W.db, vol);
	assert_int_equal(it_run("rm -f %s && ln -s /etc/passwd %s", p, p), 0);
	char *out = world_ctl(&W, &st, "reconcile");
	assert_int_equal(st, 1);
	free(out);
	world_assert_log_has(&W, "a symbolic link");
	assert_false(target_live(vol));
	/* garbage */
	assert_int_equal(it_run("rm -f %s && printf 'PR_REG_START: 0\\nsa_res_key=1\\n' >%s && chmod 600 %s", p, p, p), 0);
	out = world_ctl(&W, &st, "reconcile");
	assert_int_equal(st, 1);
	free(out);
	world_assert_log_has(&W, "registration 0 has no end");
	/* the kernel's own refusal: the step fails, rolled back */
	aptpl_file(vol, INI_A, NULL);
	assert_int_equal(world_stop(&W), 0);
	W.sim_fail = "write:pr/res_aptpl_metadata:EINVAL";
	assert_int_equal(world_start(&W, NULL), 0);
	assert_false(target_live(vol));
	world_assert_log_has(&W, "Invalid argument (earlier steps rolled back)");
	assert_int_equal(world_stop(&W), 0);
	W.sim_fail = NULL;
	/* fixed: built, reservations fed */
	assert_int_equal(world_start(&W, NULL), 0);
	assert_true(target_live(vol));
	world_assert_log_has(&W, "1 persistent reservation registration(s) of " INI_A " restored");
	out = world_ctl(&W, &st, "reconcile --dry-run");
	assert_non_null(strstr(out, "nothing to do"));
	free(out);
}

/* A storage object left without its LUN (a build cut short) is made again, so reservations are fed once. */
static void test_unlinked_storage_object_made_again(void **state)
{
	(void)state;
	char vol[ATTACH_UUID_LEN + 1];
	int st;
	export_then_reboot(vol);
	aptpl_file(vol, INI_A, NULL);
	/* the target cannot be made this time: the storage object stays, unlinked */
	W.sim_fail = "mkdir:" PREFIX ":EIO";
	assert_int_equal(world_start(&W, NULL), 0);
	W.sim_fail = NULL;
	assert_false(target_live(vol));
	char *out = world_ctl(&W, &st, "reconcile --dry-run");
	assert_non_null(strstr(out, "would restore the persistent reservations of " INI_A));
	free(out);
	out = world_ctl(&W, &st, "reconcile");
	assert_int_equal(st, 0);
	free(out);
	assert_true(target_live(vol));
	out = world_ctl(&W, &st, "reconcile --dry-run");
	assert_non_null(strstr(out, "nothing to do"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dbroot_set_at_start, it_world_setup, it_world_teardown),
		cmocka_unit_test_setup_teardown(test_dbroot_in_use_warns, it_world_setup, it_world_teardown),
		cmocka_unit_test_setup_teardown(test_dbroot_bad_state_refused, it_world_setup, it_world_teardown),
		cmocka_unit_test_setup_teardown(test_restore_after_reboot, it_world_setup, it_world_teardown),
		cmocka_unit_test_setup_teardown(test_restore_skips_initiators_without_acl, it_world_setup, it_world_teardown),
		cmocka_unit_test_setup_teardown(test_restore_refused_until_fixed, it_world_setup, it_world_teardown),
		cmocka_unit_test_setup_teardown(test_unlinked_storage_object_made_again, it_world_setup, it_world_teardown),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
