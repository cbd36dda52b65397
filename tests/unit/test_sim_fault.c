/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sim_fault.c: the configfs simulator's fault injection and counters (tests/sim/sim_fault.c): a rule
 * fails the nth matching call and changes nothing, the ATTACHD_SIM_FAIL syntax, a fresh process reading
 * the rules from its environment, and the per-operation statistics.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim_fx.h"

static void test_fault_injection(void **state)
{
	struct fx *f = *state;
	mk_tpg(f, T);
	sim_fail("mkdir", "lun_0", EIO, 1);
	ERR(cfs_mkdir(&f->c, LUN), EIO);
	assert_int_equal(exists(f, LUN), 0); /* changed nothing */
	MK(LUN);
	sim_fail("write", "tpgt_1/enable", EBUSY, 2);
	W(TPG "/enable", "1");
	ERR(cfs_write(&f->c, TPG "/enable", "0"), EBUSY);
	assert_string_equal(rd(f, TPG "/enable"), "1");
	W(TPG "/enable", "0");
	sim_fail("read", "", ENOMEM, 1);
	sim_fail_clear();
	rd(f, TPG "/enable");
	/* the environment syntax: the substring may hold ':' */
	OK(sim_fail_spec("write:" IQN "/tpgt_1/enable:EIO:2;rmdir:lun_0:16"));
	W(TPG "/enable", "1");
	ERR(cfs_write(&f->c, TPG "/enable", "0"), EIO);
	ERR(cfs_rmdir(&f->c, LUN), EBUSY);
	ERR(sim_fail_spec("bogus:x:EIO"), EINVAL);
	ERR(sim_fail_spec("mkdir:x:NOTANERRNO"), EINVAL);
	ERR(sim_fail_spec("mkdir:EIO"), EINVAL);
}

/* ATTACHD_SIM_FAIL is read by a freshly started process (as build/attachd-sim would be). */
static int env_child(const char *root)
{
	struct cfs c;
	if (cfs_open(&c, root))
		return 100;
	int rc = cfs_mkdir(&c, "target/iscsi");
	cfs_close(&c);
	return rc == -ENOSPC ? 0 : 101;
}

static void test_fault_from_environment(void **state)
{
	struct fx *f = *state;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("ATTACHD_SIM_FAIL", "mkdir:target/iscsi:ENOSPC", 1);
		execl(self, self, "--sim-env-child", f->root, (char *)NULL);
		_exit(102);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(exists(f, "target/iscsi"), 0);
}

static void test_stats(void **state)
{
	struct fx *f = *state;
	sim_stats_reset();
	MK("target/iscsi");
	MK(T);
	W("target/dbroot", f->root);
	rd(f, "target/dbroot");
	ERR(cfs_rmdir(&f->c, "target/core"), EPERM);
	struct sim_stats s = sim_stats();
	assert_int_equal(s.mkdir, 2);
	assert_int_equal(s.write, 1);
	assert_int_equal(s.read, 1);
	assert_int_equal(s.rmdir, 1);
	assert_int_equal(s.symlink + s.unlink, 0);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--sim-env-child"))
		return env_child(argv[2]);
	const struct CMUnitTest tests[] = {
		SIM_TEST(test_fault_injection), SIM_TEST(test_fault_from_environment), SIM_TEST(test_stats),
	};
	return cmocka_run_group_tests_name("sim-fault", tests, NULL, NULL);
}
