/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_client_connect.c: libattach's connection and HELLO (proto/client.c) against the fake agent
 * (helpers/fake_agent.h): the version the client offers, an agent that refuses the version, and no agent.
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

static void test_connect_hello(void **state)
{
	struct fake *f = *state;
	struct nlattr *tb[ATTACH_A_MAX + 1];
	fake_run(f, NULL, NULL, NULL);
	struct attach_client *c = client_connected(f);
	assert_int_equal(attach_last_status(c), ATTACH_OK);
	assert_string_equal(attach_last_message(c), "");
	attach_client_free(c);
	fake_join(f);
	assert_int_equal(f->n_req, 1);
	request_attrs(f, 0, ATTACH_MSG_HELLO, tb);
	assert_int_equal(nla_get_u32(tb[ATTACH_A_VERSION]), ATTACH_PROTO_VERSION);
}

static struct nl_msg *answer_version_refused(struct fake *f, const struct nlmsghdr *req)
{
	struct nl_msg *m = reply_new(req, ATTACH_E_VERSION, "attachd speaks protocol versions 2 to 3");
	return reply_done(f, m, m ? proto_put_u32(m, ATTACH_A_VERSION, 3) | proto_put_u32(m, ATTACH_A_VERSION_MIN, 2) : 0);
}

static void test_connect_version_refused(void **state)
{
	struct fake *f = *state;
	struct attach_client *c = attach_client_new();
	assert_non_null(c);
	f->answer_hello = true;
	fake_run(f, NULL, answer_version_refused, NULL);
	assert_int_equal(attach_connect(c, f->path), -EPROTONOSUPPORT);
	assert_int_equal(attach_last_status(c), ATTACH_E_VERSION);
	assert_string_equal(attach_last_message(c), "attachd speaks protocol versions 2 to 3");
	/* the client gave up the connection: nothing more is sent */
	assert_int_equal(attach_reserve(c, VOL, NULL), -ENOTCONN);
	assert_message_has(c, "not connected");
	attach_client_free(c);
	fake_join(f);
	assert_int_equal(f->n_req, 1);
}

static void test_connect_no_agent(void **state)
{
	struct fake *f = *state;
	char path[200];
	struct attach_client *c = attach_client_new();
	assert_non_null(c);
	snprintf(path, sizeof(path), "%s/missing.sock", f->dir);
	assert_int_equal(attach_connect(c, path), -ENOENT);
	assert_message_has(c, path);
	memset(path, 'x', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(attach_connect(c, path), -ENAMETOOLONG);
	assert_int_equal(attach_volume_delete(c, VOL), -ENOTCONN);
	attach_client_free(c);
}

UNIT_MAIN("client-connect", FAKE_TEST(test_connect_hello), FAKE_TEST(test_connect_version_refused),
	  FAKE_TEST(test_connect_no_agent))
