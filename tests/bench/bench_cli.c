/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_cli.c: the command-line path. A caller that runs attachctl once per call (a shell agent, a
 * Cinder-style tool) pays a process start per call; this times the six calls of the attach/detach
 * cycle (reserve, initialize-connection, attach, begin-detaching, terminate-connection, detach) made in
 * this process on one connection (the floor) and made by one attachctl process each, for every
 * attachctl build given, round after round in the same boot, and prints each against the floor. Each
 * process's stdout is read to its end, as a caller's $(...) does. The volume is made and removed
 * around each cycle in this process, untimed. Also: each build's start alone (--version).
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_CTL 4
#define INSTANCE "6f1c9d7e-1111-4222-8333-944455556666"
#define INITIATOR "iqn.2004-10.org.example:bench-cli"
enum { N_CALLS = 6 };

/* Runs @argv (argv[0] the program), its stdout into @out (NUL-terminated, cut at @size). 0 when it
 * exited 0; else -errno, or -EIO (its stderr went to ours). */
static int run_ctl(char *const argv[], char *out, size_t size)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc) {
		close(p[0]);
		return -rc;
	}
	size_t len = 0;
	ssize_t n;
	char sink[512];
	while ((n = read(p[0], len + 1 < size ? out + len : sink,
			 len + 1 < size ? size - 1 - len : sizeof(sink))) > 0)
		if (len + 1 < size)
			len += (size_t)n;
	out[len] = '\0';
	close(p[0]);
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/* The six calls through @ctl; @t gets each call's milliseconds. */
static int cycle_cli(const char *ctl, const char *sock, const char *vol, double t[N_CALLS])
{
	char att[128], out[4096];
	char *const reserve[] = { (char *)ctl, "-s", (char *)sock, "reserve", (char *)vol, NULL };
	char *const init[] = { (char *)ctl, "-s", (char *)sock, "initialize-connection", (char *)vol, "--initiator",
			       INITIATOR, "--ip", "127.0.0.1", NULL };
	char *const attach[] = { (char *)ctl, "-s", (char *)sock, "attach", (char *)vol, "--instance", INSTANCE,
				 "--host", "bench", "--mountpoint", "/dev/vdb", NULL };
	char *const begin[] = { (char *)ctl, "-s", (char *)sock, "begin-detaching", (char *)vol, NULL };
	char *const term[] = { (char *)ctl, "-s", (char *)sock, "terminate-connection", (char *)vol, "--initiator",
			       INITIATOR, NULL };
	char *const detach[] = { (char *)ctl, "-s", (char *)sock, "detach", (char *)vol, "--attachment", att, NULL };
	char *const *const calls[N_CALLS] = { reserve, init, attach, begin, term, detach };
	for (int i = 0; i < N_CALLS; i++) {
		double t0 = bench_now_ms();
		int rc = run_ctl(calls[i], i == 0 ? att : out, i == 0 ? sizeof(att) : sizeof(out));
		t[i] = bench_now_ms() - t0;
		if (rc) {
			fprintf(stderr, "bench: %s %s: %s\n", ctl, calls[i][3], rc == -EIO ? "failed" : strerror(-rc));
			return rc;
		}
		if (i == 0)
			att[strcspn(att, "\n")] = '\0';
	}
	return 0;
}

/* The same six calls on the open connection @c. */
static int cycle_lib(struct attach_client *c, const char *vol, double t[N_CALLS])
{
	char att[ATTACH_UUID_LEN + 1];
	struct attach_connector conn = { .initiator = INITIATOR, .ip = "127.0.0.1" };
	struct attach_attach_args aa = { .instance = INSTANCE, .host = "bench", .mountpoint = "/dev/vdb" };
	struct attach_conninfo ci = { 0 };
	double t0 = bench_now_ms();
	int rc = attach_reserve(c, vol, att);
	double t1 = bench_now_ms();
	rc = rc ? rc : attach_initialize_connection(c, vol, &conn, &ci);
	double t2 = bench_now_ms();
	rc = rc ? rc : attach_attach(c, vol, &aa, NULL);
	double t3 = bench_now_ms();
	rc = rc ? rc : attach_begin_detaching(c, vol);
	double t4 = bench_now_ms();
	rc = rc ? rc : attach_terminate_connection(c, vol, INITIATOR, false);
	double t5 = bench_now_ms();
	rc = rc ? rc : attach_detach(c, vol, att);
	double t6 = bench_now_ms();
	attach_conninfo_clear(&ci);
	if (rc) {
		fprintf(stderr, "bench: in-process cycle: %s\n", attach_last_message(c));
		return rc;
	}
	double d[N_CALLS] = { t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5 };
	memcpy(t, d, sizeof(d));
	return 0;
}

struct cli_opts {
	const char *ctl[MAX_CTL];
	int n_ctl, rounds;
	char **devs;
	int n_devs;
};

static int cli_parse(int argc, char **argv, struct cli_opts *o)
{
	static char list[1024];
	memset(o, 0, sizeof(*o));
	o->rounds = 8;
	int i = 0;
	for (; i < argc && argv[i][0] == '-'; i += 2) {
		if (i + 1 >= argc)
			return -EINVAL;
		if (!strcmp(argv[i], "--cli"))
			snprintf(list, sizeof(list), "%s", argv[i + 1]);
		else if (!strcmp(argv[i], "--rounds"))
			o->rounds = atoi(argv[i + 1]);
		else
			return -EINVAL;
	}
	for (char *s = list, *tok; o->n_ctl < MAX_CTL && (tok = strsep(&s, ","));)
		if (*tok)
			o->ctl[o->n_ctl++] = tok;
	o->devs = argv + i;
	o->n_devs = argc - i;
	return o->n_ctl && o->rounds > 0 && o->n_devs > 0 ? 0 : -EINVAL;
}

/* One round: a cycle per way (in process, then each build) on a fresh volume; sums into @sum[way]. */
static int cli_round(struct attach_client *c, const char *sock, const struct cli_opts *o, int r,
		     double *sum[MAX_CTL + 1], double *per_call[MAX_CTL + 1][N_CALLS])
{
	for (int w = 0; w <= o->n_ctl; w++) {
		char vol[ATTACH_UUID_LEN + 1];
		struct attach_volume_create_args va = { .device = o->devs[(r + w) % o->n_devs] };
		double t[N_CALLS];
		if (attach_volume_create(c, &va, vol)) {
			fprintf(stderr, "bench: volume-create: %s\n", attach_last_message(c));
			return 1;
		}
		int rc = w ? cycle_cli(o->ctl[w - 1], sock, vol, t) : cycle_lib(c, vol, t);
		if (rc || attach_volume_delete(c, vol))
			return 1;
		sum[w][r] = 0;
		for (int k = 0; k < N_CALLS; k++) {
			sum[w][r] += t[k];
			per_call[w][k][r] = t[k];
		}
	}
	return 0;
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* Each build's start alone: `CTL --version`, @rounds times; its p50 in ms, or -1. */
static double start_p50(const char *ctl, int rounds)
{
	double *v = calloc((size_t)rounds, sizeof(double));
	char out[256];
	char *const argv[] = { (char *)ctl, "--version", NULL };
	struct bench_stat st = { 0 };
	int i = 0;
	for (; v && i < rounds; i++) {
		double t0 = bench_now_ms();
		if (run_ctl(argv, out, sizeof(out)))
			break;
		v[i] = bench_now_ms() - t0;
	}
	if (v && i == rounds)
		bench_stat(v, (size_t)rounds, &st);
	free(v);
	return st.n ? st.p50 : -1;
}

static void cli_report(const struct cli_opts *o, double *sum[MAX_CTL + 1], double *per_call[MAX_CTL + 1][N_CALLS])
{
	static const char *const names[N_CALLS] = { "reserve", "init-conn", "attach", "begin-det", "term-conn",
						    "detach" };
	size_t n = (size_t)o->rounds;
	struct bench_stat s[MAX_CTL + 1];
	for (int w = 0; w <= o->n_ctl; w++)
		bench_stat(sum[w], n, &s[w]);
	printf("the six calls of the cycle (reserve .. detach), %d rounds, ms:\n", o->rounds);
	printf("  %-40s %8s %8s %8s %11s\n", "made by", "mean", "p50", "p99", "x floor p50");
	for (int w = 0; w <= o->n_ctl; w++) {
		char label[80];
		snprintf(label, sizeof(label), w ? "%s, a process per call" : "one process (libattach)",
			 w ? base(o->ctl[w - 1]) : "");
		printf("  %-40s %8.1f %8.1f %8.1f %10.2fx\n", label, s[w].mean, s[w].p50, s[w].p99,
		       s[0].p50 > 0 ? s[w].p50 / s[0].p50 : 0);
	}
	printf("each call, p50 ms:\n  %-40s", "made by");
	for (int k = 0; k < N_CALLS; k++)
		printf(" %9s", names[k]);
	printf("\n");
	for (int w = 0; w <= o->n_ctl; w++) {
		printf("  %-40s", w ? base(o->ctl[w - 1]) : "one process");
		for (int k = 0; k < N_CALLS; k++) {
			struct bench_stat st;
			bench_stat(per_call[w][k], n, &st);
			printf(" %9.1f", st.p50);
		}
		printf("\n");
	}
	printf("process start alone (CTL --version), p50 ms:");
	for (int w = 0; w < o->n_ctl; w++)
		printf(" %s %.1f;", base(o->ctl[w]), start_p50(o->ctl[w], o->rounds));
	printf("\n");
}

int bench_cli_main(const char *sock, int argc, char **argv)
{
	struct cli_opts o;
	if (cli_parse(argc, argv, &o)) {
		fprintf(stderr, "usage: bench -s SOCKET --cli CTL[,CTL...] [--rounds N] DEV...\n");
		return 2;
	}
	struct attach_client *c = attach_client_new();
	if (!c || attach_connect(c, sock)) {
		fprintf(stderr, "bench: %s\n", c ? attach_last_message(c) : "out of memory");
		attach_client_free(c);
		return 1;
	}
	double *sum[MAX_CTL + 1], *per_call[MAX_CTL + 1][N_CALLS];
	int rc = 0;
	for (int w = 0; w <= o.n_ctl; w++) {
		rc |= !(sum[w] = calloc((size_t)o.rounds, sizeof(double)));
		for (int k = 0; k < N_CALLS; k++)
			rc |= !(per_call[w][k] = calloc((size_t)o.rounds, sizeof(double)));
	}
	if (rc)
		fprintf(stderr, "bench: out of memory\n");
	for (int r = 0; r < o.rounds && !rc; r++)
		rc = cli_round(c, sock, &o, r, sum, per_call);
	if (!rc)
		cli_report(&o, sum, per_call);
	for (int w = 0; w <= o.n_ctl; w++) {
		free(sum[w]);
		for (int k = 0; k < N_CALLS; k++)
			free(per_call[w][k]);
	}
	attach_client_free(c);
	return rc;
}
