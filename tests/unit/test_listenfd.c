/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_listenfd.c: agent/server/listenfd.c, sd_listen_fds(3)'s protocol with real descriptors at fd 3:
 * the one good case (a listening UNIX stream socket bound to --socket: taken, close-on-exec, non-blocking)
 * and every bad one (not ours, not a number, two sockets, not a socket, the wrong kind of socket, not
 * listening, no path, another path), each with its reason; the variables are gone afterwards in every case.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "listenfd.h"
#include "unit_main.h"

struct lf {
	char dir[64];
	char sock[128]; /* --socket */
	char err[512];
	int fd;
};

static int lf_setup(void **state)
{
	/* fd 3 is the protocol's: the test binary must not be using it */
	if (fcntl(3, F_GETFD) >= 0)
		fail_msg("fd 3 is open in the test process");
	struct lf *l = calloc(1, sizeof(*l));
	assert_non_null(l);
	snprintf(l->dir, sizeof(l->dir), "/tmp/attachd-listenfd.XXXXXX");
	assert_non_null(mkdtemp(l->dir));
	snprintf(l->sock, sizeof(l->sock), "%s/attachd.sock", l->dir);
	*state = l;
	return 0;
}

static int lf_teardown(void **state)
{
	struct lf *l = *state;
	close(3);
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", l->dir);
	assert_int_equal(system(cmd), 0);
	free(l);
	return 0;
}

/* @fd moved to fd 3, as systemd leaves it. */
static void at3(int fd)
{
	assert_true(fd >= 0);
	if (fd != 3) {
		assert_int_equal(dup2(fd, 3), 3);
		close(fd);
	}
}

/* A UNIX socket of @type bound to @path ("@..." abstract), listening if @listening, at fd 3. */
static void unix_at3(int type, const char *path, bool listening)
{
	int fd = socket(AF_UNIX, type, 0);
	assert_true(fd >= 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	else
		len++;
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)), 0);
	if (listening)
		assert_int_equal(listen(fd, 8), 0);
	at3(fd);
}

/* The variables as systemd sets them: @pid (NULL: unset), @fds (NULL: unset). */
static void env(const char *pid, const char *fds)
{
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	if (pid)
		setenv("LISTEN_PID", pid, 1);
	if (fds)
		setenv("LISTEN_FDS", fds, 1);
	setenv("LISTEN_FDNAMES", "attachd.socket", 1);
}

static const char *mypid(void)
{
	static char buf[16];
	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	return buf;
}

/* listenfd_take() gives @rc and, unless @msg is NULL, exactly @msg; the variables are gone either way. */
static void take(struct lf *l, int rc, const char *msg)
{
	snprintf(l->err, sizeof(l->err), "(untouched)");
	l->fd = 42;
	assert_int_equal(listenfd_take(l->sock, &l->fd, l->err, sizeof(l->err)), rc);
	if (msg)
		assert_string_equal(l->err, msg);
	assert_int_equal(l->fd, rc == 0 && msg == NULL ? l->fd : -1);
	assert_null(getenv("LISTEN_PID"));
	assert_null(getenv("LISTEN_FDS"));
	assert_null(getenv("LISTEN_FDNAMES"));
}

static void test_taken(void **state)
{
	struct lf *l = *state;
	unix_at3(SOCK_STREAM, l->sock, true);
	env(mypid(), "1");
	take(l, 0, NULL);
	assert_int_equal(l->fd, 3);
	assert_true(fcntl(3, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(3, F_GETFL) & O_NONBLOCK);
	/* non-blocking: an accept with nobody there returns at once */
	assert_int_equal(accept(3, NULL, NULL), -1);
	assert_int_equal(errno, EAGAIN);
}

static void test_none(void **state)
{
	struct lf *l = *state;
	env(NULL, NULL);
	take(l, 0, "(untouched)");
	env(mypid(), "0");
	take(l, 0, "(untouched)");
}

static void test_not_ours(void **state)
{
	struct lf *l = *state;
	char msg[256];
	unix_at3(SOCK_STREAM, l->sock, true);
	env("1", "1");
	snprintf(msg, sizeof(msg), "LISTEN_PID=1 is not attachd's pid (%d): the sockets from systemd are another "
		 "process's; attachd makes its own", (int)getpid());
	take(l, 1, msg);
	assert_true(fcntl(3, F_GETFD) >= 0); /* left alone */
	env(NULL, "1");
	take(l, 1, "LISTEN_FDS is set without LISTEN_PID: not attachd's sockets; attachd makes its own");
	/* another pid's: its LISTEN_FDS is not even looked at */
	env("1", "many");
	take(l, 1, NULL);
}

static void test_bad_numbers(void **state)
{
	struct lf *l = *state;
	unix_at3(SOCK_STREAM, l->sock, true);
	static const char *const bad_pid[] = { "12x", "", "-1", "0", " 1", "99999999999" };
	char msg[128];
	for (size_t i = 0; i < sizeof(bad_pid) / sizeof(bad_pid[0]); i++) {
		env(bad_pid[i], "1");
		snprintf(msg, sizeof(msg), "LISTEN_PID=%s: not a pid", bad_pid[i]);
		take(l, -EINVAL, msg);
	}
	static const char *const bad_fds[] = { "x", "", "-1", "1 ", "0x1" };
	for (size_t i = 0; i < sizeof(bad_fds) / sizeof(bad_fds[0]); i++) {
		env(mypid(), bad_fds[i]);
		snprintf(msg, sizeof(msg), "LISTEN_FDS=%s: not a number of sockets", bad_fds[i]);
		take(l, -EINVAL, msg);
	}
	env(mypid(), NULL);
	take(l, -EINVAL, "LISTEN_FDS=(unset): not a number of sockets");
	env(mypid(), "2");
	take(l, -EINVAL, "systemd passed 2 sockets (fd 3 to 4): attachd serves one (one ListenStream= in attachd.socket)");
}

static void test_not_a_listening_unix_stream(void **state)
{
	struct lf *l = *state;
	char path[160];
	/* nothing at fd 3 */
	env(mypid(), "1");
	take(l, -EBADF, "systemd's socket (fd 3): Bad file descriptor");
	/* a regular file */
	snprintf(path, sizeof(path), "%s/file", l->dir);
	at3(open(path, O_RDWR | O_CREAT, 0600));
	env(mypid(), "1");
	take(l, -ENOTSOCK, "systemd's socket (fd 3) is not a socket");
	close(3);
	/* a datagram socket at the right path */
	unix_at3(SOCK_DGRAM, l->sock, false);
	env(mypid(), "1");
	take(l, -EINVAL, "systemd's socket (fd 3) is not a UNIX stream socket (ListenStream= with a path)");
	close(3);
	unlink(l->sock);
	/* a TCP listener */
	int tcp = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(tcp, (struct sockaddr *)&in, sizeof(in)), 0);
	assert_int_equal(listen(tcp, 1), 0);
	at3(tcp);
	env(mypid(), "1");
	take(l, -EINVAL, "systemd's socket (fd 3) is not a UNIX stream socket (ListenStream= with a path)");
	close(3);
	/* bound, not listening */
	unix_at3(SOCK_STREAM, l->sock, false);
	env(mypid(), "1");
	take(l, -EINVAL, "systemd's socket (fd 3) is not listening");
	close(3);
	unlink(l->sock);
	/* abstract */
	char abstract[64];
	snprintf(abstract, sizeof(abstract), "@attachd-test-listenfd-%d", (int)getpid());
	unix_at3(SOCK_STREAM, abstract, true);
	env(mypid(), "1");
	take(l, -EINVAL, "systemd's socket (fd 3) has no path (abstract or unnamed): attachd serves a socket file, "
			 "whose directory and mode keep others out");
	close(3);
	/* a listening socket at another path than --socket */
	snprintf(path, sizeof(path), "%s/other.sock", l->dir);
	unix_at3(SOCK_STREAM, path, true);
	env(mypid(), "1");
	char msg[512];
	snprintf(msg, sizeof(msg), "systemd's socket is %s but --socket is %s: make them the same (attachd.socket's "
		 "ListenStream=, the socket key of the configuration file)", path, l->sock);
	take(l, -EINVAL, msg);
	/* none of the refused ones was made non-blocking or closed */
	assert_false(fcntl(3, F_GETFL) & O_NONBLOCK);
}

#define LF_TEST(t) cmocka_unit_test_setup_teardown(t, lf_setup, lf_teardown)
UNIT_MAIN("listenfd", LF_TEST(test_taken), LF_TEST(test_none), LF_TEST(test_not_ours), LF_TEST(test_bad_numbers),
	  LF_TEST(test_not_a_listening_unix_stream))
