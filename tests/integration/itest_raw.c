/* SPDX-License-Identifier: Apache-2.0 */
/*
 * itest_raw.c: raw protocol I/O for the messages libattach would never send: connections to the agent's
 * socket (tracked, see itest.h), a message builder with control over every byte, and replies decoded
 * with libattach's reply policy.
 */
#include "itest.h"

int raw_connect(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	if (len >= sizeof(sa.sun_path)) {
		close(fd);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, len + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	struct timeval tv = { 10 * it_slow(), 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	it_track(fd, NULL);
	return fd;
}

void raw_close(int fd)
{
	it_untrack(fd, NULL);
	close(fd);
}

void raw_send(int fd, const void *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

void rmsg_free(struct rmsg *r)
{
	free(r->raw);
	r->raw = NULL;
}

int raw_recv(int fd, struct rmsg *r)
{
	struct nlmsghdr h;
	memset(r, 0, sizeof(*r));
	ssize_t n = recv(fd, &h, sizeof(h), MSG_WAITALL);
	if (n <= 0)
		return r->got = n == 0 || errno == ECONNRESET ? 0 : -errno;
	if ((size_t)n != sizeof(h) || h.nlmsg_len < sizeof(h) || h.nlmsg_len > ATTACH_REPLY_MAX)
		return r->got = -EPROTO;
	r->raw = malloc(h.nlmsg_len);
	assert_non_null(r->raw);
	memcpy(r->raw, &h, sizeof(h));
	size_t want = h.nlmsg_len - sizeof(h);
	if (want && recv(fd, r->raw + sizeof(h), want, MSG_WAITALL) != (ssize_t)want)
		return r->got = -EPROTO;
	r->len = h.nlmsg_len;
	r->type = h.nlmsg_type;
	r->seq = h.nlmsg_seq;
	struct nlattr *tb[ATTACH_A_MAX + 1];
	if (nlmsg_parse((struct nlmsghdr *)r->raw, 0, tb, ATTACH_A_MAX, (struct nla_policy *)proto_reply_policy) < 0 ||
	    !tb[ATTACH_A_STATUS])
		return r->got = -EBADMSG;
	r->status = nla_get_u32(tb[ATTACH_A_STATUS]);
	if (tb[ATTACH_A_MESSAGE])
		snprintf(r->msg, sizeof(r->msg), "%s", nla_get_string(tb[ATTACH_A_MESSAGE]));
	return r->got = 1;
}

bool raw_closed(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, 0);
	return n == 0 || (n < 0 && errno == ECONNRESET);
}

void mb_start(struct mb *m, uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr h = { .nlmsg_type = type, .nlmsg_flags = flags, .nlmsg_seq = seq };
	memcpy(m->b, &h, sizeof(h));
	m->len = sizeof(h);
}

void mb_attr(struct mb *m, uint16_t type, const void *data, size_t len, bool pad)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };
	assert_true(m->len + NLA_HDRLEN + len + 4 <= sizeof(m->b));
	memcpy(m->b + m->len, &a, sizeof(a));
	if (len)
		memcpy(m->b + m->len + NLA_HDRLEN, data, len);
	m->len += NLA_HDRLEN + len;
	while (pad && m->len % 4)
		m->b[m->len++] = 0;
}

void mb_str(struct mb *m, uint16_t type, const char *s)
{
	mb_attr(m, type, s, strlen(s) + 1, true);
}

void mb_u32(struct mb *m, uint16_t type, uint32_t v)
{
	mb_attr(m, type, &v, sizeof(v), true);
}

size_t mb_end(struct mb *m, uint32_t len)
{
	uint32_t l = len ? len : (uint32_t)m->len;
	memcpy(m->b, &l, sizeof(l));
	return m->len;
}

size_t mb_hello(struct mb *m, uint32_t seq)
{
	mb_start(m, ATTACH_MSG_HELLO, NLM_F_REQUEST, seq);
	mb_u32(m, ATTACH_A_VERSION, ATTACH_PROTO_VERSION);
	return mb_end(m, 0);
}

void raw_hello(int fd, uint32_t seq)
{
	struct mb m;
	struct rmsg r;
	raw_send(fd, m.b, mb_hello(&m, seq));
	assert_int_equal(raw_recv(fd, &r), 1);
	assert_int_equal(r.status, ATTACH_OK);
	assert_int_equal(r.seq, seq);
	rmsg_free(&r);
}
