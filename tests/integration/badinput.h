/* SPDX-License-Identifier: Apache-2.0 */
/*
 * badinput.h: the table-driven runner of the test_badinput_*.c programs: bad input through the real
 * socket of build/attachd-sim, one table row per case (one TAP line each). Every case asserts the
 * reply's status code and a substring of its message, that the agent still serves, and that nothing
 * changed: the simulated configfs tree, the dm directory and every record (world_snapshot) are the same
 * before and after. A row's setup may change the world first (a detach before "detach twice"); its
 * snapshot is taken after the setup.
 *
 * Byte-level messages are built by the runner (badinput.c), not with libattach, which never sends them.
 * "$NAME" in strings is replaced by the world's volume ids and paths (the tokens in badinput.c). Each
 * program runs its rows on one world W, prepared by the group setup with the volumes below, and ends
 * with test_clean_exit.
 */
#ifndef BADINPUT_H
#define BADINPUT_H

#include "itest.h"

#define TIMEOUT_MS "300" /* --request-timeout: half-sent requests fail fast */
#define MAX_CLIENTS 16

/* The volumes every state-dependent case needs, prepared once by the group setup. */
enum vol { V_AVAIL, V_ATTACHING, V_INUSE, V_DETACHING, V_EXPAVAIL, V_TWICE, V_UNRES, V_TERM, V_COUNT };

/* What the group setup prepared on W. */
struct bad_world {
	char vol[V_COUNT][ATTACH_UUID_LEN + 1];
	char avail_up[ATTACH_UUID_LEN + 1];  /* V_AVAIL's id in upper case */
	char inuse_att[ATTACH_UUID_LEN + 1]; /* V_INUSE's attachment */
	struct attach_conninfo ci_attaching, ci_inuse; /* INI_A's credentials on those volumes */
	char disk0[256], used[256], free_dev[256], alias[256], reg[256], linkreg[256], linkused[256], missing[256];
	char longlink[256];
	char att[V_COUNT][ATTACH_UUID_LEN + 1]; /* each volume's reserved attachment */
	char noident[256], busydev[256], openlink[256];
	char long600[1024]; /* a block device at a 600-byte canonical path */
	char dm_inuse[256]; /* the dm device V_INUSE is exported through */
};
extern struct bad_world BAD;

/* One attribute of a crafted request. */
enum akind {
	A_END, A_STR, /* s expanded, with its NUL */
	A_NONUL,      /* s expanded, without NUL */
	A_REP,        /* s, then 'a' up to n characters, then NUL */
	A_U8, A_U32,  /* n */
	A_FLAG,       /* no payload */
	A_RAW,        /* n bytes of s */
	A_HDR,        /* an attribute header claiming nla_len n, nothing after it */
};
struct aspec {
	uint16_t type; /* nla_type, flag bits included */
	enum akind kind;
	const char *s;
	uint32_t n;
};

#define LEN(x) ((uint64_t)(x) | (1ull << 32)) /* nlmsg_len as given (0 included) */
#define FLAGS(x) ((x) | 0x10000)               /* nlmsg_flags as given */

struct bad_case {
	const char *name;
	uint16_t type;            /* nlmsg_type */
	struct aspec a[7];
	bool no_hello;            /* send the request without HELLO first */
	uint32_t flags;           /* 0: NLM_F_REQUEST */
	uint64_t len;             /* 0: the bytes built */
	uint32_t send;            /* bytes to send; 0: all */
	uint8_t stray;            /* zero bytes after the last attribute, counted in nlmsg_len */
	bool nopad;               /* last attribute without its padding */
	/* expected */
	uint16_t rtype;           /* reply type; 0: the request's */
	uint32_t status;
	const char *msg;          /* substring of the reply's message, expanded */
	bool closes;              /* the agent closes after the reply */
	bool no_reuse;            /* bytes left in the agent's buffer: do not reuse the connection */
	const char *absent;       /* what the message must not say (expanded): where a path leads */
	void (*setup)(void);
	void (*custom)(const struct bad_case *c);
	const char *arg;          /* for custom cases */
};

#define VOL(t) { ATTACH_A_VOLUME_ID, A_STR, t, 0 }
#define STR(a, v) { ATTACH_A_##a, A_STR, v, 0 }
#define REP(a, v, n) { ATTACH_A_##a, A_REP, v, n }
#define U8(a, v) { ATTACH_A_##a, A_U8, NULL, v }
#define U32(a, v) { ATTACH_A_##a, A_U32, NULL, v }
#define FLAG(a) { ATTACH_A_##a, A_FLAG, NULL, 0 }
#define ATTACH_ARGS STR(INSTANCE, INSTANCE), STR(HOST, "compute-a"), STR(MOUNTPOINT, "/dev/vdb")
#define REFUSED_TIMEOUT .rtype = ATTACH_MSG_REFUSED, .status = ATTACH_E_TIMEOUT, \
	.msg = "request incomplete after " TIMEOUT_MS " ms", .closes = true

#define M(t) ATTACH_MSG_##t
#define E(s) ATTACH_E_##s

/* Assert that @r is one reply of @type, @seq and @status whose message holds @pattern (expanded). */
void expect_reply(const struct rmsg *r, uint16_t type, uint32_t seq, uint32_t status, const char *pattern);
/* Send the crafted request, check the one reply, then that the connection is closed or still usable. */
void run_generic(const struct bad_case *c);
/* Start the agent on W as the group setup does, with @opt @val (both NULL: none) on top. */
void bad_agent_start(const char *opt, const char *val);
/* A world of a case's own (custom_mid_reply's), freed by the case's teardown if the case fails half-way. */
extern struct world *bad_crowd;

/* Run @n cases, each a test, on a prepared world, then test_clean_exit: main() of a test_badinput_*.c. */
int badinput_main(const char *name, const struct bad_case *cases, size_t n);

#endif
