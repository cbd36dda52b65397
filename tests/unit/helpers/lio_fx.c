/* SPDX-License-Identifier: Apache-2.0 */
/* lio_fx.c: see lio_fx.h. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lio_fx.h"

struct lio_backstore bs(struct fx *f)
{
	return (struct lio_backstore){ .hba = "iblock_0", .name = "x", .dev = f->dev[0], .serial = SERIAL };
}

struct lio_backstore bs2(struct fx *f)
{
	return (struct lio_backstore){ .hba = "iblock_0", .name = "y", .dev = f->dev[1], .serial = "serial-y" };
}

const struct lio_acl acl = {
	.initiator = INI, .userid = "user-1", .password = "secret-123456", .mapped_lun = 5, .lun = 0,
};

/* The target of link @p, relative to the root. */
const char *link_of(struct fx *f, const char *p)
{
	static char buf[PATH_MAX];
	int rc = cfs_readlink(&f->c, p, buf, sizeof(buf));
	if (rc)
		fail_msg("readlink %s: %d", p, rc);
	return buf;
}

/* Calls of each kind since the last sim_stats_reset(), as "mkdir/rmdir/write/symlink/unlink" counts. */
const char *ops(void)
{
	static char buf[64];
	struct sim_stats s = sim_stats();
	snprintf(buf, sizeof(buf), "%lu/%lu/%lu/%lu/%lu", s.mkdir, s.rmdir, s.write, s.symlink, s.unlink);
	return buf;
}

/* Assert the tree is @before (a dump() taken earlier) and free @before. */
void assert_tree_is(struct fx *f, char *before)
{
	char *now = dump(f);
	assert_string_equal(now, before);
	free(now);
	free(before);
}

/* A full export of SO on T: backstore, target, portal, LUN 0, the ACL with mapped LUN 5, enabled. */
void lio_export(struct fx *f)
{
	struct lio_backstore b = bs(f);
	OK(lio_fabric_ensure(&f->c));
	OK(lio_backstore_create(&f->c, &b));
	OK(lio_target_create(&f->c, IQN));
	OK(lio_lun_create(&f->c, IQN, 0, &b));
	OK(lio_acl_create(&f->c, IQN, &acl));
	OK(lio_mapped_lun_create(&f->c, IQN, &acl));
	OK(lio_portal_add(&f->c, IQN, "127.0.0.1:3260"));
	OK(lio_tpg_enable(&f->c, IQN, true));
}
