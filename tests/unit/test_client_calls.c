/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_client_calls.c: the other calls of libattach (proto/client_calls.c): what each sends and returns,
 * what is refused before anything is sent, and dry run (the flag on changing calls only, the plan per call).
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

#include "fake_agent.h"
#include "unit_main.h"

/* OK with ids for every call; dry-run requests get a plan of three steps. */
static struct nl_msg *answer_ok(struct fake *f, const struct nlmsghdr *req)
{
	struct nl_msg *m = reply_new(req, ATTACH_OK, NULL);
	if (!m)
		return reply_done(f, NULL, 1);
	int bad = proto_put_str(m, ATTACH_A_VOLUME_ID, VOL2) | proto_put_str(m, ATTACH_A_ATTACHMENT_ID, ATTACHMENT);
	if (nlmsg_find_attr((struct nlmsghdr *)req, 0, ATTACH_A_DRY_RUN)) {
		int off = proto_nest_start(m, ATTACH_A_PLAN);
		bad |= off < 0 || proto_put_str(m, ATTACH_A_STEP, "store: attachment reserved") |
				      proto_put_str(m, ATTACH_A_STEP, "store: volume attaching") |
				      proto_put_str(m, ATTACH_A_STEP, "commit");
		proto_nest_end(m, off);
	}
	if (req->nlmsg_type == ATTACH_MSG_VOLUME_SHOW)
		bad |= proto_put_u8(m, ATTACH_A_STATE, ATTACH_STATE_AVAILABLE);
	return reply_done(f, m, bad);
}

static void test_calls_send_their_attributes(void **state)
{
	struct fake *f = *state;
	char id[ATTACH_UUID_LEN + 1];
	fake_run(f, NULL, answer_ok, NULL);
	struct attach_client *c = client_connected(f);
	struct attach_volume_create_args va = { .device = "/dev/loop0", .name = "data", .volume_id = VOL, .multiattach = true };
	assert_int_equal(attach_volume_create(c, &va, id), 0);
	assert_string_equal(id, VOL2);
	memset(id, 0, sizeof(id));
	assert_int_equal(attach_reserve(c, VOL, id), 0);
	assert_string_equal(id, ATTACHMENT);
	struct attach_attach_args aa = { .instance = INSTANCE, .host = "compute-1", .mountpoint = "/dev/vdb",
					 .mode = ATTACH_MODE_RO, .attachment_id = ATTACHMENT2 };
	memset(id, 0, sizeof(id));
	assert_int_equal(attach_attach(c, VOL, &aa, id), 0);
	assert_string_equal(id, ATTACHMENT);
	assert_int_equal(attach_terminate_connection(c, VOL, IQN, true), 0);
	assert_int_equal(attach_detach(c, VOL, ATTACHMENT2), 0);
	assert_int_equal(attach_begin_detaching(c, VOL), 0);
	assert_int_equal(attach_roll_detaching(c, VOL), 0);
	/* refused locally, before anything is sent */
	assert_int_equal(attach_terminate_connection(c, VOL, NULL, false), -EINVAL);
	assert_int_equal(attach_reserve(c, NULL, NULL), -EINVAL);
	attach_client_free(c);
	fake_join(f);

	struct nlattr *tb[ATTACH_A_MAX + 1];
	assert_int_equal(f->n_req, 8);
	request_attrs(f, 1, ATTACH_MSG_VOLUME_CREATE, tb);
	assert_string_equal(nla_get_string(tb[ATTACH_A_DEVICE]), "/dev/loop0");
	assert_string_equal(nla_get_string(tb[ATTACH_A_NAME]), "data");
	assert_string_equal(nla_get_string(tb[ATTACH_A_VOLUME_ID]), VOL);
	assert_non_null(tb[ATTACH_A_MULTIATTACH]);
	request_attrs(f, 2, ATTACH_MSG_RESERVE, tb);
	assert_string_equal(nla_get_string(tb[ATTACH_A_VOLUME_ID]), VOL);
	request_attrs(f, 3, ATTACH_MSG_ATTACH, tb);
	assert_string_equal(nla_get_string(tb[ATTACH_A_INSTANCE]), INSTANCE);
	assert_string_equal(nla_get_string(tb[ATTACH_A_HOST]), "compute-1");
	assert_string_equal(nla_get_string(tb[ATTACH_A_MOUNTPOINT]), "/dev/vdb");
	assert_int_equal(nla_get_u8(tb[ATTACH_A_MODE]), ATTACH_MODE_RO);
	assert_string_equal(nla_get_string(tb[ATTACH_A_ATTACHMENT_ID]), ATTACHMENT2);
	request_attrs(f, 4, ATTACH_MSG_TERMINATE_CONNECTION, tb);
	assert_string_equal(nla_get_string(tb[ATTACH_A_INITIATOR]), IQN);
	assert_non_null(tb[ATTACH_A_FORCE]);
	request_attrs(f, 5, ATTACH_MSG_DETACH, tb);
	assert_string_equal(nla_get_string(tb[ATTACH_A_ATTACHMENT_ID]), ATTACHMENT2);
	request_attrs(f, 6, ATTACH_MSG_BEGIN_DETACHING, tb);
	request_attrs(f, 7, ATTACH_MSG_ROLL_DETACHING, tb);
	for (size_t i = 1; i < f->n_req; i++) {
		request_attrs(f, i, f->req[i]->nlmsg_type, tb);
		assert_null(tb[ATTACH_A_DRY_RUN]);
	}
}

static void test_dry_run_plan(void **state)
{
	struct fake *f = *state;
	struct attach_volume_info *v;
	const char *const *steps;
	fake_run(f, NULL, answer_ok, NULL);
	struct attach_client *c = client_connected(f);
	attach_set_dry_run(c, true);
	assert_int_equal(attach_reserve(c, VOL, NULL), 0);
	assert_int_equal(attach_last_plan(c, &steps), 3);
	assert_string_equal(steps[0], "store: attachment reserved");
	assert_string_equal(steps[1], "store: volume attaching");
	assert_string_equal(steps[2], "commit");
	/* read-only calls carry no dry-run flag, and the plan is per call */
	assert_int_equal(attach_volume_show(c, VOL, false, &v), 0);
	attach_volume_info_free(v);
	assert_int_equal(attach_last_plan(c, &steps), 0);
	attach_client_free(c);
	fake_join(f);

	struct nlattr *tb[ATTACH_A_MAX + 1];
	request_attrs(f, 1, ATTACH_MSG_RESERVE, tb);
	assert_non_null(tb[ATTACH_A_DRY_RUN]);
	request_attrs(f, 2, ATTACH_MSG_VOLUME_SHOW, tb);
	assert_null(tb[ATTACH_A_DRY_RUN]);
}

UNIT_MAIN("client-calls", FAKE_TEST(test_calls_send_their_attributes), FAKE_TEST(test_dry_run_plan))
