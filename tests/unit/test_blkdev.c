/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_blkdev.c: the block device facts attachd reads from the kernel (dm/blkdev.c): sizes, device-mapper
 * names and uuids, the stable identity of a disk, and the claim (an exclusive open).
 *
 * Unit binaries link the simulator's blkdev_* (tests/sim/sim_dm.c, -Wl,--wrap= from the Makefile's
 * SIM_WRAPS); the real functions are reached here as __real_<name>. Their sysfs reads go to a fake
 * /sys/dev/block in the test's directory: open() and realpath() are wrapped here (the Makefile turns
 * every __wrap_ function defined in this file into a link wrap) to move paths below /sys/dev/block there.
 * The test's disk node is opened as /dev/null with the flags recorded, and its BLKGETSIZE64 is answered
 * here. Not tested: the ioctl on a real disk, and an exclusive open refused by a real holder (the rig's
 * tests in tests/vm/ meet those on a kernel).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "blkdev.h"
#include "scratch.h"
#include "unit_main.h"

#define GIB (1ull << 30)

/* the real functions behind the simulator's wraps */
int __real_blkdev_size(const char *path, uint64_t *bytes);
int __real_blkdev_size_dev(unsigned maj, unsigned min, uint64_t *bytes);
int __real_blkdev_dm(unsigned maj, unsigned min, char *uuid, size_t usize, char *name, size_t nsize);
int __real_blkdev_identity(unsigned maj, unsigned min, char *ident, size_t size);
int __real_blkdev_claimable(const char *path);

static struct scratch S;
static char sys[sizeof(S.dir) + 8]; /* stands for /sys; "" between tests */

/* ------------------------------------------------------------------------------------------------ */
/* blkdev.c's view of the kernel: /sys/dev/block moved into the test's directory, and the test's disk node
 * (S.disk) opened as /dev/null with the flags recorded, its BLKGETSIZE64 answered from node.bytes */

static struct {
	int fd;
	int flags;
	int open_errno;  /* the open of S.disk fails with it */
	int ioctl_errno; /* BLKGETSIZE64 fails with it */
	uint64_t bytes;
} node;

#define SYS_BLOCK "/sys/dev/block/"

static const char *sys_moved(const char *path, char *buf, size_t size)
{
	if (!sys[0] || strncmp(path, SYS_BLOCK, strlen(SYS_BLOCK)))
		return path;
	snprintf(buf, size, "%s/dev/block/%s", sys, path + strlen(SYS_BLOCK));
	return buf;
}

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...)
{
	char buf[PATH_MAX * 2];
	int mode = 0;
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	if (sys[0] && !strcmp(path, S.disk)) {
		node.flags = flags;
		if (node.open_errno) {
			errno = node.open_errno;
			return -1;
		}
		node.fd = __real_open("/dev/null", flags & ~O_EXCL);
		return node.fd;
	}
	return __real_open(sys_moved(path, buf, sizeof(buf)), flags, mode);
}

char *__real_realpath(const char *path, char *resolved);
char *__wrap_realpath(const char *path, char *resolved);
char *__wrap_realpath(const char *path, char *resolved)
{
	char buf[PATH_MAX * 2];
	return __real_realpath(sys_moved(path, buf, sizeof(buf)), resolved);
}

/* _FORTIFY_SOURCE's realpath */
char *__real___realpath_chk(const char *path, char *resolved, size_t resolvedlen);
char *__wrap___realpath_chk(const char *path, char *resolved, size_t resolvedlen);
char *__wrap___realpath_chk(const char *path, char *resolved, size_t resolvedlen)
{
	char buf[PATH_MAX * 2];
	return __real___realpath_chk(sys_moved(path, buf, sizeof(buf)), resolved, resolvedlen);
}

int __real_ioctl(int fd, unsigned long request, ...);
int __wrap_ioctl(int fd, unsigned long request, ...);
int __wrap_ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != node.fd || node.fd < 0)
		return __real_ioctl(fd, request, arg);
	if (request != BLKGETSIZE64) {
		errno = ENOTTY;
		return -1;
	}
	if (node.ioctl_errno) {
		errno = node.ioctl_errno;
		return -1;
	}
	*(uint64_t *)arg = node.bytes;
	return 0;
}

static void mkdir_p(const char *path)
{
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			fail_msg("mkdir %s: %s", p, strerror(errno));
		*s = '/';
	}
	if (mkdir(p, 0755) && errno != EEXIST)
		fail_msg("mkdir %s: %s", p, strerror(errno));
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Block device @majmin with its sysfs directory at /sys/@dir, and attributes given as pairs of a path
 * below it and the file's text, ending with (char *)NULL. "dev" is written here. */
static void sys_dev(const char *majmin, const char *dir, ...)
{
	char d[PATH_MAX * 2], p[PATH_MAX * 3], link[PATH_MAX * 2], text[64];
	snprintf(d, sizeof(d), "%s/%s", sys, dir);
	mkdir_p(d);
	snprintf(p, sizeof(p), "%s/dev", d);
	snprintf(text, sizeof(text), "%s\n", majmin);
	put_file(p, text);
	va_list ap;
	va_start(ap, dir);
	for (const char *a; (a = va_arg(ap, const char *));) {
		const char *v = va_arg(ap, const char *);
		snprintf(p, sizeof(p), "%s/%s", d, a);
		char *slash = strrchr(p, '/');
		*slash = '\0';
		mkdir_p(p);
		*slash = '/';
		put_file(p, v);
	}
	va_end(ap);
	snprintf(p, sizeof(p), "%s/dev/block", sys);
	mkdir_p(p);
	snprintf(link, sizeof(link), "%s/dev/block/%s", sys, majmin);
	snprintf(p, sizeof(p), "../../%s", dir);
	assert_int_equal(symlink(p, link), 0);
}

static int blk_setup(void **state)
{
	scratch_make(&S, "test_blkdev");
	snprintf(sys, sizeof(sys), "%s/sys", S.dir);
	memset(&node, 0, sizeof(node));
	node.fd = -1;
	*state = &S;
	return 0;
}

static int blk_teardown(void **state)
{
	sys[0] = '\0'; /* blkdev.c closed what it opened: node.fd is only a number now */
	scratch_remove(*state);
	return 0;
}

#define BLK_TEST(fn) cmocka_unit_test_setup_teardown(fn, blk_setup, blk_teardown)

/* ------------------------------------------------------------------------------------------------ */

static void test_blkdev_size_dev(void **state)
{
	(void)state;
	uint64_t b = 0;
	sys_dev("8:0", "devices/sda", "size", "2048\n", (char *)NULL);
	sys_dev("8:16", "devices/sdb", "size", "4096 \t\n", (char *)NULL);
	sys_dev("8:32", "devices/sdc", "size", "12x\n", (char *)NULL);
	sys_dev("8:48", "devices/sdd", "size", "\n", (char *)NULL);
	assert_int_equal(__real_blkdev_size_dev(8, 0, &b), 0);
	assert_int_equal(b, 2048 * 512);
	assert_int_equal(__real_blkdev_size_dev(8, 16, &b), 0); /* trailing blanks are cut */
	assert_int_equal(b, 4096 * 512);
	assert_int_equal(__real_blkdev_size_dev(8, 32, &b), -EIO);
	assert_int_equal(__real_blkdev_size_dev(8, 48, &b), -ENODATA);
	assert_int_equal(__real_blkdev_size_dev(8, 64, &b), -ENODEV); /* no such device */
}

static void test_blkdev_dm(void **state)
{
	(void)state;
	char uuid[64], name[64];
	sys_dev("253:3", "devices/virtual/block/dm-3", "dm/name", "vg0-data\n", "dm/uuid", "LVM-abcdef\n", (char *)NULL);
	sys_dev("253:4", "devices/virtual/block/dm-4", "dm/name", "plain\n", (char *)NULL);
	sys_dev("253:5", "devices/virtual/block/dm-5", "dm/name", "\n", "dm/uuid", "CRYPT-1\n", (char *)NULL);
	sys_dev("253:6", "devices/virtual/block/dm-6", "dm/name", "blank\n", "dm/uuid", "\n", (char *)NULL);
	sys_dev("8:0", "devices/sda", "size", "8\n", (char *)NULL);
	assert_int_equal(__real_blkdev_dm(253, 3, uuid, sizeof(uuid), name, sizeof(name)), 0);
	assert_string_equal(uuid, "LVM-abcdef");
	assert_string_equal(name, "vg0-data");
	memset(uuid, 'x', sizeof(uuid));
	assert_int_equal(__real_blkdev_dm(253, 3, uuid, sizeof(uuid), NULL, 0), 0);
	assert_string_equal(uuid, "LVM-abcdef");
	assert_int_equal(__real_blkdev_dm(253, 3, NULL, 0, NULL, 0), 0);
	assert_int_equal(__real_blkdev_dm(253, 4, uuid, sizeof(uuid), name, sizeof(name)), 0); /* no uuid */
	assert_string_equal(uuid, "");
	assert_string_equal(name, "plain");
	assert_int_equal(__real_blkdev_dm(253, 5, uuid, sizeof(uuid), name, sizeof(name)), 0); /* no name */
	assert_string_equal(uuid, "CRYPT-1");
	assert_string_equal(name, "");
	assert_int_equal(__real_blkdev_dm(253, 6, uuid, sizeof(uuid), name, sizeof(name)), 0); /* an empty uuid */
	assert_string_equal(uuid, "");
	assert_string_equal(name, "blank");
	assert_int_equal(__real_blkdev_dm(8, 0, uuid, sizeof(uuid), name, sizeof(name)), -ENOENT); /* not dm */
	assert_int_equal(__real_blkdev_dm(253, 99, uuid, sizeof(uuid), name, sizeof(name)), -ENOENT);
}

static void expect_identity(unsigned maj, unsigned min, const char *want)
{
	char id[BLKDEV_IDENT_MAX + 1] = "";
	int rc = __real_blkdev_identity(maj, min, id, sizeof(id));
	if (rc || strcmp(id, want))
		fail_msg("%u:%u: rc %d, \"%s\", expected \"%s\"", maj, min, rc, id, want);
}

static void test_blkdev_identity(void **state)
{
	(void)state;
	char id[BLKDEV_IDENT_MAX + 1];
	sys_dev("253:3", "devices/virtual/block/dm-3", "dm/name", "vg0-data\n", "dm/uuid", "LVM-abcdef\n",
		"serial", "ignored\n", (char *)NULL);
	sys_dev("253:4", "devices/virtual/block/dm-4", "dm/name", "plain\n", (char *)NULL);
	sys_dev("9:0", "devices/virtual/block/md0", "md/uuid", "3f2a9c1e:55aa01b2:0c0d0e0f:10111213\n", (char *)NULL);
	sys_dev("7:0", "devices/virtual/block/loop0", "loop/backing_file", "/var/lib/images/a.img\n",
		"loop/offset", "0\n", (char *)NULL);
	sys_dev("7:1", "devices/virtual/block/loop1", "loop/backing_file", "/var/lib/images/a.img\n",
		"loop/offset", "1048576\n", (char *)NULL);
	sys_dev("8:0", "devices/sda", "wwid", "naa.5000c500a1b2c3d4\n", "device/wwid", "t10.other\n", "serial",
		"ZA1B2C3\n", (char *)NULL);
	sys_dev("8:16", "devices/sdb", "device/wwid", "t10.ATA     QEMU HARDDISK  \n", "serial", "QM0001\n", (char *)NULL);
	sys_dev("252:0", "devices/vda", "serial", "vol-1234\n", (char *)NULL);
	sys_dev("1:0", "devices/virtual/block/ram0", "size", "8\n", (char *)NULL);
	/* each form, the first that applies */
	expect_identity(253, 3, "dm-uuid:LVM-abcdef");
	expect_identity(253, 4, "dm-name:plain");
	expect_identity(9, 0, "md-uuid:3f2a9c1e:55aa01b2:0c0d0e0f:10111213");
	expect_identity(7, 0, "loop:/var/lib/images/a.img");
	expect_identity(7, 1, "loop:/var/lib/images/a.img@1048576");
	expect_identity(8, 0, "wwid:naa.5000c500a1b2c3d4");
	expect_identity(8, 16, "wwid:t10.ATA     QEMU HARDDISK");
	expect_identity(252, 0, "serial:vol-1234");
	/* none of them; no such device; no room */
	assert_int_equal(__real_blkdev_identity(1, 0, id, sizeof(id)), -ENODATA);
	assert_int_equal(__real_blkdev_identity(8, 99, id, sizeof(id)), -ENODEV);
	assert_int_equal(__real_blkdev_identity(8, 0, id, strlen("wwid:naa.5000c500a1b2c3d4")), -ENAMETOOLONG);
	assert_int_equal(__real_blkdev_identity(8, 0, id, strlen("wwid:naa.5000c500a1b2c3d4") + 1), 0);
	assert_int_equal(__real_blkdev_identity(7, 1, id, strlen("loop:/var/lib/images/a.img") + 3), -ENAMETOOLONG);
}

/*
 * A partition is its number and its whole disk's identity. On sysfs's layout a partition's directory is
 * inside its disk's: the whole disk is "<partition's directory>/../dev" read as "<disk's directory>/dev"
 * (blkdev_whole() once read one level too high, and every partition had no identity).
 */
static void test_blkdev_identity_partition(void **state)
{
	(void)state;
	char id[BLKDEV_IDENT_MAX + 1];
	sys_dev("8:0", "devices/sda", "wwid", "naa.5000c500a1b2c3d4\n", (char *)NULL);
	sys_dev("8:1", "devices/sda/sda1", "partition", "1\n", (char *)NULL);
	sys_dev("252:0", "devices/vda", "serial", "vol-1234\n", (char *)NULL);
	sys_dev("252:2", "devices/vda/vda2", "partition", "2\n", (char *)NULL);
	sys_dev("1:0", "devices/virtual/block/ram0", "size", "8\n", (char *)NULL);
	sys_dev("1:1", "devices/virtual/block/ram0/ram0p1", "partition", "1\n", (char *)NULL);
	expect_identity(8, 1, "part1:wwid:naa.5000c500a1b2c3d4");
	expect_identity(252, 2, "part2:serial:vol-1234");
	assert_int_equal(__real_blkdev_identity(1, 1, id, sizeof(id)), -ENODATA); /* its disk has none */
	assert_int_equal(__real_blkdev_identity(8, 1, id, strlen("part1:wwid:naa.5000c500a1b2c3d4")), -ENAMETOOLONG);
}

static void test_blkdev_size(void **state)
{
	struct scratch *x = *state;
	char plain[PATH_MAX + 8];
	uint64_t b = 0;
	node.bytes = 10 * GIB;
	assert_int_equal(__real_blkdev_size(x->disk, &b), 0);
	assert_int_equal(b, 10 * GIB);
	assert_int_equal(node.flags & O_ACCMODE, O_RDONLY); /* read-only, not waiting, not exclusive */
	assert_true(node.flags & O_NONBLOCK);
	assert_false(node.flags & O_EXCL);
	node.ioctl_errno = ENOTTY;
	assert_int_equal(__real_blkdev_size(x->disk, &b), -ENOTTY);
	node.open_errno = ENXIO; /* a node without its device */
	assert_int_equal(__real_blkdev_size(x->disk, &b), -ENXIO);
	snprintf(plain, sizeof(plain), "%s/plain", x->dir);
	put_file(plain, "not a disk\n");
	assert_int_equal(__real_blkdev_size(plain, &b), -ENOTBLK);
	assert_int_equal(__real_blkdev_size("/nonexistent/disk", &b), -ENOENT);
}

static void test_blkdev_claimable(void **state)
{
	struct scratch *x = *state;
	assert_int_equal(__real_blkdev_claimable(x->disk), 0);
	assert_true(node.flags & O_EXCL); /* the claim is an exclusive open */
	assert_int_equal(node.flags & O_ACCMODE, O_RDONLY);
	node.open_errno = EBUSY; /* mounted, swap, held by dm, md or iblock */
	assert_int_equal(__real_blkdev_claimable(x->disk), -EBUSY);
	assert_int_equal(__real_blkdev_claimable("/nonexistent/disk"), -ENOENT);
}

UNIT_MAIN("blkdev", BLK_TEST(test_blkdev_size_dev), BLK_TEST(test_blkdev_dm), BLK_TEST(test_blkdev_identity),
	  BLK_TEST(test_blkdev_identity_partition), BLK_TEST(test_blkdev_size), BLK_TEST(test_blkdev_claimable))
