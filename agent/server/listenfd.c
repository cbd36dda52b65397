/* SPDX-License-Identifier: Apache-2.0 */
/* listenfd.c: the socket systemd passes, checked before it is served (see listenfd.h). */
#include "listenfd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fail.h"

/* A variable's decimal value, 0 to @max; -EINVAL for anything else. */
static int listenfd_number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int listenfd_sockopt(int fd, int opt, int *val)
{
	socklen_t len = sizeof(*val);
	return getsockopt(fd, SOL_SOCKET, opt, val, &len) < 0 ? -errno : 0;
}

/* fd @fd: an AF_UNIX stream socket, listening, bound to @path. */
static int listenfd_check(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int domain, type, listening;
	if (fstat(fd, &st) < 0)
		return fail_with(-errno, err, errlen, "systemd's socket (fd %d): %s", fd, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return fail_with(-ENOTSOCK, err, errlen, "systemd's socket (fd %d) is not a socket", fd);
	int rc = listenfd_sockopt(fd, SO_DOMAIN, &domain);
	if (!rc)
		rc = listenfd_sockopt(fd, SO_TYPE, &type);
	if (!rc)
		rc = listenfd_sockopt(fd, SO_ACCEPTCONN, &listening);
	if (rc)
		return fail_with(rc, err, errlen, "systemd's socket (fd %d): %s", fd, strerror(-rc));
	if (domain != AF_UNIX || type != SOCK_STREAM)
		return fail_with(-EINVAL, err, errlen, "systemd's socket (fd %d) is not a UNIX stream socket "
				 "(ListenStream= with a path)", fd);
	if (!listening)
		return fail_with(-EINVAL, err, errlen, "systemd's socket (fd %d) is not listening", fd);
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	memset(&sa, 0, sizeof(sa));
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return fail_with(-errno, err, errlen, "systemd's socket (fd %d): %s", fd, strerror(errno));
	size_t plen = len > offsetof(struct sockaddr_un, sun_path) ? len - offsetof(struct sockaddr_un, sun_path) : 0;
	if (!plen || sa.sun_path[0] == '\0')
		return fail_with(-EINVAL, err, errlen, "systemd's socket (fd %d) has no path (abstract or unnamed): "
				 "attachd serves a socket file, whose directory and mode keep others out", fd);
	char bound[sizeof(sa.sun_path) + 1];
	snprintf(bound, sizeof(bound), "%.*s", (int)plen, sa.sun_path);
	if (strcmp(bound, path))
		return fail_with(-EINVAL, err, errlen, "systemd's socket is %s but --socket is %s: make them the same "
				 "(attachd.socket's ListenStream=, the socket key of the configuration file)", bound, path);
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return fail_with(-errno, err, errlen, "systemd's socket (fd %d): fcntl: %s", fd, strerror(errno));
	return 0;
}

int listenfd_take(const char *socket_path, int *fd, char *err, size_t errlen)
{
	*fd = -1;
	const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");
	unsigned long pid = 0, n = 0;
	int rc = 0;
	/* in sd_listen_fds(3)'s order: sockets for another process are none of attachd's business */
	if (!fds_s && !pid_s)
		rc = 0;
	else if (!pid_s)
		rc = fail_with(1, err, errlen, "LISTEN_FDS is set without LISTEN_PID: not attachd's sockets; attachd "
			       "makes its own");
	else if (listenfd_number(pid_s, INT32_MAX, &pid) || !pid)
		rc = fail_with(-EINVAL, err, errlen, "LISTEN_PID=%s: not a pid", pid_s);
	else if (pid != (unsigned long)getpid())
		rc = fail_with(1, err, errlen, "LISTEN_PID=%lu is not attachd's pid (%d): the sockets from systemd are "
			       "another process's; attachd makes its own", pid, (int)getpid());
	else if (listenfd_number(fds_s, INT32_MAX, &n))
		rc = fail_with(-EINVAL, err, errlen, "LISTEN_FDS=%s: not a number of sockets", fds_s ? fds_s : "(unset)");
	else if (n > 1)
		rc = fail_with(-EINVAL, err, errlen, "systemd passed %lu sockets (fd 3 to %lu): attachd serves one "
			       "(one ListenStream= in attachd.socket)", n, 2 + n);
	else if (n == 1 && !(rc = listenfd_check(LISTENFD_FD, socket_path, err, errlen)))
		*fd = LISTENFD_FD;
	/* after the checks, which may quote them */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return rc;
}
