/* SPDX-License-Identifier: Apache-2.0 */
/* bench_scale_print.c: the scale table of bench_scale.c, and its ratios. */
#include "bench_scale.h"

#include <stdio.h>

/* the merged statistics of a row, from both passes */
struct row_stats {
	struct bench_stat init, term, list, show;
};

static void row_stats(struct level_row *r, struct row_stats *st)
{
	bench_stat(r->init_v, (size_t)r->n_samples, &st->init);
	bench_stat(r->term_v, (size_t)r->n_samples, &st->term);
	bench_stat(r->list_v, (size_t)r->n_reads, &st->list);
	bench_stat(r->show_v, (size_t)r->n_reads, &st->show);
}

static void print_attachd(struct level_row *rows, const struct row_stats *st, int n, int samples)
{
	printf("attachd with K exports live: one more export's initialize-connection and terminate-connection "
	       "(%d samples on the way up and %d on the way down, merged; p99 of fewer than 100 is their "
	       "largest; each pass's p50 beside), volume-list and volume-show p50 (ms); on the way up the agent's "
	       "VmRSS, its RssAnon part and Pss (KiB), LMDB file (KiB), open fds, and ms an export while growing "
	       "to K\n",
	       samples, samples);
	printf("  %5s %8s %8s %11s %8s %8s %11s %7s %6s %6s %5s %6s %6s %4s %6s\n", "K", "init p50", "init p99",
	       "(up/down)", "term p50", "term p99", "(up/down)", "list", "show", "VmRSS", "anon", "Pss", "LMDB",
	       "fds", "grow");
	for (int i = 0; i < n; i++) {
		const struct level_row *r = &rows[i];
		printf("  %5d %8.1f %8.1f %5.0f/%-5.0f %8.1f %8.1f %5.0f/%-5.0f %7.1f %6.1f %6ld %5ld %6ld %6lld %4d "
		       "%6.1f\n", r->k, st[i].init.p50, st[i].init.p99, r->init_pass_p50[0], r->init_pass_p50[1],
		       st[i].term.p50, st[i].term.p99, r->term_pass_p50[0], r->term_pass_p50[1], st[i].list.p50,
		       st[i].show.p50, r->fp.rss_kb, r->fp.anon_kb, r->fp.pss_kb, r->mdb_kb, r->fp.fds, r->grow_ms_per);
	}
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static void print_ratios(const struct level_row *rows, const struct row_stats *st, int n)
{
	const struct level_row *b = &rows[0];
	const struct row_stats *bs = &st[0];
	printf("attachd at K against K=%d:\n  %5s %9s %9s %9s %9s %8s %8s %14s %14s %14s\n", b->k, "K", "init p50",
	       "init p99", "term p50", "term p99", "list", "show", "VmRSS/export", "anon/export", "LMDB/export");
	for (int i = 1; i < n; i++) {
		const struct level_row *r = &rows[i];
		printf("  %5d %8.2fx %8.2fx %8.2fx %8.2fx %7.2fx %7.2fx %10.2f KiB %10.2f KiB %10.2f KiB\n", r->k,
		       ratio(st[i].init.p50, bs->init.p50), ratio(st[i].init.p99, bs->init.p99),
		       ratio(st[i].term.p50, bs->term.p50), ratio(st[i].term.p99, bs->term.p99),
		       ratio(st[i].list.p50, bs->list.p50), ratio(st[i].show.p50, bs->show.p50),
		       (double)(r->fp.rss_kb - b->fp.rss_kb) / (r->k - b->k),
		       (double)(r->fp.anon_kb - b->fp.anon_kb) / (r->k - b->k),
		       (double)(r->mdb_kb - b->mdb_kb) / (r->k - b->k));
	}
}

static void print_rtslib(const struct level_row *rows, const struct row_stats *st, int n)
{
	printf("rtslib-fb at the same K (on the way up): the same export built and removed in one python "
	       "process (ms; x = rtslib-fb / attachd, p50 against p50, p99 against p99):\n");
	printf("  %5s %10s %10s %13s %13s %9s %9s %9s %9s\n", "K", "build p50", "build p99", "teardown p50",
	       "teardown p99", "x init50", "x init99", "x term50", "x term99");
	for (int i = 0; i < n; i++) {
		const struct level_row *r = &rows[i];
		if (r->rts == 0)
			continue;
		if (r->rts < 0) {
			printf("  %5d not finished within the time left (or failed): no larger K tried\n", r->k);
			continue;
		}
		printf("  %5d %10.1f %10.1f %13.1f %13.1f %8.1fx %8.1fx %8.1fx %8.1fx\n", r->k, r->rts_build_p50,
		       r->rts_build_p99, r->rts_term_p50, r->rts_term_p99, ratio(r->rts_build_p50, st[i].init.p50),
		       ratio(r->rts_build_p99, st[i].init.p99), ratio(r->rts_term_p50, st[i].term.p50),
		       ratio(r->rts_term_p99, st[i].term.p99));
	}
}

void bench_scale_print(struct level_row *rows, int n, int samples)
{
	struct row_stats st[MAX_LEVELS];
	if (n < 1)
		return;
	for (int i = 0; i < n; i++)
		row_stats(&rows[i], &st[i]);
	print_attachd(rows, st, n, samples);
	if (n > 1)
		print_ratios(rows, st, n);
	print_rtslib(rows, st, n);
}
