/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_dmdev.c: attachd's device-mapper devices (dm/dmdev.c) against a fake libdevmapper.
 *
 * Unit binaries link the simulator's dmdev_* (tests/sim/sim_dm.c, -Wl,--wrap= from the Makefile's
 * SIM_WRAPS); the real functions are reached here as __real_<name>. Their one question to blkdev.c, the
 * size of the backing device, still goes to the simulator, whose sizes sim_dm_set_size() sets.
 *
 * libdevmapper is replaced by a fake: every dm_* function dmdev.c calls is defined below as __wrap_dm_...,
 * which the Makefile turns into link wraps. The fake has a table of the devices the "kernel" has, failures
 * scripted per task and call, and a log of every call in order. Tests assert the exact log (the task
 * types, names, uuids, the table lines given to dm_task_add_target(), the udev cookies with their flags,
 * the waits, and that every task is destroyed) and the negative errno each failure gives.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>
#include <libdevmapper.h>

#include "dmdev.h"
#include "scratch.h"
#include "sim.h"
#include "unit_main.h"

#define NAME DMDEV_NAME_PREFIX "0b6e5bd6"
#define UUID DMDEV_UUID_PREFIX "0b6e5bd6"
#define GIB (1ull << 30)

/* the real functions behind the simulator's wraps */
void __real_dmdev_init(void (*log)(int prio, const char *msg));
int __real_dmdev_node(const char *name, char *buf, size_t size);
int __real_dmdev_create_linear(const char *name, const char *uuid, unsigned maj, unsigned min, uint64_t sectors);
int __real_dmdev_remove(const char *name);
int __real_dmdev_fence(const char *name);
int __real_dmdev_reload_linear(const char *name, unsigned maj, unsigned min, uint64_t sectors);
int __real_dmdev_query(const char *name, bool *exists, bool *ours);
int __real_dmdev_table(const char *name, char *type, size_t tsize, char *params, size_t psize, uint64_t *sectors);
int __real_dmdev_list(int (*fn)(const char *name, void *arg), void *arg);

/* ------------------------------------------------------------------------------------------------ */
/* the fake libdevmapper */

struct tgt {
	uint64_t start, len;
	const char *type, *params;
};

struct dev {
	const char *name, *uuid; /* uuid "" or NULL: none */
	struct tgt t[2];
	int n_t;
};

/* A scripted failure: call @op ("create", "name", "run", ...) of task @task fails; for "run" with @err
 * as dm_task_get_errno()'s answer. */
struct rule {
	int task;
	const char *op;
	int err;
};

struct dm_task {
	int n; /* 1, 2, ... in the order of creation */
	int type;
	char name[DMDEV_NAME_MAX + 1];
	int err;
	char names[1024] __attribute__((aligned(8))); /* dm_task_get_names()'s answer */
};

static struct {
	struct dev devs[8];
	int n_devs;
	struct rule rules[4];
	int n_tasks, live;
	char log[8192];
	void (*dm_log)(int level, const char *file, int line, int e, const char *f, ...);
	int sync_support;
	int udev_running; /* what access("/run/udev/control") says */
} dm;

static void dm_reset(void)
{
	memset(&dm, 0, sizeof(dm));
	dm.sync_support = -1;
}

__attribute__((format(printf, 2, 3)))
static void dm_logf(const struct dm_task *t, const char *fmt, ...)
{
	size_t len = strlen(dm.log);
	va_list ap;
	len += (size_t)snprintf(dm.log + len, sizeof(dm.log) - len, "%d ", t ? t->n : 0);
	va_start(ap, fmt);
	len += (size_t)vsnprintf(dm.log + len, sizeof(dm.log) - len, fmt, ap);
	va_end(ap);
	snprintf(dm.log + len, sizeof(dm.log) - len, "\n");
}


static void dm_fail(int task, const char *op, int err)
{
	for (size_t i = 0; i < sizeof(dm.rules) / sizeof(dm.rules[0]); i++)
		if (!dm.rules[i].op) {
			dm.rules[i] = (struct rule){ task, op, err };
			return;
		}
	fail_msg("too many rules");
}

/* Does call @op of task @n fail? A rule that matches is used up; *@err gets its errno. */
static bool dm_fails(int n, const char *op, int *err)
{
	for (size_t i = 0; i < sizeof(dm.rules) / sizeof(dm.rules[0]); i++) {
		struct rule *r = &dm.rules[i];
		if (r->op && r->task == n && !strcmp(r->op, op)) {
			if (err)
				*err = r->err;
			r->op = NULL;
			return true;
		}
	}
	return false;
}

static void dm_add(const char *name, const char *uuid, uint64_t len, const char *type, const char *params)
{
	assert_true(dm.n_devs < (int)(sizeof(dm.devs) / sizeof(dm.devs[0])));
	dm.devs[dm.n_devs++] = (struct dev){ name, uuid, { { 0, len, type, params } }, len ? 1 : 0 };
}

static const struct dev *dm_find(const char *name)
{
	for (int i = 0; i < dm.n_devs; i++)
		if (!strcmp(dm.devs[i].name, name))
			return &dm.devs[i];
	return NULL;
}

static const char *dm_type_name(int type)
{
	switch (type) {
	case DM_DEVICE_CREATE: return "CREATE";
	case DM_DEVICE_RELOAD: return "RELOAD";
	case DM_DEVICE_REMOVE: return "REMOVE";
	case DM_DEVICE_RESUME: return "RESUME";
	case DM_DEVICE_INFO: return "INFO";
	case DM_DEVICE_TABLE: return "TABLE";
	case DM_DEVICE_LIST: return "LIST";
	default: return "OTHER";
	}
}

struct dm_task *__wrap_dm_task_create(int type);
struct dm_task *__wrap_dm_task_create(int type)
{
	struct dm_task probe = { .n = ++dm.n_tasks };
	dm_logf(&probe, "create %s", dm_type_name(type));
	if (dm_fails(probe.n, "create", NULL))
		return NULL;
	struct dm_task *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	t->n = probe.n;
	t->type = type;
	dm.live++;
	return t;
}

void __wrap_dm_task_destroy(struct dm_task *t);
void __wrap_dm_task_destroy(struct dm_task *t)
{
	dm_logf(t, "destroy");
	dm.live--;
	free(t);
}

int __wrap_dm_task_set_name(struct dm_task *t, const char *name);
int __wrap_dm_task_set_name(struct dm_task *t, const char *name)
{
	dm_logf(t, "name %s", name);
	snprintf(t->name, sizeof(t->name), "%s", name);
	return !dm_fails(t->n, "name", NULL);
}

int __wrap_dm_task_set_uuid(struct dm_task *t, const char *uuid);
int __wrap_dm_task_set_uuid(struct dm_task *t, const char *uuid)
{
	dm_logf(t, "uuid %s", uuid);
	return !dm_fails(t->n, "uuid", NULL);
}

int __wrap_dm_task_add_target(struct dm_task *t, uint64_t start, uint64_t size, const char *ttype, const char *params);
int __wrap_dm_task_add_target(struct dm_task *t, uint64_t start, uint64_t size, const char *ttype, const char *params)
{
	dm_logf(t, "target %" PRIu64 " %" PRIu64 " %s \"%s\"", start, size, ttype, params);
	return !dm_fails(t->n, "target", NULL);
}

int __wrap_dm_task_set_cookie(struct dm_task *t, uint32_t *cookie, uint16_t flags);
int __wrap_dm_task_set_cookie(struct dm_task *t, uint32_t *cookie, uint16_t flags)
{
	dm_logf(t, "cookie %#x", flags);
	if (dm_fails(t->n, "cookie", NULL))
		return 0;
	*cookie = 1000 + (uint32_t)t->n;
	return 1;
}

int __wrap_dm_task_retry_remove(struct dm_task *t);
int __wrap_dm_task_retry_remove(struct dm_task *t)
{
	dm_logf(t, "retry_remove");
	return !dm_fails(t->n, "retry_remove", NULL);
}

int __wrap_dm_task_run(struct dm_task *t);
int __wrap_dm_task_run(struct dm_task *t)
{
	dm_logf(t, "run");
	return !dm_fails(t->n, "run", &t->err);
}

int __wrap_dm_task_get_errno(struct dm_task *t);
int __wrap_dm_task_get_errno(struct dm_task *t)
{
	dm_logf(t, "errno");
	return t->err;
}

/* The cookie names its task: "<n> wait" (a cookie the fake did not give: "0 wait <cookie>"). */
int __wrap_dm_udev_wait(uint32_t cookie);
int __wrap_dm_udev_wait(uint32_t cookie)
{
	struct dm_task probe = { .n = cookie > 1000 ? (int)(cookie - 1000) : 0 };
	if (probe.n)
		dm_logf(&probe, "wait");
	else
		dm_logf(NULL, "wait %u", cookie);
	return 1;
}

int __wrap_dm_task_get_info(struct dm_task *t, struct dm_info *info);
int __wrap_dm_task_get_info(struct dm_task *t, struct dm_info *info)
{
	dm_logf(t, "info");
	if (dm_fails(t->n, "info", NULL))
		return 0;
	memset(info, 0, sizeof(*info));
	info->exists = dm_find(t->name) != NULL;
	return 1;
}

const char *__wrap_dm_task_get_uuid(const struct dm_task *t);
const char *__wrap_dm_task_get_uuid(const struct dm_task *t)
{
	const struct dev *d = dm_find(t->name);
	dm_logf(t, "get_uuid");
	return d ? d->uuid : "";
}

/* The table of the device named: @next counts targets (NULL: the first); none: a zero length. */
void *__wrap_dm_get_next_target(struct dm_task *t, void *next, uint64_t *start, uint64_t *length, char **type,
				char **params);
void *__wrap_dm_get_next_target(struct dm_task *t, void *next, uint64_t *start, uint64_t *length, char **type,
				char **params)
{
	const struct dev *d = dm_find(t->name);
	size_t i = (size_t)(uintptr_t)next;
	dm_logf(t, "next_target %zu", i);
	*start = *length = 0;
	*type = *params = NULL;
	if (!d || i >= (size_t)d->n_t)
		return NULL;
	*start = d->t[i].start;
	*length = d->t[i].len;
	*type = (char *)d->t[i].type;
	*params = (char *)d->t[i].params;
	return i + 1 < (size_t)d->n_t ? (void *)(uintptr_t)(i + 1) : NULL;
}

/* The devices as the kernel lists them: struct dm_names one after the other, 8-byte aligned. */
struct dm_names *__wrap_dm_task_get_names(struct dm_task *t);
struct dm_names *__wrap_dm_task_get_names(struct dm_task *t)
{
	dm_logf(t, "names");
	if (dm_fails(t->n, "names", NULL))
		return NULL;
	size_t off = 0, prev = 0;
	memset(t->names, 0, sizeof(t->names));
	for (int i = 0; i < dm.n_devs; i++) {
		struct dm_names *n = (struct dm_names *)(t->names + off);
		size_t size = (offsetof(struct dm_names, name) + strlen(dm.devs[i].name) + 1 + 7) & ~(size_t)7;
		assert_true(off + size <= sizeof(t->names));
		n->dev = makedev(253, (unsigned)i + 1);
		strcpy(n->name, dm.devs[i].name);
		if (i)
			((struct dm_names *)(t->names + prev))->next = (uint32_t)(off - prev);
		prev = off;
		off += size;
	}
	return (struct dm_names *)t->names; /* none: dev 0 */
}

const char *__wrap_dm_dir(void);
const char *__wrap_dm_dir(void)
{
	return "/dev/mapper";
}

void __wrap_dm_log_with_errno_init(dm_log_with_errno_fn fn);
void __wrap_dm_log_with_errno_init(dm_log_with_errno_fn fn)
{
	dm_logf(NULL, "log_init");
	dm.dm_log = fn;
}

void __wrap_dm_udev_set_sync_support(int sync_with_udev);
void __wrap_dm_udev_set_sync_support(int sync_with_udev)
{
	dm_logf(NULL, "sync_support %d", sync_with_udev);
	dm.sync_support = sync_with_udev;
}

/* dmdev_init() asks whether udevd runs */
int __real_access(const char *path, int mode);
int __wrap_access(const char *path, int mode);
int __wrap_access(const char *path, int mode)
{
	if (strcmp(path, "/run/udev/control"))
		return __real_access(path, mode);
	if (dm.udev_running)
		return 0;
	errno = ENOENT;
	return -1;
}

/* ------------------------------------------------------------------------------------------------ */
/* the fixture: the simulator's dm directory (for sizes), a disk node (7:200), a fresh fake */

static struct scratch S;

static int dm_setup(void **state)
{
	char dir[sizeof(S.dir) + 8];
	scratch_make(&S, "test_dmdev");
	snprintf(dir, sizeof(dir), "%s/dm", S.dir);
	assert_int_equal(sim_dm_setup(dir), 0);
	dm_reset();
	*state = &S;
	return 0;
}

static int dm_teardown(void **state)
{
	scratch_remove(*state);
	return 0;
}

#define DM_TEST(fn) cmocka_unit_test_setup_teardown(fn, dm_setup, dm_teardown)

/* The log so far, then a fresh one; every task made has been destroyed. */
static const char *dm_took(void)
{
	static char out[sizeof(dm.log)];
	assert_int_equal(dm.live, 0);
	snprintf(out, sizeof(out), "%s", dm.log);
	dm.log[0] = '\0';
	dm.n_tasks = 0;
	return out;
}

/* ------------------------------------------------------------------------------------------------ */
/* dmdev.c */

/* What every call that makes or resumes a device gives udev: DM_UDEV_DISABLE_{DM,SUBSYSTEM,DISK,OTHER}_RULES_FLAG. */
#define COOKIE "cookie 0xf\n"

static void test_create_linear(void **state)
{
	struct scratch *x = *state;
	assert_int_equal(sim_dm_set_size(x->disk, GIB), 0);
	assert_int_equal(__real_dmdev_create_linear(NAME, UUID, 7, 200, 0), 0);
	assert_string_equal(dm_took(), "1 create CREATE\n"
				       "1 name " NAME "\n"
				       "1 uuid " UUID "\n"
				       "1 target 0 2097152 linear \"7:200 0\"\n"
				       "1 " COOKIE
				       "1 run\n"
				       "1 wait\n"
				       "1 destroy\n");
	/* part of the device, all of it by number, one sector more than it has */
	assert_int_equal(__real_dmdev_create_linear(NAME, UUID, 7, 200, 2048), 0);
	assert_non_null(strstr(dm_took(), "1 target 0 2048 linear \"7:200 0\"\n"));
	assert_int_equal(__real_dmdev_create_linear(NAME, UUID, 7, 200, 2097152), 0);
	assert_non_null(strstr(dm_took(), "1 target 0 2097152 linear \"7:200 0\"\n"));
	assert_int_equal(__real_dmdev_create_linear(NAME, UUID, 7, 200, 2097153), -EINVAL);
	assert_string_equal(dm_took(), "");
	/* whole sectors only; less than one is no device to map */
	assert_int_equal(sim_dm_set_size(x->disk, 1000), 0);
	assert_int_equal(__real_dmdev_create_linear(NAME, UUID, 7, 200, 0), 0);
	assert_non_null(strstr(dm_took(), "1 target 0 1 linear \"7:200 0\"\n"));
	assert_int_equal(sim_dm_set_size(x->disk, 511), 0);
	assert_int_equal(__real_dmdev_create_linear(NAME, UUID, 7, 200, 0), -EINVAL);
	assert_string_equal(dm_took(), "");
	/* no such device: its size cannot be had */
	assert_int_equal(__real_dmdev_create_linear(NAME, UUID, 253, 4242, 0), -ENODEV);
	assert_string_equal(dm_took(), "");
}

static void test_create_errors(void **state)
{
	(void)state;
	/* the kernel's errno; the cookie is waited for all the same */
	dm_fail(1, "run", EBUSY);
	assert_int_equal(__real_dmdev_create_linear(NAME, UUID, 7, 200, 8), -EBUSY);
	assert_string_equal(dm_took(), "1 create CREATE\n1 name " NAME "\n1 uuid " UUID "\n"
				       "1 target 0 8 linear \"7:200 0\"\n1 " COOKIE "1 run\n1 errno\n1 wait\n1 destroy\n");
	dm_fail(1, "run", 0); /* no errno from the kernel */
	assert_int_equal(__real_dmdev_create_linear(NAME, UUID, 7, 200, 8), -EIO);
	assert_non_null(strstr(dm_took(), "1 run\n1 errno\n1 wait\n1 destroy\n"));
	/* libdevmapper out of memory: nothing runs */
	dm_fail(1, "create", 0);
	assert_int_equal(__real_dmdev_create_linear(NAME, UUID, 7, 200, 8), -ENOMEM);
	assert_string_equal(dm_took(), "1 create CREATE\n");
	dm_fail(1, "name", 0);
	assert_int_equal(__real_dmdev_create_linear(NAME, UUID, 7, 200, 8), -ENOMEM);
	assert_string_equal(dm_took(), "1 create CREATE\n1 name " NAME "\n1 destroy\n");
	dm_fail(1, "uuid", 0);
	assert_int_equal(__real_dmdev_create_linear(NAME, UUID, 7, 200, 8), -ENOMEM);
	assert_string_equal(dm_took(), "1 create CREATE\n1 name " NAME "\n1 uuid " UUID "\n1 destroy\n");
	dm_fail(1, "target", 0);
	assert_int_equal(__real_dmdev_create_linear(NAME, UUID, 7, 200, 8), -ENOMEM);
	assert_string_equal(dm_took(), "1 create CREATE\n1 name " NAME "\n1 uuid " UUID "\n"
				       "1 target 0 8 linear \"7:200 0\"\n1 destroy\n");
	dm_fail(1, "cookie", 0); /* no cookie: no run, and nothing to wait for */
	assert_int_equal(__real_dmdev_create_linear(NAME, UUID, 7, 200, 8), -ENOMEM);
	assert_string_equal(dm_took(), "1 create CREATE\n1 name " NAME "\n1 uuid " UUID "\n"
				       "1 target 0 8 linear \"7:200 0\"\n1 " COOKIE "1 destroy\n");
}

#define QUERY(n, name, found) n " create INFO\n" n " name " name "\n" n " run\n" n " info\n" \
	found n " destroy\n"
#define FOUND(n) n " get_uuid\n"

static void test_remove(void **state)
{
	(void)state;
	dm_add(NAME, UUID, 2048, "linear", "7:200 0");
	assert_int_equal(__real_dmdev_remove(NAME), 0);
	assert_string_equal(dm_took(), QUERY("1", NAME, FOUND("1"))
				       "2 create REMOVE\n2 name " NAME "\n2 retry_remove\n2 " COOKIE
				       "2 run\n2 wait\n2 destroy\n");
	dm_fail(2, "run", ENXIO); /* gone in between: done */
	assert_int_equal(__real_dmdev_remove(NAME), 0);
	dm_took();
	dm_fail(2, "run", EBUSY); /* open: still there after libdevmapper's retries */
	assert_int_equal(__real_dmdev_remove(NAME), -EBUSY);
	assert_non_null(strstr(dm_took(), "2 run\n2 errno\n2 wait\n2 destroy\n"));
	dm_fail(2, "retry_remove", 0);
	assert_int_equal(__real_dmdev_remove(NAME), -ENOMEM);
	assert_non_null(strstr(dm_took(), "2 retry_remove\n2 destroy\n"));
	/* not ours: never removed, whatever its name */
	static const char *const foreign[] = { "LVM-Xy8c2", "", NULL, "attachd-0b6e5bd6", "x" UUID };
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		dm.devs[0].uuid = foreign[i];
		assert_int_equal(__real_dmdev_remove(NAME), -EPERM);
		assert_string_equal(dm_took(), QUERY("1", NAME, FOUND("1")));
	}
	/* not there: done */
	dm.n_devs = 0;
	assert_int_equal(__real_dmdev_remove(NAME), 0);
	assert_string_equal(dm_took(), QUERY("1", NAME, ""));
	/* the question failed: that is the answer */
	dm_fail(1, "run", EACCES);
	assert_int_equal(__real_dmdev_remove(NAME), -EACCES);
	assert_string_equal(dm_took(), "1 create INFO\n1 name " NAME "\n1 run\n1 errno\n1 destroy\n");
}

#define TABLE(n, name, targets) n " create TABLE\n" n " name " name "\n" n " run\n" targets n " destroy\n"
#define RESUME(n, name) n " create RESUME\n" n " name " name "\n" n " " COOKIE n " run\n" n " wait\n" n " destroy\n"

static void test_fence(void **state)
{
	(void)state;
	dm_add(NAME, UUID, 2048, "linear", "7:200 0");
	assert_int_equal(__real_dmdev_fence(NAME), 0);
	assert_string_equal(dm_took(), TABLE("1", NAME, "1 next_target 0\n")
				       "2 create RELOAD\n2 name " NAME "\n2 target 0 2048 error \"\"\n2 run\n2 destroy\n"
				       RESUME("3", NAME));
	/* a table of two targets: the error target covers both */
	dm.devs[0].t[1] = (struct tgt){ 2048, 1000, "linear", "7:201 0" };
	dm.devs[0].n_t = 2;
	assert_int_equal(__real_dmdev_fence(NAME), 0);
	assert_non_null(strstr(dm_took(), "1 next_target 1\n1 destroy\n2 create RELOAD\n2 name " NAME "\n"
					  "2 target 0 3048 error \"\"\n"));
	/* the reload refused: nothing resumed */
	dm_fail(2, "run", EINVAL);
	assert_int_equal(__real_dmdev_fence(NAME), -EINVAL);
	assert_null(strstr(dm_took(), "RESUME"));
	dm_fail(3, "run", EIO);
	assert_int_equal(__real_dmdev_fence(NAME), -EIO);
	assert_non_null(strstr(dm_took(), "3 run\n3 errno\n3 wait\n3 destroy\n"));
	dm_fail(2, "create", 0);
	assert_int_equal(__real_dmdev_fence(NAME), -ENOMEM);
	assert_null(strstr(dm_took(), "RESUME"));
	/* no table (no sectors): ENXIO, nothing loaded */
	dm.devs[0].n_t = 0;
	assert_int_equal(__real_dmdev_fence(NAME), -ENXIO);
	assert_string_equal(dm_took(), TABLE("1", NAME, "1 next_target 0\n"));
	/* gone: the table call's errno */
	dm_fail(1, "run", ENXIO);
	assert_int_equal(__real_dmdev_fence(NAME), -ENXIO);
	assert_string_equal(dm_took(), "1 create TABLE\n1 name " NAME "\n1 run\n1 errno\n1 destroy\n");
}

static void test_reload_linear(void **state)
{
	struct scratch *x = *state;
	assert_int_equal(sim_dm_set_size(x->disk, GIB), 0);
	dm_add(NAME, UUID, 8, "error", "");
	assert_int_equal(__real_dmdev_reload_linear(NAME, 7, 200, 0), 0);
	assert_string_equal(dm_took(), "1 create RELOAD\n1 name " NAME "\n1 target 0 2097152 linear \"7:200 0\"\n"
				       "1 run\n1 destroy\n" RESUME("2", NAME));
	assert_int_equal(__real_dmdev_reload_linear(NAME, 7, 200, 4096), 0);
	assert_non_null(strstr(dm_took(), "1 target 0 4096 linear \"7:200 0\"\n"));
	assert_int_equal(__real_dmdev_reload_linear(NAME, 7, 200, 2097153), -EINVAL);
	assert_string_equal(dm_took(), "");
	assert_int_equal(__real_dmdev_reload_linear(NAME, 253, 4242, 0), -ENODEV);
	assert_string_equal(dm_took(), "");
	dm_fail(1, "target", 0);
	assert_int_equal(__real_dmdev_reload_linear(NAME, 7, 200, 0), -ENOMEM);
	assert_string_equal(dm_took(), "1 create RELOAD\n1 name " NAME "\n1 target 0 2097152 linear \"7:200 0\"\n"
				       "1 destroy\n");
	dm_fail(2, "name", 0);
	assert_int_equal(__real_dmdev_reload_linear(NAME, 7, 200, 0), -ENOMEM);
	assert_non_null(strstr(dm_took(), "1 destroy\n2 create RESUME\n2 name " NAME "\n2 destroy\n"));
}

static void test_query(void **state)
{
	(void)state;
	bool e = true, o = true;
	assert_int_equal(__real_dmdev_query(NAME, &e, &o), 0);
	assert_false(e || o);
	assert_string_equal(dm_took(), QUERY("1", NAME, ""));
	dm_add(NAME, UUID, 8, "linear", "7:200 0");
	assert_int_equal(__real_dmdev_query(NAME, &e, &o), 0);
	assert_true(e && o);
	assert_string_equal(dm_took(), QUERY("1", NAME, FOUND("1")));
	dm.devs[0].uuid = DMDEV_UUID_PREFIX; /* the prefix is what counts */
	assert_int_equal(__real_dmdev_query(NAME, &e, &o), 0);
	assert_true(e && o);
	static const char *const foreign[] = { "LVM-Xy8c2", "", NULL, "attachd-0b6e5bd6", "ATTACHD" };
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		dm.devs[0].uuid = foreign[i];
		o = true;
		assert_int_equal(__real_dmdev_query(NAME, &e, &o), 0);
		assert_true(e);
		assert_false(o);
	}
	dm_took();
	dm.devs[0].uuid = UUID;
	/* failures leave both false */
	dm_fail(1, "info", 0);
	assert_int_equal(__real_dmdev_query(NAME, &e, &o), -EIO);
	assert_false(e || o);
	assert_string_equal(dm_took(), "1 create INFO\n1 name " NAME "\n1 run\n1 info\n1 destroy\n");
	dm_fail(1, "run", EACCES);
	e = o = true;
	assert_int_equal(__real_dmdev_query(NAME, &e, &o), -EACCES);
	assert_false(e || o);
	dm_took();
	dm_fail(1, "name", 0);
	assert_int_equal(__real_dmdev_query(NAME, &e, &o), -ENOMEM);
	assert_string_equal(dm_took(), "1 create INFO\n1 name " NAME "\n1 destroy\n");
	dm_fail(1, "create", 0);
	e = o = true;
	assert_int_equal(__real_dmdev_query(NAME, &e, &o), -ENOMEM);
	assert_false(e || o);
	assert_string_equal(dm_took(), "1 create INFO\n");
}

static void test_table(void **state)
{
	(void)state;
	char type[16], params[64];
	uint64_t sectors = 99;
	dm_add(NAME, UUID, 2048, "linear", "7:200 0");
	assert_int_equal(__real_dmdev_table(NAME, type, sizeof(type), params, sizeof(params), &sectors), 0);
	assert_string_equal(type, "linear");
	assert_string_equal(params, "7:200 0");
	assert_int_equal(sectors, 2048);
	assert_string_equal(dm_took(), TABLE("1", NAME, "1 next_target 0\n"));
	/* the first target's type and parameters; every target's length */
	dm.devs[0].t[1] = (struct tgt){ 2048, 1000, "error", "" };
	dm.devs[0].n_t = 2;
	assert_int_equal(__real_dmdev_table(NAME, type, sizeof(type), params, sizeof(params), &sectors), 0);
	assert_string_equal(type, "linear");
	assert_string_equal(params, "7:200 0");
	assert_int_equal(sectors, 3048);
	assert_string_equal(dm_took(), TABLE("1", NAME, "1 next_target 0\n1 next_target 1\n"));
	/* cut to the buffers */
	char t4[4], p4[4];
	assert_int_equal(__real_dmdev_table(NAME, t4, sizeof(t4), p4, sizeof(p4), &sectors), 0);
	assert_string_equal(t4, "lin");
	assert_string_equal(p4, "7:2");
	/* no targets */
	dm.devs[0].n_t = 0;
	assert_int_equal(__real_dmdev_table(NAME, type, sizeof(type), params, sizeof(params), &sectors), 0);
	assert_string_equal(type, "");
	assert_string_equal(params, "");
	assert_int_equal(sectors, 0);
	dm_took();
	dm_fail(1, "run", ENXIO);
	sectors = 99;
	assert_int_equal(__real_dmdev_table(NAME, type, sizeof(type), params, sizeof(params), &sectors), -ENXIO);
	assert_int_equal(sectors, 0);
	assert_string_equal(dm_took(), "1 create TABLE\n1 name " NAME "\n1 run\n1 errno\n1 destroy\n");
}

struct seen {
	char names[256];
	int stop_at; /* answer 5 to this call (1-based) */
	int calls;
};

static int see(const char *name, void *arg)
{
	struct seen *s = arg;
	size_t len = strlen(s->names);
	snprintf(s->names + len, sizeof(s->names) - len, "%s;", name);
	return ++s->calls == s->stop_at ? 5 : 0;
}

static void test_list(void **state)
{
	(void)state;
	struct seen s = { .stop_at = 0 };
	dm_add("attachd-a", DMDEV_UUID_PREFIX "a", 8, "linear", "7:200 0");
	dm_add("attachd-b", "LVM-b", 8, "linear", "7:201 0"); /* our prefix, not our uuid */
	dm_add("vg0-lv", DMDEV_UUID_PREFIX "x", 8, "linear", "7:202 0"); /* not our name: not even asked */
	dm_add("attachd-c", DMDEV_UUID_PREFIX "c", 8, "linear", "7:203 0");
	assert_int_equal(__real_dmdev_list(see, &s), 0);
	assert_string_equal(s.names, "attachd-a;attachd-c;");
	assert_string_equal(dm_took(), "1 create LIST\n1 run\n1 names\n"
				       QUERY("2", "attachd-a", FOUND("2")) QUERY("3", "attachd-b", FOUND("3"))
				       QUERY("4", "attachd-c", FOUND("4")) "1 destroy\n");
	/* the callback's answer stops the walk and is returned */
	s = (struct seen){ .stop_at = 1 };
	assert_int_equal(__real_dmdev_list(see, &s), 5);
	assert_string_equal(s.names, "attachd-a;");
	assert_null(strstr(dm_took(), "attachd-b"));
	/* a device whose question fails is passed over */
	s = (struct seen){ .stop_at = 0 };
	dm_fail(2, "run", ENXIO);
	assert_int_equal(__real_dmdev_list(see, &s), 0);
	assert_string_equal(s.names, "attachd-c;");
	dm_took();
	/* none at all */
	dm.n_devs = 0;
	assert_int_equal(__real_dmdev_list(see, &s), 0);
	assert_string_equal(s.names, "attachd-c;");
	assert_string_equal(dm_took(), "1 create LIST\n1 run\n1 names\n1 destroy\n");
	dm_fail(1, "names", 0);
	assert_int_equal(__real_dmdev_list(see, &s), -EIO);
	assert_string_equal(dm_took(), "1 create LIST\n1 run\n1 names\n1 destroy\n");
	dm_fail(1, "run", EPERM);
	assert_int_equal(__real_dmdev_list(see, &s), -EPERM);
	assert_string_equal(dm_took(), "1 create LIST\n1 run\n1 errno\n1 destroy\n");
	dm_fail(1, "create", 0);
	assert_int_equal(__real_dmdev_list(see, &s), -ENOMEM);
	assert_string_equal(dm_took(), "1 create LIST\n");
}

static int log_calls, log_prio;
static char log_msg[256];

static void log_sink(int prio, const char *msg)
{
	log_calls++;
	log_prio = prio;
	snprintf(log_msg, sizeof(log_msg), "%s", msg);
}

static void test_init_and_node(void **state)
{
	(void)state;
	char buf[64];
	/* no udevd: libdevmapper makes the nodes itself, synchronously */
	unsetenv("DM_DISABLE_UDEV");
	__real_dmdev_init(log_sink);
	assert_string_equal(dm_took(), "0 log_init\n0 sync_support 0\n");
	assert_non_null(getenv("DM_DISABLE_UDEV"));
	assert_string_equal(getenv("DM_DISABLE_UDEV"), "1");
	/* libdevmapper's errors and warnings reach the log, formatted; its chatter does not */
	assert_non_null(dm.dm_log);
	dm.dm_log(3, "libdm-common.c", 1, -EBUSY, "device %s is busy (%d)", NAME, 16);
	assert_int_equal(log_calls, 1);
	assert_int_equal(log_prio, 3);
	assert_string_equal(log_msg, "device " NAME " is busy (16)");
	dm.dm_log(4, "libdm-common.c", 2, 0, "%s", "a warning");
	assert_int_equal(log_calls, 2);
	assert_int_equal(log_prio, 4);
	dm.dm_log(5, "libdm-common.c", 3, 0, "%s", "a notice");
	dm.dm_log(7, "libdm-common.c", 4, 0, "%s", "debug");
	assert_int_equal(log_calls, 2);
	/* udevd there: left to udev, no log wanted */
	unsetenv("DM_DISABLE_UDEV");
	dm.udev_running = 1;
	dm.sync_support = -1;
	__real_dmdev_init(NULL);
	assert_string_equal(dm_took(), "0 log_init\n");
	assert_null(getenv("DM_DISABLE_UDEV"));
	assert_int_equal(dm.sync_support, -1);
	dm.dm_log(3, "libdm-common.c", 5, 0, "%s", "nobody listens");
	assert_int_equal(log_calls, 2);

	assert_int_equal(__real_dmdev_node(NAME, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/dev/mapper/" NAME);
	size_t len = strlen("/dev/mapper/" NAME);
	assert_int_equal(__real_dmdev_node(NAME, buf, len + 1), 0);
	assert_int_equal(__real_dmdev_node(NAME, buf, len), -ENAMETOOLONG);
}

UNIT_MAIN("dmdev", DM_TEST(test_create_linear), DM_TEST(test_create_errors), DM_TEST(test_remove),
	  DM_TEST(test_fence), DM_TEST(test_reload_linear), DM_TEST(test_query), DM_TEST(test_table),
	  DM_TEST(test_list), DM_TEST(test_init_and_node))
