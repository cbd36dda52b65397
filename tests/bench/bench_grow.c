/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_grow.c: K live exports made through the agent as fast as one client can (the first boot of
 * make bench's restore scenarios): for device i of --live FMT (a printf format of i), volume-create,
 * reserve and initialize-connection for initiator iqn.2004-10.org.example:restore-<i>. Prints the time
 * per export; a failed call ends it with exit 1.
 *
 *   bench -s SOCKET --grow N --live FMT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

int bench_grow_main(const char *sock, int argc, char **argv)
{
	int n = argc == 3 && !strcmp(argv[1], "--live") ? atoi(argv[0]) : 0;
	if (n < 1) {
		fprintf(stderr, "usage: bench -s SOCKET --grow N --live FMT\n");
		return 2;
	}
	struct attach_client *c = attach_client_new();
	if (!c || attach_connect(c, sock)) {
		fprintf(stderr, "bench: %s\n", c ? attach_last_message(c) : "out of memory");
		return 1;
	}
	double t0 = bench_now_ms();
	for (int i = 0; i < n; i++) {
		char dev[256], ini[80], vol[ATTACH_UUID_LEN + 1];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(dev, sizeof(dev), argv[2], i);
#pragma GCC diagnostic pop
		snprintf(ini, sizeof(ini), "iqn.2004-10.org.example:restore-%d", i);
		struct attach_volume_create_args va = { .device = dev };
		struct attach_connector conn = { .initiator = ini, .ip = "127.0.0.1" };
		struct attach_conninfo ci = { 0 };
		if (attach_volume_create(c, &va, vol) || attach_reserve(c, vol, NULL) ||
		    attach_initialize_connection(c, vol, &conn, &ci)) {
			fprintf(stderr, "bench: %s: %s\n", dev, attach_last_message(c));
			attach_client_free(c);
			return 1;
		}
		attach_conninfo_clear(&ci);
	}
	double ms = bench_now_ms() - t0;
	printf("grew %d exports through the agent in %.0f ms (%.2f ms each: volume-create, reserve, "
	       "initialize-connection)\n", n, ms, ms / n);
	attach_client_free(c);
	return 0;
}
