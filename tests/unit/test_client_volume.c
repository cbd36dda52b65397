/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_client_volume.c: volume-list and volume-show in libattach (proto/client_volume.c): every field of a
 * volume, its attachments, export and ACLs decoded; attributes from a newer agent skipped; secrets only
 * when asked for.
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

static int put_volume(struct nl_msg *m, const char *id, const char *name, const char *device, int state,
		      bool multi, uint64_t size, uint64_t created)
{
	int bad = proto_put_str(m, ATTACH_A_VOLUME_ID, id) | proto_put_str(m, ATTACH_A_DEVICE, device) |
		  proto_put_u8(m, ATTACH_A_STATE, (uint8_t)state) | proto_put_u64(m, ATTACH_A_SIZE, size) |
		  proto_put_u64(m, ATTACH_A_CREATED, created);
	if (name)
		bad |= proto_put_str(m, ATTACH_A_NAME, name);
	if (multi)
		bad |= proto_put_flag(m, ATTACH_A_MULTIATTACH);
	return bad;
}

/* Call 1: two volumes and an attribute from a newer agent. Call 2: none. */
static struct nl_msg *answer_list(struct fake *f, const struct nlmsghdr *req)
{
	struct nl_msg *m = reply_new(req, ATTACH_OK, NULL);
	if (!m || req->nlmsg_seq != 2)
		return reply_done(f, m, 0);
	int off = proto_nest_start(m, ATTACH_A_VOLUME);
	int bad = off < 0 || put_volume(m, VOL, "db", "/dev/vg0/db", ATTACH_STATE_IN_USE, true, 10737418240ull,
					1700000000) | proto_put_u32(m, ATTACH_A_MAX + 3, 1);
	proto_nest_end(m, off);
	bad |= proto_put_u32(m, ATTACH_A_MAX + 3, 1);
	off = proto_nest_start(m, ATTACH_A_VOLUME);
	bad |= off < 0 || put_volume(m, VOL2, NULL, "/dev/loop3", ATTACH_STATE_AVAILABLE, false, 1048576, 1700000100);
	proto_nest_end(m, off);
	return reply_done(f, m, bad);
}

static void test_volume_list(void **state)
{
	struct fake *f = *state;
	struct attach_volume_info *v;
	size_t n;
	fake_run(f, NULL, answer_list, NULL);
	struct attach_client *c = client_connected(f);
	assert_int_equal(attach_volume_list(c, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].id, VOL);
	assert_string_equal(v[0].name, "db");
	assert_string_equal(v[0].device, "/dev/vg0/db");
	assert_int_equal(v[0].state, ATTACH_STATE_IN_USE);
	assert_true(v[0].multiattach);
	assert_int_equal(v[0].size, 10737418240ull);
	assert_int_equal(v[0].created, 1700000000);
	assert_string_equal(v[1].id, VOL2);
	assert_string_equal(v[1].name, "");
	assert_string_equal(v[1].device, "/dev/loop3");
	assert_int_equal(v[1].state, ATTACH_STATE_AVAILABLE);
	assert_false(v[1].multiattach);
	assert_int_equal(v[1].size, 1048576);
	assert_int_equal(v[1].created, 1700000100);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(v[i].n_attachments, 0);
		assert_false(v[i].exported);
		assert_null(v[i].target_iqn);
	}
	attach_volume_list_free(v, n);
	assert_int_equal(attach_volume_list(c, &v, &n), 0);
	assert_int_equal(n, 0);
	attach_volume_list_free(v, n);
	attach_client_free(c);
	fake_join(f);
}

static int put_attachment(struct nl_msg *m, const char *id, int state, bool full)
{
	int off = proto_nest_start(m, ATTACH_A_ATTACHMENT);
	if (off < 0)
		return off;
	int bad = proto_put_str(m, ATTACH_A_ATTACHMENT_ID, id) | proto_put_u8(m, ATTACH_A_STATE, (uint8_t)state) |
		  proto_put_u64(m, ATTACH_A_CREATED, full ? 1700000200 : 1700000300);
	if (full)
		bad |= proto_put_str(m, ATTACH_A_INSTANCE, INSTANCE) | proto_put_str(m, ATTACH_A_HOST, "compute-1") |
		       proto_put_str(m, ATTACH_A_MOUNTPOINT, "/dev/vdb") | proto_put_u8(m, ATTACH_A_MODE, ATTACH_MODE_RO) |
		       proto_put_str(m, ATTACH_A_INITIATOR, IQN);
	proto_nest_end(m, off);
	return bad;
}

static int put_acl(struct nl_msg *m, const char *initiator, uint32_t refs, const char *user, const char *password)
{
	int off = proto_nest_start(m, ATTACH_A_ACL);
	if (off < 0)
		return off;
	int bad = proto_put_str(m, ATTACH_A_INITIATOR, initiator) | proto_put_u32(m, ATTACH_A_REFS, refs) |
		  proto_put_str(m, ATTACH_A_AUTH_USERNAME, user);
	if (password)
		bad |= proto_put_str(m, ATTACH_A_AUTH_PASSWORD, password);
	proto_nest_end(m, off);
	return bad;
}

/* Call 1: everything, secrets for one initiator. Call 2: a bare volume. */
static struct nl_msg *answer_show(struct fake *f, const struct nlmsghdr *req)
{
	struct nl_msg *m = reply_new(req, ATTACH_OK, NULL);
	if (!m)
		return reply_done(f, NULL, 1);
	int bad = put_volume(m, VOL, "shared", "/dev/vg0/shared", ATTACH_STATE_IN_USE, true, 4096, 1700000000);
	if (req->nlmsg_seq != 2)
		return reply_done(f, m, bad);
	bad |= put_attachment(m, ATTACHMENT, ATTACH_ATT_ATTACHED, true);
	bad |= put_attachment(m, ATTACHMENT2, ATTACH_ATT_RESERVED, false);
	int off = proto_nest_start(m, ATTACH_A_EXPORT);
	bad |= off < 0 || proto_put_str(m, ATTACH_A_TARGET_IQN, TARGET) | put_portals(m, 2) |
			      proto_put_u32(m, ATTACH_A_LUN, 0);
	proto_nest_end(m, off);
	bad |= put_acl(m, IQN, 2, "u-one", "secret-one-123") | put_acl(m, IQN2, 1, "u-two", NULL);
	return reply_done(f, m, bad);
}

static void test_volume_show(void **state)
{
	struct fake *f = *state;
	struct attach_volume_info *v;
	fake_run(f, NULL, answer_show, NULL);
	struct attach_client *c = client_connected(f);
	assert_int_equal(attach_volume_show(c, VOL, true, &v), 0);
	assert_string_equal(v->id, VOL);
	assert_string_equal(v->name, "shared");
	assert_string_equal(v->device, "/dev/vg0/shared");
	assert_int_equal(v->state, ATTACH_STATE_IN_USE);
	assert_true(v->multiattach);
	assert_int_equal(v->size, 4096);

	assert_int_equal(v->n_attachments, 2);
	const struct attach_attachment_info *a = &v->attachments[0];
	assert_string_equal(a->id, ATTACHMENT);
	assert_int_equal(a->state, ATTACH_ATT_ATTACHED);
	assert_string_equal(a->instance, INSTANCE);
	assert_string_equal(a->host, "compute-1");
	assert_string_equal(a->mountpoint, "/dev/vdb");
	assert_int_equal(a->mode, ATTACH_MODE_RO);
	assert_string_equal(a->initiator, IQN);
	assert_int_equal(a->created, 1700000200);
	a = &v->attachments[1];
	assert_string_equal(a->id, ATTACHMENT2);
	assert_int_equal(a->state, ATTACH_ATT_RESERVED);
	assert_string_equal(a->instance, "");
	assert_string_equal(a->initiator, "");
	assert_int_equal(a->mode, ATTACH_MODE_RW);
	assert_int_equal(a->created, 1700000300);

	assert_true(v->exported);
	assert_string_equal(v->target_iqn, TARGET);
	assert_int_equal(v->n_portals, 2);
	assert_string_equal(v->portals[0], portals[0]);
	assert_string_equal(v->portals[1], portals[1]);
	assert_int_equal(v->lun, 0);

	assert_int_equal(v->n_acls, 2);
	assert_string_equal(v->acls[0].initiator, IQN);
	assert_int_equal(v->acls[0].refs, 2);
	assert_string_equal(v->acls[0].username, "u-one");
	assert_non_null(v->acls[0].password);
	assert_string_equal(v->acls[0].password, "secret-one-123");
	assert_string_equal(v->acls[1].initiator, IQN2);
	assert_int_equal(v->acls[1].refs, 1);
	assert_string_equal(v->acls[1].username, "u-two");
	assert_null(v->acls[1].password);
	attach_volume_info_free(v);

	assert_int_equal(attach_volume_show(c, VOL, false, &v), 0);
	assert_int_equal(v->n_attachments, 0);
	assert_false(v->exported);
	assert_null(v->target_iqn);
	assert_int_equal(v->n_portals, 0);
	assert_int_equal(v->n_acls, 0);
	attach_volume_info_free(v);
	attach_client_free(c);
	fake_join(f);

	struct nlattr *tb[ATTACH_A_MAX + 1];
	request_attrs(f, 1, ATTACH_MSG_VOLUME_SHOW, tb);
	assert_string_equal(nla_get_string(tb[ATTACH_A_VOLUME_ID]), VOL);
	assert_non_null(tb[ATTACH_A_SHOW_SECRETS]);
	request_attrs(f, 2, ATTACH_MSG_VOLUME_SHOW, tb);
	assert_null(tb[ATTACH_A_SHOW_SECRETS]);
}

UNIT_MAIN("client-volume", FAKE_TEST(test_volume_list), FAKE_TEST(test_volume_show))
