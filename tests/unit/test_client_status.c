/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_client_status.c: the agent's error statuses as libattach (proto/client.c) returns them: each one's
 * errno, written out here, with the agent's message or, without one, a message of the client's own.
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

/* The errno each status must give, written out (attach.h: EBADFD for a state, ENOENT for a volume...). */
static const struct { uint32_t status; int err; const char *name; } status_errno[] = {
	{ ATTACH_E_INVALID, EINVAL, "invalid" },	   { ATTACH_E_PROTO, EPROTO, "protocol" },
	{ ATTACH_E_VERSION, EPROTONOSUPPORT, "version" }, { ATTACH_E_UNKNOWN_CALL, EOPNOTSUPP, "unknown-call" },
	{ ATTACH_E_PERM, EPERM, "permission" },	   { ATTACH_E_NOT_FOUND, ENOENT, "not-found" },
	{ ATTACH_E_EXISTS, EEXIST, "exists" },		   { ATTACH_E_STATE, EBADFD, "state" },
	{ ATTACH_E_BUSY, EBUSY, "busy" },		   { ATTACH_E_NOT_BLOCK, ENOTBLK, "not-block" },
	{ ATTACH_E_TOO_BIG, EMSGSIZE, "too-big" },	   { ATTACH_E_LIMIT, EUSERS, "limit" },
	{ ATTACH_E_NO_SPACE, ENOSPC, "no-space" },	   { ATTACH_E_KERNEL, EIO, "kernel" },
	{ ATTACH_E_INTERNAL, EREMOTEIO, "internal" },	   { ATTACH_E_TIMEOUT, ETIMEDOUT, "timeout" },
	{ ATTACH_E_WRONG_DEVICE, EMEDIUMTYPE, "wrong-device" }, { ATTACH_E_ALREADY, EALREADY, "already" },
	{ ATTACH_E_UNSUPPORTED, ENOPROTOOPT, "unsupported" },
	{ 99, EREMOTEIO, "unknown" }, /* a status from a newer agent */
};
#define N_STATUS_ERRNO (sizeof(status_errno) / sizeof(status_errno[0]))

/* Call n (after HELLO) gets status_errno[n - 1] twice: with a message, then without. */
static struct nl_msg *answer_errors(struct fake *f, const struct nlmsghdr *req)
{
	size_t i = (req->nlmsg_seq - 2) / 2;
	char msg[64];
	if (i >= N_STATUS_ERRNO)
		return reply_done(f, NULL, 1);
	snprintf(msg, sizeof(msg), "volume %s: %s", VOL, status_errno[i].name);
	return reply_done(f, reply_new(req, status_errno[i].status, req->nlmsg_seq % 2 == 0 ? msg : NULL), 0);
}

static void test_error_status_maps(void **state)
{
	struct fake *f = *state;
	assert_int_equal(N_STATUS_ERRNO, __ATTACH_E_MAX); /* every error status, plus one unknown */
	fake_run(f, NULL, answer_errors, NULL);
	struct attach_client *c = client_connected(f);
	for (size_t i = 0; i < N_STATUS_ERRNO; i++) {
		char want[96], dflt[64];
		snprintf(want, sizeof(want), "volume %s: %s", VOL, status_errno[i].name);
		assert_int_equal(attach_volume_delete(c, VOL), -status_errno[i].err);
		assert_int_equal(attach_last_status(c), status_errno[i].status);
		assert_string_equal(attach_last_message(c), want);
		/* without a message the client still says what happened */
		assert_int_equal(attach_volume_delete(c, VOL), -status_errno[i].err);
		snprintf(dflt, sizeof(dflt), "the agent refused: %s", status_errno[i].name);
		assert_string_equal(attach_last_message(c), dflt);
	}
	attach_client_free(c);
	fake_join(f);
}

UNIT_MAIN("client-status", FAKE_TEST(test_error_status_maps))
