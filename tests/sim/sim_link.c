/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_link.c: symlinks, the only references between configfs objects: LUN -> storage object and
 * mapped LUN -> LUN. Owns the symlink and unlink wrappers (configfs_symlink/configfs_unlink with the
 * allow_link/drop_link rules of target_core_fabric_configfs.c) and the scan that answers "who links
 * here", which replaces the kernel's in-memory reference counts (s_links, export_count).
 */
#include "tests/sim/sim_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Lexical resolution of "@dir/@text" (no symlinks followed), relative to the root. */
static int sim_lexical(const char *dir, const char *text, char *out, size_t size)
{
	char tmp[CFS_PATH_MAX * 2];
	const char *starts[CFS_PATH_MAX / 2];
	size_t lens[CFS_PATH_MAX / 2];
	int n = 0;
	if (snprintf(tmp, sizeof(tmp), "%s/%s", dir, text) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 2 && !strncmp(p, "..", 2)) {
			if (!n)
				return -EXDEV; /* above the root */
			n--;
		} else if (!(len == 1 && *p == '.')) {
			if (n == (int)(sizeof(lens) / sizeof(lens[0])))
				return -ENAMETOOLONG;
			starts[n] = p;
			lens[n++] = len;
		}
		p += len;
	}
	size_t o = 0;
	for (int i = 0; i < n; i++) {
		if (o + lens[i] + 2 > size)
			return -ENAMETOOLONG;
		if (i)
			out[o++] = '/';
		memcpy(out + o, starts[i], lens[i]);
		o += lens[i];
	}
	out[o] = '\0';
	return 0;
}

int sim_link_resolve(struct cfs *c, const char *link, char *out, size_t size)
{
	char text[PATH_MAX], dir[CFS_PATH_MAX];
	ssize_t n = readlinkat(c->rootfd, link, text, sizeof(text) - 1);
	if (n < 0)
		return -errno;
	text[n] = '\0';
	if (text[0] == '/') {
		/* links made by the real cfs_symlink are absolute: c->root + "/" + target */
		size_t rl = strlen(c->root);
		if (strncmp(text, c->root, rl) || text[rl] != '/')
			return -EXDEV;
		return sim_lexical("", text + rl + 1, out, size);
	}
	snprintf(dir, sizeof(dir), "%s", link);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		dir[0] = '\0';
	return sim_lexical(dir, text, out, size);
}

/* Walk @rel along @pat: "*" is every subdirectory, "@" every symlink (then @fn is called), anything
 * else a literal component. */
static int sim_walk(struct cfs *c, const char *rel, const char *pat, sim_link_fn fn, void *arg)
{
	const char *slash = strchr(pat, '/');
	size_t len = slash ? (size_t)(slash - pat) : strlen(pat);
	const char *rest = slash ? slash + 1 : "";
	char child[CFS_PATH_MAX];
	if (len != 1 || (pat[0] != '*' && pat[0] != '@')) {
		char lit[NAME_MAX + 1];
		if (len > NAME_MAX)
			return 0;
		memcpy(lit, pat, len);
		lit[len] = '\0';
		if (sim_join(child, sizeof(child), rel, lit) || sim_is_dir(c->rootfd, child) != 1)
			return 0;
		return sim_walk(c, child, rest, fn, arg);
	}
	int fd = openat(c->rootfd, *rel ? rel : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.' || sim_join(child, sizeof(child), rel, de->d_name) ||
		    fstatat(c->rootfd, child, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (pat[0] == '@' && S_ISLNK(st.st_mode)) {
			char target[CFS_PATH_MAX];
			if (!sim_link_resolve(c, child, target, sizeof(target)))
				rc = fn(child, target, arg);
		} else if (pat[0] == '*' && S_ISDIR(st.st_mode)) {
			rc = sim_walk(c, child, rest, fn, arg);
		}
	}
	closedir(d);
	return rc;
}

int sim_for_each_link(struct cfs *c, sim_link_fn fn, void *arg)
{
	int rc = sim_walk(c, "", "target/*/*/*/lun/*/@", fn, arg);
	if (!rc)
		rc = sim_walk(c, "", "target/*/*/*/acls/*/*/@", fn, arg);
	if (!rc)
		rc = sim_walk(c, "", "nvmet/ports/*/subsystems/@", fn, arg);
	return rc ? rc : sim_walk(c, "", "nvmet/subsystems/*/allowed_hosts/@", fn, arg);
}

struct sim_count {
	const char *target;
	int n;
};

static int sim_count_cb(const char *link, const char *target, void *arg)
{
	struct sim_count *s = arg;
	(void)link;
	s->n += !strcmp(target, s->target);
	return 0;
}

int sim_links_to(struct cfs *c, const char *target)
{
	struct sim_count s = { target, 0 };
	sim_for_each_link(c, sim_count_cb, &s);
	return s.n;
}

int sim_dir_link(struct cfs *c, const char *dir, char *target, size_t size)
{
	int fd = openat(c->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int err = errno;
		close(fd);
		return -err;
	}
	int found = 0;
	struct dirent *de;
	while (!found && (de = readdir(d))) {
		char child[CFS_PATH_MAX];
		struct stat st;
		if (de->d_name[0] == '.' || sim_join(child, sizeof(child), dir, de->d_name) ||
		    fstatat(c->rootfd, child, &st, AT_SYMLINK_NOFOLLOW) || !S_ISLNK(st.st_mode))
			continue;
		found = !sim_link_resolve(c, child, target, size);
	}
	closedir(d);
	return found;
}

static int sim_refresh_so(struct cfs *c, const char *so)
{
	struct sim_so s;
	int rc = sim_so_load(c, so, &s);
	return rc ? rc : sim_so_save_info(c, so, &s);
}

/* target_fabric_port_link: not a storage object: EFAULT; not configured: ENODEV; the LUN has its
 * device already: EEXIST. */
static int sim_lun_allow(struct cfs *c, const char *lun, const struct sim_node *tn)
{
	char other[CFS_PATH_MAX];
	struct sim_so s;
	if (!tn->is_obj || tn->kind != SIM_K_SO)
		return -EFAULT;
	int rc = sim_so_load(c, tn->obj, &s);
	if (rc)
		return rc;
	if (!s.enabled)
		return -ENODEV;
	return sim_dir_link(c, lun, other, sizeof(other)) == 1 ? -EEXIST : 0;
}

/* target_fabric_mappedlun_link: not a LUN: EFAULT; every other refusal is EINVAL: the LUN has no
 * device, it is in another target or TPG, or this initiator's mapped LUN number already has a LUN
 * (core_enable_device_list_for_node). */
static int sim_mlun_allow(struct cfs *c, const char *mlun, const struct sim_node *tn)
{
	char dev[CFS_PATH_MAX], a[CFS_PATH_MAX], b[CFS_PATH_MAX], acl[CFS_PATH_MAX];
	if (!tn->is_obj || tn->kind != SIM_K_LUN)
		return -EFAULT;
	if (sim_dir_link(c, tn->obj, dev, sizeof(dev)) != 1)
		return -EINVAL;
	if (sim_prefix(mlun, 4, a, sizeof(a)) || sim_prefix(tn->obj, 4, b, sizeof(b)) || strcmp(a, b))
		return -EINVAL;
	if (sim_dir_link(c, mlun, dev, sizeof(dev)) == 1)
		return -EINVAL;
	/* "lun_5" and "lun_0x5" are the same mapped LUN */
	unsigned long long mine, theirs;
	if (sim_kstrtoull(sim_basename(mlun) + 4, 0, &mine) || sim_prefix(mlun, 6, acl, sizeof(acl)))
		return -EINVAL;
	int fd = openat(c->rootfd, acl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		char sib[CFS_PATH_MAX];
		if (strncmp(de->d_name, "lun_", 4) || sim_kstrtoull(de->d_name + 4, 0, &theirs) ||
		    theirs != mine || sim_join(sib, sizeof(sib), acl, de->d_name) || !strcmp(sib, mlun))
			continue;
		if (sim_dir_link(c, sib, dev, sizeof(dev)) == 1)
			rc = -EINVAL;
	}
	closedir(d);
	return rc;
}

/* The mapped LUN's access: read-only if the device is (DF_READ_ONLY) or the TPG protects
 * production-mode LUNs (prod_mode_write_protect). */
static int sim_mlun_linked(struct cfs *c, const char *mlun, const char *lun)
{
	char so[CFS_PATH_MAX], tpg[CFS_PATH_MAX], path[CFS_PATH_MAX], buf[64];
	struct sim_so s;
	int ro = 0;
	if (sim_dir_link(c, lun, so, sizeof(so)) == 1 && !sim_so_load(c, so, &s))
		ro = s.readonly != 0;
	if (!sim_prefix(mlun, 4, tpg, sizeof(tpg)) &&
	    !sim_join(path, sizeof(path), tpg, "attrib/prod_mode_write_protect") &&
	    sim_get(c->rootfd, path, buf, sizeof(buf)) > 0 && buf[0] == '1')
		ro = 1;
	int rc = sim_join(path, sizeof(path), mlun, "write_protect");
	return rc ? rc : sim_put(c->rootfd, path, ro ? "1\n" : "0\n");
}

int __wrap_cfs_symlink(struct cfs *c, const char *target_in, const char *link_in)
{
	SIM_LOCKED;
	char link[CFS_PATH_MAX], target[CFS_PATH_MAX], parent[CFS_PATH_MAX];
	char abs[PATH_MAX], real[PATH_MAX], rootreal[PATH_MAX], body[PATH_MAX];
	struct sim_node pn, tn;
	struct stat st;
	int rc = sim_enter(SIM_OP_SYMLINK, link_in, target_in);
	if (!rc)
		rc = sim_norm(link_in, link, sizeof(link));
	if (!rc)
		rc = sim_norm(target_in, target, sizeof(target));
	if (rc)
		return rc;
	enum sim_kernel k = sim_kernel_of(c->rootfd);
	snprintf(parent, sizeof(parent), "%s", link);
	char *slash = strrchr(parent, '/');
	if (!slash)
		return -EPERM; /* a link at the configfs root */
	*slash = '\0';
	/* VFS first: the parent must exist, the name must not */
	if (fstatat(c->rootfd, parent, &st, 0))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (!fstatat(c->rootfd, link, &st, AT_SYMLINK_NOFOLLOW))
		return -EEXIST;
	rc = sim_resolve(k, parent, &pn);
	if (rc)
		return rc;
	int nvmet = !pn.unknown && pn.dir && !pn.is_obj && pn.dir->links != SIM_L_NONE;
	if (!nvmet && (pn.unknown || !pn.is_obj || (pn.kind != SIM_K_LUN && pn.kind != SIM_K_MLUN)))
		return -EPERM; /* no allow_link on the parent item */
	/* get_target: the target is looked up from "/" following links; outside configfs is EPERM */
	if (snprintf(abs, sizeof(abs), "%s/%s", c->root, target) >= (int)sizeof(abs))
		return -ENAMETOOLONG;
	if (!realpath(abs, real) || !realpath(c->root, rootreal))
		return -errno;
	if (stat(real, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	size_t rl = strlen(rootreal);
	if (strncmp(real, rootreal, rl) || real[rl] != '/')
		return -EPERM;
	rc = sim_resolve(k, real + rl + 1, &tn);
	if (rc)
		return rc;
	if (nvmet)
		rc = sim_nvmet_allow_link(c, parent, &pn, &tn);
	else if (tn.unknown)
		return -EFAULT;
	else
		rc = pn.kind == SIM_K_LUN ? sim_lun_allow(c, parent, &tn) : sim_mlun_allow(c, parent, &tn);
	if (rc)
		return rc;
	/* configfs_get_target_path: the link text is relative, one "../" per level of the link's item
	 * below the configfs root; readlink shows that, so the real (absolute) cfs_symlink is not used */
	size_t o = 0;
	for (int i = sim_ncomp(parent); i > 0; i--, o += 3)
		memcpy(body + o, "../", 3);
	if (o + strlen(tn.obj) + 1 > sizeof(body))
		return -ENAMETOOLONG;
	strcpy(body + o, tn.obj);
	if (symlinkat(body, c->rootfd, link))
		return -errno;
	if (nvmet)
		return 0; /* what the link enables (a port's socket) is read from the links themselves */
	if (pn.kind == SIM_K_LUN)
		return sim_refresh_so(c, tn.obj);
	return sim_mlun_linked(c, parent, tn.obj);
}

struct sim_unmap {
	struct cfs *c;
	const char *lun;
};

/* core_clear_lun_from_tpg: the LUN lost its device, so mapped LUNs pointing at it lose their
 * se_dev_entry and show no write_protect. */
static int sim_unmap_cb(const char *link, const char *target, void *arg)
{
	struct sim_unmap *u = arg;
	char dir[CFS_PATH_MAX], path[CFS_PATH_MAX];
	if (strcmp(target, u->lun))
		return 0;
	snprintf(dir, sizeof(dir), "%s", link);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	if (!sim_join(path, sizeof(path), dir, "write_protect"))
		sim_put(u->c->rootfd, path, "");
	return 0;
}

int __wrap_cfs_unlink(struct cfs *c, const char *rel_in)
{
	SIM_LOCKED;
	char rel[CFS_PATH_MAX], parent[CFS_PATH_MAX], target[CFS_PATH_MAX], path[CFS_PATH_MAX];
	struct sim_node pn;
	struct stat st;
	int rc = sim_enter(SIM_OP_UNLINK, rel_in, NULL);
	if (!rc)
		rc = sim_norm(rel_in, rel, sizeof(rel));
	if (rc)
		return rc;
	if (fstatat(c->rootfd, *rel ? rel : ".", &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISLNK(st.st_mode))
		return -EPERM; /* configfs_unlink: only links can go */
	snprintf(parent, sizeof(parent), "%s", rel);
	char *slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	else
		parent[0] = '\0';
	rc = sim_resolve(sim_kernel_of(c->rootfd), parent, &pn);
	if (rc)
		return rc;
	int had = !sim_link_resolve(c, rel, target, sizeof(target));
	rc = __real_cfs_unlink(c, rel);
	if (rc || !pn.is_obj)
		return rc;
	if (pn.kind == SIM_K_LUN) {
		struct sim_unmap u = { c, parent };
		sim_for_each_link(c, sim_unmap_cb, &u);
		return had ? sim_refresh_so(c, target) : 0;
	}
	if (pn.kind == SIM_K_MLUN && !sim_join(path, sizeof(path), parent, "write_protect"))
		return sim_put(c->rootfd, path, "");
	return 0;
}
