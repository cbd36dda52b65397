/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_careless_kernel.c: what an operator's mistake or a reboot does to what a real attachd-sim holds in
 * the kernel, and what it must never do there: export another disk under a volume's target and
 * credentials (disks swapped by a reboot, a live mapping of a disk that is no longer the volume's), share
 * the kernel with a second agent, tear down live exports because it was given an empty database, or
 * remove other tools' targets under its prefix. One world per test (simulated configfs tree, dm
 * directory, device nodes, database); test_careless_store.c has the database and the files around it.
 */
#include <sys/mount.h>

#include "itest.h"

#define PREFIX "iqn.2026-11.org.attachd"

/* A volume on disk0 (7:100) at @d0, exported to INI_A; the agent left running. */
static void one_export(char d0[256], char *v0, struct attach_conninfo *c0)
{
	world_dev(&W, "disk0", 100, d0, 256);
	assert_int_equal(world_start(&W, NULL), 0);
	struct attach_client *c = world_client(&W);
	it_volume_on(c, d0, v0);
	it_export_to(c, v0, INI_A, c0);
	world_client_free(c);
}

/* Two volumes on disks @d0 (7:100) and @d1 (7:101), exported to INI_A and INI_B; the agent stopped after,
 * its exports left live. */
static void two_exports(char d0[256], char d1[256], char *v0, char *v1, struct attach_conninfo *c0,
			struct attach_conninfo *c1)
{
	world_dev(&W, "disk0", 100, d0, 256);
	world_dev(&W, "disk1", 101, d1, 256);
	assert_int_equal(world_start(&W, NULL), 0);
	struct attach_client *c = world_client(&W);
	it_volume_on(c, d0, v0);
	it_volume_on(c, d1, v1);
	it_export_to(c, v0, INI_A, c0);
	it_export_to(c, v1, INI_B, c1);
	world_client_free(c);
	assert_int_equal(world_stop(&W), 0);
}

/* What the kernel holds, as text: the simulated configfs tree and the dm directory (malloc'd). */
static char *kernel_now(void)
{
	char *out = it_capture("%s/tests/sim-setup --dump %s; ls %s", it_build(), W.cfs, W.dm);
	assert_non_null(out);
	return out;
}

static bool tree_has(const struct world *w, const char *rel)
{
	char p[1024];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", w->cfs, rel);
	return lstat(p, &st) == 0;
}

static bool target_live(const struct world *w, const char *vol)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "target/iscsi/" PREFIX ":%s/tpgt_1/enable", vol);
	return tree_has(w, rel);
}

/* ---- 1. the disk behind a volume's path changes */

/* A reboot brings the disks back in another order: each volume's path leads to the other's disk. The
 * exports stay down (nothing built, nothing of the other disk reachable), say why, refuse new access, and
 * come back as they were, with the same credentials, once the disks are where they belong. */
static void test_disks_swapped_after_reboot(void **state)
{
	(void)state;
	char d0[256], d1[256], v0[ATTACH_UUID_LEN + 1], v1[ATTACH_UUID_LEN + 1];
	struct attach_conninfo c0, c1;
	two_exports(d0, d1, v0, v1, &c0, &c1);

	/* the reboot: nothing of the kernel's side left; the kernel names the disks the other way round */
	assert_int_equal(it_run("rm -rf %s/* && %s/tests/sim-setup %s && rm -f %s/attachd-*", W.cfs, it_build(), W.cfs,
				W.dm), 0);
	assert_int_equal(unlink(d0) | unlink(d1), 0);
	assert_int_equal(mknod(d0, S_IFBLK | 0600, makedev(7, 101)), 0);
	assert_int_equal(mknod(d1, S_IFBLK | 0600, makedev(7, 100)), 0);
	assert_int_equal(world_start(&W, NULL), 0);
	assert_false(target_live(&W, v0));
	assert_false(target_live(&W, v1));
	char *dm = it_capture("ls %s", W.dm);
	assert_null(strstr(dm, "attachd-"));
	free(dm);
	world_assert_log_has(&W, "export down: ");
	world_assert_log_has(&W, "not the registered disk serial:sim-7-100");

	int st;
	char *out = world_ctl(&W, &st, "volume-show %s", v0);
	assert_non_null(strstr(out, "  down: "));
	free(out);
	out = world_ctl(&W, &st, "reconcile --dry-run");
	assert_int_not_equal(st, 0); /* what it cannot fix is an error, named */
	assert_non_null(strstr(out, "export would stay down"));
	free(out);
	struct attach_client *c = world_client(&W);
	struct attach_connector other = { .initiator = "iqn.2004-10.org.example:host-c" };
	struct attach_conninfo ci;
	assert_int_equal(attach_initialize_connection(c, v0, &other, &ci), -EMEDIUMTYPE);
	assert_int_equal(attach_last_status(c), ATTACH_E_WRONG_DEVICE);
	assert_non_null(strstr(attach_last_message(c), "its export is down"));
	world_client_free(c);

	/* volume 1 is given up on: --force removes what is left of an export that was never rebuilt */
	out = world_ctl(&W, &st, "terminate-connection %s --force", v1);
	if (st != 0)
		fail_msg("terminate-connection --force of a down export: %s", out);
	free(out);

	/* the disks put back: reconcile rebuilds volume 0, with the credentials its initiator has */
	assert_int_equal(unlink(d0) | unlink(d1), 0);
	assert_int_equal(mknod(d0, S_IFBLK | 0600, makedev(7, 100)), 0);
	assert_int_equal(mknod(d1, S_IFBLK | 0600, makedev(7, 101)), 0);
	out = world_ctl(&W, &st, "reconcile");
	assert_int_equal(st, 0);
	free(out);
	assert_true(target_live(&W, v0));
	assert_false(target_live(&W, v1));
	c = world_client(&W);
	struct attach_volume_info *v;
	assert_int_equal(attach_volume_show(c, v0, true, &v), 0);
	assert_null(v->down);
	assert_int_equal(v->n_acls, 1);
	assert_string_equal(v->acls[0].password, c0.auth_password);
	attach_volume_info_free(v);
	world_client_free(c);
	char rel[512];
	snprintf(rel, sizeof(rel), "%s/attachd-%s.table", W.dm, v0);
	out = it_capture("head -1 %s", rel);
	assert_string_equal(out, "linear 7:100 2097152\n");
	free(out);
}

/* A live export whose dm device maps a disk that is not (any more) the volume's: fenced at once, I/O
 * fails instead of reaching another tenant's data; back when the disk is the right one again. */
static void test_live_mapping_of_another_disk_fenced(void **state)
{
	(void)state;
	char d0[256], v0[ATTACH_UUID_LEN + 1], table[512], idf[512];
	struct attach_conninfo c0;
	one_export(d0, v0, &c0);
	snprintf(table, sizeof(table), "%s/attachd-%s.table", W.dm, v0);
	snprintf(idf, sizeof(idf), "%s/ident-7:100", W.dm);
	assert_int_equal(it_run("echo serial:someone-else > %s", idf), 0);
	int st;
	char *out = world_ctl(&W, &st, "reconcile");
	assert_int_not_equal(st, 0);
	assert_non_null(strstr(out, "fenced"));
	free(out);
	out = it_capture("head -1 %s", table);
	assert_int_equal(strncmp(out, "error ", 6), 0);
	free(out);
	/* a --force that fails half-way: its undo does not put the fenced device back on that disk */
	assert_int_equal(world_stop(&W), 0);
	W.sim_fail = "rmdir:/tpgt_1/np/:EIO";
	assert_int_equal(world_start(&W, NULL), 0);
	out = world_ctl(&W, &st, "terminate-connection %s --force", v0);
	assert_int_not_equal(st, 0);
	free(out);
	out = it_capture("head -1 %s", table);
	assert_int_equal(strncmp(out, "error ", 6), 0);
	free(out);
	assert_int_equal(world_stop(&W), 0);
	W.sim_fail = NULL;
	assert_int_equal(world_start(&W, NULL), 0);
	assert_int_equal(unlink(idf), 0);
	out = world_ctl(&W, &st, "reconcile");
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "its disk is back"));
	free(out);
	out = it_capture("head -1 %s", table);
	assert_string_equal(out, "linear 7:100 2097152\n");
	free(out);
}

/* ---- 2. one agent per kernel */

static void test_second_agent_refused(void **state)
{
	(void)state;
	char d0[256], v0[ATTACH_UUID_LEN + 1], link[256], args[1024], want[128];
	struct attach_conninfo c0;
	one_export(d0, v0, &c0);
	char *before = world_snapshot(&W);
	/* through another path to the same tree, another socket, another (empty) database */
	world_path(&W, link, sizeof(link), "cfs-link");
	assert_int_equal(symlink(W.cfs, link), 0);
	snprintf(args, sizeof(args), "--socket %s/b.sock --db %s/db-b --configfs-root %s", W.dir, W.dir, link);
	int st;
	char *out = it_agent_refused(args, &st);
	snprintf(want, sizeof(want), "another attachd (pid %d) manages this kernel's targets", (int)W.agent);
	if (st != 1 || !strstr(out, want))
		fail_msg("wanted exit 1 and \"%s\"; got %d: %s", want, st, out);
	free(out);
	/* a bind mount of it, where mounting is allowed */
	char bind[256];
	world_path(&W, bind, sizeof(bind), "cfs-bind");
	assert_int_equal(mkdir(bind, 0755), 0);
	if (mount(W.cfs, bind, NULL, MS_BIND, NULL) == 0) {
		snprintf(args, sizeof(args), "--socket %s/b.sock --db %s/db-b --configfs-root %s", W.dir, W.dir, bind);
		out = it_agent_refused(args, &st);
		umount(bind);
		if (st != 1 || !strstr(out, want))
			fail_msg("through a bind mount: wanted exit 1 and \"%s\"; got %d: %s", want, st, out);
		free(out);
	}
	char path[256];
	world_path(&W, path, sizeof(path), "db-b");
	assert_int_equal(access(path, F_OK), -1); /* refused before anything was made */
	char *after = world_snapshot(&W);
	world_assert_same(&W, before, after);
	free(before);
	free(after);
}

/* ---- 3. a database made at this start removes nothing */

static void test_empty_database_removes_nothing(void **state)
{
	(void)state;
	char d0[256], d1[256], v0[ATTACH_UUID_LEN + 1], v1[ATTACH_UUID_LEN + 1];
	struct attach_conninfo ci;
	two_exports(d0, d1, v0, v1, &ci, &ci);
	char *kernel = kernel_now();

	/* --db on a file system that is not mounted yet: an empty directory */
	struct world e = W;
	world_path(&W, e.db, sizeof(e.db), "db-empty");
	assert_int_equal(mkdir(e.db, 0700), 0);
	assert_int_equal(world_start(&e, NULL), 0);
	char *now = kernel_now();
	assert_string_equal(kernel, now);
	free(now);
	world_assert_log_has(&e, "was created at this start (it had no data.mdb), but the kernel holds 6 object(s)");
	int st;
	char *out = world_ctl(&e, &st, "reconcile --dry-run");
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "this database did not make it: left alone"));
	assert_non_null(strstr(out, "--purge-unowned removes them"));
	free(out);
	/* a restart on it: still not this database's */
	assert_int_equal(world_stop(&e), 0);
	assert_int_equal(world_start(&e, NULL), 0);
	now = kernel_now();
	assert_string_equal(kernel, now);
	free(now);
	assert_int_equal(world_stop(&e), 0);

	/* an empty data.mdb (a file system that lost it) */
	struct world z = W;
	world_path(&W, z.db, sizeof(z.db), "db-zero");
	assert_int_equal(it_run("mkdir -m 0700 %s && : > %s/data.mdb", z.db, z.db), 0);
	assert_int_equal(world_start(&z, NULL), 0);
	world_assert_log_has(&z, "(it had an empty data.mdb (0 bytes))");
	now = kernel_now();
	assert_string_equal(kernel, now);
	free(now);
	/* what the operator says is stale goes, on request only */
	out = world_ctl(&z, &st, "reconcile --dry-run --purge-unowned");
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "would remove unrecorded target " PREFIX ":"));
	free(out);
	now = kernel_now();
	assert_string_equal(kernel, now);
	free(now);
	out = world_ctl(&z, &st, "reconcile --purge-unowned");
	assert_int_equal(st, 0);
	free(out);
	assert_false(target_live(&W, v0));
	assert_false(target_live(&W, v1));
	assert_int_equal(world_stop(&z), 0);

	/* the real database back: everything rebuilt as recorded */
	assert_int_equal(world_start(&W, NULL), 0);
	assert_true(target_live(&W, v0));
	assert_true(target_live(&W, v1));
	free(kernel);
}

/* ---- 6. other tools' targets under the same prefix */

static void test_foreign_names_untouched(void **state)
{
	(void)state;
	static const char *const theirs[] = {
		"target/iscsi/" PREFIX ":volume-0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b", /* Cinder's form */
		"target/iscsi/" PREFIX ":0B4E2B1A-9C1D-4E5F-8A7B-6C5D4E3F2A1B",        /* not lower case */
		"target/iscsi/" PREFIX ":0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b.x",      /* more after the uuid */
		"target/iscsi/" PREFIX "x:0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b",       /* a longer prefix */
		"target/iscsi/" PREFIX ":0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b",        /* our form, not made by us */
		"target/core/iblock_1000/data",                                        /* not a volume id */
	};
	for (size_t i = 0; i < sizeof(theirs) / sizeof(theirs[0]); i++) {
		char p[512];
		snprintf(p, sizeof(p), "%s/%s", W.cfs, theirs[i]);
		assert_int_equal(it_run("mkdir -p %s", p), 0);
	}
	char *before = it_capture("%s/tests/sim-setup --dump %s", it_build(), W.cfs);
	assert_int_equal(world_start(&W, NULL), 0);
	int st;
	/* a volume registered under the id in a target's name does not make that target ours (a database
	 * restored from an older backup registers volumes whose live exports it never made) */
	char d0[256];
	world_dev(&W, "disk0", 100, d0, sizeof(d0));
	char *out = world_ctl(&W, &st, "volume-create --device %s --id 0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b", d0);
	assert_int_equal(st, 0);
	free(out);
	out = world_ctl(&W, &st, "reconcile");
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "1 object(s) with attachd's names that this database did not make"));
	free(out);
	char *after = it_capture("%s/tests/sim-setup --dump %s", it_build(), W.cfs);
	assert_string_equal(before, after);
	free(before);
	free(after);
	/* prefixes other tools use by default are refused */
	static const char *const foreign[] = { "iqn.2010-10.org.openstack", "IQN.2003-01.ORG.LINUX-ISCSI.host1",
					      "iqn.2003-01.com.redhat.iscsi-gw" };
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		char args[512];
		snprintf(args, sizeof(args), "--socket %s/f.sock --db %s/db-f --configfs-root %s --iqn-prefix %s", W.dir,
			 W.dir, W.cfs, foreign[i]);
		out = it_agent_refused(args, &st);
		if (st != 2 || !strstr(out, "is the default of another tool"))
			fail_msg("--iqn-prefix %s: wanted exit 2 and a refusal, got %d: %s", foreign[i], st, out);
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_disks_swapped_after_reboot, it_world_setup, it_world_teardown),
		cmocka_unit_test_setup_teardown(test_live_mapping_of_another_disk_fenced, it_world_setup,
						it_world_teardown),
		cmocka_unit_test_setup_teardown(test_second_agent_refused, it_world_setup, it_world_teardown),
		cmocka_unit_test_setup_teardown(test_empty_database_removes_nothing, it_world_setup, it_world_teardown),
		cmocka_unit_test_setup_teardown(test_foreign_names_untouched, it_world_setup, it_world_teardown),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
