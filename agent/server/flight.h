/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flight.h: the calls whose kernel work is under way beside the event loop. A mutating call on an
 * iSCSI volume commits its records and intent in the loop, then applies its plan in a thread of its own,
 * so that calls on different volumes wait for the kernel at the same time (a boot storm: the kernel's
 * teardown is mostly waiting, docs/PERFORMANCE.md); the loop settles the intent and answers when the
 * thread is done. The records stay the loop's alone: a thread touches only the kernel. What may not run
 * beside another call (the same volume, a plan on shared objects, reconcile) waits, its request kept,
 * until the calls in flight end (docs/PROTOCOL.md §1, Concurrency).
 */
#ifndef FLIGHT_H
#define FLIGHT_H

#include <pthread.h>
#include <stdbool.h>

#include "attach.h"

#define FLIGHT_MAX 32 /* calls in the kernel at once; the next one waits */

struct flight {
	int efd;                /* eventfd: a call's thread is done (the loop watches it) */
	pthread_mutex_t lock;   /* guards done/n_done, which the threads append to */
	void *done[FLIGHT_MAX]; /* the finished calls not yet collected by the loop */
	unsigned n_done;
	unsigned n;    /* calls in flight (the loop's) */
	unsigned peak; /* the most at once since they were last all done */
	char vols[FLIGHT_MAX][ATTACH_UUID_LEN + 1];
	const void *barrier; /* a call that must run alone waits (its connection): nothing new starts */
};

int flight_open(struct flight *f);
void flight_close(struct flight *f);
/* Is a call on @volume in flight? */
bool flight_busy(const struct flight *f, const char *volume);
/* Count a call on @volume in (-EBUSY when FLIGHT_MAX are), and out again. */
int flight_add(struct flight *f, const char *volume);
void flight_remove(struct flight *f, const char *volume);
/* From a call's thread: @job is done; the loop's eventfd wakes. */
void flight_done(struct flight *f, void *job);
/* From the loop: the finished calls (at most @max) into @out; their number. */
unsigned flight_collect(struct flight *f, void **out, unsigned max);
/* A call's thread, on a stack of its own that goes when it is joined: after a storm of calls the agent
 * keeps no stacks (glibc would cache its own, touched pages and all). */
struct flight_thread {
	pthread_t t;
	void *map; /* the stack, with a guard page below it */
	size_t len;
};
/* Start @fn(@arg). 0 or -errno. */
int flight_thread_start(struct flight_thread *th, void *(*fn)(void *), void *arg);
/* Wait for its end (it has said flight_done: a moment) and free its stack. */
void flight_thread_join(struct flight_thread *th);

#endif
