/* SPDX-License-Identifier: Apache-2.0 */
/*
 * harness.h: an in-process agent for unit tests: a temporary directory with a simulated configfs tree,
 * block device nodes, an LMDB store, and dispatch() driven with requests built like a client's.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "dispatch.h"

#define H_DEVS 4
#define H_PORTAL "127.0.0.1:3260"

struct harness {
	char dir[256];
	char cfs_root[PATH_MAX];
	char db[PATH_MAX];
	char dev[H_DEVS][PATH_MAX];
	struct agent a;
	struct dispatch_conn dc;
	uint32_t seq;
	struct nl_msg *reply;
	struct nlattr *tb[ATTACH_A_MAX + 1];
	uint32_t status;
	const char *message;
};

/* cmocka setup/teardown: *state becomes a struct harness with the store open and HELLO done. */
int harness_setup(void **state);
int harness_teardown(void **state);
/* A test on a fresh harness, for UNIT_MAIN (unit_main.h). */
#define H_TEST(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, harness_teardown)
/* Close and reopen the store (an agent restart; the tree stays). */
void harness_restart(struct harness *h);

/*
 * Send a request of @type with attributes given as (int attr, const char *value) pairs ending with 0.
 * Strings as is; flags: any non-NULL value; u8/u32: the number in decimal. Returns the reply's status;
 * h->tb / h->message hold the reply until the next call.
 */
uint32_t h_call(struct harness *h, uint16_t type, ...);
/* h_call() with its attributes in @ap; and for a request built by the caller (its own seq, and it stays the
 * caller's). */
uint32_t h_vcall(struct harness *h, uint16_t type, va_list ap);
uint32_t h_send(struct harness *h, struct nl_msg *m);
/* The reply's string attribute @a ("" if absent), copied into a static rotating buffer. */
const char *h_str(struct harness *h, int a);

/* Shortcuts: a new volume on device @i (returns its id in a static buffer), and driving a volume to a state
 * (its attach is to ids.h's INSTANCE). */
const char *h_volume(struct harness *h, int i, int multiattach);
void h_to_state(struct harness *h, const char *vol, int state, const char *initiator);

/* The harness's log sink: silent unless H_VERBOSE is set. */
void h_log_quiet(enum log_level level, const char *msg, void *data);

/* The configfs tree and the records, as text, to compare before/after a refused call. */
char *h_snapshot(struct harness *h);
/* The snapshot now is @before (an h_snapshot(), freed here); otherwise their difference is printed and the
 * test fails at the caller's line, with @what (NULL: nothing) saying what was done. */
void h_check_unchanged(struct harness *h, char *before, const char *what, const char *file, int line);
#define assert_unchanged(h, before) h_check_unchanged((h), (before), NULL, __FILE__, __LINE__)
/* What h_snapshot() leaves out: the tree under target/ with every attribute's value (newlines as '|'), one
 * sorted line an entry, and the table of dm device @dm (NULL: none). malloc'd. */
char *h_kernel_state(struct harness *h, const char *dm);
/* The same as assert_unchanged() for an h_kernel_state() @before. */
void h_check_kernel_unchanged(struct harness *h, const char *dm, char *before, const char *what, const char *file,
			      int line);
#define assert_kernel_unchanged(h, dm, before) h_check_kernel_unchanged((h), (dm), (before), NULL, __FILE__, __LINE__)
/* Print the lines of @a that @b lacks ("- ...") and those of @b that @a lacks ("+ ..."). */
void h_print_diff(const char *a, const char *b);

#endif
