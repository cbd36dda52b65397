/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_proto_frame.c: framing and attribute layout in proto_parse_request() and proto_frame_check()
 * (proto/proto_parse.c), by editing a request's bytes: short and inconsistent headers, flags, unknown
 * message types, the size limit, padding, stray bytes, overlong attributes and flag bits.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto_req.h"
#include "unit_main.h"

static struct nlattr *last_attr(struct nlmsghdr *h)
{
	struct nlattr *pos, *last = NULL;
	int rem;
	nlmsg_for_each_attr(pos, h, 0, rem) last = pos;
	assert_non_null(last);
	return last;
}

static void test_frame_header(void **state)
{
	(void)state;
	struct parsed p;
	struct nl_msg *m = req_new(ATTACH_MSG_VOLUME_LIST);
	struct nlmsghdr *h = msg_copy(m, 0);

	/* truncated: fewer bytes than a header */
	for (size_t len = 0; len < NLMSG_HDRLEN; len += 5) {
		parse_buf(h, len, &p);
		assert_rejected(&p, -EBADMSG, "shorter than its 16-byte header");
	}
	/* nlmsg_len below the header (frame of 16 bytes) */
	h->nlmsg_len = 8;
	parse_buf(h, NLMSG_HDRLEN, &p);
	assert_rejected(&p, -EPROTO, "nlmsg_len 8 does not match the 16 bytes received");
	assert_int_equal(proto_frame_check(h, ATTACH_REQUEST_MAX), -EBADMSG);
	/* nlmsg_len not matching the frame, either way */
	h->nlmsg_len = NLMSG_HDRLEN + 4;
	parse_buf(h, NLMSG_HDRLEN, &p);
	assert_rejected(&p, -EPROTO, "nlmsg_len 20 does not match the 16 bytes received");
	h->nlmsg_len = NLMSG_HDRLEN;
	parse_buf(h, NLMSG_HDRLEN + 4, &p);
	assert_rejected(&p, -EPROTO, "nlmsg_len 16 does not match the 20 bytes received");
	h->nlmsg_len = NLMSG_HDRLEN;
	parse_buf(h, NLMSG_HDRLEN, &p);
	assert_parsed(&p);
	assert_int_equal(proto_frame_check(h, ATTACH_REQUEST_MAX), 0);

	/* wrong flags */
	static const uint16_t flags[] = { 0, NLM_F_REQUEST | NLM_F_ACK, NLM_F_REQUEST | NLM_F_DUMP, NLM_F_ACK };
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		char want[80];
		h->nlmsg_flags = flags[i];
		parse_buf(h, NLMSG_HDRLEN, &p);
		snprintf(want, sizeof(want), "nlmsg_flags 0x%x: a request carries NLM_F_REQUEST only", flags[i]);
		assert_rejected(&p, -EPROTO, want);
	}
	h->nlmsg_flags = NLM_F_REQUEST;

	/* unknown message types, including the agent's own REFUSED and netlink control types */
	static const uint16_t types[] = { ATTACH_MSG_LAST + 1, ATTACH_MSG_REFUSED, NLMSG_ERROR, NLMSG_DONE, 0, 0xffff };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		char want[64];
		h->nlmsg_type = types[i];
		parse_buf(h, NLMSG_HDRLEN, &p);
		snprintf(want, sizeof(want), "unknown message type 0x%x", types[i]);
		assert_rejected(&p, -EOPNOTSUPP, want);
	}
	free(h);
	nlmsg_free(m);
}

static void test_frame_too_big(void **state)
{
	(void)state;
	struct parsed p;
	size_t len = ATTACH_REQUEST_MAX + 4;
	struct nlmsghdr *h = calloc(1, len);
	assert_non_null(h);
	h->nlmsg_len = (uint32_t)len;
	h->nlmsg_type = ATTACH_MSG_RESERVE;
	h->nlmsg_flags = NLM_F_REQUEST;
	parse_buf(h, len, &p);
	assert_rejected(&p, -EMSGSIZE, "message of 65540 bytes exceeds the maximum of 65536");
	assert_int_equal(proto_frame_check(h, ATTACH_REQUEST_MAX), -EMSGSIZE);
	/* exactly at the limit the size is fine (these zero bytes then fail as a layout error) */
	h->nlmsg_len = ATTACH_REQUEST_MAX;
	parse_buf(h, ATTACH_REQUEST_MAX, &p);
	assert_int_equal(p.rc, -EPROTO);
	assert_int_equal(proto_frame_check(h, ATTACH_REQUEST_MAX), 0);
	h->nlmsg_len = ATTACH_REQUEST_MAX + 1;
	assert_int_equal(proto_frame_check(h, ATTACH_REQUEST_MAX), -EMSGSIZE);
	free(h);
}

static void test_attribute_layout(void **state)
{
	(void)state;
	struct parsed p;
	struct nl_msg *m = req_new(ATTACH_MSG_RESERVE);
	put_valid(m, ATTACH_A_VOLUME_ID); /* 37-byte payload: nla_len 41, 3 bytes of padding */
	size_t len = nlmsg_hdr(m)->nlmsg_len;
	assert_int_equal(len, NLMSG_HDRLEN + 44);

	/* unpadded last attribute */
	struct nlmsghdr *h = msg_copy(m, 8);
	h->nlmsg_len = (uint32_t)(len - 3);
	parse_buf(h, len - 3, &p);
	assert_rejected(&p, -EPROTO, "the last attribute is not padded to 4 bytes");

	/* stray bytes after the attributes: 1 to 3, then a 4-byte fragment too short for a header */
	for (size_t n = 1; n <= 3; n++) {
		char want[64];
		h->nlmsg_len = (uint32_t)(len + n);
		parse_buf(h, len + n, &p);
		snprintf(want, sizeof(want), "%zu stray bytes after the last attribute", n);
		assert_rejected(&p, -EPROTO, want);
	}
	h->nlmsg_len = (uint32_t)(len + 4);
	parse_buf(h, len + 4, &p);
	assert_rejected(&p, -EPROTO, "attribute 0 claims 0 bytes where 4 remain");

	/* an attribute longer than what remains */
	h->nlmsg_len = (uint32_t)len;
	last_attr(h)->nla_len = 41 + 8;
	parse_buf(h, len, &p);
	assert_rejected(&p, -EPROTO, "attribute 5 claims 49 bytes where 44 remain");
	free(h);

	/* flag bits on a request attribute */
	static const struct { int bits; const char *want; } flagged[] = {
		{ NLA_F_NESTED, "attribute 5: flag bits 0x8000 are not allowed" },
		{ NLA_F_NET_BYTEORDER, "attribute 5: flag bits 0x4000 are not allowed" },
	};
	for (size_t i = 0; i < sizeof(flagged) / sizeof(flagged[0]); i++) {
		struct nl_msg *f = req_new(ATTACH_MSG_RESERVE);
		assert_int_equal(proto_put_str(f, ATTACH_A_VOLUME_ID | flagged[i].bits, VOL), 0);
		parse(f, &p);
		assert_rejected(&p, -EPROTO, flagged[i].want);
		nlmsg_free(f);
	}
	nlmsg_free(m);
}

UNIT_MAIN("proto-frame", cmocka_unit_test(test_frame_header), cmocka_unit_test(test_frame_too_big),
	  cmocka_unit_test(test_attribute_layout))
