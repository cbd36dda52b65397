/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench.h: what the bench's parts share: the clock, sample statistics, an agent's footprint read from
 * /proc, and the two modes beyond the call table of bench.c: the command-line path (bench_cli.c) and
 * the scale table (bench_scale.c). The bench prints numbers; it asserts nothing.
 */
#ifndef ATTACHD_BENCH_H
#define ATTACHD_BENCH_H

#include <stddef.h>
#include <sys/types.h>

#include "attach.h"

/* CLOCK_MONOTONIC in milliseconds */
double bench_now_ms(void);

struct bench_stat {
	double mean, p50, p99; /* p99 of fewer than 100 samples is their largest */
	size_t n;
};
/* sorts @v in place; all zero when @n is 0 */
void bench_stat(double *v, size_t n, struct bench_stat *out);

/* What a process holds, from /proc/PID: status's VmRSS and its RssAnon part (the rest is mapped files:
 * the program, libraries, LMDB's map), smaps_rollup's Pss (KiB), entries of fd/. Returns 0 or -errno;
 * a field it could not read is -1. */
struct bench_footprint {
	long rss_kb, anon_kb, pss_kb;
	int fds;
};
int bench_footprint(pid_t pid, struct bench_footprint *out);

/* bench -s SOCKET --cli CTL[,CTL...] [--rounds N] DEV...: the six calls of the attach/detach cycle
 * (reserve, initialize-connection, attach, begin-detaching, terminate-connection, detach) in this
 * process and through one process of each attachctl build per call. Returns an exit status. */
int bench_cli_main(const char *sock, int argc, char **argv);

/* bench -s SOCKET --scale ...: initialize-connection and terminate-connection against 1, 10, 100 ...
 * live exports, with the agent's footprint and rtslib-fb's export at each level (see bench_scale.c).
 * Returns an exit status. */
int bench_scale_main(const char *sock, int argc, char **argv);

/* bench -s SOCKET --transports ISCSI_DEV NVME_DEV [--rounds N]: an iSCSI export and its teardown against
 * an NVMe/TCP one, alternating, through the same agent (bench_transport.c). Returns an exit status. */
int bench_transport_main(const char *sock, int argc, char **argv);

/* bench -s SOCKET --grow N --live FMT: N exports through the agent, one after the other (bench_grow.c;
 * make bench's restore scenarios). Returns an exit status. */
int bench_grow_main(const char *sock, int argc, char **argv);

/* bench -s SOCKET --storm N --live FMT [--rounds R]: N volumes attached and detached by N concurrent
 * clients against the same in series (bench_storm.c; make bench's storm scenario). Returns an exit status. */
int bench_storm_main(const char *sock, int argc, char **argv);

#endif
