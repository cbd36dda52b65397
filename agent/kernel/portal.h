/* SPDX-License-Identifier: Apache-2.0 */
/* portal.h: iSCSI portal addresses "ip:port" / "[ip6]:port": parsing and the canonical spelling. */
#ifndef PORTAL_H
#define PORTAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "attach_proto.h"

struct portal {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned port;
	char text[ATTACH_PORTAL_MAX + 1]; /* canonical: what configfs and the connection info get */
};

/* 0 or -EINVAL with the reason in @why. IPv6 needs brackets; the port is required (1-65535). */
int portal_parse(const char *s, struct portal *out, char *why, size_t whylen);
/* True for 0.0.0.0 and [::]: LIO listens on every address. */
bool portal_is_wildcard(const struct portal *p);
/*
 * What to tell an initiator at @peer_ip (may be NULL) to reach @portal: the portal itself, or for a
 * wildcard the local address the kernel's routing picks toward @peer_ip, with the portal's port ([::]
 * serves IPv4 initiators too; 0.0.0.0 only them: -EAFNOSUPPORT for an IPv6 one). -EDESTADDRREQ for a
 * wildcard without @peer_ip; -errno if there is no route.
 */
int portal_advertise(const char *portal, const char *peer_ip, char *out, size_t size);

#endif
