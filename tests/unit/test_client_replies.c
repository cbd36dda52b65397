/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_client_replies.c: the replies libattach (proto/client.c) reads, and refuses: one that does not answer
 * its request (it disconnects), a connection that ends before or in the middle of a reply, a length over
 * the limit or below a header (it hangs up instead of reading on), a reply of exactly the limit, and
 * replies the reply policy or the client's own checks refuse.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_agent.h"
#include "unit_main.h"

/* Request 1 (reserve) gets a reply with the next seq; request 2 (unreserve) a reply of another type. */
static struct nl_msg *answer_mismatched(struct fake *f, const struct nlmsghdr *req)
{
	struct nl_msg *m;
	if (req->nlmsg_type == ATTACH_MSG_RESERVE)
		m = proto_msg_new(req->nlmsg_type, 0, req->nlmsg_seq + 1);
	else
		m = proto_msg_new(ATTACH_MSG_RESERVE, 0, req->nlmsg_seq);
	return reply_done(f, m, m ? proto_put_u32(m, ATTACH_A_STATUS, ATTACH_OK) : 0);
}

static void test_reply_mismatch(void **state)
{
	struct fake *f = *state;
	fake_run(f, NULL, answer_mismatched, NULL);
	struct attach_client *c = client_connected(f);
	assert_int_equal(attach_reserve(c, VOL, NULL), -EPROTO);
	assert_message_has(c, "reply type 0x15 seq 3 does not answer request 0x15 seq 2");
	/* the stream is out of step after a mismatch: the client has disconnected */
	assert_int_equal(attach_unreserve(c, VOL), -ENOTCONN);
	assert_message_has(c, "not connected");
	attach_client_free(c);
	fake_join(f);
}

static void script_close_after_request(struct fake *f, int fd)
{
	fake_recv_after_hello(f, fd);
}

static void test_agent_closes_before_reply(void **state)
{
	struct fake *f = *state;
	fake_run(f, script_close_after_request, NULL, NULL);
	struct attach_client *c = client_connected(f);
	assert_int_equal(attach_reserve(c, VOL, NULL), -ECONNRESET);
	assert_message_has(c, "the agent closed the connection");
	attach_client_free(c);
	fake_join(f);
}

/* 20 bytes of a 100-byte reply, then the end of the connection. */
static void script_close_mid_reply(struct fake *f, int fd)
{
	const struct nlmsghdr *req = fake_recv_after_hello(f, fd);
	if (!req)
		return;
	struct nlmsghdr h = { .nlmsg_len = 100, .nlmsg_type = req->nlmsg_type, .nlmsg_seq = req->nlmsg_seq };
	unsigned char buf[20] = { 0 };
	memcpy(buf, &h, sizeof(h));
	fake_write_all(f, fd, buf, sizeof(buf));
}

static void test_agent_closes_mid_reply(void **state)
{
	struct fake *f = *state;
	fake_run(f, script_close_mid_reply, NULL, NULL);
	struct attach_client *c = client_connected(f);
	assert_int_equal(attach_volume_delete(c, VOL), -ECONNRESET);
	assert_message_has(c, "the agent closed the connection mid-reply");
	attach_client_free(c);
	fake_join(f);
}

/* Send only a header claiming *(uint32_t *)f->arg bytes, then wait for the client to hang up. */
static void script_big_header(struct fake *f, int fd)
{
	const struct nlmsghdr *req = fake_recv_after_hello(f, fd);
	if (!req)
		return;
	struct nlmsghdr h = { .nlmsg_len = *(const uint32_t *)f->arg, .nlmsg_type = req->nlmsg_type,
			      .nlmsg_seq = req->nlmsg_seq };
	if (fake_write_all(f, fd, &h, sizeof(h)))
		return;
	/* a client that reads on would wait for ever: give up after a while so the test fails, not hangs */
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char byte;
	if (poll(&p, 1, 5000) != 1 || read(fd, &byte, 1) != 0) {
		fake_error(f, "the client did not hang up after a %u-byte header", h.nlmsg_len);
		shutdown(fd, SHUT_RDWR);
	}
}

static void test_reply_over_max(void **state)
{
	struct fake *f = *state;
	static const uint32_t len = ATTACH_REPLY_MAX + 1;
	fake_run(f, script_big_header, NULL, &len);
	struct attach_client *c = client_connected(f);
	assert_int_equal(attach_reserve(c, VOL, NULL), -EPROTO);
	assert_message_has(c, "reply of 16777217 bytes (limit 16777216)");
	attach_client_free(c);
	fake_join(f);
}

static void test_reply_below_header(void **state)
{
	struct fake *f = *state;
	static const uint32_t len = 8;
	fake_run(f, script_big_header, NULL, &len);
	struct attach_client *c = client_connected(f);
	assert_int_equal(attach_reserve(c, VOL, NULL), -EPROTO);
	attach_client_free(c);
	fake_join(f);
}

/* A reply of exactly ATTACH_REPLY_MAX bytes: status, then filler of a type newer than this build. */
static void script_max_reply(struct fake *f, int fd)
{
	const struct nlmsghdr *req = fake_recv_after_hello(f, fd);
	if (!req)
		return;
	unsigned char *buf = calloc(1, ATTACH_REPLY_MAX);
	if (!buf) {
		fake_error(f, "out of memory");
		return;
	}
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	*h = (struct nlmsghdr){ .nlmsg_len = ATTACH_REPLY_MAX, .nlmsg_type = req->nlmsg_type, .nlmsg_seq = req->nlmsg_seq };
	size_t off = NLMSG_HDRLEN;
	struct nlattr *a = (struct nlattr *)(buf + off);
	*a = (struct nlattr){ .nla_len = NLA_HDRLEN + 4, .nla_type = ATTACH_A_STATUS }; /* status 0 */
	off += NLA_HDRLEN + 4;
	while (off < ATTACH_REPLY_MAX) {
		size_t n = ATTACH_REPLY_MAX - off > 65532 ? 65532 : ATTACH_REPLY_MAX - off;
		a = (struct nlattr *)(buf + off);
		*a = (struct nlattr){ .nla_len = (uint16_t)n, .nla_type = ATTACH_A_MAX + 1 };
		off += n;
	}
	fake_write_all(f, fd, buf, ATTACH_REPLY_MAX);
	free(buf);
}

static void test_reply_at_max(void **state)
{
	struct fake *f = *state;
	fake_run(f, script_max_reply, NULL, NULL);
	struct attach_client *c = client_connected(f);
	assert_int_equal(attach_unreserve(c, VOL), 0);
	attach_client_free(c);
	fake_join(f);
}

/* Replies libnl's reply policy or the client's own checks must refuse, one per call. */
static struct nl_msg *answer_malformed(struct fake *f, const struct nlmsghdr *req)
{
	struct nl_msg *m = proto_msg_new(req->nlmsg_type, 0, req->nlmsg_seq);
	if (!m)
		return reply_done(f, NULL, 1);
	switch (req->nlmsg_seq) {
	case 2: /* no status */
		return reply_done(f, m, proto_put_str(m, ATTACH_A_MESSAGE, "hello"));
	case 3: /* a 2-byte status */
		return reply_done(f, m, proto_put(m, ATTACH_A_STATUS, "\0", 2));
	default: /* a message without its NUL */
		return reply_done(f, m, proto_put_u32(m, ATTACH_A_STATUS, ATTACH_E_BUSY) |
					    proto_put(m, ATTACH_A_MESSAGE, "busy", 4));
	}
}

static void test_reply_malformed(void **state)
{
	struct fake *f = *state;
	fake_run(f, NULL, answer_malformed, NULL);
	struct attach_client *c = client_connected(f);
	assert_int_equal(attach_unreserve(c, VOL), -EPROTO);
	assert_message_has(c, "carries no status");
	assert_int_equal(attach_unreserve(c, VOL), -EPROTO);
	assert_message_has(c, "malformed reply");
	assert_int_equal(attach_unreserve(c, VOL), -EPROTO);
	assert_message_has(c, "malformed reply");
	attach_client_free(c);
	fake_join(f);
}

UNIT_MAIN("client-replies", FAKE_TEST(test_reply_mismatch), FAKE_TEST(test_agent_closes_before_reply),
	  FAKE_TEST(test_agent_closes_mid_reply), FAKE_TEST(test_reply_over_max), FAKE_TEST(test_reply_below_header),
	  FAKE_TEST(test_reply_at_max), FAKE_TEST(test_reply_malformed))
