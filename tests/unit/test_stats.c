/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_stats.c: the agent's counters (agent/stats.c): each request lands in its call's row under the
 * status its reply carries, in the first bucket that holds its time (a bound included), unknown types in
 * the last row; the bounds rise; a reconcile's report is kept whole with its status.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "reconcile.h"
#include "stats.h"
#include "unit_main.h"

static uint64_t total(const struct stats_call *c)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < STATS_BUCKETS; i++)
		n += c->bucket[i];
	return n;
}

static void test_count(void **state)
{
	(void)state;
	struct stats s;
	time_t before = time(NULL);
	stats_init(&s);
	assert_true(s.start >= (uint64_t)before && s.start <= (uint64_t)time(NULL));
	stats_count(&s, ATTACH_MSG_RESERVE, 0, 40);
	stats_count(&s, ATTACH_MSG_RESERVE, -ENOENT, 100);   /* on the bound: its bucket */
	stats_count(&s, ATTACH_MSG_RESERVE, -EBADFD, 101);   /* just above: the next */
	stats_count(&s, ATTACH_MSG_RESERVE, -ENOENT, 20000000); /* above every bound: the count only */
	const struct stats_call *c = &s.calls[stats_row(ATTACH_MSG_RESERVE)];
	assert_int_equal(c->count, 4);
	assert_int_equal(c->sum_us, 40 + 100 + 101 + 20000000);
	assert_int_equal(c->by_status[ATTACH_OK], 1);
	assert_int_equal(c->by_status[ATTACH_E_NOT_FOUND], 2);
	assert_int_equal(c->by_status[ATTACH_E_STATE], 1);
	assert_int_equal(c->bucket[0], 2);
	assert_int_equal(c->bucket[1], 1);
	assert_int_equal(total(c), 3);
	/* other rows untouched */
	assert_int_equal(s.calls[stats_row(ATTACH_MSG_ATTACH)].count, 0);
}

static void test_rows(void **state)
{
	(void)state;
	struct stats s;
	stats_init(&s);
	assert_int_equal(stats_row(ATTACH_MSG_FIRST), 0);
	assert_int_equal(stats_row(ATTACH_MSG_LAST), STATS_UNKNOWN - 1);
	assert_int_equal(stats_row(ATTACH_MSG_STATS), STATS_UNKNOWN - 1);
	assert_int_equal(stats_row(ATTACH_MSG_REFUSED), STATS_UNKNOWN);
	assert_int_equal(stats_row(0), STATS_UNKNOWN);
	assert_int_equal(stats_row(ATTACH_MSG_LAST + 1), STATS_UNKNOWN);
	stats_count(&s, 0x7777, -EOPNOTSUPP, 5);
	assert_int_equal(s.calls[STATS_UNKNOWN].by_status[ATTACH_E_UNKNOWN_CALL], 1);
	/* an errno the protocol does not name is internal, and still counted */
	stats_count(&s, ATTACH_MSG_HELLO, -ENOMEM, 5);
	assert_int_equal(s.calls[0].by_status[ATTACH_E_INTERNAL], 1);
	for (unsigned i = 1; i < STATS_BUCKETS; i++)
		assert_true(stats_bucket_us[i] > stats_bucket_us[i - 1]);
	assert_int_equal(stats_bucket_us[0], 100);
	assert_int_equal(stats_bucket_us[STATS_BUCKETS - 1], 10000000);
}

static void test_reconciled(void **state)
{
	(void)state;
	struct recon_report r = { .differences = 5, .fixed = 3, .failures = 2, .down = 1, .unowned = 4, .removed = 2 };
	struct stats_recon out;
	memset(&out, 0, sizeof(out));
	stats_reconciled(&out, &r, -EIO, 1234);
	assert_true(out.ran);
	assert_int_equal(out.status, ATTACH_E_KERNEL);
	assert_int_equal(out.duration_us, 1234);
	assert_true(out.time >= (uint64_t)time(NULL) - 1);
	assert_int_equal(out.differences, 5);
	assert_int_equal(out.fixed, 3);
	assert_int_equal(out.failures, 2);
	assert_int_equal(out.down, 1);
	assert_int_equal(out.unowned, 4);
	assert_int_equal(out.removed, 2);
	stats_reconciled(&out, &(struct recon_report){ 0 }, 0, 1);
	assert_int_equal(out.status, ATTACH_OK);
	assert_int_equal(out.differences, 0);
}

UNIT_MAIN("stats", cmocka_unit_test(test_count), cmocka_unit_test(test_rows), cmocka_unit_test(test_reconciled))
