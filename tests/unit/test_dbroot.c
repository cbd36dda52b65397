/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_dbroot.c: LIO's dbroot at start (agent/kernel/dbroot.c) against the simulated configfs, whose
 * target/dbroot follows the kernel (tests/sim/sim_pr.c): <db>/dbroot and its pr/ made 0700 and checked
 * (a file, a link, a loose mode); the kernel pointed there with the newline that makes a shorter path
 * stick; left alone when it points there already (with storage objects the same value is EINVAL too);
 * not pointed, with the old value and the reason, while storage objects exist; and dbroot_setup's
 * outcome in the agent's context and its log.
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
#include <unistd.h>

#include <cmocka.h>

#include "dbroot.h"
#include "sim_fx.h"
#include "unit_main.h"

static char logged[8][1024];
static int n_logged;

static void log_keep(enum log_level level, const char *msg, void *data)
{
	(void)level;
	(void)data;
	if (n_logged < 8)
		snprintf(logged[n_logged++], sizeof(logged[0]), "%s", msg);
}

static const char *log_has(const char *what)
{
	for (int i = 0; i < n_logged; i++)
		if (strstr(logged[i], what))
			return logged[i];
	return NULL;
}

static void db_dir(struct fx *f, char *db, size_t size)
{
	snprintf(db, size, "%s/db", f->root);
	if (mkdir(db, 0700) && errno != EEXIST)
		fail_msg("mkdir %s", db);
}

static void test_prepare(void **state)
{
	struct fx *f = *state;
	char db[128], path[PATH_MAX], why[512], p[PATH_MAX + 8];
	struct stat st;
	db_dir(f, db, sizeof(db));
	OK(dbroot_prepare(db, path, sizeof(path), why, sizeof(why)));
	char want[PATH_MAX];
	assert_non_null(realpath(db, want));
	strcat(want, "/dbroot");
	assert_string_equal(path, want);
	snprintf(p, sizeof(p), "%s/pr", path);
	OK(lstat(p, &st));
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	/* again: nothing to make; a loose mode is set back */
	OK(chmod(p, 0755));
	n_logged = 0;
	log_set_callback(log_keep, NULL);
	OK(dbroot_prepare(db, path, sizeof(path), why, sizeof(why)));
	assert_non_null(log_has("had mode 0755; setting 0700"));
	OK(stat(p, &st));
	assert_int_equal(st.st_mode & 07777, 0700);
	/* pr/ a file, then dbroot a link */
	OK(rmdir(p));
	FILE *x = fopen(p, "w");
	assert_non_null(x);
	fclose(x);
	ERR(dbroot_prepare(db, path, sizeof(path), why, sizeof(why)), ENOTDIR);
	assert_non_null(strstr(why, "/dbroot/pr Not a directory"));
	OK(unlink(p));
	OK(rmdir(path));
	OK(symlink(f->root, path));
	ERR(dbroot_prepare(db, path, sizeof(path), why, sizeof(why)), ELOOP);
	assert_non_null(strstr(why, "/dbroot is a symbolic link: it must be a directory of attachd's own"));
	OK(unlink(path));
	/* a --db that does not exist */
	snprintf(p, sizeof(p), "%s/nodb", f->root);
	ERR(dbroot_prepare(p, path, sizeof(path), why, sizeof(why)), ENOENT);
	log_set_callback(NULL, NULL);
}

static void test_point(void **state)
{
	struct fx *f = *state;
	char db[128], path[PATH_MAX], why[512], was[4096];
	int werr;
	db_dir(f, db, sizeof(db));
	OK(dbroot_prepare(db, path, sizeof(path), why, sizeof(why)));
	assert_int_equal(dbroot_point(&f->c, path, was, sizeof(was), &werr), 1);
	assert_string_equal(was, "/etc/target");
	assert_string_equal(rd(f, "target/dbroot"), path);
	/* from a longer path to ours: the newline makes the kernel copy the NUL too */
	char longer[PATH_MAX + 64];
	snprintf(longer, sizeof(longer), "%s/a-much-longer-directory-name", path);
	OK(mkdir(longer, 0700));
	W("target/dbroot", longer);
	assert_int_equal(dbroot_point(&f->c, path, was, sizeof(was), &werr), 1);
	assert_string_equal(was, longer);
	assert_string_equal(rd(f, "target/dbroot"), path);
	/* a storage object: the same value is not written again (it would be EINVAL) */
	mk_so(f, HBA, SO, f->dev[0]);
	struct sim_stats s0 = sim_stats();
	assert_int_equal(dbroot_point(&f->c, path, was, sizeof(was), &werr), 1);
	assert_int_equal(sim_stats().write, s0.write);
	/* pointed elsewhere and a storage object there: 0, the old value and EINVAL */
	OK(cfs_rmdir(&f->c, SO));
	W("target/dbroot", longer);
	mk_so(f, HBA, SO, f->dev[0]);
	assert_int_equal(dbroot_point(&f->c, path, was, sizeof(was), &werr), 0);
	assert_int_equal(werr, -EINVAL);
	assert_string_equal(was, longer);
	assert_string_equal(rd(f, "target/dbroot"), longer);
	/* unreadable */
	sim_fail("read", "target/dbroot", EIO, 1);
	assert_int_equal(dbroot_point(&f->c, path, was, sizeof(was), &werr), -EIO);
}

static void test_setup(void **state)
{
	struct fx *f = *state;
	struct agent a;
	char db[128];
	memset(&a, 0, sizeof(a));
	db_dir(f, db, sizeof(db));
	a.cfg.db_dir = db;
	a.cfg.configfs_root = f->root;
	a.cfs = f->c;
	n_logged = 0;
	log_set_callback(log_keep, NULL);
	OK(dbroot_setup(&a));
	assert_string_equal(rd(f, "target/dbroot"), a.dbroot);
	assert_non_null(log_has("LIO's dbroot set to "));
	assert_non_null(log_has("(was /etc/target)"));
	/* another tool's storage object and dbroot elsewhere: one warning, a.dbroot "" */
	char other[128];
	snprintf(other, sizeof(other), "%s/etc-target", f->root);
	OK(mkdir(other, 0755));
	W("target/dbroot", other);
	mk_so(f, HBA, SO, f->dev[0]);
	n_logged = 0;
	OK(dbroot_setup(&a));
	assert_string_equal(a.dbroot, "");
	const char *w = log_has("cannot be pointed at");
	assert_non_null(w);
	assert_non_null(strstr(w, "storage objects exist already"));
	assert_non_null(strstr(w, other));
	/* dbroot is a file: the start stops */
	char p[160];
	snprintf(p, sizeof(p), "%s/dbroot/pr", db);
	OK(rmdir(p));
	snprintf(p, sizeof(p), "%s/dbroot", db);
	OK(rmdir(p));
	FILE *x = fopen(p, "w");
	assert_non_null(x);
	fclose(x);
	ERR(dbroot_setup(&a), ENOTDIR);
	assert_non_null(log_has("dbroot: "));
	log_set_callback(NULL, NULL);
}

UNIT_MAIN("dbroot", SIM_TEST(test_prepare), SIM_TEST(test_point), SIM_TEST_612(test_point), SIM_TEST(test_setup))
