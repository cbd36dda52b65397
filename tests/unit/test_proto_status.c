/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_proto_status.c: the status mapping (proto/proto_status.c): every status's errno and name, written
 * out here, the way back from errno, statuses this build does not know, and errnos that share a status.
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

#include "attach.h"
#include "proto.h"
#include "unit_main.h"

static const struct { uint32_t status; int err; const char *name; } expect_status[] = {
	{ ATTACH_OK, 0, "ok" },
	{ ATTACH_E_INVALID, EINVAL, "invalid" },
	{ ATTACH_E_PROTO, EPROTO, "protocol" },
	{ ATTACH_E_VERSION, EPROTONOSUPPORT, "version" },
	{ ATTACH_E_UNKNOWN_CALL, EOPNOTSUPP, "unknown-call" },
	{ ATTACH_E_PERM, EPERM, "permission" },
	{ ATTACH_E_NOT_FOUND, ENOENT, "not-found" },
	{ ATTACH_E_EXISTS, EEXIST, "exists" },
	{ ATTACH_E_STATE, EBADFD, "state" },
	{ ATTACH_E_BUSY, EBUSY, "busy" },
	{ ATTACH_E_NOT_BLOCK, ENOTBLK, "not-block" },
	{ ATTACH_E_TOO_BIG, EMSGSIZE, "too-big" },
	{ ATTACH_E_LIMIT, EUSERS, "limit" },
	{ ATTACH_E_NO_SPACE, ENOSPC, "no-space" },
	{ ATTACH_E_KERNEL, EIO, "kernel" },
	{ ATTACH_E_INTERNAL, EREMOTEIO, "internal" },
	{ ATTACH_E_TIMEOUT, ETIMEDOUT, "timeout" },
	{ ATTACH_E_WRONG_DEVICE, EMEDIUMTYPE, "wrong-device" },
	{ ATTACH_E_ALREADY, EALREADY, "already" },
	{ ATTACH_E_UNSUPPORTED, ENOPROTOOPT, "unsupported" },
};

#define N_STATUS (sizeof(expect_status) / sizeof(expect_status[0]))

static void test_status_mapping(void **state)
{
	(void)state;
	/* a status added to the enum without a row here fails */
	assert_int_equal(N_STATUS, __ATTACH_E_MAX);
	for (uint32_t s = 0; s < __ATTACH_E_MAX; s++) {
		assert_int_equal(expect_status[s].status, s);
		assert_int_equal(proto_errno_from_status(s), expect_status[s].err);
		assert_string_equal(proto_status_name(s), expect_status[s].name);
		assert_string_equal(attach_status_name(s), expect_status[s].name);
		/* round trip, and the sign of the errno does not matter */
		assert_int_equal(proto_status_from_errno(proto_errno_from_status(s)), s);
		assert_int_equal(proto_status_from_errno(-proto_errno_from_status(s)), s);
	}
	/* statuses this build does not know */
	assert_int_equal(proto_errno_from_status(__ATTACH_E_MAX), EREMOTEIO);
	assert_int_equal(proto_errno_from_status(1000), EREMOTEIO);
	assert_string_equal(proto_status_name(__ATTACH_E_MAX), "unknown");
	/* errnos that share a status, and one that has none */
	assert_int_equal(proto_status_from_errno(ERANGE), ATTACH_E_INVALID);
	assert_int_equal(proto_status_from_errno(EBADMSG), ATTACH_E_PROTO);
	assert_int_equal(proto_status_from_errno(EACCES), ATTACH_E_PERM);
	assert_int_equal(proto_status_from_errno(ENAMETOOLONG), ATTACH_E_TOO_BIG);
	assert_int_equal(proto_status_from_errno(EMFILE), ATTACH_E_LIMIT);
	assert_int_equal(proto_status_from_errno(ENODEV), ATTACH_E_KERNEL);
	assert_int_equal(proto_status_from_errno(ENOMEM), ATTACH_E_INTERNAL);
}

/* INTERNAL survives errno and back (EREMOTEIO once also sat in the KERNEL group). */
static void test_status_internal_round_trip(void **state)
{
	(void)state;
	assert_int_equal(proto_status_from_errno(proto_errno_from_status(ATTACH_E_INTERNAL)), ATTACH_E_INTERNAL);
}

UNIT_MAIN("proto-status", cmocka_unit_test(test_status_mapping), cmocka_unit_test(test_status_internal_round_trip))
