/* SPDX-License-Identifier: Apache-2.0 */
/* dmdev.c: device-mapper tasks for attachd's linear devices (see dmdev.h; docs/KERNEL.md, 'Device-mapper'). */
#include "dmdev.h"

#include "blkdev.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdevmapper.h>
#include <pthread.h>

/* No udev rules run for our devices: libdevmapper makes and removes the nodes itself. */
#define DMDEV_UDEV_FLAGS (DM_UDEV_DISABLE_DM_RULES_FLAG | DM_UDEV_DISABLE_SUBSYSTEM_RULES_FLAG | \
			  DM_UDEV_DISABLE_DISK_RULES_FLAG | DM_UDEV_DISABLE_OTHER_RULES_FLAG)

static void (*dmdev_log)(int prio, const char *msg);

/* libdevmapper is not thread-safe (its control fd, udev and log state are global), and the agent's calls
 * on different volumes run in threads of their own: one task at a time. Recursive: dmdev_list asks
 * dmdev_query, and its callback may use the others. DMDEV_LOCKED holds it to the end of the scope. */
static pthread_mutex_t dmdev_mutex = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static pthread_mutex_t *dmdev_lock(void)
{
	pthread_mutex_lock(&dmdev_mutex);
	return &dmdev_mutex;
}

static void dmdev_unlock(pthread_mutex_t **m)
{
	pthread_mutex_unlock(*m);
}

#define DMDEV_LOCKED pthread_mutex_t *dmdev_held_ __attribute__((cleanup(dmdev_unlock), unused)) = dmdev_lock()

__attribute__((format(printf, 5, 6)))
static void dmdev_log_fn(int level, const char *file, int line, int dm_errno_or_class, const char *f, ...)
{
	(void)file;
	(void)line;
	(void)dm_errno_or_class;
	if (!dmdev_log || level > 4) /* errors and warnings only: libdevmapper is chatty */
		return;
	char msg[512];
	va_list ap;
	va_start(ap, f);
	vsnprintf(msg, sizeof(msg), f, ap);
	va_end(ap);
	dmdev_log(level, msg);
}

void dmdev_init(void (*log)(int prio, const char *msg))
{
	dmdev_log = log;
	dm_log_with_errno_init(dmdev_log_fn);
	/* without udevd nobody would answer a cookie: let libdevmapper do the nodes synchronously */
	if (access("/run/udev/control", F_OK) != 0) {
		setenv("DM_DISABLE_UDEV", "1", 1);
		dm_udev_set_sync_support(0);
	}
}

int dmdev_node(const char *name, char *buf, size_t size)
{
	DMDEV_LOCKED;
	int n = snprintf(buf, size, "%s/%s", dm_dir(), name);
	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

/* Run @t and give the kernel's errno on failure; waits for udev if a cookie was set. */
static int dmdev_run(struct dm_task *t, bool cookie)
{
	uint32_t c = 0;
	if (cookie && !dm_task_set_cookie(t, &c, DMDEV_UDEV_FLAGS))
		return -ENOMEM;
	int ok = dm_task_run(t);
	int err = ok ? 0 : dm_task_get_errno(t);
	if (cookie)
		dm_udev_wait(c);
	if (ok)
		return 0;
	return err > 0 ? -err : -EIO;
}

/* "<maj>:<min> 0" for the backing device, and the sectors to map: @want, or all of it when 0. */
static int dmdev_backing(unsigned maj, unsigned min, char *dev, size_t size, uint64_t want, uint64_t *sectors)
{
	uint64_t bytes = 0;
	int rc = blkdev_size_dev(maj, min, &bytes);
	if (rc)
		return rc;
	if (bytes < 512 || want > bytes / 512)
		return -EINVAL;
	*sectors = want ? want : bytes / 512;
	snprintf(dev, size, "%u:%u 0", maj, min);
	return 0;
}

int dmdev_create_linear(const char *name, const char *uuid, unsigned maj, unsigned min, uint64_t want)
{
	DMDEV_LOCKED;
	char params[64];
	uint64_t sectors;
	int rc = dmdev_backing(maj, min, params, sizeof(params), want, &sectors);
	if (rc)
		return rc;
	struct dm_task *t = dm_task_create(DM_DEVICE_CREATE);
	if (!t)
		return -ENOMEM;
	if (!dm_task_set_name(t, name) || !dm_task_set_uuid(t, uuid) ||
	    !dm_task_add_target(t, 0, sectors, "linear", params))
		rc = -ENOMEM;
	else
		rc = dmdev_run(t, true); /* create + load + resume; libdevmapper undoes a partial create */
	dm_task_destroy(t);
	return rc;
}

int dmdev_remove(const char *name)
{
	DMDEV_LOCKED;
	bool exists, ours;
	int rc = dmdev_query(name, &exists, &ours);
	if (rc || !exists)
		return rc;
	if (!ours)
		return -EPERM;
	struct dm_task *t = dm_task_create(DM_DEVICE_REMOVE);
	if (!t)
		return -ENOMEM;
	if (!dm_task_set_name(t, name) || !dm_task_retry_remove(t))
		rc = -ENOMEM;
	else
		rc = dmdev_run(t, true);
	dm_task_destroy(t);
	return rc == -ENXIO ? 0 : rc;
}

/* Load @type/@params over @sectors into the inactive table, then resume to swap it in. */
static int dmdev_swap(const char *name, uint64_t sectors, const char *type, const char *params)
{
	struct dm_task *t = dm_task_create(DM_DEVICE_RELOAD);
	if (!t)
		return -ENOMEM;
	int rc = (!dm_task_set_name(t, name) || !dm_task_add_target(t, 0, sectors, type, params)) ? -ENOMEM
		: dmdev_run(t, false);
	dm_task_destroy(t);
	if (rc)
		return rc;
	t = dm_task_create(DM_DEVICE_RESUME);
	if (!t)
		return -ENOMEM;
	rc = dm_task_set_name(t, name) ? dmdev_run(t, true) : -ENOMEM;
	dm_task_destroy(t);
	return rc;
}

int dmdev_fence(const char *name)
{
	DMDEV_LOCKED;
	char type[32], params[128];
	uint64_t sectors;
	int rc = dmdev_table(name, type, sizeof(type), params, sizeof(params), &sectors);
	if (!rc && !sectors)
		rc = -ENXIO;
	return rc ? rc : dmdev_swap(name, sectors, "error", "");
}

int dmdev_reload_linear(const char *name, unsigned maj, unsigned min, uint64_t want)
{
	DMDEV_LOCKED;
	char params[64];
	uint64_t sectors;
	int rc = dmdev_backing(maj, min, params, sizeof(params), want, &sectors);
	return rc ? rc : dmdev_swap(name, sectors, "linear", params);
}

int dmdev_query(const char *name, bool *exists, bool *ours)
{
	DMDEV_LOCKED;
	*exists = *ours = false;
	struct dm_task *t = dm_task_create(DM_DEVICE_INFO);
	if (!t)
		return -ENOMEM;
	struct dm_info info;
	int rc = dm_task_set_name(t, name) ? dmdev_run(t, false) : -ENOMEM;
	if (!rc && !dm_task_get_info(t, &info))
		rc = -EIO;
	if (!rc && info.exists) {
		const char *uuid = dm_task_get_uuid(t);
		*exists = true;
		*ours = uuid && !strncmp(uuid, DMDEV_UUID_PREFIX, strlen(DMDEV_UUID_PREFIX));
	}
	dm_task_destroy(t);
	return rc;
}

int dmdev_table(const char *name, char *type, size_t tsize, char *params, size_t psize, uint64_t *sectors)
{
	DMDEV_LOCKED;
	struct dm_task *t = dm_task_create(DM_DEVICE_TABLE);
	if (!t)
		return -ENOMEM;
	int rc = dm_task_set_name(t, name) ? dmdev_run(t, false) : -ENOMEM;
	*sectors = 0;
	if (!rc) {
		void *next = NULL;
		bool first = true;
		do {
			uint64_t start, length;
			char *ty = NULL, *pa = NULL;
			next = dm_get_next_target(t, next, &start, &length, &ty, &pa);
			if (first) {
				snprintf(type, tsize, "%s", ty ? ty : "");
				snprintf(params, psize, "%s", pa ? pa : "");
				first = false;
			}
			*sectors += length;
		} while (next);
	}
	dm_task_destroy(t);
	return rc;
}

int dmdev_list(int (*fn)(const char *name, void *arg), void *arg)
{
	DMDEV_LOCKED;
	struct dm_task *t = dm_task_create(DM_DEVICE_LIST);
	if (!t)
		return -ENOMEM;
	int rc = dmdev_run(t, false);
	struct dm_names *names = rc ? NULL : dm_task_get_names(t);
	if (!rc && !names)
		rc = -EIO;
	if (!rc && names->dev) {
		for (struct dm_names *n = names;; n = (struct dm_names *)((char *)n + n->next)) {
			bool exists, ours;
			/* the name is only a hint: the uuid says whether it is ours */
			if (!strncmp(n->name, DMDEV_NAME_PREFIX, strlen(DMDEV_NAME_PREFIX)) &&
			    dmdev_query(n->name, &exists, &ours) == 0 && exists && ours)
				rc = fn(n->name, arg);
			if (rc || !n->next)
				break;
		}
	}
	dm_task_destroy(t);
	return rc;
}
