/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stats.h: the agent's counters, kept by this process only: every request counted by its call and the
 * status of its reply, a histogram of the time it took (from the whole request read to its reply
 * built), and the outcome of the reconcile at start and of the last reconcile call. They live in struct
 * agent as fixed arrays: counting a call allocates nothing and writes nothing to the store, and a
 * restart starts them again from zero with a new start time (the stats call adds what the store holds:
 * the counts of its records, read then).
 */
#ifndef STATS_H
#define STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "attach_proto.h"

struct recon_report;

/* The histogram's upper bounds, in microseconds: 100 us to 10 s, and above them only the count. */
#define STATS_BUCKETS 16
extern const uint64_t stats_bucket_us[STATS_BUCKETS];
/* One row per call type (ATTACH_MSG_FIRST to ATTACH_MSG_LAST), and a last one for types that are not calls. */
#define STATS_CALLS (ATTACH_MSG_LAST - ATTACH_MSG_FIRST + 2)
#define STATS_UNKNOWN (STATS_CALLS - 1)
#define STATS_STATUSES __ATTACH_E_MAX

struct stats_call {
	uint64_t count;
	uint64_t sum_us;
	uint64_t by_status[STATS_STATUSES];
	uint64_t bucket[STATS_BUCKETS]; /* above the bound before, up to its own: not cumulative here */
};

/* What a reconcile did. */
struct stats_recon {
	bool ran;
	uint64_t time;        /* its end, seconds since the epoch */
	uint64_t duration_us;
	uint32_t status;      /* enum attach_status of its result */
	unsigned differences, fixed, failures, down, unowned, removed;
};

struct stats {
	uint64_t start; /* seconds since the epoch */
	struct stats_call calls[STATS_CALLS];
	struct stats_recon at_start, last_call;
};

/* Zero, and the start time now. */
void stats_init(struct stats *s);
/* A monotonic clock in microseconds, for durations. */
uint64_t stats_now_us(void);
/* The row of message type @type: its call's, or STATS_UNKNOWN's. */
unsigned stats_row(uint16_t type);
/* Count one request of @type answered with @err (0 or -errno, mapped as the reply maps it) after @us. */
void stats_count(struct stats *s, uint16_t type, int err, uint64_t us);
/* Keep what a reconcile reported (@rc: its result) in @out; it ran for @us. */
void stats_reconciled(struct stats_recon *out, const struct recon_report *r, int rc, uint64_t us);

#endif
