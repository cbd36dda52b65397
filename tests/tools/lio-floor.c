/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lio-floor.c: the floor of an iSCSI export, for make bench's restore and storm scenarios: N exports
 * built (and torn down) the way attachd does it (the same objects, values and order; docs/KERNEL.md,
 * 'Object order'), by a minimal C loop: one device-mapper create or remove through libdevmapper, then
 * mkdir, open/write/close, symlink, unlink and rmdir on configfs, and nothing else: no records, no
 * reads, no checks, no rollback.
 *
 *   lio-floor [-t THREADS] [-o FIRST] IQN-PREFIX DEVFMT N [PORTAL]     build
 *   lio-floor -d [-t THREADS] [-o FIRST] IQN-PREFIX N [PORTAL]         tear down what the build made
 *
 * -o FIRST numbers the exports from FIRST (default 0), so that a second set can be built beside a
 * first one (the same storage object HBA): the cost of one more export with K already live. The
 * teardown removes the HBA directory only when it is left empty.
 *
 * Export i: dm device floor-<i> (uuid FLOOR-<i>, linear over DEVFMT with i, a printf format), storage
 * object core/iblock_990/floor<i> on it with a serial, target IQN-PREFIX:<i> with tpgt_1 (CHAP, no
 * generated ACLs, no discovery without an ACL), LUN 0 linked to the storage object, the ACL of
 * iqn.2004-10.org.example:restore-<i> with CHAP credentials and mapped LUN 0, the portal (default
 * 127.0.0.1:3260), enable. With -t, THREADS threads share the exports (export i goes to thread
 * i % THREADS), so that the kernel's waits of different exports may overlap; device-mapper calls are
 * serialised (libdevmapper is not thread-safe). Prints "floor: N exports in T ms (t ms each)" (or
 * "floor: N teardowns in ..."), then the time of each step summed over all exports ("step: name
 * total ms, mean ms"; with threads the sum of the threads' times, which may exceed the wall time);
 * exit 1 at the first failure, naming it. The build leaves everything in place.
 */
#include <errno.h>
#include <fcntl.h>
#include <libdevmapper.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define CORE "/sys/kernel/config/target/core/iblock_990"
#define ISCSI "/sys/kernel/config/target/iscsi"
#define FLOOR_THREADS_MAX 64

/* the steps timed, in build order; a teardown undoes them from the last */
enum floor_step { ST_DM, ST_SO, ST_TARGET, ST_LUN, ST_ACL, ST_MAPPED, ST_PORTAL, ST_ENABLE, ST_N };
static const char *const floor_step_name[ST_N] = {
	[ST_DM] = "dm device", [ST_SO] = "storage object", [ST_TARGET] = "target, tpgt_1, attributes",
	[ST_LUN] = "LUN and its link", [ST_ACL] = "ACL and CHAP", [ST_MAPPED] = "mapped LUN and its link",
	[ST_PORTAL] = "portal", [ST_ENABLE] = "enable",
};

struct floor_job {
	pthread_t tid;
	int first, step, n; /* exports first, first + step, ... below n */
	const char *prefix, *devfmt, *portal;
	double ms[ST_N];
	int rc;
};

static pthread_mutex_t floor_dm_lock = PTHREAD_MUTEX_INITIALIZER;

static double floor_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int floor_fail(const char *what, const char *path)
{
	fprintf(stderr, "lio-floor: %s %s: %s\n", what, path, strerror(errno));
	return -1;
}

static int floor_mkdir(const char *path)
{
	return mkdir(path, 0755) && errno != EEXIST ? floor_fail("mkdir", path) : 0;
}

static int floor_rmdir(const char *path)
{
	return rmdir(path) ? floor_fail("rmdir", path) : 0;
}

static int floor_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return floor_fail("open", path);
	ssize_t n = write(fd, val, strlen(val));
	int err = errno;
	close(fd);
	errno = err;
	return n < 0 ? floor_fail("write", path) : 0;
}

static int floor_link(const char *target, const char *link)
{
	return symlink(target, link) ? floor_fail("symlink", link) : 0;
}

static int floor_unlink(const char *link)
{
	return unlink(link) ? floor_fail("unlink", link) : 0;
}

static int floor_dm_run(struct dm_task *t)
{
	/* as attachd's dm/dmdev.c: no udev rules; libdevmapper makes or removes the node when the
	 * cookie is waited on */
	uint32_t cookie = 0;
	int ok = dm_task_set_cookie(t, &cookie, DM_UDEV_DISABLE_DM_RULES_FLAG | DM_UDEV_DISABLE_SUBSYSTEM_RULES_FLAG |
							DM_UDEV_DISABLE_DISK_RULES_FLAG | DM_UDEV_DISABLE_OTHER_RULES_FLAG) &&
		 dm_task_run(t);
	dm_udev_wait(cookie);
	return ok;
}

/* floor-<i>: linear over the whole of @dev */
static int floor_dm(int i, const char *dev)
{
	char name[32], uuid[32], params[64];
	struct stat st;
	uint64_t bytes = 0;
	int fd = open(dev, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) || ioctl(fd, BLKGETSIZE64, &bytes)) {
		if (fd >= 0)
			close(fd);
		return floor_fail("size of", dev);
	}
	close(fd);
	snprintf(name, sizeof(name), "floor-%d", i);
	snprintf(uuid, sizeof(uuid), "FLOOR-%d", i);
	snprintf(params, sizeof(params), "%u:%u 0", major(st.st_rdev), minor(st.st_rdev));
	pthread_mutex_lock(&floor_dm_lock);
	struct dm_task *t = dm_task_create(DM_DEVICE_CREATE);
	int ok = t && dm_task_set_name(t, name) && dm_task_set_uuid(t, uuid) &&
		 dm_task_add_target(t, 0, bytes >> 9, "linear", params) && floor_dm_run(t);
	if (t)
		dm_task_destroy(t);
	pthread_mutex_unlock(&floor_dm_lock);
	errno = ok ? 0 : EIO;
	return ok ? 0 : floor_fail("dm create", name);
}

static int floor_dm_remove(int i)
{
	char name[32];
	snprintf(name, sizeof(name), "floor-%d", i);
	pthread_mutex_lock(&floor_dm_lock);
	struct dm_task *t = dm_task_create(DM_DEVICE_REMOVE);
	int ok = t && dm_task_set_name(t, name) && floor_dm_run(t);
	if (t)
		dm_task_destroy(t);
	pthread_mutex_unlock(&floor_dm_lock);
	errno = ok ? 0 : EIO;
	return ok ? 0 : floor_fail("dm remove", name);
}

/* the names of export @i */
struct floor_names {
	char so[128], tgt[256], tpg[320], ini[64];
};

static void floor_names(struct floor_names *nm, const char *prefix, int i)
{
	snprintf(nm->so, sizeof(nm->so), CORE "/floor%d", i);
	snprintf(nm->tgt, sizeof(nm->tgt), ISCSI "/%s:%d", prefix, i);
	snprintf(nm->tpg, sizeof(nm->tpg), "%s/tpgt_1", nm->tgt);
	snprintf(nm->ini, sizeof(nm->ini), "iqn.2004-10.org.example:restore-%d", i);
}

static int floor_build_step(enum floor_step st, const struct floor_names *nm, int i, const char *dev,
			    const char *portal)
{
	char p[512], q[600], v[128];
	switch (st) {
	case ST_DM: return floor_dm(i, dev);
	case ST_SO:
		if (floor_mkdir(nm->so))
			return -1;
		snprintf(p, sizeof(p), "%s/control", nm->so);
		snprintf(v, sizeof(v), "udev_path=/dev/mapper/floor-%d", i);
		if (floor_write(p, v))
			return -1;
		snprintf(p, sizeof(p), "%s/udev_path", nm->so);
		if (floor_write(p, v + strlen("udev_path=")))
			return -1;
		snprintf(p, sizeof(p), "%s/enable", nm->so);
		if (floor_write(p, "1"))
			return -1;
		snprintf(p, sizeof(p), "%s/wwn/vpd_unit_serial", nm->so);
		snprintf(v, sizeof(v), "f100f100-0000-4000-8000-%012d", i);
		return floor_write(p, v);
	case ST_TARGET: {
		if (floor_mkdir(nm->tgt) || floor_mkdir(nm->tpg))
			return -1;
		static const char *const attrs[][2] = {
			{ "attrib/authentication", "1" },
			{ "attrib/generate_node_acls", "0" },
			{ "attrib/demo_mode_discovery", "0" },
		};
		for (size_t a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++) {
			snprintf(p, sizeof(p), "%s/%s", nm->tpg, attrs[a][0]);
			if (floor_write(p, attrs[a][1]))
				return -1;
		}
		return 0;
	}
	case ST_LUN:
		snprintf(p, sizeof(p), "%s/lun/lun_0", nm->tpg);
		snprintf(q, sizeof(q), "%s/lun/lun_0/attachd", nm->tpg);
		return floor_mkdir(p) || floor_link(nm->so, q) ? -1 : 0;
	case ST_ACL:
		snprintf(p, sizeof(p), "%s/acls/%s", nm->tpg, nm->ini);
		if (floor_mkdir(p))
			return -1;
		snprintf(p, sizeof(p), "%s/acls/%s/auth/userid", nm->tpg, nm->ini);
		snprintf(v, sizeof(v), "floor%08d", i);
		if (floor_write(p, v))
			return -1;
		snprintf(p, sizeof(p), "%s/acls/%s/auth/password", nm->tpg, nm->ini);
		snprintf(v, sizeof(v), "fl00rPassw0rd%04d", i % 10000);
		return floor_write(p, v);
	case ST_MAPPED:
		snprintf(p, sizeof(p), "%s/acls/%s/lun_0", nm->tpg, nm->ini);
		if (floor_mkdir(p))
			return -1;
		snprintf(p, sizeof(p), "%s/lun/lun_0", nm->tpg);
		snprintf(q, sizeof(q), "%s/acls/%s/lun_0/attachd", nm->tpg, nm->ini);
		return floor_link(p, q);
	case ST_PORTAL:
		snprintf(p, sizeof(p), "%s/np/%s", nm->tpg, portal);
		return floor_mkdir(p);
	case ST_ENABLE:
		snprintf(p, sizeof(p), "%s/enable", nm->tpg);
		return floor_write(p, "1");
	case ST_N: break;
	}
	return -1;
}

static int floor_teardown_step(enum floor_step st, const struct floor_names *nm, int i, const char *portal)
{
	char p[512], q[600];
	switch (st) {
	case ST_ENABLE:
		snprintf(p, sizeof(p), "%s/enable", nm->tpg);
		return floor_write(p, "0");
	case ST_PORTAL:
		snprintf(p, sizeof(p), "%s/np/%s", nm->tpg, portal);
		return floor_rmdir(p);
	case ST_MAPPED:
		snprintf(p, sizeof(p), "%s/acls/%s/lun_0", nm->tpg, nm->ini);
		snprintf(q, sizeof(q), "%s/attachd", p);
		return floor_unlink(q) || floor_rmdir(p) ? -1 : 0;
	case ST_ACL:
		snprintf(p, sizeof(p), "%s/acls/%s", nm->tpg, nm->ini);
		return floor_rmdir(p);
	case ST_LUN:
		snprintf(p, sizeof(p), "%s/lun/lun_0", nm->tpg);
		snprintf(q, sizeof(q), "%s/attachd", p);
		return floor_unlink(q) || floor_rmdir(p) ? -1 : 0;
	case ST_TARGET: return floor_rmdir(nm->tpg) || floor_rmdir(nm->tgt) ? -1 : 0;
	case ST_SO: return floor_rmdir(nm->so);
	case ST_DM: return floor_dm_remove(i);
	case ST_N: break;
	}
	return -1;
}

/* attachd's teardown order (docs/KERNEL.md): mapped LUN, ACL, disable, portal, LUN, target, storage
 * object, dm device */
static const enum floor_step floor_teardown_order[ST_N] = { ST_MAPPED, ST_ACL, ST_ENABLE, ST_PORTAL,
							    ST_LUN, ST_TARGET, ST_SO, ST_DM };
static bool floor_down;

static void *floor_job_run(void *arg)
{
	struct floor_job *j = arg;
	for (int i = j->first; i < j->n; i += j->step) {
		struct floor_names nm;
		char dev[256] = "";
		floor_names(&nm, j->prefix, i);
		if (!floor_down) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			snprintf(dev, sizeof(dev), j->devfmt, i);
#pragma GCC diagnostic pop
		}
		for (int k = 0; k < ST_N; k++) {
			enum floor_step st = floor_down ? floor_teardown_order[k] : (enum floor_step)k;
			if ((unsigned)st >= ST_N) { /* never: the order holds steps only (tells gcc -Os so) */
				j->rc = 1;
				return NULL;
			}
			double t0 = floor_now();
			int rc = floor_down ? floor_teardown_step(st, &nm, i, j->portal)
					    : floor_build_step(st, &nm, i, dev, j->portal);
			j->ms[st] += floor_now() - t0;
			if (rc) {
				j->rc = 1;
				return NULL;
			}
		}
	}
	return NULL;
}

static int floor_usage(void)
{
	fprintf(stderr, "usage: lio-floor [-t THREADS] [-o FIRST] IQN-PREFIX DEVFMT N [PORTAL]\n"
			"       lio-floor -d [-t THREADS] [-o FIRST] IQN-PREFIX N [PORTAL]\n");
	return 2;
}

int main(int argc, char **argv)
{
	int threads = 1, first = 0, opt;
	while ((opt = getopt(argc, argv, "dt:o:")) != -1) {
		if (opt == 'd')
			floor_down = true;
		else if (opt == 't')
			threads = atoi(optarg);
		else if (opt == 'o')
			first = atoi(optarg);
		else
			return floor_usage();
	}
	argc -= optind;
	argv += optind;
	int fixed = floor_down ? 2 : 3;
	int n = argc >= fixed ? atoi(argv[fixed - 1]) : 0;
	if (n < 1 || first < 0 || argc > fixed + 1 || threads < 1 || threads > FLOOR_THREADS_MAX)
		return floor_usage();
	const char *portal = argc == fixed + 1 ? argv[fixed] : "127.0.0.1:3260";
	if (access("/run/udev/control", F_OK)) { /* no udevd: libdevmapper makes the nodes, as for attachd */
		setenv("DM_DISABLE_UDEV", "1", 1);
		dm_udev_set_sync_support(0);
	}
	double t0 = floor_now();
	/* target/iscsi appears on its mkdir, as attachd makes it */
	if (!floor_down && (floor_mkdir(ISCSI) || floor_mkdir(CORE)))
		return 1;
	static struct floor_job jobs[FLOOR_THREADS_MAX];
	for (int t = 0; t < threads; t++) {
		jobs[t] = (struct floor_job){ .first = first + t, .step = threads, .n = first + n, .prefix = argv[0],
					      .devfmt = floor_down ? NULL : argv[1], .portal = portal };
		if (threads == 1)
			floor_job_run(&jobs[t]);
		else if (pthread_create(&jobs[t].tid, NULL, floor_job_run, &jobs[t])) {
			fprintf(stderr, "lio-floor: cannot start thread %d\n", t);
			return 1;
		}
	}
	int rc = 0;
	double ms[ST_N] = { 0 };
	for (int t = 0; t < threads; t++) {
		if (threads > 1)
			pthread_join(jobs[t].tid, NULL);
		rc |= jobs[t].rc;
		for (int k = 0; k < ST_N; k++)
			ms[k] += jobs[t].ms[k];
	}
	if (!rc && floor_down && rmdir(CORE) && errno != ENOTEMPTY)
		rc = floor_fail("rmdir", CORE) ? 1 : 0;
	double wall = floor_now() - t0;
	if (rc)
		return 1;
	printf("floor: %d %s in %.0f ms (%.2f ms each), %d thread%s\n", n, floor_down ? "teardowns" : "exports", wall,
	       wall / n, threads, threads > 1 ? "s" : "");
	for (int k = 0; k < ST_N; k++) {
		enum floor_step st = floor_down ? floor_teardown_order[k] : (enum floor_step)k;
		printf("step: %-28s %9.1f ms, %7.2f ms each\n", floor_step_name[st], ms[st], ms[st] / n);
	}
	return 0;
}
