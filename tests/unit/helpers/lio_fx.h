/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lio_fx.h: the LIO tests' fixture over sim_fx.h (a fresh simulated tree per test): the storage objects,
 * the ACL and a full export as lio.h names them, and asserts on the tree (test_lio.c, test_lio_state.c).
 */
#ifndef LIO_FX_H
#define LIO_FX_H

#include "lio.h"
#include "lio_state.h"
#include "sim_fx.h"

/* The objects of sim_fx.h's paths as lio.h names them: SO is iblock_0/x, LUN is lun_0, MLUN is lun_5. */
#define SERIAL "6b8f1c2e-0d7a-4c55-9a51-3f0e2b9c1d44"
#define IQN2 "iqn.2024-01.org.example:t2"
#define INI2 "iqn.2024-01.org.example:i2"
#define SO_LINK LUN "/" LIO_LINK_NAME
#define MLUN_LINK MLUN "/" LIO_LINK_NAME
#define SO2 HBA "/y"

/* iblock_0/x on the fixture's first device (SERIAL), and iblock_0/y on its second. */
struct lio_backstore bs(struct fx *f);
struct lio_backstore bs2(struct fx *f);
/* INI's ACL: user-1 / secret-123456, mapped LUN 5 on LUN 0. */
extern const struct lio_acl acl;
/* The target of link @p, relative to the root (a static buffer). */
const char *link_of(struct fx *f, const char *p);
/* Calls of each kind since the last sim_stats_reset(), as "mkdir/rmdir/write/symlink/unlink" counts. */
const char *ops(void);
/* Assert the tree is @before (a dump() taken earlier) and free @before. */
void assert_tree_is(struct fx *f, char *before);
/* A full export of SO on T: backstore, target, portal, LUN 0, the ACL with mapped LUN 5, enabled. */
void lio_export(struct fx *f);

#endif
