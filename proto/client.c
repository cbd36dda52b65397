/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client.c: libattach's connection: connect + version exchange, one request/reply transaction, reply
 * decoding (types checked with the reply policy; attributes a newer agent adds are skipped), the last
 * status, message and plan.
 */
#include "client.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <netlink/errno.h>

__attribute__((format(printf, 3, 4)))
int client_fail(struct attach_client *c, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
	c->status = ATTACH_STATUS_LOCAL;
	return err < 0 ? err : -err;
}

struct attach_client *attach_client_new(void)
{
	struct attach_client *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fd = -1;
	return c;
}

static void client_plan_clear(struct attach_client *c)
{
	for (size_t i = 0; i < c->n_plan; i++)
		free(c->plan[i]);
	free(c->plan);
	c->plan = NULL;
	c->n_plan = 0;
}

void attach_client_free(struct attach_client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	client_plan_clear(c);
	free(c->buf);
	free(c);
}

uint32_t attach_last_status(const struct attach_client *c)
{
	return c->status;
}

const char *attach_last_message(const struct attach_client *c)
{
	return c->message;
}

void attach_set_dry_run(struct attach_client *c, bool on)
{
	c->dry_run = on;
}

size_t attach_last_plan(const struct attach_client *c, const char *const **steps)
{
	*steps = (const char *const *)c->plan;
	return c->n_plan;
}

const char *attach_status_name(uint32_t status)
{
	return proto_status_name(status);
}

const char *attach_state_name(int state)
{
	return proto_state_name(state);
}

const char *attach_attachment_state_name(int state)
{
	return proto_attachment_state_name(state);
}

const char *attach_transport_name(int transport)
{
	return proto_transport_name(transport);
}

const char *attach_mode_name(int mode)
{
	return proto_mode_name(mode);
}

static int client_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* 0, -ECONNRESET on a clean end of stream, or -errno. */
static int client_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int client_read_reply(struct attach_client *c)
{
	struct nlmsghdr h;
	int rc = client_read_all(c->fd, &h, sizeof(h));
	if (rc)
		return client_fail(c, rc, "reading the agent's reply: %s",
				   rc == -ECONNRESET ? "the agent closed the connection" : strerror(-rc));
	rc = proto_frame_check(&h, ATTACH_REPLY_MAX);
	if (rc == -EBADMSG)
		return client_fail(c, -EPROTO, "the agent sent a reply of %u bytes, shorter than its header",
				   h.nlmsg_len);
	if (rc)
		return client_fail(c, -EPROTO, "the agent sent a reply of %u bytes (limit %u)", h.nlmsg_len,
				   ATTACH_REPLY_MAX);
	if (h.nlmsg_len > c->bufsize) {
		unsigned char *nb = realloc(c->buf, h.nlmsg_len);
		if (!nb)
			return client_fail(c, -ENOMEM, "out of memory for a %u-byte reply", h.nlmsg_len);
		c->buf = nb;
		c->bufsize = h.nlmsg_len;
	}
	memcpy(c->buf, &h, sizeof(h));
	rc = client_read_all(c->fd, c->buf + sizeof(h), h.nlmsg_len - sizeof(h));
	if (rc)
		return client_fail(c, rc, "reading the agent's reply: %s",
				   rc == -ECONNRESET ? "the agent closed the connection mid-reply" : strerror(-rc));
	return 0;
}

static int client_decode(struct attach_client *c, uint16_t type, uint32_t seq)
{
	struct nlmsghdr *h = (struct nlmsghdr *)c->buf;
	int rc = nlmsg_parse(h, 0, c->tb, ATTACH_A_MAX, (struct nla_policy *)proto_reply_policy);
	if (rc < 0)
		return client_fail(c, -EPROTO, "malformed reply from the agent: %s", nl_geterror(rc));
	if (!c->tb[ATTACH_A_STATUS])
		return client_fail(c, -EPROTO, "the agent's reply carries no status");
	uint32_t status = nla_get_u32(c->tb[ATTACH_A_STATUS]);
	const char *msg = c->tb[ATTACH_A_MESSAGE] ? nla_get_string(c->tb[ATTACH_A_MESSAGE]) : "";
	if (h->nlmsg_type != ATTACH_MSG_REFUSED && (h->nlmsg_type != type || h->nlmsg_seq != seq)) {
		c->out_of_step = true;
		return client_fail(c, -EPROTO, "reply type 0x%x seq %u does not answer request 0x%x seq %u",
				   h->nlmsg_type, h->nlmsg_seq, type, seq);
	}
	if (h->nlmsg_type == ATTACH_MSG_REFUSED)
		c->out_of_step = true; /* the agent closes after it */
	if (h->nlmsg_type == ATTACH_MSG_REFUSED && status == ATTACH_OK)
		status = ATTACH_E_INTERNAL;
	c->status = status;
	snprintf(c->message, sizeof(c->message), "%s", msg);
	if (c->tb[ATTACH_A_PLAN]) {
		struct nlattr *pos;
		int rem;
		nla_for_each_nested(pos, c->tb[ATTACH_A_PLAN], rem) c->n_plan++;
		c->plan = calloc(c->n_plan ? c->n_plan : 1, sizeof(*c->plan));
		if (!c->plan)
			return client_fail(c, -ENOMEM, "out of memory");
		size_t i = 0;
		nla_for_each_nested(pos, c->tb[ATTACH_A_PLAN], rem) {
			if (nla_type(pos) != ATTACH_A_STEP || nla_len(pos) < 1)
				continue;
			c->plan[i] = strndup(nla_data(pos), (size_t)nla_len(pos));
			if (!c->plan[i++]) {
				c->n_plan = i;
				return client_fail(c, -ENOMEM, "out of memory");
			}
		}
		c->n_plan = i;
	}
	if (status != ATTACH_OK) {
		if (!*c->message)
			snprintf(c->message, sizeof(c->message), "the agent refused: %s", proto_status_name(status));
		return -proto_errno_from_status(status);
	}
	return 0;
}

/* Before a request: has the agent closed this connection in the meantime (idle too long)? Its goodbye
 * (a REFUSED message, or the end of the stream) is waiting: then connect again, once, so a long-lived
 * client does not see the agent's idle timeout. Nothing was sent yet, so nothing can run twice. */
static void client_revive(struct attach_client *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	if (c->fd < 0 || !c->path[0] || poll(&p, 1, 0) != 1)
		return;
	char path[sizeof(c->path)];
	memcpy(path, c->path, sizeof(path));
	bool dry = c->dry_run;
	c->dry_run = false;
	attach_connect(c, path);
	c->dry_run = dry;
}

int client_transact(struct attach_client *c, struct nl_msg *req)
{
	if (nlmsg_hdr(req)->nlmsg_type != ATTACH_MSG_HELLO)
		client_revive(c);
	struct nlmsghdr *h = nlmsg_hdr(req);
	if (c->fd < 0) {
		nlmsg_free(req);
		return client_fail(c, -ENOTCONN, "not connected to the agent");
	}
	client_plan_clear(c);
	memset(c->tb, 0, sizeof(c->tb));
	c->status = ATTACH_OK;
	c->message[0] = '\0';
	uint16_t type = h->nlmsg_type;
	uint32_t seq = h->nlmsg_seq = ++c->seq;
	int rc = client_write_all(c->fd, h, h->nlmsg_len);
	nlmsg_free(req);
	/* the agent may have refused us and closed: its reason is still readable */
	if (rc && rc != -EPIPE && rc != -ECONNRESET)
		return client_fail(c, rc, "sending to the agent: %s", strerror(-rc));
	c->out_of_step = false;
	int rrc = client_read_reply(c);
	if (rrc)
		c->out_of_step = true;
	else
		rrc = client_decode(c, type, seq);
	/* the stream is no longer in step, or the agent hung up: later calls get -ENOTCONN */
	if (c->out_of_step) {
		close(c->fd);
		c->fd = -1;
	}
	if (rrc && rc && c->status == ATTACH_STATUS_LOCAL)
		return client_fail(c, rc, "sending to the agent: %s", strerror(-rc));
	return rrc;
}

struct nl_msg *client_request(struct attach_client *c, uint16_t type, const char *volume_id)
{
	struct nl_msg *m = proto_msg_new(type, NLM_F_REQUEST, 0);
	if (!m) {
		client_fail(c, -ENOMEM, "out of memory");
		return NULL;
	}
	if ((volume_id && proto_put_str(m, ATTACH_A_VOLUME_ID, volume_id)) ||
	    (c->dry_run && client_is_mutating(type) && proto_put_flag(m, ATTACH_A_DRY_RUN))) {
		nlmsg_free(m);
		client_fail(c, -EMSGSIZE, "request too large");
		return NULL;
	}
	return m;
}

bool client_is_mutating(uint16_t type)
{
	const struct proto_call *call = proto_call_find(type);
	return call && call->policy[ATTACH_A_DRY_RUN].type == NLA_FLAG;
}

int attach_connect(struct attach_client *c, const char *socket_path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!socket_path || strlen(socket_path) >= sizeof(sa.sun_path))
		return client_fail(c, -ENAMETOOLONG, "socket path too long (max %zu bytes)", sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, socket_path);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return client_fail(c, -errno, "socket: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		close(c->fd);
		c->fd = -1;
		return client_fail(c, -err, "cannot connect to attachd at %s: %s", socket_path, strerror(err));
	}
	struct nl_msg *m = client_request(c, ATTACH_MSG_HELLO, NULL);
	if (!m)
		return -ENOMEM;
	if (proto_put_u32(m, ATTACH_A_VERSION, ATTACH_PROTO_VERSION)) {
		nlmsg_free(m);
		return client_fail(c, -ENOMEM, "out of memory");
	}
	int rc = client_transact(c, m);
	if (rc) {
		close(c->fd);
		c->fd = -1;
	} else {
		memcpy(c->path, sa.sun_path, sizeof(c->path));
	}
	return rc;
}
