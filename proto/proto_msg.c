/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto_msg.c: building messages with libnl-3. A put that finds the buffer full grows it with
 * nlmsg_expand() and retries, so replies of any size up to ATTACH_REPLY_MAX start small. Because the
 * buffer can move, nests are tracked by offset.
 */
#include "proto.h"

#include <errno.h>
#include <string.h>

#include <netlink/errno.h>

#define PROTO_MSG_START 4096u

struct nl_msg *proto_msg_new(uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nl_msg *m = nlmsg_alloc_size(PROTO_MSG_START);
	if (!m) {
		errno = ENOMEM;
		return NULL;
	}
	struct nlmsghdr *h = nlmsg_put(m, 0, seq, type, 0, flags);
	if (!h) {
		nlmsg_free(m);
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

int proto_put(struct nl_msg *m, int attr, const void *data, size_t len)
{
	/* nla_len is 16 bits: libnl would wrap a longer length silently */
	if (len > UINT16_MAX - NLA_HDRLEN)
		return -EMSGSIZE;
	for (;;) {
		int rc = nla_put(m, attr, (int)len, data);
		if (rc == 0)
			return 0;
		if (rc != -NLE_NOMEM)
			return -EINVAL;
		size_t cur = nlmsg_get_max_size(m);
		size_t need = nlmsg_hdr(m)->nlmsg_len + nla_total_size((int)len);
		size_t next = cur * 2 > need ? cur * 2 : need * 2;
		if (need > ATTACH_REPLY_MAX)
			return -EMSGSIZE;
		if (next > ATTACH_REPLY_MAX)
			next = ATTACH_REPLY_MAX;
		if (nlmsg_expand(m, next) < 0)
			return -ENOMEM;
	}
}

int proto_put_str(struct nl_msg *m, int attr, const char *s)
{
	return proto_put(m, attr, s, strlen(s) + 1);
}

int proto_put_u8(struct nl_msg *m, int attr, uint8_t v)
{
	return proto_put(m, attr, &v, sizeof(v));
}

int proto_put_u32(struct nl_msg *m, int attr, uint32_t v)
{
	return proto_put(m, attr, &v, sizeof(v));
}

int proto_put_u64(struct nl_msg *m, int attr, uint64_t v)
{
	return proto_put(m, attr, &v, sizeof(v));
}

int proto_put_flag(struct nl_msg *m, int attr)
{
	return proto_put(m, attr, NULL, 0);
}

int proto_nest_start(struct nl_msg *m, int attr)
{
	int off = (int)nlmsg_hdr(m)->nlmsg_len;
	int rc = proto_put(m, attr | NLA_F_NESTED, NULL, 0);
	return rc ? rc : off;
}

int proto_nest_end(struct nl_msg *m, int offset)
{
	struct nlmsghdr *h = nlmsg_hdr(m);
	struct nlattr *nest = (struct nlattr *)((char *)h + offset);
	uint32_t len = h->nlmsg_len - (uint32_t)offset;
	if (len > UINT16_MAX)
		return -EMSGSIZE;
	nest->nla_len = (uint16_t)len;
	return 0;
}
