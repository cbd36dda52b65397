/* SPDX-License-Identifier: Apache-2.0 */
/* blkdev.c: block device facts from sysfs and BLKGETSIZE64 (see blkdev.h). */
#include "blkdev.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLKDEV_SYS "/sys/dev/block"

int blkdev_size(const char *path, uint64_t *bytes)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	int rc = ioctl(fd, BLKGETSIZE64, bytes) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* The first line of sysfs attribute @attr of @maj:@min, trailing blanks cut: 0, -ENOENT when absent,
 * -ENODATA when empty. */
static int blkdev_attr(unsigned maj, unsigned min, const char *attr, char *buf, size_t size)
{
	char path[128];
	snprintf(path, sizeof(path), BLKDEV_SYS "/%u:%u/%s", maj, min, attr);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -errno;
	ssize_t n = read(fd, buf, size - 1);
	int err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	for (size_t l = strlen(buf); l && (buf[l - 1] == ' ' || buf[l - 1] == '\t'); l--)
		buf[l - 1] = '\0';
	return buf[0] ? 0 : -ENODATA;
}

int blkdev_size_dev(unsigned maj, unsigned min, uint64_t *bytes)
{
	char buf[32], *end;
	int rc = blkdev_attr(maj, min, "size", buf, sizeof(buf));
	if (rc)
		return rc == -ENOENT ? -ENODEV : rc;
	unsigned long long sectors = strtoull(buf, &end, 10);
	if (*end)
		return -EIO;
	*bytes = (uint64_t)sectors * 512;
	return 0;
}

int blkdev_dm(unsigned maj, unsigned min, char *uuid, size_t usize, char *name, size_t nsize)
{
	char nbuf[128];
	if (!name) {
		name = nbuf;
		nsize = sizeof(nbuf);
	}
	int rc = blkdev_attr(maj, min, "dm/name", name, nsize);
	if (rc == -ENOENT)
		return -ENOENT;
	if (rc == -ENODATA)
		name[0] = '\0';
	else if (rc)
		return rc;
	if (uuid) {
		rc = blkdev_attr(maj, min, "dm/uuid", uuid, usize);
		if (rc == -ENODATA || rc == -ENOENT) /* a dm device without a uuid */
			uuid[0] = '\0', rc = 0;
	}
	return rc;
}

/* @prefix then the attribute's value, when it has one: 1; 0 when it has none; <0 on an error. */
static int blkdev_ident_attr(unsigned maj, unsigned min, const char *attr, const char *prefix, char *ident,
			     size_t size)
{
	char v[BLKDEV_IDENT_MAX + 1];
	int rc = blkdev_attr(maj, min, attr, v, sizeof(v));
	if (rc == -ENOENT || rc == -ENODATA)
		return 0;
	if (rc)
		return rc;
	int n = snprintf(ident, size, "%s%s", prefix, v);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 1;
}

/* A partition's whole disk: the parent directory of its sysfs directory, read through its "dev". */
static int blkdev_whole(unsigned maj, unsigned min, unsigned *wmaj, unsigned *wmin)
{
	char link[128], real[PATH_MAX], dev[32];
	snprintf(link, sizeof(link), BLKDEV_SYS "/%u:%u", maj, min);
	if (!realpath(link, real))
		return -errno;
	/* a partition's directory is inside its disk's: .../block/sda/sda1 -> .../block/sda/dev */
	char *slash = strrchr(real, '/');
	if (!slash)
		return -EIO;
	snprintf(slash, sizeof(real) - (size_t)(slash - real), "/dev");
	FILE *f = fopen(real, "re");
	if (!f)
		return -errno;
	int ok = fgets(dev, sizeof(dev), f) && sscanf(dev, "%u:%u", wmaj, wmin) == 2;
	fclose(f);
	return ok ? 0 : -EIO;
}

int blkdev_identity(unsigned maj, unsigned min, char *ident, size_t size)
{
	char buf[64];
	int rc = blkdev_attr(maj, min, "dev", buf, sizeof(buf));
	if (rc)
		return rc == -ENOENT ? -ENODEV : rc;
	if (blkdev_attr(maj, min, "partition", buf, sizeof(buf)) == 0) {
		unsigned wmaj = 0, wmin = 0;
		char whole[BLKDEV_IDENT_MAX + 1];
		rc = blkdev_whole(maj, min, &wmaj, &wmin);
		if (!rc)
			rc = blkdev_identity(wmaj, wmin, whole, sizeof(whole));
		if (rc)
			return rc;
		int n = snprintf(ident, size, "part%s:%s", buf, whole);
		return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
	}
	static const struct {
		const char *attr, *prefix;
	} forms[] = {
		{ "dm/uuid", "dm-uuid:" }, { "dm/name", "dm-name:" }, { "md/uuid", "md-uuid:" },
		{ "wwid", "wwid:" },       { "device/wwid", "wwid:" }, { "serial", "serial:" },
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		if (i == 3) { /* a loop device: its file, and where in the file it starts */
			rc = blkdev_ident_attr(maj, min, "loop/backing_file", "loop:", ident, size);
			if (rc > 0 && blkdev_attr(maj, min, "loop/offset", buf, sizeof(buf)) == 0 && strcmp(buf, "0")) {
				size_t l = strlen(ident);
				if ((size_t)snprintf(ident + l, size - l, "@%s", buf) >= size - l)
					return -ENAMETOOLONG;
			}
			if (rc)
				return rc < 0 ? rc : 0;
		}
		rc = blkdev_ident_attr(maj, min, forms[i].attr, forms[i].prefix, ident, size);
		if (rc)
			return rc < 0 ? rc : 0;
	}
	return -ENODATA;
}

int blkdev_claimable(const char *path)
{
	int fd = open(path, O_RDONLY | O_EXCL | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}
