/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_dm.c: the device-mapper and block-device side of the simulator. Wraps dm/dmdev.h and dm/blkdev.h
 * (-Wl,--wrap=dmdev_*,--wrap=blkdev_*) so the agent's default path (an export on its own dm linear
 * device) runs here, where there is no /dev/mapper/control and no sysfs of the test's devices.
 *
 * State lives in a directory (sim_dm_setup(), or ATTACHD_SIM_DM_DIR for a separate attachd-sim
 * process), so a restarted agent sees the same devices:
 *   <dir>/<name>          the device node (block, major 253)
 *   <dir>/<name>.table    "linear <maj>:<min> <sectors>" or "error - <sectors>", the uuid on line two:
 *                         like the kernel, a table maps a device by number, not by path
 *   <dir>/size-<maj>:<min> a block device's size in bytes (default SIM_DM_DEFAULT_SIZE); a dm node's
 *                         size is its table's length
 *   <dir>/ident-<maj>:<min> a block device's identity (blkdev_identity); "-" for none; default
 *                         "serial:sim-<maj>-<min>" (a dm node: "dm-uuid:<its uuid>")
 *   <dir>/dm-<maj>:<min>  makes a device of another major look like a dm device: "<uuid>\n<name>\n"
 *                         (an LVM LV, for --device-vg)
 *   <dir>/busy-<maj>:<min> the device is held (mounted, swap...): blkdev_claimable says EBUSY
 * Like the kernel: creating a name that exists is EEXIST; removing one that is gone is ENXIO (dmdev's
 * callers treat it as done); fence and reload need the device.
 */
#include "sim.h"
#include "sim_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blkdev.h"
#include "dmdev.h"

#define SIM_DM_DEFAULT_SIZE (1ull << 30)
#define SIM_DM_MAJOR 253

static char sim_dm_dir[PATH_MAX];

int sim_dm_setup(const char *dir)
{
	if (snprintf(sim_dm_dir, sizeof(sim_dm_dir), "%s", dir) >= (int)sizeof(sim_dm_dir))
		return -ENAMETOOLONG;
	return mkdir(dir, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static const char *sim_dm_root(void)
{
	if (!sim_dm_dir[0]) {
		const char *env = getenv("ATTACHD_SIM_DM_DIR");
		if (env && sim_dm_setup(env) == 0)
			return sim_dm_dir;
		return NULL;
	}
	return sim_dm_dir;
}

static int sim_dm_path(char *buf, size_t size, const char *name, const char *suffix)
{
	const char *root = sim_dm_root();
	if (!root)
		return -ENODEV; /* no device-mapper here: run with --no-dm or set up the simulator */
	int n = snprintf(buf, size, "%s/%s%s", root, name, suffix);
	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

static int sim_dm_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

int sim_dm_set_size(const char *dev, uint64_t bytes)
{
	struct stat st;
	char path[PATH_MAX + 64], text[32];
	if (stat(dev, &st) < 0)
		return -errno;
	char name[64];
	snprintf(name, sizeof(name), "size-%u:%u", major(st.st_rdev), minor(st.st_rdev));
	int rc = sim_dm_path(path, sizeof(path), name, "");
	if (rc)
		return rc;
	snprintf(text, sizeof(text), "%" PRIu64 "\n", bytes);
	return sim_dm_write(path, text);
}

int sim_dm_set_ident(const char *dev, const char *ident)
{
	struct stat st;
	char path[PATH_MAX + 64], name[64];
	if (stat(dev, &st) < 0)
		return -errno;
	snprintf(name, sizeof(name), "ident-%u:%u", major(st.st_rdev), minor(st.st_rdev));
	int rc = sim_dm_path(path, sizeof(path), name, "");
	if (rc)
		return rc;
	char text[300];
	snprintf(text, sizeof(text), "%s\n", ident);
	return sim_dm_write(path, text);
}

void __wrap_dmdev_init(void (*log)(int prio, const char *msg));
void __wrap_dmdev_init(void (*log)(int prio, const char *msg))
{
	SIM_LOCKED;
	(void)log;
}

int __wrap_dmdev_node(const char *name, char *buf, size_t size);
int __wrap_dmdev_node(const char *name, char *buf, size_t size)
{
	SIM_LOCKED;
	return sim_dm_path(buf, size, name, "");
}

/* The table's first line ("linear <backing>" / "error") into @buf; -ENXIO if the device is gone. */
static int sim_dm_table(const char *name, char *buf, size_t size)
{
	char path[PATH_MAX + 16];
	int rc = sim_dm_path(path, sizeof(path), name, ".table");
	if (rc)
		return rc;
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? -ENXIO : -errno;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* "<type> <backing> <sectors>" */
static int sim_dm_parse(const char *line, char type[16], char backing[PATH_MAX], uint64_t *sectors)
{
	const char *a = strchr(line, ' '), *b = a ? strrchr(a + 1, ' ') : NULL;
	if (!a || !b || a == b || (size_t)(a - line) >= 16 || (size_t)(b - a - 1) >= PATH_MAX)
		return -EIO;
	snprintf(type, 16, "%.*s", (int)(a - line), line);
	snprintf(backing, PATH_MAX, "%.*s", (int)(b - a - 1), a + 1);
	char *end;
	*sectors = strtoull(b + 1, &end, 10);
	return *end ? -EIO : 0;
}

/* A small file of the simulator's directory, first line, or -ENOENT. */
static int sim_dm_file(const char *name, char *buf, size_t size)
{
	char path[PATH_MAX + 64];
	int rc = sim_dm_path(path, sizeof(path), name, "");
	if (rc)
		return rc;
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The dm device (its name) with minor @min, or -ENOENT. */
static int sim_dm_by_minor(unsigned min, char *name, size_t size)
{
	const char *root = sim_dm_root();
	if (!root)
		return -ENOENT;
	DIR *d = opendir(root);
	if (!d)
		return -ENOENT;
	int rc = -ENOENT;
	struct dirent *de;
	while (rc == -ENOENT && (de = readdir(d))) {
		char node[PATH_MAX], table[PATH_MAX + 16];
		struct stat st;
		if (snprintf(node, sizeof(node), "%s/%s", root, de->d_name) >= (int)sizeof(node) || stat(node, &st) < 0 ||
		    !S_ISBLK(st.st_mode) || major(st.st_rdev) != SIM_DM_MAJOR || minor(st.st_rdev) != min)
			continue;
		snprintf(table, sizeof(table), "%s.table", node);
		if (access(table, F_OK) == 0) {
			snprintf(name, size, "%s", de->d_name);
			rc = 0;
		}
	}
	closedir(d);
	return rc;
}

int __wrap_blkdev_size_dev(unsigned maj, unsigned min, uint64_t *bytes);
int __wrap_blkdev_size_dev(unsigned maj, unsigned min, uint64_t *bytes)
{
	SIM_LOCKED;
	char name[256], line[PATH_MAX + 32], type[16], backing[PATH_MAX];
	uint64_t sectors;
	if (maj == SIM_DM_MAJOR) {
		if (sim_dm_by_minor(min, name, sizeof(name)) || sim_dm_table(name, line, sizeof(line)) ||
		    sim_dm_parse(line, type, backing, &sectors))
			return -ENODEV;
		*bytes = sectors * 512;
		return 0;
	}
	char file[64], text[32];
	snprintf(file, sizeof(file), "size-%u:%u", maj, min);
	*bytes = SIM_DM_DEFAULT_SIZE;
	if (sim_dm_file(file, text, sizeof(text)) == 0 && sscanf(text, "%" SCNu64, bytes) != 1)
		*bytes = SIM_DM_DEFAULT_SIZE;
	return 0;
}

int __wrap_blkdev_size(const char *path, uint64_t *bytes);
int __wrap_blkdev_size(const char *path, uint64_t *bytes)
{
	SIM_LOCKED;
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	int rc = __wrap_blkdev_size_dev(major(st.st_rdev), minor(st.st_rdev), bytes);
	return rc == -ENODEV ? -ENXIO : rc;
}

int __wrap_dmdev_query(const char *name, bool *exists, bool *ours);
int __wrap_dmdev_query(const char *name, bool *exists, bool *ours)
{
	SIM_LOCKED;
	char path[PATH_MAX + 16], line[256] = "";
	*exists = *ours = false;
	int rc = sim_dm_path(path, sizeof(path), name, ".table");
	if (rc)
		return rc;
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	*exists = true;
	if (fgets(line, sizeof(line), f) && fgets(line, sizeof(line), f))
		*ours = !strncmp(line, DMDEV_UUID_PREFIX, strlen(DMDEV_UUID_PREFIX));
	fclose(f);
	return 0;
}

/* A minor from the name (FNV-1a): stable across restarts, distinct for distinct volume ids. */
static unsigned sim_dm_minor(const char *name)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h & 0xfffff; /* 20-bit minors */
}

static int sim_dm_set_table(const char *name, const char *line1, const char *uuid)
{
	char path[PATH_MAX + 16], text[PATH_MAX + 256];
	int rc = sim_dm_path(path, sizeof(path), name, ".table");
	if (rc)
		return rc;
	snprintf(text, sizeof(text), "%s\n%s\n", line1, uuid);
	return sim_dm_write(path, text);
}

int __wrap_dmdev_create_linear(const char *name, const char *uuid, unsigned maj, unsigned min, uint64_t want);
int __wrap_dmdev_create_linear(const char *name, const char *uuid, unsigned maj, unsigned min, uint64_t want)
{
	SIM_LOCKED;
	char node[PATH_MAX], line[PATH_MAX + 16];
	uint64_t bytes;
	bool exists, ours;
	int rc = __wrap_dmdev_query(name, &exists, &ours);
	if (!rc && exists)
		return -EEXIST;
	if (!rc)
		rc = __wrap_blkdev_size_dev(maj, min, &bytes);
	if (!rc && want > bytes / 512)
		rc = -EINVAL; /* more than the device has */
	if (!rc)
		rc = sim_dm_path(node, sizeof(node), name, "");
	if (rc)
		return rc;
	unlink(node); /* a stale node of a removed device */
	if (mknod(node, S_IFBLK | 0600, makedev(SIM_DM_MAJOR, sim_dm_minor(name))) < 0)
		return -errno;
	snprintf(line, sizeof(line), "linear %u:%u %" PRIu64, maj, min, want ? want : bytes / 512);
	rc = sim_dm_set_table(name, line, uuid);
	if (rc)
		unlink(node);
	return rc;
}

static int sim_dm_uuid(const char *name, char *uuid, size_t size)
{
	char path[PATH_MAX + 16];
	int rc = sim_dm_path(path, sizeof(path), name, ".table");
	if (rc)
		return rc;
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? -ENXIO : -errno;
	char line[PATH_MAX + 16];
	uuid[0] = '\0';
	if (fgets(line, sizeof(line), f) && fgets(uuid, (int)size, f))
		uuid[strcspn(uuid, "\n")] = '\0';
	fclose(f);
	return 0;
}

int __wrap_dmdev_remove(const char *name);
int __wrap_dmdev_remove(const char *name)
{
	SIM_LOCKED;
	char node[PATH_MAX], table[PATH_MAX + 16];
	bool exists, ours;
	int rc = __wrap_dmdev_query(name, &exists, &ours);
	if (rc || !exists)
		return rc;
	if (!ours)
		return -EPERM;
	if ((rc = sim_dm_path(node, sizeof(node), name, "")) || (rc = sim_dm_path(table, sizeof(table), name, ".table")))
		return rc;
	unlink(node);
	return unlink(table) < 0 ? -errno : 0;
}

int __wrap_dmdev_fence(const char *name);
int __wrap_dmdev_fence(const char *name)
{
	SIM_LOCKED;
	char uuid[256], line[PATH_MAX + 32], type[16], backing[PATH_MAX];
	uint64_t sectors;
	int rc = sim_dm_uuid(name, uuid, sizeof(uuid));
	if (!rc)
		rc = sim_dm_table(name, line, sizeof(line));
	if (!rc)
		rc = sim_dm_parse(line, type, backing, &sectors);
	if (rc)
		return rc;
	snprintf(line, sizeof(line), "error - %" PRIu64, sectors);
	return sim_dm_set_table(name, line, uuid);
}

int __wrap_dmdev_reload_linear(const char *name, unsigned maj, unsigned min, uint64_t want);
int __wrap_dmdev_reload_linear(const char *name, unsigned maj, unsigned min, uint64_t want)
{
	SIM_LOCKED;
	char uuid[256], line[PATH_MAX + 32];
	uint64_t bytes;
	int rc = sim_dm_uuid(name, uuid, sizeof(uuid));
	if (!rc)
		rc = __wrap_blkdev_size_dev(maj, min, &bytes);
	if (!rc && want > bytes / 512)
		rc = -EINVAL;
	if (rc)
		return rc;
	snprintf(line, sizeof(line), "linear %u:%u %" PRIu64, maj, min, want ? want : bytes / 512);
	return sim_dm_set_table(name, line, uuid);
}

int sim_dm_state(const char *name, char *buf, size_t size)
{
	return sim_dm_table(name, buf, size);
}

int __wrap_dmdev_table(const char *name, char *type, size_t tsize, char *params, size_t psize, uint64_t *sectors);
int __wrap_dmdev_table(const char *name, char *type, size_t tsize, char *params, size_t psize, uint64_t *sectors)
{
	SIM_LOCKED;
	char line[PATH_MAX + 32], ty[16], backing[PATH_MAX];
	int rc = sim_dm_table(name, line, sizeof(line));
	if (!rc)
		rc = sim_dm_parse(line, ty, backing, sectors);
	if (rc)
		return rc;
	snprintf(type, tsize, "%s", ty);
	/* the kernel shows linear parameters as "<maj>:<min> <offset>" */
	params[0] = '\0';
	if (!strcmp(ty, "linear"))
		snprintf(params, psize, "%s 0", backing);
	return 0;
}

int __wrap_dmdev_list(int (*fn)(const char *name, void *arg), void *arg);
int __wrap_dmdev_list(int (*fn)(const char *name, void *arg), void *arg)
{
	SIM_LOCKED;
	const char *root = sim_dm_root();
	if (!root)
		return -ENODEV;
	DIR *d = opendir(root);
	if (!d)
		return -errno;
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 7 || strcmp(de->d_name + n - 6, ".table"))
			continue;
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(n - 6), de->d_name);
		bool exists, ours;
		if (__wrap_dmdev_query(name, &exists, &ours) == 0 && exists && ours)
			rc = fn(name, arg);
	}
	closedir(d);
	return rc;
}

/* A dm node of the simulator (major 253): its uuid and name from the node with that minor; another major
 * can pose as a dm device through <dir>/dm-<maj>:<min>. */
int __wrap_blkdev_dm(unsigned maj, unsigned min, char *uuid, size_t usize, char *name, size_t nsize);
int __wrap_blkdev_dm(unsigned maj, unsigned min, char *uuid, size_t usize, char *name, size_t nsize)
{
	SIM_LOCKED;
	char n[256], u[256] = "";
	if (maj != SIM_DM_MAJOR) {
		char file[64], path[PATH_MAX + 64], line[2][256] = { "", "" };
		snprintf(file, sizeof(file), "dm-%u:%u", maj, min);
		if (sim_dm_path(path, sizeof(path), file, ""))
			return -ENOENT;
		FILE *f = fopen(path, "r");
		if (!f)
			return -ENOENT;
		for (int i = 0; i < 2 && fgets(line[i], sizeof(line[i]), f); i++)
			line[i][strcspn(line[i], "\n")] = '\0';
		fclose(f);
		snprintf(u, sizeof(u), "%s", line[0]);
		snprintf(n, sizeof(n), "%s", line[1]);
	} else if (sim_dm_by_minor(min, n, sizeof(n)) || sim_dm_uuid(n, u, sizeof(u))) {
		return -ENOENT;
	}
	if (uuid)
		snprintf(uuid, usize, "%s", u);
	if (name)
		snprintf(name, nsize, "%s", n);
	return 0;
}

int __wrap_blkdev_identity(unsigned maj, unsigned min, char *ident, size_t size);
int __wrap_blkdev_identity(unsigned maj, unsigned min, char *ident, size_t size)
{
	SIM_LOCKED;
	char file[64], text[300], uuid[256], name[256];
	snprintf(file, sizeof(file), "ident-%u:%u", maj, min);
	if (sim_dm_file(file, text, sizeof(text)) == 0) {
		if (!strcmp(text, "-"))
			return -ENODATA;
		return snprintf(ident, size, "%s", text) >= (int)size ? -ENAMETOOLONG : 0;
	}
	if (maj == SIM_DM_MAJOR) {
		if (__wrap_blkdev_dm(maj, min, uuid, sizeof(uuid), name, sizeof(name)))
			return -ENODEV;
		snprintf(ident, size, uuid[0] ? "dm-uuid:%s" : "dm-name:%s", uuid[0] ? uuid : name);
		return 0;
	}
	if (__wrap_blkdev_dm(maj, min, uuid, sizeof(uuid), name, sizeof(name)) == 0) {
		snprintf(ident, size, uuid[0] ? "dm-uuid:%s" : "dm-name:%s", uuid[0] ? uuid : name);
		return 0;
	}
	snprintf(ident, size, "serial:sim-%u-%u", maj, min);
	return 0;
}

int __wrap_blkdev_claimable(const char *path);
int __wrap_blkdev_claimable(const char *path)
{
	SIM_LOCKED;
	struct stat st;
	char file[64], text[8];
	if (stat(path, &st) < 0)
		return -errno;
	snprintf(file, sizeof(file), "busy-%u:%u", major(st.st_rdev), minor(st.st_rdev));
	return sim_dm_file(file, text, sizeof(text)) == 0 ? -EBUSY : 0;
}
