/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_stats.c: the stats call against a real attachd (build/attachd-sim) through libattach: counters
 * that move by exactly the calls made (some failing, one of a type that is no call), histograms that are
 * cumulative and count every call, the store's counts, the reconciles at start and on demand, the
 * sessions the kernel shows (logins made with the simulator), what survives a restart (the records) and
 * what does not (the counters, the start time), and what a stats call costs with 32 exports.
 */
#include "itest.h"

#define NO_VOLUME "0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b"
#define NEXPORTS 32

static char DEV[NEXPORTS + 2][256];

static int setup(void **state)
{
	it_world_setup(state);
	for (unsigned i = 0; i < NEXPORTS + 2; i++) {
		char name[16];
		snprintf(name, sizeof(name), "disk%u", i);
		world_dev(&W, name, 100 + i, DEV[i], sizeof(DEV[i]));
	}
	assert_int_equal(world_start(&W, "--no-dm", NULL), 0);
	return 0;
}

static struct attach_stats *stats(struct attach_client *c)
{
	struct attach_stats *s = NULL;
	if (attach_stats(c, &s))
		fail_msg("stats: %s", attach_last_message(c));
	return s;
}

static const struct attach_stats_call *row(const struct attach_stats *s, const char *name)
{
	for (size_t i = 0; i < s->n_calls; i++)
		if (!strcmp(s->calls[i].name, name))
			return &s->calls[i];
	fail_msg("no counters for %s", name);
	return NULL;
}

static uint64_t status_count(const struct attach_stats_call *c, uint32_t status)
{
	for (size_t k = 0; k < c->n_statuses; k++)
		if (c->statuses[k].status == status)
			return c->statuses[k].count;
	return 0;
}

/* Every row: the statuses add up to the count; the buckets rise and never pass it. */
static void assert_consistent(const struct attach_stats *s)
{
	for (size_t i = 0; i < s->n_calls; i++) {
		const struct attach_stats_call *c = &s->calls[i];
		uint64_t sum = 0;
		for (size_t k = 0; k < c->n_statuses; k++)
			sum += c->statuses[k].count;
		assert_int_equal(sum, c->count);
		assert_int_equal(c->n_buckets, 16);
		for (size_t k = 0; k < c->n_buckets; k++) {
			assert_true(k == 0 || c->buckets[k].le_us > c->buckets[k - 1].le_us);
			assert_true(k == 0 || c->buckets[k].count >= c->buckets[k - 1].count);
			assert_true(c->buckets[k].count <= c->count);
		}
	}
}

/* A request of a type that is no call, on a connection of its own (it says hello first). */
static void unknown_request(void)
{
	int fd = raw_connect(W.sock);
	assert_true(fd >= 0);
	raw_hello(fd, 1);
	struct mb m;
	mb_start(&m, 0x30, NLM_F_REQUEST, 2);
	raw_send(fd, m.b, mb_end(&m, 0));
	struct rmsg r;
	assert_int_equal(raw_recv(fd, &r), 1);
	assert_int_equal(r.status, ATTACH_E_UNKNOWN_CALL);
	rmsg_free(&r);
	raw_close(fd);
}

struct delta {
	const char *call;
	uint32_t status;
	uint64_t n;
};

/* Each row's count moved by exactly what @d says (nothing else moved), and so did its statuses and its
 * last bucket (every call here takes less than 10 s). */
static void assert_deltas(const struct attach_stats *a, const struct attach_stats *b, const struct delta *d, size_t nd)
{
	assert_int_equal(a->n_calls, b->n_calls);
	for (size_t i = 0; i < b->n_calls; i++) {
		const struct attach_stats_call *x = &a->calls[i], *y = &b->calls[i];
		uint64_t want = 0;
		assert_string_equal(x->name, y->name);
		for (size_t k = 0; k < nd; k++) {
			if (strcmp(d[k].call, y->name))
				continue;
			want += d[k].n;
			assert_int_equal(status_count(y, d[k].status) - status_count(x, d[k].status), d[k].n);
		}
		if (y->count - x->count != want)
			fail_msg("%s: counted %llu more, expected %llu", y->name,
				 (unsigned long long)(y->count - x->count), (unsigned long long)want);
		assert_int_equal(y->buckets[15].count - x->buckets[15].count, want);
		assert_true(want ? y->sum_us > x->sum_us : y->sum_us == x->sum_us);
	}
}

static void test_counters_move(void **state)
{
	(void)state;
	struct attach_client *c = world_client(&W);
	struct attach_volume_info *v;
	char vol[ATTACH_UUID_LEN + 1], att[ATTACH_UUID_LEN + 1];
	size_t n;
	struct attach_stats *s0 = stats(c);
	assert_consistent(s0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(attach_volume_list(c, &v, &n), 0);
		attach_volume_list_free(v, n);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(attach_volume_show(c, NO_VOLUME, false, &v), -ENOENT);
	assert_int_equal(attach_reserve(c, NO_VOLUME, att), -ENOENT);
	it_volume_on(c, DEV[NEXPORTS + 1], vol);
	assert_int_equal(attach_reserve(c, vol, att), 0);
	assert_int_equal(attach_reserve(c, vol, att), -EALREADY);
	assert_int_equal(attach_unreserve(c, vol), 0);
	unknown_request();
	struct attach_stats *s1 = stats(c);
	assert_consistent(s1);
	const struct delta want[] = {
		{ "stats", ATTACH_OK, 1 }, /* s0's own call: counted once its reply was built */
		{ "volume-list", ATTACH_OK, 3 },
		{ "volume-show", ATTACH_E_NOT_FOUND, 2 },
		{ "reserve", ATTACH_E_NOT_FOUND, 1 },
		{ "reserve", ATTACH_OK, 1 },
		{ "reserve", ATTACH_E_ALREADY, 1 },
		{ "volume-create", ATTACH_OK, 1 },
		{ "unreserve", ATTACH_OK, 1 },
		{ "hello", ATTACH_OK, 1 },       /* the raw connection's */
		{ "unknown", ATTACH_E_UNKNOWN_CALL, 1 },
	};
	assert_deltas(s0, s1, want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(s1->start_time, s0->start_time);
	assert_int_equal(s1->volumes, s0->volumes + 1);
	assert_int_equal(attach_volume_delete(c, vol), 0);
	attach_stats_free(s0);
	attach_stats_free(s1);
	world_client_free(c);
}

static const struct attach_stats_export *export_of(const struct attach_stats *s, const char *vol)
{
	for (size_t i = 0; i < s->n_export_stats; i++)
		if (!strcmp(s->export_stats[i].volume_id, vol))
			return &s->export_stats[i];
	fail_msg("no export statistics for %s", vol);
	return NULL;
}

static char VOL0[ATTACH_UUID_LEN + 1];

/* sim-setup --login/--logout: an initiator logs in to (out of) the volume's target. */
static void session(const char *how, const char *vol, const char *ini)
{
	assert_int_equal(it_run("%s/tests/sim-setup --%s %s iqn.2026-11.org.attachd:%s %s", it_build(), how, W.cfs,
				vol, ini), 0);
}

/* The export's sessions as the stats call reports them: the count, and whether each initiator is in. */
static void assert_sessions(struct attach_client *c, unsigned n, int a_in, int b_in)
{
	struct attach_stats *s = stats(c);
	const struct attach_stats_export *x = export_of(s, VOL0);
	assert_true(x->sessions_read);
	assert_int_equal(x->sessions, n);
	assert_null(x->down);
	assert_int_equal(x->n_initiators, (a_in >= 0) + (b_in >= 0));
	for (size_t k = 0; k < x->n_initiators; k++) {
		bool a = !strcmp(x->initiators[k].initiator, INI_A);
		assert_int_equal(x->initiators[k].logged_in, a ? a_in : b_in);
	}
	attach_stats_free(s);
}

static void test_records_and_sessions(void **state)
{
	(void)state;
	struct attach_client *c = world_client(&W);
	struct attach_conninfo ci;
	it_volume_on(c, DEV[0], VOL0);
	it_export_to(c, VOL0, INI_A, &ci);
	assert_sessions(c, 0, 0, -1);
	session("login", VOL0, INI_A);
	assert_sessions(c, 1, 1, -1);
	struct attach_connector conn = { .initiator = INI_B };
	assert_int_equal(attach_initialize_connection(c, VOL0, &conn, &ci), 0);
	assert_sessions(c, 1, 1, 0);
	session("login", VOL0, INI_B);
	assert_sessions(c, 2, 1, 1);
	assert_int_equal(attach_terminate_connection(c, VOL0, INI_B, false), 0); /* its ACL goes, its session too */
	assert_sessions(c, 1, 1, -1);
	session("logout", VOL0, INI_A);
	assert_sessions(c, 0, 0, -1);
	struct attach_stats *s = stats(c);
	assert_int_equal(s->volumes, 1);
	assert_int_equal(s->exports, 1);
	assert_int_equal(s->acls, 1);
	assert_int_equal(s->attachments, 1);
	assert_int_equal(s->intents, 0);
	attach_stats_free(s);
	world_client_free(c);
}

static void test_reconciles(void **state)
{
	(void)state;
	struct attach_client *c = world_client(&W);
	struct attach_stats *s = stats(c);
	assert_true(s->at_start.ran);
	assert_int_equal(s->at_start.status, ATTACH_OK);
	assert_int_equal(s->at_start.differences, 0);
	assert_true(s->at_start.time >= s->start_time);
	assert_false(s->last_call.ran);
	attach_stats_free(s);
	attach_set_dry_run(c, true); /* a dry run changes nothing: not the last reconcile */
	assert_int_equal(attach_reconcile(c), 0);
	attach_set_dry_run(c, false);
	s = stats(c);
	assert_false(s->last_call.ran);
	attach_stats_free(s);
	/* the initiator's ACL lost from the kernel: the reconcile call puts it back */
	assert_int_equal(it_run("rm -rf '%s/target/iscsi/iqn.2026-11.org.attachd:%s/tpgt_1/acls/%s'", W.cfs, VOL0,
				INI_A), 0);
	uint64_t t0 = (uint64_t)time(NULL);
	assert_int_equal(attach_reconcile(c), 0);
	s = stats(c);
	assert_true(s->last_call.ran);
	assert_int_equal(s->last_call.status, ATTACH_OK);
	assert_true(s->last_call.differences >= 1);
	assert_int_equal(s->last_call.fixed, s->last_call.differences);
	assert_int_equal(s->last_call.failed, 0);
	assert_int_equal(s->last_call.removed, 0);
	assert_true(s->last_call.time >= t0 && s->last_call.time <= (uint64_t)time(NULL));
	assert_true(s->last_call.duration_us > 0);
	assert_true(export_of(s, VOL0)->n_initiators == 1);
	attach_stats_free(s);
	world_client_free(c);
}

/* 32 exports: every one listed with its sessions, and what a stats call costs (its own histogram's mean,
 * against volume-list's on the same records), reported as a TAP comment. */
static void test_cost_32_exports(void **state)
{
	(void)state;
	struct attach_client *c = world_client(&W);
	for (unsigned i = 1; i < NEXPORTS; i++) {
		char vol[ATTACH_UUID_LEN + 1];
		struct attach_conninfo ci;
		it_volume_on(c, DEV[i], vol);
		it_export_to(c, vol, INI_A, &ci);
	}
	enum { ROUNDS = 20 };
	struct attach_stats *s0 = stats(c), *s = NULL;
	assert_int_equal(s0->n_export_stats, NEXPORTS);
	struct attach_volume_info *v;
	size_t n;
	for (int i = 0; i < ROUNDS; i++) {
		assert_int_equal(attach_volume_list(c, &v, &n), 0);
		attach_volume_list_free(v, n);
		attach_stats_free(s);
		s = stats(c);
	}
	for (size_t i = 0; i < s->n_export_stats; i++) {
		assert_true(s->export_stats[i].sessions_read);
		assert_int_equal(s->export_stats[i].n_initiators, 1);
	}
	assert_int_equal(s->exports, NEXPORTS);
	/* s counts the first ROUNDS - 1 stats calls after s0, and s0 itself */
	const struct attach_stats_call *a = row(s0, "stats"), *b = row(s, "stats");
	const struct attach_stats_call *la = row(s0, "volume-list"), *lb = row(s, "volume-list");
	assert_int_equal(b->count - a->count, ROUNDS);
	print_message("# a stats call with %d exports: %.0f us on average; volume-list: %.0f us (simulator)\n",
		      NEXPORTS, (double)(b->sum_us - a->sum_us) / ROUNDS,
		      (double)(lb->sum_us - la->sum_us) / (double)(lb->count - la->count));
	attach_stats_free(s0);
	attach_stats_free(s);
	world_client_free(c);
}

/* A restart keeps what the store has and nothing of the counters: they start again with the process. */
static void test_restart(void **state)
{
	(void)state;
	struct attach_client *c = world_client(&W);
	struct attach_stats *s0 = stats(c);
	world_client_free(c);
	assert_int_equal(world_stop(&W), 0);
	assert_int_equal(world_start(&W, "--no-dm", NULL), 0);
	c = world_client(&W);
	struct attach_stats *s1 = stats(c);
	assert_true(s1->start_time >= s0->start_time);
	for (size_t i = 0; i < s1->n_calls; i++) {
		const struct attach_stats_call *k = &s1->calls[i];
		uint64_t want = !strcmp(k->name, "hello"); /* this client's; this stats call is not counted yet */
		assert_int_equal(k->count, want);
		assert_int_equal(k->buckets[15].count, want);
	}
	assert_int_equal(s1->volumes, s0->volumes);
	assert_int_equal(s1->exports, s0->exports);
	assert_int_equal(s1->acls, s0->acls);
	assert_int_equal(s1->attachments, s0->attachments);
	assert_int_equal(s1->n_export_stats, s0->n_export_stats);
	assert_true(s1->at_start.ran); /* this start's reconcile: nothing to do, the kernel kept the exports */
	assert_int_equal(s1->at_start.differences, 0);
	assert_false(s1->last_call.ran);
	attach_stats_free(s0);
	attach_stats_free(s1);
	world_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_counters_move, it_close_all),
		cmocka_unit_test_teardown(test_records_and_sessions, it_close_all),
		cmocka_unit_test_teardown(test_reconciles, it_close_all),
		cmocka_unit_test_teardown(test_cost_32_exports, it_close_all),
		cmocka_unit_test_teardown(test_restart, it_close_all),
		cmocka_unit_test(test_clean_exit),
	};
	return cmocka_run_group_tests_name("stats", tests, setup, it_world_teardown);
}
