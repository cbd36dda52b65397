/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lio.h: LIO iSCSI objects as configfs operations, one function per object, in the kernel's order
 * (docs/KERNEL.md, 'Object order'): backstore, target + TPG attributes, LUN, ACL, mapped LUN, portal,
 * enable; teardown in reverse. Each function touches only its own object's paths (no scans), writes attributes without a
 * trailing newline, and leaves nothing half-made: on failure it removes what it created itself.
 *
 * Idempotence, so an interrupted call can be finished: creating an object that already exists in the
 * wanted shape succeeds without changing it; removing an object that is gone succeeds. An object that
 * exists in another shape (a storage object on another device) is -EEXIST and is left alone.
 *
 * Names: storage object core/<hba>/<name>; TPG tpgt_1; the LUN's link to its storage object and a mapped
 * LUN's link to its LUN are named LIO_LINK_NAME.
 */
#ifndef LIO_H
#define LIO_H

#include <stdbool.h>

#include "cfs.h"

#define LIO_TPGT 1
#define LIO_LINK_NAME "attachd"

struct lio_backstore {
	const char *hba;    /* "iblock_<N>" */
	const char *name;   /* storage object name */
	const char *dev;    /* block device the storage object opens */
	const char *serial; /* wwn/vpd_unit_serial: stable identity for initiators */
	bool readonly;
};

struct lio_acl {
	const char *initiator;
	const char *userid;   /* CHAP */
	const char *password; /* CHAP secret */
	unsigned mapped_lun;  /* the LUN number this initiator sees */
	unsigned lun;         /* the TPG LUN it maps to */
	bool write_protect;   /* read-only access: the mapped LUN's write_protect */
	const char *userid_mutual;   /* mutual CHAP: the target's credentials; NULL or "": none */
	const char *password_mutual;
};

/* target/iscsi (not made by loading iscsi_target_mod): mkdir it when missing. */
int lio_fabric_ensure(struct cfs *c);

int lio_backstore_create(struct cfs *c, const struct lio_backstore *b);
int lio_backstore_remove(struct cfs *c, const struct lio_backstore *b);
/* One registration of APTPL metadata (the kernel's res_aptpl_metadata syntax) for the storage object to
 * hold until an ACL's mapped LUN matches it: only while no LUN links the object (else -EINVAL). */
int lio_backstore_pr_metadata(struct cfs *c, const struct lio_backstore *b, const char *registration);

/* Target + tpgt_1 with CHAP enforced, no generated ACLs, no discovery without an ACL. Not enabled. */
int lio_target_create(struct cfs *c, const char *iqn);
int lio_target_remove(struct cfs *c, const char *iqn);

/* @portal: "ip:port" or "[ip6]:port". */
int lio_portal_add(struct cfs *c, const char *iqn, const char *portal);
int lio_portal_remove(struct cfs *c, const char *iqn, const char *portal);

int lio_lun_create(struct cfs *c, const char *iqn, unsigned lun, const struct lio_backstore *b);
int lio_lun_remove(struct cfs *c, const char *iqn, unsigned lun, const struct lio_backstore *b);

int lio_tpg_enable(struct cfs *c, const char *iqn, bool on);

/* Removing an ACL drops that initiator's sessions at once; its mapped LUNs must be gone first. Creating
 * one that exists writes its credentials again, mutual ones included (cleared with "NULL" when @a has
 * none and the kernel holds some). */
int lio_acl_create(struct cfs *c, const char *iqn, const struct lio_acl *a);
int lio_acl_remove(struct cfs *c, const char *iqn, const char *initiator);

/* The mapped LUN, linked, then write_protect written (the kernel ignores it before the link); on an existing
 * one, write_protect is set to @a's when it differs. */
int lio_mapped_lun_create(struct cfs *c, const char *iqn, const struct lio_acl *a);
/* write_protect of an existing mapped LUN: @on 1 read-only, 0 read-write (takes effect on the next command). */
int lio_mapped_lun_protect(struct cfs *c, const char *iqn, const struct lio_acl *a, bool on);
int lio_mapped_lun_remove(struct cfs *c, const char *iqn, const struct lio_acl *a);

#endif
