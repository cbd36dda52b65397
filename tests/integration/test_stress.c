/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_stress.c: 64 concurrent clients (threads, one libattach connection each, reconnecting every 25
 * calls) against one agent. Each takes its own volume through Cinder's cycle again and again (reserve,
 * initialize-connection and its retry, attach, begin-detaching, terminate-connection, detach) between
 * volume-show and volume-list calls. Asserted: no call fails; the agent's descriptors come back to their
 * count before the run; its anonymous memory grows by less than a small bound between a warm-up round
 * and the end; the kernel tree and the dm directory end as they started (every export torn down).
 *
 * STRESS_ANON_KB: the growth bound (default 1024 kB; 0: not checked).
 * STRESS_CALLS calls per client (default 100) and STRESS_READS reads after each cycle (default 93: one
 * cycle per client in make check). make stress runs 1000 calls with 3 reads per cycle (the heaviest mix).
 * Mutating calls are slow on the configfs simulator: it walks the whole tree on every link change, so
 * each step costs more the more exports exist at once (64 here).
 */
#include <pthread.h>

#include "itest.h"

#define N_CLIENTS 64
#define CYCLE 7         /* calls in one cycle (worker_cycle) */
#define RECONNECT 25    /* calls per connection */

struct worker {
	int idx;
	char vol[ATTACH_UUID_LEN + 1];
	char ini[64];
	long calls;    /* to make */
	long reads;    /* read calls after each cycle */
	long done;
	char error[512]; /* the first unexpected result */
};

static struct worker WK[N_CLIENTS];
/* Every round starts and ends with all 64 connections open at once, so the warm-up reaches the agent's
 * peak of per-connection buffers, and growth after it means something. */
static pthread_barrier_t start_line, finish_line;

#define STEP(wk, c, name, expr)                                                                          \
	do {                                                                                             \
		int rc_ = (expr);                                                                        \
		(wk)->done++;                                                                            \
		if (rc_) {                                                                               \
			snprintf((wk)->error, sizeof((wk)->error), "%s (call %ld): %s", name, (wk)->done,  \
				 attach_last_message(c));                                                \
			return -1;                                                                       \
		}                                                                                        \
	} while (0)

static struct attach_client *worker_connect(struct worker *wk)
{
	struct attach_client *c = attach_client_new();
	if (c && attach_connect(c, W.sock)) {
		snprintf(wk->error, sizeof(wk->error), "connect: %s", attach_last_message(c));
		attach_client_free(c);
		return NULL;
	}
	return c;
}

/* Cinder's cycle on the worker's own volume: CYCLE calls, ending where it started (available). */
static int worker_cycle(struct worker *wk, struct attach_client *c)
{
	struct attach_connector conn = { .initiator = wk->ini, .host = "compute", .ip = "192.0.2.9" };
	struct attach_attach_args aa = { .instance = INSTANCE, .host = "compute", .mountpoint = "/dev/vdb" };
	struct attach_conninfo ci, again;
	char att[ATTACH_UUID_LEN + 1];
	STEP(wk, c, "reserve", attach_reserve(c, wk->vol, att));
	STEP(wk, c, "initialize-connection", attach_initialize_connection(c, wk->vol, &conn, &ci));
	STEP(wk, c, "initialize-connection retry", attach_initialize_connection(c, wk->vol, &conn, &again));
	bool same = !strcmp(ci.auth_password, again.auth_password) && !strcmp(ci.target_iqn, again.target_iqn);
	attach_conninfo_clear(&ci);
	attach_conninfo_clear(&again);
	if (!same) {
		snprintf(wk->error, sizeof(wk->error), "the retry returned other credentials");
		return -1;
	}
	STEP(wk, c, "attach", attach_attach(c, wk->vol, &aa, NULL));
	STEP(wk, c, "begin-detaching", attach_begin_detaching(c, wk->vol));
	STEP(wk, c, "terminate-connection", attach_terminate_connection(c, wk->vol, wk->ini, false));
	STEP(wk, c, "detach", attach_detach(c, wk->vol, NULL));
	return 0;
}

/* Read call number @i: the worker's volume (available between cycles), the list, a neighbour's. */
static int worker_read(struct worker *wk, struct attach_client *c, long i)
{
	struct attach_volume_info *v;
	size_t n;
	switch (i % 3) {
	case 0:
		STEP(wk, c, "volume-show", attach_volume_show(c, wk->vol, false, &v));
		n = v->state == ATTACH_STATE_AVAILABLE && !v->exported && !v->n_attachments;
		attach_volume_info_free(v);
		if (!n) {
			snprintf(wk->error, sizeof(wk->error), "volume-show: not available after a cycle");
			return -1;
		}
		return 0;
	case 1:
		STEP(wk, c, "volume-list", attach_volume_list(c, &v, &n));
		attach_volume_list_free(v, n);
		if (n != N_CLIENTS) {
			snprintf(wk->error, sizeof(wk->error), "volume-list: %zu volumes", n);
			return -1;
		}
		return 0;
	default:
		STEP(wk, c, "volume-show (neighbour)", attach_volume_show(c, WK[(wk->idx + 1) % N_CLIENTS].vol, true, &v));
		attach_volume_info_free(v);
		return 0;
	}
}

static void *worker_run(void *arg)
{
	struct worker *wk = arg;
	struct attach_client *c = NULL;
	/* staggered: worker i starts with a share of the reads, so cycles overlap less (each export on the
	 * simulator makes every other client's steps slower); reads < 0: reads only */
	long since = 0, reads = wk->reads - wk->idx * wk->reads / N_CLIENTS;
	wk->done = 0;
	c = worker_connect(wk);
	pthread_barrier_wait(&start_line);
	while (c && wk->done < wk->calls && !wk->error[0]) {
		if (since >= RECONNECT) {
			attach_client_free(c);
			if (!(c = worker_connect(wk)))
				break;
			since = 0;
		}
		long before = wk->done;
		int rc;
		if (wk->reads >= 0 && reads >= wk->reads && wk->calls - wk->done >= CYCLE) {
			rc = worker_cycle(wk, c);
			reads = 0;
		} else {
			rc = worker_read(wk, c, reads++);
		}
		if (rc)
			break;
		since += wk->done - before;
	}
	struct attach_volume_info *v;
	size_t n;
	if (c && !wk->error[0] && !attach_volume_list(c, &v, &n)) /* the biggest reply, on every connection */
		attach_volume_list_free(v, n);
	pthread_barrier_wait(&finish_line);
	attach_client_free(c);
	return NULL;
}

/* All workers, @calls each, a cycle then @reads reads (-1: reads only); 0 or how many failed. */
static int run_round(long calls, long reads)
{
	pthread_t t[N_CLIENTS];
	int failed = 0;
	assert_int_equal(pthread_barrier_init(&start_line, NULL, N_CLIENTS), 0);
	assert_int_equal(pthread_barrier_init(&finish_line, NULL, N_CLIENTS), 0);
	for (int i = 0; i < N_CLIENTS; i++) {
		WK[i].calls = calls;
		WK[i].reads = reads;
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &WK[i]), 0);
	}
	for (int i = 0; i < N_CLIENTS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		if (WK[i].error[0]) {
			printf("# client %d: %s\n", i, WK[i].error);
			failed++;
		}
	}
	pthread_barrier_destroy(&start_line);
	pthread_barrier_destroy(&finish_line);
	return failed;
}

static void test_stress(void **state)
{
	(void)state;
	const char *env = getenv("STRESS_CALLS"), *renv = getenv("STRESS_READS");
	long calls = env ? atol(env) : 100, reads = renv ? atol(renv) : 93;
	assert_true(calls >= CYCLE && reads >= 0);
	char *tree0 = it_capture("%s/tests/sim-setup --dump %s", it_build(), W.cfs);
	assert_non_null(tree0);
	int fd0 = proc_settled_fds(W.agent);

	/* warm-up, reads only: every connection's buffers and the biggest replies reach their working size */
	assert_int_equal(run_round(30, -1), 0);
	/* and the mutating path's allocations, with every client's call in flight at once (the agent's
	 * threads, agent/server/flight.h) */
	assert_int_equal(run_round(CYCLE, 0), 0);
	assert_int_equal(proc_wait_fds(W.agent, fd0), fd0);
	long anon0 = proc_status_kb(W.agent, "RssAnon:"), rss0 = proc_status_kb(W.agent, "VmRSS:");

	uint64_t t0 = it_now_ms();
	assert_int_equal(run_round(calls, reads), 0);
	uint64_t ms = it_now_ms() - t0;
	long total = 0;
	for (int i = 0; i < N_CLIENTS; i++)
		total += WK[i].done;
	int fd1 = proc_wait_fds(W.agent, fd0);
	long anon1 = proc_status_kb(W.agent, "RssAnon:"), rss1 = proc_status_kb(W.agent, "VmRSS:");
	printf("# %d clients x %ld calls (a cycle of %d, then %ld reads): %ld calls in %.1f s (%.0f calls/s); "
	       "agent fds %d -> %d; RssAnon %ld -> %ld kB; VmRSS %ld -> %ld kB\n", N_CLIENTS, calls, CYCLE, reads, total, ms / 1000.0,
	       total * 1000.0 / (double)(ms ? ms : 1), fd0, fd1, anon0, anon1, rss0, rss1);
	assert_int_equal(fd1, fd0);
	/* STRESS_ANON_KB=0 under ASan (its quarantine keeps freed memory) and valgrind, which check leaks
	 * themselves */
	const char *bound = getenv("STRESS_ANON_KB");
	long max_kb = bound ? atol(bound) : 1024;
	if (max_kb && anon1 - anon0 >= max_kb)
		fail_msg("the agent's anonymous memory grew by %ld kB (bound %ld kB)", anon1 - anon0, max_kb);

	/* every export torn down: the tree as it started, no dm device left */
	char *tree1 = it_capture("%s/tests/sim-setup --dump %s", it_build(), W.cfs);
	assert_non_null(tree1);
	assert_string_equal(tree0, tree1);
	free(tree0);
	free(tree1);
	assert_int_equal(it_run("ls %s | grep -q attachd-", W.dm), 1);
	/* no error or warning in the agent's log */
	assert_int_equal(it_run("grep -E ' attachd (error|warn):' %s | head -5 | sed 's/^/# /' | grep -q .", W.log), 1);
}

static int setup(void **state)
{
	it_world_setup(state);
	/* 64 clients that reconnect: a closed connection may be noticed after the next accept */
	assert_int_equal(world_start(&W, "--max-clients", "128", "--log-level", "info", NULL), 0);
	struct attach_client *c = world_client(&W);
	for (int i = 0; i < N_CLIENTS; i++) {
		char name[16], dev[256];
		snprintf(name, sizeof(name), "disk%d", i);
		world_dev(&W, name, 10 + (unsigned)i, dev, sizeof(dev));
		struct attach_volume_create_args va = { .device = dev };
		WK[i].idx = i;
		snprintf(WK[i].ini, sizeof(WK[i].ini), "iqn.2004-10.org.example:stress-%d", i);
		if (attach_volume_create(c, &va, WK[i].vol))
			fail_msg("volume-create: %s", attach_last_message(c));
	}
	world_client_free(c);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress),
		cmocka_unit_test(test_clean_exit),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, it_world_teardown);
}
