/* SPDX-License-Identifier: Apache-2.0 */
/* cfs.c: configfs file operations relative to a root descriptor (see cfs.h for the rules kept here). */
#include "cfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cfs_open(struct cfs *c, const char *root)
{
	if (!root || root[0] != '/')
		return -EINVAL;
	if (strlen(root) >= sizeof(c->root))
		return -ENAMETOOLONG;
	c->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		return -errno;
	strcpy(c->root, root);
	/* "/" would give "//target/..." in symlink targets: harmless, but keep paths tidy */
	size_t n = strlen(c->root);
	while (n > 1 && c->root[n - 1] == '/')
		c->root[--n] = '\0';
	return 0;
}

void cfs_close(struct cfs *c)
{
	if (c->rootfd >= 0)
		close(c->rootfd);
	c->rootfd = -1;
}

int cfs_mkdir(struct cfs *c, const char *rel)
{
	return mkdirat(c->rootfd, rel, 0755) ? -errno : 0;
}

int cfs_rmdir(struct cfs *c, const char *rel)
{
	return unlinkat(c->rootfd, rel, AT_REMOVEDIR) ? -errno : 0;
}

int cfs_unlink(struct cfs *c, const char *rel)
{
	return unlinkat(c->rootfd, rel, 0) ? -errno : 0;
}

int cfs_write(struct cfs *c, const char *rel, const char *val)
{
	size_t len = strlen(val);
	int fd = openat(c->rootfd, rel, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, val, len);
	int err = n < 0 ? errno : 0;
	/* configfs applies the value at write(); close() reports nothing more */
	close(fd);
	if (n < 0)
		return -err;
	return (size_t)n == len ? 0 : -EIO;
}

int cfs_read(struct cfs *c, const char *rel, char *buf, size_t size)
{
	if (size == 0)
		return -EINVAL;
	int fd = openat(c->rootfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	for (;;) {
		if (len == size - 1)
			break;
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			int err = errno;
			if (err == EINTR)
				continue;
			close(fd);
			return -err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return (int)len;
}

int cfs_symlink(struct cfs *c, const char *target_rel, const char *link_rel)
{
	char target[CFS_PATH_MAX];
	int n = snprintf(target, sizeof(target), "%s/%s", c->root, target_rel);
	if (n < 0 || (size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	return symlinkat(target, c->rootfd, link_rel) ? -errno : 0;
}

int cfs_exists(struct cfs *c, const char *rel)
{
	struct stat st;
	if (fstatat(c->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	return errno == ENOENT ? 0 : -errno;
}

int cfs_list(struct cfs *c, const char *rel, int (*fn)(const char *name, enum cfs_kind kind, void *arg), void *arg)
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
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		enum cfs_kind kind = de->d_type == DT_DIR ? CFS_DIR : de->d_type == DT_LNK ? CFS_LINK : CFS_FILE;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
				kind = S_ISDIR(st.st_mode) ? CFS_DIR : S_ISLNK(st.st_mode) ? CFS_LINK : CFS_FILE;
		}
		rc = fn(de->d_name, kind, arg);
	}
	closedir(d);
	return rc;
}

/* Lexically resolve @link (relative to @dir, or absolute) and strip @root: "a/b/../c" -> "a/c". */
static int cfs_resolve(const char *root, const char *dir, const char *link, char *out, size_t size)
{
	char path[2 * CFS_PATH_MAX + 2];
	size_t rl = strlen(root);
	if (link[0] == '/') {
		if (strncmp(link, root, rl) || (link[rl] != '/' && rl > 1))
			return -EXDEV; /* points outside the tree */
		snprintf(path, sizeof(path), "%s", link + (rl > 1 ? rl + 1 : 1));
	} else {
		snprintf(path, sizeof(path), "%s/%s", dir, link);
	}
	/* split on '/', drop "." and "", pop on ".." */
	char *parts[256];
	size_t n = 0;
	for (char *save, *tok = strtok_r(path, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (!strcmp(tok, ".") || !*tok)
			continue;
		if (!strcmp(tok, "..")) {
			if (n == 0)
				return -EXDEV;
			n--;
			continue;
		}
		if (n == sizeof(parts) / sizeof(parts[0]))
			return -ENAMETOOLONG;
		parts[n++] = tok;
	}
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(out + len, size - len, "%s%s", i ? "/" : "", parts[i]);
		if (w < 0 || (size_t)w >= size - len)
			return -ENAMETOOLONG;
		len += (size_t)w;
	}
	return 0;
}

int cfs_readlink(struct cfs *c, const char *rel, char *buf, size_t size)
{
	char link[CFS_PATH_MAX], dir[CFS_PATH_MAX];
	ssize_t n = readlinkat(c->rootfd, rel, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	snprintf(dir, sizeof(dir), "%s", rel);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		dir[0] = '\0';
	return cfs_resolve(c->root, dir, link, buf, size);
}
