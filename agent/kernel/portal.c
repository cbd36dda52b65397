/* SPDX-License-Identifier: Apache-2.0 */
/* portal.c: portal parsing with inet_pton/inet_ntop (the canonical text comes from inet_ntop). */
#include "portal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int portal_fail(char *why, size_t n, const char *text)
{
	snprintf(why, n, "%s", text);
	return -EINVAL;
}

int portal_parse(const char *s, struct portal *out, char *why, size_t whylen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':')
			return portal_fail(why, whylen, "an IPv6 portal is written [address]:port");
		if ((size_t)(end - s - 1) >= sizeof(host))
			return portal_fail(why, whylen, "address too long");
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = '\0';
		colon = end + 1;
		out->family = AF_INET6;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return portal_fail(why, whylen, "a portal needs a port: address:port");
		if ((size_t)(colon - s) >= sizeof(host) || strchr(s, ':') != colon)
			return portal_fail(why, whylen, "not an IPv4 address (IPv6 needs [brackets])");
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		out->family = AF_INET;
	}
	if (inet_pton(out->family, host, out->addr) != 1)
		return portal_fail(why, whylen, out->family == AF_INET ? "not an IPv4 address" : "not an IPv6 address");
	char *end;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 1 || port > 65535 || colon[1] == '+' || colon[1] == '-')
		return portal_fail(why, whylen, "the port must be a number from 1 to 65535");
	out->port = (unsigned)port;
	char canon[INET6_ADDRSTRLEN];
	inet_ntop(out->family, out->addr, canon, sizeof(canon));
	snprintf(out->text, sizeof(out->text), out->family == AF_INET6 ? "[%s]:%u" : "%s:%u", canon, out->port);
	return 0;
}

bool portal_is_wildcard(const struct portal *p)
{
	static const unsigned char zero[16];
	return !memcmp(p->addr, zero, p->family == AF_INET ? 4 : 16);
}

int portal_advertise(const char *portal, const char *peer_ip, char *out, size_t size)
{
	struct portal p;
	char why[128];
	if (portal_parse(portal, &p, why, sizeof(why)))
		return -EINVAL;
	if (!portal_is_wildcard(&p)) {
		snprintf(out, size, "%s", p.text);
		return 0;
	}
	if (!peer_ip)
		return -EDESTADDRREQ;
	/* a UDP connect() sends nothing: it only asks the routing table for the source address */
	struct sockaddr_storage ss = { 0 }, local;
	socklen_t len = sizeof(local);
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	/* the kernel's [::] listener also takes IPv4 (mapped) connections; 0.0.0.0 takes only IPv4 */
	if (inet_pton(AF_INET, peer_ip, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)p.port);
		p.family = AF_INET;
	} else if (p.family == AF_INET6 && inet_pton(AF_INET6, peer_ip, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)p.port);
	} else {
		return -EAFNOSUPPORT; /* 0.0.0.0 cannot serve an IPv6 initiator */
	}
	int fd = socket(p.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = connect(fd, (struct sockaddr *)&ss, sizeof(ss)) < 0 || getsockname(fd, (struct sockaddr *)&local, &len) < 0
		? -errno : 0;
	close(fd);
	if (rc)
		return rc;
	char addr[INET6_ADDRSTRLEN];
	const void *src = p.family == AF_INET ? (const void *)&((struct sockaddr_in *)&local)->sin_addr
					      : (const void *)&((struct sockaddr_in6 *)&local)->sin6_addr;
	inet_ntop(p.family, src, addr, sizeof(addr));
	snprintf(out, size, p.family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, p.port);
	return 0;
}
