/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_so.c: storage objects (target/core/<hba>/<so>). The kernel keeps the iblock parameters given
 * through `control` internally and shows them only in `info` (iblock_show_configfs_dev_params); the
 * simulator keeps them there too, in the kernel's format, and parses them back. `enable` holds the
 * configured state. This file owns control, enable and the info text.
 */
#include "tests/sim/sim_internal.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int sim_so_file(const char *so, const char *name, char *out)
{
	return sim_join(out, CFS_PATH_MAX, so, name);
}

int sim_so_load(struct cfs *c, const char *so, struct sim_so *s)
{
	char path[CFS_PATH_MAX], buf[SIM_PAGE];
	memset(s, 0, sizeof(*s));
	size_t hlen;
	const char *hba = sim_comp(so, 2, &hlen);
	s->iblock = hba && hlen > 7 && !strncmp(hba, "iblock_", 7);
	int rc = sim_so_file(so, "enable", path);
	if (!rc && sim_get(c->rootfd, path, buf, sizeof(buf)) > 0)
		s->enabled = buf[0] == '1';
	rc = rc ? rc : sim_so_file(so, "info", path);
	if (rc)
		return rc;
	if (sim_get(c->rootfd, path, buf, sizeof(buf)) < 0)
		return 0; /* just made: nothing configured yet */
	const char *p = strstr(buf, "UDEV PATH: ");
	if (p) {
		p += strlen("UDEV PATH: ");
		const char *e = strstr(p, "  readonly: ");
		size_t len = e ? (size_t)(e - p) : strcspn(p, "\n");
		if (len >= sizeof(s->udev))
			len = sizeof(s->udev) - 1;
		memcpy(s->udev, p, len);
		s->udev[len] = '\0';
		s->has_udev = 1;
	}
	if ((p = strstr(buf, "readonly: ")))
		s->readonly = strtol(p + strlen("readonly: "), NULL, 10);
	if ((p = strstr(buf, "iBlock device: ")))
		sscanf(p, "iBlock device: %63s", s->bdev);
	if ((p = strstr(buf, "Major: ")) && sscanf(p, "Major: %u Minor: %u", &s->maj, &s->min) != 2)
		s->maj = s->min = 0;
	return 0;
}

/* transport_dump_dev_state + iblock_show_configfs_dev_params; Status is ACTIVATED while a LUN
 * exports the device. */
int sim_so_save_info(struct cfs *c, const char *so, const struct sim_so *s)
{
	char path[CFS_PATH_MAX], buf[SIM_PAGE];
	int exported = sim_links_to(c, so) > 0;
	int n = snprintf(buf, sizeof(buf),
			 "Status: %s  Max Queue Depth: 0  SectorSize: 512  HwMaxSectors: 0\n        ",
			 exported ? "ACTIVATED" : "DEACTIVATED");
	if (s->iblock) {
		if (s->enabled)
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, "iBlock device: %s", s->bdev);
		if (s->has_udev)
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, "  UDEV PATH: %s", s->udev);
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "  readonly: %ld\n        ", s->readonly);
		if (s->enabled)
			snprintf(buf + n, sizeof(buf) - (size_t)n, "Major: %u Minor: %u  CLAIMED: IBLOCK\n",
				 s->maj, s->min);
		else
			snprintf(buf + n, sizeof(buf) - (size_t)n, "Major: 0 Minor: 0\n");
	}
	int rc = sim_so_file(so, "info", path);
	return rc ? rc : sim_put(c->rootfd, path, buf);
}

/* iblock_set_configfs_dev_params: tokens separated by ',' or newline; udev_path= once the device is
 * open is EEXIST, an empty one EINVAL; readonly= takes kstrtoul; unknown tokens are ignored. Like the
 * kernel, tokens before a failing one stay applied. */
int sim_so_control(struct cfs *c, const char *so, const char *page)
{
	struct sim_so s;
	int rc = sim_so_load(c, so, &s);
	if (rc || !s.iblock)
		return rc; /* other backends: not modelled, accepted */
	char *opts = strdup(page), *save = opts, *tok;
	if (!opts)
		return -ENOMEM;
	while (!rc && (tok = strsep(&opts, ",\n"))) {
		if (!strncmp(tok, "udev_path=", 10)) {
			if (s.enabled) {
				rc = -EEXIST;
				break;
			}
			if (!tok[10]) {
				rc = -EINVAL;
				break;
			}
			snprintf(s.udev, sizeof(s.udev), "%s", tok + 10);
			s.has_udev = 1;
		} else if (!strncmp(tok, "readonly=", 9)) {
			unsigned long long v;
			rc = sim_kstrtoull(tok + 9, 0, &v);
			if (!rc)
				s.readonly = (long)v;
		}
	}
	free(save);
	int src = sim_so_save_info(c, so, &s);
	return rc ? rc : src;
}

/* The kernel's name of a block device, as %pg prints it: from sysfs when the node is a real one. */
static void sim_bdev_name(unsigned maj, unsigned min, const char *udev, char *out, size_t size)
{
	char sys[64], link[PATH_MAX];
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", maj, min);
	ssize_t n = readlink(sys, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		snprintf(out, size, "%s", sim_basename(link));
		return;
	}
	snprintf(out, size, "%s", sim_basename(udev));
}

/* iblock opens its device with FMODE_EXCL: another enabled iblock object on the same device
 * (same st_rdev) makes blkdev_get_by_path fail with EBUSY. */
static int sim_device_claimed(struct cfs *c, const char *self, unsigned maj, unsigned min)
{
	int fd = openat(c->rootfd, "target/core", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	int busy = 0;
	struct dirent *hba;
	while (!busy && (hba = readdir(d))) {
		char hp[CFS_PATH_MAX];
		if (hba->d_name[0] == '.' || !strcmp(hba->d_name, "alua") ||
		    sim_join(hp, sizeof(hp), "target/core", hba->d_name) || sim_is_dir(c->rootfd, hp) != 1)
			continue;
		int hfd = openat(c->rootfd, hp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *hd = hfd < 0 ? NULL : fdopendir(hfd);
		if (!hd) {
			if (hfd >= 0)
				close(hfd);
			continue;
		}
		struct dirent *so;
		while (!busy && (so = readdir(hd))) {
			char sp[CFS_PATH_MAX];
			struct sim_so s;
			if (so->d_name[0] == '.' || sim_join(sp, sizeof(sp), hp, so->d_name) ||
			    sim_is_dir(c->rootfd, sp) != 1 || !strcmp(sp, self))
				continue;
			busy = !sim_so_load(c, sp, &s) && s.enabled && s.iblock && s.maj == maj &&
			       s.min == min;
		}
		closedir(hd);
	}
	closedir(d);
	return busy;
}

/* target_dev_enable_store: strstr("1") or EINVAL; configured already: EEXIST; then
 * iblock_configure_device: no udev_path: EINVAL; blkdev_get_by_path: ENOENT, ENOTBLK, EBUSY.
 * On success only info changes here: the caller writes enable. */
int sim_so_enable(struct cfs *c, const char *so, const char *page)
{
	struct sim_so s;
	if (!strstr(page, "1"))
		return -EINVAL;
	int rc = sim_so_load(c, so, &s);
	if (rc)
		return rc;
	if (s.enabled)
		return -EEXIST;
	if (!s.iblock)
		return -EINVAL; /* only iblock is modelled: other backends refuse to enable */
	if (!s.has_udev)
		return -EINVAL;
	struct stat st;
	if (stat(s.udev, &st))
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	if (sim_device_claimed(c, so, major(st.st_rdev), minor(st.st_rdev)))
		return -EBUSY;
	s.enabled = 1;
	s.maj = major(st.st_rdev);
	s.min = minor(st.st_rdev);
	sim_bdev_name(s.maj, s.min, s.udev, s.bdev, sizeof(s.bdev));
	/* the caller stores "1" in enable itself, through the real cfs_write */
	return sim_so_save_info(c, so, &s);
}
