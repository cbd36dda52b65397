/* SPDX-License-Identifier: Apache-2.0 */
/* cfs.c: configfs file operations relative to a root descriptor (see cfs.h for the rules kept here). */
#include "cfs.h"

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
