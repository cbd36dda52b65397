/* SPDX-License-Identifier: Apache-2.0 */
/* proto_status.c: errno <-> enum attach_status, in one place (docs/PROTOCOL.md has the same table). */
#include "proto.h"

#include <errno.h>

uint32_t proto_status_from_errno(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return ATTACH_OK;
	case EINVAL:
	case ERANGE:
	case EDOM:
	case EILSEQ:
		return ATTACH_E_INVALID;
	case EPROTO:
	case EBADMSG:
		return ATTACH_E_PROTO;
	case EPROTONOSUPPORT:
		return ATTACH_E_VERSION;
	case EOPNOTSUPP:
		return ATTACH_E_UNKNOWN_CALL;
	case EPERM:
	case EACCES:
		return ATTACH_E_PERM;
	case ENOENT:
		return ATTACH_E_NOT_FOUND;
	case EEXIST:
		return ATTACH_E_EXISTS;
	case EBADFD:
		return ATTACH_E_STATE;
	case EBUSY:
		return ATTACH_E_BUSY;
	case ENOTBLK:
		return ATTACH_E_NOT_BLOCK;
	case EMSGSIZE:
	case E2BIG:
	case ENAMETOOLONG:
	case EOVERFLOW:
		return ATTACH_E_TOO_BIG;
	case EUSERS:
	case EDQUOT:
	case EMFILE:
		return ATTACH_E_LIMIT;
	case ENOSPC:
		return ATTACH_E_NO_SPACE;
	case EIO:
	case ENODEV:
		return ATTACH_E_KERNEL;
	case ETIMEDOUT:
		return ATTACH_E_TIMEOUT;
	case EMEDIUMTYPE:
	case ENOMEDIUM:
		return ATTACH_E_WRONG_DEVICE;
	case EALREADY:
		return ATTACH_E_ALREADY;
	case ENOPROTOOPT:
		return ATTACH_E_UNSUPPORTED;
	default:
		return ATTACH_E_INTERNAL;
	}
}

int proto_errno_from_status(uint32_t status)
{
	switch ((enum attach_status)status) {
	case ATTACH_OK:
		return 0;
	case ATTACH_E_INVALID:
		return EINVAL;
	case ATTACH_E_PROTO:
		return EPROTO;
	case ATTACH_E_VERSION:
		return EPROTONOSUPPORT;
	case ATTACH_E_UNKNOWN_CALL:
		return EOPNOTSUPP;
	case ATTACH_E_PERM:
		return EPERM;
	case ATTACH_E_NOT_FOUND:
		return ENOENT;
	case ATTACH_E_EXISTS:
		return EEXIST;
	case ATTACH_E_STATE:
		return EBADFD;
	case ATTACH_E_BUSY:
		return EBUSY;
	case ATTACH_E_NOT_BLOCK:
		return ENOTBLK;
	case ATTACH_E_TOO_BIG:
		return EMSGSIZE;
	case ATTACH_E_LIMIT:
		return EUSERS;
	case ATTACH_E_NO_SPACE:
		return ENOSPC;
	case ATTACH_E_KERNEL:
		return EIO;
	case ATTACH_E_INTERNAL:
		return EREMOTEIO;
	case ATTACH_E_TIMEOUT:
		return ETIMEDOUT;
	case ATTACH_E_WRONG_DEVICE:
		return EMEDIUMTYPE;
	case ATTACH_E_ALREADY:
		return EALREADY;
	case ATTACH_E_UNSUPPORTED:
		return ENOPROTOOPT;
	case __ATTACH_E_MAX:
		break;
	}
	return EREMOTEIO;
}

const char *proto_status_name(uint32_t status)
{
	static const char *const names[__ATTACH_E_MAX] = {
		[ATTACH_OK] = "ok",
		[ATTACH_E_INVALID] = "invalid",
		[ATTACH_E_PROTO] = "protocol",
		[ATTACH_E_VERSION] = "version",
		[ATTACH_E_UNKNOWN_CALL] = "unknown-call",
		[ATTACH_E_PERM] = "permission",
		[ATTACH_E_NOT_FOUND] = "not-found",
		[ATTACH_E_EXISTS] = "exists",
		[ATTACH_E_STATE] = "state",
		[ATTACH_E_BUSY] = "busy",
		[ATTACH_E_NOT_BLOCK] = "not-block",
		[ATTACH_E_TOO_BIG] = "too-big",
		[ATTACH_E_LIMIT] = "limit",
		[ATTACH_E_NO_SPACE] = "no-space",
		[ATTACH_E_KERNEL] = "kernel",
		[ATTACH_E_INTERNAL] = "internal",
		[ATTACH_E_TIMEOUT] = "timeout",
		[ATTACH_E_WRONG_DEVICE] = "wrong-device",
		[ATTACH_E_ALREADY] = "already",
		[ATTACH_E_UNSUPPORTED] = "unsupported",
	};
	return status < __ATTACH_E_MAX ? names[status] : "unknown";
}
