/* SPDX-License-Identifier: Apache-2.0 */
/* blkdev.c: block device size with BLKGETSIZE64. */
#include "blkdev.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

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

int blkdev_dm_uuid(unsigned maj, unsigned min, char *uuid, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/dm/uuid", maj, min);
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ENOENT : -errno;
	if (!fgets(uuid, (int)size, f))
		uuid[0] = '\0';
	fclose(f);
	uuid[strcspn(uuid, "\n")] = '\0';
	return 0;
}
