/* SPDX-License-Identifier: Apache-2.0 */
/* bench_scale.h: one row of the scale table (bench_scale.c measures it, bench_scale_print.c prints it). */
#ifndef ATTACHD_BENCH_SCALE_H
#define ATTACHD_BENCH_SCALE_H

#include "bench.h"

#define MAX_LEVELS 8

struct level_row {
	int k; /* live exports while measured */
	/* the samples of both passes (up, then down); each pass's p50 */
	double *init_v, *term_v;
	int n_samples;
	double init_pass_p50[2], term_pass_p50[2];
	double list_v[10], show_v[10];
	int n_reads;
	double grow_ms_per;
	struct bench_footprint fp; /* at the last pass */
	long long mdb_kb;
	/* rtslib-fb: 0 not run, 1 measured, -1 failed or out of time */
	int rts;
	double rts_build_p50, rts_build_p99, rts_term_p50, rts_term_p99;
};

/* the table and its ratios (attachd at K against the first row; rtslib-fb against attachd); sorts the
 * rows' samples */
void bench_scale_print(struct level_row *rows, int n, int samples);

#endif
