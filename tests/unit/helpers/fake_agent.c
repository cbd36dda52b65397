/* SPDX-License-Identifier: Apache-2.0 */
/* fake_agent.c: the fake attachd of fake_agent.h, and canned reply parts more than one client test uses. */
#include "fake_agent.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

void fake_error(struct fake *f, const char *fmt, ...)
{
	va_list ap;
	if (f->error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(f->error, sizeof(f->error), fmt, ap);
	va_end(ap);
}

/* 0, -ECONNRESET at end of stream, or -errno. */
static int fake_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fake_write_all(struct fake *f, int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fake_error(f, "send: %s", strerror(errno));
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fake_send(struct fake *f, int fd, struct nl_msg *m)
{
	if (!m)
		return -EINVAL;
	int rc = fake_write_all(f, fd, nlmsg_hdr(m), nlmsg_hdr(m)->nlmsg_len);
	nlmsg_free(m);
	return rc;
}

/* The next request, framed as attachd frames it; NULL when the client hung up (or on a recorded error). */
const struct nlmsghdr *fake_recv(struct fake *f, int fd)
{
	struct nlmsghdr h;
	int rc = fake_read_all(fd, &h, sizeof(h));
	if (rc) {
		if (rc != -ECONNRESET)
			fake_error(f, "reading a request: %s", strerror(-rc));
		return NULL;
	}
	if (proto_frame_check(&h, ATTACH_REQUEST_MAX) || f->n_req == FAKE_MAX_REQ) {
		fake_error(f, "request %zu: frame of %u bytes", f->n_req, h.nlmsg_len);
		return NULL;
	}
	struct nlmsghdr *r = malloc(h.nlmsg_len);
	if (!r) {
		fake_error(f, "out of memory");
		return NULL;
	}
	memcpy(r, &h, sizeof(h));
	rc = fake_read_all(fd, (char *)r + sizeof(h), h.nlmsg_len - sizeof(h));
	if (rc) {
		fake_error(f, "request %zu: body: %s", f->n_req, strerror(-rc));
		free(r);
		return NULL;
	}
	f->req[f->n_req++] = r;
	const struct proto_call *call;
	struct nlattr *tb[ATTACH_A_MAX + 1];
	char msg[256];
	if (proto_parse_request(r, r->nlmsg_len, &call, tb, msg, sizeof(msg)))
		fake_error(f, "request %zu refused by the strict parser: %s", f->n_req - 1, msg);
	return r;
}

/* For scripts: answer the client's HELLO, then read its next request (NULL when it hung up). */
const struct nlmsghdr *fake_recv_after_hello(struct fake *f, int fd)
{
	const struct nlmsghdr *req = fake_recv(f, fd);
	if (req)
		fake_send(f, fd, reply_hello_ok(req));
	return fake_recv(f, fd);
}

/* A reply to @req with a status and, unless NULL, a message. */
struct nl_msg *reply_new(const struct nlmsghdr *req, uint32_t status, const char *message)
{
	struct nl_msg *m = proto_msg_new(req->nlmsg_type, 0, req->nlmsg_seq);
	if (m && (proto_put_u32(m, ATTACH_A_STATUS, status) || (message && proto_put_str(m, ATTACH_A_MESSAGE, message)))) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

struct nl_msg *reply_hello_ok(const struct nlmsghdr *req)
{
	struct nl_msg *m = reply_new(req, ATTACH_OK, NULL);
	if (m && (proto_put_u32(m, ATTACH_A_VERSION, ATTACH_PROTO_VERSION) ||
		  proto_put_u32(m, ATTACH_A_VERSION_MIN, ATTACH_PROTO_VERSION_MIN))) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

/* Finish a reply whose puts were OR-ed into @bad. */
struct nl_msg *reply_done(struct fake *f, struct nl_msg *m, int bad)
{
	if (m && !bad)
		return m;
	fake_error(f, "building a reply failed");
	if (m)
		nlmsg_free(m);
	return NULL;
}

/* The default script: HELLO gets OK, everything else goes to f->answer. */
static void fake_serve(struct fake *f, int fd)
{
	const struct nlmsghdr *req;
	while ((req = fake_recv(f, fd))) {
		struct nl_msg *m;
		if (req->nlmsg_type == ATTACH_MSG_HELLO && !f->answer_hello)
			m = reply_hello_ok(req);
		else
			m = f->answer ? f->answer(f, req) : NULL;
		if (!m || fake_send(f, fd, m))
			return;
	}
}

static void *fake_main(void *p)
{
	struct fake *f = p;
	int fd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		fake_error(f, "accept: %s", strerror(errno));
		return NULL;
	}
	__atomic_store_n(&f->cfd, fd, __ATOMIC_SEQ_CST);
	f->script(f, fd);
	__atomic_store_n(&f->cfd, -1, __ATOMIC_SEQ_CST);
	close(fd);
	return NULL;
}

int fake_setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->cfd = -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_client.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/agent.sock", f->dir);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	*state = f;
	return 0;
}

void fake_run(struct fake *f, fake_script_fn script, fake_answer_fn answer, const void *arg)
{
	f->script = script ? script : fake_serve;
	f->answer = answer;
	f->arg = arg;
	alarm(WATCHDOG_SECONDS);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
	f->running = true;
}

/* Wait for the fake (free the client first: it ends on the client's hang-up) and check it was happy. */
void fake_join(struct fake *f)
{
	if (f->running) {
		pthread_join(f->thread, NULL);
		f->running = false;
		alarm(0);
	}
	if (f->error[0])
		fail_msg("fake agent: %s", f->error);
}

int fake_teardown(void **state)
{
	struct fake *f = *state;
	if (f->running) { /* a failed test may have left the thread waiting on a client that is gone */
		int cfd = __atomic_load_n(&f->cfd, __ATOMIC_SEQ_CST);
		if (cfd >= 0)
			shutdown(cfd, SHUT_RDWR);
		shutdown(f->lfd, SHUT_RDWR);
		pthread_join(f->thread, NULL);
		alarm(0);
	}
	close(f->lfd);
	unlink(f->path);
	rmdir(f->dir);
	for (size_t i = 0; i < f->n_req; i++)
		free(f->req[i]);
	free(f);
	return 0;
}

/* The test side: a client connected to the fake, and the requests it sent. */
struct attach_client *client_connected(struct fake *f)
{
	struct attach_client *c = attach_client_new();
	assert_non_null(c);
	int rc = attach_connect(c, f->path);
	if (rc)
		fail_msg("attach_connect: %d: %s", rc, attach_last_message(c));
	return c;
}

void request_attrs(struct fake *f, size_t i, uint16_t type, struct nlattr **tb)
{
	const struct proto_call *call;
	char msg[256];
	assert_true(i < f->n_req);
	assert_int_equal(f->req[i]->nlmsg_type, type);
	assert_int_equal(f->req[i]->nlmsg_flags, NLM_F_REQUEST);
	assert_int_equal(f->req[i]->nlmsg_seq, i + 1); /* HELLO is 1, then one per call */
	assert_int_equal(proto_parse_request(f->req[i], f->req[i]->nlmsg_len, &call, tb, msg, sizeof(msg)), 0);
}

void assert_message_has(struct attach_client *c, const char *sub)
{
	if (!strstr(attach_last_message(c), sub))
		fail_msg("message \"%s\" lacks \"%s\"", attach_last_message(c), sub);
}

const char *const portals[] = { "192.0.2.1:3260", "198.51.100.7:3260", "[2001:db8::5]:3260" };

int put_portals(struct nl_msg *m, size_t n)
{
	int off = proto_nest_start(m, ATTACH_A_PORTALS);
	if (off < 0)
		return off;
	for (size_t i = 0; i < n; i++)
		if (proto_put_str(m, ATTACH_A_PORTAL, portals[i]))
			return -1;
	proto_nest_end(m, off);
	return 0;
}
