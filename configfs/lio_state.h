/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lio_state.h: what the kernel has of one LIO object, read without changing anything, and the purge of
 * objects nobody has a record of. For reconciliation: it looks at one export at a time (reads and
 * one-level listings of that export's own directories), never at the whole tree.
 */
#ifndef LIO_STATE_H
#define LIO_STATE_H

#include <stdbool.h>

#include "lio.h"

struct lio_so_state {
	bool exists;
	bool enabled;
	bool device_ok; /* udev_path is the wanted device */
	bool serial_ok; /* wwn/vpd_unit_serial is the wanted serial */
};

struct lio_target_state {
	bool exists;     /* target/iscsi/<iqn> */
	bool tpg;        /* ... and tpgt_1 */
	bool attribs_ok; /* CHAP enforced, no generated ACLs, no discovery without ACL */
	bool enabled;
	bool lun;        /* lun/lun_<L> */
	bool lun_ok;     /* ... linked to the wanted storage object */
};

struct lio_acl_state {
	bool exists;
	bool chap_ok;   /* userid and password as wanted, and the mutual ones (none: unset or "NULL") */
	bool mapped_ok; /* lun_<M> linked to the TPG's lun_<L> */
	bool wp_ok;     /* ... with write_protect as wanted */
};

int lio_backstore_state(struct cfs *c, const struct lio_backstore *b, struct lio_so_state *st);
int lio_target_state(struct cfs *c, const char *iqn, unsigned lun, const struct lio_backstore *b,
		     struct lio_target_state *st);
int lio_acl_state(struct cfs *c, const char *iqn, const struct lio_acl *a, struct lio_acl_state *st);

/* One-level listings: targets under target/iscsi, storage objects in @hba, ACL and portal names of a
 * target's TPG. @fn returns non-zero to stop. A missing parent directory lists nothing (0). */
int lio_list_targets(struct cfs *c, int (*fn)(const char *iqn, void *arg), void *arg);
int lio_list_backstores(struct cfs *c, const char *hba, int (*fn)(const char *name, void *arg), void *arg);
int lio_list_acls(struct cfs *c, const char *iqn, int (*fn)(const char *initiator, void *arg), void *arg);
int lio_list_portals(struct cfs *c, const char *iqn, int (*fn)(const char *portal, void *arg), void *arg);

/* An ACL with all its mapped LUNs; a whole target (every TPG, ACL, portal, LUN). Gone: 0. */
int lio_acl_purge(struct cfs *c, const char *iqn, const char *initiator);
int lio_target_purge(struct cfs *c, const char *iqn);
/* @hba when it holds nothing (else 0 and it stays). */
int lio_hba_remove(struct cfs *c, const char *hba);

#endif
