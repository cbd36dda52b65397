/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_transport.c: an iSCSI export against an NVMe/TCP export in the same boot, through the same
 * agent (scenario 25). One volume of each transport, reserved once; then in rounds, alternating so that
 * neither gets the quieter half of the boot: initialize-connection (a new export: for iSCSI the dm
 * device, storage object, target, TPG, LUN, portal, ACL with CHAP, mapped LUN, enable; for NVMe/TCP the
 * dm device, subsystem, namespace, host, its link, the port link) and terminate-connection (its
 * teardown). Prints mean, p50 and p99 per transport and the NVMe/iSCSI ratio of the p50s. Asserts
 * nothing; a failed call ends it with exit 1.
 *
 *   bench -s SOCKET --transports ISCSI_DEV NVME_DEV [--rounds N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

enum { T_ISCSI, T_NVME, T_N };
static const char *const transport_names[T_N] = { "iscsi", "nvme-tcp" };

struct bench_tr_vol {
	char id[ATTACH_UUID_LEN + 1];
	struct attach_connector conn;
	const char *who; /* the initiator name or the host NQN */
};

static int bench_tr_setup(struct attach_client *c, const char *dev, int transport, struct bench_tr_vol *v)
{
	struct attach_volume_create_args va = { .device = dev, .transport = transport };
	if (attach_volume_create(c, &va, v->id) || attach_reserve(c, v->id, NULL))
		return -1;
	if (transport == ATTACH_TRANSPORT_NVME_TCP)
		v->conn.nqn = v->who = "nqn.2014-08.org.nvmexpress:uuid:0b9e2c4a-7d51-4f0e-9a3c-2e5b8d6f1a70";
	else
		v->conn.initiator = v->who = "iqn.2004-10.org.example:bench-transport";
	v->conn.ip = "127.0.0.1";
	return 0;
}

static void bench_tr_row(const char *what, double *v, int n)
{
	struct bench_stat st;
	bench_stat(v, (size_t)n, &st);
	printf("  %-38s %8.2f %8.2f %8.2f\n", what, st.mean, st.p50, st.p99);
}

int bench_transport_main(const char *sock, int argc, char **argv)
{
	int rounds = 10;
	if (argc == 4 && !strcmp(argv[2], "--rounds"))
		rounds = atoi(argv[3]);
	if ((argc != 2 && argc != 4) || rounds < 1) {
		fprintf(stderr, "usage: bench -s SOCKET --transports ISCSI_DEV NVME_DEV [--rounds N]\n");
		return 2;
	}
	struct attach_client *c = attach_client_new();
	struct bench_tr_vol vol[T_N] = { 0 };
	double *init[T_N], *term[T_N];
	if (!c || attach_connect(c, sock) || bench_tr_setup(c, argv[0], ATTACH_TRANSPORT_ISCSI, &vol[T_ISCSI]) ||
	    bench_tr_setup(c, argv[1], ATTACH_TRANSPORT_NVME_TCP, &vol[T_NVME])) {
		fprintf(stderr, "bench: %s\n", c ? attach_last_message(c) : "out of memory");
		return 1;
	}
	for (int t = 0; t < T_N; t++) {
		init[t] = calloc((size_t)rounds, sizeof(double));
		term[t] = calloc((size_t)rounds, sizeof(double));
		if (!init[t] || !term[t])
			return 1;
	}
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < T_N; k++) {
			int t = (r + k) % T_N; /* iSCSI first in even rounds, NVMe first in odd ones */
			struct attach_conninfo ci;
			double t0 = bench_now_ms();
			if (attach_initialize_connection(c, vol[t].id, &vol[t].conn, &ci))
				goto fail;
			double t1 = bench_now_ms();
			if (attach_terminate_connection(c, vol[t].id, vol[t].who, false))
				goto fail;
			init[t][r] = t1 - t0;
			term[t][r] = bench_now_ms() - t1;
		}
	}
	printf("one export of each transport, same agent and boot, %d rounds (ms):\n  %-38s %8s %8s %8s\n", rounds,
	       "call", "mean", "p50", "p99");
	double p50[T_N][2];
	for (int t = 0; t < T_N; t++) {
		char what[64];
		struct bench_stat st;
		snprintf(what, sizeof(what), "%s initialize-connection (export)", transport_names[t]);
		bench_tr_row(what, init[t], rounds);
		bench_stat(init[t], (size_t)rounds, &st);
		p50[t][0] = st.p50;
		snprintf(what, sizeof(what), "%s terminate-connection (teardown)", transport_names[t]);
		bench_tr_row(what, term[t], rounds);
		bench_stat(term[t], (size_t)rounds, &st);
		p50[t][1] = st.p50;
	}
	printf("nvme-tcp / iscsi, p50: export %.2fx, teardown %.2fx\n", p50[T_NVME][0] / p50[T_ISCSI][0],
	       p50[T_NVME][1] / p50[T_ISCSI][1]);
	for (int t = 0; t < T_N; t++) {
		if (attach_unreserve(c, vol[t].id) || attach_volume_delete(c, vol[t].id))
			goto fail;
		free(init[t]);
		free(term[t]);
	}
	attach_client_free(c);
	return 0;
fail:
	fprintf(stderr, "bench: %s\n", attach_last_message(c));
	return 1;
}
