/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_proto_msg.c: the message builders (proto/proto_msg.c): a message grows past its first buffer, a nest
 * survives the buffer moving, and an attribute or nest longer than nla_len can say is refused.
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

static void test_builder_grows(void **state)
{
	(void)state;
	struct nl_msg *m = proto_msg_new(ATTACH_MSG_VOLUME_LIST, 0, 4242);
	char item[1000];
	assert_non_null(m);
	for (int i = 0; i < 40; i++) { /* far past the 4096-byte start */
		memset(item, 'a' + i % 26, sizeof(item) - 1);
		item[sizeof(item) - 1] = '\0';
		assert_int_equal(proto_put_str(m, ATTACH_A_NAME, item), 0);
	}
	struct nlmsghdr *h = nlmsg_hdr(m);
	assert_int_equal(h->nlmsg_type, ATTACH_MSG_VOLUME_LIST);
	assert_int_equal(h->nlmsg_seq, 4242);
	assert_int_equal(h->nlmsg_len, NLMSG_HDRLEN + 40 * NLA_ALIGN(NLA_HDRLEN + 1000));
	struct nlattr *pos;
	int rem, i = 0;
	nlmsg_for_each_attr(pos, h, 0, rem) {
		assert_int_equal(nla_len(pos), 1000);
		assert_int_equal(((char *)nla_data(pos))[0], 'a' + i % 26);
		i++;
	}
	assert_int_equal(i, 40);
	assert_int_equal(rem, 0);
	nlmsg_free(m);
}

/* A nest survives the buffer moving under it: it is tracked by offset. */
static void test_builder_nests(void **state)
{
	(void)state;
	struct nl_msg *m = proto_msg_new(ATTACH_MSG_INITIALIZE_CONNECTION, 0, 1);
	char portal[ATTACH_PORTAL_MAX + 1];
	assert_non_null(m);
	assert_int_equal(proto_put_u32(m, ATTACH_A_STATUS, 0), 0);
	int off = proto_nest_start(m, ATTACH_A_PORTALS);
	assert_true(off >= (int)NLMSG_HDRLEN);
	for (int i = 0; i < 200; i++) {
		snprintf(portal, sizeof(portal), "[fd00::%d]:3260", i);
		assert_int_equal(proto_put_str(m, ATTACH_A_PORTAL, portal), 0);
	}
	proto_nest_end(m, off);
	assert_int_equal(proto_put_u32(m, ATTACH_A_LUN, 9), 0);

	struct nlattr *tb[ATTACH_A_MAX + 1];
	assert_int_equal(nlmsg_parse(nlmsg_hdr(m), 0, tb, ATTACH_A_MAX, (struct nla_policy *)proto_reply_policy), 0);
	assert_non_null(tb[ATTACH_A_PORTALS]);
	assert_true(tb[ATTACH_A_PORTALS]->nla_type & NLA_F_NESTED);
	assert_int_equal(nla_get_u32(tb[ATTACH_A_LUN]), 9);
	struct nlattr *pos;
	int rem, i = 0;
	proto_for_each_nested(pos, tb[ATTACH_A_PORTALS], rem) {
		snprintf(portal, sizeof(portal), "[fd00::%d]:3260", i++);
		assert_int_equal(nla_type(pos), ATTACH_A_PORTAL);
		assert_string_equal(nla_get_string(pos), portal);
	}
	assert_int_equal(i, 200);
	nlmsg_free(m);
}

/* nla_len is 16 bits: a longer payload is refused, never wrapped; so is a nest that outgrows it. */
static void test_builder_oversized_attribute(void **state)
{
	(void)state;
	size_t len = 70000;
	char *big = str_of("", 'x', len - 1);
	struct nl_msg *m = req_new(ATTACH_MSG_VOLUME_CREATE);
	assert_int_equal(proto_put(m, ATTACH_A_NAME, big, len), -EMSGSIZE);
	assert_int_equal(proto_put(m, ATTACH_A_NAME, big, 65536 - NLA_HDRLEN), -EMSGSIZE);
	/* the largest payload that fits is fine */
	assert_int_equal(proto_put(m, ATTACH_A_NAME, big, 65535 - NLA_HDRLEN), 0);
	int off = proto_nest_start(m, ATTACH_A_PORTALS);
	assert_true(off > 0);
	assert_int_equal(proto_put(m, ATTACH_A_PORTAL, big, 40000), 0);
	assert_int_equal(proto_put(m, ATTACH_A_PORTAL, big, 40000), 0);
	assert_int_equal(proto_nest_end(m, off), -EMSGSIZE);
	nlmsg_free(m);
	free(big);
}

UNIT_MAIN("proto-msg", cmocka_unit_test(test_builder_grows), cmocka_unit_test(test_builder_nests),
	  cmocka_unit_test(test_builder_oversized_attribute))
