/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_secrets.c: where CHAP credentials may go and where they must not. A full attach and detach cycle
 * with four initiators (three on a multiattach volume, retries, a dry run, and a teardown that fails in the
 * kernel and is rolled back), with the agent at debug level and umask 0. Then: no returned password or
 * CHAP user on any line of the agent's log or in any reply message; passwords only in volume-show with
 * secrets; the database directory 0700 and its files 0600 whatever the umask; the socket 0660.
 */
#include "itest.h"

#define N_INI 4

static const char *const INI[N_INI] = {
	"iqn.2004-10.org.example:sec-a", "iqn.2004-10.org.example:sec-b", "iqn.2004-10.org.example:sec-c",
	"iqn.1993-08.org.debian:01:sec-d",
};

static struct attach_conninfo CI[N_INI]; /* what initialize-connection returned to each initiator */
static char VM[ATTACH_UUID_LEN + 1], V2[ATTACH_UUID_LEN + 1];

/* A reply message or plan step that names a secret is a leak. */
static void assert_no_secret(const char *text, const char *where)
{
	for (int i = 0; i < N_INI; i++)
		if (CI[i].auth_password[0] && strstr(text, CI[i].auth_password))
			fail_msg("%s shows %s's password: %s", where, INI[i], text);
}

#define CALL(c, expr)                                                                                  \
	do {                                                                                           \
		if ((expr) != 0)                                                                       \
			fail_msg("%s: %s", #expr, attach_last_message(c));                             \
		assert_no_secret(attach_last_message(c), "a reply message");                           \
	} while (0)

/* reserve, initialize-connection (twice: the retry returns the same credentials), attach */
static void connect_one(struct attach_client *c, const char *vol, int i)
{
	char att[ATTACH_UUID_LEN + 1];
	struct attach_connector conn = { .initiator = INI[i], .host = "compute", .ip = "192.0.2.7" };
	struct attach_attach_args aa = { .instance = INSTANCE, .host = "compute", .mountpoint = "/dev/vdb" };
	struct attach_conninfo again;
	CALL(c, attach_reserve(c, vol, att));
	CALL(c, attach_initialize_connection(c, vol, &conn, &CI[i]));
	CALL(c, attach_initialize_connection(c, vol, &conn, &again));
	assert_string_equal(again.auth_username, CI[i].auth_username);
	assert_string_equal(again.auth_password, CI[i].auth_password);
	attach_conninfo_clear(&again);
	CALL(c, attach_attach(c, vol, &aa, NULL));
}

/* volume-show: passwords only when asked for, and then the ones initialize-connection returned. */
static void check_show(struct attach_client *c, const char *vol, int first, int n)
{
	struct attach_volume_info *v;
	CALL(c, attach_volume_show(c, vol, false, &v));
	assert_int_equal(v->n_acls, (size_t)n);
	for (size_t i = 0; i < v->n_acls; i++)
		assert_null(v->acls[i].password);
	attach_volume_info_free(v);
	CALL(c, attach_volume_show(c, vol, true, &v));
	for (size_t i = 0; i < v->n_acls; i++) {
		int k = first;
		while (k < first + n && strcmp(INI[k], v->acls[i].initiator))
			k++;
		assert_true(k < first + n);
		assert_string_equal(v->acls[i].username, CI[k].auth_username);
		assert_string_equal(v->acls[i].password, CI[k].auth_password);
	}
	attach_volume_info_free(v);
	/* and not anywhere in the bytes of a reply without secrets */
	int fd = raw_connect(W.sock);
	struct mb m;
	struct rmsg r;
	raw_hello(fd, 1);
	mb_start(&m, ATTACH_MSG_VOLUME_SHOW, NLM_F_REQUEST, 2);
	mb_str(&m, ATTACH_A_VOLUME_ID, vol);
	raw_send(fd, m.b, mb_end(&m, 0));
	assert_int_equal(raw_recv(fd, &r), 1);
	assert_int_equal(r.status, ATTACH_OK);
	for (int i = 0; i < N_INI; i++)
		if (CI[i].auth_password[0])
			assert_null(memmem(r.raw, r.len, CI[i].auth_password, strlen(CI[i].auth_password)));
	rmsg_free(&r);
	raw_close(fd);
}

static void test_cycle(void **state)
{
	(void)state;
	struct attach_client *c = world_client(&W);
	char dev[2][256];
	world_dev(&W, "disk0", 30, dev[0], sizeof(dev[0]));
	world_dev(&W, "disk1", 31, dev[1], sizeof(dev[1]));
	struct attach_volume_create_args va = { .device = dev[0], .multiattach = true };
	CALL(c, attach_volume_create(c, &va, VM));
	va = (struct attach_volume_create_args){ .device = dev[1] };
	CALL(c, attach_volume_create(c, &va, V2));
	for (int i = 0; i < 3; i++)
		connect_one(c, VM, i);
	connect_one(c, V2, 3);
	check_show(c, VM, 0, 3);
	check_show(c, V2, 3, 1);

	/* a dry run for a new initiator: the plan names no secret */
	attach_set_dry_run(c, true);
	struct attach_connector dconn = { .initiator = "iqn.2004-10.org.example:dry" };
	struct attach_conninfo dci;
	CALL(c, attach_initialize_connection(c, VM, &dconn, &dci));
	const char *const *steps;
	size_t n = attach_last_plan(c, &steps);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++)
		assert_no_secret(steps[i], "a dry-run step");
	attach_set_dry_run(c, false);

	/* detach; the last initiator's teardown fails in the kernel once (ATTACHD_SIM_FAIL) and is undone:
	 * the ACL comes back with its credentials, and no log line of that rollback names them */
	CALL(c, attach_begin_detaching(c, VM));
	CALL(c, attach_terminate_connection(c, VM, INI[0], false));
	CALL(c, attach_terminate_connection(c, VM, INI[1], false));
	assert_int_equal(attach_terminate_connection(c, VM, INI[2], false), -EIO);
	assert_int_equal(attach_last_status(c), ATTACH_E_KERNEL);
	assert_non_null(strstr(attach_last_message(c), "rolled back"));
	assert_no_secret(attach_last_message(c), "an error message");
	char *pw = it_capture("cat %s/target/iscsi/iqn.2026-11.org.attachd:%s/tpgt_1/acls/%s/auth/password", W.cfs,
			      VM, INI[2]);
	assert_non_null(pw);
	assert_non_null(strstr(pw, CI[2].auth_password));
	free(pw);
	CALL(c, attach_terminate_connection(c, VM, INI[2], false));
	struct attach_volume_info *v;
	CALL(c, attach_volume_show(c, VM, false, &v));
	assert_false(v->exported);
	for (size_t i = 0; i < v->n_attachments; i++) { /* each detach but the last leaves it in-use */
		if (i)
			CALL(c, attach_begin_detaching(c, VM));
		CALL(c, attach_detach(c, VM, v->attachments[i].id));
	}
	attach_volume_info_free(v);
	CALL(c, attach_volume_delete(c, VM));
	CALL(c, attach_begin_detaching(c, V2));
	CALL(c, attach_terminate_connection(c, V2, INI[3], false));
	CALL(c, attach_detach(c, V2, NULL));
	CALL(c, attach_volume_delete(c, V2));
	world_client_free(c);
	assert_int_equal(it_run("%s/tests/sim-setup --dump %s | grep -q iqn.2026-11", it_build(), W.cfs), 1);
}

/* Lines of the log holding any of the returned @field values (1 username, 2 password). */
static int log_hits(int field)
{
	char line[4096];
	int hits = 0;
	FILE *f = fopen(W.log, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		for (int i = 0; i < N_INI; i++) {
			const char *s = field == 1 ? CI[i].auth_username : CI[i].auth_password;
			assert_int_equal(strlen(s), 16);
			if (strstr(line, s)) {
				printf("# %s of %s in the log: %s", field == 1 ? "CHAP user" : "password", INI[i], line);
				hits++;
			}
		}
	}
	fclose(f);
	return hits;
}

static void test_no_password_in_log(void **state)
{
	(void)state;
	assert_int_equal(log_hits(2), 0);
}

static void test_no_chap_user_in_log(void **state)
{
	(void)state;
	/* plan steps once said "with CHAP user <name>" and were logged at debug, and at error on failure */
	assert_int_equal(log_hits(1), 0);
}

static void test_file_modes(void **state)
{
	(void)state;
	struct stat st;
	char p[512];
	assert_int_equal(stat(W.sock, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	/* a loose directory left from before is tightened at start */
	assert_int_equal(world_stop(&W), 0);
	assert_int_equal(chmod(W.db, 0755), 0);
	assert_int_equal(world_start(&W, NULL), 0);
	assert_int_equal(stat(W.db, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	DIR *d = opendir(W.db);
	int files = 0;
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", W.db, e->d_name);
		assert_int_equal(lstat(p, &st), 0);
		/* dbroot/ (LIO's reservations) and its pr/: directories of attachd's alone */
		unsigned want = strcmp(e->d_name, "dbroot") ? 0600 : 0700;
		if ((st.st_mode & 07777) != want || (want == 0700 && !S_ISDIR(st.st_mode)))
			fail_msg("%s has mode %04o", p, st.st_mode & 07777);
		files++;
	}
	closedir(d);
	assert_true(files >= 4); /* data.mdb, lock.mdb, attachd.lock, dbroot */
	snprintf(p, sizeof(p), "%s/dbroot/pr", W.db);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
}

static int setup(void **state)
{
	it_world_setup(state);
	W.umask0 = true;
	W.sim_fail = "rmdir:tpgt_1/np/:EIO"; /* the first portal removal fails */
	assert_int_equal(world_start(&W, NULL), 0);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_cycle, it_close_all),
		cmocka_unit_test(test_no_password_in_log),
		cmocka_unit_test(test_no_chap_user_in_log),
		cmocka_unit_test(test_file_modes),
		cmocka_unit_test(test_clean_exit),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, it_world_teardown);
}
