/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench.c: attachd's call latencies, and how they change with the number of exports (they should not:
 * every call touches only its own objects). Prints numbers; asserts nothing.
 *
 *   bench -s SOCKET DEV...      against a running attachd, using the given block devices (one volume
 *                               each; on a real kernel: loop devices)
 *   bench --sim N               starts build/attachd-sim on a fresh simulated tree in tmpfs with N
 *                               device nodes (make bench-sim)
 *   bench -s SOCKET --cli ...   the command-line path: the cycle through attachctl processes against
 *                               the same calls in this process (bench_cli.c; scenario 16)
 *   bench -s SOCKET --scale ... initialize-connection and terminate-connection against 1, 10, 100 ...
 *                               live exports, with rtslib-fb's export at each (bench_scale.c; make bench)
 *   bench -s SOCKET --transports ISCSI_DEV NVME_DEV
 *                               an iSCSI export against an NVMe/TCP one (bench_transport.c; scenario 25)
 *   bench -s SOCKET --grow N --live FMT
 *                               N exports, one after the other (bench_grow.c; make bench's restore)
 *   bench -s SOCKET --storm N --live FMT [--rounds R]
 *                               a boot storm: N attaches and detaches by N concurrent clients against
 *                               the same in series (bench_storm.c; make bench's storm)
 * For each step of the cycle (volume-create, reserve, initialize-connection with a new export, the
 * same again (a retry), attach, volume-show, begin-detaching, terminate-connection (export teardown),
 * detach, volume-delete) it reports the mean and the 50th/99th percentile in milliseconds; then the
 * latency of initialize-connection for one more export while 0, N/4, N/2 ... exports already exist, and
 * what volume-list, reconcile and stats (which reads every export's sessions) take with all N.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define INSTANCE "6f1c9d7e-1111-4222-8333-944455556666"

enum { S_CREATE, S_RESERVE, S_INIT, S_INIT_RETRY, S_ATTACH, S_SHOW, S_BEGIN, S_TERM, S_DETACH, S_DELETE, S_N };
static const char *const step_names[S_N] = {
	"volume-create", "reserve", "initialize-connection (new export)", "initialize-connection (retry)",
	"attach", "volume-show", "begin-detaching", "terminate-connection (teardown)", "detach", "volume-delete",
};

static void report(const char *name, double *v, size_t n)
{
	struct bench_stat st;
	bench_stat(v, n, &st);
	if (n)
		printf("  %-36s %8.2f %8.2f %8.2f   (n=%zu)\n", name, st.mean, st.p50, st.p99, n);
}

#define CHECK(call)                                                                                        \
	do {                                                                                               \
		if ((call) != 0) {                                                                         \
			fprintf(stderr, "bench: %s: %s\n", #call, attach_last_message(c));                \
			exit(1);                                                                           \
		}                                                                                          \
	} while (0)

static void initiator(char *buf, size_t size, int i)
{
	snprintf(buf, size, "iqn.2004-10.org.example:bench-%d", i);
}

/* The whole cycle on every device, timing each step. */
static void cycle(struct attach_client *c, char **devs, int n)
{
	double *t[S_N];
	for (int s = 0; s < S_N; s++)
		t[s] = calloc((size_t)n, sizeof(double));
	for (int i = 0; i < n; i++) {
		char vol[37], att[37], ini[64];
		struct attach_volume_create_args va = { .device = devs[i] };
		struct attach_conninfo ci;
		struct attach_attach_args aa = { .instance = INSTANCE, .host = "bench", .mountpoint = "/dev/vdb" };
		struct attach_volume_info *v;
		initiator(ini, sizeof(ini), i);
		struct attach_connector conn = { .initiator = ini, .ip = "127.0.0.1" };
		double t0 = bench_now_ms();
		CHECK(attach_volume_create(c, &va, vol));
		double t1 = bench_now_ms();
		CHECK(attach_reserve(c, vol, att));
		double t2 = bench_now_ms();
		CHECK(attach_initialize_connection(c, vol, &conn, &ci));
		double t3 = bench_now_ms();
		CHECK(attach_initialize_connection(c, vol, &conn, &ci));
		double t4 = bench_now_ms();
		CHECK(attach_attach(c, vol, &aa, att));
		double t5 = bench_now_ms();
		CHECK(attach_volume_show(c, vol, false, &v));
		double t6 = bench_now_ms();
		attach_volume_info_free(v);
		CHECK(attach_begin_detaching(c, vol));
		double t7 = bench_now_ms();
		CHECK(attach_terminate_connection(c, vol, ini, false));
		double t8 = bench_now_ms();
		CHECK(attach_detach(c, vol, att));
		double t9 = bench_now_ms();
		CHECK(attach_volume_delete(c, vol));
		double t10 = bench_now_ms();
		double d[S_N] = { t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5 - 0, t7 - t6, t8 - t7, t9 - t8,
				  t10 - t9 };
		for (int s = 0; s < S_N; s++)
			t[s][i] = d[s];
	}
	printf("one volume at a time, %d volumes (ms):\n  %-36s %8s %8s %8s\n", n, "call", "mean", "p50", "p99");
	for (int s = 0; s < S_N; s++) {
		report(step_names[s], t[s], (size_t)n);
		free(t[s]);
	}
}

/* Export the devices one after the other; time each new export against how many exist already. */
static void scale(struct attach_client *c, char **devs, int n)
{
	printf("initialize-connection (new export) with K exports already live (ms):\n  %8s %8s\n", "K", "ms");
	int next_mark = 0;
	for (int i = 0; i < n; i++) {
		char vol[37], ini[64];
		struct attach_volume_create_args va = { .device = devs[i] };
		struct attach_conninfo ci;
		initiator(ini, sizeof(ini), i);
		struct attach_connector conn = { .initiator = ini, .ip = "127.0.0.1" };
		CHECK(attach_volume_create(c, &va, vol));
		CHECK(attach_reserve(c, vol, NULL));
		double t0 = bench_now_ms();
		CHECK(attach_initialize_connection(c, vol, &conn, &ci));
		double dt = bench_now_ms() - t0;
		if (i == next_mark || i == n - 1) {
			printf("  %8d %8.2f\n", i, dt);
			next_mark = next_mark ? next_mark * 2 : 1;
		}
	}
	double t0 = bench_now_ms();
	struct attach_volume_info *vols;
	size_t nv;
	CHECK(attach_volume_list(c, &vols, &nv));
	printf("volume-list of %zu volumes: %.2f ms\n", nv, bench_now_ms() - t0);
	attach_volume_list_free(vols, nv);
	t0 = bench_now_ms();
	CHECK(attach_reconcile(c));
	printf("reconcile with %d live exports (nothing to do): %.2f ms\n", n, bench_now_ms() - t0);
	/* the one call that reads every export's sessions: 1 + its ACLs configfs reads per export */
	struct attach_stats *st;
	t0 = bench_now_ms();
	CHECK(attach_stats(c, &st));
	printf("stats with %zu live exports (their sessions read): %.2f ms\n", st->n_export_stats, bench_now_ms() - t0);
	attach_stats_free(st);
}

static pid_t start_sim(const char *dir, int n, char ***devs)
{
	char cmd[512], path[300];
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/cfs && build/tests/sim-setup %s/cfs", dir, dir);
	if (system(cmd) != 0)
		exit(1);
	*devs = calloc((size_t)n, sizeof(char *));
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/d%d", dir, i);
		if (mknod(path, S_IFBLK | 0600, makedev(7, 1000 + (unsigned)i)) < 0) {
			perror("mknod");
			exit(1);
		}
		(*devs)[i] = strdup(path);
	}
	pid_t pid = fork();
	if (pid == 0) {
		char sock[300], db[300], cfs[300], dm[300];
		snprintf(sock, sizeof(sock), "%s/s", dir);
		snprintf(db, sizeof(db), "%s/db", dir);
		snprintf(cfs, sizeof(cfs), "%s/cfs", dir);
		snprintf(dm, sizeof(dm), "%s/dm", dir);
		setenv("ATTACHD_SIM_DM_DIR", dm, 1);
		if (!freopen("/dev/null", "w", stderr))
			_exit(126);
		execl("build/attachd-sim", "attachd-sim", "--socket", sock, "--db", db, "--configfs-root", cfs, "--portal",
		      "127.0.0.1:3260", "--no-kmod", "--foreground", "--log-level", "warn", "--max-volumes", "100000",
		      "--max-exports", "100000", (char *)NULL);
		_exit(127);
	}
	snprintf(path, sizeof(path), "%s/s", dir);
	for (int i = 0; i < 200; i++) {
		struct stat st;
		if (stat(path, &st) == 0)
			return pid;
		usleep(20000);
	}
	fprintf(stderr, "bench: attachd-sim did not start\n");
	exit(1);
}

int main(int argc, char **argv)
{
	const char *sock = NULL;
	char **devs = NULL;
	int n = 0;
	pid_t agent = 0;
	char dir[64] = "";
	if (argc >= 3 && !strcmp(argv[1], "--sim")) {
		n = atoi(argv[2]);
		snprintf(dir, sizeof(dir), "%s/attachd-bench-XXXXXX", access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
		if (n < 2 || !mkdtemp(dir))
			return 2;
		agent = start_sim(dir, n, &devs);
		static char path[128];
		snprintf(path, sizeof(path), "%s/s", dir);
		sock = path;
	} else if (argc >= 4 && !strcmp(argv[1], "-s") && !strcmp(argv[3], "--cli")) {
		return bench_cli_main(argv[2], argc - 3, argv + 3);
	} else if (argc >= 4 && !strcmp(argv[1], "-s") && !strcmp(argv[3], "--scale")) {
		return bench_scale_main(argv[2], argc - 4, argv + 4);
	} else if (argc >= 4 && !strcmp(argv[1], "-s") && !strcmp(argv[3], "--grow")) {
		return bench_grow_main(argv[2], argc - 4, argv + 4);
	} else if (argc >= 4 && !strcmp(argv[1], "-s") && !strcmp(argv[3], "--storm")) {
		return bench_storm_main(argv[2], argc - 4, argv + 4);
	} else if (argc >= 4 && !strcmp(argv[1], "-s") && !strcmp(argv[3], "--transports")) {
		return bench_transport_main(argv[2], argc - 4, argv + 4);
	} else if (argc >= 4 && !strcmp(argv[1], "-s")) {
		sock = argv[2];
		devs = argv + 3;
		n = argc - 3;
	} else {
		fprintf(stderr, "usage: bench -s SOCKET DEV... | bench --sim N | bench -s SOCKET --cli ... | "
				"bench -s SOCKET --scale ... | bench -s SOCKET --transports ISCSI_DEV NVME_DEV\n");
		return 2;
	}
	struct attach_client *c = attach_client_new();
	if (!c || attach_connect(c, sock)) {
		fprintf(stderr, "bench: %s\n", c ? attach_last_message(c) : "out of memory");
		return 1;
	}
	cycle(c, devs, n);
	scale(c, devs, n);
	attach_client_free(c);
	if (agent) {
		kill(agent, SIGTERM);
		waitpid(agent, NULL, 0);
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench: could not remove %s\n", dir);
	}
	return 0;
}
