/* SPDX-License-Identifier: Apache-2.0 */
/* hostlock.c: the per-host lock of hostlock.h. */
#include "hostlock.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define HOSTLOCK_DIR "/run/attachd"

static uint64_t hostlock_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

int hostlock_take(const struct agent_config *cfg)
{
	char root[PATH_MAX + 64], path[64];
	struct stat rst;
	/* the mount itself, not its path: another path (a bind mount, a symlink) to the same tree is the
	 * same kernel */
	if (stat(cfg->configfs_root, &rst) == 0)
		snprintf(root, sizeof(root), "%llx:%llx", (unsigned long long)rst.st_dev, (unsigned long long)rst.st_ino);
	else
		snprintf(root, sizeof(root), "%s", cfg->configfs_root);
	if (mkdir(HOSTLOCK_DIR, 0700) < 0 && errno != EEXIST) {
		log_warn("cannot create %s (%s): running without the one-agent-per-host check", HOSTLOCK_DIR,
			 strerror(errno));
		return 0;
	}
	snprintf(path, sizeof(path), HOSTLOCK_DIR "/%016" PRIx64 ".lock", hostlock_hash(root));
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = errno;
		char pid[32] = "?";
		ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 1] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		close(fd);
		if (err == EWOULDBLOCK)
			log_error("another attachd (pid %s) manages the kernel's targets (configfs %s)", pid,
				  cfg->configfs_root);
		return -err;
	}
	char me[32];
	int len = snprintf(me, sizeof(me), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, me, (size_t)len, 0) != len)
		log_warn("%s: cannot record our pid", path);
	return 0; /* fd stays open: the lock lives as long as the agent */
}
