/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_client.c: libattach (proto/client*.c) against a fake agent. The fake is a thread on a temporary
 * UNIX socket that reads requests with the same framing as attachd, checks every one with the strict
 * parser (so libattach never sends what the agent would refuse), keeps a copy for the test to inspect,
 * and answers with canned replies built with proto_msg_new()/proto_put_*(), or misbehaves on purpose:
 * refuses, closes mid-reply, sends a wrong seq or an oversized frame.
 *
 * The fake thread never asserts (cmocka's longjmp must stay on the test's thread): it records its first
 * problem in f->error, and fake_join() fails the test with it. A watchdog alarm ends a test that hangs,
 * e.g. a client that tries to read a reply it should have refused.
 */
#include <errno.h>
#include <poll.h>
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

#include "attach.h"
#include "proto.h"

#define VOL "0b6e5bd6-4d71-4a9f-8f0e-6c1f2a3b4c5d"
#define VOL2 "1c7f6ce7-5e82-4b0a-9f1f-7d203b4c5d6e"
#define INSTANCE "2d8a7df8-6f93-4c1b-a020-8e314c5d6e7f"
#define ATTACHMENT "3e9b8e09-70a4-4d2c-b131-9f425d6e7f80"
#define ATTACHMENT2 "4fac9f1a-81b5-4e3d-8242-a0536e7f8091"
#define IQN "iqn.1993-08.org.debian:01:abcdef"
#define IQN2 "iqn.2004-10.com.example:node2"
#define TARGET "iqn.2003-01.org.attachd:0b6e5bd6"
#define WATCHDOG_SECONDS 30
#define FAKE_MAX_REQ 64

/* ------------------------------------------------------------------------------------------------ */
/* holding libattach's send() (link-time wrap: the Makefile turns every __wrap_ function defined here
 * into -Wl,--wrap=), so that a test can make the agent hang up before the client's request goes out */

static pthread_t test_thread;
static int hold_send;       /* the test thread's next send() waits for agent_gone */
static int agent_gone;
static int held_send_errno; /* what that send() failed with (0: it did not) */

ssize_t __real_send(int fd, const void *buf, size_t len, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags);

ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
	if (!__atomic_load_n(&hold_send, __ATOMIC_SEQ_CST) || !pthread_equal(pthread_self(), test_thread))
		return __real_send(fd, buf, len, flags);
	for (int i = 0; i < 500 && !__atomic_load_n(&agent_gone, __ATOMIC_SEQ_CST); i++)
		usleep(10000);
	__atomic_store_n(&hold_send, 0, __ATOMIC_SEQ_CST);
	ssize_t n = __real_send(fd, buf, len, flags);
	int err = errno;
	held_send_errno = n < 0 ? err : 0;
	errno = err;
	return n;
}

/* ------------------------------------------------------------------------------------------------ */
/* the fake agent */

struct fake;
/* Answer one request (not HELLO unless answer_hello): a reply to send, or NULL to hang up. */
typedef struct nl_msg *(*fake_answer_fn)(struct fake *f, const struct nlmsghdr *req);
/* Run the whole connection (the default reads requests and answers them). */
typedef void (*fake_script_fn)(struct fake *f, int fd);

struct fake {
	char dir[64];
	char path[108];
	int lfd;
	int cfd; /* the accepted connection, for teardown to shut down after a failed test */
	pthread_t thread;
	bool running;
	fake_script_fn script;
	fake_answer_fn answer;
	bool answer_hello;
	const void *arg;
	size_t n_req;
	struct nlmsghdr *req[FAKE_MAX_REQ];
	char error[256];
};

__attribute__((format(printf, 2, 3)))
static void fake_error(struct fake *f, const char *fmt, ...)
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

static int fake_write_all(struct fake *f, int fd, const void *buf, size_t len)
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

static int fake_send(struct fake *f, int fd, struct nl_msg *m)
{
	if (!m)
		return -EINVAL;
	int rc = fake_write_all(f, fd, nlmsg_hdr(m), nlmsg_hdr(m)->nlmsg_len);
	nlmsg_free(m);
	return rc;
}

/* The next request, framed as attachd frames it; NULL when the client hung up (or on a recorded error). */
static const struct nlmsghdr *fake_recv(struct fake *f, int fd)
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

/* A reply to @req with a status and, unless NULL, a message. */
static struct nl_msg *reply_new(const struct nlmsghdr *req, uint32_t status, const char *message)
{
	struct nl_msg *m = proto_msg_new(req->nlmsg_type, 0, req->nlmsg_seq);
	if (m && (proto_put_u32(m, ATTACH_A_STATUS, status) || (message && proto_put_str(m, ATTACH_A_MESSAGE, message)))) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

static struct nl_msg *reply_hello_ok(const struct nlmsghdr *req)
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
static struct nl_msg *reply_done(struct fake *f, struct nl_msg *m, int bad)
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

static int fake_setup(void **state)
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

static void fake_run(struct fake *f, fake_script_fn script, fake_answer_fn answer, const void *arg)
{
	f->script = script ? script : fake_serve;
	f->answer = answer;
	f->arg = arg;
	alarm(WATCHDOG_SECONDS);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
	f->running = true;
}

/* Wait for the fake (free the client first: it ends on the client's hang-up) and check it was happy. */
static void fake_join(struct fake *f)
{
	if (f->running) {
		pthread_join(f->thread, NULL);
		f->running = false;
		alarm(0);
	}
	if (f->error[0])
		fail_msg("fake agent: %s", f->error);
}

static int fake_teardown(void **state)
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
static struct attach_client *client_connected(struct fake *f)
{
	struct attach_client *c = attach_client_new();
	assert_non_null(c);
	int rc = attach_connect(c, f->path);
	if (rc)
		fail_msg("attach_connect: %d: %s", rc, attach_last_message(c));
	return c;
}

static void request_attrs(struct fake *f, size_t i, uint16_t type, struct nlattr **tb)
{
	const struct proto_call *call;
	char msg[256];
	assert_true(i < f->n_req);
	assert_int_equal(f->req[i]->nlmsg_type, type);
	assert_int_equal(f->req[i]->nlmsg_flags, NLM_F_REQUEST);
	assert_int_equal(f->req[i]->nlmsg_seq, i + 1); /* HELLO is 1, then one per call */
	assert_int_equal(proto_parse_request(f->req[i], f->req[i]->nlmsg_len, &call, tb, msg, sizeof(msg)), 0);
}

static void assert_message_has(struct attach_client *c, const char *sub)
{
	if (!strstr(attach_last_message(c), sub))
		fail_msg("message \"%s\" lacks \"%s\"", attach_last_message(c), sub);
}

/* ------------------------------------------------------------------------------------------------ */
/* HELLO */

static void test_connect_hello(void **state)
{
	struct fake *f = *state;
	struct nlattr *tb[ATTACH_A_MAX + 1];
	fake_run(f, NULL, NULL, NULL);
	struct attach_client *c = client_connected(f);
	assert_int_equal(attach_last_status(c), ATTACH_OK);
	assert_string_equal(attach_last_message(c), "");
	attach_client_free(c);
	fake_join(f);
	assert_int_equal(f->n_req, 1);
	request_attrs(f, 0, ATTACH_MSG_HELLO, tb);
	assert_int_equal(nla_get_u32(tb[ATTACH_A_VERSION]), ATTACH_PROTO_VERSION);
}

static struct nl_msg *answer_version_refused(struct fake *f, const struct nlmsghdr *req)
{
	struct nl_msg *m = reply_new(req, ATTACH_E_VERSION, "attachd speaks protocol versions 2 to 3");
	return reply_done(f, m, m ? proto_put_u32(m, ATTACH_A_VERSION, 3) | proto_put_u32(m, ATTACH_A_VERSION_MIN, 2) : 0);
}

static void test_connect_version_refused(void **state)
{
	struct fake *f = *state;
	struct attach_client *c = attach_client_new();
	assert_non_null(c);
	f->answer_hello = true;
	fake_run(f, NULL, answer_version_refused, NULL);
	assert_int_equal(attach_connect(c, f->path), -EPROTONOSUPPORT);
	assert_int_equal(attach_last_status(c), ATTACH_E_VERSION);
	assert_string_equal(attach_last_message(c), "attachd speaks protocol versions 2 to 3");
	/* the client gave up the connection: nothing more is sent */
	assert_int_equal(attach_reserve(c, VOL, NULL), -ENOTCONN);
	assert_message_has(c, "not connected");
	attach_client_free(c);
	fake_join(f);
	assert_int_equal(f->n_req, 1);
}

static void test_connect_no_agent(void **state)
{
	struct fake *f = *state;
	char path[200];
	struct attach_client *c = attach_client_new();
	assert_non_null(c);
	snprintf(path, sizeof(path), "%s/missing.sock", f->dir);
	assert_int_equal(attach_connect(c, path), -ENOENT);
	assert_message_has(c, path);
	memset(path, 'x', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(attach_connect(c, path), -ENAMETOOLONG);
	assert_int_equal(attach_volume_delete(c, VOL), -ENOTCONN);
	attach_client_free(c);
}

/* ------------------------------------------------------------------------------------------------ */
/* replies that do not answer the request, and agent errors */

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

/* The errno each status must give, written out (attach.h: EBADFD for a state, ENOENT for a volume...). */
static const struct { uint32_t status; int err; const char *name; } status_errno[] = {
	{ ATTACH_E_INVALID, EINVAL, "invalid" },	   { ATTACH_E_PROTO, EPROTO, "protocol" },
	{ ATTACH_E_VERSION, EPROTONOSUPPORT, "version" }, { ATTACH_E_UNKNOWN_CALL, EOPNOTSUPP, "unknown-call" },
	{ ATTACH_E_PERM, EPERM, "permission" },	   { ATTACH_E_NOT_FOUND, ENOENT, "not-found" },
	{ ATTACH_E_EXISTS, EEXIST, "exists" },		   { ATTACH_E_STATE, EBADFD, "state" },
	{ ATTACH_E_BUSY, EBUSY, "busy" },		   { ATTACH_E_NOT_BLOCK, ENOTBLK, "not-block" },
	{ ATTACH_E_TOO_BIG, EMSGSIZE, "too-big" },	   { ATTACH_E_LIMIT, EUSERS, "limit" },
	{ ATTACH_E_NO_SPACE, ENOSPC, "no-space" },	   { ATTACH_E_KERNEL, EIO, "kernel" },
	{ ATTACH_E_INTERNAL, EREMOTEIO, "internal" },	   { ATTACH_E_TIMEOUT, ETIMEDOUT, "timeout" },
	{ ATTACH_E_WRONG_DEVICE, EMEDIUMTYPE, "wrong-device" }, { ATTACH_E_ALREADY, EALREADY, "already" },
	{ 99, EREMOTEIO, "unknown" }, /* a status from a newer agent */
};
#define N_STATUS_ERRNO (sizeof(status_errno) / sizeof(status_errno[0]))

/* Call n (after HELLO) gets status_errno[n - 1] twice: with a message, then without. */
static struct nl_msg *answer_errors(struct fake *f, const struct nlmsghdr *req)
{
	size_t i = (req->nlmsg_seq - 2) / 2;
	char msg[64];
	if (i >= N_STATUS_ERRNO)
		return reply_done(f, NULL, 1);
	snprintf(msg, sizeof(msg), "volume %s: %s", VOL, status_errno[i].name);
	return reply_done(f, reply_new(req, status_errno[i].status, req->nlmsg_seq % 2 == 0 ? msg : NULL), 0);
}

static void test_error_status_maps(void **state)
{
	struct fake *f = *state;
	assert_int_equal(N_STATUS_ERRNO, __ATTACH_E_MAX); /* every error status, plus one unknown */
	fake_run(f, NULL, answer_errors, NULL);
	struct attach_client *c = client_connected(f);
	for (size_t i = 0; i < N_STATUS_ERRNO; i++) {
		char want[96], dflt[64];
		snprintf(want, sizeof(want), "volume %s: %s", VOL, status_errno[i].name);
		assert_int_equal(attach_volume_delete(c, VOL), -status_errno[i].err);
		assert_int_equal(attach_last_status(c), status_errno[i].status);
		assert_string_equal(attach_last_message(c), want);
		/* without a message the client still says what happened */
		assert_int_equal(attach_volume_delete(c, VOL), -status_errno[i].err);
		snprintf(dflt, sizeof(dflt), "the agent refused: %s", status_errno[i].name);
		assert_string_equal(attach_last_message(c), dflt);
	}
	attach_client_free(c);
	fake_join(f);
}

/* ------------------------------------------------------------------------------------------------ */
/* REFUSED and connections that end early */

struct refusal {
	bool read_first; /* read the client's HELLO before refusing */
	uint32_t status;
	const char *message;
};

static void script_refuse(struct fake *f, int fd)
{
	const struct refusal *r = f->arg;
	if (r->read_first && !fake_recv(f, fd))
		return;
	struct nl_msg *m = proto_msg_new(ATTACH_MSG_REFUSED, 0, 0);
	if (!m || proto_put_u32(m, ATTACH_A_STATUS, r->status) || proto_put_str(m, ATTACH_A_MESSAGE, r->message)) {
		fake_error(f, "building REFUSED failed");
		if (m)
			nlmsg_free(m);
		return;
	}
	fake_send(f, fd, m);
	/* and hang up at once, like the agent: the client's HELLO may still be unread, or not sent yet */
	shutdown(fd, SHUT_RDWR);
	__atomic_store_n(&agent_gone, 1, __ATOMIC_SEQ_CST);
}

static void refused_case(struct fake *f, const struct refusal *r, int err)
{
	struct attach_client *c = attach_client_new();
	assert_non_null(c);
	fake_run(f, script_refuse, NULL, r);
	assert_int_equal(attach_connect(c, f->path), -err);
	assert_string_equal(attach_last_message(c), r->message);
	attach_client_free(c);
	fake_join(f);
}

static void test_refused_before_hello(void **state)
{
	static const struct refusal r = { false, ATTACH_E_LIMIT, "too many clients (limit 64); try again later" };
	refused_case(*state, &r, EUSERS);
}

static void test_refused_after_hello(void **state)
{
	static const struct refusal r = { true, ATTACH_E_PERM, "uid 1000 may not use attachd" };
	refused_case(*state, &r, EPERM);
}

/* The agent refused and hung up before the client's HELLO went out: sending fails with EPIPE, and the
 * client still reads the reason instead of reporting the broken pipe. */
static void test_refused_before_send(void **state)
{
	static const struct refusal r = { false, ATTACH_E_LIMIT, "too many clients (limit 64)" };
	held_send_errno = 0;
	__atomic_store_n(&agent_gone, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&hold_send, 1, __ATOMIC_SEQ_CST);
	refused_case(*state, &r, EUSERS);
	assert_int_equal(held_send_errno, EPIPE); /* the path under test was taken */
}

/* REFUSED with status 0 would read as success: the client treats it as an internal error. */
static void test_refused_without_status(void **state)
{
	static const struct refusal r = { true, ATTACH_OK, "shutting down" };
	refused_case(*state, &r, EREMOTEIO);
}

static void script_close_after_request(struct fake *f, int fd)
{
	const struct nlmsghdr *req = fake_recv(f, fd);
	if (req)
		fake_send(f, fd, reply_hello_ok(req));
	fake_recv(f, fd);
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
	const struct nlmsghdr *req = fake_recv(f, fd);
	if (req)
		fake_send(f, fd, reply_hello_ok(req));
	req = fake_recv(f, fd);
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

/* ------------------------------------------------------------------------------------------------ */
/* frames: over the limit, at the limit, malformed */

/* Send only a header claiming *(uint32_t *)f->arg bytes, then wait for the client to hang up. */
static void script_big_header(struct fake *f, int fd)
{
	const struct nlmsghdr *req = fake_recv(f, fd);
	if (req)
		fake_send(f, fd, reply_hello_ok(req));
	req = fake_recv(f, fd);
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
	const struct nlmsghdr *req = fake_recv(f, fd);
	if (req)
		fake_send(f, fd, reply_hello_ok(req));
	req = fake_recv(f, fd);
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

/* ------------------------------------------------------------------------------------------------ */
/* initialize-connection */

static const char *const portals[] = { "192.0.2.1:3260", "198.51.100.7:3260", "[2001:db8::5]:3260" };
#define PASSWORD "pa\"ss\\word-1234"

static int put_portals(struct nl_msg *m, size_t n)
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

/* Call 1: full connection info. Call 2: no portals nest. Call 3: an empty one. */
static struct nl_msg *answer_conninfo(struct fake *f, const struct nlmsghdr *req)
{
	struct nl_msg *m = reply_new(req, ATTACH_OK, NULL);
	if (!m)
		return reply_done(f, NULL, 1);
	int bad = proto_put_str(m, ATTACH_A_DRIVER_TYPE, "iscsi") | proto_put_str(m, ATTACH_A_VOLUME_ID, VOL) |
		  proto_put_str(m, ATTACH_A_TARGET_IQN, TARGET) | proto_put_u32(m, ATTACH_A_LUN, 7) |
		  proto_put_str(m, ATTACH_A_AUTH_METHOD, "CHAP") |
		  proto_put_str(m, ATTACH_A_AUTH_USERNAME, "u0b6e5bd6") |
		  proto_put_str(m, ATTACH_A_AUTH_PASSWORD, PASSWORD) | proto_put_u8(m, ATTACH_A_MODE, ATTACH_MODE_RO);
	if (req->nlmsg_seq == 2)
		bad |= put_portals(m, 3);
	else if (req->nlmsg_seq == 4)
		bad |= put_portals(m, 0);
	return reply_done(f, m, bad);
}

static void test_initialize_connection(void **state)
{
	struct fake *f = *state;
	struct attach_conninfo ci;
	struct attach_connector conn = { .initiator = IQN, .host = "compute-1", .ip = "192.0.2.50", .multipath = true };
	fake_run(f, NULL, answer_conninfo, NULL);
	struct attach_client *c = client_connected(f);
	assert_int_equal(attach_initialize_connection(c, VOL, &conn, &ci), 0);
	assert_string_equal(ci.driver_volume_type, "iscsi");
	assert_string_equal(ci.volume_id, VOL);
	assert_string_equal(ci.target_iqn, TARGET);
	assert_int_equal(ci.n_portals, 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(ci.portals[i], portals[i]);
	assert_int_equal(ci.lun, 7);
	assert_string_equal(ci.auth_method, "CHAP");
	assert_string_equal(ci.auth_username, "u0b6e5bd6");
	assert_string_equal(ci.auth_password, PASSWORD);
	assert_int_equal(ci.mode, ATTACH_MODE_RO);

	char *json = attach_conninfo_json(&ci);
	assert_non_null(json);
	assert_string_equal(json,
		"{\"driver_volume_type\": \"iscsi\", \"data\": {\"target_discovered\": false, "
		"\"target_iqn\": \"" TARGET "\", \"target_portal\": \"192.0.2.1:3260\", \"target_lun\": 7, "
		"\"target_iqns\": [\"" TARGET "\", \"" TARGET "\", \"" TARGET "\"], "
		"\"target_portals\": [\"192.0.2.1:3260\", \"198.51.100.7:3260\", \"[2001:db8::5]:3260\"], "
		"\"target_luns\": [7, 7, 7], \"volume_id\": \"" VOL "\", \"auth_method\": \"CHAP\", "
		"\"auth_username\": \"u0b6e5bd6\", \"auth_password\": \"pa\\\"ss\\\\word-1234\", "
		"\"access_mode\": \"ro\", \"encrypted\": false}}");
	free(json);

	attach_conninfo_clear(&ci);
	for (size_t i = 0; i < sizeof(ci.auth_password); i++)
		assert_int_equal(ci.auth_password[i], 0);

	/* connection info without portals is refused, whichever way they are missing */
	assert_int_equal(attach_initialize_connection(c, VOL, &conn, &ci), -EPROTO);
	assert_message_has(c, "lacks a field os-brick needs");
	assert_int_equal(attach_initialize_connection(c, VOL, &conn, &ci), -EPROTO);
	assert_message_has(c, "no portal");
	/* checked before anything is sent */
	conn.initiator = NULL;
	assert_int_equal(attach_initialize_connection(c, VOL, &conn, &ci), -EINVAL);
	attach_client_free(c);
	fake_join(f);

	struct nlattr *tb[ATTACH_A_MAX + 1];
	assert_int_equal(f->n_req, 4);
	request_attrs(f, 1, ATTACH_MSG_INITIALIZE_CONNECTION, tb);
	assert_string_equal(nla_get_string(tb[ATTACH_A_VOLUME_ID]), VOL);
	assert_string_equal(nla_get_string(tb[ATTACH_A_INITIATOR]), IQN);
	assert_string_equal(nla_get_string(tb[ATTACH_A_HOST]), "compute-1");
	assert_string_equal(nla_get_string(tb[ATTACH_A_IP]), "192.0.2.50");
	assert_non_null(tb[ATTACH_A_MULTIPATH]);
	assert_null(tb[ATTACH_A_DRY_RUN]);
}

/* ------------------------------------------------------------------------------------------------ */
/* volume-list and volume-show */

static int put_volume(struct nl_msg *m, const char *id, const char *name, const char *device, int state,
		      bool multi, uint64_t size, uint64_t created)
{
	int bad = proto_put_str(m, ATTACH_A_VOLUME_ID, id) | proto_put_str(m, ATTACH_A_DEVICE, device) |
		  proto_put_u8(m, ATTACH_A_STATE, (uint8_t)state) | proto_put_u64(m, ATTACH_A_SIZE, size) |
		  proto_put_u64(m, ATTACH_A_CREATED, created);
	if (name)
		bad |= proto_put_str(m, ATTACH_A_NAME, name);
	if (multi)
		bad |= proto_put_flag(m, ATTACH_A_MULTIATTACH);
	return bad;
}

/* Call 1: two volumes and an attribute from a newer agent. Call 2: none. */
static struct nl_msg *answer_list(struct fake *f, const struct nlmsghdr *req)
{
	struct nl_msg *m = reply_new(req, ATTACH_OK, NULL);
	if (!m || req->nlmsg_seq != 2)
		return reply_done(f, m, 0);
	int off = proto_nest_start(m, ATTACH_A_VOLUME);
	int bad = off < 0 || put_volume(m, VOL, "db", "/dev/vg0/db", ATTACH_STATE_IN_USE, true, 10737418240ull,
					1700000000) | proto_put_u32(m, ATTACH_A_MAX + 3, 1);
	proto_nest_end(m, off);
	bad |= proto_put_u32(m, ATTACH_A_MAX + 3, 1);
	off = proto_nest_start(m, ATTACH_A_VOLUME);
	bad |= off < 0 || put_volume(m, VOL2, NULL, "/dev/loop3", ATTACH_STATE_AVAILABLE, false, 1048576, 1700000100);
	proto_nest_end(m, off);
	return reply_done(f, m, bad);
}

static void test_volume_list(void **state)
{
	struct fake *f = *state;
	struct attach_volume_info *v;
	size_t n;
	fake_run(f, NULL, answer_list, NULL);
	struct attach_client *c = client_connected(f);
	assert_int_equal(attach_volume_list(c, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].id, VOL);
	assert_string_equal(v[0].name, "db");
	assert_string_equal(v[0].device, "/dev/vg0/db");
	assert_int_equal(v[0].state, ATTACH_STATE_IN_USE);
	assert_true(v[0].multiattach);
	assert_int_equal(v[0].size, 10737418240ull);
	assert_int_equal(v[0].created, 1700000000);
	assert_string_equal(v[1].id, VOL2);
	assert_string_equal(v[1].name, "");
	assert_string_equal(v[1].device, "/dev/loop3");
	assert_int_equal(v[1].state, ATTACH_STATE_AVAILABLE);
	assert_false(v[1].multiattach);
	assert_int_equal(v[1].size, 1048576);
	assert_int_equal(v[1].created, 1700000100);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(v[i].n_attachments, 0);
		assert_false(v[i].exported);
		assert_null(v[i].target_iqn);
	}
	attach_volume_list_free(v, n);
	assert_int_equal(attach_volume_list(c, &v, &n), 0);
	assert_int_equal(n, 0);
	attach_volume_list_free(v, n);
	attach_client_free(c);
	fake_join(f);
}

static int put_attachment(struct nl_msg *m, const char *id, int state, bool full)
{
	int off = proto_nest_start(m, ATTACH_A_ATTACHMENT);
	if (off < 0)
		return off;
	int bad = proto_put_str(m, ATTACH_A_ATTACHMENT_ID, id) | proto_put_u8(m, ATTACH_A_STATE, (uint8_t)state) |
		  proto_put_u64(m, ATTACH_A_CREATED, full ? 1700000200 : 1700000300);
	if (full)
		bad |= proto_put_str(m, ATTACH_A_INSTANCE, INSTANCE) | proto_put_str(m, ATTACH_A_HOST, "compute-1") |
		       proto_put_str(m, ATTACH_A_MOUNTPOINT, "/dev/vdb") | proto_put_u8(m, ATTACH_A_MODE, ATTACH_MODE_RO) |
		       proto_put_str(m, ATTACH_A_INITIATOR, IQN);
	proto_nest_end(m, off);
	return bad;
}

static int put_acl(struct nl_msg *m, const char *initiator, uint32_t refs, const char *user, const char *password)
{
	int off = proto_nest_start(m, ATTACH_A_ACL);
	if (off < 0)
		return off;
	int bad = proto_put_str(m, ATTACH_A_INITIATOR, initiator) | proto_put_u32(m, ATTACH_A_REFS, refs) |
		  proto_put_str(m, ATTACH_A_AUTH_USERNAME, user);
	if (password)
		bad |= proto_put_str(m, ATTACH_A_AUTH_PASSWORD, password);
	proto_nest_end(m, off);
	return bad;
}

/* Call 1: everything, secrets for one initiator. Call 2: a bare volume. */
static struct nl_msg *answer_show(struct fake *f, const struct nlmsghdr *req)
{
	struct nl_msg *m = reply_new(req, ATTACH_OK, NULL);
	if (!m)
		return reply_done(f, NULL, 1);
	int bad = put_volume(m, VOL, "shared", "/dev/vg0/shared", ATTACH_STATE_IN_USE, true, 4096, 1700000000);
	if (req->nlmsg_seq != 2)
		return reply_done(f, m, bad);
	bad |= put_attachment(m, ATTACHMENT, ATTACH_ATT_ATTACHED, true);
	bad |= put_attachment(m, ATTACHMENT2, ATTACH_ATT_RESERVED, false);
	int off = proto_nest_start(m, ATTACH_A_EXPORT);
	bad |= off < 0 || proto_put_str(m, ATTACH_A_TARGET_IQN, TARGET) | put_portals(m, 2) |
			      proto_put_u32(m, ATTACH_A_LUN, 0);
	proto_nest_end(m, off);
	bad |= put_acl(m, IQN, 2, "u-one", "secret-one-123") | put_acl(m, IQN2, 1, "u-two", NULL);
	return reply_done(f, m, bad);
}

static void test_volume_show(void **state)
{
	struct fake *f = *state;
	struct attach_volume_info *v;
	fake_run(f, NULL, answer_show, NULL);
	struct attach_client *c = client_connected(f);
	assert_int_equal(attach_volume_show(c, VOL, true, &v), 0);
	assert_string_equal(v->id, VOL);
	assert_string_equal(v->name, "shared");
	assert_string_equal(v->device, "/dev/vg0/shared");
	assert_int_equal(v->state, ATTACH_STATE_IN_USE);
	assert_true(v->multiattach);
	assert_int_equal(v->size, 4096);

	assert_int_equal(v->n_attachments, 2);
	const struct attach_attachment_info *a = &v->attachments[0];
	assert_string_equal(a->id, ATTACHMENT);
	assert_int_equal(a->state, ATTACH_ATT_ATTACHED);
	assert_string_equal(a->instance, INSTANCE);
	assert_string_equal(a->host, "compute-1");
	assert_string_equal(a->mountpoint, "/dev/vdb");
	assert_int_equal(a->mode, ATTACH_MODE_RO);
	assert_string_equal(a->initiator, IQN);
	assert_int_equal(a->created, 1700000200);
	a = &v->attachments[1];
	assert_string_equal(a->id, ATTACHMENT2);
	assert_int_equal(a->state, ATTACH_ATT_RESERVED);
	assert_string_equal(a->instance, "");
	assert_string_equal(a->initiator, "");
	assert_int_equal(a->mode, ATTACH_MODE_RW);
	assert_int_equal(a->created, 1700000300);

	assert_true(v->exported);
	assert_string_equal(v->target_iqn, TARGET);
	assert_int_equal(v->n_portals, 2);
	assert_string_equal(v->portals[0], portals[0]);
	assert_string_equal(v->portals[1], portals[1]);
	assert_int_equal(v->lun, 0);

	assert_int_equal(v->n_acls, 2);
	assert_string_equal(v->acls[0].initiator, IQN);
	assert_int_equal(v->acls[0].refs, 2);
	assert_string_equal(v->acls[0].username, "u-one");
	assert_non_null(v->acls[0].password);
	assert_string_equal(v->acls[0].password, "secret-one-123");
	assert_string_equal(v->acls[1].initiator, IQN2);
	assert_int_equal(v->acls[1].refs, 1);
	assert_string_equal(v->acls[1].username, "u-two");
	assert_null(v->acls[1].password);
	attach_volume_info_free(v);

	assert_int_equal(attach_volume_show(c, VOL, false, &v), 0);
	assert_int_equal(v->n_attachments, 0);
	assert_false(v->exported);
	assert_null(v->target_iqn);
	assert_int_equal(v->n_portals, 0);
	assert_int_equal(v->n_acls, 0);
	attach_volume_info_free(v);
	attach_client_free(c);
	fake_join(f);

	struct nlattr *tb[ATTACH_A_MAX + 1];
	request_attrs(f, 1, ATTACH_MSG_VOLUME_SHOW, tb);
	assert_string_equal(nla_get_string(tb[ATTACH_A_VOLUME_ID]), VOL);
	assert_non_null(tb[ATTACH_A_SHOW_SECRETS]);
	request_attrs(f, 2, ATTACH_MSG_VOLUME_SHOW, tb);
	assert_null(tb[ATTACH_A_SHOW_SECRETS]);
}

/* ------------------------------------------------------------------------------------------------ */
/* the other calls: what they send, what they return; dry run */

/* OK with ids for every call; dry-run requests get a plan of three steps. */
static struct nl_msg *answer_ok(struct fake *f, const struct nlmsghdr *req)
{
	struct nl_msg *m = reply_new(req, ATTACH_OK, NULL);
	if (!m)
		return reply_done(f, NULL, 1);
	int bad = proto_put_str(m, ATTACH_A_VOLUME_ID, VOL2) | proto_put_str(m, ATTACH_A_ATTACHMENT_ID, ATTACHMENT);
	if (nlmsg_find_attr((struct nlmsghdr *)req, 0, ATTACH_A_DRY_RUN)) {
		int off = proto_nest_start(m, ATTACH_A_PLAN);
		bad |= off < 0 || proto_put_str(m, ATTACH_A_STEP, "store: attachment reserved") |
				      proto_put_str(m, ATTACH_A_STEP, "store: volume attaching") |
				      proto_put_str(m, ATTACH_A_STEP, "commit");
		proto_nest_end(m, off);
	}
	if (req->nlmsg_type == ATTACH_MSG_VOLUME_SHOW)
		bad |= proto_put_u8(m, ATTACH_A_STATE, ATTACH_STATE_AVAILABLE);
	return reply_done(f, m, bad);
}

static void test_calls_send_their_attributes(void **state)
{
	struct fake *f = *state;
	char id[ATTACH_UUID_LEN + 1];
	fake_run(f, NULL, answer_ok, NULL);
	struct attach_client *c = client_connected(f);
	struct attach_volume_create_args va = { .device = "/dev/loop0", .name = "data", .volume_id = VOL, .multiattach = true };
	assert_int_equal(attach_volume_create(c, &va, id), 0);
	assert_string_equal(id, VOL2);
	memset(id, 0, sizeof(id));
	assert_int_equal(attach_reserve(c, VOL, id), 0);
	assert_string_equal(id, ATTACHMENT);
	struct attach_attach_args aa = { .instance = INSTANCE, .host = "compute-1", .mountpoint = "/dev/vdb",
					 .mode = ATTACH_MODE_RO, .attachment_id = ATTACHMENT2 };
	memset(id, 0, sizeof(id));
	assert_int_equal(attach_attach(c, VOL, &aa, id), 0);
	assert_string_equal(id, ATTACHMENT);
	assert_int_equal(attach_terminate_connection(c, VOL, IQN, true), 0);
	assert_int_equal(attach_detach(c, VOL, ATTACHMENT2), 0);
	assert_int_equal(attach_begin_detaching(c, VOL), 0);
	assert_int_equal(attach_roll_detaching(c, VOL), 0);
	/* refused locally, before anything is sent */
	assert_int_equal(attach_terminate_connection(c, VOL, NULL, false), -EINVAL);
	assert_int_equal(attach_reserve(c, NULL, NULL), -EINVAL);
	attach_client_free(c);
	fake_join(f);

	struct nlattr *tb[ATTACH_A_MAX + 1];
	assert_int_equal(f->n_req, 8);
	request_attrs(f, 1, ATTACH_MSG_VOLUME_CREATE, tb);
	assert_string_equal(nla_get_string(tb[ATTACH_A_DEVICE]), "/dev/loop0");
	assert_string_equal(nla_get_string(tb[ATTACH_A_NAME]), "data");
	assert_string_equal(nla_get_string(tb[ATTACH_A_VOLUME_ID]), VOL);
	assert_non_null(tb[ATTACH_A_MULTIATTACH]);
	request_attrs(f, 2, ATTACH_MSG_RESERVE, tb);
	assert_string_equal(nla_get_string(tb[ATTACH_A_VOLUME_ID]), VOL);
	request_attrs(f, 3, ATTACH_MSG_ATTACH, tb);
	assert_string_equal(nla_get_string(tb[ATTACH_A_INSTANCE]), INSTANCE);
	assert_string_equal(nla_get_string(tb[ATTACH_A_HOST]), "compute-1");
	assert_string_equal(nla_get_string(tb[ATTACH_A_MOUNTPOINT]), "/dev/vdb");
	assert_int_equal(nla_get_u8(tb[ATTACH_A_MODE]), ATTACH_MODE_RO);
	assert_string_equal(nla_get_string(tb[ATTACH_A_ATTACHMENT_ID]), ATTACHMENT2);
	request_attrs(f, 4, ATTACH_MSG_TERMINATE_CONNECTION, tb);
	assert_string_equal(nla_get_string(tb[ATTACH_A_INITIATOR]), IQN);
	assert_non_null(tb[ATTACH_A_FORCE]);
	request_attrs(f, 5, ATTACH_MSG_DETACH, tb);
	assert_string_equal(nla_get_string(tb[ATTACH_A_ATTACHMENT_ID]), ATTACHMENT2);
	request_attrs(f, 6, ATTACH_MSG_BEGIN_DETACHING, tb);
	request_attrs(f, 7, ATTACH_MSG_ROLL_DETACHING, tb);
	for (size_t i = 1; i < f->n_req; i++) {
		request_attrs(f, i, f->req[i]->nlmsg_type, tb);
		assert_null(tb[ATTACH_A_DRY_RUN]);
	}
}

static void test_dry_run_plan(void **state)
{
	struct fake *f = *state;
	struct attach_volume_info *v;
	const char *const *steps;
	fake_run(f, NULL, answer_ok, NULL);
	struct attach_client *c = client_connected(f);
	attach_set_dry_run(c, true);
	assert_int_equal(attach_reserve(c, VOL, NULL), 0);
	assert_int_equal(attach_last_plan(c, &steps), 3);
	assert_string_equal(steps[0], "store: attachment reserved");
	assert_string_equal(steps[1], "store: volume attaching");
	assert_string_equal(steps[2], "commit");
	/* read-only calls carry no dry-run flag, and the plan is per call */
	assert_int_equal(attach_volume_show(c, VOL, false, &v), 0);
	attach_volume_info_free(v);
	assert_int_equal(attach_last_plan(c, &steps), 0);
	attach_client_free(c);
	fake_join(f);

	struct nlattr *tb[ATTACH_A_MAX + 1];
	request_attrs(f, 1, ATTACH_MSG_RESERVE, tb);
	assert_non_null(tb[ATTACH_A_DRY_RUN]);
	request_attrs(f, 2, ATTACH_MSG_VOLUME_SHOW, tb);
	assert_null(tb[ATTACH_A_DRY_RUN]);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fake_setup, fake_teardown)

int main(void)
{
	test_thread = pthread_self();
	const struct CMUnitTest tests[] = {
		T(test_connect_hello),
		T(test_connect_version_refused),
		T(test_connect_no_agent),
		T(test_reply_mismatch),
		T(test_error_status_maps),
		T(test_refused_before_hello),
		T(test_refused_after_hello),
		T(test_refused_before_send),
		T(test_refused_without_status),
		T(test_agent_closes_before_reply),
		T(test_agent_closes_mid_reply),
		T(test_reply_over_max),
		T(test_reply_below_header),
		T(test_reply_at_max),
		T(test_reply_malformed),
		T(test_initialize_connection),
		T(test_volume_list),
		T(test_volume_show),
		T(test_calls_send_their_attributes),
		T(test_dry_run_plan),
	};
	return cmocka_run_group_tests_name("client", tests, NULL, NULL);
}
