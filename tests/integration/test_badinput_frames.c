/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_badinput_frames.c: bad input at the level of the byte stream and the connection, through the real
 * socket of build/attachd-sim (badinput.h: one table row a case, each checked for its reply, an agent
 * that still serves and a world that did not change): framing (lengths that lie, truncated and trickling
 * requests), the message header (types, flags, protocol versions, requests before hello), and the
 * connection limits (--max-clients, --max-volumes, a client that leaves mid-reply).
 */
#include <poll.h>
#include <sys/ioctl.h>

#include "badinput.h"

static void custom_after_bad_hello(const struct bad_case *c)
{
	(void)c;
	struct mb m;
	struct rmsg r;
	int fd = raw_connect(W.sock);
	assert_true(fd >= 0);
	mb_start(&m, ATTACH_MSG_HELLO, NLM_F_REQUEST, 1);
	mb_u32(&m, ATTACH_A_VERSION, 99);
	raw_send(fd, m.b, mb_end(&m, 0));
	raw_recv(fd, &r);
	expect_reply(&r, ATTACH_MSG_HELLO, 1, ATTACH_E_VERSION, "protocol version 99 is not supported");
	rmsg_free(&r);
	mb_start(&m, ATTACH_MSG_VOLUME_LIST, NLM_F_REQUEST, 2);
	raw_send(fd, m.b, mb_end(&m, 0));
	raw_recv(fd, &r);
	expect_reply(&r, ATTACH_MSG_VOLUME_LIST, 2, ATTACH_E_PROTO, "send hello (the protocol version exchange) before");
	rmsg_free(&r);
	raw_close(fd);
}

static void custom_half_message(const struct bad_case *c)
{
	(void)c;
	struct mb m;
	struct rmsg r;
	int fd = raw_connect(W.sock);
	assert_true(fd >= 0);
	raw_hello(fd, 1);
	mb_start(&m, ATTACH_MSG_VOLUME_SHOW, NLM_F_REQUEST, 2);
	mb_str(&m, ATTACH_A_VOLUME_ID, BAD.vol[V_AVAIL]);
	raw_send(fd, m.b, mb_end(&m, 0) - 20); /* the header and part of the id, then silence */
	uint64_t t0 = it_now_ms();
	world_assert_serves(&W); /* another client is served meanwhile */
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (it_now_ms() - t0 < 250)
		assert_int_equal(poll(&p, 1, 0), 0); /* and the silent one is not answered early */
	raw_recv(fd, &r);
	expect_reply(&r, ATTACH_MSG_REFUSED, 0, ATTACH_E_TIMEOUT, "request incomplete after " TIMEOUT_MS " ms");
	rmsg_free(&r);
	assert_true(it_now_ms() - t0 >= 250);
	assert_true(raw_closed(fd));
	raw_close(fd);
}

/* A byte every 100 ms: the deadline runs from the request's first byte, it is not re-armed by each byte
 * (agent/server/srv.c srv_serve), so a trickle cannot hold a connection forever. */
static void custom_slow_drip(const struct bad_case *c)
{
	(void)c;
	struct mb m;
	struct rmsg r;
	int fd = raw_connect(W.sock);
	assert_true(fd >= 0);
	size_t len = mb_hello(&m, 1);
	uint64_t t0 = it_now_ms();
	struct pollfd p = { .fd = fd, .events = POLLIN };
	for (size_t i = 0; i < len && poll(&p, 1, 100) == 0; i++)
		(void)send(fd, m.b + i, 1, MSG_NOSIGNAL); /* fails once the agent has closed */
	raw_recv(fd, &r);
	expect_reply(&r, ATTACH_MSG_REFUSED, 0, ATTACH_E_TIMEOUT, "request incomplete after " TIMEOUT_MS " ms");
	rmsg_free(&r);
	assert_true(it_now_ms() - t0 < 100 * len - 200); /* long before the last byte would have come */
	raw_close(fd);
}

static void custom_max_clients(const struct bad_case *c)
{
	(void)c;
	int base = proc_settled_fds(W.agent), fds[MAX_CLIENTS];
	struct rmsg r;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		fds[i] = raw_connect(W.sock);
		assert_true(fds[i] >= 0);
		raw_hello(fds[i], 1); /* accepted and counted */
	}
	int extra = raw_connect(W.sock);
	assert_true(extra >= 0);
	raw_recv(extra, &r); /* sent at accept, before anything is read */
	expect_reply(&r, ATTACH_MSG_REFUSED, 0, ATTACH_E_LIMIT, "too many clients (limit 16); try again later");
	rmsg_free(&r);
	assert_true(raw_closed(extra));
	raw_close(extra);
	for (int i = 0; i < MAX_CLIENTS; i++)
		raw_close(fds[i]);
	assert_int_equal(proc_wait_fds(W.agent, base), base);
}

static void custom_max_volumes(const struct bad_case *c)
{
	(void)c;
	struct attach_client *cl = world_client(&W);
	struct attach_volume_info *v;
	size_t n;
	assert_int_equal(attach_volume_list(cl, &v, &n), 0);
	attach_volume_list_free(v, n);
	world_client_free(cl);
	char limit[16], msg[128];
	snprintf(limit, sizeof(limit), "%zu", n); /* exactly the volumes there are */
	snprintf(msg, sizeof(msg), "%zu volumes registered: the limit (--max-volumes) is %zu", n, n);
	assert_int_equal(world_stop(&W), 0);
	bad_agent_start("--max-volumes", limit);
	const struct bad_case create = { "", ATTACH_MSG_VOLUME_CREATE, { STR(DEVICE, "$FREE") },
					 .status = ATTACH_E_LIMIT, .msg = msg };
	run_generic(&create);
	assert_int_equal(world_stop(&W), 0);
	bad_agent_start(NULL, NULL);
}


/* A client that leaves mid-reply: a world with enough volumes that volume-list's reply cannot fit in the
 * socket's buffer, so the agent still holds part of it when the client closes; bad_crowd while it runs. */
static void custom_mid_reply(const struct bad_case *c)
{
	(void)c;
	static struct world w;
	bad_crowd = &w;
	char dir[512], dev[600], name[ATTACH_NAME_MAX + 1];
	world_new(&w);
	FILE *f = fopen("/proc/sys/net/core/wmem_default", "r"); /* an accepted socket's send buffer */
	long wmem = 212992;
	if (f && fscanf(f, "%ld", &wmem) != 1)
		wmem = 212992;
	if (f)
		fclose(f);
	/* long names and paths make each entry about 800 bytes; paths stay under LMDB's 511-byte keys */
	int nvol = (int)(2 * wmem / 800) + 50;
	assert_true(nvol < 4000);
	int len = snprintf(dir, sizeof(dir), "%s", w.dir);
	for (int i = 0; i < 2; i++) {
		len += snprintf(dir + len, sizeof(dir) - (size_t)len, "/%0200d", i);
		assert_int_equal(mkdir(dir, 0755), 0);
	}
	memset(name, 'n', ATTACH_NAME_MAX);
	name[ATTACH_NAME_MAX] = '\0';
	assert_int_equal(world_start(&w, NULL), 0);
	struct attach_client *cl = world_client(&w);
	for (int i = 0; i < nvol; i++) {
		snprintf(dev, sizeof(dev), "%s/%050d", dir, i);
		assert_int_equal(mknod(dev, S_IFBLK | 0600, makedev(7, (unsigned)i)), 0);
		struct attach_volume_create_args va = { .device = dev, .name = name };
		char id[ATTACH_UUID_LEN + 1];
		if (attach_volume_create(cl, &va, id))
			fail_msg("volume-create %d: %s", i, attach_last_message(cl));
	}
	world_client_free(cl);
	char *before = world_snapshot(&w);
	int base = proc_settled_fds(w.agent);
	for (int round = 0; round < 3; round++) {
		int fd = raw_connect(w.sock);
		struct mb m;
		raw_hello(fd, 1);
		mb_start(&m, ATTACH_MSG_VOLUME_LIST, NLM_F_REQUEST, 2);
		raw_send(fd, m.b, mb_end(&m, 0));
		int queued = -1, prev;
		do { /* until the agent has written all the socket takes */
			prev = queued;
			usleep(50000 * (unsigned)it_slow());
			assert_int_equal(ioctl(fd, FIONREAD, &queued), 0);
		} while (queued != prev || queued == 0);
		struct nlmsghdr h;
		assert_int_equal(recv(fd, &h, sizeof(h), MSG_PEEK | MSG_WAITALL), sizeof(h));
		assert_int_equal(h.nlmsg_type, ATTACH_MSG_VOLUME_LIST);
		if ((uint32_t)queued >= h.nlmsg_len)
			fail_msg("the whole reply (%u bytes) fit in the socket: not a mid-reply close", h.nlmsg_len);
		raw_close(fd); /* with the reply half sent */
	}
	assert_int_equal(proc_wait_fds(w.agent, base), base);
	cl = world_client(&w);
	struct attach_volume_info *v;
	size_t n;
	assert_int_equal(attach_volume_list(cl, &v, &n), 0); /* the same big reply, read whole */
	assert_int_equal(n, (size_t)nvol);
	attach_volume_list_free(v, n);
	world_client_free(cl);
	char *after = world_snapshot(&w);
	world_assert_same(&w, before, after);
	free(before);
	free(after);
	assert_int_equal(world_stop(&w), 0);
	world_free(&w);
	bad_crowd = NULL;
}

static const struct bad_case cases[] = {
	/* framing */
	{ "truncated header: 10 bytes, then silence", M(HELLO), { U32(VERSION, 1) }, .send = 10, REFUSED_TIMEOUT },
	{ "nlmsg_len 8, below the header", M(HELLO), { U32(VERSION, 1) }, .len = LEN(8), .status = E(PROTO),
	  .msg = "nlmsg_len 8 is below the 16-byte header", .closes = true },
	{ "nlmsg_len 0", M(HELLO), { U32(VERSION, 1) }, .len = LEN(0), .status = E(PROTO),
	  .msg = "nlmsg_len 0 is below the 16-byte header", .closes = true },
	{ "nlmsg_len 65537, over the maximum", M(HELLO), { U32(VERSION, 1) }, .len = LEN(65537), .status = E(TOO_BIG),
	  .msg = "message of 65537 bytes exceeds the maximum of 65536", .closes = true },
	{ "nlmsg_len 0xffffffff", M(HELLO), { U32(VERSION, 1) }, .len = LEN(0xffffffffu), .status = E(TOO_BIG),
	  .msg = "message of 4294967295 bytes exceeds the maximum", .closes = true },
	{ "nlmsg_len longer than the bytes sent (200 for 24): timed out", M(HELLO), { U32(VERSION, 1) },
	  .len = LEN(200), REFUSED_TIMEOUT },
	{ "nlmsg_len shorter than its attributes (20 of 24)", M(HELLO), { U32(VERSION, 1) }, .len = LEN(20),
	  .status = E(PROTO), .msg = "attribute 3 claims 8 bytes where 4 remain", .no_reuse = true },
	{ "a maximum-size request (65536 bytes) is read whole", M(VOLUME_CREATE),
	  { { ATTACH_A_NAME, A_REP, "", 65515 } }, .status = E(TOO_BIG), .msg = "attribute name: longer than 255 bytes" },
	{ "half a message, then silence, while another client is served", .custom = custom_half_message },
	{ "a request trickling in a byte every 100 ms is timed out all the same", .custom = custom_slow_drip },
	/* header */
	{ "unknown message type 0x30", 0x30, .status = E(UNKNOWN_CALL), .msg = "unknown message type 0x30" },
	{ "message type 0x0f (the agent's REFUSED) from a client", 0x0f, .status = E(UNKNOWN_CALL),
	  .msg = "unknown message type 0xf" },
	{ "netlink control type NLMSG_ERROR", NLMSG_ERROR, .status = E(UNKNOWN_CALL), .msg = "unknown message type 0x2" },
	{ "nlmsg_flags 0", M(HELLO), { U32(VERSION, 1) }, .flags = FLAGS(0), .status = E(PROTO),
	  .msg = "nlmsg_flags 0x0: a request carries NLM_F_REQUEST only" },
	{ "nlmsg_flags REQUEST|ACK", M(VOLUME_LIST), .flags = FLAGS(NLM_F_REQUEST | NLM_F_ACK), .status = E(PROTO),
	  .msg = "nlmsg_flags 0x5" },
	{ "protocol version 2", M(HELLO), { U32(VERSION, 2) }, .status = E(VERSION),
	  .msg = "protocol version 2 is not supported: this attachd speaks versions 1 to 1" },
	{ "protocol version 0", M(HELLO), { U32(VERSION, 0) }, .status = E(VERSION),
	  .msg = "protocol version 0 is not supported" },
	{ "volume-list before hello", M(VOLUME_LIST), .no_hello = true, .status = E(PROTO),
	  .msg = "send hello (the protocol version exchange) before volume-list" },
	{ "volume-create before hello", M(VOLUME_CREATE), { STR(DEVICE, "$FREE") }, .no_hello = true,
	  .status = E(PROTO), .msg = "before volume-create" },
	{ "volume-list after a refused hello", .custom = custom_after_bad_hello },
	/* connections and limits */
	{ "more clients than --max-clients", .custom = custom_max_clients },
	{ "--max-volumes reached", .custom = custom_max_volumes },
	{ "a client that closes mid-reply (large volume-list)", .custom = custom_mid_reply },
};

int main(void)
{
	return badinput_main("test_badinput_frames", cases, sizeof(cases) / sizeof(cases[0]));
}
