/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sim_scenario.c: whole sequences on the configfs simulator: an export made and torn down in the
 * kernel's order leaves the tree as it was, and a second struct cfs (a restarted process) meets the same
 * rules, the simulator keeping no state in memory.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_fx.h"
#include "unit_main.h"

static void test_full_export_and_teardown(void **state)
{
	struct fx *f = *state;
	char *before = dump(f);
	sim_stats_reset();
	mk_export(f);
	struct sim_stats s = sim_stats();
	assert_int_equal(s.symlink, 2);
	assert_int_equal(s.rmdir, 0);
	/* teardown in the kernel's order (docs/KERNEL.md) */
	OK(cfs_unlink(&f->c, MLUN "/m"));
	OK(cfs_rmdir(&f->c, MLUN));
	OK(cfs_rmdir(&f->c, ACL));
	W(TPG "/enable", "0");
	OK(cfs_rmdir(&f->c, TPG "/np/127.0.0.1:3260"));
	OK(cfs_unlink(&f->c, LUN "/lnk"));
	OK(cfs_rmdir(&f->c, LUN));
	OK(cfs_rmdir(&f->c, TPG));
	OK(cfs_rmdir(&f->c, T));
	OK(cfs_rmdir(&f->c, "target/iscsi"));
	OK(cfs_rmdir(&f->c, SO));
	OK(cfs_rmdir(&f->c, HBA));
	char *after = dump(f);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

/* No state in memory: a second struct cfs (as after a restart) sees the same kernel. */
static void test_restart_same_rules(void **state)
{
	struct fx *f = *state;
	struct cfs c2;
	char v[PATH_MAX + 64];
	mk_export(f);
	cfs_close(&f->c);
	OK(cfs_open(&c2, f->root));
	ERR(cfs_rmdir(&c2, SO), EBUSY);
	ERR(cfs_rmdir(&c2, LUN), EBUSY);
	ERR(cfs_rmdir(&c2, ACL), ENOTEMPTY);
	ERR(cfs_write(&c2, SO "/enable", "1"), EEXIST);
	ERR(cfs_symlink(&c2, SO, LUN "/again"), EEXIST);
	ERR(cfs_write(&c2, SO "/wwn/vpd_unit_serial", "x"), EINVAL);
	OK(cfs_write(&c2, TPG "/enable", "1"));
	OK(cfs_mkdir(&c2, "target/core/iblock_1"));
	OK(cfs_mkdir(&c2, "target/core/iblock_1/y"));
	snprintf(v, sizeof(v), "udev_path=%s", f->dev[0]);
	OK(cfs_write(&c2, "target/core/iblock_1/y/control", v));
	ERR(cfs_write(&c2, "target/core/iblock_1/y/enable", "1"), EBUSY);
	cfs_close(&c2);
	OK(cfs_open(&f->c, f->root));
}

UNIT_MAIN("sim-scenario", SIM_TEST(test_full_export_and_teardown), SIM_TEST(test_restart_same_rules))
