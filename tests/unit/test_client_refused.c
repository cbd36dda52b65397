/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_client_refused.c: libattach (proto/client.c) when the agent refuses a connection: REFUSED before or
 * after HELLO, before the client's HELLO went out, or without a status.
 *
 * libattach's send() is held here (a link-time wrap: the Makefile turns every __wrap_ function defined in
 * this file into -Wl,--wrap=), so that a test can make the agent hang up before the client's request
 * goes out.
 */
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
#include <unistd.h>

#include <cmocka.h>

#include "fake_agent.h"

/* ------------------------------------------------------------------------------------------------ */
/* holding libattach's send() */

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
/* REFUSED */

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

int main(void)
{
	test_thread = pthread_self();
	const struct CMUnitTest tests[] = {
		FAKE_TEST(test_refused_before_hello), FAKE_TEST(test_refused_after_hello),
		FAKE_TEST(test_refused_before_send), FAKE_TEST(test_refused_without_status),
	};
	return cmocka_run_group_tests_name("client-refused", tests, NULL, NULL);
}
