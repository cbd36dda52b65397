/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_policy.c: who may call attachd. A forked child drops to an unprivileged uid (setgroups, setresgid,
 * setresuid) and talks to a real attachd-sim; its findings come back through a pipe, since cmocka's
 * assertions only work in the parent. Checked: a caller that is not allowed gets ATTACH_MSG_REFUSED with
 * ATTACH_E_PERM at accept, before sending a byte, and a request it sends anyway is never executed;
 * --allow-uid lets a uid in; --read-uid lets one in for the read-only calls only; --allow-gid matches the primary gid and supplementary groups
 * (SO_PEERGROUPS), beyond the agent's 64-entry buffer too; the socket's group follows the first
 * --allow-gid, whose file mode still keeps others out. What an allowed uid may do: register devices only
 * under a device policy; hold at most --max-clients-per-uid connections and never the slots kept for
 * root; a connection that sends no hello, or goes idle, is closed (libattach connects again by itself).
 */
#include <grp.h>
#include <sys/types.h>

#include "itest.h"

#define NOBODY 65534
#define GID_A 4242
#define GID_B 4243

static char DEV[256];

enum probe_mode {
	PROBE_SILENT,   /* connect, send nothing, read what the agent says */
	PROBE_REQUEST,  /* connect, send HELLO and a volume-create at once, read the first message */
	PROBE_LIBATTACH, /* attach_connect and attach_volume_list */
	PROBE_CREATE,   /* attach_connect and attach_volume_create of probe_device */
	PROBE_HOLD,     /* open probe_hold connections with HELLO, report, hold them until told */
	PROBE_READONLY, /* one connection: list, show, show with secrets, create, list again */
};
static const char *probe_device;
static int probe_hold, probe_ready[2], probe_go[2];

/* What the child saw. */
struct probe {
	int connect_err; /* errno of connect(), 0 if connected */
	int got;         /* 1: a message came */
	uint16_t type;
	uint32_t seq, status;
	char msg[ATTACH_MESSAGE_MAX + 1];
	int closed;      /* the agent closed the connection after that message */
	int lib_rc;      /* PROBE_LIBATTACH: the first failing call's result, or 0 */
	uint32_t lib_status;
	int held;        /* PROBE_HOLD: connections the agent served */
	int ro[6];       /* PROBE_READONLY: the six calls' results */
	uint32_t ro_status[6];
};

#define NO_VOLUME "0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b"

/* A --read-uid caller on one connection: what each call gets, and the refusal's message. */
static void child_readonly(struct probe *p)
{
	struct attach_client *c = attach_client_new();
	struct attach_volume_create_args va = { .device = probe_device };
	struct attach_volume_info *v = NULL;
	char id[ATTACH_UUID_LEN + 1];
	size_t n;
	p->lib_rc = attach_connect(c, W.sock);
	if (p->lib_rc)
		goto out;
	p->ro[0] = attach_volume_list(c, &v, &n);
	if (!p->ro[0])
		attach_volume_list_free(v, n);
	p->ro_status[0] = attach_last_status(c);
	for (int k = 1; k <= 2; k++) {
		v = NULL;
		p->ro[k] = attach_volume_show(c, NO_VOLUME, k == 2, &v);
		p->ro_status[k] = attach_last_status(c);
		attach_volume_info_free(v);
	}
	snprintf(p->msg, sizeof(p->msg), "%s", attach_last_message(c));
	p->ro[3] = attach_volume_create(c, &va, id);
	p->ro_status[3] = attach_last_status(c);
	p->ro[4] = attach_volume_list(c, &v, &n); /* the refusals kept the connection */
	if (!p->ro[4])
		attach_volume_list_free(v, n);
	p->ro_status[4] = attach_last_status(c);
	struct attach_stats *st = NULL;
	p->ro[5] = attach_stats(c, &st); /* monitoring's call */
	p->ro_status[5] = attach_last_status(c);
	attach_stats_free(st);
out:
	attach_client_free(c);
}

/* Open connections until the agent refuses one (or probe_hold are open): how many it took, and what it
 * said to the next; then tell the parent and hold them until it says go. */
static void child_hold(struct probe *p)
{
	int fds[64], n = 0;
	for (; n < probe_hold && n < 64; n++) {
		fds[n] = raw_connect(W.sock);
		if (fds[n] < 0)
			break;
		struct mb m;
		struct rmsg r;
		(void)send(fds[n], m.b, mb_hello(&m, 1), MSG_NOSIGNAL);
		p->got = raw_recv(fds[n], &r);
		p->type = r.type;
		p->status = r.status;
		snprintf(p->msg, sizeof(p->msg), "%s", r.msg);
		free(r.raw);
		if (p->type != ATTACH_MSG_HELLO || p->status != ATTACH_OK) {
			close(fds[n]);
			break;
		}
	}
	p->held = n;
	char b = 1;
	if (write(probe_ready[1], &b, 1) != 1 || read(probe_go[0], &b, 1) != 1)
		p->held = -1;
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

static void child_probe(enum probe_mode mode, struct probe *p)
{
	if (mode == PROBE_HOLD) {
		child_hold(p);
		return;
	}
	if (mode == PROBE_READONLY) {
		child_readonly(p);
		return;
	}
	if (mode == PROBE_CREATE) {
		struct attach_client *c = attach_client_new();
		struct attach_volume_create_args va = { .device = probe_device };
		char id[ATTACH_UUID_LEN + 1];
		p->lib_rc = attach_connect(c, W.sock);
		if (!p->lib_rc)
			p->lib_rc = attach_volume_create(c, &va, id);
		p->lib_status = attach_last_status(c);
		snprintf(p->msg, sizeof(p->msg), "%s", attach_last_message(c));
		attach_client_free(c);
		return;
	}
	if (mode == PROBE_LIBATTACH) {
		struct attach_client *c = attach_client_new();
		struct attach_volume_info *v;
		size_t n;
		p->lib_rc = attach_connect(c, W.sock);
		if (!p->lib_rc && !(p->lib_rc = attach_volume_list(c, &v, &n)))
			attach_volume_list_free(v, n);
		p->lib_status = attach_last_status(c);
		snprintf(p->msg, sizeof(p->msg), "%s", attach_last_message(c));
		attach_client_free(c);
		return;
	}
	int fd = raw_connect(W.sock);
	if (fd < 0) {
		p->connect_err = -fd;
		return;
	}
	if (mode == PROBE_REQUEST) {
		struct mb m;
		unsigned char buf[512];
		size_t len = mb_hello(&m, 1);
		memcpy(buf, m.b, len);
		mb_start(&m, ATTACH_MSG_VOLUME_CREATE, NLM_F_REQUEST, 2);
		mb_str(&m, ATTACH_A_DEVICE, DEV);
		memcpy(buf + len, m.b, mb_end(&m, 0));
		len += m.len;
		/* the refusal may already have closed the socket (EPIPE): read it anyway */
		if (send(fd, buf, len, MSG_NOSIGNAL) < 0 && errno != EPIPE && errno != ECONNRESET)
			p->connect_err = errno;
	}
	struct rmsg r;
	p->got = raw_recv(fd, &r);
	p->type = r.type;
	p->seq = r.seq;
	p->status = r.status;
	snprintf(p->msg, sizeof(p->msg), "%s", r.msg);
	free(r.raw);
	p->closed = raw_closed(fd);
	close(fd);
}

/* Run a probe as @uid, primary @gid and the @n supplementary @groups. */
static struct probe probe_as(uid_t uid, gid_t gid, const gid_t *groups, size_t n, enum probe_mode mode)
{
	int pfd[2];
	struct probe p = { 0 };
	assert_int_equal(pipe(pfd), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		if (setgroups(n, groups) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0 ||
		    getuid() != uid || getegid() != gid)
			_exit(3);
		child_probe(mode, &p);
		_exit(write(pfd[1], &p, sizeof(p)) == sizeof(p) ? 0 : 4);
	}
	close(pfd[1]);
	ssize_t got = read(pfd[0], &p, sizeof(p));
	close(pfd[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got != sizeof(p))
		fail_msg("the unprivileged child failed (status 0x%x): cannot drop privileges?", status);
	return p;
}

static void assert_refused(const struct probe *p, uid_t uid)
{
	char want[128];
	snprintf(want, sizeof(want), "uid %u is not allowed to use attachd (root, --allow-uid, --allow-gid)", uid);
	if (p->connect_err || p->got != 1 || p->type != ATTACH_MSG_REFUSED || p->seq != 0 ||
	    p->status != ATTACH_E_PERM || !strstr(p->msg, want) || !p->closed)
		fail_msg("wanted REFUSED/E_PERM \"%s\" then close; got connect %d, got %d, type 0x%x seq %u status %u "
			 "\"%s\", closed %d", want, p->connect_err, p->got, p->type, p->seq, p->status, p->msg, p->closed);
}

static void assert_allowed(const struct probe *p)
{
	if (p->lib_rc)
		fail_msg("refused: %d status %u \"%s\"", p->lib_rc, p->lib_status, p->msg);
}

static void restart(const char *a1, const char *a2, const char *a3, const char *a4)
{
	assert_int_equal(world_stop(&W), 0);
	assert_int_equal(world_start(&W, a1, a2, a3, a4, NULL), 0);
}

static void test_root_served(void **state)
{
	(void)state;
	world_assert_serves(&W);
}

static void test_refused_at_accept(void **state)
{
	(void)state;
	/* nothing sent: the refusal comes at accept, before any request is read */
	struct probe p = probe_as(NOBODY, 0, NULL, 0, PROBE_SILENT);
	assert_refused(&p, NOBODY);
}

static void test_refused_request_not_run(void **state)
{
	(void)state;
	char *before = world_snapshot(&W);
	struct probe p = probe_as(NOBODY, 0, NULL, 0, PROBE_REQUEST);
	assert_refused(&p, NOBODY);
	char *after = world_snapshot(&W); /* the volume-create it sent was never read */
	world_assert_same(&W, before, after);
	free(before);
	free(after);
	char *log = it_capture("grep -c 'refused pid [0-9]* uid %d gid 0: not root and not allowed' %s", NOBODY, W.log);
	assert_non_null(log);
	assert_true(atoi(log) >= 2);
	free(log);
}

static void test_refused_libattach(void **state)
{
	(void)state;
	struct probe p = probe_as(NOBODY, 0, NULL, 0, PROBE_LIBATTACH);
	assert_int_equal(p.lib_rc, -EPERM);
	assert_int_equal(p.lib_status, ATTACH_E_PERM);
	assert_non_null(strstr(p.msg, "is not allowed"));
}

static void test_allow_uid(void **state)
{
	(void)state;
	restart("--allow-uid", "65534", NULL, NULL);
	struct probe p = probe_as(NOBODY, 0, NULL, 0, PROBE_LIBATTACH);
	assert_allowed(&p);
	p = probe_as(NOBODY - 1, 0, NULL, 0, PROBE_SILENT); /* only the uid listed */
	assert_refused(&p, NOBODY - 1);
}

/* --read-uid: the read-only calls and nothing else, on a connection that stays open; --allow-uid wins. */
static void test_read_uid(void **state)
{
	(void)state;
	restart("--read-uid", "65534", NULL, NULL);
	probe_device = DEV;
	char *before = world_snapshot(&W);
	struct probe p = probe_as(NOBODY, 0, NULL, 0, PROBE_READONLY);
	char *after = world_snapshot(&W);
	assert_int_equal(p.lib_rc, 0);
	assert_int_equal(p.ro[0], 0);                      /* volume-list */
	assert_int_equal(p.ro[1], -ENOENT);                /* volume-show: past the gate, no such volume */
	assert_int_equal(p.ro_status[1], ATTACH_E_NOT_FOUND);
	assert_int_equal(p.ro[2], -EPERM);                 /* volume-show with secrets */
	assert_int_equal(p.ro_status[2], ATTACH_E_PERM);
	assert_string_equal(p.msg, "uid 65534 may make read-only calls only (--read-uid): not volume-show with secrets");
	assert_int_equal(p.ro[3], -EPERM);                 /* volume-create */
	assert_int_equal(p.ro_status[3], ATTACH_E_PERM);
	assert_int_equal(p.ro[4], 0);
	assert_int_equal(p.ro[5], 0);                      /* stats */
	assert_int_equal(p.ro_status[5], ATTACH_OK);
	world_assert_same(&W, before, after);
	free(before);
	free(after);
	p = probe_as(NOBODY - 1, 0, NULL, 0, PROBE_SILENT); /* only the uid listed */
	assert_refused(&p, NOBODY - 1);
	restart("--read-uid", "65534", "--allow-uid", "65534");
	p = probe_as(NOBODY, 0, NULL, 0, PROBE_READONLY);
	assert_int_equal(p.ro[2], -ENOENT); /* served in full: secrets may be asked for */
	assert_string_equal(p.msg, "no volume " NO_VOLUME);
}

static void test_allow_gid(void **state)
{
	(void)state;
	restart("--allow-gid", "4242", NULL, NULL);
	struct stat st;
	assert_int_equal(stat(W.sock, &st), 0);
	assert_int_equal(st.st_gid, GID_A); /* the first --allow-gid owns the socket */
	assert_int_equal(st.st_mode & 07777, 0660);
	gid_t a = GID_A;
	struct probe p = probe_as(NOBODY, NOBODY, &a, 1, PROBE_LIBATTACH); /* a supplementary group */
	assert_allowed(&p);
	p = probe_as(NOBODY, GID_A, NULL, 0, PROBE_LIBATTACH); /* the primary group */
	assert_allowed(&p);
	p = probe_as(NOBODY, NOBODY, NULL, 0, PROBE_SILENT); /* in neither: the file mode keeps it out */
	assert_int_equal(p.connect_err, EACCES);
	p = probe_as(NOBODY, 0, NULL, 0, PROBE_SILENT); /* gid 0 no longer owns the socket */
	assert_int_equal(p.connect_err, EACCES);
}

static void test_later_gid_and_many_groups(void **state)
{
	(void)state;
	restart("--allow-gid", "4242", "--allow-gid", "4243");
	/* a later --allow-gid passes the credential check only; open the file to reach that check */
	assert_int_equal(chmod(W.sock, 0666), 0);
	gid_t b = GID_B, other = GID_B + 1, many[201];
	struct probe p = probe_as(NOBODY, NOBODY, &b, 1, PROBE_LIBATTACH);
	assert_allowed(&p);
	p = probe_as(NOBODY, NOBODY, &other, 1, PROBE_SILENT);
	assert_refused(&p, NOBODY);
	/* more supplementary groups than the agent's first SO_PEERGROUPS buffer (64) */
	for (int i = 0; i < 200; i++)
		many[i] = 10000 + (gid_t)i;
	p = probe_as(NOBODY, NOBODY, many, 200, PROBE_SILENT);
	assert_refused(&p, NOBODY);
	many[200] = GID_B;
	p = probe_as(NOBODY, NOBODY, many, 201, PROBE_LIBATTACH);
	assert_allowed(&p);
}

/* An allowed uid registers devices only where a device policy says; its messages name only its path. */
static void test_device_policy(void **state)
{
	(void)state;
	char ok_dir[256], ok_dev[256], prefix[300];
	restart("--allow-uid", "65534", NULL, NULL);
	probe_device = DEV;
	struct probe p = probe_as(NOBODY, 0, NULL, 0, PROBE_CREATE);
	assert_int_equal(p.lib_rc, -EPERM);
	assert_non_null(strstr(p.msg, "no device policy (--device-prefix, --device-vg): only root registers devices"));
	world_path(&W, ok_dir, sizeof(ok_dir), "ok");
	assert_int_equal(mkdir(ok_dir, 0755), 0);
	world_path(&W, ok_dev, sizeof(ok_dev), "ok/disk1");
	assert_int_equal(mknod(ok_dev, S_IFBLK | 0600, makedev(7, 61)), 0); /* the caller cannot open it */
	snprintf(prefix, sizeof(prefix), "%s/", ok_dir);
	assert_int_equal(world_stop(&W), 0);
	assert_int_equal(world_start(&W, "--allow-uid", "65534", "--device-prefix", prefix, NULL), 0);
	p = probe_as(NOBODY, 0, NULL, 0, PROBE_CREATE);
	assert_int_equal(p.lib_rc, -EPERM);
	assert_non_null(strstr(p.msg, "is outside this attachd's device policy"));
	probe_device = ok_dev;
	p = probe_as(NOBODY, 0, NULL, 0, PROBE_CREATE);
	assert_allowed(&p);
	/* root is held to the policy too */
	struct attach_client *c = world_client(&W);
	struct attach_volume_create_args va = { .device = DEV };
	char id[ATTACH_UUID_LEN + 1];
	assert_int_equal(attach_volume_create(c, &va, id), -EPERM);
	world_client_free(c);
}

/* Start a child as @uid that holds connections; returns its pid. */
static pid_t hold_as(uid_t uid, int n, int out_fd)
{
	probe_hold = n;
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct probe p = { 0 };
		/* gid 0 reaches the socket (0660 root:root); the uid is what the agent counts */
		if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(uid, uid, uid) < 0)
			_exit(3);
		child_probe(PROBE_HOLD, &p);
		_exit(write(out_fd, &p, sizeof(p)) == sizeof(p) ? 0 : 4);
	}
	char b;
	assert_int_equal(read(probe_ready[0], &b, 1), 1);
	return pid;
}

static struct probe hold_done(pid_t pid, int in_fd)
{
	struct probe p;
	char b = 1;
	assert_int_equal(write(probe_go[1], &b, 1), 1);
	assert_int_equal(read(in_fd, &p, sizeof(p)), sizeof(p));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return p;
}

/* No allowed uid can fill the agent: a cap per uid, and slots only root may take. */
static void test_connection_caps(void **state)
{
	(void)state;
	int res[2];
	assert_int_equal(pipe(probe_ready) | pipe(probe_go) | pipe(res), 0);
	assert_int_equal(world_stop(&W), 0);
	assert_int_equal(world_start(&W, "--allow-uid", "65534", "--max-clients", "8", "--max-clients-per-uid", "3",
				     NULL), 0);
	pid_t pid = hold_as(NOBODY, 10, res[1]);
	struct probe p = hold_done(pid, res[0]);
	assert_int_equal(p.held, 3);
	assert_int_equal(p.type, ATTACH_MSG_REFUSED);
	assert_int_equal(p.status, ATTACH_E_LIMIT);
	assert_non_null(strstr(p.msg, "uid 65534 has 3 connections open (limit per uid 3)"));

	assert_int_equal(world_stop(&W), 0);
	assert_int_equal(world_start(&W, "--allow-uid", "65534", "--max-clients", "8", NULL), 0);
	pid = hold_as(NOBODY, 10, res[1]); /* holds what it got while root comes */
	int fds[8], n;
	for (n = 0; n < 5; n++) {
		fds[n] = raw_connect(W.sock);
		assert_true(fds[n] >= 0);
		struct mb m;
		struct rmsg r;
		raw_send(fds[n], m.b, mb_hello(&m, 1));
		assert_int_equal(raw_recv(fds[n], &r), 1);
		bool served = r.type == ATTACH_MSG_HELLO && r.status == ATTACH_OK;
		if (n < 4 && !served)
			fail_msg("root's connection %d refused: %s", n + 1, r.msg);
		if (n == 4 && (served || !strstr(r.msg, "too many clients (limit 8)")))
			fail_msg("root's connection 5 (9 in all): \"%s\"", r.msg);
		rmsg_free(&r);
	}
	for (int i = 0; i < n; i++)
		raw_close(fds[i]);
	p = hold_done(pid, res[0]);
	assert_int_equal(p.held, 4);
	assert_non_null(strstr(p.msg, "too many clients (limit 8, of which 4 are kept for root)"));
	close(probe_ready[0]), close(probe_ready[1]), close(probe_go[0]), close(probe_go[1]), close(res[0]),
		close(res[1]);
}

/* A connection that says nothing is closed after --request-timeout, one that goes idle after
 * --idle-timeout; a libattach client that was idle connects again by itself. */
static void test_idle_connections(void **state)
{
	(void)state;
	assert_int_equal(world_stop(&W), 0);
	assert_int_equal(world_start(&W, "--idle-timeout", "400", "--request-timeout", "300", NULL), 0);
	struct rmsg r;
	uint64_t t0 = it_now_ms();
	int fd = raw_connect(W.sock);
	assert_true(fd >= 0);
	assert_int_equal(raw_recv(fd, &r), 1);
	assert_int_equal(r.type, ATTACH_MSG_REFUSED);
	assert_int_equal(r.status, ATTACH_E_TIMEOUT);
	assert_non_null(strstr(r.msg, "no hello within 300 ms of connecting"));
	assert_true(it_now_ms() - t0 >= 300);
	assert_true(raw_closed(fd));
	rmsg_free(&r);
	raw_close(fd);

	/* requests that are not hello do not keep the hello clock from running */
	t0 = it_now_ms();
	fd = raw_connect(W.sock);
	assert_true(fd >= 0);
	for (;;) {
		struct mb m;
		mb_start(&m, ATTACH_MSG_VOLUME_LIST, NLM_F_REQUEST, 2);
		(void)send(fd, m.b, mb_end(&m, 0), MSG_NOSIGNAL); /* fails once the agent has closed: read why */
		assert_int_equal(raw_recv(fd, &r), 1);
		if (r.type == ATTACH_MSG_REFUSED)
			break;
		assert_int_equal(r.status, ATTACH_E_PROTO); /* "send hello ... before" */
		rmsg_free(&r);
		assert_true(it_now_ms() - t0 < 2000);
		usleep(100 * 1000);
	}
	assert_non_null(strstr(r.msg, "no hello within 300 ms of connecting"));
	rmsg_free(&r);
	raw_close(fd);

	fd = raw_connect(W.sock);
	raw_hello(fd, 1);
	t0 = it_now_ms();
	assert_int_equal(raw_recv(fd, &r), 1);
	assert_int_equal(r.type, ATTACH_MSG_REFUSED);
	assert_non_null(strstr(r.msg, "idle for 400 ms: connection closed"));
	assert_true(it_now_ms() - t0 >= 350);
	assert_true(raw_closed(fd));
	rmsg_free(&r);
	raw_close(fd);

	/* busy is not idle; and libattach comes back after an idle close */
	struct attach_client *c = world_client(&W);
	struct attach_volume_info *v;
	size_t nv;
	for (int i = 0; i < 6; i++) {
		usleep(200 * 1000);
		assert_int_equal(attach_volume_list(c, &v, &nv), 0);
		attach_volume_list_free(v, nv);
	}
	usleep(700 * 1000);
	if (attach_volume_list(c, &v, &nv))
		fail_msg("after an idle close: %s", attach_last_message(c));
	attach_volume_list_free(v, nv);
	world_client_free(c);
	assert_int_equal(world_stop(&W), 0);
	assert_int_equal(world_start(&W, NULL), 0);
}

static int setup(void **state)
{
	it_world_setup(state);
	world_dev(&W, "disk0", 60, DEV, sizeof(DEV));
	assert_int_equal(world_start(&W, NULL), 0);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_served),
		cmocka_unit_test(test_refused_at_accept),
		cmocka_unit_test(test_refused_request_not_run),
		cmocka_unit_test(test_refused_libattach),
		cmocka_unit_test(test_allow_uid),
		cmocka_unit_test(test_read_uid),
		cmocka_unit_test(test_allow_gid),
		cmocka_unit_test(test_later_gid_and_many_groups),
		cmocka_unit_test(test_device_policy),
		cmocka_unit_test(test_connection_caps),
		cmocka_unit_test(test_idle_connections),
		cmocka_unit_test(test_clean_exit),
	};
	if (geteuid() != 0) {
		printf("1..0 # SKIP test_policy needs root to change uid\n");
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, it_world_teardown);
}
