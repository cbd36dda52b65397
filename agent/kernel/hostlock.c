/* SPDX-License-Identifier: Apache-2.0 */
/* hostlock.c: the per-kernel lock of hostlock.h. */
#include "hostlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"

#define HOSTLOCK_CONFIGFS_MAGIC 0x62656570

/* The pid that holds a flock on @st's inode, from /proc/locks ("1: FLOCK ADVISORY WRITE <pid>
 * <maj>:<min>:<ino> ..."), or -1. */
static long hostlock_holder(const struct stat *st)
{
	FILE *f = fopen("/proc/locks", "re");
	char line[256];
	long pid = -1;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		unsigned long long ino;
		long p;
		char kind[16];
		if (sscanf(line, "%*s %15s %*s %*s %ld %x:%x:%llu", kind, &p, &maj, &min, &ino) == 5 &&
		    !strcmp(kind, "FLOCK") && maj == major(st->st_dev) && min == minor(st->st_dev) && ino == st->st_ino) {
			pid = p;
			break;
		}
	}
	if (f)
		fclose(f);
	return pid;
}

int hostlock_take(const struct agent_config *cfg)
{
	int fd = open(cfg->configfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		log_error("configfs root %s: %s", cfg->configfs_root, strerror(err));
		return -err;
	}
	struct statfs fs;
	if (!cfg->no_kmod && (fstatfs(fd, &fs) < 0 || fs.f_type != HOSTLOCK_CONFIGFS_MAGIC)) {
		log_error("%s is not configfs: attachd locks the kernel through it", cfg->configfs_root);
		close(fd);
		return -EMEDIUMTYPE;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = errno;
		struct stat st;
		long pid = fstat(fd, &st) == 0 ? hostlock_holder(&st) : -1;
		close(fd);
		if (err == EWOULDBLOCK) {
			if (pid > 0)
				log_error("another attachd (pid %ld) manages this kernel's targets (configfs %s)", pid,
					  cfg->configfs_root);
			else
				log_error("another attachd manages this kernel's targets (configfs %s)", cfg->configfs_root);
		}
		return -err;
	}
	return 0; /* fd stays open: the lock lives as long as the agent */
}
