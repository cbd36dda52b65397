/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_careless_store.c: what a damaged disk or a careless operator does to the files around a real
 * attachd-sim, and what the agent must never do with them: die of a signal on a corrupt database, follow
 * a planted link with root's chmod, take a directory that is not its own or one others can write, report
 * a full disk as an internal error, or let a flood of bad requests flood its log. One world per test
 * (simulated configfs tree, dm directory, device nodes, database); test_careless_kernel.c has what the
 * kernel holds.
 */
#include <sys/mount.h>

#include "itest.h"

static int teardown(void **state)
{
	char small[256];
	world_stop(&W);
	world_path(&W, small, sizeof(small), "small");
	umount2(small, MNT_DETACH); /* test_disk_full's, if it failed half-way */
	return it_world_teardown(state);
}

/* ---- 7. a corrupt database: a clear error, never a signal */

struct corruption {
	const char *what;
	long off;   /* bytes; negative: from the end */
	int kind;   /* 0 truncate to off, 1 flip the byte at off, 2 zero the page at off, 3 garbage page */
};

static const struct corruption corruptions[] = {
	{ "cut to one page", 4096, 0 },          { "cut to two pages", 8192, 0 },
	{ "cut to three pages", 12288, 0 },      { "cut by one page", -4096, 0 },
	{ "cut by one byte", -1, 0 },            { "cut to half", -2, 0 },
	{ "meta page 0: magic", 16 + 16, 1 },    { "meta page 0: last page", 16 + 120, 1 },
	{ "meta page 1: last page", 4096 + 16 + 120, 1 }, { "meta page 1: txn id", 4096 + 16 + 128, 1 },
	{ "both meta pages zeroed", 0, 4 },      { "page 0 zeroed", 0, 2 },
	{ "page 1 zeroed", 4096, 2 },            { "page 2 zeroed", 8192, 2 },
	{ "page 3 zeroed", 12288, 2 },           { "page 4 zeroed", 16384, 2 },
	{ "page 2: garbage", 8192, 3 },          { "page 3: garbage", 12288, 3 },
	{ "page 4: garbage", 16384, 3 },         { "page 5: garbage", 20480, 3 },
	{ "page 2: a header byte", 8192 + 10, 1 }, { "page 3: a header byte", 12288 + 12, 1 },
	{ "page 4: a pointer byte", 16384 + 16, 1 }, { "page 5: a pointer byte", 20480 + 17, 1 },
	{ "last page: garbage", -4096, 3 },      { "last page: a header byte", -4096 + 10, 1 },
};

static int corrupt(const char *file, const struct corruption *k, long size)
{
	long off = k->off < 0 ? (k->off == -2 ? size / 2 : size + k->off) : k->off;
	if (k->kind == 0)
		return truncate(file, off);
	int fd = open(file, O_RDWR);
	if (fd < 0)
		return -1;
	unsigned char page[4096];
	int rc = 0;
	if (k->kind == 1) {
		unsigned char b;
		rc = pread(fd, &b, 1, off) == 1 ? 0 : -1;
		b ^= 0xa5;
		if (!rc)
			rc = pwrite(fd, &b, 1, off) == 1 ? 0 : -1;
	} else {
		for (size_t i = 0; i < sizeof(page); i++)
			page[i] = k->kind == 3 ? (unsigned char)(i * 131 + 7) : 0;
		rc = pwrite(fd, page, sizeof(page), off) == sizeof(page) ? 0 : -1;
		if (!rc && k->kind == 4)
			rc = pwrite(fd, page, sizeof(page), 4096) == sizeof(page) ? 0 : -1;
	}
	close(fd);
	return rc;
}

static void test_corrupt_database(void **state)
{
	(void)state;
	char devs[6][256], vols[6][ATTACH_UUID_LEN + 1];
	struct attach_conninfo ci;
	assert_int_equal(world_start(&W, NULL), 0);
	struct attach_client *c = world_client(&W);
	for (int i = 0; i < 6; i++) {
		char name[16];
		snprintf(name, sizeof(name), "disk%d", i);
		world_dev(&W, name, 100 + (unsigned)i, devs[i], sizeof(devs[i]));
		it_volume_on(c, devs[i], vols[i]);
		if (i % 2)
			it_export_to(c, vols[i], INI_A, &ci);
	}
	world_client_free(c);
	assert_int_equal(world_stop(&W), 0);
	struct stat st;
	char data[300];
	snprintf(data, sizeof(data), "%s/data.mdb", W.db);
	assert_int_equal(stat(data, &st), 0);
	int refused = 0, served = 0;
	for (size_t k = 0; k < sizeof(corruptions) / sizeof(corruptions[0]); k++) {
		struct world x = W;
		char name[32];
		snprintf(name, sizeof(name), "db-%zu", k);
		world_path(&W, x.db, sizeof(x.db), name);
		snprintf(name, sizeof(name), "agent-%zu.log", k);
		world_path(&W, x.log, sizeof(x.log), name);
		assert_int_equal(it_run("cp -a %s %s && rm -f %s/lock.mdb", W.db, x.db, x.db), 0);
		snprintf(data, sizeof(data), "%s/data.mdb", x.db);
		if (corrupt(data, &corruptions[k], (long)st.st_size))
			fail_msg("%s: cannot corrupt %s", corruptions[k].what, data);
		/* the start itself: refused (exit 1) with a message about the database, or up */
		int rc;
		if (world_start(&x, NULL) != 0) {
			char *log = world_log(&x);
			if (x.exit_status != 1 || !strstr(log, "database "))
				fail_msg("%s: the agent ended with status %d (128+: a signal):\n%s", corruptions[k].what,
					 x.exit_status, log);
			free(log);
			refused++;
			continue;
		}
		/* up: every read must answer (an error is fine), the agent must live */
		for (int i = 0; i < 6; i++) {
			char *out = world_ctl(&x, &rc, "volume-show %s", vols[i]);
			free(out);
		}
		char *out = world_ctl(&x, &rc, "volume-list");
		free(out);
		out = world_ctl(&x, &rc, "reconcile --dry-run");
		free(out);
		if (!world_alive(&x))
			fail_msg("%s: the agent died serving reads", corruptions[k].what);
		rc = world_stop(&x);
		if (rc >= 128)
			fail_msg("%s: the agent was killed by signal %d", corruptions[k].what, rc - 128);
		served++;
	}
	print_message("# %d corruptions refused at start with a message, %d served without a signal\n", refused, served);
	assert_true(refused > 0);
}

/* ---- 8, 9. directories that are not the agent's own */

static void test_socket_directory_open_to_others(void **state)
{
	(void)state;
	static const char *const modes[] = { "0777", "1777", "0775" };
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char dir[256], args[1024];
		snprintf(dir, sizeof(dir), "%s/run%zu", W.dir, i);
		assert_int_equal(it_run("mkdir %s && chmod %s %s && chgrp 4242 %s", dir, modes[i], dir, dir), 0);
		snprintf(args, sizeof(args), "--socket %s/attachd.sock --db %s/db%zu --configfs-root %s", dir, W.dir, i,
			 W.cfs);
		int st;
		char *out = it_agent_refused(args, &st);
		if (st != 1 || !strstr(out, "can be written by others"))
			fail_msg("socket directory of mode %s: wanted exit 1 and a refusal, got %d: %s", modes[i], st, out);
		free(out);
		char sock[300];
		snprintf(sock, sizeof(sock), "%s/attachd.sock", dir);
		assert_int_equal(access(sock, F_OK), -1);
	}
}

static void test_database_directory_not_ours(void **state)
{
	(void)state;
	char dir[256], args[1024], link[256];
	struct stat st;
	int status;
	/* a directory with someone else's files: refused, its mode untouched */
	snprintf(dir, sizeof(dir), "%s/etc", W.dir);
	assert_int_equal(it_run("mkdir -m 0755 %s && echo x > %s/notes.txt", dir, dir), 0);
	snprintf(args, sizeof(args), "--socket %s/s.sock --db %s --configfs-root %s", W.dir, dir, W.cfs);
	char *out = it_agent_refused(args, &status);
	if (status != 1 || !strstr(out, "holds notes.txt, which is not attachd's"))
		fail_msg("wanted exit 1 and a refusal, got %d: %s", status, out);
	free(out);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	/* the same through a symlink */
	snprintf(link, sizeof(link), "%s/db-link", W.dir);
	assert_int_equal(symlink(dir, link), 0);
	snprintf(args, sizeof(args), "--socket %s/s.sock --db %s --configfs-root %s", W.dir, link, W.cfs);
	out = it_agent_refused(args, &status);
	assert_int_equal(status, 1);
	free(out);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	/* a directory of root's with nothing in it, or only attachd's files: taken, made 0700 */
	snprintf(dir, sizeof(dir), "%s/mine", W.dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	struct world m = W;
	world_path(&W, m.db, sizeof(m.db), "mine");
	assert_int_equal(world_start(&m, NULL), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(world_stop(&m), 0);
}

/* A full disk under the database is "no space", not an internal error; what was stored stays. */
static void test_disk_full(void **state)
{
	(void)state;
	char small[256];
	world_path(&W, small, sizeof(small), "small");
	assert_int_equal(mkdir(small, 0755), 0);
	if (mount("tmpfs", small, "tmpfs", 0, "size=96k") < 0) {
		skip(); /* no mount here: the rig's kernel has the same check */
		return;
	}
	struct world f = W;
	world_path(&W, f.db, sizeof(f.db), "small/db");
	assert_int_equal(world_start(&f, NULL), 0);
	struct attach_client *c = world_client(&f);
	char first[ATTACH_UUID_LEN + 1] = "";
	int rc = 0, n = 0;
	for (; n < 2000; n++) {
		char name[32], dev[256], id[ATTACH_UUID_LEN + 1];
		snprintf(name, sizeof(name), "d%d", n);
		world_dev(&f, name, 1000 + (unsigned)n, dev, sizeof(dev));
		struct attach_volume_create_args va = { .device = dev, .name = "a rather long name for a volume, "
									"to fill the pages of the store faster" };
		rc = attach_volume_create(c, &va, id);
		if (rc)
			break;
		if (!first[0])
			strcpy(first, id);
	}
	if (rc != -ENOSPC || attach_last_status(c) != ATTACH_E_NO_SPACE ||
	    !strstr(attach_last_message(c), "No space left on device"))
		fail_msg("after %d volumes: rc %d status %u \"%s\"", n, rc, attach_last_status(c), attach_last_message(c));
	struct attach_volume_info *v;
	assert_int_equal(attach_volume_show(c, first, false, &v), 0);
	attach_volume_info_free(v);
	world_client_free(c);
	assert_true(world_alive(&f));
	assert_int_equal(world_stop(&f), 0);
	umount2(small, MNT_DETACH);
}

/* A flood of bad requests is logged in a burst, then counted, not written line by line. */
static void test_log_flood(void **state)
{
	(void)state;
	assert_int_equal(world_start(&W, NULL), 0);
	int fd = raw_connect(W.sock);
	assert_true(fd >= 0);
	raw_hello(fd, 1);
	for (int i = 0; i < 500; i++) {
		struct mb m;
		struct rmsg r;
		mb_start(&m, ATTACH_MSG_VOLUME_SHOW, NLM_F_REQUEST, 2 + (uint32_t)i);
		mb_str(&m, ATTACH_A_VOLUME_ID, "not a uuid at all, but thirty-six ch");
		raw_send(fd, m.b, mb_end(&m, 0));
		assert_int_equal(raw_recv(fd, &r), 1);
		assert_int_equal(r.status, ATTACH_E_INVALID);
		rmsg_free(&r);
	}
	usleep(1100 * 1000);
	struct mb m;
	struct rmsg r;
	mb_start(&m, ATTACH_MSG_VOLUME_SHOW, NLM_F_REQUEST, 9999);
	mb_str(&m, ATTACH_A_VOLUME_ID, "not a uuid at all, but thirty-six ch");
	raw_send(fd, m.b, mb_end(&m, 0));
	assert_int_equal(raw_recv(fd, &r), 1);
	rmsg_free(&r);
	raw_close(fd);
	char *n = it_capture("grep -c 'request volume-show refused' %s", W.log);
	assert_non_null(n);
	int lines = atoi(n);
	free(n);
	if (lines > 30 || lines < 2)
		fail_msg("%d lines for 501 refused requests", lines);
	world_assert_log_has(&W, "similar message(s) not logged) request volume-show refused");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_corrupt_database, it_world_setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_directory_open_to_others, it_world_setup, teardown),
		cmocka_unit_test_setup_teardown(test_database_directory_not_ours, it_world_setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_full, it_world_setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_flood, it_world_setup, teardown),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
