/* SPDX-License-Identifier: Apache-2.0 */
/* client.h: libattach internals shared by its files (not installed). */
#ifndef CLIENT_H
#define CLIENT_H

#include "attach.h"
#include "proto.h"

struct attach_client {
	int fd;
	char path[108]; /* the agent's socket: to connect again after the agent closed an idle connection */
	uint32_t seq;
	bool dry_run;
	bool out_of_step; /* the last transaction lost the framing or the agent closed */
	uint32_t status;
	char message[ATTACH_MESSAGE_MAX + 1];
	unsigned char *buf; /* the last reply; c->tb points into it until the next call */
	size_t bufsize;
	struct nlattr *tb[ATTACH_A_MAX + 1];
	char **plan;
	size_t n_plan;
};

/* Record a local failure (message + status) and return @err as a negative errno. */
int client_fail(struct attach_client *c, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A request of @type with the volume id (if not NULL) and, for mutating calls in dry-run, the flag. */
struct nl_msg *client_request(struct attach_client *c, uint16_t type, const char *volume_id);
bool client_is_mutating(uint16_t type);
/* Send @req (consumed), read and decode the reply into c->tb. 0 or negative errno (status mapped). */
int client_transact(struct attach_client *c, struct nl_msg *req);
/* Copy string attribute @a of @tb into @dst (size @n); "" when absent. */
void client_copy_str(struct nlattr **tb, int a, char *dst, size_t n);
/* Copy the portals nested in @nest (ATTACH_A_PORTALS) into @dst; returns how many. */
size_t client_copy_portals(struct nlattr *nest, char (*dst)[ATTACH_PORTAL_MAX + 1]);

#endif
