/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim.c: the link-time wrappers of cfs_mkdir, cfs_rmdir, cfs_write and cfs_read (cfs_symlink and
 * cfs_unlink are in sim_link.c). Each one counts the call, applies an injected fault, checks what the
 * VFS checks first (existence, file type), then what configfs and LIO check (fs/configfs/dir.c
 * configfs_mkdir/configfs_rmdir and the make_group/drop_item of each group), and finally does the
 * change with the real cfs_* function plus the default groups the kernel creates or removes.
 */
#include "tests/sim/sim_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void sim_split(const char *rel, char *parent, size_t size, const char **name)
{
	snprintf(parent, size, "%s", rel);
	char *slash = strrchr(parent, '/');
	if (slash) {
		*slash = '\0';
		*name = rel + (slash - parent) + 1;
	} else {
		parent[0] = '\0';
		*name = rel;
	}
}

int __wrap_cfs_mkdir(struct cfs *c, const char *rel_in)
{
	SIM_LOCKED;
	char rel[CFS_PATH_MAX], parent[CFS_PATH_MAX];
	const char *name;
	struct sim_node pn;
	struct stat st;
	int rc = sim_enter(SIM_OP_MKDIR, rel_in, NULL);
	if (!rc)
		rc = sim_norm(rel_in, rel, sizeof(rel));
	if (rc)
		return rc;
	if (!*rel)
		return -EEXIST;
	enum sim_kernel k = sim_kernel_of(c->rootfd);
	sim_split(rel, parent, sizeof(parent), &name);
	/* VFS: the parent must exist (configfs has no mkdir -p), the name must not */
	if (fstatat(c->rootfd, *parent ? parent : ".", &st, 0))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (!fstatat(c->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW))
		return -EEXIST;
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	rc = sim_resolve(k, parent, &pn);
	if (rc)
		return rc;
	if (pn.unknown || !pn.dir)
		return -EPERM;
	if (pn.dir->child == SIM_K_NONE || pn.dir->child == SIM_K_UNMODELLED)
		return -pn.dir->mkdir_err; /* "Lack-of-mkdir returns -EPERM", statistics say ENOSYS */
	enum sim_kind kind = pn.dir->child;
	rc = sim_name_check(c, k, kind, parent, name);
	if (rc)
		return rc;
	rc = __real_cfs_mkdir(c, rel);
	if (rc)
		return rc;
	rc = sim_populate(c->rootfd, k, rel, sim_kind_tmpl(kind), name);
	if (!rc)
		rc = sim_after_mkdir(c, kind, rel);
	if (rc)
		sim_rm_rf(c->rootfd, rel); /* nothing half-made stays */
	return rc;
}

/*
 * configfs_detach_prep: attributes are ignored, default groups are searched recursively, anything
 * else (a user-made group or a link) makes the object ENOTEMPTY.
 */
static int sim_detach_prep(struct cfs *c, enum sim_kernel k, const char *rel,
			   const struct sim_tmpl *t)
{
	int fd = openat(c->rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int err = errno;
		close(fd);
		return -err;
	}
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		char child[CFS_PATH_MAX];
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		rc = sim_join(child, sizeof(child), rel, de->d_name);
		if (rc || fstatat(c->rootfd, child, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISLNK(st.st_mode)) {
			rc = -ENOTEMPTY;
		} else if (S_ISDIR(st.st_mode)) {
			const struct sim_ent *e = sim_tmpl_find(k, t, de->d_name, strlen(de->d_name));
			if (e && (e->flags & SIM_F_DIR))
				rc = sim_detach_prep(c, k, child, e->sub);
			else
				rc = -ENOTEMPTY;
		}
	}
	closedir(d);
	return rc;
}

int __wrap_cfs_rmdir(struct cfs *c, const char *rel_in)
{
	SIM_LOCKED;
	char rel[CFS_PATH_MAX];
	struct sim_node n;
	struct stat st;
	int rc = sim_enter(SIM_OP_RMDIR, rel_in, NULL);
	if (!rc)
		rc = sim_norm(rel_in, rel, sizeof(rel));
	if (rc)
		return rc;
	if (!*rel)
		return -EBUSY; /* the mount point */
	enum sim_kernel k = sim_kernel_of(c->rootfd);
	if (fstatat(c->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	rc = sim_resolve(k, rel, &n);
	if (rc)
		return rc;
	/* default groups (CONFIGFS_USET_DEFAULT) and the subsystem cannot go */
	if (n.unknown || !n.is_obj)
		return -EPERM;
	/* s_links: an item that is the target of links is busy, checked before its children */
	if ((n.kind == SIM_K_SO || n.kind == SIM_K_LUN || n.kind == SIM_K_NVMET_SUBSYS || n.kind == SIM_K_NVMET_HOST) &&
	    sim_links_to(c, rel) > 0)
		return -EBUSY;
	rc = sim_detach_prep(c, k, rel, n.dir);
	if (!rc && n.kind == SIM_K_FABRIC)
		rc = sim_module_save(c, rel);
	if (!rc && n.kind == SIM_K_ACL)
		rc = sim_session_drop(c, rel); /* core_tpg_del_initiator_node_acl logs it out */
	if (rc)
		return rc;
	/* drop_item: the default groups go with the object */
	int fd = openat(c->rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		char child[CFS_PATH_MAX];
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		rc = sim_join(child, sizeof(child), rel, de->d_name);
		if (!rc)
			rc = sim_rm_rf(c->rootfd, child);
	}
	closedir(d);
	return rc ? rc : __real_cfs_rmdir(c, rel);
}

int __wrap_cfs_write(struct cfs *c, const char *rel_in, const char *val)
{
	SIM_LOCKED;
	char rel[CFS_PATH_MAX];
	struct sim_node n;
	struct stat st;
	int rc = sim_enter(SIM_OP_WRITE, rel_in, NULL);
	if (!rc)
		rc = sim_norm(rel_in, rel, sizeof(rel));
	if (rc)
		return rc;
	/* not an attribute (missing, a directory, a link): the real open fails with the natural errno */
	if (fstatat(c->rootfd, *rel ? rel : ".", &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
		return __real_cfs_write(c, rel, val);
	enum sim_kernel k = sim_kernel_of(c->rootfd);
	rc = sim_resolve(k, rel, &n);
	if (rc)
		return rc;
	if (n.unknown || !n.file)
		return __real_cfs_write(c, rel, val);
	return sim_attr_write(c, k, &n, rel, val);
}

int __wrap_cfs_read(struct cfs *c, const char *rel_in, char *buf, size_t size)
{
	SIM_LOCKED;
	char rel[CFS_PATH_MAX];
	struct sim_node n;
	struct stat st;
	int rc = sim_enter(SIM_OP_READ, rel_in, NULL);
	if (!rc)
		rc = sim_norm(rel_in, rel, sizeof(rel));
	if (rc)
		return rc;
	if (!fstatat(c->rootfd, *rel ? rel : ".", &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode) &&
	    !sim_resolve(sim_kernel_of(c->rootfd), rel, &n) && !n.unknown && n.file) {
		rc = sim_attr_read_check(c, &n);
		if (rc)
			return rc;
	}
	return __real_cfs_read(c, rel, buf, size);
}
