/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto_parse.c: the strict request decoder. Order: frame and header, the call, a walk over the
 * attributes (unknown, duplicate, flag bits, exact sizes, strings, padding, leftover bytes), libnl's
 * nlmsg_parse() with the call's policy, the row's rules on which attributes go together (required,
 * any_of, exclusive), then each value's shape. Every rejection names the attribute (the caller adds the
 * call's name where it logs).
 */
#include "proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <netlink/errno.h>

__attribute__((format(printf, 4, 5)))
static int proto_fail(int err, char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (msg && msglen)
		vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return err;
}

int proto_frame_check(const struct nlmsghdr *nlh, size_t max)
{
	if (nlh->nlmsg_len < NLMSG_HDRLEN)
		return -EBADMSG;
	if (nlh->nlmsg_len > max)
		return -EMSGSIZE;
	return 0;
}

/* Size and encoding of one attribute, by its policy type. */
static int proto_check_size(const struct proto_call *call, const struct nlattr *nla, char *msg, size_t msglen)
{
	int t = nla_type(nla);
	const struct nla_policy *p = &call->policy[t];
	int len = nla_len(nla);
	const char *name = proto_attr_name(t);
	int want = -1;

	switch (p->type) {
	case NLA_U8:
		want = 1;
		break;
	case NLA_U32:
		want = 4;
		break;
	case NLA_U64:
		want = 8;
		break;
	case NLA_FLAG:
		want = 0;
		break;
	case NLA_STRING: {
		const char *s = nla_data(nla);
		if (len < 1 || s[len - 1] != '\0')
			return proto_fail(-EPROTO, msg, msglen, "attribute %s: string without its NUL terminator",
					  name);
		if ((size_t)len - 1 != strlen(s))
			return proto_fail(-EPROTO, msg, msglen, "attribute %s: string with an embedded NUL",
					  name);
		if (len > p->maxlen)
			return proto_fail(-EMSGSIZE, msg, msglen, "attribute %s: longer than %d bytes",
					  name, p->maxlen - 1);
		return 0;
	}
	default:
		return proto_fail(-EPROTO, msg, msglen, "attribute %s: not accepted in requests", name);
	}
	if (len != want)
		return proto_fail(-EPROTO, msg, msglen, "attribute %s: %d bytes of payload, expected %d",
				  name, len, want);
	return 0;
}

/* Characters a string value may hold: no control characters anywhere (no newline reaches configfs). */
static int proto_check_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return -EINVAL;
	return 0;
}

/* The shape of one value. UUIDs are checked by the agent with libuuid; their length is checked here. */
static int proto_check_value(const struct proto_call *call, const struct nlattr *nla, char *msg, size_t msglen)
{
	int t = nla_type(nla);
	const char *name = proto_attr_name(t);
	char why[160];

	if (call->policy[t].type == NLA_STRING) {
		const char *s = nla_get_string((struct nlattr *)nla);
		if (!*s)
			return proto_fail(-EINVAL, msg, msglen, "attribute %s: empty", name);
		if (proto_check_text(s))
			return proto_fail(-EINVAL, msg, msglen, "attribute %s: contains a control character",
					  name);
	}
	switch (t) {
	case ATTACH_A_VOLUME_ID:
	case ATTACH_A_INSTANCE:
	case ATTACH_A_ATTACHMENT_ID:
		if (strlen(nla_get_string((struct nlattr *)nla)) != ATTACH_UUID_LEN)
			return proto_fail(-EINVAL, msg, msglen, "attribute %s: not a UUID (36 characters)",
					  name);
		break;
	case ATTACH_A_INITIATOR:
		if (proto_iscsi_name_check(nla_get_string((struct nlattr *)nla), why, sizeof(why)))
			return proto_fail(-EINVAL, msg, msglen, "attribute %s: %s", name, why);
		break;
	case ATTACH_A_NQN:
		if (proto_nvme_name_check(nla_get_string((struct nlattr *)nla), why, sizeof(why)))
			return proto_fail(-EINVAL, msg, msglen, "attribute %s: %s", name, why);
		break;
	case ATTACH_A_DHCHAP:
		if (proto_dhgroup_check(nla_get_string((struct nlattr *)nla)))
			return proto_fail(-EINVAL, msg, msglen, "attribute %s: \"%s\" is not a DH group (null, ffdhe2048, "
					  "ffdhe3072, ffdhe4096, ffdhe6144, ffdhe8192)", name,
					  nla_get_string((struct nlattr *)nla));
		break;
	case ATTACH_A_TRANSPORT:
		if (nla_get_u8((struct nlattr *)nla) > ATTACH_TRANSPORT_NVME_TCP)
			return proto_fail(-EINVAL, msg, msglen, "attribute %s: %u is not iscsi (0) or nvme-tcp (1)",
					  name, nla_get_u8((struct nlattr *)nla));
		break;
	case ATTACH_A_DEVICE:
		if (nla_get_string((struct nlattr *)nla)[0] != '/')
			return proto_fail(-EINVAL, msg, msglen, "attribute %s: not an absolute path", name);
		break;
	case ATTACH_A_IP: {
		unsigned char buf[sizeof(struct in6_addr)];
		const char *s = nla_get_string((struct nlattr *)nla);
		if (inet_pton(AF_INET, s, buf) != 1 && inet_pton(AF_INET6, s, buf) != 1)
			return proto_fail(-EINVAL, msg, msglen, "attribute %s: not an IPv4 or IPv6 address",
					  name);
		break;
	}
	case ATTACH_A_MODE:
		if (nla_get_u8((struct nlattr *)nla) > ATTACH_MODE_RO)
			return proto_fail(-EINVAL, msg, msglen, "attribute %s: %u is not rw (0) or ro (1)",
					  name, nla_get_u8((struct nlattr *)nla));
		break;
	default:
		break;
	}
	return 0;
}

/* The header: length, size, flags. */
static int proto_check_header(const struct nlmsghdr *nlh, size_t len, char *msg, size_t msglen)
{
	if (len < NLMSG_HDRLEN)
		return proto_fail(-EBADMSG, msg, msglen, "message of %zu bytes is shorter than its %d-byte header",
				  len, NLMSG_HDRLEN);
	if (nlh->nlmsg_len != len)
		return proto_fail(-EPROTO, msg, msglen, "nlmsg_len %u does not match the %zu bytes received",
				  nlh->nlmsg_len, len);
	if (len > ATTACH_REQUEST_MAX)
		return proto_fail(-EMSGSIZE, msg, msglen, "message of %zu bytes exceeds the maximum of %u", len,
				  ATTACH_REQUEST_MAX);
	if (nlh->nlmsg_flags != NLM_F_REQUEST)
		return proto_fail(-EPROTO, msg, msglen, "nlmsg_flags 0x%x: a request carries NLM_F_REQUEST only",
				  nlh->nlmsg_flags);
	return 0;
}

/* Walk the attributes before libnl does: unknown, duplicate, flag bits, sizes, padding, leftover bytes.
 * *@seen receives the ATTACH_BIT()s of those present. */
static int proto_walk(const struct nlmsghdr *nlh, const struct proto_call *call, uint64_t *seen, char *msg,
		      size_t msglen)
{
	struct nlattr *nla = nlmsg_attrdata(nlh, 0);
	int rem = nlmsg_attrlen(nlh, 0);
	for (; nla_ok(nla, rem); nla = nla_next(nla, &rem)) {
		int t = nla_type(nla);
		if (nla->nla_type & ~NLA_TYPE_MASK)
			return proto_fail(-EPROTO, msg, msglen, "attribute %d: flag bits 0x%x are not allowed",
					  t, nla->nla_type & ~NLA_TYPE_MASK);
		if (t <= 0 || t > ATTACH_A_MAX || call->policy[t].type == NLA_UNSPEC)
			return proto_fail(-EPROTO, msg, msglen, "%s is not accepted by %s",
					  proto_attr_name(t), call->name);
		if (*seen & ATTACH_BIT(t))
			return proto_fail(-EPROTO, msg, msglen, "attribute %s given twice",
					  proto_attr_name(t));
		*seen |= ATTACH_BIT(t);
		int rc = proto_check_size(call, nla, msg, msglen);
		if (rc)
			return rc;
	}
	if (rem < 0)
		return proto_fail(-EPROTO, msg, msglen, "the last attribute is not padded to 4 bytes");
	if (rem >= NLA_HDRLEN)
		return proto_fail(-EPROTO, msg, msglen, "attribute %d claims %u bytes where %d remain",
				  nla_type(nla), nla->nla_len, rem);
	if (rem > 0)
		return proto_fail(-EPROTO, msg, msglen, "%d stray bytes after the last attribute", rem);
	return 0;
}

/* The lowest attribute of @mask. */
static int proto_first(uint64_t mask)
{
	return __builtin_ctzll(mask);
}

/* The row's rules on which attributes go together: required, any_of, exclusive. */
static int proto_check_masks(const struct proto_call *call, uint64_t seen, char *msg, size_t msglen)
{
	uint64_t missing = call->required & ~seen;
	if (missing)
		return proto_fail(-EINVAL, msg, msglen, "attribute %s is required", proto_attr_name(proto_first(missing)));
	if (call->any_of && !(call->any_of & seen)) {
		uint64_t rest = call->any_of & ~ATTACH_BIT(proto_first(call->any_of));
		char others[160] = "";
		for (size_t n = 0; rest; rest &= rest - 1)
			n += (size_t)snprintf(others + n, n < sizeof(others) ? sizeof(others) - n : 0, "%s%s",
					      n ? " or " : "", proto_attr_name(proto_first(rest)));
		return proto_fail(-EINVAL, msg, msglen, "attribute %s is required unless %s is set",
				  proto_attr_name(proto_first(call->any_of)), others);
	}
	uint64_t both = call->exclusive & seen;
	if (both & (both - 1)) {
		int a = proto_first(both);
		return proto_fail(-EINVAL, msg, msglen, "attributes %s and %s do not go together", proto_attr_name(a),
				  proto_attr_name(proto_first(both & ~ATTACH_BIT(a))));
	}
	return 0;
}

int proto_parse_request(const struct nlmsghdr *nlh, size_t len, const struct proto_call **callp,
			struct nlattr **tb, char *msg, size_t msglen)
{
	uint64_t seen = 0;
	int rc = proto_check_header(nlh, len, msg, msglen);
	if (rc)
		return rc;
	const struct proto_call *call = proto_call_find(nlh->nlmsg_type);
	if (!call)
		return proto_fail(-EOPNOTSUPP, msg, msglen, "unknown message type 0x%x", nlh->nlmsg_type);
	*callp = call;
	rc = proto_walk(nlh, call, &seen, msg, msglen);
	if (rc)
		return rc;
	rc = nlmsg_parse((struct nlmsghdr *)nlh, 0, tb, ATTACH_A_MAX, (struct nla_policy *)call->policy);
	if (rc < 0)
		return proto_fail(-EPROTO, msg, msglen, "%s", nl_geterror(rc));
	rc = proto_check_masks(call, seen, msg, msglen);
	for (int t = 1; !rc && t <= ATTACH_A_MAX; t++)
		if (tb[t])
			rc = proto_check_value(call, tb[t], msg, msglen);
	return rc;
}
