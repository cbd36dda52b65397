/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srv.h: the control socket and the event loop. One epoll loop, nonblocking sockets, many clients:
 * partial reads and writes are buffered per connection; one request per connection is served at a time
 * (a client reads its reply before its next request is taken), and requests are dispatched one after the
 * other; only a call's kernel work may run in a thread beside others' (flight.h), its connection out of
 * epoll until the reply is queued, and a request that must wait for calls in flight stays in its
 * connection's buffer until one ends. Peer credentials (SO_PEERCRED, SO_PEERGROUPS) are checked once, at
 * accept, before any byte is read: root, --allow-uid and --allow-gid pass; anyone else gets an
 * ATTACH_MSG_REFUSED message and the connection is closed. A request left half-sent for longer than the
 * request timeout is answered with ATTACH_E_TIMEOUT and closed. SIGTERM/SIGINT end the loop between
 * requests, once the calls in flight have ended and been answered. The same checks apply to a socket systemd passed (socket activation).
 */
#ifndef SRV_H
#define SRV_H

#include "agent.h"

struct srv;

/* Create the socket (0660, group: the first --allow-gid or root's) and start listening; or, with @lfd >= 0
 * (systemd's, from listenfd_take()), serve that one, which srv then owns: it is never bound, renamed or
 * removed by attachd (the socket unit owns the file). */
int srv_open(struct srv **out, struct agent *a, int lfd);
/* Serve until SIGTERM or SIGINT. 0 on a clean stop, -errno on failure. */
int srv_run(struct srv *s);
/* Close every connection and the socket, and remove the socket file. */
void srv_close(struct srv *s);

#endif
