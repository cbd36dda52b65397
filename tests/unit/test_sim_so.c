/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sim_so.c: storage objects in the configfs simulator (tests/sim/sim_so.c): control and enable, what
 * udev_path and info show, the exclusive open of a device, and the VPD unit serial.
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

static void test_so_control_enable(void **state)
{
	struct fx *f = *state;
	char v[PATH_MAX + 64];
	MK(HBA);
	MK(SO);
	assert_string_equal(rd(f, SO "/enable"), "0");
	ERR(cfs_write(&f->c, SO "/enable", "1"), EINVAL); /* enable before control */
	W(SO "/control", "udev_path=/dev/nonexistent-sim");
	ERR(cfs_write(&f->c, SO "/enable", "1"), ENOENT);
	snprintf(v, sizeof(v), "udev_path=%s", f->notblk);
	W(SO "/control", v);
	ERR(cfs_write(&f->c, SO "/enable", "1"), ENOTBLK);
	snprintf(v, sizeof(v), "udev_path=%s,readonly=0", f->dev[0]);
	W(SO "/control", v);
	ERR(cfs_write(&f->c, SO "/enable", "0"), EINVAL); /* only "1" */
	W(SO "/enable", "1");
	assert_string_equal(rd(f, SO "/enable"), "1");
	ERR(cfs_write(&f->c, SO "/enable", "1"), EEXIST);
	ERR(cfs_write(&f->c, SO "/control", v), EEXIST); /* udev_path= after enable */
	ERR(cfs_write(&f->c, SO "/control", "readonly=x"), EINVAL);
	/* control is shown in info, not in udev_path; control itself is write-only */
	assert_string_equal(rd(f, SO "/udev_path"), "");
	assert_non_null(strstr(rd(f, SO "/info"), "UDEV PATH: "));
	assert_non_null(strstr(rbuf, f->dev[0]));
	assert_non_null(strstr(rbuf, "CLAIMED: IBLOCK"));
	ERR(cfs_read(&f->c, SO "/control", rbuf, sizeof(rbuf)), EACCES);
	ERR(cfs_write(&f->c, SO "/info", "x"), EACCES);
	W(SO "/udev_path", f->dev[0]);
	assert_string_equal(rd(f, SO "/udev_path"), f->dev[0]);
	memset(v, '/', 512); /* SE_UDEV_PATH_LEN - 1 is the most */
	v[512] = '\0';
	ERR(cfs_write(&f->c, SO "/udev_path", v), EINVAL);
	/* iblock opens exclusively: one storage object per device, in any HBA */
	mk_so(f, "target/core/iblock_1", "target/core/iblock_1/y", f->dev[1]);
	MK("target/core/iblock_1/z");
	snprintf(v, sizeof(v), "udev_path=%s", f->dev[0]);
	W("target/core/iblock_1/z/control", v);
	ERR(cfs_write(&f->c, "target/core/iblock_1/z/enable", "1"), EBUSY);
	OK(cfs_rmdir(&f->c, SO)); /* the device is free again */
	W("target/core/iblock_1/z/enable", "1");
}

static void test_so_vpd_unit_serial(void **state)
{
	struct fx *f = *state;
	char big[300];
	mk_so(f, HBA, SO, f->dev[0]);
	W(SO "/wwn/vpd_unit_serial", "6b8f1c2e-0d7a-4c55-9a51-3f0e2b9c1d44");
	assert_string_equal(rd(f, SO "/wwn/vpd_unit_serial"),
			    "T10 VPD Unit Serial Number: 6b8f1c2e-0d7a-4c55-9a51-3f0e2b9c1d44");
	memset(big, 's', 254);
	big[254] = '\0';
	ERR(cfs_write(&f->c, SO "/wwn/vpd_unit_serial", big), EOVERFLOW);
	big[253] = '\0';
	W(SO "/wwn/vpd_unit_serial", big);
	mk_tpg(f, T);
	MK(LUN);
	LN(SO, LUN "/lnk");
	ERR(cfs_write(&f->c, SO "/wwn/vpd_unit_serial", "other"), EINVAL); /* exported */
	ERR(cfs_write(&f->c, SO "/wwn/vendor_id", "OTHER"), EINVAL);
	assert_non_null(strstr(rd(f, SO "/info"), "Status: ACTIVATED"));
	OK(cfs_unlink(&f->c, LUN "/lnk"));
	W(SO "/wwn/vpd_unit_serial", "other");
	assert_non_null(strstr(rd(f, SO "/info"), "Status: DEACTIVATED"));
	ERR(cfs_write(&f->c, SO "/wwn/vendor_id", "TOOLONGVENDOR"), EOVERFLOW);
}

UNIT_MAIN("sim-so", SIM_TEST(test_so_control_enable), SIM_TEST(test_so_vpd_unit_serial))
