/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sim_rmdir.c: rmdir in the configfs simulator (tests/sim/sim.c): default groups and attributes cannot
 * be removed, and the EBUSY and ENOTEMPTY refusals of a teardown in the wrong order (docs/KERNEL.md).
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

static void test_rmdir_default_groups_and_files(void **state)
{
	struct fx *f = *state;
	mk_tpg(f, T);
	MK(HBA);
	MK(SO);
	ERR(cfs_rmdir(&f->c, TPG "/attrib"), EPERM);
	ERR(cfs_rmdir(&f->c, SO "/wwn"), EPERM);
	ERR(cfs_rmdir(&f->c, "target/core"), EPERM);
	ERR(cfs_rmdir(&f->c, "target"), EPERM);
	ERR(cfs_rmdir(&f->c, TPG "/enable"), ENOTDIR);
	ERR(cfs_rmdir(&f->c, TPG "/lun/lun_9"), ENOENT);
	ERR(cfs_rmdir(&f->c, HBA), ENOTEMPTY); /* an HBA with a storage object */
	OK(cfs_rmdir(&f->c, SO));
	OK(cfs_rmdir(&f->c, HBA));
	assert_int_equal(exists(f, HBA), 0);
}

/* The refusals of a teardown in the wrong order, as the kernel gives them (docs/KERNEL.md). */
static void test_rmdir_busy_and_not_empty(void **state)
{
	struct fx *f = *state;
	mk_export(f);
	ERR(cfs_rmdir(&f->c, ACL), ENOTEMPTY); /* ACL with mapped LUNs */
	ERR(cfs_rmdir(&f->c, LUN), EBUSY);     /* a mapped LUN links to it */
	ERR(cfs_rmdir(&f->c, TPG), ENOTEMPTY);
	ERR(cfs_rmdir(&f->c, SO), EBUSY);      /* linked from a LUN */
	ERR(cfs_rmdir(&f->c, T), ENOTEMPTY);
	ERR(cfs_rmdir(&f->c, "target/iscsi"), ENOTEMPTY);
	ERR(cfs_rmdir(&f->c, MLUN), ENOTEMPTY); /* still holds its link */
	OK(cfs_unlink(&f->c, MLUN "/m"));
	OK(cfs_rmdir(&f->c, MLUN));
	ERR(cfs_rmdir(&f->c, LUN), ENOTEMPTY); /* only its own link left: a child, not a reference */
	OK(cfs_unlink(&f->c, LUN "/lnk"));
	OK(cfs_rmdir(&f->c, LUN));
	OK(cfs_rmdir(&f->c, SO));
}

UNIT_MAIN("sim-rmdir", SIM_TEST(test_rmdir_default_groups_and_files), SIM_TEST(test_rmdir_busy_and_not_empty))
