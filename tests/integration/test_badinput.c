/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_badinput.c: bad input through the real socket of build/attachd-sim, one table row per case (one
 * TAP line each). Every case asserts the reply's status code and a substring of its message, that the
 * agent still serves, and that nothing changed: the simulated configfs tree, the dm directory and every
 * record (itest.h world_snapshot) are the same before and after. A row's setup may change the world
 * first (a detach before "detach twice"); its snapshot is taken after the setup.
 *
 * Byte-level messages are built here, not with libattach, which never sends them. "$NAME" in strings is
 * replaced by the world's volume ids and paths (tok()).
 */
#include <ctype.h>
#include <poll.h>
#include <sys/ioctl.h>

#include "itest.h"

#define TIMEOUT_MS "300" /* --request-timeout: half-sent requests fail fast */
#define MAX_CLIENTS 16

/* The volumes every state-dependent case needs, prepared once by the group setup. */
enum vol { V_AVAIL, V_ATTACHING, V_INUSE, V_DETACHING, V_EXPAVAIL, V_TWICE, V_UNRES, V_TERM, V_COUNT };

static struct {
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
} C;

static const char *tok(const char *name, size_t len)
{
	static const struct { const char *name; const char *s; } t[] = {
#define T(n, f) { n, C.f }
		T("AVAIL", vol[V_AVAIL]), T("ATTACHING", vol[V_ATTACHING]), T("INUSE", vol[V_INUSE]),
		T("DETACHING", vol[V_DETACHING]), T("EXPAVAIL", vol[V_EXPAVAIL]), T("TWICE", vol[V_TWICE]),
		T("UNRES", vol[V_UNRES]), T("TERM", vol[V_TERM]), T("AVAIL_UP", avail_up), T("INUSE_ATT", inuse_att),
		T("DISK", disk0), T("USED", used), T("FREE", free_dev), T("ALIAS", alias), T("REG", reg),
		T("LINKREG", linkreg), T("LINKUSED", linkused), T("MISSING", missing), T("LONGLINK", longlink),
		{ "DIR", W.dir }, T("DMINUSE", dm_inuse), T("TWICE_ATT", att[V_TWICE]), T("ATTACHING_ATT", att[V_ATTACHING]),
		T("NOIDENT", noident), T("BUSYDEV", busydev), T("OPENLINK", openlink),
#undef T
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i].name) == len && !strncmp(t[i].name, name, len))
			return t[i].s;
	fail_msg("unknown token $%.*s", (int)len, name);
	return NULL;
}

static void expand(const char *in, char *out, size_t size)
{
	size_t o = 0;
	for (const char *p = in; *p && o + 1 < size;) {
		if (*p == '$') {
			size_t n = strspn(p + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
			o += (size_t)snprintf(out + o, size - o, "%s", tok(p + 1, n));
			p += 1 + n;
		} else {
			out[o++] = *p++;
		}
	}
	out[o < size ? o : size - 1] = '\0';
}

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

static void build(struct mb *m, const struct bad_case *c, uint32_t seq)
{
	mb_start(m, c->type, c->flags & 0x10000 ? (uint16_t)c->flags : NLM_F_REQUEST, seq);
	for (const struct aspec *a = c->a; a->kind != A_END; a++) {
		bool pad = !(c->nopad && a[1].kind == A_END);
		char v[ATTACH_REQUEST_MAX];
		uint8_t u8 = (uint8_t)a->n;
		switch (a->kind) {
		case A_STR:
		case A_NONUL:
			expand(a->s, v, sizeof(v));
			mb_attr(m, a->type, v, strlen(v) + (a->kind == A_STR), pad);
			break;
		case A_REP:
			expand(a->s, v, sizeof(v));
			for (size_t i = strlen(v); i < a->n; i++)
				v[i] = 'a';
			v[a->n] = '\0';
			mb_attr(m, a->type, v, a->n + 1, pad);
			break;
		case A_U8:
			mb_attr(m, a->type, &u8, 1, pad);
			break;
		case A_U32:
			mb_attr(m, a->type, &a->n, 4, pad);
			break;
		case A_FLAG:
			mb_attr(m, a->type, NULL, 0, pad);
			break;
		case A_RAW:
			mb_attr(m, a->type, a->s, a->n, pad);
			break;
		case A_HDR: {
			struct nlattr h = { .nla_len = (uint16_t)a->n, .nla_type = a->type };
			memcpy(m->b + m->len, &h, sizeof(h));
			m->len += sizeof(h);
			break;
		}
		case A_END:
			break;
		}
	}
	memset(m->b + m->len, 0, c->stray);
	m->len += c->stray;
	mb_end(m, 0);
	if (c->len >> 32) /* a length that lies: 0 included */
		memcpy(m->b, &(uint32_t){ (uint32_t)c->len }, sizeof(uint32_t));
}

static void expect_reply(const struct rmsg *r, uint16_t type, uint32_t seq, uint32_t status, const char *pattern)
{
	char want[2048];
	expand(pattern, want, sizeof(want));
	if (r->got != 1)
		fail_msg("no reply (%d), wanted status %u \"%s\"", r->got, status, want);
	if (r->type != type || r->seq != seq || r->status != status || !strstr(r->msg, want))
		fail_msg("got type 0x%x seq %u status %u (%s) \"%s\"; wanted type 0x%x seq %u status %u \"%s\"",
			 r->type, r->seq, r->status, attach_status_name(r->status), r->msg, type, seq, status,
			 attach_status_name(status), want);
}

/* Send the crafted request, check the one reply, then that the connection is closed or still usable. */
static void run_generic(const struct bad_case *c)
{
	const uint32_t seq = 77;
	struct mb *m = malloc(sizeof(*m));
	struct rmsg r;
	assert_non_null(m);
	int fd = raw_connect(W.sock);
	assert_true(fd >= 0);
	if (!c->no_hello)
		raw_hello(fd, 1);
	build(m, c, seq);
	raw_send(fd, m->b, c->send ? c->send : m->len);
	raw_recv(fd, &r);
	uint16_t rtype = c->rtype ? c->rtype : c->type;
	expect_reply(&r, rtype, c->rtype == ATTACH_MSG_REFUSED ? 0 : seq, c->status, c->msg);
	if (c->absent) {
		char no[1024];
		expand(c->absent, no, sizeof(no));
		if (strstr(r.msg, no))
			fail_msg("the message \"%s\" tells \"%s\"", r.msg, no);
	}
	rmsg_free(&r);
	if (c->closes)
		assert_true(raw_closed(fd));
	else if (!c->no_reuse)
		raw_hello(fd, seq + 1); /* a request-level error leaves the connection usable */
	raw_close(fd);
	free(m);
}

/* --- custom cases */

static void custom_iqn_case(const struct bad_case *c)
{
	/* not an error: the same initiator in other letter case is a retry with the same credentials */
	bool inuse = !strcmp(c->arg, "inuse");
	const struct attach_conninfo *first = inuse ? &C.ci_inuse : &C.ci_attaching;
	struct attach_client *cl = world_client(&W);
	struct attach_connector conn = { .initiator = "IQN.2004-10.ORG.EXAMPLE:HOST-A" };
	struct attach_conninfo ci;
	if (attach_initialize_connection(cl, C.vol[inuse ? V_INUSE : V_ATTACHING], &conn, &ci))
		fail_msg("initialize-connection: %s", attach_last_message(cl));
	assert_int_equal(attach_last_status(cl), ATTACH_OK);
	assert_non_null(strstr(attach_last_message(cl), "already connected (retry)"));
	assert_string_equal(ci.auth_username, first->auth_username);
	assert_string_equal(ci.auth_password, first->auth_password);
	assert_string_equal(ci.target_iqn, first->target_iqn);
	attach_conninfo_clear(&ci);
	world_client_free(cl);
}

static void custom_portal(const struct bad_case *c)
{
	char *out = it_capture("%s --socket %s/bad.sock --db %s/bad-db --portal '%s' --no-kmod --foreground 2>&1; "
			       "echo \"exit=$?\"", world_agent_bin(), W.dir, W.dir, c->arg);
	assert_non_null(out);
	char want[256];
	snprintf(want, sizeof(want), "--portal %s: %s", c->arg, c->msg);
	if (!strstr(out, want) || !strstr(out, "exit=2"))
		fail_msg("wanted \"%s\" and exit 2, got: %s", want, out);
	free(out);
	char p[256];
	world_path(&W, p, sizeof(p), "bad-db");
	assert_int_equal(access(p, F_OK), -1); /* a usage error touches nothing */
}

static void custom_after_bad_hello(const struct bad_case *c)
{
	(void)c;
	struct mb m;
	struct rmsg r;
	int fd = raw_connect(W.sock);
	assert_true(fd >= 0);
	mb_start(&m, ATTACH_MSG_HELLO, NLM_F_REQUEST, 1);
	mb_u32(&m, ATTACH_A_VERSION, 99);
	raw_send(fd, m.b, mb_end(&m, 0));
	raw_recv(fd, &r);
	expect_reply(&r, ATTACH_MSG_HELLO, 1, ATTACH_E_VERSION, "protocol version 99 is not supported");
	rmsg_free(&r);
	mb_start(&m, ATTACH_MSG_VOLUME_LIST, NLM_F_REQUEST, 2);
	raw_send(fd, m.b, mb_end(&m, 0));
	raw_recv(fd, &r);
	expect_reply(&r, ATTACH_MSG_VOLUME_LIST, 2, ATTACH_E_PROTO, "send hello (the protocol version exchange) before");
	rmsg_free(&r);
	raw_close(fd);
}

static void custom_half_message(const struct bad_case *c)
{
	(void)c;
	struct mb m;
	struct rmsg r;
	int fd = raw_connect(W.sock);
	assert_true(fd >= 0);
	raw_hello(fd, 1);
	mb_start(&m, ATTACH_MSG_VOLUME_SHOW, NLM_F_REQUEST, 2);
	mb_str(&m, ATTACH_A_VOLUME_ID, C.vol[V_AVAIL]);
	raw_send(fd, m.b, mb_end(&m, 0) - 20); /* the header and part of the id, then silence */
	uint64_t t0 = it_now_ms();
	world_assert_serves(&W); /* another client is served meanwhile */
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (it_now_ms() - t0 < 250)
		assert_int_equal(poll(&p, 1, 0), 0); /* and the silent one is not answered early */
	raw_recv(fd, &r);
	expect_reply(&r, ATTACH_MSG_REFUSED, 0, ATTACH_E_TIMEOUT, "request incomplete after " TIMEOUT_MS " ms");
	rmsg_free(&r);
	assert_true(it_now_ms() - t0 >= 250);
	assert_true(raw_closed(fd));
	raw_close(fd);
}

/* A byte every 100 ms: the deadline runs from the request's first byte, it is not re-armed by each byte
 * (agent/server/srv.c srv_serve), so a trickle cannot hold a connection forever. */
static void custom_slow_drip(const struct bad_case *c)
{
	(void)c;
	struct mb m;
	struct rmsg r;
	int fd = raw_connect(W.sock);
	assert_true(fd >= 0);
	size_t len = mb_hello(&m, 1);
	uint64_t t0 = it_now_ms();
	struct pollfd p = { .fd = fd, .events = POLLIN };
	for (size_t i = 0; i < len && poll(&p, 1, 100) == 0; i++)
		(void)send(fd, m.b + i, 1, MSG_NOSIGNAL); /* fails once the agent has closed */
	raw_recv(fd, &r);
	expect_reply(&r, ATTACH_MSG_REFUSED, 0, ATTACH_E_TIMEOUT, "request incomplete after " TIMEOUT_MS " ms");
	rmsg_free(&r);
	assert_true(it_now_ms() - t0 < 100 * len - 200); /* long before the last byte would have come */
	raw_close(fd);
}

static void custom_max_clients(const struct bad_case *c)
{
	(void)c;
	int base = proc_fd_count(W.agent), fds[MAX_CLIENTS];
	struct rmsg r;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		fds[i] = raw_connect(W.sock);
		assert_true(fds[i] >= 0);
		raw_hello(fds[i], 1); /* accepted and counted */
	}
	int extra = raw_connect(W.sock);
	assert_true(extra >= 0);
	raw_recv(extra, &r); /* sent at accept, before anything is read */
	expect_reply(&r, ATTACH_MSG_REFUSED, 0, ATTACH_E_LIMIT, "too many clients (limit 16); try again later");
	rmsg_free(&r);
	assert_true(raw_closed(extra));
	raw_close(extra);
	for (int i = 0; i < MAX_CLIENTS; i++)
		raw_close(fds[i]);
	assert_int_equal(proc_wait_fds(W.agent, base), base);
}

static void main_start(const char *opt, const char *val)
{
	assert_int_equal(world_start(&W, "--request-timeout", TIMEOUT_MS, "--max-clients", "16", opt, val, NULL), 0);
}

static void custom_max_volumes(const struct bad_case *c)
{
	(void)c;
	struct attach_client *cl = world_client(&W);
	struct attach_volume_info *v;
	size_t n;
	assert_int_equal(attach_volume_list(cl, &v, &n), 0);
	attach_volume_list_free(v, n);
	world_client_free(cl);
	char limit[16], msg[128];
	snprintf(limit, sizeof(limit), "%zu", n); /* exactly the volumes there are */
	snprintf(msg, sizeof(msg), "%zu volumes registered: the limit (--max-volumes) is %zu", n, n);
	assert_int_equal(world_stop(&W), 0);
	main_start("--max-volumes", limit);
	const struct bad_case create = { "", ATTACH_MSG_VOLUME_CREATE, { STR(DEVICE, "$FREE") },
					 .status = ATTACH_E_LIMIT, .msg = msg };
	run_generic(&create);
	assert_int_equal(world_stop(&W), 0);
	main_start(NULL, NULL);
}

/* A client that leaves mid-reply: a world with enough volumes that volume-list's reply cannot fit in the
 * socket's buffer, so the agent still holds part of it when the client closes. */
static struct world *crowd; /* freed by case_teardown() if the case fails half-way */

static void custom_mid_reply(const struct bad_case *c)
{
	(void)c;
	static struct world w;
	crowd = &w;
	char dir[512], dev[600], name[ATTACH_NAME_MAX + 1];
	world_new(&w);
	FILE *f = fopen("/proc/sys/net/core/wmem_default", "r"); /* an accepted socket's send buffer */
	long wmem = 212992;
	if (f && fscanf(f, "%ld", &wmem) != 1)
		wmem = 212992;
	if (f)
		fclose(f);
	/* long names and paths make each entry about 800 bytes; paths stay under LMDB's 511-byte keys */
	int nvol = (int)(2 * wmem / 800) + 50;
	assert_true(nvol < 4000);
	int len = snprintf(dir, sizeof(dir), "%s", w.dir);
	for (int i = 0; i < 2; i++) {
		len += snprintf(dir + len, sizeof(dir) - (size_t)len, "/%0200d", i);
		assert_int_equal(mkdir(dir, 0755), 0);
	}
	memset(name, 'n', ATTACH_NAME_MAX);
	name[ATTACH_NAME_MAX] = '\0';
	assert_int_equal(world_start(&w, NULL), 0);
	struct attach_client *cl = world_client(&w);
	for (int i = 0; i < nvol; i++) {
		snprintf(dev, sizeof(dev), "%s/%050d", dir, i);
		assert_int_equal(mknod(dev, S_IFBLK | 0600, makedev(7, (unsigned)i)), 0);
		struct attach_volume_create_args va = { .device = dev, .name = name };
		char id[ATTACH_UUID_LEN + 1];
		if (attach_volume_create(cl, &va, id))
			fail_msg("volume-create %d: %s", i, attach_last_message(cl));
	}
	world_client_free(cl);
	char *before = world_snapshot(&w);
	int base = proc_fd_count(w.agent);
	for (int round = 0; round < 3; round++) {
		int fd = raw_connect(w.sock);
		struct mb m;
		raw_hello(fd, 1);
		mb_start(&m, ATTACH_MSG_VOLUME_LIST, NLM_F_REQUEST, 2);
		raw_send(fd, m.b, mb_end(&m, 0));
		int queued = -1, prev;
		do { /* until the agent has written all the socket takes */
			prev = queued;
			usleep(50000 * (unsigned)it_slow());
			assert_int_equal(ioctl(fd, FIONREAD, &queued), 0);
		} while (queued != prev || queued == 0);
		struct nlmsghdr h;
		assert_int_equal(recv(fd, &h, sizeof(h), MSG_PEEK | MSG_WAITALL), sizeof(h));
		assert_int_equal(h.nlmsg_type, ATTACH_MSG_VOLUME_LIST);
		if ((uint32_t)queued >= h.nlmsg_len)
			fail_msg("the whole reply (%u bytes) fit in the socket: not a mid-reply close", h.nlmsg_len);
		raw_close(fd); /* with the reply half sent */
	}
	assert_int_equal(proc_wait_fds(w.agent, base), base);
	cl = world_client(&w);
	struct attach_volume_info *v;
	size_t n;
	assert_int_equal(attach_volume_list(cl, &v, &n), 0); /* the same big reply, read whole */
	assert_int_equal(n, (size_t)nvol);
	attach_volume_list_free(v, n);
	world_client_free(cl);
	char *after = world_snapshot(&w);
	world_assert_same(&w, before, after);
	free(before);
	free(after);
	assert_int_equal(world_stop(&w), 0);
	world_free(&w);
	crowd = NULL;
}

/* A device path the protocol accepts (up to 1023 bytes) but longer than LMDB's 511-byte keys: the
 * device index is by number, so it works (it once failed with MDB_BAD_VALSIZE). */
static void custom_long_device(const struct bad_case *c)
{
	(void)c;
	struct attach_client *cl = world_client(&W);
	struct attach_volume_create_args va = { .device = C.long600 };
	char id[ATTACH_UUID_LEN + 1];
	if (attach_volume_create(cl, &va, id))
		fail_msg("volume-create on a %zu-byte path: %s (%s)", strlen(C.long600), attach_last_message(cl),
			 attach_status_name(attach_last_status(cl)));
	assert_int_equal(attach_volume_delete(cl, id), 0); /* leaves the world as it was */
	world_client_free(cl);
}

/* --- setups of the "twice" cases: the first call is a good one */
static void setup_detach(void)
{
	struct attach_client *cl = world_client(&W);
	assert_int_equal(attach_detach(cl, C.vol[V_TWICE], NULL), 0);
	world_client_free(cl);
}

static void setup_unreserve(void)
{
	struct attach_client *cl = world_client(&W);
	assert_int_equal(attach_unreserve(cl, C.vol[V_UNRES]), 0);
	world_client_free(cl);
}

static void setup_terminate(void)
{
	struct attach_client *cl = world_client(&W);
	assert_int_equal(attach_terminate_connection(cl, C.vol[V_TERM], INI_B, false), 0);
	world_client_free(cl);
}

#define M(t) ATTACH_MSG_##t
#define E(s) ATTACH_E_##s

static const struct bad_case cases[] = {
	/* framing */
	{ "truncated header: 10 bytes, then silence", M(HELLO), { U32(VERSION, 1) }, .send = 10, REFUSED_TIMEOUT },
	{ "nlmsg_len 8, below the header", M(HELLO), { U32(VERSION, 1) }, .len = LEN(8), .status = E(PROTO),
	  .msg = "nlmsg_len 8 is below the 16-byte header", .closes = true },
	{ "nlmsg_len 0", M(HELLO), { U32(VERSION, 1) }, .len = LEN(0), .status = E(PROTO),
	  .msg = "nlmsg_len 0 is below the 16-byte header", .closes = true },
	{ "nlmsg_len 65537, over the maximum", M(HELLO), { U32(VERSION, 1) }, .len = LEN(65537), .status = E(TOO_BIG),
	  .msg = "message of 65537 bytes exceeds the maximum of 65536", .closes = true },
	{ "nlmsg_len 0xffffffff", M(HELLO), { U32(VERSION, 1) }, .len = LEN(0xffffffffu), .status = E(TOO_BIG),
	  .msg = "message of 4294967295 bytes exceeds the maximum", .closes = true },
	{ "nlmsg_len longer than the bytes sent (200 for 24): timed out", M(HELLO), { U32(VERSION, 1) },
	  .len = LEN(200), REFUSED_TIMEOUT },
	{ "nlmsg_len shorter than its attributes (20 of 24)", M(HELLO), { U32(VERSION, 1) }, .len = LEN(20),
	  .status = E(PROTO), .msg = "attribute 3 claims 8 bytes where 4 remain", .no_reuse = true },
	{ "a maximum-size request (65536 bytes) is read whole", M(VOLUME_CREATE),
	  { { ATTACH_A_NAME, A_REP, "", 65515 } }, .status = E(TOO_BIG), .msg = "attribute name: longer than 255 bytes" },
	{ "half a message, then silence, while another client is served", .custom = custom_half_message },
	{ "a request trickling in a byte every 100 ms is timed out all the same", .custom = custom_slow_drip },
	/* header */
	{ "unknown message type 0x30", 0x30, .status = E(UNKNOWN_CALL), .msg = "unknown message type 0x30" },
	{ "message type 0x0f (the agent's REFUSED) from a client", 0x0f, .status = E(UNKNOWN_CALL),
	  .msg = "unknown message type 0xf" },
	{ "netlink control type NLMSG_ERROR", NLMSG_ERROR, .status = E(UNKNOWN_CALL), .msg = "unknown message type 0x2" },
	{ "nlmsg_flags 0", M(HELLO), { U32(VERSION, 1) }, .flags = FLAGS(0), .status = E(PROTO),
	  .msg = "nlmsg_flags 0x0: a request carries NLM_F_REQUEST only" },
	{ "nlmsg_flags REQUEST|ACK", M(VOLUME_LIST), .flags = FLAGS(NLM_F_REQUEST | NLM_F_ACK), .status = E(PROTO),
	  .msg = "nlmsg_flags 0x5" },
	{ "protocol version 2", M(HELLO), { U32(VERSION, 2) }, .status = E(VERSION),
	  .msg = "protocol version 2 is not supported: this attachd speaks versions 1 to 1" },
	{ "protocol version 0", M(HELLO), { U32(VERSION, 0) }, .status = E(VERSION),
	  .msg = "protocol version 0 is not supported" },
	{ "volume-list before hello", M(VOLUME_LIST), .no_hello = true, .status = E(PROTO),
	  .msg = "send hello (the protocol version exchange) before volume-list" },
	{ "volume-create before hello", M(VOLUME_CREATE), { STR(DEVICE, "$FREE") }, .no_hello = true,
	  .status = E(PROTO), .msg = "before volume-create" },
	{ "volume-list after a refused hello", .custom = custom_after_bad_hello },
	/* required attributes */
	{ "hello without version", M(HELLO), .status = E(INVALID), .msg = "attribute version is required" },
	{ "reserve without volume_id", M(RESERVE), .status = E(INVALID), .msg = "attribute volume_id is required" },
	{ "volume-create without device", M(VOLUME_CREATE), { STR(NAME, "x") }, .status = E(INVALID),
	  .msg = "attribute device is required" },
	{ "initialize-connection without initiator", M(INITIALIZE_CONNECTION), { VOL("$ATTACHING") },
	  .status = E(INVALID), .msg = "attribute initiator is required" },
	{ "attach without mountpoint", M(ATTACH), { VOL("$ATTACHING"), STR(INSTANCE, INSTANCE), STR(HOST, "h") },
	  .status = E(INVALID), .msg = "attribute mountpoint is required" },
	{ "terminate-connection with neither initiator nor force", M(TERMINATE_CONNECTION), { VOL("$INUSE") },
	  .status = E(INVALID), .msg = "attribute initiator is required unless force is set" },
	/* attribute types and sizes */
	{ "version as a u8", M(HELLO), { U8(VERSION, 1) }, .status = E(PROTO),
	  .msg = "attribute version: 1 bytes of payload, expected 4" },
	{ "version as a u64", M(HELLO), { { ATTACH_A_VERSION, A_RAW, "\1\0\0\0\0\0\0\0", 8 } }, .status = E(PROTO),
	  .msg = "attribute version: 8 bytes of payload, expected 4" },
	{ "mode as a u32", M(ATTACH), { VOL("$ATTACHING"), ATTACH_ARGS, U32(MODE, 0) }, .status = E(PROTO),
	  .msg = "attribute mode: 4 bytes of payload, expected 1" },
	{ "flag with a payload", M(RESERVE), { VOL("$AVAIL"), U32(DRY_RUN, 1) }, .status = E(PROTO),
	  .msg = "attribute dry_run: 4 bytes of payload, expected 0" },
	{ "volume_id as a u32", M(VOLUME_SHOW), { U32(VOLUME_ID, 1) }, .status = E(PROTO),
	  .msg = "attribute volume_id: string with an embedded NUL" },
	{ "initiator as a flag (no payload)", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), FLAG(INITIATOR) },
	  .status = E(PROTO), .msg = "attribute initiator: string without its NUL terminator" },
	{ "mode 2, neither rw nor ro", M(ATTACH), { VOL("$ATTACHING"), ATTACH_ARGS, U8(MODE, 2) }, .status = E(INVALID),
	  .msg = "attribute mode: 2 is not rw (0) or ro (1)" },
	/* strings */
	{ "string without its NUL", M(VOLUME_SHOW), { { ATTACH_A_VOLUME_ID, A_NONUL, "$AVAIL", 0 } }, .status = E(PROTO),
	  .msg = "attribute volume_id: string without its NUL terminator" },
	{ "string with an embedded NUL", M(VOLUME_CREATE), { STR(DEVICE, "$FREE"), { ATTACH_A_NAME, A_RAW, "ab\0cd", 6 } },
	  .status = E(PROTO), .msg = "attribute name: string with an embedded NUL" },
	{ "name of 256 bytes", M(VOLUME_CREATE), { STR(DEVICE, "$FREE"), REP(NAME, "", 256) }, .status = E(TOO_BIG),
	  .msg = "attribute name: longer than 255 bytes" },
	{ "device path of 1024 bytes", M(VOLUME_CREATE), { REP(DEVICE, "/", 1024) }, .status = E(TOO_BIG),
	  .msg = "attribute device: longer than 1023 bytes" },
	{ "mountpoint of 1024 bytes", M(ATTACH), { VOL("$ATTACHING"), STR(INSTANCE, INSTANCE), STR(HOST, "h"),
	  REP(MOUNTPOINT, "/", 1024) }, .status = E(TOO_BIG), .msg = "attribute mountpoint: longer than 1023 bytes" },
	{ "host of 256 bytes", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(INITIATOR, INI_A), REP(HOST, "", 256) },
	  .status = E(TOO_BIG), .msg = "attribute host: longer than 255 bytes" },
	{ "empty name", M(VOLUME_CREATE), { STR(DEVICE, "$FREE"), STR(NAME, "") }, .status = E(INVALID),
	  .msg = "attribute name: empty" },
	{ "host with a tab", M(ATTACH), { VOL("$ATTACHING"), STR(INSTANCE, INSTANCE), STR(HOST, "a\tb"),
	  STR(MOUNTPOINT, "/dev/vdb") }, .status = E(INVALID), .msg = "attribute host: contains a control character" },
	/* attribute layout */
	{ "duplicate attribute: volume_id twice", M(VOLUME_SHOW), { VOL("$AVAIL"), VOL("$INUSE") }, .status = E(PROTO),
	  .msg = "attribute volume_id given twice" },
	{ "duplicate flag: dry_run twice", M(RESERVE), { VOL("$AVAIL"), FLAG(DRY_RUN), FLAG(DRY_RUN) },
	  .status = E(PROTO), .msg = "attribute dry_run given twice" },
	{ "show_secrets on reserve", M(RESERVE), { VOL("$AVAIL"), FLAG(SHOW_SECRETS) }, .status = E(PROTO),
	  .msg = "show_secrets is not accepted by reserve" },
	{ "dry_run on volume-list", M(VOLUME_LIST), { FLAG(DRY_RUN) }, .status = E(PROTO),
	  .msg = "dry_run is not accepted by volume-list" },
	{ "unknown attribute 99", M(VOLUME_SHOW), { VOL("$AVAIL"), { 99, A_U32, NULL, 0 } }, .status = E(PROTO),
	  .msg = "attribute 99 is not accepted by volume-show" },
	{ "attribute 0", M(VOLUME_SHOW), { VOL("$AVAIL"), { 0, A_U32, NULL, 0 } }, .status = E(PROTO),
	  .msg = "attribute 0 is not accepted by volume-show" },
	{ "a reply attribute (status) in a request", M(VOLUME_SHOW), { VOL("$AVAIL"), U32(STATUS, 0) },
	  .status = E(PROTO), .msg = "status is not accepted by volume-show" },
	{ "NLA_F_NESTED on a string", M(VOLUME_SHOW), { { ATTACH_A_VOLUME_ID | NLA_F_NESTED, A_STR, "$AVAIL", 0 } },
	  .status = E(PROTO), .msg = "attribute 5: flag bits 0x8000 are not allowed" },
	{ "NLA_F_NET_BYTEORDER on a u32", M(HELLO), { { ATTACH_A_VERSION | NLA_F_NET_BYTEORDER, A_U32, NULL, 1 } },
	  .status = E(PROTO), .msg = "flag bits 0x4000 are not allowed" },
	{ "two stray bytes after the last attribute", M(HELLO), { U32(VERSION, 1) }, .stray = 2, .status = E(PROTO),
	  .msg = "2 stray bytes after the last attribute" },
	{ "last attribute not padded", M(VOLUME_SHOW), { VOL("$AVAIL") }, .nopad = true, .status = E(PROTO),
	  .msg = "the last attribute is not padded to 4 bytes" },
	{ "attribute length below its header (nla_len 2)", M(HELLO), { { ATTACH_A_VERSION, A_HDR, NULL, 2 } },
	  .status = E(PROTO), .msg = "attribute 3 claims 2 bytes where 4 remain" },
	{ "attribute longer than the message (nla_len 200)", M(HELLO), { { ATTACH_A_VERSION, A_HDR, NULL, 200 } },
	  .status = E(PROTO), .msg = "attribute 3 claims 200 bytes where 4 remain" },
	/* ids */
	{ "malformed UUID", M(RESERVE), { VOL("0000000g-0000-4000-8000-000000000000") }, .status = E(INVALID),
	  .msg = "attribute volume_id: \"0000000g-0000-4000-8000-000000000000\" is not a UUID" },
	{ "UUID of 35 characters", M(RESERVE), { VOL("00000000-0000-4000-8000-00000000000") }, .status = E(INVALID),
	  .msg = "attribute volume_id: not a UUID (36 characters)" },
	{ "UUID of 36 characters without hyphens", M(VOLUME_SHOW), { VOL("000000000000400080000000000000000000") },
	  .status = E(INVALID), .msg = "is not a UUID" },
	{ "malformed instance UUID", M(ATTACH), { VOL("$ATTACHING"), STR(INSTANCE, "not-a-uuid-but-thirty-six-chars-long"),
	  STR(HOST, "h"), STR(MOUNTPOINT, "/dev/vdb") }, .status = E(INVALID), .msg = "attribute instance: " },
	{ "malformed attachment_id", M(DETACH), { VOL("$DETACHING"), STR(ATTACHMENT_ID, "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz") },
	  .status = E(INVALID), .msg = "attribute attachment_id: " },
	{ "unknown volume id", M(RESERVE), { VOL("00000000-0000-4000-8000-000000000000") }, .status = E(NOT_FOUND),
	  .msg = "no volume 00000000-0000-4000-8000-000000000000" },
	{ "unknown volume id in upper case", M(VOLUME_SHOW), { VOL("ABCDEF00-0000-4000-8000-00000000000A") },
	  .status = E(NOT_FOUND), .msg = "no volume abcdef00-0000-4000-8000-00000000000a" },
	{ "volume-create with an existing id in upper case", M(VOLUME_CREATE), { STR(DEVICE, "$FREE"), VOL("$AVAIL_UP") },
	  .status = E(EXISTS), .msg = "volume $AVAIL already exists" },
	{ "attach with an unknown attachment id", M(ATTACH), { VOL("$ATTACHING"), ATTACH_ARGS,
	  STR(ATTACHMENT_ID, "11111111-2222-4333-8444-555555555555") }, .status = E(NOT_FOUND),
	  .msg = "attachment 11111111-2222-4333-8444-555555555555 is not the reserved attachment of volume $ATTACHING" },
	{ "detach naming another volume's attachment", M(DETACH), { VOL("$DETACHING"), STR(ATTACHMENT_ID, "$INUSE_ATT") },
	  .status = E(NOT_FOUND), .msg = "volume $DETACHING has no attachment $INUSE_ATT" },
	/* initiators */
	{ "invalid IQN (no date)", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(INITIATOR, "iqn.example.com:x") },
	  .status = E(INVALID), .msg = "attribute initiator: iqn. names need a date YYYY-MM" },
	{ "IQN of 224 bytes", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), REP(INITIATOR, "iqn.2004-10.org.example:", 224) },
	  .status = E(TOO_BIG), .msg = "attribute initiator: longer than 223 bytes" },
	{ "IQN with a newline", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(INITIATOR, INI_A "\nx") },
	  .status = E(INVALID), .msg = "attribute initiator: contains a control character" },
	{ "IQN with a slash", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(INITIATOR, INI_A "/../x") },
	  .status = E(INVALID), .msg = "attribute initiator: an iSCSI name holds only letters, digits, '-', '.' and ':'" },
	{ "IQN with a space", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(INITIATOR, "iqn.2004-10.org.example:a b") },
	  .status = E(INVALID), .msg = "an iSCSI name holds only letters" },
	{ "initiator neither iqn., eui. nor naa.", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(INITIATOR, "foo.bar") },
	  .status = E(INVALID), .msg = "must start with iqn., eui. or naa." },
	{ "eui. initiator of 15 hex digits", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(INITIATOR, "eui.0123456789abcde") },
	  .status = E(INVALID), .msg = "eui. names need exactly 16 hex digits" },
	{ "terminate-connection --force with an invalid initiator", M(TERMINATE_CONNECTION),
	  { VOL("$EXPAVAIL"), STR(INITIATOR, "iqn.bad"), FLAG(FORCE) }, .status = E(INVALID), .msg = "attribute initiator: " },
	{ "IQN in other letter case (in-use): a retry, same credentials", .custom = custom_iqn_case, .arg = "inuse" },
	{ "IQN in other letter case (attaching): a retry, same credentials", .custom = custom_iqn_case, .arg = "attaching" },
	{ "ip that is not an address", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(INITIATOR, INI_A), STR(IP, "999.1.1.1") },
	  .status = E(INVALID), .msg = "attribute ip: not an IPv4 or IPv6 address" },
	/* portals: a usage error at start (exit 2), nothing created */
	{ "attachd --portal without a port", .custom = custom_portal, .arg = "10.0.0.1", .msg = "a portal needs a port" },
	{ "attachd --portal with port 0", .custom = custom_portal, .arg = "127.0.0.1:0",
	  .msg = "the port must be a number from 1 to 65535" },
	{ "attachd --portal with port 65536", .custom = custom_portal, .arg = "127.0.0.1:65536",
	  .msg = "the port must be a number from 1 to 65535" },
	{ "attachd --portal IPv6 without brackets", .custom = custom_portal, .arg = "::1:3260",
	  .msg = "not an IPv4 address (IPv6 needs [brackets])" },
	{ "attachd --portal not an address", .custom = custom_portal, .arg = "300.1.1.1:3260", .msg = "not an IPv4 address" },
	/* devices */
	{ "device that is a regular file", M(VOLUME_CREATE), { STR(DEVICE, "$REG") }, .status = E(NOT_BLOCK),
	  .msg = "$REG is not a block device" },
	{ "device that does not exist", M(VOLUME_CREATE), { STR(DEVICE, "$MISSING") }, .status = E(NOT_FOUND),
	  .msg = "device $MISSING: no such device" },
	{ "device that is a symlink to a regular file (where it leads is not told)", M(VOLUME_CREATE),
	  { STR(DEVICE, "$LINKREG") }, .status = E(NOT_BLOCK), .msg = "$LINKREG is not a block device", .absent = "$REG" },
	{ "device that is a directory", M(VOLUME_CREATE), { STR(DEVICE, "$DIR") }, .status = E(NOT_BLOCK),
	  .msg = "is not a block device" },
	{ "device that is a character device", M(VOLUME_CREATE), { STR(DEVICE, "/dev/null") }, .status = E(NOT_BLOCK),
	  .msg = "/dev/null is not a block device" },
	{ "relative device path", M(VOLUME_CREATE), { STR(DEVICE, "disk0") }, .status = E(INVALID),
	  .msg = "attribute device: not an absolute path" },
	{ "device already used by another volume", M(VOLUME_CREATE), { STR(DEVICE, "$USED") }, .status = E(BUSY),
	  .msg = "is already volume $INUSE" },
	{ "symlink to a device already used", M(VOLUME_CREATE), { STR(DEVICE, "$LINKUSED") }, .status = E(BUSY),
	  .msg = "is already volume $INUSE" },
	{ "another node of a device already used", M(VOLUME_CREATE), { STR(DEVICE, "$ALIAS") }, .status = E(BUSY),
	  .msg = "device $ALIAS is already volume $AVAIL" },
	{ "the dm device of another volume's export", M(VOLUME_CREATE), { STR(DEVICE, "$DMINUSE") },
	  .status = E(BUSY), .msg = "is attachd's own export device of volume $INUSE" },
	{ "device whose real path exceeds 1023 bytes", M(VOLUME_CREATE), { STR(DEVICE, "$LONGLINK") },
	  .status = E(TOO_BIG), .msg = "device $LONGLINK: the path, or a link on it, is too long" },
	{ "device without a stable identity (a RAM disk)", M(VOLUME_CREATE), { STR(DEVICE, "$NOIDENT") },
	  .status = E(INVALID), .msg = "device $NOIDENT has no stable identity" },
	{ "device in use (mounted, swap, held)", M(VOLUME_CREATE), { STR(DEVICE, "$BUSYDEV") }, .status = E(BUSY),
	  .msg = "device $BUSYDEV is in use" },
	{ "device path through a directory others can write", M(VOLUME_CREATE), { STR(DEVICE, "$OPENLINK") },
	  .status = E(PERM), .msg = "passes through a directory that others can write" },
	{ "device path with a .. component", M(VOLUME_CREATE), { STR(DEVICE, "$DIR/open/../free") },
	  .status = E(INVALID), .msg = "without empty, \".\" or \"..\" components" },
	{ "device path with an empty component", M(VOLUME_CREATE), { STR(DEVICE, "$DIR//free") },
	  .status = E(INVALID), .msg = "without empty" },
	{ "device path of 600 bytes (the protocol allows 1023)", .custom = custom_long_device },
	/* states (the full matrix of refused states is generated in main) */
	{ "volume-delete while still exported", M(VOLUME_DELETE), { VOL("$EXPAVAIL") }, .status = E(BUSY),
	  .msg = "is still exported as iqn.2026-11.org.attachd:$EXPAVAIL; terminate-connection --force first" },
	{ "reserve of an in-use volume that is not multiattach", M(RESERVE), { VOL("$INUSE") }, .status = E(STATE),
	  .msg = "volume $INUSE is in-use and not multiattach; reserve expects available" },
	{ "terminate-connection --force of a volume not exported", M(TERMINATE_CONNECTION), { VOL("$AVAIL"), FLAG(FORCE) },
	  .status = E(NOT_FOUND), .msg = "volume $AVAIL is not exported" },
	{ "initialize-connection of a 2nd initiator while the reservation is connected", M(INITIALIZE_CONNECTION),
	  { VOL("$ATTACHING"), STR(INITIATOR, INI_B) }, .status = E(BUSY), .msg = "is already connected to " INI_A },
	{ "terminate-connection of an initiator that never connected", M(TERMINATE_CONNECTION),
	  { VOL("$INUSE"), STR(INITIATOR, INI_B) }, .status = E(NOT_FOUND),
	  .msg = "initiator " INI_B " has no access to volume $INUSE" },
	{ "detach twice: the retry says so", M(DETACH), { VOL("$TWICE") }, .setup = setup_detach, .status = E(ALREADY),
	  .msg = "volume $TWICE is available: attachment $TWICE_ATT was detached already (a retry?)" },
	{ "detach twice, naming the attachment: a retry, nothing changes", M(DETACH),
	  { VOL("$TWICE"), STR(ATTACHMENT_ID, "$TWICE_ATT") }, .status = ATTACH_OK, .msg = "already detached (retry)" },
	{ "reserve while attaching: names the reservation", M(RESERVE), { VOL("$ATTACHING") }, .status = E(ALREADY),
	  .msg = "volume $ATTACHING is already reserved: attachment $ATTACHING_ATT" },
	{ "attach again while in-use: a retry, nothing changes", M(ATTACH), { VOL("$INUSE"), ATTACH_ARGS },
	  .status = ATTACH_OK, .msg = "attachment $INUSE_ATT is already attached to instance " INSTANCE " (retry)" },
	{ "attach of the attached attachment with other details", M(ATTACH), { VOL("$INUSE"),
	  STR(INSTANCE, INSTANCE), STR(HOST, "compute-b"), STR(MOUNTPOINT, "/dev/vdb"), STR(ATTACHMENT_ID, "$INUSE_ATT") },
	  .status = E(ALREADY), .msg = "attachment $INUSE_ATT of volume $INUSE is already attached, to instance" },
	{ "terminate-connection --attachment of another initiator's attachment", M(TERMINATE_CONNECTION),
	  { VOL("$INUSE"), STR(INITIATOR, INI_B), STR(ATTACHMENT_ID, "$INUSE_ATT") }, .status = E(INVALID),
	  .msg = "attachment $INUSE_ATT of volume $INUSE is not connected through " INI_B " but through " INI_A },
	{ "terminate-connection --attachment of an unknown attachment", M(TERMINATE_CONNECTION),
	  { VOL("$INUSE"), STR(INITIATOR, INI_A), STR(ATTACHMENT_ID, "11111111-2222-4333-8444-555555555555") },
	  .status = E(NOT_FOUND), .msg = "volume $INUSE has no attachment 11111111-2222-4333-8444-555555555555" },
	{ "purge_unowned on anything but reconcile", M(VOLUME_LIST), { FLAG(PURGE_UNOWNED) }, .status = E(PROTO),
	  .msg = "purge_unowned is not accepted by volume-list" },
	{ "unreserve twice", M(UNRESERVE), { VOL("$UNRES") }, .setup = setup_unreserve, .status = E(STATE),
	  .msg = "volume $UNRES is available; unreserve expects attaching" },
	{ "terminate-connection twice: the retry releases nothing", M(TERMINATE_CONNECTION),
	  { VOL("$TERM"), STR(INITIATOR, INI_B) }, .setup = setup_terminate, .status = ATTACH_OK,
	  .msg = "the access of initiator " INI_B " was already removed (retry)" },
	/* connections and limits */
	{ "more clients than --max-clients", .custom = custom_max_clients },
	{ "--max-volumes reached", .custom = custom_max_volumes },
	{ "a client that closes mid-reply (large volume-list)", .custom = custom_mid_reply },
};

/* Every call with a state gate, in every state its dispatch row (agent/server/dispatch.c) refuses. */
static const struct {
	uint16_t type;
	const char *name;
	unsigned allowed; /* bits: available 1, attaching 2, in-use 4, detaching 8 */
	struct aspec extra[4];
} gated[] = {
	{ M(VOLUME_DELETE), "volume-delete", 1, { { 0 } } },
	/* in-use without multiattach, attaching (a retry?): rows of their own above */
	{ M(RESERVE), "reserve", 1 | 2 | 4, { { 0 } } },
	{ M(UNRESERVE), "unreserve", 2, { { 0 } } },
	{ M(INITIALIZE_CONNECTION), "initialize-connection", 2 | 4, { STR(INITIATOR, INI_B) } },
	{ M(ATTACH), "attach", 2 | 4, { ATTACH_ARGS } }, /* in-use: a retry, a row above */
	{ M(BEGIN_DETACHING), "begin-detaching", 4, { { 0 } } },
	{ M(ROLL_DETACHING), "roll-detaching", 8, { { 0 } } },
	{ M(DETACH), "detach", 8, { { 0 } } },
};
static const struct { const char *vol, *state; } states[] = {
	{ "$AVAIL", "available" }, { "$ATTACHING", "attaching" }, { "$INUSE", "in-use" }, { "$DETACHING", "detaching" },
};

static void run_case(void **state)
{
	const struct bad_case *c = *state;
	if (c->setup)
		c->setup();
	char *before = world_snapshot(&W);
	if (c->custom)
		c->custom(c);
	else
		run_generic(c);
	assert_true(world_alive(&W));
	world_assert_serves(&W);
	char *after = world_snapshot(&W);
	world_assert_same(&W, before, after);
	free(before);
	free(after);
}

static int case_teardown(void **state)
{
	it_close_all(state);
	if (crowd)
		world_free(crowd);
	crowd = NULL;
	return 0;
}

/* A volume on @dev taken through @steps: r reserve, i initialize-connection (@ini), a attach,
 * b begin-detaching, d detach. */
static void prepare(struct attach_client *cl, enum vol v, const char *dev, const char *steps, const char *ini,
		    struct attach_conninfo *ci)
{
	struct attach_volume_create_args va = { .device = dev };
	struct attach_connector conn = { .initiator = ini };
	struct attach_attach_args aa = { .instance = INSTANCE, .host = "compute-a", .mountpoint = "/dev/vdb" };
	struct attach_conninfo tmp;
	char att[ATTACH_UUID_LEN + 1];
	assert_int_equal(attach_volume_create(cl, &va, C.vol[v]), 0);
	for (const char *s = steps; *s; s++) {
		int rc = *s == 'r' ? attach_reserve(cl, C.vol[v], att)
			: *s == 'i' ? attach_initialize_connection(cl, C.vol[v], &conn, ci ? ci : &tmp)
			: *s == 'a' ? attach_attach(cl, C.vol[v], &aa, NULL)
			: *s == 'b' ? attach_begin_detaching(cl, C.vol[v])
			: attach_detach(cl, C.vol[v], NULL);
		if (rc)
			fail_msg("preparing %s (%c): %s", C.vol[v], *s, attach_last_message(cl));
	}
	if (strchr(steps, 'r'))
		strcpy(C.att[v], att);
	if (v == V_INUSE)
		strcpy(C.inuse_att, att);
}

static int group_setup(void **state)
{
	char p[2048];
	it_world_setup(state);
	const char *disks[V_COUNT] = { "disk0", "disk1", "disk2", "disk3", "disk4", "disk5", "disk6", "disk7" };
	char dev[V_COUNT][256];
	for (int i = 0; i < V_COUNT; i++)
		world_dev(&W, disks[i], 100 + (unsigned)i, dev[i], sizeof(dev[i]));
	world_dev(&W, "free", 120, C.free_dev, sizeof(C.free_dev));
	world_dev(&W, "alias0", 100, C.alias, sizeof(C.alias)); /* disk0's number under another name */
	strcpy(C.disk0, dev[0]);
	strcpy(C.used, dev[V_INUSE]);
	world_path(&W, C.reg, sizeof(C.reg), "regular");
	world_path(&W, C.linkreg, sizeof(C.linkreg), "link-to-regular");
	world_path(&W, C.linkused, sizeof(C.linkused), "link-to-used");
	world_path(&W, C.missing, sizeof(C.missing), "no-such-device");
	world_path(&W, C.longlink, sizeof(C.longlink), "link-to-long");
	assert_int_equal(it_run("echo data > %s && ln -s %s %s && ln -s %s %s", C.reg, C.reg, C.linkreg, C.used,
				C.linkused), 0);
	/* a block device whose canonical path is over ATTACH_PATH_MAX, reached through a short link */
	int len = snprintf(p, sizeof(p), "%s", W.dir);
	for (int i = 0; i < 5; i++) {
		len += snprintf(p + len, sizeof(p) - (size_t)len, "/%0220d", i);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	strcat(p, "/disk");
	assert_int_equal(mknod(p, S_IFBLK | 0600, makedev(7, 121)), 0);
	assert_int_equal(symlink(p, C.longlink), 0);
	len = snprintf(C.long600, sizeof(C.long600), "%s/%0250d", W.dir, 0);
	assert_int_equal(mkdir(C.long600, 0755), 0);
	len += snprintf(C.long600 + len, sizeof(C.long600) - (size_t)len, "/%0250d", 1);
	assert_int_equal(mkdir(C.long600, 0755), 0);
	snprintf(C.long600 + len, sizeof(C.long600) - (size_t)len, "/%090d", 2);
	assert_int_equal(mknod(C.long600, S_IFBLK | 0600, makedev(7, 122)), 0);

	/* a disk without identity, one in use, and a link in a directory anyone can write */
	world_dev(&W, "noident", 123, C.noident, sizeof(C.noident));
	world_dev(&W, "busy", 124, C.busydev, sizeof(C.busydev));
	assert_int_equal(it_run("echo - > %s/ident-7:123 && touch %s/busy-7:124 && mkdir -m 0777 %s/open && "
				"ln -s %s %s/open/disk", W.dm, W.dm, W.dir, C.free_dev, W.dir), 0);
	snprintf(C.openlink, sizeof(C.openlink), "%s/open/disk", W.dir);

	main_start(NULL, NULL);
	struct attach_client *cl = world_client(&W);
	prepare(cl, V_AVAIL, dev[V_AVAIL], "", NULL, NULL);
	prepare(cl, V_ATTACHING, dev[V_ATTACHING], "ri", INI_A, &C.ci_attaching);
	prepare(cl, V_INUSE, dev[V_INUSE], "ria", INI_A, &C.ci_inuse);
	prepare(cl, V_DETACHING, dev[V_DETACHING], "riab", INI_A, NULL);
	prepare(cl, V_EXPAVAIL, dev[V_EXPAVAIL], "riabd", INI_A, NULL);
	prepare(cl, V_TWICE, dev[V_TWICE], "rab", NULL, NULL);
	prepare(cl, V_UNRES, dev[V_UNRES], "r", NULL, NULL);
	prepare(cl, V_TERM, dev[V_TERM], "ria", INI_B, NULL);
	world_client_free(cl);
	snprintf(C.dm_inuse, sizeof(C.dm_inuse), "%s/attachd-%s", W.dm, C.vol[V_INUSE]);
	for (int i = 0; i <= ATTACH_UUID_LEN; i++)
		C.avail_up[i] = (char)toupper((unsigned char)C.vol[V_AVAIL][i]);
	return 0;
}

int main(void)
{
	size_t n_fixed = sizeof(cases) / sizeof(cases[0]), n = n_fixed;
	struct bad_case *gen = calloc(32, sizeof(*gen));
	struct CMUnitTest *tests = calloc(n_fixed + 32 + 1, sizeof(*tests));
	size_t g = 0;
	for (size_t i = 0; i < sizeof(gated) / sizeof(gated[0]); i++) {
		for (size_t s = 0; s < 4; s++) {
			if (gated[i].allowed & (1u << s))
				continue;
			struct bad_case *c = &gen[g++];
			char *name, *msg;
			if (asprintf(&name, "%s while %s", gated[i].name, states[s].state) < 0 ||
			    asprintf(&msg, "volume %s is %s; %s expects", states[s].vol, states[s].state, gated[i].name) < 0)
				return 1;
			c->name = name;
			c->type = gated[i].type;
			c->a[0] = (struct aspec){ ATTACH_A_VOLUME_ID, A_STR, states[s].vol, 0 };
			memcpy(&c->a[1], gated[i].extra, sizeof(gated[i].extra));
			c->status = ATTACH_E_STATE;
			c->msg = msg;
		}
	}
	for (size_t i = 0; i < n_fixed + g; i++) {
		const struct bad_case *c = i < n_fixed ? &cases[i] : &gen[i - n_fixed];
		tests[i] = (struct CMUnitTest){ .name = c->name, .test_func = run_case, .teardown_func = case_teardown,
						.initial_state = (void *)c };
	}
	n += g;
	tests[n] = (struct CMUnitTest){ .name = "the agent exits cleanly on SIGTERM", .test_func = test_clean_exit };
	printf("# test_badinput: %zu bad-input cases\n", n);
	fflush(stdout);
	signal(SIGPIPE, SIG_IGN);
	return _cmocka_run_group_tests("test_badinput", tests, n + 1, group_setup, it_world_teardown);
}
