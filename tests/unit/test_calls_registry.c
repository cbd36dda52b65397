/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_calls_registry.c: the volume registry through dispatch() (agent/calls/call_volume.c, on the harness
 * of helpers/harness.h): volume-create's checks of the device (a block device, by its identity whatever the
 * path, one volume per disk, partitions and their disk, the device policy), volume-delete refused while
 * exported, volume-extend, the --max-volumes and --max-exports limits, and a registered path that leads to
 * another disk (never exported, never extended).
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "calls_fx.h"
#include "sim.h"
#include "unit_main.h"

/* The path a volume was registered by leads to another disk (a reboot enumerated them in another order, a
 * removed LV's minor went to a new one): nothing of it is exported, extended or mapped. */
static void test_wrong_disk_never_exported(void **state)
{
	struct harness *h = *state;
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_AVAILABLE);
	const char *other = new_volume(h, 1, 0, ATTACH_STATE_AVAILABLE);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_SHOW, V(vol), 0), ATTACH_OK);
	char ident[300];
	snprintf(ident, sizeof(ident), "%s", h_str(h, ATTACH_A_IDENTITY));
	assert_true(ident[0] != '\0');
	/* volume 0's path now leads to volume 1's disk */
	struct stat st;
	assert_int_equal(stat(h->dev[1], &st), 0);
	assert_int_equal(unlink(h->dev[0]), 0);
	assert_int_equal(mknod(h->dev[0], S_IFBLK | 0600, st.st_rdev), 0);
	h_to_state(h, vol, ATTACH_STATE_ATTACHING, NULL);
	char *before = h_snapshot(h);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_E_WRONG_DEVICE);
	assert_non_null(strstr(h->message, "not the registered disk"));
	assert_non_null(strstr(h->message, ident));
	assert_non_null(strstr(h->message, "not exported"));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_EXTEND, V(vol), 0), ATTACH_E_WRONG_DEVICE);
	assert_unchanged(h, before);
	/* the disk missing altogether */
	assert_int_equal(unlink(h->dev[0]), 0);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_E_NOT_FOUND);
	assert_non_null(strstr(h->message, "is missing"));
	/* back where it was: exported */
	assert_int_equal(mknod(h->dev[0], S_IFBLK | 0600, makedev(7, 200)), 0);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_true(tree_has(h, "%s/tpgt_1/acls/" INI_A, target_of(vol)));
	(void)other;
}

/* volume-create refuses what it could not tell apart later, what is in use, and what the policy keeps out;
 * its messages name only the path sent. */
static void test_device_policy(void **state)
{
	struct harness *h = *state;
	char dir[PATH_MAX + 32], link[PATH_MAX + 64], dev[PATH_MAX + 64];
	/* no identity (a RAM disk) */
	assert_int_equal(sim_dm_set_ident(h->dev[2], "-"), 0);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[2], 0), ATTACH_E_INVALID);
	assert_non_null(strstr(h->message, "no stable identity"));
	/* in use */
	char busy[PATH_MAX + 64];
	struct stat st;
	assert_int_equal(stat(h->dev[3], &st), 0);
	snprintf(busy, sizeof(busy), "%s/dm/busy-%u:%u", h->dir, major(st.st_rdev), minor(st.st_rdev));
	FILE *f = fopen(busy, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[3], 0), ATTACH_E_BUSY);
	assert_non_null(strstr(h->message, "in use"));
	unlink(busy);
	/* a path through a directory others can write: a link there could lead anywhere */
	snprintf(dir, sizeof(dir), "%s/open", h->dir);
	assert_int_equal(mkdir(dir, 0777), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	snprintf(link, sizeof(link), "%s/disk", dir);
	assert_int_equal(symlink(h->dev[3], link), 0);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, link, 0), ATTACH_E_PERM);
	assert_non_null(strstr(h->message, "others can write"));
	assert_null(strstr(h->message, h->dev[3])); /* where it leads is not told */
	/* someone else's entry in a sticky directory */
	assert_int_equal(chmod(dir, 01777), 0);
	assert_int_equal(lchown(link, 65534, 65534), 0);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, link, 0), ATTACH_E_PERM);
	assert_int_equal(lchown(link, 0, 0), 0);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, link, ATTACH_A_DRY_RUN, "", 0), ATTACH_OK);
	/* a ".." in a link is judged by the parent's rules again: someone else's entry of a sticky one */
	char rd[PATH_MAX + 64], evil[PATH_MAX + 64], l[PATH_MAX + 64];
	snprintf(rd, sizeof(rd), "%s/rd", dir);
	snprintf(evil, sizeof(evil), "%s/evil", dir);
	snprintf(l, sizeof(l), "%s/rd/l", dir);
	assert_int_equal(mkdir(rd, 0755), 0);
	assert_int_equal(symlink(h->dev[3], evil), 0);
	assert_int_equal(lchown(evil, 65534, 65534), 0);
	assert_int_equal(symlink("../evil", l), 0);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, l, 0), ATTACH_E_PERM);
	assert_non_null(strstr(h->message, "others can write"));
	/* ".." and relative paths say something else than they seem */
	snprintf(dev, sizeof(dev), "%s/open/../%s", h->dir, strrchr(h->dev[3], '/') + 1);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, dev, 0), ATTACH_E_INVALID);
	/* a non-root caller and no policy: root alone registers */
	h->dc.uid = 1000;
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[3], 0), ATTACH_E_PERM);
	assert_non_null(strstr(h->message, "only root registers devices"));
	/* a policy: prefixes, for everyone */
	h->a.cfg.device_prefix[h->a.cfg.n_device_prefix++] = "/nonexistent/";
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[3], 0), ATTACH_E_PERM);
	assert_non_null(strstr(h->message, "outside this attachd's device policy"));
	/* outside the prefixes nothing is looked at: a file and nothing read the same */
	char nothing[PATH_MAX + 32];
	snprintf(nothing, sizeof(nothing), "%s/no-such-file", h->dir);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, nothing, 0), ATTACH_E_PERM);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, "/etc/passwd", 0), ATTACH_E_PERM);
	assert_non_null(strstr(h->message, "outside this attachd's device policy"));
	h->dc.uid = 0;
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[3], 0), ATTACH_E_PERM);
	h->a.cfg.device_prefix[h->a.cfg.n_device_prefix++] = h->dir;
	h->dc.uid = 1000;
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[3], ATTACH_A_DRY_RUN, "", 0),
			 ATTACH_OK);
	/* volume groups: an LV of vg-a (dm name vg--a-lv1, uuid LVM-...) is in, one of vg-b is not */
	h->a.cfg.n_device_prefix = 0;
	h->a.cfg.device_vg[h->a.cfg.n_device_vg++] = "vg-a";
	assert_int_equal(stat(h->dev[3], &st), 0);
	snprintf(busy, sizeof(busy), "%s/dm/dm-%u:%u", h->dir, major(st.st_rdev), minor(st.st_rdev));
	f = fopen(busy, "w");
	assert_non_null(f);
	fputs("LVM-0123456789abcdef\nvg--b-lv1\n", f);
	fclose(f);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[3], 0), ATTACH_E_PERM);
	f = fopen(busy, "w");
	fputs("LVM-0123456789abcdef\nvg--a-lv1\n", f);
	fclose(f);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[3], 0), ATTACH_OK);
	h->dc.uid = 0;
	h->a.cfg.n_device_vg = 0;
}

/* A partition and its whole disk hold the same data: one volume for both, whichever comes first. */
static void test_partition_and_disk(void **state)
{
	struct harness *h = *state;
	/* dev[1] is partition 1 of dev[0]'s disk; dev[2] is a disk whose partition 2 is dev[3] */
	assert_int_equal(sim_dm_set_ident(h->dev[1], "part1:serial:sim-7-200"), 0);
	assert_int_equal(sim_dm_set_ident(h->dev[3], "part2:serial:sim-7-202"), 0);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[0], 0), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[1], 0), ATTACH_E_BUSY);
	assert_non_null(strstr(h->message, "is a partition of a disk that is volume"));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[3], 0), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[2], 0), ATTACH_E_BUSY);
	assert_non_null(strstr(h->message, "holds a partition that is volume"));
}

static void test_volume_create_checks(void **state)
{
	struct harness *h = *state;
	char file[PATH_MAX + 32], link[PATH_MAX + 32], link2[PATH_MAX + 32], alias[PATH_MAX + 32];
	snprintf(file, sizeof(file), "%s/plain", h->dir);
	snprintf(link, sizeof(link), "%s/link-to-plain", h->dir);
	snprintf(link2, sizeof(link2), "%s/link-to-disk0", h->dir);
	snprintf(alias, sizeof(alias), "%s/disk0-again", h->dir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(symlink(file, link), 0);
	assert_int_equal(symlink(h->dev[0], link2), 0);
	assert_int_equal(mknod(alias, S_IFBLK | 0600, makedev(7, 200)), 0);

	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, file, 0), ATTACH_E_NOT_BLOCK);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, link, 0), ATTACH_E_NOT_BLOCK);
	assert_non_null(strstr(h->message, "not a block device"));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, "/nonexistent/dev", 0),
			 ATTACH_E_NOT_FOUND);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, "relative/path", 0), ATTACH_E_INVALID);
	const char *id = "0B4E2B1A-9C1D-4E5F-8A7B-6C5D4E3F2A1B";
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[0], ATTACH_A_VOLUME_ID, id, 0),
			 ATTACH_OK);
	assert_string_equal(h_str(h, ATTACH_A_VOLUME_ID), "0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b");
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[0], 0), ATTACH_E_BUSY);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, link2, 0), ATTACH_E_BUSY);
	/* the disk is known by its identity, whatever the path; the message names only what was sent */
	assert_non_null(strstr(h->message, link2));
	assert_null(strstr(h->message, h->dev[0]));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, alias, 0), ATTACH_E_BUSY);
	assert_non_null(strstr(h->message, "is already volume 0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b"));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[1], ATTACH_A_VOLUME_ID,
				"0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b", 0), ATTACH_E_EXISTS);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[1], ATTACH_A_VOLUME_ID,
				"0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1g", 0), ATTACH_E_INVALID);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_SHOW, V("0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a10"), 0),
			 ATTACH_E_NOT_FOUND);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_LIST, 0), ATTACH_OK);
}

static void test_volume_delete_refused(void **state)
{
	struct harness *h = *state;
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_IN_USE);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_DELETE, V(vol), 0), ATTACH_E_STATE);
	/* detached without terminate_connection: available but still exported */
	assert_int_equal(h_call(h, ATTACH_MSG_BEGIN_DETACHING, V(vol), 0), ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_DETACH, V(vol), 0), ATTACH_OK);
	char *before = h_snapshot(h);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_DELETE, V(vol), 0), ATTACH_E_BUSY);
	assert_non_null(strstr(h->message, "--force"));
	assert_unchanged(h, before);
	assert_int_equal(h_call(h, ATTACH_MSG_TERMINATE_CONNECTION, V(vol), ATTACH_A_FORCE, "", 0), ATTACH_OK);
	assert_false(tree_has(h, "%s", target_of(vol)));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_DELETE, V(vol), 0), ATTACH_OK);
}

static void test_volume_extend(void **state)
{
	struct harness *h = *state;
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_AVAILABLE);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_EXTEND, V(vol), 0), ATTACH_OK);
	assert_int_equal(nla_get_u64(h->tb[ATTACH_A_SIZE]), 1ull << 30);
	h_to_state(h, vol, ATTACH_STATE_IN_USE, INI_A);
	assert_int_equal(sim_dm_set_size(h->dev[0], 3ull << 30), 0);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_EXTEND, V(vol), 0), ATTACH_OK);
	assert_int_equal(nla_get_u64(h->tb[ATTACH_A_SIZE]), 3ull << 30);
	assert_non_null(strstr(h->message, "reloaded"));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_SHOW, V(vol), 0), ATTACH_OK);
	assert_int_equal(nla_get_u64(h->tb[ATTACH_A_SIZE]), 3ull << 30);
	/* shrinking is refused and changes nothing */
	assert_int_equal(sim_dm_set_size(h->dev[0], 2ull << 30), 0);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_EXTEND, V(vol), 0), ATTACH_E_INVALID);
	assert_non_null(strstr(h->message, "shrank"));
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_SHOW, V(vol), 0), ATTACH_OK);
	assert_int_equal(nla_get_u64(h->tb[ATTACH_A_SIZE]), 3ull << 30);
}

static void test_limits(void **state)
{
	struct harness *h = *state;
	h->a.cfg.max_volumes = 2;
	h->a.cfg.max_exports = 1;
	const char *v0 = new_volume(h, 0, 0, ATTACH_STATE_AVAILABLE);
	const char *v1 = new_volume(h, 1, 0, ATTACH_STATE_AVAILABLE);
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[2], 0), ATTACH_E_LIMIT);
	assert_non_null(strstr(h->message, "--max-volumes"));
	h_to_state(h, v0, ATTACH_STATE_IN_USE, INI_A);
	h_to_state(h, v1, ATTACH_STATE_ATTACHING, INI_A);
	char *before = h_snapshot(h);
	assert_int_equal(init_conn(h, v1, INI_A), ATTACH_E_LIMIT);
	assert_non_null(strstr(h->message, "--max-exports"));
	assert_unchanged(h, before);
	/* a second initiator on an existing export is not a new export */
	assert_int_equal(init_conn(h, v0, INI_B), ATTACH_OK);
}

UNIT_MAIN("calls-registry", H_TEST(test_wrong_disk_never_exported), H_TEST(test_device_policy),
	  H_TEST(test_partition_and_disk), H_TEST(test_volume_create_checks), H_TEST(test_volume_delete_refused),
	  H_TEST(test_volume_extend), H_TEST(test_limits))
