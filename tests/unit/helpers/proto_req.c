/* SPDX-License-Identifier: Apache-2.0 */
/* proto_req.c: requests and their parsing for the protocol tests, and the calls as proto_req.h writes them out. */
#include "proto_req.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

void parse_buf(const void *buf, size_t len, struct parsed *p)
{
	memset(p, 0, sizeof(*p));
	p->rc = proto_parse_request(buf, len, &p->call, p->tb, p->msg, sizeof(p->msg));
}

void parse(struct nl_msg *m, struct parsed *p)
{
	parse_buf(nlmsg_hdr(m), nlmsg_hdr(m)->nlmsg_len, p);
}

/* The call site's line in the failure: these are macros over a function taking __FILE__/__LINE__. */
void check_rejected(const struct parsed *p, int err, const char *sub, const char *file, int line)
{
	if (p->rc != err) {
		print_message("%s:%d: rc %d, expected %d; message \"%s\"\n", file, line, p->rc, err, p->msg);
		fail();
	}
	if (!strstr(p->msg, sub)) {
		print_message("%s:%d: message \"%s\" does not name \"%s\"\n", file, line, p->msg, sub);
		fail();
	}
}

void check_parsed(const struct parsed *p, const char *file, int line)
{
	if (p->rc != 0) {
		print_message("%s:%d: rejected with %d: \"%s\"\n", file, line, p->rc, p->msg);
		fail();
	}
}

struct nl_msg *req_new(uint16_t type)
{
	struct nl_msg *m = proto_msg_new(type, NLM_F_REQUEST, 7);
	assert_non_null(m);
	return m;
}

/* A valid value for every attribute a request may carry. */
void put_valid(struct nl_msg *m, int attr)
{
	int rc;
	switch (attr) {
	case ATTACH_A_VERSION: rc = proto_put_u32(m, attr, ATTACH_PROTO_VERSION); break;
	case ATTACH_A_VOLUME_ID: rc = proto_put_str(m, attr, VOL); break;
	case ATTACH_A_INSTANCE: rc = proto_put_str(m, attr, INSTANCE); break;
	case ATTACH_A_ATTACHMENT_ID: rc = proto_put_str(m, attr, ATTACHMENT); break;
	case ATTACH_A_DEVICE: rc = proto_put_str(m, attr, "/dev/loop0"); break;
	case ATTACH_A_NAME: rc = proto_put_str(m, attr, "data disk"); break;
	case ATTACH_A_INITIATOR: rc = proto_put_str(m, attr, IQN); break;
	case ATTACH_A_HOST: rc = proto_put_str(m, attr, "compute-1"); break;
	case ATTACH_A_IP: rc = proto_put_str(m, attr, "192.0.2.10"); break;
	case ATTACH_A_MOUNTPOINT: rc = proto_put_str(m, attr, "/dev/vdb"); break;
	case ATTACH_A_MODE: rc = proto_put_u8(m, attr, ATTACH_MODE_RO); break;
	case ATTACH_A_TRANSPORT: rc = proto_put_u8(m, attr, ATTACH_TRANSPORT_NVME_TCP); break;
	case ATTACH_A_NQN: rc = proto_put_str(m, attr, "nqn.2014-08.org.example:host-1"); break;
	case ATTACH_A_DHCHAP: rc = proto_put_str(m, attr, "ffdhe2048"); break;
	case ATTACH_A_MULTIATTACH:
	case ATTACH_A_MULTIPATH:
	case ATTACH_A_MUTUAL_CHAP:
	case ATTACH_A_FORCE:
	case ATTACH_A_SHOW_SECRETS:
	case ATTACH_A_PURGE_UNOWNED:
	case ATTACH_A_DRY_RUN: rc = proto_put_flag(m, attr); break;
	default: rc = proto_put_u32(m, attr, 0); break; /* not a request attribute: any payload */
	}
	assert_int_equal(rc, 0);
}

/* A malloc'd copy of @m with @extra zeroed bytes of room after it. */
struct nlmsghdr *msg_copy(struct nl_msg *m, size_t extra)
{
	size_t len = nlmsg_hdr(m)->nlmsg_len;
	struct nlmsghdr *h = calloc(1, len + extra + 8);
	assert_non_null(h);
	memcpy(h, nlmsg_hdr(m), len);
	return h;
}

/* A string of @len characters: @prefix then @fill. */
char *str_of(const char *prefix, char fill, size_t len)
{
	char *s = malloc(len + 1);
	assert_non_null(s);
	memset(s, fill, len);
	memcpy(s, prefix, strlen(prefix));
	s[len] = '\0';
	return s;
}

const struct expect_call expect_calls[] = {
	{ ATTACH_MSG_HELLO, "hello", { ATTACH_A_VERSION }, { 0 }, false, ATTACH_PRIV_READ, 0, 0 },
	{ ATTACH_MSG_VOLUME_CREATE, "volume-create", { ATTACH_A_DEVICE },
	  { ATTACH_A_NAME, ATTACH_A_MULTIATTACH, ATTACH_A_VOLUME_ID, ATTACH_A_DRY_RUN, ATTACH_A_TRANSPORT }, true,
	  ATTACH_PRIV_WRITE, 0, 0 },
	{ ATTACH_MSG_VOLUME_DELETE, "volume-delete", { ATTACH_A_VOLUME_ID }, { ATTACH_A_DRY_RUN }, true,
	  ATTACH_PRIV_WRITE, 0, 0 },
	{ ATTACH_MSG_VOLUME_LIST, "volume-list", { 0 }, { 0 }, false, ATTACH_PRIV_READ, 0, 0 },
	{ ATTACH_MSG_VOLUME_SHOW, "volume-show", { ATTACH_A_VOLUME_ID }, { ATTACH_A_SHOW_SECRETS }, false,
	  ATTACH_PRIV_READ, 0, 0 },
	{ ATTACH_MSG_RESERVE, "reserve", { ATTACH_A_VOLUME_ID }, { ATTACH_A_MODE, ATTACH_A_DRY_RUN }, true,
	  ATTACH_PRIV_WRITE, 0, 0 },
	{ ATTACH_MSG_UNRESERVE, "unreserve", { ATTACH_A_VOLUME_ID }, { ATTACH_A_DRY_RUN }, true, ATTACH_PRIV_WRITE, 0,
	  0 },
	/* it returns the CHAP password; the initiator, or (NVMe/TCP) the host NQN, not both */
	{ ATTACH_MSG_INITIALIZE_CONNECTION, "initialize-connection", { ATTACH_A_VOLUME_ID },
	  { ATTACH_A_HOST, ATTACH_A_IP, ATTACH_A_MULTIPATH, ATTACH_A_MUTUAL_CHAP, ATTACH_A_DRY_RUN, ATTACH_A_DHCHAP }, true,
	  ATTACH_PRIV_SECRETS, ATTACH_A_INITIATOR, ATTACH_A_NQN },
	{ ATTACH_MSG_ATTACH, "attach",
	  { ATTACH_A_VOLUME_ID, ATTACH_A_INSTANCE, ATTACH_A_HOST, ATTACH_A_MOUNTPOINT },
	  { ATTACH_A_MODE, ATTACH_A_ATTACHMENT_ID, ATTACH_A_DRY_RUN }, true, ATTACH_PRIV_WRITE, 0, 0 },
	{ ATTACH_MSG_BEGIN_DETACHING, "begin-detaching", { ATTACH_A_VOLUME_ID }, { ATTACH_A_DRY_RUN }, true,
	  ATTACH_PRIV_WRITE, 0, 0 },
	{ ATTACH_MSG_ROLL_DETACHING, "roll-detaching", { ATTACH_A_VOLUME_ID }, { ATTACH_A_DRY_RUN }, true,
	  ATTACH_PRIV_WRITE, 0, 0 },
	/* the initiator unless force (every initiator's); an attachment only with an initiator */
	{ ATTACH_MSG_TERMINATE_CONNECTION, "terminate-connection", { ATTACH_A_VOLUME_ID },
	  { ATTACH_A_ATTACHMENT_ID, ATTACH_A_DRY_RUN, ATTACH_A_NQN }, true, ATTACH_PRIV_WRITE, ATTACH_A_INITIATOR,
	  ATTACH_A_FORCE },
	{ ATTACH_MSG_DETACH, "detach", { ATTACH_A_VOLUME_ID }, { ATTACH_A_ATTACHMENT_ID, ATTACH_A_DRY_RUN }, true,
	  ATTACH_PRIV_WRITE, 0, 0 },
	{ ATTACH_MSG_VOLUME_EXTEND, "volume-extend", { ATTACH_A_VOLUME_ID }, { ATTACH_A_DRY_RUN }, true,
	  ATTACH_PRIV_WRITE, 0, 0 },
	{ ATTACH_MSG_RECONCILE, "reconcile", { 0 }, { ATTACH_A_DRY_RUN, ATTACH_A_PURGE_UNOWNED }, true,
	  ATTACH_PRIV_WRITE, 0, 0 },
	/* monitoring's call: a --read-uid caller may make it */
	{ ATTACH_MSG_STATS, "stats", { 0 }, { 0 }, false, ATTACH_PRIV_READ, 0, 0 },
};
const size_t n_expect_calls = sizeof(expect_calls) / sizeof(expect_calls[0]);

const char *const expect_names[ATTACH_A_MAX + 1] = {
	[ATTACH_A_VERSION] = "version", [ATTACH_A_VOLUME_ID] = "volume_id", [ATTACH_A_DEVICE] = "device",
	[ATTACH_A_NAME] = "name", [ATTACH_A_MULTIATTACH] = "multiattach", [ATTACH_A_INITIATOR] = "initiator",
	[ATTACH_A_HOST] = "host", [ATTACH_A_IP] = "ip", [ATTACH_A_MULTIPATH] = "multipath",
	[ATTACH_A_INSTANCE] = "instance", [ATTACH_A_MOUNTPOINT] = "mountpoint", [ATTACH_A_MODE] = "mode",
	[ATTACH_A_ATTACHMENT_ID] = "attachment_id", [ATTACH_A_FORCE] = "force",
	[ATTACH_A_SHOW_SECRETS] = "show_secrets", [ATTACH_A_DRY_RUN] = "dry_run", [ATTACH_A_STATUS] = "status",
	[ATTACH_A_PURGE_UNOWNED] = "purge_unowned", [ATTACH_A_TRANSPORT] = "transport", [ATTACH_A_NQN] = "nqn",
	[ATTACH_A_DHCHAP] = "dhchap",
};

const struct expect_call *find_call(uint16_t type)
{
	for (size_t k = 0; k < N_CALLS; k++)
		if (expect_calls[k].type == type)
			return &expect_calls[k];
	fail_msg("no expected row for call 0x%x", type);
	return NULL;
}

bool in_list(const int *list, int attr)
{
	for (int i = 0; i < MAXA && list[i]; i++)
		if (list[i] == attr)
			return true;
	return false;
}

struct nl_msg *build_call(const struct expect_call *c, bool optional, int skip_attr)
{
	struct nl_msg *m = req_new(c->type);
	for (int i = 0; i < MAXA && c->required[i]; i++)
		if (c->required[i] != skip_attr)
			put_valid(m, c->required[i]);
	if (c->one_of && c->one_of != skip_attr)
		put_valid(m, c->one_of);
	for (int i = 0; optional && i < MAXA && c->optional[i]; i++)
		put_valid(m, c->optional[i]);
	return m;
}
