/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_libattach.c: a real attachd (build/attachd-sim) driven through libattach: the full cycle with
 * structured results, errors mapped to errno with the agent's message, several clients at once, and the
 * raw socket: pipelined requests, framing errors answered before the connection closes, a half-sent
 * request timed out while other clients are served.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "attach.h"
#include "proto.h"

struct world {
	char dir[64];
	char sock[128];
	char dev[2][128];
	pid_t agent;
};

static struct world *W;

static void run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

static int world_setup(void **state)
{
	(void)state;
	W = calloc(1, sizeof(*W));
	strcpy(W->dir, access("/dev/shm", W_OK) == 0 ? "/dev/shm/attachd-lib-XXXXXX" : "/tmp/attachd-lib-XXXXXX");
	assert_non_null(mkdtemp(W->dir));
	const char *b = getenv("BUILD") ? getenv("BUILD") : "build";
	run("mkdir %s/cfs && %s/tests/sim-setup %s/cfs", W->dir, b, W->dir);
	snprintf(W->sock, sizeof(W->sock), "%s/s.sock", W->dir);
	for (int i = 0; i < 2; i++) {
		snprintf(W->dev[i], sizeof(W->dev[i]), "%s/disk%d", W->dir, i);
		assert_int_equal(mknod(W->dev[i], S_IFBLK | 0600, makedev(7, 240 + i)), 0);
	}
	char db[128], cfs[128], log[128];
	snprintf(db, sizeof(db), "%s/db", W->dir);
	snprintf(cfs, sizeof(cfs), "%s/cfs", W->dir);
	snprintf(log, sizeof(log), "%s/agent.log", W->dir);
	W->agent = fork();
	assert_true(W->agent >= 0);
	if (W->agent == 0) {
		if (!freopen(log, "w", stderr))
			_exit(126);
		char agent[256];
		snprintf(agent, sizeof(agent), "%s/attachd-sim", b);
		execl(agent, "attachd-sim", "--socket", W->sock, "--db", db, "--configfs-root", cfs,
		      "--portal", "127.0.0.1:3260", "--portal", "[::1]:3260", "--no-dm", "--no-kmod", "--foreground",
		      "--request-timeout", "300", "--max-clients", "40", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		struct stat st;
		if (stat(W->sock, &st) == 0)
			return 0;
		usleep(20000);
	}
	fail_msg("attachd-sim did not create its socket");
	return -1;
}

static int world_teardown(void **state)
{
	(void)state;
	int status;
	kill(W->agent, SIGTERM);
	assert_int_equal(waitpid(W->agent, &status, 0), W->agent);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	run("rm -rf %s", W->dir);
	free(W);
	return 0;
}

static struct attach_client *client(void)
{
	struct attach_client *c = attach_client_new();
	assert_non_null(c);
	if (attach_connect(c, W->sock))
		fail_msg("connect: %s", attach_last_message(c));
	return c;
}

static void test_cycle(void **state)
{
	(void)state;
	struct attach_client *c = client();
	char vol[37], att[37], att2[37];
	struct attach_volume_create_args va = { .device = W->dev[0], .name = "lib" };
	assert_int_equal(attach_volume_create(c, &va, vol), 0);
	assert_int_equal(attach_reserve(c, vol, att), 0);
	struct attach_connector conn = { .initiator = "iqn.2004-10.org.example:lib", .host = "h" };
	struct attach_conninfo ci;
	assert_int_equal(attach_initialize_connection(c, vol, &conn, &ci), 0);
	assert_int_equal(ci.n_portals, 2);
	assert_string_equal(ci.portals[0], "127.0.0.1:3260");
	assert_string_equal(ci.portals[1], "[::1]:3260");
	assert_string_equal(ci.auth_method, "CHAP");
	assert_int_equal(ci.lun, 0);
	char *json = attach_conninfo_json(&ci);
	assert_non_null(json);
	assert_non_null(strstr(json, "\"target_portals\": [\"127.0.0.1:3260\", \"[::1]:3260\"]"));
	assert_non_null(strstr(json, "\"target_luns\": [0, 0]"));
	free(json);
	struct attach_attach_args aa = { .instance = "6f1c9d7e-1111-4222-8333-944455556666", .host = "h",
					 .mountpoint = "/dev/vdb", .mode = ATTACH_MODE_RW };
	assert_int_equal(attach_attach(c, vol, &aa, att2), 0);
	assert_string_equal(att, att2);

	struct attach_volume_info *v;
	assert_int_equal(attach_volume_show(c, vol, false, &v), 0);
	assert_int_equal(v->state, ATTACH_STATE_IN_USE);
	assert_int_equal(v->n_attachments, 1);
	assert_string_equal(v->attachments[0].initiator, "iqn.2004-10.org.example:lib");
	assert_true(v->exported);
	assert_int_equal(v->n_portals, 2);
	assert_int_equal(v->n_acls, 1);
	assert_null(v->acls[0].password);
	attach_volume_info_free(v);
	assert_int_equal(attach_volume_show(c, vol, true, &v), 0);
	assert_string_equal(v->acls[0].password, ci.auth_password);
	attach_volume_info_free(v);

	/* errors: errno from the status, the agent's message */
	assert_int_equal(attach_detach(c, vol, NULL), -EBADFD);
	assert_int_equal(attach_last_status(c), ATTACH_E_STATE);
	assert_non_null(strstr(attach_last_message(c), "is in-use; detach expects detaching"));
	assert_int_equal(attach_reserve(c, "00000000-0000-4000-8000-000000000000", NULL), -ENOENT);

	/* dry run */
	attach_set_dry_run(c, true);
	assert_int_equal(attach_terminate_connection(c, vol, NULL, true), 0);
	const char *const *steps;
	size_t n = attach_last_plan(c, &steps);
	assert_true(n >= 6);
	attach_set_dry_run(c, false);

	assert_int_equal(attach_begin_detaching(c, vol), 0);
	assert_int_equal(attach_terminate_connection(c, vol, conn.initiator, false), 0);
	assert_int_equal(attach_detach(c, vol, att), 0);
	assert_int_equal(attach_volume_delete(c, vol), 0);
	attach_conninfo_clear(&ci);
	attach_client_free(c);
}

static void *lister(void *arg)
{
	(void)arg;
	struct attach_client *c = attach_client_new();
	intptr_t bad = 0;
	if (!c || attach_connect(c, W->sock))
		bad++;
	for (int i = 0; c && !bad && i < 50; i++) {
		struct attach_volume_info *v;
		size_t n;
		if (attach_volume_list(c, &v, &n))
			bad++;
		else
			attach_volume_list_free(v, n);
	}
	attach_client_free(c);
	return (void *)bad;
}

static void test_concurrent_clients(void **state)
{
	(void)state;
	pthread_t t[16];
	for (int i = 0; i < 16; i++)
		assert_int_equal(pthread_create(&t[i], NULL, lister, NULL), 0);
	for (int i = 0; i < 16; i++) {
		void *bad;
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
}

static int raw_connect(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, W->sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	struct timeval tv = { 5, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void raw_send_msg(int fd, struct nl_msg *m)
{
	struct nlmsghdr *h = nlmsg_hdr(m);
	assert_int_equal(write(fd, h, h->nlmsg_len), (ssize_t)h->nlmsg_len);
	nlmsg_free(m);
}

/* Read one reply; its status (or -1 on end of stream). */
static int raw_reply(int fd, uint32_t *seq)
{
	struct nlmsghdr h;
	if (recv(fd, &h, sizeof(h), MSG_WAITALL) != sizeof(h))
		return -1;
	char *body = malloc(h.nlmsg_len);
	memcpy(body, &h, sizeof(h));
	assert_int_equal(recv(fd, body + sizeof(h), h.nlmsg_len - sizeof(h), MSG_WAITALL),
			 (ssize_t)(h.nlmsg_len - sizeof(h)));
	struct nlattr *tb[ATTACH_A_MAX + 1];
	assert_int_equal(nlmsg_parse((struct nlmsghdr *)body, 0, tb, ATTACH_A_MAX, (struct nla_policy *)proto_reply_policy), 0);
	int st = (int)nla_get_u32(tb[ATTACH_A_STATUS]);
	if (seq)
		*seq = h.nlmsg_seq;
	free(body);
	return st;
}

static struct nl_msg *hello(uint32_t seq)
{
	struct nl_msg *m = proto_msg_new(ATTACH_MSG_HELLO, NLM_F_REQUEST, seq);
	proto_put_u32(m, ATTACH_A_VERSION, ATTACH_PROTO_VERSION);
	return m;
}

static void test_pipelined_requests(void **state)
{
	(void)state;
	int fd = raw_connect();
	/* five requests in one write: answered in order */
	char buf[4096];
	size_t len = 0;
	for (uint32_t s = 1; s <= 5; s++) {
		struct nl_msg *m = s == 1 ? hello(s) : proto_msg_new(ATTACH_MSG_VOLUME_LIST, NLM_F_REQUEST, s);
		memcpy(buf + len, nlmsg_hdr(m), nlmsg_hdr(m)->nlmsg_len);
		len += nlmsg_hdr(m)->nlmsg_len;
		nlmsg_free(m);
	}
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	for (uint32_t s = 1; s <= 5; s++) {
		uint32_t seq;
		assert_int_equal(raw_reply(fd, &seq), ATTACH_OK);
		assert_int_equal(seq, s);
	}
	close(fd);
}

static void test_framing_errors(void **state)
{
	(void)state;
	/* a length below the header: answered, then closed */
	int fd = raw_connect();
	struct nlmsghdr h = { .nlmsg_len = 8, .nlmsg_type = ATTACH_MSG_HELLO, .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 7 };
	assert_int_equal(write(fd, &h, sizeof(h)), sizeof(h));
	assert_int_equal(raw_reply(fd, NULL), ATTACH_E_PROTO);
	assert_int_equal(raw_reply(fd, NULL), -1);
	close(fd);
	/* a length above the maximum: answered before any body is read, then closed */
	fd = raw_connect();
	h.nlmsg_len = ATTACH_REQUEST_MAX + 1;
	assert_int_equal(write(fd, &h, sizeof(h)), sizeof(h));
	assert_int_equal(raw_reply(fd, NULL), ATTACH_E_TOO_BIG);
	assert_int_equal(raw_reply(fd, NULL), -1);
	close(fd);
	/* a request before hello */
	fd = raw_connect();
	raw_send_msg(fd, proto_msg_new(ATTACH_MSG_VOLUME_LIST, NLM_F_REQUEST, 1));
	assert_int_equal(raw_reply(fd, NULL), ATTACH_E_PROTO);
	/* the connection stays usable after a request-level error */
	raw_send_msg(fd, hello(2));
	assert_int_equal(raw_reply(fd, NULL), ATTACH_OK);
	close(fd);
}

static void test_half_request_times_out(void **state)
{
	(void)state;
	int fd = raw_connect();
	struct nl_msg *m = hello(1);
	assert_int_equal(write(fd, nlmsg_hdr(m), 10), 10); /* part of the header */
	nlmsg_free(m);
	/* others are served meanwhile */
	struct attach_client *c = client();
	struct attach_volume_info *v;
	size_t n;
	assert_int_equal(attach_volume_list(c, &v, &n), 0);
	attach_volume_list_free(v, n);
	attach_client_free(c);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(raw_reply(fd, NULL), ATTACH_E_TIMEOUT); /* ATTACH_MSG_REFUSED, then closed */
	assert_int_equal(raw_reply(fd, NULL), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 3);
	close(fd);
}

static void test_client_vanishes_mid_reply(void **state)
{
	(void)state;
	struct attach_client *c = client();
	char vol[37];
	struct attach_volume_create_args va = { .device = W->dev[1] };
	assert_int_equal(attach_volume_create(c, &va, vol), 0);
	attach_client_free(c);
	for (int i = 0; i < 20; i++) {
		int fd = raw_connect();
		raw_send_msg(fd, hello(1));
		raw_send_msg(fd, proto_msg_new(ATTACH_MSG_VOLUME_LIST, NLM_F_REQUEST, 2));
		close(fd); /* before reading anything */
	}
	c = client();
	struct attach_volume_info *v;
	assert_int_equal(attach_volume_show(c, vol, false, &v), 0);
	attach_volume_info_free(v);
	attach_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_concurrent_clients),
		cmocka_unit_test(test_pipelined_requests),
		cmocka_unit_test(test_framing_errors),
		cmocka_unit_test(test_half_request_times_out),
		cmocka_unit_test(test_client_vanishes_mid_reply),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
