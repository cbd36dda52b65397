/* SPDX-License-Identifier: Apache-2.0 */
/*
 * listenfd.h: the listening socket systemd passes (socket activation, attachd.socket), without libsystemd.
 * sd_listen_fds(3)'s protocol: $LISTEN_PID is the pid the sockets are for, $LISTEN_FDS how many there are,
 * from fd 3 on ($LISTEN_FDNAMES names them). attachd takes exactly one: an AF_UNIX stream socket that
 * listens, bound to the --socket path. Callers are checked on it as on attachd's own socket (srv.h).
 */
#ifndef LISTENFD_H
#define LISTENFD_H

#include <stddef.h>

#define LISTENFD_FD 3 /* SD_LISTEN_FDS_START */

/*
 * Take the socket systemd passed for @socket_path. The three variables are unset in every case, so no
 * child inherits them. Returns:
 *   0, *@fd = LISTENFD_FD: the socket, now close-on-exec and non-blocking;
 *   0, *@fd = -1: none passed (no $LISTEN_FDS, or 0);
 *   1, *@fd = -1: $LISTEN_PID is another process's (or unset): the sockets are not attachd's, and @err
 *      says so;
 *   -EINVAL (or -errno) with the reason in @err: a bad $LISTEN_PID or $LISTEN_FDS, more than one socket,
 *   or fd 3 not a listening AF_UNIX stream socket bound to @socket_path. Nothing is closed.
 */
int listenfd_take(const char *socket_path, int *fd, char *err, size_t errlen);

#endif
