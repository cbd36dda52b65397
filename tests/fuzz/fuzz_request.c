/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_request.c: the agent's request path up to the handler, on hostile bytes.
 *
 * The input is what a client wrote to the socket. srv_serve() checks each frame's header with
 * proto_frame_check(), waits for nlmsg_len bytes and hands exactly those to dispatch(), whose first step
 * is dispatch_validate(); this target walks the input the same way. Each frame gets its own heap block of
 * exactly its size, so ASan sees a read one byte past it. dispatch() also takes any (buffer, length)
 * from other callers, so the whole input goes through dispatch_validate() once more with its real length.
 *
 * What the handlers rely on is checked on every accepted request: the table points into the message,
 * every attribute is one the call's policy accepts, strings are terminated, printable and within their
 * limit, required attributes are there, UUIDs are lower case. An accepted request rebuilt with libattach's
 * own builders (attributes in another order) must be accepted too: validation may not depend on order.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static const int uuid_attrs[] = { ATTACH_A_VOLUME_ID, ATTACH_A_INSTANCE, ATTACH_A_ATTACHMENT_ID };

static void check_accepted(const struct nlmsghdr *nlh, size_t len, const struct proto_call *call,
			   struct nlattr **tb)
{
	CHECK(call && call->type == nlh->nlmsg_type);
	const char *lo = (const char *)nlh + NLMSG_HDRLEN, *hi = (const char *)nlh + len;
	for (int t = 1; t <= ATTACH_A_MAX; t++) {
		if (!tb[t]) {
			CHECK(!(call->required & ATTACH_BIT(t)));
			continue;
		}
		const struct nla_policy *p = &call->policy[t];
		const char *d = nla_data(tb[t]);
		int n = nla_len(tb[t]);
		CHECK((const char *)tb[t] >= lo && n >= 0 && d + n <= hi);
		CHECK(p->type != NLA_UNSPEC);
		if (p->type != NLA_STRING)
			continue;
		CHECK(n >= 2 && n <= p->maxlen && d[n - 1] == '\0' && strlen(d) == (size_t)n - 1);
		for (int i = 0; i < n - 1; i++)
			CHECK((unsigned char)d[i] >= 0x20 && d[i] != 0x7f);
	}
	for (size_t i = 0; i < sizeof(uuid_attrs) / sizeof(uuid_attrs[0]); i++) {
		const struct nlattr *a = tb[uuid_attrs[i]];
		if (!a)
			continue;
		const char *s = nla_data(a);
		CHECK(strlen(s) == ATTACH_UUID_LEN);
		for (; *s; s++)
			CHECK(!(*s >= 'A' && *s <= 'Z'));
	}
	if (tb[ATTACH_A_MODE])
		CHECK(nla_get_u8(tb[ATTACH_A_MODE]) <= ATTACH_MODE_RO);
}

static int validate(struct nlmsghdr *nlh, size_t len, const struct proto_call **call, struct nlattr **tb)
{
	char msg[ATTACH_MESSAGE_MAX + 1];
	memset(msg, 0, sizeof(msg));
	int rc = dispatch_validate(nlh, len, call, tb, msg, sizeof(msg));
	if (rc) {
		/* every refusal is one of the documented codes and says why */
		CHECK(rc == -EPROTO || rc == -EINVAL || rc == -EOPNOTSUPP || rc == -EMSGSIZE || rc == -EBADMSG);
		CHECK(msg[0] != '\0');
		return rc;
	}
	check_accepted(nlh, len, *call, tb);
	return 0;
}

/* The accepted request, rebuilt from its table in attribute-number order, as libattach would send it. */
static void check_rebuilt(const struct nlmsghdr *nlh, const struct proto_call *call, struct nlattr **tb)
{
	struct nl_msg *m = proto_msg_new(nlh->nlmsg_type, nlh->nlmsg_flags, nlh->nlmsg_seq);
	CHECK(m);
	for (int t = 1; t <= ATTACH_A_MAX; t++)
		if (tb[t])
			CHECK(proto_put(m, t, nla_data(tb[t]), (size_t)nla_len(tb[t])) == 0);
	struct nlmsghdr *h = nlmsg_hdr(m);
	size_t len = h->nlmsg_len;
	struct nlmsghdr *copy = malloc(len);
	CHECK(copy);
	memcpy(copy, h, len);
	const struct proto_call *call2;
	struct nlattr *tb2[ATTACH_A_MAX + 1];
	CHECK(validate(copy, len, &call2, tb2) == 0 && call2 == call);
	for (int t = 1; t <= ATTACH_A_MAX; t++) {
		CHECK(!tb[t] == !tb2[t]);
		if (tb[t])
			CHECK(nla_len(tb[t]) == nla_len(tb2[t]) &&
			      !memcmp(nla_data(tb[t]), nla_data(tb2[t]), (size_t)nla_len(tb[t])));
	}
	free(copy);
	nlmsg_free(m);
}

/* One frame as dispatch() gets it: a writable buffer of exactly @len bytes. */
static void one(const uint8_t *data, size_t len)
{
	struct nlmsghdr *nlh = malloc(len ? len : 1);
	CHECK(nlh);
	memcpy(nlh, data, len);
	const struct proto_call *call;
	struct nlattr *tb[ATTACH_A_MAX + 1];
	if (validate(nlh, len, &call, tb) == 0)
		check_rebuilt(nlh, call, tb);
	free(nlh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0, first = 0;
	while (size - off >= NLMSG_HDRLEN) {
		struct nlmsghdr h;
		memcpy(&h, data + off, sizeof(h)); /* srv reads the header from its buffer, unaligned here */
		int rc = proto_frame_check(&h, ATTACH_REQUEST_MAX);
		if (rc) {
			CHECK(rc == (h.nlmsg_len < NLMSG_HDRLEN ? -EBADMSG : -EMSGSIZE));
			break; /* the agent answers and closes */
		}
		CHECK(h.nlmsg_len >= NLMSG_HDRLEN && h.nlmsg_len <= ATTACH_REQUEST_MAX);
		if (h.nlmsg_len > size - off)
			break; /* the agent waits for the rest */
		if (!off)
			first = h.nlmsg_len;
		one(data + off, h.nlmsg_len);
		off += h.nlmsg_len;
	}
	if (size != first)
		one(data, size);
	return 0;
}
