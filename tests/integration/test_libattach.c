/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_libattach.c: a real attachd (build/attachd-sim) driven through libattach: the full cycle with
 * structured results, errors mapped to errno with the agent's message, several clients at once, and the
 * raw socket: pipelined requests, framing errors answered before the connection closes, a half-sent
 * request timed out while other clients are served.
 */
#include <pthread.h>

#include "itest.h"

static char DEV[2][256];

static int setup(void **state)
{
	it_world_setup(state);
	world_dev(&W, "disk0", 240, DEV[0], sizeof(DEV[0]));
	world_dev(&W, "disk1", 241, DEV[1], sizeof(DEV[1]));
	assert_int_equal(world_start(&W, "--portal", "[::1]:3260", "--no-dm", "--request-timeout", "300",
				     "--max-clients", "40", NULL), 0);
	return 0;
}

static void test_cycle(void **state)
{
	(void)state;
	struct attach_client *c = world_client(&W);
	char vol[37], att[37], att2[37];
	struct attach_volume_create_args va = { .device = DEV[0], .name = "lib" };
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
	world_client_free(c);
}

static void *lister(void *arg)
{
	(void)arg;
	struct attach_client *c = attach_client_new();
	intptr_t bad = 0;
	if (!c || attach_connect(c, W.sock))
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

static int sock_connect(void)
{
	int fd = raw_connect(W.sock);
	assert_true(fd >= 0);
	return fd;
}

static void raw_send_msg(int fd, struct nl_msg *m)
{
	struct nlmsghdr *h = nlmsg_hdr(m);
	raw_send(fd, h, h->nlmsg_len);
	nlmsg_free(m);
}

/* Read one reply; its status (or -1 on end of stream, or when nothing comes). */
static int raw_reply(int fd, uint32_t *seq)
{
	struct rmsg r;
	int got = raw_recv(fd, &r);
	if (got == 0 || got == -EAGAIN)
		return -1;
	if (got != 1)
		fail_msg("a reply that does not parse (%d)", got);
	if (seq)
		*seq = r.seq;
	rmsg_free(&r);
	return (int)r.status;
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
	int fd = sock_connect();
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
	raw_close(fd);
}

static void test_framing_errors(void **state)
{
	(void)state;
	/* a length below the header: answered, then closed */
	int fd = sock_connect();
	struct nlmsghdr h = { .nlmsg_len = 8, .nlmsg_type = ATTACH_MSG_HELLO, .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 7 };
	assert_int_equal(write(fd, &h, sizeof(h)), sizeof(h));
	assert_int_equal(raw_reply(fd, NULL), ATTACH_E_PROTO);
	assert_int_equal(raw_reply(fd, NULL), -1);
	raw_close(fd);
	/* a length above the maximum: answered before any body is read, then closed */
	fd = sock_connect();
	h.nlmsg_len = ATTACH_REQUEST_MAX + 1;
	assert_int_equal(write(fd, &h, sizeof(h)), sizeof(h));
	assert_int_equal(raw_reply(fd, NULL), ATTACH_E_TOO_BIG);
	assert_int_equal(raw_reply(fd, NULL), -1);
	raw_close(fd);
	/* a request before hello */
	fd = sock_connect();
	raw_send_msg(fd, proto_msg_new(ATTACH_MSG_VOLUME_LIST, NLM_F_REQUEST, 1));
	assert_int_equal(raw_reply(fd, NULL), ATTACH_E_PROTO);
	/* the connection stays usable after a request-level error */
	raw_send_msg(fd, hello(2));
	assert_int_equal(raw_reply(fd, NULL), ATTACH_OK);
	raw_close(fd);
}

static void test_half_request_times_out(void **state)
{
	(void)state;
	int fd = sock_connect();
	struct nl_msg *m = hello(1);
	assert_int_equal(write(fd, nlmsg_hdr(m), 10), 10); /* part of the header */
	nlmsg_free(m);
	world_assert_serves(&W); /* others are served meanwhile */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(raw_reply(fd, NULL), ATTACH_E_TIMEOUT); /* ATTACH_MSG_REFUSED, then closed */
	assert_int_equal(raw_reply(fd, NULL), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 3);
	raw_close(fd);
}

static void test_client_vanishes_mid_reply(void **state)
{
	(void)state;
	struct attach_client *c = world_client(&W);
	char vol[37];
	struct attach_volume_create_args va = { .device = DEV[1] };
	assert_int_equal(attach_volume_create(c, &va, vol), 0);
	world_client_free(c);
	for (int i = 0; i < 20; i++) {
		int fd = sock_connect();
		raw_send_msg(fd, hello(1));
		raw_send_msg(fd, proto_msg_new(ATTACH_MSG_VOLUME_LIST, NLM_F_REQUEST, 2));
		raw_close(fd); /* before reading anything */
	}
	c = world_client(&W);
	struct attach_volume_info *v;
	assert_int_equal(attach_volume_show(c, vol, false, &v), 0);
	attach_volume_info_free(v);
	world_client_free(c);
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
		cmocka_unit_test(test_clean_exit),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, it_world_teardown);
}
