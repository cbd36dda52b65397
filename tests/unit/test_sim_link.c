/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sim_link.c: links in the configfs simulator (tests/sim/sim_link.c): a LUN's link to its storage
 * object, a mapped LUN's link to its LUN, the kernel's relative link text, and unlink.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim_fx.h"
#include "unit_main.h"

static void test_symlink_lun(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX], text[PATH_MAX];
	mk_tpg(f, T);
	MK(LUN);
	MK(HBA);
	MK(SO);
	ERR(cfs_read(&f->c, LUN "/alua_tg_pt_gp", rbuf, sizeof(rbuf)), ENODEV);
	ERR(cfs_symlink(&f->c, SO, LUN "/lnk"), ENODEV);         /* not enabled */
	ERR(cfs_symlink(&f->c, HBA "/nope", LUN "/lnk"), ENOENT); /* no target */
	ERR(cfs_symlink(&f->c, HBA, LUN "/lnk"), EFAULT);         /* not a storage object */
	ERR(cfs_symlink(&f->c, SO "/enable", LUN "/lnk"), ENOTDIR);
	OK(cfs_rmdir(&f->c, SO));
	mk_so(f, HBA, SO, f->dev[0]);
	LN(SO, LUN "/lnk");
	ERR(cfs_symlink(&f->c, SO, LUN "/other"), EEXIST); /* the LUN has its device */
	ERR(cfs_symlink(&f->c, SO, LUN "/lnk"), EEXIST);
	ERR(cfs_symlink(&f->c, SO, TPG "/lnk"), EPERM);   /* no allow_link there */
	ERR(cfs_symlink(&f->c, SO, LUN "/statistics/lnk"), EPERM);
	/* the kernel's link text is relative to the link's directory */
	snprintf(path, sizeof(path), "%s/%s/lnk", f->root, LUN);
	ssize_t n = readlink(path, text, sizeof(text) - 1);
	assert_true(n > 0);
	text[n] = '\0';
	assert_string_equal(text, "../../../../../../target/core/iblock_0/x");
	assert_string_equal(rd(f, LUN "/alua_tg_pt_offline"), "0");
	/* the same storage object in a second target's LUN */
	mk_tpg(f, "target/iscsi/iqn.2024-01.org.example:t2");
	MK("target/iscsi/iqn.2024-01.org.example:t2/tpgt_1/lun/lun_3");
	LN(SO, "target/iscsi/iqn.2024-01.org.example:t2/tpgt_1/lun/lun_3/l");
}

static void test_symlink_mapped_lun(void **state)
{
	struct fx *f = *state;
	mk_export(f);
	MK(T "/tpgt_2");
	MK(T "/tpgt_2/lun/lun_0");
	LN(SO, T "/tpgt_2/lun/lun_0/l");
	MK(ACL "/lun_6");
	ERR(cfs_symlink(&f->c, T "/tpgt_2/lun/lun_0", ACL "/lun_6/m"), EINVAL); /* other TPG */
	MK(TPG "/lun/lun_1");
	ERR(cfs_symlink(&f->c, TPG "/lun/lun_1", ACL "/lun_6/m"), EINVAL); /* LUN without device */
	ERR(cfs_symlink(&f->c, SO, ACL "/lun_6/m"), EFAULT);                /* not a LUN */
	ERR(cfs_symlink(&f->c, LUN, MLUN "/again"), EINVAL);                /* already mapped */
	MK(ACL "/lun_0x5");
	ERR(cfs_symlink(&f->c, LUN, ACL "/lun_0x5/m"), EINVAL); /* mapped LUN 5 is taken */
	LN(LUN, ACL "/lun_6/m"); /* a second mapped LUN for the same LUN is fine */
	ERR(cfs_symlink(&f->c, LUN, ACL "/m"), EPERM);
}

static void test_unlink(void **state)
{
	struct fx *f = *state;
	mk_export(f);
	ERR(cfs_unlink(&f->c, LUN "/alua_tg_pt_gp"), EPERM);
	ERR(cfs_unlink(&f->c, TPG "/enable"), EPERM);
	ERR(cfs_unlink(&f->c, LUN "/statistics"), EISDIR);
	ERR(cfs_unlink(&f->c, LUN "/nope"), ENOENT);
	OK(cfs_unlink(&f->c, MLUN "/m"));
	ERR(cfs_unlink(&f->c, MLUN "/m"), ENOENT);
}

UNIT_MAIN("sim-link", SIM_TEST(test_symlink_lun), SIM_TEST(test_symlink_mapped_lun), SIM_TEST(test_unlink))
