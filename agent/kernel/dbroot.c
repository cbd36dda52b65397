/* SPDX-License-Identifier: Apache-2.0 */
/* dbroot.c: attachd's directory for LIO's persistent-reservation files (see dbroot.h). */
#include "dbroot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fail.h"
#include "log.h"

/* @name in the directory @dirfd: made 0700 if missing, then opened without following a link and checked.
 * Returns the open descriptor or a negative errno (reason in @why). */
static int dbroot_own_dir(int dirfd, const char *shown, const char *name, char *why, size_t whylen)
{
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return fail_with(-errno, why, whylen, "cannot create %s: %s", shown, strerror(errno));
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		struct stat st;
		/* O_DIRECTORY makes a link ENOTDIR rather than ELOOP: say what it is */
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			err = ELOOP;
		return fail_with(-err, why, whylen, "%s %s: it must be a directory of attachd's own (move it away)",
				 shown, err == ELOOP ? "is a symbolic link" : strerror(err));
	}
	struct stat st;
	int rc = fstat(fd, &st) < 0 ? -errno : 0;
	if (!rc && st.st_uid != geteuid())
		rc = fail_with(-EPERM, why, whylen, "%s belongs to uid %u, not to attachd's (%u)", shown,
			       (unsigned)st.st_uid, (unsigned)geteuid());
	if (!rc && (st.st_mode & 07777) != 0700) {
		log_warn("dbroot: %s had mode %04o; setting 0700", shown, st.st_mode & 07777);
		if (fchmod(fd, 0700) < 0)
			rc = fail_with(-errno, why, whylen, "%s: chmod: %s", shown, strerror(errno));
	}
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

int dbroot_prepare(const char *db_dir, char *path, size_t size, char *why, size_t whylen)
{
	char abs[PATH_MAX], shown[PATH_MAX + 16];
	/* the kernel resolves dbroot on every write of a reservation: an absolute path without links */
	if (!realpath(db_dir, abs))
		return fail_with(-errno, why, whylen, "%s: %s", db_dir, strerror(errno));
	int n = snprintf(path, size, "%s/" DBROOT_DIR, abs);
	/* the kernel takes at most 4095 bytes, the newline dbroot_point adds included */
	if (n < 0 || (size_t)n >= size || n > 4094)
		return fail_with(-ENAMETOOLONG, why, whylen, "%s/" DBROOT_DIR " is too long for the kernel's dbroot", abs);
	int dbfd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dbfd < 0)
		return fail_with(-errno, why, whylen, "%s: %s", abs, strerror(errno));
	int fd = dbroot_own_dir(dbfd, path, DBROOT_DIR, why, whylen);
	close(dbfd);
	if (fd < 0)
		return fd;
	snprintf(shown, sizeof(shown), "%s/" DBROOT_PR, path);
	int pr = dbroot_own_dir(fd, shown, DBROOT_PR, why, whylen);
	close(fd);
	if (pr < 0)
		return pr;
	close(pr);
	return 0;
}

int dbroot_point(struct cfs *c, const char *path, char *was, size_t wassize, int *werr)
{
	char cur[CFS_PATH_MAX], val[CFS_PATH_MAX + 2];
	*werr = 0;
	int rc = cfs_read(c, DBROOT_ATTR, cur, sizeof(cur));
	if (rc < 0)
		return rc;
	snprintf(was, wassize, "%s", cur);
	if (!strcmp(cur, path))
		return 1; /* not written again: with a storage object there, even the same value is EINVAL */
	/* The one attribute written with a newline: the kernel copies the value without its terminating
	 * NUL unless a newline stood in its place, so a shorter path would keep the old one's tail
	 * (docs/KERNEL.md, 'dbroot and persistent reservations'). */
	snprintf(val, sizeof(val), "%s\n", path);
	rc = cfs_write(c, DBROOT_ATTR, val);
	if (!rc)
		rc = cfs_read(c, DBROOT_ATTR, cur, sizeof(cur));
	if (rc < 0) {
		*werr = rc;
		return 0;
	}
	if (strcmp(cur, path)) {
		*werr = -EIO;
		snprintf(was, wassize, "%s", cur);
		return 0;
	}
	return 1;
}

int dbroot_setup(struct agent *a)
{
	char path[sizeof(a->dbroot)], why[512], was[CFS_PATH_MAX];
	int werr;
	a->dbroot[0] = '\0';
	int rc = dbroot_prepare(a->cfg.db_dir, path, sizeof(path), why, sizeof(why));
	if (rc) {
		log_error("dbroot: %s", why);
		return rc;
	}
	rc = dbroot_point(&a->cfs, path, was, sizeof(was), &werr);
	if (rc < 0) {
		log_warn("LIO's dbroot (%s/" DBROOT_ATTR ") cannot be read: %s; persistent reservations are not "
			 "restored by attachd", a->cfg.configfs_root, strerror(-rc));
		return 0;
	}
	if (rc == 0) {
		log_warn("LIO's dbroot is %s and cannot be pointed at %s (%s%s): the kernel keeps the persistent "
			 "reservations that initiators register with APTPL in %s/" DBROOT_PR ", and attachd restores "
			 "none of them after a reboot. The kernel takes a new dbroot only while no storage object "
			 "exists: start attachd before other LIO tools (or after a reboot) to have it", was, path,
			 strerror(-werr), werr == -EINVAL ? ": storage objects exist already" : "", was);
		return 0;
	}
	if (strcmp(was, path))
		log_info("LIO's dbroot set to %s (was %s): persistent reservations are kept there", path, was);
	snprintf(a->dbroot, sizeof(a->dbroot), "%s", path);
	return 0;
}
