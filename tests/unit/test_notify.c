/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_notify.c: agent/notify.c, sd_notify(3)'s protocol against real datagram sockets: a path and an
 * abstract "@name" both receive exactly the state sent; $NOTIFY_SOCKET is unset once read, whatever it
 * held; addresses attachd cannot use are refused with a reason; without the variable nothing is sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "notify.h"
#include "unit_main.h"

/* A datagram socket bound to @name (a path, or "@..." for an abstract name), as systemd's would be. */
static int receiver(const char *name)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	memcpy(sa.sun_path, name, len);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	else
		len++;
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)), 0);
	return fd;
}

/* The next datagram on @fd, which must have come already. */
static void receive(int fd, char *buf, size_t size)
{
	ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);
	assert_true(n >= 0);
	buf[n] = '\0';
}

static void test_unset(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	struct notify n;
	char err[256] = "";
	assert_int_equal(notify_open(&n, err, sizeof(err)), 0);
	assert_int_equal(n.fd, -1);
	assert_int_equal(notify_send(&n, "READY=1"), 0);
	notify_close(&n);
}

static void test_path_and_abstract(void **state)
{
	(void)state;
	char dir[] = "/tmp/attachd-notify.XXXXXX", path[128], abstract[64], buf[256], err[256] = "";
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify.sock", dir);
	snprintf(abstract, sizeof(abstract), "@attachd-test-notify-%d", (int)getpid());
	const char *names[] = { path, abstract };
	for (int i = 0; i < 2; i++) {
		int r = receiver(names[i]);
		setenv("NOTIFY_SOCKET", names[i], 1);
		struct notify n;
		assert_int_equal(notify_open(&n, err, sizeof(err)), 0);
		assert_null(getenv("NOTIFY_SOCKET"));
		assert_true(n.fd >= 0);
		assert_true(fcntl(n.fd, F_GETFD) & FD_CLOEXEC);
		assert_int_equal(notify_send(&n, "READY=1\nSTATUS=serving"), 0);
		receive(r, buf, sizeof(buf));
		assert_string_equal(buf, "READY=1\nSTATUS=serving");
		assert_int_equal(notify_send(&n, "STOPPING=1"), 0);
		receive(r, buf, sizeof(buf));
		assert_string_equal(buf, "STOPPING=1");
		/* the receiver gone: an error, not a hang */
		close(r);
		if (i == 0)
			unlink(path);
		int rc = notify_send(&n, "STOPPING=1");
		assert_true(rc == -ECONNREFUSED || rc == -ENOENT);
		notify_close(&n);
		assert_int_equal(n.fd, -1);
	}
	rmdir(dir);
}

static void test_bad_addresses(void **state)
{
	(void)state;
	char longpath[109], longest[200];
	memset(longpath, 'a', sizeof(longpath));
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0'; /* 108 bytes: no room left for the NUL in sun_path */
	memset(longest, 'a', sizeof(longest));
	longest[0] = '/';
	longest[sizeof(longest) - 1] = '\0';
	static const char *const bad[] = { "notify.sock", "", "@", "vsock:2:1234", "./notify.sock" };
	struct notify n;
	char err[512], want[512];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]) + 1; i++) {
		const char *v = i < sizeof(bad) / sizeof(bad[0]) ? bad[i] : longpath;
		setenv("NOTIFY_SOCKET", v, 1);
		assert_int_equal(notify_open(&n, err, sizeof(err)), -EINVAL);
		snprintf(want, sizeof(want), "NOTIFY_SOCKET=%s: neither an absolute path that fits a socket address nor "
			 "an @abstract name", v);
		assert_string_equal(err, want);
		assert_int_equal(n.fd, -1);
		assert_null(getenv("NOTIFY_SOCKET"));
		assert_int_equal(notify_send(&n, "READY=1"), 0);
	}
	setenv("NOTIFY_SOCKET", longest, 1);
	assert_int_equal(notify_open(&n, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "NOTIFY_SOCKET is longer than a socket address");
	assert_null(getenv("NOTIFY_SOCKET"));
	assert_int_equal(n.fd, -1);
}

UNIT_MAIN("notify", cmocka_unit_test(test_unset), cmocka_unit_test(test_path_and_abstract),
	  cmocka_unit_test(test_bad_addresses))
