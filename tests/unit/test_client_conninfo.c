/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_client_conninfo.c: initialize-connection in libattach (proto/client_calls.c, proto/client_conninfo.c,
 * proto/json.c): the connection info decoded, its os-brick JSON, clearing the secret, and connection info
 * without portals refused; discovery CHAP's three attributes (all or none) and their JSON keys.
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

#define PASSWORD "pa\"ss\\word-1234"

/* Call 1: full connection info. Call 2: no portals nest. Call 3: an empty one. */
static struct nl_msg *answer_conninfo(struct fake *f, const struct nlmsghdr *req)
{
	struct nl_msg *m = reply_new(req, ATTACH_OK, NULL);
	if (!m)
		return reply_done(f, NULL, 1);
	int bad = proto_put_str(m, ATTACH_A_DRIVER_TYPE, "iscsi") | proto_put_str(m, ATTACH_A_VOLUME_ID, VOL) |
		  proto_put_str(m, ATTACH_A_TARGET_IQN, TARGET) | proto_put_u32(m, ATTACH_A_LUN, 7) |
		  proto_put_str(m, ATTACH_A_AUTH_METHOD, "CHAP") |
		  proto_put_str(m, ATTACH_A_AUTH_USERNAME, "u0b6e5bd6") |
		  proto_put_str(m, ATTACH_A_AUTH_PASSWORD, PASSWORD) | proto_put_u8(m, ATTACH_A_MODE, ATTACH_MODE_RO);
	if (req->nlmsg_seq == 2)
		bad |= put_portals(m, 3);
	else if (req->nlmsg_seq == 4)
		bad |= put_portals(m, 0);
	return reply_done(f, m, bad);
}

static void test_initialize_connection(void **state)
{
	struct fake *f = *state;
	struct attach_conninfo ci;
	struct attach_connector conn = { .initiator = IQN, .host = "compute-1", .ip = "192.0.2.50", .multipath = true };
	fake_run(f, NULL, answer_conninfo, NULL);
	struct attach_client *c = client_connected(f);
	assert_int_equal(attach_initialize_connection(c, VOL, &conn, &ci), 0);
	assert_string_equal(ci.driver_volume_type, "iscsi");
	assert_string_equal(ci.volume_id, VOL);
	assert_string_equal(ci.target_iqn, TARGET);
	assert_int_equal(ci.n_portals, 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(ci.portals[i], portals[i]);
	assert_int_equal(ci.lun, 7);
	assert_string_equal(ci.auth_method, "CHAP");
	assert_string_equal(ci.auth_username, "u0b6e5bd6");
	assert_string_equal(ci.auth_password, PASSWORD);
	assert_int_equal(ci.mode, ATTACH_MODE_RO);

	char *json = attach_conninfo_json(&ci);
	assert_non_null(json);
	assert_string_equal(json,
		"{\"driver_volume_type\": \"iscsi\", \"data\": {\"target_discovered\": false, "
		"\"target_iqn\": \"" TARGET "\", \"target_portal\": \"192.0.2.1:3260\", \"target_lun\": 7, "
		"\"target_iqns\": [\"" TARGET "\", \"" TARGET "\", \"" TARGET "\"], "
		"\"target_portals\": [\"192.0.2.1:3260\", \"198.51.100.7:3260\", \"[2001:db8::5]:3260\"], "
		"\"target_luns\": [7, 7, 7], \"volume_id\": \"" VOL "\", \"auth_method\": \"CHAP\", "
		"\"auth_username\": \"u0b6e5bd6\", \"auth_password\": \"pa\\\"ss\\\\word-1234\", "
		"\"access_mode\": \"ro\", \"encrypted\": false}}");
	free(json);

	attach_conninfo_clear(&ci);
	for (size_t i = 0; i < sizeof(ci.auth_password); i++)
		assert_int_equal(ci.auth_password[i], 0);

	/* connection info without portals is refused, whichever way they are missing */
	assert_int_equal(attach_initialize_connection(c, VOL, &conn, &ci), -EPROTO);
	assert_message_has(c, "lacks a field os-brick needs");
	assert_int_equal(attach_initialize_connection(c, VOL, &conn, &ci), -EPROTO);
	assert_message_has(c, "no portal");
	/* checked before anything is sent */
	conn.initiator = NULL;
	assert_int_equal(attach_initialize_connection(c, VOL, &conn, &ci), -EINVAL);
	attach_client_free(c);
	fake_join(f);

	struct nlattr *tb[ATTACH_A_MAX + 1];
	assert_int_equal(f->n_req, 4);
	request_attrs(f, 1, ATTACH_MSG_INITIALIZE_CONNECTION, tb);
	assert_string_equal(nla_get_string(tb[ATTACH_A_VOLUME_ID]), VOL);
	assert_string_equal(nla_get_string(tb[ATTACH_A_INITIATOR]), IQN);
	assert_string_equal(nla_get_string(tb[ATTACH_A_HOST]), "compute-1");
	assert_string_equal(nla_get_string(tb[ATTACH_A_IP]), "192.0.2.50");
	assert_non_null(tb[ATTACH_A_MULTIPATH]);
	assert_null(tb[ATTACH_A_DRY_RUN]);
}

/* Discovery CHAP (attachd --discovery-chap): call 1 has all three attributes, call 2 lacks the secret. */
static struct nl_msg *answer_discovery(struct fake *f, const struct nlmsghdr *req)
{
	struct nl_msg *m = reply_new(req, ATTACH_OK, NULL);
	if (!m)
		return reply_done(f, NULL, 1);
	int bad = proto_put_str(m, ATTACH_A_DRIVER_TYPE, "iscsi") | proto_put_str(m, ATTACH_A_VOLUME_ID, VOL) |
		  proto_put_str(m, ATTACH_A_TARGET_IQN, TARGET) | proto_put_u32(m, ATTACH_A_LUN, 0) |
		  put_portals(m, 1) | proto_put_str(m, ATTACH_A_AUTH_METHOD, "CHAP") |
		  proto_put_str(m, ATTACH_A_AUTH_USERNAME, "u") | proto_put_str(m, ATTACH_A_AUTH_PASSWORD, "p") |
		  proto_put_str(m, ATTACH_A_DISCOVERY_AUTH_METHOD, "CHAP") |
		  proto_put_str(m, ATTACH_A_DISCOVERY_USERNAME, "discUser12345678");
	if (req->nlmsg_seq == 2)
		bad |= proto_put_str(m, ATTACH_A_DISCOVERY_PASSWORD, PASSWORD);
	return reply_done(f, m, bad);
}

static void test_initialize_connection_discovery(void **state)
{
	struct fake *f = *state;
	struct attach_conninfo ci;
	struct attach_connector conn = { .initiator = IQN };
	fake_run(f, NULL, answer_discovery, NULL);
	struct attach_client *c = client_connected(f);
	assert_int_equal(attach_initialize_connection(c, VOL, &conn, &ci), 0);
	assert_string_equal(ci.discovery_auth_method, "CHAP");
	assert_string_equal(ci.discovery_auth_username, "discUser12345678");
	assert_string_equal(ci.discovery_auth_password, PASSWORD);
	char *json = attach_conninfo_json(&ci);
	assert_non_null(json);
	assert_non_null(strstr(json, "\"encrypted\": false, \"discovery_auth_method\": \"CHAP\", "
				     "\"discovery_auth_username\": \"discUser12345678\", "
				     "\"discovery_auth_password\": \"pa\\\"ss\\\\word-1234\"}}"));
	free(json);
	attach_conninfo_clear(&ci);
	for (size_t i = 0; i < sizeof(ci.discovery_auth_password); i++)
		assert_int_equal(ci.discovery_auth_password[i], 0);
	/* two of the three: refused, not half-filled */
	assert_int_equal(attach_initialize_connection(c, VOL, &conn, &ci), -EPROTO);
	assert_message_has(c, "discovery credentials lack a field");
	attach_client_free(c);
	fake_join(f);
}

UNIT_MAIN("client-conninfo", FAKE_TEST(test_initialize_connection), FAKE_TEST(test_initialize_connection_discovery))
