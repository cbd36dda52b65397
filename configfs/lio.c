/* SPDX-License-Identifier: Apache-2.0 */
/* lio.c: LIO iSCSI objects on configfs (see lio.h for the contract). */
#include "lio.h"
#include "lio_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>


int lio_path(char (*buf)[CFS_PATH_MAX], const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(*buf, sizeof(*buf), fmt, ap);
	va_end(ap);
	return (n < 0 || (size_t)n >= sizeof(*buf)) ? -ENAMETOOLONG : 0;
}

/* mkdir that reports whether it made the directory: 1 made, 0 already there, <0 error. */
static int lio_mkdir(struct cfs *c, const char *path)
{
	int rc = cfs_mkdir(c, path);
	if (rc == -EEXIST)
		return 0;
	return rc ? rc : 1;
}

static int lio_rmdir_gone_ok(struct cfs *c, const char *path)
{
	int rc = cfs_rmdir(c, path);
	return rc == -ENOENT ? 0 : rc;
}

/* Write a set-once attribute: the kernel's refusal (EEXIST for a storage object's enable, EINVAL on
 * older TPG enable) when the value is already in place counts as success. */
static int lio_write_once(struct cfs *c, const char *path, const char *val)
{
	int rc = cfs_write(c, path, val);
	if (rc != -EINVAL && rc != -EEXIST)
		return rc;
	char cur[256];
	if (cfs_read(c, path, cur, sizeof(cur)) >= 0 && !strcmp(cur, val))
		return 0;
	return rc;
}

int lio_fabric_ensure(struct cfs *c)
{
	int rc = lio_mkdir(c, LIO_ISCSI);
	return rc < 0 ? rc : 0;
}

static int lio_so_path(char (*p)[CFS_PATH_MAX], const struct lio_backstore *b, const char *attr)
{
	return lio_path(p, LIO_CORE "/%s/%s%s%s", b->hba, b->name, attr ? "/" : "", attr ? attr : "");
}

/* An existing, enabled storage object must be on our device; then there is nothing to do. */
static int lio_backstore_check(struct cfs *c, const struct lio_backstore *b, bool *done)
{
	char p[CFS_PATH_MAX], val[CFS_PATH_MAX];
	*done = false;
	int rc = lio_so_path(&p, b, "enable");
	if (!rc)
		rc = cfs_read(c, p, val, sizeof(val));
	if (rc < 0 || strcmp(val, "1"))
		return rc < 0 ? rc : 0;
	rc = lio_so_path(&p, b, "udev_path");
	if (!rc)
		rc = cfs_read(c, p, val, sizeof(val));
	if (rc < 0)
		return rc;
	if (strcmp(val, b->dev))
		return -EEXIST;
	*done = true;
	if (!b->serial)
		return 0;
	/* enabled but interrupted before its serial: write it (possible until a LUN links it) */
	rc = lio_so_path(&p, b, "wwn/vpd_unit_serial");
	if (!rc)
		rc = cfs_read(c, p, val, sizeof(val));
	if (rc < 0)
		return rc;
	const char *colon = strrchr(val, ':');
	const char *cur = colon ? colon + 1 + (colon[1] == ' ') : val;
	return strcmp(cur, b->serial) ? cfs_write(c, p, b->serial) : 0;
}

int lio_backstore_create(struct cfs *c, const struct lio_backstore *b)
{
	char p[CFS_PATH_MAX], ctl[CFS_PATH_MAX + 32];
	int rc = lio_path(&p, LIO_CORE "/%s", b->hba);
	if (rc)
		return rc;
	int made_hba = lio_mkdir(c, p);
	if (made_hba < 0)
		return made_hba;
	rc = lio_so_path(&p, b, NULL);
	int made_so = rc ? rc : lio_mkdir(c, p);
	if (made_so < 0) {
		rc = made_so;
		goto undo;
	}
	if (!made_so) {
		bool done;
		rc = lio_backstore_check(c, b, &done);
		if (rc || done)
			goto undo;
	}
	snprintf(ctl, sizeof(ctl), "udev_path=%s%s", b->dev, b->readonly ? ",readonly=1" : "");
	if (!(rc = lio_so_path(&p, b, "control")))
		rc = cfs_write(c, p, ctl);
	/* the kernel shows udev_path only once written to its own attribute (what targetcli displays) */
	if (!rc && !(rc = lio_so_path(&p, b, "udev_path")))
		rc = cfs_write(c, p, b->dev);
	if (!rc && !(rc = lio_so_path(&p, b, "enable")))
		rc = lio_write_once(c, p, "1");
	if (!rc && b->serial && !(rc = lio_so_path(&p, b, "wwn/vpd_unit_serial")))
		rc = cfs_write(c, p, b->serial);
undo:
	if (rc && made_so == 1 && !lio_so_path(&p, b, NULL))
		cfs_rmdir(c, p);
	if (rc && made_hba == 1 && !lio_path(&p, LIO_CORE "/%s", b->hba))
		cfs_rmdir(c, p);
	return rc;
}

int lio_backstore_pr_metadata(struct cfs *c, const struct lio_backstore *b, const char *registration)
{
	char p[CFS_PATH_MAX];
	int rc = lio_so_path(&p, b, "pr/res_aptpl_metadata");
	return rc ? rc : cfs_write(c, p, registration);
}

int lio_backstore_remove(struct cfs *c, const struct lio_backstore *b)
{
	char p[CFS_PATH_MAX];
	int rc = lio_so_path(&p, b, NULL);
	if (!rc)
		rc = lio_rmdir_gone_ok(c, p);
	if (rc)
		return rc;
	/* the HBA is shared by every export: it goes with the last storage object */
	if (!lio_path(&p, LIO_CORE "/%s", b->hba)) {
		int hrc = cfs_rmdir(c, p);
		if (hrc && hrc != -ENOTEMPTY && hrc != -EBUSY && hrc != -ENOENT)
			return hrc;
	}
	return 0;
}

static int lio_tpg_path(char (*p)[CFS_PATH_MAX], const char *iqn, const char *rest)
{
	return lio_path(p, LIO_ISCSI "/%s/tpgt_%d%s%s", iqn, LIO_TPGT, rest ? "/" : "", rest ? rest : "");
}

int lio_target_create(struct cfs *c, const char *iqn)
{
	static const char *const attrs[][2] = {
		{ "attrib/authentication", "1" },
		{ "attrib/generate_node_acls", "0" },
		{ "attrib/demo_mode_discovery", "0" },
	};
	char p[CFS_PATH_MAX];
	int rc = lio_path(&p, LIO_ISCSI "/%s", iqn);
	if (rc)
		return rc;
	int made_t = lio_mkdir(c, p);
	if (made_t < 0)
		return made_t;
	rc = lio_tpg_path(&p, iqn, NULL);
	int made_tpg = rc ? rc : lio_mkdir(c, p);
	if (made_tpg < 0)
		rc = made_tpg;
	for (size_t i = 0; !rc && i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (!(rc = lio_tpg_path(&p, iqn, attrs[i][0])))
			rc = cfs_write(c, p, attrs[i][1]);
	if (rc && made_tpg == 1 && !lio_tpg_path(&p, iqn, NULL))
		cfs_rmdir(c, p);
	if (rc && made_t == 1 && !lio_path(&p, LIO_ISCSI "/%s", iqn))
		cfs_rmdir(c, p);
	return rc;
}

int lio_target_remove(struct cfs *c, const char *iqn)
{
	char p[CFS_PATH_MAX];
	int rc = lio_tpg_path(&p, iqn, NULL);
	if (!rc)
		rc = lio_rmdir_gone_ok(c, p);
	if (!rc && !(rc = lio_path(&p, LIO_ISCSI "/%s", iqn)))
		rc = lio_rmdir_gone_ok(c, p);
	return rc;
}

int lio_portal_add(struct cfs *c, const char *iqn, const char *portal)
{
	char p[CFS_PATH_MAX], rest[128];
	snprintf(rest, sizeof(rest), "np/%s", portal);
	int rc = lio_tpg_path(&p, iqn, rest);
	if (!rc)
		rc = lio_mkdir(c, p);
	return rc < 0 ? rc : 0;
}

int lio_portal_remove(struct cfs *c, const char *iqn, const char *portal)
{
	char p[CFS_PATH_MAX], rest[128];
	snprintf(rest, sizeof(rest), "np/%s", portal);
	int rc = lio_tpg_path(&p, iqn, rest);
	return rc ? rc : lio_rmdir_gone_ok(c, p);
}

/* Link @link to @target; a link already there is fine when it leads to @target (an interrupted call),
 * and another shape (-EEXIST) when it leads elsewhere. */
static int lio_link(struct cfs *c, const char *target, const char *link)
{
	char have[CFS_PATH_MAX];
	int rc = cfs_symlink(c, target, link);
	if (rc != -EEXIST)
		return rc;
	rc = cfs_readlink(c, link, have, sizeof(have));
	return rc ? rc : strcmp(have, target) ? -EEXIST : 0;
}

int lio_lun_create(struct cfs *c, const char *iqn, unsigned lun, const struct lio_backstore *b)
{
	char p[CFS_PATH_MAX], so[CFS_PATH_MAX], rest[64];
	snprintf(rest, sizeof(rest), "lun/lun_%u", lun);
	int rc = lio_tpg_path(&p, iqn, rest);
	if (rc)
		return rc;
	int made = lio_mkdir(c, p);
	if (made < 0)
		return made;
	snprintf(rest, sizeof(rest), "lun/lun_%u/" LIO_LINK_NAME, lun);
	rc = lio_tpg_path(&p, iqn, rest);
	if (!rc)
		rc = lio_so_path(&so, b, NULL);
	if (!rc)
		rc = lio_link(c, so, p);
	if (rc && made == 1) {
		snprintf(rest, sizeof(rest), "lun/lun_%u", lun);
		if (!lio_tpg_path(&p, iqn, rest))
			cfs_rmdir(c, p);
	}
	return rc;
}

/* Remove @link then the directory @dir; if the directory stays, put the link back to @target. */
static int lio_unlink_rmdir(struct cfs *c, const char *link, const char *dir, const char *target)
{
	int rc = cfs_unlink(c, link);
	bool unlinked = rc == 0;
	if (rc == -ENOENT)
		rc = 0;
	if (!rc)
		rc = lio_rmdir_gone_ok(c, dir);
	if (rc && unlinked)
		cfs_symlink(c, target, link);
	return rc;
}

int lio_lun_remove(struct cfs *c, const char *iqn, unsigned lun, const struct lio_backstore *b)
{
	char link[CFS_PATH_MAX], dir[CFS_PATH_MAX], so[CFS_PATH_MAX], rest[64];
	snprintf(rest, sizeof(rest), "lun/lun_%u/" LIO_LINK_NAME, lun);
	int rc = lio_tpg_path(&link, iqn, rest);
	snprintf(rest, sizeof(rest), "lun/lun_%u", lun);
	if (!rc)
		rc = lio_tpg_path(&dir, iqn, rest);
	if (!rc)
		rc = lio_so_path(&so, b, NULL);
	return rc ? rc : lio_unlink_rmdir(c, link, dir, so);
}

int lio_tpg_enable(struct cfs *c, const char *iqn, bool on)
{
	char p[CFS_PATH_MAX];
	int rc = lio_tpg_path(&p, iqn, "enable");
	if (rc)
		return rc;
	rc = lio_write_once(c, p, on ? "1" : "0");
	/* disabling a TPG that is already gone is done */
	return (!on && rc == -ENOENT) ? 0 : rc;
}

static int lio_acl_path(char (*p)[CFS_PATH_MAX], const char *iqn, const char *ini, const char *rest)
{
	char sub[CFS_PATH_MAX];
	int n = snprintf(sub, sizeof(sub), "acls/%s%s%s", ini, rest ? "/" : "", rest ? rest : "");
	if (n < 0 || (size_t)n >= sizeof(sub))
		return -ENAMETOOLONG;
	return lio_tpg_path(p, iqn, sub);
}

static bool lio_set(const char *s)
{
	return s && s[0];
}

/* auth/userid_mutual and auth/password_mutual: @a's, or cleared on an ACL that was there before (@made 0)
 * when the kernel holds any ("NULL" clears; shown as "NULL" afterwards, "" before the first write). */
static int lio_acl_mutual(struct cfs *c, const char *iqn, const struct lio_acl *a, int made)
{
	static const char *const attr[2] = { "auth/userid_mutual", "auth/password_mutual" };
	const char *want[2] = { a->userid_mutual, a->password_mutual };
	bool set = lio_set(want[0]) && lio_set(want[1]);
	int rc = 0;
	for (int i = 0; !rc && i < 2; i++) {
		char p[CFS_PATH_MAX], cur[CFS_PATH_MAX];
		if ((rc = lio_acl_path(&p, iqn, a->initiator, attr[i])))
			break;
		if (set)
			rc = cfs_write(c, p, want[i]);
		else if (made == 0 && cfs_read(c, p, cur, sizeof(cur)) >= 0 && cur[0] && strcmp(cur, "NULL"))
			rc = cfs_write(c, p, "NULL");
	}
	return rc;
}

int lio_acl_create(struct cfs *c, const char *iqn, const struct lio_acl *a)
{
	char p[CFS_PATH_MAX];
	int rc = lio_acl_path(&p, iqn, a->initiator, NULL);
	if (rc)
		return rc;
	int made = lio_mkdir(c, p);
	if (made < 0)
		return made;
	if (!(rc = lio_acl_path(&p, iqn, a->initiator, "auth/userid")))
		rc = cfs_write(c, p, a->userid);
	if (!rc && !(rc = lio_acl_path(&p, iqn, a->initiator, "auth/password")))
		rc = cfs_write(c, p, a->password);
	if (!rc)
		rc = lio_acl_mutual(c, iqn, a, made);
	if (rc && made == 1 && !lio_acl_path(&p, iqn, a->initiator, NULL))
		cfs_rmdir(c, p);
	return rc;
}

int lio_acl_remove(struct cfs *c, const char *iqn, const char *initiator)
{
	char p[CFS_PATH_MAX];
	int rc = lio_acl_path(&p, iqn, initiator, NULL);
	return rc ? rc : lio_rmdir_gone_ok(c, p);
}

int lio_mapped_lun_create(struct cfs *c, const char *iqn, const struct lio_acl *a)
{
	char p[CFS_PATH_MAX], lun[CFS_PATH_MAX], rest[64];
	snprintf(rest, sizeof(rest), "lun_%u", a->mapped_lun);
	int rc = lio_acl_path(&p, iqn, a->initiator, rest);
	if (rc)
		return rc;
	int made = lio_mkdir(c, p);
	if (made < 0)
		return made;
	snprintf(rest, sizeof(rest), "lun_%u/" LIO_LINK_NAME, a->mapped_lun);
	rc = lio_acl_path(&p, iqn, a->initiator, rest);
	snprintf(rest, sizeof(rest), "lun/lun_%u", a->lun);
	if (!rc)
		rc = lio_tpg_path(&lun, iqn, rest);
	if (!rc)
		rc = lio_link(c, lun, p);
	/* after the link: before it, the kernel has no entry to write it to and ignores it */
	if (!rc && (a->write_protect || made == 0))
		rc = lio_mapped_lun_protect(c, iqn, a, a->write_protect);
	if (rc && made == 1) {
		snprintf(rest, sizeof(rest), "lun_%u/" LIO_LINK_NAME, a->mapped_lun);
		if (!lio_acl_path(&p, iqn, a->initiator, rest))
			cfs_unlink(c, p);
		snprintf(rest, sizeof(rest), "lun_%u", a->mapped_lun);
		if (!lio_acl_path(&p, iqn, a->initiator, rest))
			cfs_rmdir(c, p);
	}
	return rc;
}

int lio_mapped_lun_protect(struct cfs *c, const char *iqn, const struct lio_acl *a, bool on)
{
	char p[CFS_PATH_MAX], rest[64], cur[16];
	snprintf(rest, sizeof(rest), "lun_%u/write_protect", a->mapped_lun);
	int rc = lio_acl_path(&p, iqn, a->initiator, rest);
	if (rc)
		return rc;
	if (cfs_read(c, p, cur, sizeof(cur)) >= 0 && !strcmp(cur, on ? "1" : "0"))
		return 0;
	return cfs_write(c, p, on ? "1" : "0");
}

int lio_mapped_lun_remove(struct cfs *c, const char *iqn, const struct lio_acl *a)
{
	char link[CFS_PATH_MAX], dir[CFS_PATH_MAX], lun[CFS_PATH_MAX], rest[64];
	snprintf(rest, sizeof(rest), "lun_%u/" LIO_LINK_NAME, a->mapped_lun);
	int rc = lio_acl_path(&link, iqn, a->initiator, rest);
	snprintf(rest, sizeof(rest), "lun_%u", a->mapped_lun);
	if (!rc)
		rc = lio_acl_path(&dir, iqn, a->initiator, rest);
	snprintf(rest, sizeof(rest), "lun/lun_%u", a->lun);
	if (!rc)
		rc = lio_tpg_path(&lun, iqn, rest);
	return rc ? rc : lio_unlink_rmdir(c, link, dir, lun);
}
