/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_storm.c: a boot storm (issue 11, item 3): N different volumes attached (reserve,
 * initialize-connection, attach) by N concurrent clients, and detached the same way (begin-detaching,
 * terminate-connection, detach), against the same N in series through one client. Each client is a
 * thread with its own connection, made before the clock starts, so the storm's time is the agent's and
 * the kernel's, not connection setup. Volumes are made first (volume-create of device i of --live FMT,
 * untimed) and deleted at the end. Order: series attach, series detach, storm attach, storm detach, so
 * both see the same N other volumes in the store. Prints the wall times, their ratio and each client's
 * attach and detach latency (p50, p99); a failed call ends it with exit 1.
 *
 *   bench -s SOCKET --storm N --live FMT [--rounds R]
 *
 * R rounds (default 1) repeat series and storm and report each.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define STORM_INSTANCE "6f1c9d7e-1111-4222-8333-944455556666"
#define STORM_MAX 512

struct storm_vol {
	char id[ATTACH_UUID_LEN + 1];
	char ini[80];
	struct attach_client *c; /* the storm's client of this volume */
	double attach_ms, detach_ms;
	int rc;
	char err[256];
};

struct storm {
	struct storm_vol v[STORM_MAX];
	int n;
	bool detach; /* this phase */
	pthread_barrier_t go;
};

static int storm_attach_one(struct attach_client *c, struct storm_vol *v)
{
	struct attach_connector conn = { .initiator = v->ini, .ip = "127.0.0.1" };
	struct attach_conninfo ci = { 0 };
	struct attach_attach_args aa = { .instance = STORM_INSTANCE, .host = "storm-host", .mountpoint = "/dev/vdb",
					 .mode = ATTACH_MODE_AS_RESERVED };
	double t0 = bench_now_ms();
	int rc = attach_reserve(c, v->id, NULL);
	if (!rc)
		rc = attach_initialize_connection(c, v->id, &conn, &ci);
	attach_conninfo_clear(&ci);
	if (!rc)
		rc = attach_attach(c, v->id, &aa, NULL);
	v->attach_ms = bench_now_ms() - t0;
	return rc;
}

static int storm_detach_one(struct attach_client *c, struct storm_vol *v)
{
	double t0 = bench_now_ms();
	int rc = attach_begin_detaching(c, v->id);
	if (!rc)
		rc = attach_terminate_connection(c, v->id, v->ini, false);
	if (!rc)
		rc = attach_detach(c, v->id, NULL);
	v->detach_ms = bench_now_ms() - t0;
	return rc;
}

static int storm_one(struct attach_client *c, struct storm_vol *v, bool detach)
{
	int rc = detach ? storm_detach_one(c, v) : storm_attach_one(c, v);
	if (rc)
		snprintf(v->err, sizeof(v->err), "%s %s: %s", detach ? "detach" : "attach", v->id, attach_last_message(c));
	return v->rc = rc;
}

struct storm_arg {
	struct storm *s;
	int i;
};

static void *storm_client(void *p)
{
	struct storm_arg *a = p;
	struct storm_vol *v = &a->s->v[a->i];
	pthread_barrier_wait(&a->s->go);
	storm_one(v->c, v, a->s->detach);
	return NULL;
}

static int storm_failed(const struct storm *s)
{
	for (int i = 0; i < s->n; i++)
		if (s->v[i].rc) {
			fprintf(stderr, "bench: %s\n", s->v[i].err);
			return 1;
		}
	return 0;
}

/* one phase through one client, volume after volume: its wall time, or -1 */
static double storm_series(struct storm *s, struct attach_client *c, bool detach)
{
	double t0 = bench_now_ms();
	for (int i = 0; i < s->n; i++)
		if (storm_one(c, &s->v[i], detach))
			return storm_failed(s), -1;
	return bench_now_ms() - t0;
}

/* one phase by N clients at once: its wall time (from the barrier to the last reply), or -1 */
static double storm_concurrent(struct storm *s, bool detach)
{
	static pthread_t tid[STORM_MAX];
	static struct storm_arg args[STORM_MAX];
	s->detach = detach;
	pthread_barrier_init(&s->go, NULL, (unsigned)s->n + 1);
	for (int i = 0; i < s->n; i++) {
		args[i] = (struct storm_arg){ .s = s, .i = i };
		if (pthread_create(&tid[i], NULL, storm_client, &args[i])) {
			fprintf(stderr, "bench: cannot start client %d\n", i);
			exit(1);
		}
	}
	pthread_barrier_wait(&s->go);
	double t0 = bench_now_ms();
	for (int i = 0; i < s->n; i++)
		pthread_join(tid[i], NULL);
	double ms = bench_now_ms() - t0;
	pthread_barrier_destroy(&s->go);
	return storm_failed(s) ? -1 : ms;
}

static void storm_lat(const struct storm *s, bool detach, struct bench_stat *st)
{
	double v[STORM_MAX];
	for (int i = 0; i < s->n; i++)
		v[i] = detach ? s->v[i].detach_ms : s->v[i].attach_ms;
	bench_stat(v, (size_t)s->n, st);
}

static void storm_row(const char *what, double series, double storm, const struct bench_stat *ls,
		      const struct bench_stat *lc)
{
	printf("  %-7s series %8.0f ms  storm %8.0f ms  storm/series %.2fx   one volume p50/p99: series %.1f/%.1f ms, "
	       "storm %.1f/%.1f ms\n", what, series, storm, storm / series, ls->p50, ls->p99, lc->p50, lc->p99);
}

static int storm_round(struct storm *s, struct attach_client *c, int round)
{
	struct bench_stat as, ds, ac, dc;
	double sa = storm_series(s, c, false);
	storm_lat(s, false, &as);
	double sd = sa < 0 ? -1 : storm_series(s, c, true);
	storm_lat(s, true, &ds);
	double ca = sd < 0 ? -1 : storm_concurrent(s, false);
	storm_lat(s, false, &ac);
	double cd = ca < 0 ? -1 : storm_concurrent(s, true);
	storm_lat(s, true, &dc);
	if (cd < 0)
		return 1;
	printf("round %d, %d volumes:\n", round, s->n);
	storm_row("attach", sa, ca, &as, &ac);
	storm_row("detach", sd, cd, &ds, &dc);
	return 0;
}

int bench_storm_main(const char *sock, int argc, char **argv)
{
	static struct storm s;
	int rounds = argc == 5 && !strcmp(argv[3], "--rounds") ? atoi(argv[4]) : 1;
	s.n = (argc == 3 || argc == 5) && !strcmp(argv[1], "--live") ? atoi(argv[0]) : 0;
	if (s.n < 1 || s.n > STORM_MAX || rounds < 1) {
		fprintf(stderr, "usage: bench -s SOCKET --storm N --live FMT [--rounds R] (N <= %d)\n", STORM_MAX);
		return 2;
	}
	struct attach_client *c = attach_client_new();
	if (!c || attach_connect(c, sock)) {
		fprintf(stderr, "bench: %s\n", c ? attach_last_message(c) : "out of memory");
		return 1;
	}
	int rc = 0;
	for (int i = 0; i < s.n && !rc; i++) {
		char dev[256];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(dev, sizeof(dev), argv[2], i);
#pragma GCC diagnostic pop
		struct storm_vol *v = &s.v[i];
		snprintf(v->ini, sizeof(v->ini), "iqn.2004-10.org.example:storm-%d", i);
		struct attach_volume_create_args va = { .device = dev };
		if (attach_volume_create(c, &va, v->id)) {
			fprintf(stderr, "bench: volume-create %s: %s\n", dev, attach_last_message(c));
			v->id[0] = 0;
			rc = 1;
		} else if (!(v->c = attach_client_new()) || attach_connect(v->c, sock)) {
			fprintf(stderr, "bench: client %d: %s\n", i, v->c ? attach_last_message(v->c) : "out of memory");
			rc = 1;
		}
	}
	for (int r = 1; r <= rounds && !rc; r++)
		rc = storm_round(&s, c, r);
	for (int i = 0; i < s.n; i++) {
		if (s.v[i].id[0] && attach_volume_delete(c, s.v[i].id) && !rc) {
			fprintf(stderr, "bench: volume-delete %s: %s\n", s.v[i].id, attach_last_message(c));
			rc = 1;
		}
		attach_client_free(s.v[i].c);
	}
	attach_client_free(c);
	return rc;
}
