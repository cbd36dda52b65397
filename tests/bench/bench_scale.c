/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_scale.c: attachd at scale (make bench). For each K of --levels, with K exports live (grown one
 * after the other: volume-create, reserve, initialize-connection of the devices --live names), it times
 * initialize-connection and terminate-connection of one more export (--samples of them, on the --spare
 * devices, each made and removed again), volume-list and volume-show, and reads the agent's VmRSS, Pss
 * and open fds (/proc/PID) and the size of its LMDB file (--db DIR/data.mdb). Each level is measured
 * twice: on the way up, and again on the way down while every export is torn down (terminate-connection,
 * unreserve, volume-delete), so that a slow stretch of the host (TCG on shared cores) shows as a
 * difference between the passes instead of passing for an effect of K; the table merges both.
 * On the way up, --rtslib CMD (sh -c, with BENCH_K, BENCH_DEV: the first spare device, BENCH_TIMEOUT in
 * seconds) times the same export and teardown by rtslib-fb and prints one line
 * "RTSLIB build_p50=.. build_p99=.. teardown_p50=.. teardown_p99=.. n=..". --budget S: a level is left
 * out when growing to it (at the rate measured so far) and tearing everything down would not fit in
 * what is left of S seconds; it says so. Prints the table and the ratios (attachd at K against the
 * first K; rtslib-fb against attachd at each K).
 */
#include "bench.h"
#include "bench_scale.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct scale_opts {
	pid_t pid;
	const char *db, *live_fmt, *spare_fmt, *rtslib;
	int levels[MAX_LEVELS], n_levels, samples;
	double budget_s;
};

struct scale {
	struct attach_client *c;
	const struct scale_opts *o;
	char (*vols)[ATTACH_UUID_LEN + 1]; /* the live volumes */
	int live;
	double t_start, rest_ms_per; /* unreserve + volume-delete of a sample */
	struct level_row rows[MAX_LEVELS];
	int n_rows;
};

#define FAIL(s, what)                                                                                      \
	(fprintf(stderr, "bench: %s: %s\n", what, attach_last_message((s)->c)), -EIO)

static void dev_path(char *buf, size_t size, const char *fmt, int i)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(buf, size, fmt, i);
#pragma GCC diagnostic pop
}

/* volume-create, reserve and initialize-connection of live devices [s->live, k) */
static int scale_grow(struct scale *s, int k, double *ms_per)
{
	double t0 = bench_now_ms();
	int from = s->live;
	for (; s->live < k; s->live++) {
		char dev[256], ini[80];
		dev_path(dev, sizeof(dev), s->o->live_fmt, s->live);
		snprintf(ini, sizeof(ini), "iqn.2004-10.org.example:live-%d", s->live);
		struct attach_volume_create_args va = { .device = dev };
		struct attach_connector conn = { .initiator = ini, .ip = "127.0.0.1" };
		struct attach_conninfo ci = { 0 };
		char *vol = s->vols[s->live];
		if (attach_volume_create(s->c, &va, vol) || attach_reserve(s->c, vol, NULL) ||
		    attach_initialize_connection(s->c, vol, &conn, &ci))
			return FAIL(s, dev);
		attach_conninfo_clear(&ci);
	}
	if (k > from)
		*ms_per = (bench_now_ms() - t0) / (k - from);
	return 0;
}

/* One more export on spare @j: initialize-connection and terminate-connection timed */
static int scale_sample(struct scale *s, int j, double *init_ms, double *term_ms)
{
	char dev[256], vol[ATTACH_UUID_LEN + 1];
	dev_path(dev, sizeof(dev), s->o->spare_fmt, j);
	struct attach_volume_create_args va = { .device = dev };
	struct attach_connector conn = { .initiator = "iqn.2004-10.org.example:sample", .ip = "127.0.0.1" };
	struct attach_conninfo ci = { 0 };
	if (attach_volume_create(s->c, &va, vol) || attach_reserve(s->c, vol, NULL))
		return FAIL(s, dev);
	double t0 = bench_now_ms();
	int rc = attach_initialize_connection(s->c, vol, &conn, &ci);
	double t1 = bench_now_ms();
	attach_conninfo_clear(&ci);
	rc = rc ? rc : attach_terminate_connection(s->c, vol, conn.initiator, false);
	double t2 = bench_now_ms();
	if (rc || attach_unreserve(s->c, vol) || attach_volume_delete(s->c, vol))
		return FAIL(s, dev);
	*init_ms = t1 - t0;
	*term_ms = t2 - t1;
	s->rest_ms_per = bench_now_ms() - t2;
	return 0;
}

/* volume-list and volume-show of the first live volume, 5 times each, into @row's samples */
static int scale_reads(struct scale *s, struct level_row *row)
{
	for (int i = 0; i < 5; i++) {
		struct attach_volume_info *vols, *vi;
		size_t n;
		double t0 = bench_now_ms();
		if (attach_volume_list(s->c, &vols, &n))
			return FAIL(s, "volume-list");
		double t1 = bench_now_ms();
		attach_volume_list_free(vols, n);
		double t2 = bench_now_ms();
		if (attach_volume_show(s->c, s->vols[0], false, &vi))
			return FAIL(s, "volume-show");
		row->show_v[row->n_reads] = bench_now_ms() - t2;
		row->list_v[row->n_reads++] = t1 - t0;
		attach_volume_info_free(vi);
	}
	return 0;
}

/* rtslib-fb's export and teardown at this level, through --rtslib CMD */
static void scale_rtslib(struct scale *s, struct level_row *row, double timeout_s)
{
	char dev[256], k[16], to[16], line[512];
	dev_path(dev, sizeof(dev), s->o->spare_fmt, 0);
	snprintf(k, sizeof(k), "%d", row->k);
	snprintf(to, sizeof(to), "%.0f", timeout_s);
	setenv("BENCH_K", k, 1);
	setenv("BENCH_DEV", dev, 1);
	setenv("BENCH_TIMEOUT", to, 1);
	row->rts = -1;
	FILE *p = popen(s->o->rtslib, "r");
	if (!p)
		return;
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "RTSLIB build_p50=%lf build_p99=%lf teardown_p50=%lf teardown_p99=%lf",
			   &row->rts_build_p50, &row->rts_build_p99, &row->rts_term_p50, &row->rts_term_p99) == 4)
			row->rts = 1;
	if (pclose(p) != 0)
		row->rts = -1;
}

static double batch_p50(const double *v, int n)
{
	double *c = malloc((size_t)n * sizeof(double));
	struct bench_stat st = { 0 };
	if (c) {
		memcpy(c, v, (size_t)n * sizeof(double));
		bench_stat(c, (size_t)n, &st);
	}
	free(c);
	return st.p50;
}

/* LMDB's file, KiB, or -1 */
static long long scale_mdb_kb(const struct scale *s)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "%s/data.mdb", s->o->db);
	return stat(path, &st) ? -1 : (long long)st.st_size / 1024;
}

/* One pass at @row's level: --samples exports timed, the reads; on the way up, the footprint */
static int scale_measure(struct scale *s, struct level_row *row, int pass)
{
	int m = s->o->samples;
	double *vi = row->init_v + row->n_samples, *vt = row->term_v + row->n_samples;
	for (int j = 0; j < m; j++)
		if (scale_sample(s, j, &vi[j], &vt[j]))
			return -EIO;
	row->n_samples += m;
	row->init_pass_p50[pass] = batch_p50(vi, m);
	row->term_pass_p50[pass] = batch_p50(vt, m);
	if (scale_reads(s, row))
		return -EIO;
	if (pass == 0) {
		row->mdb_kb = scale_mdb_kb(s);
		bench_footprint(s->o->pid, &row->fp);
	}
	return 0;
}

/* Level @k on the way up: grow to it (the first level also warms up: 3 exports made and removed
 * untimed, as the first export of a boot loads and makes what later ones find) and measure */
static int scale_level(struct scale *s, int k, struct level_row *row)
{
	size_t m = (size_t)s->o->samples;
	row->k = k;
	row->init_v = calloc(2 * m, sizeof(double));
	row->term_v = calloc(2 * m, sizeof(double));
	if (!row->init_v || !row->term_v)
		return -ENOMEM;
	double scratch[2];
	for (int w = 0; w < 3 && !s->n_rows; w++)
		if (scale_sample(s, 0, &scratch[0], &scratch[1]))
			return -EIO;
	int rc = scale_grow(s, k, &row->grow_ms_per);
	return rc ? rc : scale_measure(s, row, 0);
}

/* terminate-connection, unreserve and volume-delete of live volumes down to @k; adds to *@ms */
static int scale_teardown(struct scale *s, int k, double *ms)
{
	double t0 = bench_now_ms();
	for (; s->live > k; s->live--) {
		const char *vol = s->vols[s->live - 1];
		char ini[80];
		snprintf(ini, sizeof(ini), "iqn.2004-10.org.example:live-%d", s->live - 1);
		if (attach_terminate_connection(s->c, vol, ini, false) || attach_unreserve(s->c, vol) ||
		    attach_volume_delete(s->c, vol))
			return FAIL(s, vol);
	}
	*ms += bench_now_ms() - t0;
	return 0;
}

/* ms the bench still may spend, or a large number without --budget */
static double scale_left_ms(const struct scale *s)
{
	return s->o->budget_s > 0 ? s->o->budget_s * 1e3 - (bench_now_ms() - s->t_start) : 1e12;
}

/* Whether level @k fits what is left: growing to it, its samples, and tearing all down */
static bool scale_fits(const struct scale *s, int k)
{
	if (!s->n_rows)
		return true;
	const struct level_row *last = &s->rows[s->n_rows - 1];
	double init = batch_p50(last->init_v, last->n_samples), term = batch_p50(last->term_v, last->n_samples);
	double per = last->grow_ms_per > 0 ? last->grow_ms_per : init;
	/* growing; this level's two passes and the second pass of those before; tearing all down */
	double need = per * (k - s->live) + (init + term + s->rest_ms_per) * s->o->samples * (2 + s->n_rows) +
		      (term + s->rest_ms_per) * k;
	if (need < scale_left_ms(s))
		return true;
	printf("level K=%d left out: it would take ~%.0f s (growing, samples, teardown), %.0f s left of %.0f\n", k,
	       need / 1e3, scale_left_ms(s) / 1e3, s->o->budget_s);
	return false;
}

/* Down again: tear down to each measured level, measuring it a second time; then to none */
static int scale_down(struct scale *s, double *td)
{
	int live = s->live;
	for (int i = s->n_rows - 1; i >= 0; i--)
		if (scale_teardown(s, s->rows[i].k, td) || scale_measure(s, &s->rows[i], 1))
			return 1;
	if (scale_teardown(s, 0, td))
		return 1;
	struct bench_footprint fp;
	bench_footprint(s->o->pid, &fp);
	printf("teardown of the %d live exports (terminate-connection, unreserve, volume-delete; the second "
	       "pass's samples left out): %.1f s; then, with none: VmRSS %ld KiB (anon %ld), Pss %ld KiB, LMDB "
	       "%lld KiB, %d fds\n", live, *td / 1e3, fp.rss_kb, fp.anon_kb, fp.pss_kb, scale_mdb_kb(s), fp.fds);
	return 0;
}

static int scale_run(struct scale *s)
{
	bool rts_on = s->o->rtslib != NULL;
	for (int i = 0; i < s->o->n_levels; i++) {
		int k = s->o->levels[i];
		if (!scale_fits(s, k))
			break;
		struct level_row *row = &s->rows[s->n_rows++];
		if (scale_level(s, k, row))
			return 1;
		printf("K=%d up: init p50 %.1f ms, term p50 %.1f ms, grown at %.1f ms an export, %.0f s so far\n", k,
		       row->init_pass_p50[0], row->term_pass_p50[0], row->grow_ms_per,
		       (bench_now_ms() - s->t_start) / 1e3);
		/* rtslib gets what is left but the teardown's share; once it fails, no larger K */
		double teardown_ms = (row->term_pass_p50[0] + s->rest_ms_per) * s->live * 1.5;
		double left_s = (scale_left_ms(s) - teardown_ms) / 1e3;
		if (rts_on && left_s > 5) {
			scale_rtslib(s, row, left_s > 600 ? 600 : left_s);
			rts_on = row->rts == 1;
		}
		fflush(stdout);
	}
	double td = 0;
	if (scale_down(s, &td))
		return 1;
	bench_scale_print(s->rows, s->n_rows, s->o->samples);
	return 0;
}

static int parse_levels(const char *arg, struct scale_opts *o)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", arg);
	o->n_levels = 0;
	for (char *p = buf, *tok; (tok = strsep(&p, ","));) {
		int k = atoi(tok);
		if (k < 1 || o->n_levels == MAX_LEVELS || (o->n_levels && k <= o->levels[o->n_levels - 1]))
			return -EINVAL;
		o->levels[o->n_levels++] = k;
	}
	return o->n_levels ? 0 : -EINVAL;
}

static int scale_parse(int argc, char **argv, struct scale_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->samples = 20;
	for (int i = 0; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			return -EINVAL;
		if (!strcmp(a, "--pid"))
			o->pid = atoi(v);
		else if (!strcmp(a, "--db"))
			o->db = v;
		else if (!strcmp(a, "--live"))
			o->live_fmt = v;
		else if (!strcmp(a, "--spare"))
			o->spare_fmt = v;
		else if (!strcmp(a, "--rtslib"))
			o->rtslib = v;
		else if (!strcmp(a, "--samples"))
			o->samples = atoi(v);
		else if (!strcmp(a, "--budget"))
			o->budget_s = atof(v);
		else if (strcmp(a, "--levels") || parse_levels(v, o))
			return -EINVAL;
	}
	return o->pid > 0 && o->db && o->live_fmt && o->spare_fmt && o->n_levels && o->samples > 0 ? 0 : -EINVAL;
}

int bench_scale_main(const char *sock, int argc, char **argv)
{
	struct scale_opts o;
	if (scale_parse(argc, argv, &o)) {
		fprintf(stderr, "usage: bench -s SOCKET --scale --pid PID --db DIR --levels K,K... --live FMT "
				"--spare FMT [--samples N] [--budget S] [--rtslib CMD]\n");
		return 2;
	}
	struct scale s = { .o = &o, .t_start = bench_now_ms() };
	s.vols = calloc((size_t)o.levels[o.n_levels - 1], sizeof(*s.vols));
	s.c = attach_client_new();
	if (!s.vols || !s.c || attach_connect(s.c, sock)) {
		fprintf(stderr, "bench: %s\n", s.c ? attach_last_message(s.c) : "out of memory");
		attach_client_free(s.c);
		free(s.vols);
		return 1;
	}
	int rc = scale_run(&s);
	for (int i = 0; i < s.n_rows; i++) {
		free(s.rows[i].init_v);
		free(s.rows[i].term_v);
	}
	attach_client_free(s.c);
	free(s.vols);
	return rc;
}
