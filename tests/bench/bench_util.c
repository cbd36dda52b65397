/* SPDX-License-Identifier: Apache-2.0 */
/* bench_util.c: the bench's clock, sample statistics and /proc footprint (bench.h). */
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double bench_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

void bench_stat(double *v, size_t n, struct bench_stat *out)
{
	memset(out, 0, sizeof(*out));
	if (!n)
		return;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	qsort(v, n, sizeof(*v), cmp_double);
	out->mean = sum / (double)n;
	out->p50 = v[n / 2];
	out->p99 = v[(n * 99) / 100];
	out->n = n;
}

/* the number after "KEY:" in /proc/PID/NAME, or -1 */
static long proc_field(pid_t pid, const char *name, const char *key)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	long v = -1;
	size_t kl = strlen(key);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

int bench_footprint(pid_t pid, struct bench_footprint *out)
{
	char path[64];
	out->rss_kb = proc_field(pid, "status", "VmRSS");
	out->anon_kb = proc_field(pid, "status", "RssAnon");
	out->pss_kb = proc_field(pid, "smaps_rollup", "Pss");
	out->fds = -1;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	out->fds = n;
	return out->rss_kb < 0 ? -ENOENT : 0;
}
