/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notify.h: telling systemd how the start went (Type=notify), without libsystemd. sd_notify(3)'s protocol:
 * one datagram of "VAR=value" lines to the AF_UNIX socket that $NOTIFY_SOCKET names, a path ("/run/...")
 * or an abstract name ("@name": the '@' stands for the leading NUL). attachd sends READY=1 once its
 * socket serves, after reconciliation, and STOPPING=1 when it begins to stop; systemd takes them from the
 * service's main process only (NotifyAccess=main), so under systemd attachd runs with --foreground.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

struct notify {
	int fd; /* -1: not started by systemd (or for it, notify_send() does nothing) */
	struct sockaddr_un addr;
	socklen_t addr_len;
};

/*
 * Read $NOTIFY_SOCKET and unset it (no child inherits it). 0 with @n->fd = -1 when it is not set; 0 with a
 * socket to send from; -EINVAL for an address that is neither an absolute path nor an @name that fits a
 * socket address, or -errno, with the reason in @err (@n->fd is then -1).
 */
int notify_open(struct notify *n, char *err, size_t errlen);
/* Send @state ("READY=1", "STOPPING=1", "STATUS=..." lines joined by '\n'): 0, or -errno (never blocks).
 * 0 without sending when @n->fd is -1. */
int notify_send(const struct notify *n, const char *state);
void notify_close(struct notify *n);

#endif
