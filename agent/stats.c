/* SPDX-License-Identifier: Apache-2.0 */
/* stats.c: the agent's counters (see stats.h). */
#include "stats.h"

#include <string.h>
#include <time.h>

#include "proto.h"
#include "reconcile.h"

/* Prometheus's default buckets run from 5 ms: attachd's calls take from tens of microseconds (a read on a
 * quiet store) to seconds (a reconcile that rebuilds exports), so the bounds start lower. */
const uint64_t stats_bucket_us[STATS_BUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
	5000000, 10000000,
};

void stats_init(struct stats *s)
{
	memset(s, 0, sizeof(*s));
	s->start = (uint64_t)time(NULL);
}

uint64_t stats_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

unsigned stats_row(uint16_t type)
{
	if (type < ATTACH_MSG_FIRST || type > ATTACH_MSG_LAST)
		return STATS_UNKNOWN;
	return type - ATTACH_MSG_FIRST;
}

void stats_count(struct stats *s, uint16_t type, int err, uint64_t us)
{
	struct stats_call *c = &s->calls[stats_row(type)];
	uint32_t status = proto_status_from_errno(err);
	c->count++;
	c->sum_us += us;
	if (status < STATS_STATUSES)
		c->by_status[status]++;
	for (unsigned i = 0; i < STATS_BUCKETS; i++) {
		if (us <= stats_bucket_us[i]) {
			c->bucket[i]++;
			break;
		}
	}
}

void stats_reconciled(struct stats_recon *out, const struct recon_report *r, int rc, uint64_t us)
{
	*out = (struct stats_recon){
		.ran = true, .time = (uint64_t)time(NULL), .duration_us = us, .status = proto_status_from_errno(rc),
		.differences = r->differences, .fixed = r->fixed, .failures = r->failures, .down = r->down,
		.unowned = r->unowned, .removed = r->removed,
	};
}
