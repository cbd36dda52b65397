/* SPDX-License-Identifier: Apache-2.0 */
/* lio_state.c: reading LIO objects back, listing one level, purging unrecorded objects (see lio_state.h). */
#include "lio_state.h"

#include "lio_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>



/* Does attribute @p read as @want? (a missing attribute reads as "no") */
static bool st_is(struct cfs *c, const char *p, const char *want)
{
	char val[CFS_PATH_MAX];
	return cfs_read(c, p, val, sizeof(val)) >= 0 && !strcmp(val, want);
}

int lio_backstore_state(struct cfs *c, const struct lio_backstore *b, struct lio_so_state *st)
{
	char p[CFS_PATH_MAX], val[CFS_PATH_MAX];
	memset(st, 0, sizeof(*st));
	int rc = lio_path(&p, LIO_CORE "/%s/%s", b->hba, b->name);
	if (rc)
		return rc;
	rc = cfs_exists(c, p);
	if (rc <= 0)
		return rc;
	st->exists = true;
	if (!lio_path(&p, LIO_CORE "/%s/%s/enable", b->hba, b->name))
		st->enabled = st_is(c, p, "1");
	if (!lio_path(&p, LIO_CORE "/%s/%s/udev_path", b->hba, b->name))
		st->device_ok = st_is(c, p, b->dev);
	/* shown as "T10 VPD Unit Serial Number: <serial>" */
	if (!b->serial)
		st->serial_ok = true;
	else if (!lio_path(&p, LIO_CORE "/%s/%s/wwn/vpd_unit_serial", b->hba, b->name) &&
		 cfs_read(c, p, val, sizeof(val)) >= 0) {
		const char *colon = strrchr(val, ':');
		const char *cur = colon ? colon + 1 + (colon[1] == ' ') : val;
		st->serial_ok = !strcmp(cur, b->serial);
	}
	return 0;
}

int lio_target_state(struct cfs *c, const char *iqn, unsigned lun, const struct lio_backstore *b,
		     struct lio_target_state *st)
{
	static const char *const attrs[][2] = {
		{ "attrib/authentication", "1" },
		{ "attrib/generate_node_acls", "0" },
		{ "attrib/demo_mode_discovery", "0" },
	};
	char p[CFS_PATH_MAX];
	memset(st, 0, sizeof(*st));
	int rc = lio_path(&p, LIO_ISCSI "/%s", iqn);
	if (!rc && (rc = cfs_exists(c, p)) > 0) {
		st->exists = true;
		rc = lio_path(&p, LIO_ISCSI "/%s/tpgt_%d", iqn, LIO_TPGT);
		if (!rc && (rc = cfs_exists(c, p)) > 0)
			st->tpg = true;
	}
	if (rc < 0 || !st->tpg)
		return rc < 0 ? rc : 0;
	st->attribs_ok = true;
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (lio_path(&p, LIO_ISCSI "/%s/tpgt_%d/%s", iqn, LIO_TPGT, attrs[i][0]) || !st_is(c, p, attrs[i][1]))
			st->attribs_ok = false;
	if (!lio_path(&p, LIO_ISCSI "/%s/tpgt_%d/enable", iqn, LIO_TPGT))
		st->enabled = st_is(c, p, "1");
	if (!lio_path(&p, LIO_ISCSI "/%s/tpgt_%d/lun/lun_%u", iqn, LIO_TPGT, lun) && cfs_exists(c, p) > 0) {
		char link[CFS_PATH_MAX], so[CFS_PATH_MAX];
		st->lun = true;
		st->lun_ok = !lio_path(&p, LIO_ISCSI "/%s/tpgt_%d/lun/lun_%u/" LIO_LINK_NAME, iqn, LIO_TPGT, lun) &&
			     cfs_readlink(c, p, link, sizeof(link)) == 0 &&
			     !lio_path(&so, LIO_CORE "/%s/%s", b->hba, b->name) && !strcmp(link, so);
	}
	return 0;
}

/* An ACL credential: as wanted, or (@want NULL or "") unset. */
static bool st_auth_is(struct cfs *c, const char *iqn, const char *ini, const char *attr, const char *want)
{
	char p[CFS_PATH_MAX], val[CFS_PATH_MAX];
	if (lio_path(&p, LIO_ISCSI "/%s/tpgt_%d/acls/%s/auth/%s", iqn, LIO_TPGT, ini, attr) ||
	    cfs_read(c, p, val, sizeof(val)) < 0)
		return false;
	if (!want || !want[0])
		return !val[0] || !strcmp(val, "NULL");
	return !strcmp(val, want);
}

int lio_acl_state(struct cfs *c, const char *iqn, const struct lio_acl *a, struct lio_acl_state *st)
{
	char p[CFS_PATH_MAX], link[CFS_PATH_MAX], lun[CFS_PATH_MAX];
	memset(st, 0, sizeof(*st));
	int rc = lio_path(&p, LIO_ISCSI "/%s/tpgt_%d/acls/%s", iqn, LIO_TPGT, a->initiator);
	if (rc || (rc = cfs_exists(c, p)) <= 0)
		return rc < 0 ? rc : 0;
	st->exists = true;
	bool mutual = a->userid_mutual && a->userid_mutual[0];
	st->chap_ok = st_auth_is(c, iqn, a->initiator, "userid", a->userid) &&
		      st_auth_is(c, iqn, a->initiator, "password", a->password) &&
		      st_auth_is(c, iqn, a->initiator, "userid_mutual", a->userid_mutual) &&
		      st_auth_is(c, iqn, a->initiator, "password_mutual", mutual ? a->password_mutual : NULL);
	st->mapped_ok = !lio_path(&p, LIO_ISCSI "/%s/tpgt_%d/acls/%s/lun_%u/" LIO_LINK_NAME, iqn, LIO_TPGT, a->initiator,
				 a->mapped_lun) &&
			cfs_readlink(c, p, link, sizeof(link)) == 0 &&
			!lio_path(&lun, LIO_ISCSI "/%s/tpgt_%d/lun/lun_%u", iqn, LIO_TPGT, a->lun) && !strcmp(link, lun);
	st->wp_ok = st->mapped_ok &&
		    !lio_path(&p, LIO_ISCSI "/%s/tpgt_%d/acls/%s/lun_%u/write_protect", iqn, LIO_TPGT, a->initiator,
			      a->mapped_lun) &&
		    st_is(c, p, a->write_protect ? "1" : "0");
	return 0;
}

struct st_list {
	int (*fn)(const char *name, void *arg);
	void *arg;
	enum cfs_kind kind;
};

static int st_list_visit(const char *name, enum cfs_kind kind, void *arg)
{
	struct st_list *l = arg;
	return kind == l->kind ? l->fn(name, l->arg) : 0;
}

static int st_list(struct cfs *c, const char *dir, enum cfs_kind kind, int (*fn)(const char *, void *), void *arg)
{
	struct st_list l = { fn, arg, kind };
	int rc = cfs_list(c, dir, st_list_visit, &l);
	return rc == -ENOENT ? 0 : rc;
}

int lio_list_targets(struct cfs *c, int (*fn)(const char *iqn, void *arg), void *arg)
{
	/* target/iscsi also holds discovery_auth (a default group) and plain files: never a target of ours */
	return st_list(c, LIO_ISCSI, CFS_DIR, fn, arg);
}

int lio_list_backstores(struct cfs *c, const char *hba, int (*fn)(const char *name, void *arg), void *arg)
{
	char p[CFS_PATH_MAX];
	int rc = lio_path(&p, LIO_CORE "/%s", hba);
	return rc ? rc : st_list(c, p, CFS_DIR, fn, arg);
}

int lio_list_acls(struct cfs *c, const char *iqn, int (*fn)(const char *initiator, void *arg), void *arg)
{
	char p[CFS_PATH_MAX];
	int rc = lio_path(&p, LIO_ISCSI "/%s/tpgt_%d/acls", iqn, LIO_TPGT);
	return rc ? rc : st_list(c, p, CFS_DIR, fn, arg);
}

int lio_list_portals(struct cfs *c, const char *iqn, int (*fn)(const char *portal, void *arg), void *arg)
{
	char p[CFS_PATH_MAX];
	int rc = lio_path(&p, LIO_ISCSI "/%s/tpgt_%d/np", iqn, LIO_TPGT);
	return rc ? rc : st_list(c, p, CFS_DIR, fn, arg);
}

/* ---- purge: remove a directory object after its links and its own objects, bottom up */

struct st_purge {
	struct cfs *c;
	const char *dir;
};

/* Unlink every link in @dir, then rmdir it. */
static int st_unlink_visit(const char *name, enum cfs_kind kind, void *arg)
{
	struct st_purge *pu = arg;
	char p[CFS_PATH_MAX];
	if (kind != CFS_LINK)
		return 0;
	int rc = lio_path(&p, "%s/%s", pu->dir, name);
	return rc ? rc : cfs_unlink(pu->c, p);
}

static int st_unlink_rmdir(struct cfs *c, const char *dir)
{
	struct st_purge pu = { c, dir };
	int rc = cfs_list(c, dir, st_unlink_visit, &pu);
	if (rc == -ENOENT)
		return 0;
	if (!rc)
		rc = cfs_rmdir(c, dir);
	return rc == -ENOENT ? 0 : rc;
}

/* Each "lun_*" directory below @dir: its links, then itself. */
static int st_lun_visit(const char *name, enum cfs_kind kind, void *arg)
{
	struct st_purge *pu = arg;
	char p[CFS_PATH_MAX];
	if (kind != CFS_DIR || strncmp(name, "lun_", 4))
		return 0;
	int rc = lio_path(&p, "%s/%s", pu->dir, name);
	return rc ? rc : st_unlink_rmdir(pu->c, p);
}

static int st_luns_purge(struct cfs *c, const char *dir)
{
	struct st_purge pu = { c, dir };
	int rc = cfs_list(c, dir, st_lun_visit, &pu);
	return rc == -ENOENT ? 0 : rc;
}

int lio_acl_purge(struct cfs *c, const char *iqn, const char *initiator)
{
	char p[CFS_PATH_MAX];
	int rc = lio_path(&p, LIO_ISCSI "/%s/tpgt_%d/acls/%s", iqn, LIO_TPGT, initiator);
	if (!rc)
		rc = st_luns_purge(c, p);
	if (!rc) {
		rc = cfs_rmdir(c, p);
		rc = rc == -ENOENT ? 0 : rc;
	}
	return rc;
}

struct st_tpg {
	struct cfs *c;
	const char *iqn;
	const char *tpg;
};

static int st_acl_visit(const char *name, enum cfs_kind kind, void *arg)
{
	struct st_tpg *t = arg;
	char p[CFS_PATH_MAX];
	if (kind != CFS_DIR)
		return 0;
	int rc = lio_path(&p, LIO_ISCSI "/%s/%s/acls/%s", t->iqn, t->tpg, name);
	if (!rc)
		rc = st_luns_purge(t->c, p);
	if (!rc)
		rc = cfs_rmdir(t->c, p);
	return rc == -ENOENT ? 0 : rc;
}

static int st_np_visit(const char *name, enum cfs_kind kind, void *arg)
{
	struct st_tpg *t = arg;
	char p[CFS_PATH_MAX];
	if (kind != CFS_DIR)
		return 0;
	int rc = lio_path(&p, LIO_ISCSI "/%s/%s/np/%s", t->iqn, t->tpg, name);
	if (!rc)
		rc = cfs_rmdir(t->c, p);
	return rc == -ENOENT ? 0 : rc;
}

static int st_tpg_visit(const char *name, enum cfs_kind kind, void *arg)
{
	struct st_tpg *t = arg;
	char p[CFS_PATH_MAX];
	if (kind != CFS_DIR || strncmp(name, "tpgt_", 5))
		return 0;
	struct st_tpg one = { t->c, t->iqn, name };
	/* ACLs first (their removal drops sessions), then stop serving, then portals and LUNs */
	int rc = lio_path(&p, LIO_ISCSI "/%s/%s/acls", t->iqn, name);
	if (!rc && (rc = cfs_list(t->c, p, st_acl_visit, &one)) == -ENOENT)
		rc = 0;
	if (!rc && !lio_path(&p, LIO_ISCSI "/%s/%s/enable", t->iqn, name) && st_is(t->c, p, "1"))
		rc = cfs_write(t->c, p, "0");
	if (!rc && !(rc = lio_path(&p, LIO_ISCSI "/%s/%s/np", t->iqn, name)) &&
	    (rc = cfs_list(t->c, p, st_np_visit, &one)) == -ENOENT)
		rc = 0;
	if (!rc && !(rc = lio_path(&p, LIO_ISCSI "/%s/%s/lun", t->iqn, name)))
		rc = st_luns_purge(t->c, p);
	if (!rc && !(rc = lio_path(&p, LIO_ISCSI "/%s/%s", t->iqn, name)))
		rc = cfs_rmdir(t->c, p);
	return rc == -ENOENT ? 0 : rc;
}

int lio_target_purge(struct cfs *c, const char *iqn)
{
	char p[CFS_PATH_MAX];
	struct st_tpg t = { c, iqn, NULL };
	int rc = lio_path(&p, LIO_ISCSI "/%s", iqn);
	if (rc)
		return rc;
	rc = cfs_list(c, p, st_tpg_visit, &t);
	if (rc == -ENOENT)
		return 0;
	if (!rc)
		rc = cfs_rmdir(c, p);
	return rc == -ENOENT ? 0 : rc;
}

static int st_any(const char *name, void *arg)
{
	(void)name;
	(void)arg;
	return 1;
}

int lio_hba_remove(struct cfs *c, const char *hba)
{
	char p[CFS_PATH_MAX];
	int rc = lio_path(&p, LIO_CORE "/%s", hba);
	if (rc)
		return rc;
	rc = lio_list_backstores(c, hba, st_any, NULL);
	if (rc)
		return rc == 1 ? 0 : rc; /* not empty: it stays */
	rc = cfs_rmdir(c, p);
	return rc == -ENOENT ? 0 : rc;
}
