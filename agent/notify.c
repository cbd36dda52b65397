/* SPDX-License-Identifier: Apache-2.0 */
/* notify.c: readiness and stopping told to systemd through $NOTIFY_SOCKET (see notify.h). */
#include "notify.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fail.h"

int notify_open(struct notify *n, char *err, size_t errlen)
{
	memset(n, 0, sizeof(*n));
	n->fd = -1;
	const char *env = getenv("NOTIFY_SOCKET");
	if (!env)
		return 0;
	/* copied before unsetenv(), which may free the string */
	char name[sizeof(n->addr.sun_path) + 1] = "";
	size_t len = strnlen(env, sizeof(name));
	int rc = 0;
	if (len == sizeof(name))
		rc = fail_with(-EINVAL, err, errlen, "NOTIFY_SOCKET is longer than a socket address");
	else
		memcpy(name, env, len + 1);
	unsetenv("NOTIFY_SOCKET");
	if (rc)
		return rc;
	n->addr.sun_family = AF_UNIX;
	if (name[0] == '/' && len < sizeof(n->addr.sun_path)) {
		memcpy(n->addr.sun_path, name, len + 1);
		n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	} else if (name[0] == '@' && len >= 2) {
		/* abstract: a NUL, then the name, whose length is the address's (no terminator) */
		memcpy(n->addr.sun_path + 1, name + 1, len - 1);
		n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	} else {
		return fail_with(-EINVAL, err, errlen, "NOTIFY_SOCKET=%s: neither an absolute path that fits a socket "
				 "address nor an @abstract name", name);
	}
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0)
		return fail_with(-errno, err, errlen, "NOTIFY_SOCKET: socket: %s", strerror(errno));
	return 0;
}

int notify_send(const struct notify *n, const char *state)
{
	if (n->fd < 0)
		return 0;
	size_t len = strlen(state);
	ssize_t sent = sendto(n->fd, state, len, MSG_NOSIGNAL | MSG_DONTWAIT, (const struct sockaddr *)&n->addr,
			      n->addr_len);
	if (sent < 0)
		return -errno;
	return (size_t)sent == len ? 0 : -EMSGSIZE;
}

void notify_close(struct notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
