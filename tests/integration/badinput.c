/* SPDX-License-Identifier: Apache-2.0 */
/*
 * badinput.c: the runner of the test_badinput_*.c programs (see badinput.h): the world every case runs
 * on (volumes in each state, devices of every wrong kind), the tokens of the case tables, the bytes of a
 * crafted request, and one test per row that checks the reply, that the agent still serves and that
 * nothing changed.
 */
#include <ctype.h>

#include "badinput.h"

struct bad_world BAD;
struct world *bad_crowd;

static const char *tok(const char *name, size_t len)
{
	static const struct { const char *name; const char *s; } t[] = {
#define T(n, f) { n, BAD.f }
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

void expect_reply(const struct rmsg *r, uint16_t type, uint32_t seq, uint32_t status, const char *pattern)
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

void run_generic(const struct bad_case *c)
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

void bad_agent_start(const char *opt, const char *val)
{
	assert_int_equal(world_start(&W, "--request-timeout", TIMEOUT_MS, "--max-clients", "16", opt, val, NULL), 0);
}

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
	if (bad_crowd)
		world_free(bad_crowd);
	bad_crowd = NULL;
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
	assert_int_equal(attach_volume_create(cl, &va, BAD.vol[v]), 0);
	for (const char *s = steps; *s; s++) {
		int rc = *s == 'r' ? attach_reserve(cl, BAD.vol[v], att)
			: *s == 'i' ? attach_initialize_connection(cl, BAD.vol[v], &conn, ci ? ci : &tmp)
			: *s == 'a' ? attach_attach(cl, BAD.vol[v], &aa, NULL)
			: *s == 'b' ? attach_begin_detaching(cl, BAD.vol[v])
			: attach_detach(cl, BAD.vol[v], NULL);
		if (rc)
			fail_msg("preparing %s (%c): %s", BAD.vol[v], *s, attach_last_message(cl));
	}
	if (strchr(steps, 'r'))
		strcpy(BAD.att[v], att);
	if (v == V_INUSE)
		strcpy(BAD.inuse_att, att);
}

static int group_setup(void **state)
{
	char p[2048];
	it_world_setup(state);
	const char *disks[V_COUNT] = { "disk0", "disk1", "disk2", "disk3", "disk4", "disk5", "disk6", "disk7" };
	char dev[V_COUNT][256];
	for (int i = 0; i < V_COUNT; i++)
		world_dev(&W, disks[i], 100 + (unsigned)i, dev[i], sizeof(dev[i]));
	world_dev(&W, "free", 120, BAD.free_dev, sizeof(BAD.free_dev));
	world_dev(&W, "alias0", 100, BAD.alias, sizeof(BAD.alias)); /* disk0's number under another name */
	strcpy(BAD.disk0, dev[0]);
	strcpy(BAD.used, dev[V_INUSE]);
	world_path(&W, BAD.reg, sizeof(BAD.reg), "regular");
	world_path(&W, BAD.linkreg, sizeof(BAD.linkreg), "link-to-regular");
	world_path(&W, BAD.linkused, sizeof(BAD.linkused), "link-to-used");
	world_path(&W, BAD.missing, sizeof(BAD.missing), "no-such-device");
	world_path(&W, BAD.longlink, sizeof(BAD.longlink), "link-to-long");
	assert_int_equal(it_run("echo data > %s && ln -s %s %s && ln -s %s %s", BAD.reg, BAD.reg, BAD.linkreg, BAD.used,
				BAD.linkused), 0);
	/* a block device whose canonical path is over ATTACH_PATH_MAX, reached through a short link */
	int len = snprintf(p, sizeof(p), "%s", W.dir);
	for (int i = 0; i < 5; i++) {
		len += snprintf(p + len, sizeof(p) - (size_t)len, "/%0220d", i);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	strcat(p, "/disk");
	assert_int_equal(mknod(p, S_IFBLK | 0600, makedev(7, 121)), 0);
	assert_int_equal(symlink(p, BAD.longlink), 0);
	len = snprintf(BAD.long600, sizeof(BAD.long600), "%s/%0250d", W.dir, 0);
	assert_int_equal(mkdir(BAD.long600, 0755), 0);
	len += snprintf(BAD.long600 + len, sizeof(BAD.long600) - (size_t)len, "/%0250d", 1);
	assert_int_equal(mkdir(BAD.long600, 0755), 0);
	snprintf(BAD.long600 + len, sizeof(BAD.long600) - (size_t)len, "/%090d", 2);
	assert_int_equal(mknod(BAD.long600, S_IFBLK | 0600, makedev(7, 122)), 0);

	/* a disk without identity, one in use, and a link in a directory anyone can write */
	world_dev(&W, "noident", 123, BAD.noident, sizeof(BAD.noident));
	world_dev(&W, "busy", 124, BAD.busydev, sizeof(BAD.busydev));
	assert_int_equal(it_run("echo - > %s/ident-7:123 && touch %s/busy-7:124 && mkdir -m 0777 %s/open && "
				"ln -s %s %s/open/disk", W.dm, W.dm, W.dir, BAD.free_dev, W.dir), 0);
	snprintf(BAD.openlink, sizeof(BAD.openlink), "%s/open/disk", W.dir);

	bad_agent_start(NULL, NULL);
	struct attach_client *cl = world_client(&W);
	prepare(cl, V_AVAIL, dev[V_AVAIL], "", NULL, NULL);
	prepare(cl, V_ATTACHING, dev[V_ATTACHING], "ri", INI_A, &BAD.ci_attaching);
	prepare(cl, V_INUSE, dev[V_INUSE], "ria", INI_A, &BAD.ci_inuse);
	prepare(cl, V_DETACHING, dev[V_DETACHING], "riab", INI_A, NULL);
	prepare(cl, V_EXPAVAIL, dev[V_EXPAVAIL], "riabd", INI_A, NULL);
	prepare(cl, V_TWICE, dev[V_TWICE], "rab", NULL, NULL);
	prepare(cl, V_UNRES, dev[V_UNRES], "r", NULL, NULL);
	prepare(cl, V_TERM, dev[V_TERM], "ria", INI_B, NULL);
	world_client_free(cl);
	snprintf(BAD.dm_inuse, sizeof(BAD.dm_inuse), "%s/attachd-%s", W.dm, BAD.vol[V_INUSE]);
	for (int i = 0; i <= ATTACH_UUID_LEN; i++)
		BAD.avail_up[i] = (char)toupper((unsigned char)BAD.vol[V_AVAIL][i]);
	return 0;
}

int badinput_main(const char *name, const struct bad_case *cases, size_t n)
{
	struct CMUnitTest *tests = calloc(n + 1, sizeof(*tests));
	if (!tests)
		return 1;
	for (size_t i = 0; i < n; i++)
		tests[i] = (struct CMUnitTest){ .name = cases[i].name, .test_func = run_case,
						.teardown_func = case_teardown, .initial_state = (void *)&cases[i] };
	tests[n] = (struct CMUnitTest){ .name = "the agent exits cleanly on SIGTERM", .test_func = test_clean_exit };
	printf("# %s: %zu bad-input cases\n", name, n);
	fflush(stdout);
	signal(SIGPIPE, SIG_IGN);
	return _cmocka_run_group_tests(name, tests, n + 1, group_setup, it_world_teardown);
}
