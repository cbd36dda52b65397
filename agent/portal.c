/* SPDX-License-Identifier: Apache-2.0 */
/* portal.c: portal parsing with inet_pton/inet_ntop (the canonical text comes from inet_ntop). */
#include "portal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
