/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto_req.h: what the protocol tests (test_proto_*.c) share: requests built with proto_msg_new() /
 * proto_put_*() with a valid value for every attribute, their parsing through proto_parse_request(), the
 * assertions on the outcome, and the calls with their required and optional attributes.
 *
 * The expected tables (calls, required attributes, names) are written out from attach_proto.h's comments
 * and the docs, independently of proto/, so that a change on either side shows up as a failure rather
 * than agreeing with itself.
 */
#ifndef PROTO_REQ_H
#define PROTO_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attach.h"
#include "ids.h"
#include "proto.h"

struct parsed {
	int rc;
	const struct proto_call *call;
	struct nlattr *tb[ATTACH_A_MAX + 1];
	char msg[512];
};

void parse_buf(const void *buf, size_t len, struct parsed *p);
void parse(struct nl_msg *m, struct parsed *p);

/* The call site's line in the failure: these are macros over a function taking __FILE__/__LINE__. */
void check_rejected(const struct parsed *p, int err, const char *sub, const char *file, int line);
#define assert_rejected(p, err, sub) check_rejected((p), (err), (sub), __FILE__, __LINE__)
void check_parsed(const struct parsed *p, const char *file, int line);
#define assert_parsed(p) check_parsed((p), __FILE__, __LINE__)

/* A request of @type (seq 7) without attributes. */
struct nl_msg *req_new(uint16_t type);
/* A valid value for every attribute a request may carry. */
void put_valid(struct nl_msg *m, int attr);
/* A malloc'd copy of @m with @extra zeroed bytes of room after it. */
struct nlmsghdr *msg_copy(struct nl_msg *m, size_t extra);
/* A string of @len characters: @prefix then @fill. */
char *str_of(const char *prefix, char fill, size_t len);

/* The calls, written out from attach_proto.h's comments and docs, not from proto_calls.c. */
#define MAXA 8
struct expect_call {
	uint16_t type;
	const char *name;
	int required[MAXA]; /* 0-terminated */
	int optional[MAXA];
	bool mutating;
	enum attach_priv priv;
	int one_of; /* put with the required ones, for the call's any-of rule */
	int also;   /* accepted, but put only by test_call_rules (it excludes an optional one) */
};
extern const struct expect_call expect_calls[];
extern const size_t n_expect_calls;
#define N_CALLS n_expect_calls
extern const char *const expect_names[ATTACH_A_MAX + 1];

const struct expect_call *find_call(uint16_t type);
bool in_list(const int *list, int attr);
/* A request for @c with its required attributes (and one_of) but @skip_attr, and its optional ones if
 * @optional. */
struct nl_msg *build_call(const struct expect_call *c, bool optional, int skip_attr);

#endif
