/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_reply.h: the input format of fuzz_reply, shared with the seed generator so that seeds answer the
 * calls the target makes. An input is one selector byte, then the byte stream the agent sends:
 *   selector & 0x0f (mod FR_COUNT): the first call; later calls follow in this table's order, wrapping;
 *   selector & FR_DRY_RUN: the client is in dry-run mode (mutating calls then expect a plan).
 * The client numbers its requests from 1, so the n-th reply of the stream answers with nlmsg_seq n.
 */
#ifndef FUZZ_REPLY_H
#define FUZZ_REPLY_H

#include <stdint.h>

#include "attach_proto.h"

enum fuzz_reply_call {
	FR_HELLO,
	FR_VOLUME_CREATE,
	FR_VOLUME_LIST,
	FR_VOLUME_SHOW,
	FR_VOLUME_SHOW_SECRETS,
	FR_RESERVE,
	FR_INITIALIZE_CONNECTION,
	FR_ATTACH,
	FR_BEGIN_DETACHING,
	FR_ROLL_DETACHING,
	FR_TERMINATE_CONNECTION,
	FR_DETACH,
	FR_UNRESERVE,
	FR_VOLUME_EXTEND,
	FR_VOLUME_DELETE,
	FR_STATS,
	FR_COUNT, /* at most 16: the selector's low nibble picks the first call */
};

#define FR_DRY_RUN 0x80
#define FR_MAX_CALLS 8 /* per input: enough to reach a reallocated reply buffer and stale state */

/* The request type each call sends, which its reply must echo. */
static const uint16_t fuzz_reply_type[FR_COUNT] = {
	[FR_HELLO] = ATTACH_MSG_HELLO,
	[FR_VOLUME_CREATE] = ATTACH_MSG_VOLUME_CREATE,
	[FR_VOLUME_LIST] = ATTACH_MSG_VOLUME_LIST,
	[FR_VOLUME_SHOW] = ATTACH_MSG_VOLUME_SHOW,
	[FR_VOLUME_SHOW_SECRETS] = ATTACH_MSG_VOLUME_SHOW,
	[FR_RESERVE] = ATTACH_MSG_RESERVE,
	[FR_INITIALIZE_CONNECTION] = ATTACH_MSG_INITIALIZE_CONNECTION,
	[FR_ATTACH] = ATTACH_MSG_ATTACH,
	[FR_BEGIN_DETACHING] = ATTACH_MSG_BEGIN_DETACHING,
	[FR_ROLL_DETACHING] = ATTACH_MSG_ROLL_DETACHING,
	[FR_TERMINATE_CONNECTION] = ATTACH_MSG_TERMINATE_CONNECTION,
	[FR_DETACH] = ATTACH_MSG_DETACH,
	[FR_UNRESERVE] = ATTACH_MSG_UNRESERVE,
	[FR_VOLUME_EXTEND] = ATTACH_MSG_VOLUME_EXTEND,
	[FR_VOLUME_DELETE] = ATTACH_MSG_VOLUME_DELETE,
	[FR_STATS] = ATTACH_MSG_STATS,
};

#endif
