/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_dm.c: the device-mapper and block-device side of the simulator. Wraps dm/dmdev.h and dm/blkdev.h
 * (-Wl,--wrap=dmdev_*,--wrap=blkdev_size) so the agent's default path (an export on its own dm linear
 * device) runs here, where there is no /dev/mapper/control.
 *
 * State lives in a directory (sim_dm_setup(), or ATTACHD_SIM_DM_DIR for a separate attachd-sim
 * process), so a restarted agent sees the same devices:
 *   <dir>/<name>          the device node (block, major 253)
 *   <dir>/<name>.table    "linear <backing> <sectors>" or "error - <sectors>", the uuid on line two
 *   <dir>/size-<maj>:<min> a block device's size in bytes (default SIM_DM_DEFAULT_SIZE); a dm node's
 *                         size is its backing device's
 * Like the kernel: creating a name that exists is EEXIST; removing one that is gone is ENXIO (dmdev's
 * callers treat it as done); fence and reload need the device.
 */
#include "sim.h"

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

void __wrap_dmdev_init(void (*log)(int prio, const char *msg));
void __wrap_dmdev_init(void (*log)(int prio, const char *msg))
{
	(void)log;
}

int __wrap_dmdev_node(const char *name, char *buf, size_t size);
int __wrap_dmdev_node(const char *name, char *buf, size_t size)
{
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

int __wrap_blkdev_size(const char *path, uint64_t *bytes);
int __wrap_blkdev_size(const char *path, uint64_t *bytes)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	if (major(st.st_rdev) == SIM_DM_MAJOR) {
		char table[PATH_MAX + 16];
		const char *slash = strrchr(path, '/');
		int rc = sim_dm_table(slash ? slash + 1 : path, table, sizeof(table));
		if (rc)
			return rc;
		char type[16], backing[PATH_MAX];
		uint64_t sectors;
		if (sim_dm_parse(table, type, backing, &sectors))
			return -EIO;
		*bytes = sectors * 512;
		return 0;
	}
	char name[64], file[PATH_MAX + 64];
	snprintf(name, sizeof(name), "size-%u:%u", major(st.st_rdev), minor(st.st_rdev));
	*bytes = SIM_DM_DEFAULT_SIZE;
	if (sim_dm_path(file, sizeof(file), name, "") == 0) {
		FILE *f = fopen(file, "r");
		if (f) {
			if (fscanf(f, "%" SCNu64, bytes) != 1)
				*bytes = SIM_DM_DEFAULT_SIZE;
			fclose(f);
		}
	}
	return 0;
}

int __wrap_dmdev_query(const char *name, bool *exists, bool *ours);
int __wrap_dmdev_query(const char *name, bool *exists, bool *ours)
{
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

int __wrap_dmdev_create_linear(const char *name, const char *uuid, const char *backing, uint64_t want);
int __wrap_dmdev_create_linear(const char *name, const char *uuid, const char *backing, uint64_t want)
{
	char node[PATH_MAX], line[PATH_MAX + 16];
	uint64_t bytes;
	bool exists, ours;
	int rc = __wrap_dmdev_query(name, &exists, &ours);
	if (!rc && exists)
		return -EEXIST;
	if (!rc)
		rc = __wrap_blkdev_size(backing, &bytes);
	if (!rc && want > bytes / 512)
		rc = -EINVAL; /* more than the device has */
	if (!rc)
		rc = sim_dm_path(node, sizeof(node), name, "");
	if (rc)
		return rc;
	unlink(node); /* a stale node of a removed device */
	if (mknod(node, S_IFBLK | 0600, makedev(SIM_DM_MAJOR, sim_dm_minor(name))) < 0)
		return -errno;
	snprintf(line, sizeof(line), "linear %s %" PRIu64, backing, want ? want : bytes / 512);
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

int __wrap_dmdev_reload_linear(const char *name, const char *backing, uint64_t want);
int __wrap_dmdev_reload_linear(const char *name, const char *backing, uint64_t want)
{
	char uuid[256], line[PATH_MAX + 32];
	uint64_t bytes;
	int rc = sim_dm_uuid(name, uuid, sizeof(uuid));
	if (!rc)
		rc = __wrap_blkdev_size(backing, &bytes);
	if (!rc && want > bytes / 512)
		rc = -EINVAL;
	if (rc)
		return rc;
	snprintf(line, sizeof(line), "linear %s %" PRIu64, backing, want ? want : bytes / 512);
	return sim_dm_set_table(name, line, uuid);
}

int sim_dm_state(const char *name, char *buf, size_t size)
{
	return sim_dm_table(name, buf, size);
}

int __wrap_dmdev_table(const char *name, char *type, size_t tsize, char *params, size_t psize, uint64_t *sectors);
int __wrap_dmdev_table(const char *name, char *type, size_t tsize, char *params, size_t psize, uint64_t *sectors)
{
	char line[PATH_MAX + 32], ty[16], backing[PATH_MAX];
	int rc = sim_dm_table(name, line, sizeof(line));
	if (!rc)
		rc = sim_dm_parse(line, ty, backing, sectors);
	if (rc)
		return rc;
	snprintf(type, tsize, "%s", ty);
	/* the kernel shows linear parameters as "<maj>:<min> <offset>" */
	params[0] = '\0';
	struct stat st;
	if (!strcmp(ty, "linear") && stat(backing, &st) == 0)
		snprintf(params, psize, "%u:%u 0", major(st.st_rdev), minor(st.st_rdev));
	return 0;
}

int __wrap_dmdev_list(int (*fn)(const char *name, void *arg), void *arg);
int __wrap_dmdev_list(int (*fn)(const char *name, void *arg), void *arg)
{
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

/* A dm node of the simulator (major 253): its uuid from the table file of the node with that minor. */
int __wrap_blkdev_dm_uuid(unsigned maj, unsigned min, char *uuid, size_t size);
int __wrap_blkdev_dm_uuid(unsigned maj, unsigned min, char *uuid, size_t size)
{
	const char *root = sim_dm_root();
	if (maj != SIM_DM_MAJOR || !root)
		return -ENOENT;
	DIR *d = opendir(root);
	if (!d)
		return -ENOENT;
	int rc = -ENOENT;
	struct dirent *de;
	while (rc == -ENOENT && (de = readdir(d))) {
		char node[PATH_MAX];
		struct stat st;
		if (snprintf(node, sizeof(node), "%s/%s", root, de->d_name) >= (int)sizeof(node) || stat(node, &st) < 0 ||
		    !S_ISBLK(st.st_mode) || minor(st.st_rdev) != min)
			continue;
		rc = sim_dm_uuid(de->d_name, uuid, size);
	}
	closedir(d);
	return rc;
}
