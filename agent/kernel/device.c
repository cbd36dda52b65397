/* SPDX-License-Identifier: Apache-2.0 */
/* device.c: a volume's disk: registration under the policy, and its identity checked again (device.h). */
#include "device.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blkdev.h"
#include "dmdev.h"
#include "fail.h"

#define DEVICE_LINKS_MAX 40

/* @err, with the reason in @msg. */
/* May a directory with @st be trusted on the way to a device? 0 trusted, 1 trusted if the entry taken
 * from it is root's (sticky and writable by others), -EPERM not at all. */
static int device_dir_trust(const struct stat *st)
{
	if (st->st_uid != 0)
		return -EPERM;
	bool others = (st->st_mode & S_IWOTH) || ((st->st_mode & S_IWGRP) && st->st_gid != 0);
	if (!others)
		return 0;
	return (st->st_mode & S_ISVTX) ? 1 : -EPERM;
}

/* A walk of device_resolve(): what is left of the path, and where it stands. */
struct device_walk {
	char todo[2 * PATH_MAX]; /* the components still to take, without a leading '/' */
	char cur[PATH_MAX];      /* the directory reached, canonical ("" is the root) */
	int links;               /* symbolic links followed so far */
	int trust;               /* device_dir_trust() of cur: it judges the next entry taken from it */
};

/* Stand in directory @dir: its own rules judge what is taken from it next. */
static int device_walk_at(struct device_walk *w, const char *dir)
{
	struct stat st;
	if (lstat(dir, &st) < 0)
		return -errno;
	w->trust = device_dir_trust(&st);
	return w->trust < 0 ? w->trust : 0;
}

/* Move the next component of w->todo into @comp (NAME_MAX + 1 bytes): its length (0 for an empty one
 * between two slashes), or -ENAMETOOLONG. */
static int device_walk_take(struct device_walk *w, char *comp)
{
	size_t n = strcspn(w->todo, "/");
	if (n > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(comp, w->todo, n);
	comp[n] = '\0';
	const char *rest = w->todo + n + (w->todo[n] == '/');
	memmove(w->todo, rest, strlen(rest) + 1);
	return (int)n;
}

/* "..": back in the parent, whose rules judge what is taken from it next. */
static int device_walk_up(struct device_walk *w)
{
	char *slash = strrchr(w->cur, '/');
	if (slash)
		*slash = '\0';
	return device_walk_at(w, w->cur[0] ? w->cur : "/");
}

/* The symbolic link @link (in cur): its target goes in front of what is left to take, and an absolute
 * target starts again from the root. */
static int device_walk_link(struct device_walk *w, const char *link)
{
	char target[PATH_MAX], rest[2 * PATH_MAX];
	if (++w->links > DEVICE_LINKS_MAX)
		return -ELOOP;
	ssize_t len = readlink(link, target, sizeof(target) - 1);
	if (len < 0)
		return -errno;
	target[len] = '\0';
	if ((size_t)snprintf(rest, sizeof(rest), "%s%s%s", target, w->todo[0] ? "/" : "", w->todo) >= sizeof(rest))
		return -ENAMETOOLONG;
	if (target[0] == '/') {
		w->cur[0] = '\0';
		memmove(rest, rest + 1, strlen(rest));
		int rc = device_walk_at(w, "/");
		if (rc)
			return rc;
	}
	snprintf(w->todo, sizeof(w->todo), "%s", rest);
	return 0;
}

/* The entry @comp of cur (neither empty nor "." nor ".."): followed if it is a link, else cur becomes it;
 * only a directory may have more components after it. */
static int device_walk_step(struct device_walk *w, const char *comp)
{
	char next[PATH_MAX];
	struct stat st;
	if ((size_t)snprintf(next, sizeof(next), "%s/%s", w->cur, comp) >= sizeof(next))
		return -ENAMETOOLONG;
	if (lstat(next, &st) < 0)
		return -errno;
	if (w->trust == 1 && st.st_uid != 0)
		return -EPERM; /* someone else's entry in a sticky directory */
	if (S_ISLNK(st.st_mode))
		return device_walk_link(w, next);
	memcpy(w->cur, next, strlen(next) + 1);
	if (S_ISDIR(st.st_mode)) {
		w->trust = device_dir_trust(&st);
		return w->trust < 0 ? w->trust : 0;
	}
	return w->todo[0] ? -ENOTDIR : 0;
}

/*
 * Resolve @path (absolute) one component at a time, as the kernel would, into @out (canonical), checking
 * every directory passed through and every entry taken from a sticky one. 0, -ENOENT, -ELOOP,
 * -ENAMETOOLONG, -EPERM (an untrusted directory), or another -errno.
 */
static int device_resolve(const char *path, char *out, size_t outlen)
{
	struct device_walk w;
	if (path[0] != '/' || strlen(path) >= PATH_MAX)
		return -EINVAL;
	snprintf(w.todo, sizeof(w.todo), "%s", path + 1);
	w.cur[0] = '\0';
	w.links = 0;
	int rc = device_walk_at(&w, "/");
	while (!rc && w.todo[0]) {
		char comp[NAME_MAX + 1];
		int n = device_walk_take(&w, comp);
		if (n < 0)
			return n;
		if (!strcmp(comp, ".."))
			rc = device_walk_up(&w);
		else if (n && strcmp(comp, "."))
			rc = device_walk_step(&w, comp);
	}
	if (rc)
		return rc;
	if ((size_t)snprintf(out, outlen, "%s", w.cur[0] ? w.cur : "/") >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

/* The block device at @path, resolved: number, identity, size. */
static int device_find(const char *path, struct device *d)
{
	struct stat st;
	memset(d, 0, sizeof(*d));
	int rc = device_resolve(path, d->path, sizeof(d->path));
	if (rc)
		return rc;
	if (stat(d->path, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	d->major = major(st.st_rdev);
	d->minor = minor(st.st_rdev);
	rc = blkdev_identity(d->major, d->minor, d->ident, sizeof(d->ident));
	if (rc == -ENODEV)
		return -ENOENT; /* a node with no device behind it */
	if (rc == -ENAMETOOLONG)
		return -EOVERFLOW; /* not the path's fault */
	if (rc && rc != -ENODATA)
		return rc;
	if (rc == -ENODATA)
		d->ident[0] = '\0';
	if (blkdev_size_dev(d->major, d->minor, &d->size))
		d->size = 0;
	return 0;
}

int device_lvm_vg(const char *dm_name, char *vg, size_t size)
{
	size_t o = 0;
	for (const char *p = dm_name; *p; p++) {
		if (*p == '-' && p[1] == '-') {
			p++;
		} else if (*p == '-') {
			if (!o || !p[1])
				return -EINVAL;
			vg[o] = '\0';
			return 0;
		}
		if (o + 1 >= size)
			return -ENAMETOOLONG;
		vg[o++] = *p;
	}
	return -EINVAL;
}

/* Does @given start with one of the --device-prefix paths? */
static bool device_prefix_allows(const struct agent_config *cfg, const char *given)
{
	for (size_t i = 0; i < cfg->n_device_prefix; i++)
		if (!strncmp(given, cfg->device_prefix[i], strlen(cfg->device_prefix[i])))
			return true;
	return false;
}

/* Does the policy take @given (resolved to @d)? */
static bool device_policy_allows(const struct agent_config *cfg, const char *given, const struct device *d)
{
	if (device_prefix_allows(cfg, given))
		return true;
	char uuid[160], name[160], vg[160];
	if (!cfg->n_device_vg || blkdev_dm(d->major, d->minor, uuid, sizeof(uuid), name, sizeof(name)) ||
	    strncmp(uuid, "LVM-", 4) || device_lvm_vg(name, vg, sizeof(vg)))
		return false;
	for (size_t i = 0; i < cfg->n_device_vg; i++)
		if (!strcmp(vg, cfg->device_vg[i]))
			return true;
	return false;
}

/* An absolute path without empty, "." or ".." components: what the caller means is what it says. */
static bool device_path_plain(const char *p)
{
	if (p[0] != '/')
		return false;
	for (const char *c = p + 1;; c += strcspn(c, "/") + 1) {
		size_t n = strcspn(c, "/");
		if (!n || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (!c[n])
			return true;
	}
}

/* A path the device policy does not take: the same words whatever was (or was not) found there. */
static int device_outside(const char *given, char *msg, size_t msglen)
{
	return fail_with(-EPERM, msg, msglen, "device %s is outside this attachd's device policy "
			   "(--device-prefix, --device-vg)", given);
}

/* device_find()'s failure @rc for the path @given, told to whoever registers it. */
static int device_find_fail(int rc, const char *given, char *msg, size_t msglen)
{
	switch (rc) {
	case -ENOENT:
	case -ENOTDIR:
		return fail_with(-ENOENT, msg, msglen, "device %s: no such device", given);
	case -ENOTBLK:
		return fail_with(rc, msg, msglen, "%s is not a block device", given);
	case -EPERM:
		return fail_with(rc, msg, msglen, "device %s: the path passes through a directory that others can "
				   "write (a link there could lead anywhere): give a path through root's directories only",
				   given);
	case -ENAMETOOLONG:
		return fail_with(rc, msg, msglen, "device %s: the path, or a link on it, is too long", given);
	case -EOVERFLOW:
		return fail_with(-EINVAL, msg, msglen, "device %s: its disk's identity is longer than %d bytes",
				   given, REC_IDENT_MAX);
	default:
		return fail_with(rc, msg, msglen, "device %s: %s", given, strerror(-rc));
	}
}

int device_register(const struct agent_config *cfg, const char *given, bool root, struct device *d, char *msg,
		    size_t msglen)
{
	bool policy = cfg->n_device_prefix || cfg->n_device_vg;
	if (!device_path_plain(given))
		return fail_with(-EINVAL, msg, msglen, "device %s: give an absolute path without empty, \".\" or "
				   "\"..\" components", given);
	if (!policy && !root)
		return fail_with(-EPERM, msg, msglen, "device %s: this attachd has no device policy (--device-prefix, "
				   "--device-vg): only root registers devices", given);
	/* a path outside the prefixes is refused before it is looked at: what lies there (a file, nothing)
	 * is not the caller's to learn; with volume groups, any path is looked at but every failure reads
	 * the same */
	bool by_prefix = device_prefix_allows(cfg, given);
	if (policy && !by_prefix && !cfg->n_device_vg)
		return device_outside(given, msg, msglen);
	int rc = device_find(given, d);
	if (rc && policy && !by_prefix)
		return device_outside(given, msg, msglen);
	if (rc)
		return device_find_fail(rc, given, msg, msglen);
	if (strlen(d->path) > ATTACH_PATH_MAX)
		return fail_with(-ENAMETOOLONG, msg, msglen, "device %s: the kernel's path of it is too long", given);
	if (policy && !device_policy_allows(cfg, given, d))
		return device_outside(given, msg, msglen);
	char uuid[160];
	if (blkdev_dm(d->major, d->minor, uuid, sizeof(uuid), NULL, 0) == 0 &&
	    !strncmp(uuid, DMDEV_UUID_PREFIX, strlen(DMDEV_UUID_PREFIX)))
		return fail_with(-EBUSY, msg, msglen, "device %s is attachd's own export device of volume %s", given,
				   uuid + strlen(DMDEV_UUID_PREFIX));
	if (!d->ident[0])
		return fail_with(-EINVAL, msg, msglen, "device %s has no stable identity (no WWID, serial, dm uuid "
				   "or name, md uuid, loop file): after a reboot another disk could take its name; give "
				   "a device-mapper device (an LV) or a disk with a serial", given);
	return 0;
}

int device_unused(const struct device *d, const char *given, char *msg, size_t msglen)
{
	int rc = blkdev_claimable(d->path);
	if (rc == -EBUSY)
		return fail_with(rc, msg, msglen, "device %s is in use (mounted, swap, or held by device-mapper, md "
				   "or a target)", given);
	if (rc)
		return fail_with(rc, msg, msglen, "device %s cannot be opened: %s", given, strerror(-rc));
	return 0;
}

/* The path a volume goes by: the one given, or (attachd 0.1) the kernel's path it recorded. */
static const char *device_path_of(const struct rec_volume *v)
{
	return v->path[0] ? v->path : v->device;
}

int device_verify(const struct rec_volume *v, struct device *d, char *msg, size_t msglen)
{
	const char *path = device_path_of(v);
	int rc = device_find(path, d);
	if (rc == -ENOENT || rc == -ENOTDIR)
		return fail_with(-ENOENT, msg, msglen, "its device %s is missing", path);
	if (rc == -ENOTBLK)
		return fail_with(rc, msg, msglen, "its device %s is no longer a block device", path);
	if (rc)
		return fail_with(rc, msg, msglen, "its device %s cannot be checked: %s", path, strerror(-rc));
	if (!v->ident[0]) {
		if (d->major == v->dev_major && d->minor == v->dev_minor)
			return 0;
		return fail_with(-EMEDIUMTYPE, msg, msglen, "its device %s is %u:%u, registered as %u:%u by an "
				   "attachd without disk identities: it may be another disk", path, d->major, d->minor,
				   v->dev_major, v->dev_minor);
	}
	if (strcmp(d->ident, v->ident))
		return fail_with(-EMEDIUMTYPE, msg, msglen, "its device %s%s%s (%u:%u) is %s%s, not the registered "
				   "disk %s", path, strcmp(path, d->path) ? " -> " : "", strcmp(path, d->path) ? d->path : "",
				   d->major, d->minor, d->ident[0] ? "" : "a disk without identity", d->ident, v->ident);
	return 0;
}

int device_is_disk(const char *want, unsigned maj, unsigned min, char *msg, size_t msglen)
{
	char ident[REC_IDENT_MAX + 1];
	int rc = blkdev_identity(maj, min, ident, sizeof(ident));
	if (rc == -ENODATA)
		ident[0] = '\0';
	else if (rc)
		return fail_with(rc == -ENODEV ? -EMEDIUMTYPE : rc, msg, msglen, "maps %u:%u: %s", maj, min,
				   rc == -ENODEV ? "no such device any more" : strerror(-rc));
	if (strcmp(ident, want))
		return fail_with(-EMEDIUMTYPE, msg, msglen, "maps %u:%u, which is %s%s, not the registered disk %s",
				   maj, min, ident[0] ? "" : "a disk without identity", ident, want);
	return 0;
}

int device_is_volumes(const struct rec_volume *v, unsigned maj, unsigned min, char *msg, size_t msglen)
{
	if (v->ident[0])
		return device_is_disk(v->ident, maj, min, msg, msglen);
	if (maj == v->dev_major && min == v->dev_minor)
		return 0;
	return fail_with(-EMEDIUMTYPE, msg, msglen, "maps %u:%u, registered as %u:%u", maj, min, v->dev_major,
			   v->dev_minor);
}

int device_adopt(struct rec_volume *v)
{
	if (v->ident[0])
		return 0;
	struct device d;
	char msg[256];
	int rc = device_verify(v, &d, msg, sizeof(msg));
	if (rc)
		return rc;
	if (!d.ident[0])
		return -ENODATA;
	memcpy(v->ident, d.ident, sizeof(v->ident));
	if (!v->path[0])
		memcpy(v->path, v->device, sizeof(v->path));
	return 1;
}
