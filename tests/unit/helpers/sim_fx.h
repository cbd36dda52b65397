/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_fx.h: a simulated configfs tree for the tests of the simulator (test_sim_*.c) and of the LIO writer
 * (test_lio.c). Tests call the wrapped cfs_* functions on a cfs opened on a fresh temporary tree made by
 * sim_setup(). Storage objects use block device nodes made with mknod(2) in the temporary directory.
 * The paths below name one export of the kernel's tree: target, TPG, LUN, ACL, mapped LUN, HBA and
 * storage object.
 */
#ifndef SIM_FX_H
#define SIM_FX_H

#include <limits.h>

#include "configfs/cfs.h"
#include "tests/sim/sim.h"

#define IQN "iqn.2024-01.org.example:t"
#define T "target/iscsi/" IQN
#define TPG T "/tpgt_1"
#define LUN TPG "/lun/lun_0"
#define INI "iqn.2024-01.org.example:i"
#define ACL TPG "/acls/" INI
#define MLUN ACL "/lun_5"
#define HBA "target/core/iblock_0"
#define SO HBA "/x"

struct fx {
	char root[64];
	struct cfs c;
	char dev[2][PATH_MAX]; /* two block devices */
	char notblk[PATH_MAX];
};

/* What rd() read last. */
extern char rbuf[4096];

#define OK(expr) assert_int_equal((expr), 0)
#define ERR(expr, e) assert_int_equal((expr), -(e))
#define MK(p) OK(cfs_mkdir(&f->c, (p)))
#define W(p, v) OK(cfs_write(&f->c, (p), (v)))
#define LN(t, l) OK(cfs_symlink(&f->c, (t), (l)))

/* Attribute @p, read into rbuf (the read must succeed). */
const char *rd(struct fx *f, const char *p);
int exists(struct fx *f, const char *p);

/* cmocka setup/teardown: *state becomes a struct fx on a tree of kernel 6.1 or 6.12. */
int setup61(void **state);
int setup612(void **state);
int teardown(void **state);
#define SIM_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup61, teardown)
#define SIM_TEST_612(fn) cmocka_unit_test_setup_teardown(fn, setup612, teardown)

/* Building the export of the paths above, step by step, as the kernel wants it. */
void mk_so(struct fx *f, const char *hba, const char *so, const char *dev);
void mk_tpg(struct fx *f, const char *wwn);
void mk_export(struct fx *f);

/* sim_dump() of target/, malloc'd. */
char *dump(struct fx *f);

#endif
