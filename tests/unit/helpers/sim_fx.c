/* SPDX-License-Identifier: Apache-2.0 */
/* sim_fx.c: the simulated configfs tree of sim_fx.h. */
#include "sim_fx.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

char rbuf[4096];

const char *rd(struct fx *f, const char *p)
{
	int n = cfs_read(&f->c, p, rbuf, sizeof(rbuf));
	assert_true(n >= 0);
	return rbuf;
}

int exists(struct fx *f, const char *p)
{
	return cfs_exists(&f->c, p);
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int fx_open(void **state, enum sim_kernel k)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	snprintf(f->root, sizeof(f->root), "/tmp/test_sim.XXXXXX");
	if (!mkdtemp(f->root) || sim_setup(f->root, k) || cfs_open(&f->c, f->root))
		return -1;
	char root[sizeof(f->root)];
	memcpy(root, f->root, sizeof(root)); /* a copy: gcc sees f->root and f->dev[] as overlapping */
	for (int i = 0; i < 2; i++) {
		snprintf(f->dev[i], sizeof(f->dev[i]), "%s/bd%d", root, i);
		/* loop's major with minors no real loop uses; the simulator only stats the node */
		if (mknod(f->dev[i], S_IFBLK | 0600, makedev(7, 200 + (unsigned)i))) {
			/* no CAP_MKNOD (e.g. an unprivileged container): use existing loop nodes */
			snprintf(f->dev[i], sizeof(f->dev[i]), "/dev/loop%d", i);
		}
	}
	snprintf(f->notblk, sizeof(f->notblk), "%s/plainfile", root);
	int fd = open(f->notblk, O_CREAT | O_WRONLY, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	sim_fail_clear();
	*state = f;
	return 0;
}

int setup61(void **state)
{
	return fx_open(state, SIM_KERNEL_6_1);
}

int setup612(void **state)
{
	return fx_open(state, SIM_KERNEL_6_12);
}

int teardown(void **state)
{
	struct fx *f = *state;
	sim_fail_clear();
	cfs_close(&f->c);
	nftw(f->root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Helpers building the export of the log, step by step. */
void mk_so(struct fx *f, const char *hba, const char *so, const char *dev)
{
	char p[256], v[PATH_MAX + 16];
	if (!exists(f, hba))
		MK(hba);
	MK(so);
	snprintf(p, sizeof(p), "%s/control", so);
	snprintf(v, sizeof(v), "udev_path=%s", dev);
	W(p, v);
	snprintf(p, sizeof(p), "%s/udev_path", so);
	W(p, dev);
	snprintf(p, sizeof(p), "%s/enable", so);
	W(p, "1");
}

void mk_tpg(struct fx *f, const char *wwn)
{
	char p[512];
	if (!exists(f, "target/iscsi"))
		MK("target/iscsi");
	MK(wwn);
	snprintf(p, sizeof(p), "%s/tpgt_1", wwn);
	MK(p);
}

void mk_export(struct fx *f)
{
	mk_so(f, HBA, SO, f->dev[0]);
	mk_tpg(f, T);
	MK(TPG "/np/127.0.0.1:3260");
	MK(LUN);
	LN(SO, LUN "/lnk");
	MK(ACL);
	W(ACL "/auth/userid", "user");
	W(ACL "/auth/password", "secretsecret");
	MK(MLUN);
	LN(LUN, MLUN "/m");
	W(TPG "/attrib/authentication", "1");
	W(TPG "/attrib/generate_node_acls", "0");
	W(TPG "/enable", "1");
}

char *dump(struct fx *f)
{
	static const char *const sub[] = { "target", NULL };
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	OK(sim_dump(f->root, sub, m));
	fclose(m);
	return buf;
}
