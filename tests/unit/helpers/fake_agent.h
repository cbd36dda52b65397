/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake_agent.h: a fake attachd for the libattach tests (test_client_*.c). The fake is a thread on a
 * temporary UNIX socket that reads requests with the same framing as attachd, checks every one with the
 * strict parser (so libattach never sends what the agent would refuse), keeps a copy for the test to
 * inspect, and answers with canned replies built with proto_msg_new()/proto_put_*(), or misbehaves on
 * purpose (a script given to fake_run()): refuses, closes mid-reply, sends a wrong seq or an oversized frame.
 *
 * The fake thread never asserts (cmocka's longjmp must stay on the test's thread): it records its first
 * problem in f->error, and fake_join() fails the test with it. A watchdog alarm ends a test that hangs,
 * e.g. a client that tries to read a reply it should have refused.
 */
#ifndef FAKE_AGENT_H
#define FAKE_AGENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attach.h"
#include "ids.h"
#include "proto.h"

#define WATCHDOG_SECONDS 30
#define FAKE_MAX_REQ 64

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

/* Record the fake's first problem (the test fails with it in fake_join()). */
void fake_error(struct fake *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fake_write_all(struct fake *f, int fd, const void *buf, size_t len);
/* Send @m and free it. */
int fake_send(struct fake *f, int fd, struct nl_msg *m);
/* The next request, framed as attachd frames it; NULL when the client hung up (or on a recorded error). */
const struct nlmsghdr *fake_recv(struct fake *f, int fd);
/* For scripts: answer the client's HELLO, then read its next request (NULL when it hung up). */
const struct nlmsghdr *fake_recv_after_hello(struct fake *f, int fd);

/* A reply to @req with a status and, unless NULL, a message. */
struct nl_msg *reply_new(const struct nlmsghdr *req, uint32_t status, const char *message);
struct nl_msg *reply_hello_ok(const struct nlmsghdr *req);
/* Finish a reply whose puts were OR-ed into @bad. */
struct nl_msg *reply_done(struct fake *f, struct nl_msg *m, int bad);

/* cmocka setup/teardown: *state becomes a struct fake listening on its socket. */
int fake_setup(void **state);
int fake_teardown(void **state);
/* Start the fake: @script (NULL: HELLO gets OK, everything else goes to @answer), with @arg for either. */
void fake_run(struct fake *f, fake_script_fn script, fake_answer_fn answer, const void *arg);
/* Wait for the fake (free the client first: it ends on the client's hang-up) and check it was happy. */
void fake_join(struct fake *f);
#define FAKE_TEST(fn) cmocka_unit_test_setup_teardown(fn, fake_setup, fake_teardown)

/* The test side: a client connected to the fake, and the requests it sent. */
struct attach_client *client_connected(struct fake *f);
/* Request @i (0 is HELLO) has @type, the request flag and seq i + 1, and parses into @tb. */
void request_attrs(struct fake *f, size_t i, uint16_t type, struct nlattr **tb);
void assert_message_has(struct attach_client *c, const char *sub);

/* Canned reply parts: three portals, and a portals nest holding the first @n of them. */
extern const char *const portals[3];
int put_portals(struct nl_msg *m, size_t n);

#endif
