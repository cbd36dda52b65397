/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_discovery.c: discovery CHAP in the agent (agent/kernel/discovery.c, the reply block of
 * agent/calls/reply.c) on the harness: credentials made once and kept across restarts, the kernel set
 * by reconciliation and left untouched when it matches, initialize-connection carrying them only while
 * they are enforced, a dry run, and the option dropped (attachd's credentials taken away, another
 * tool's left alone).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "calls_fx.h"
#include "discovery.h"
#include "sim.h"
#include "unit_main.h"

#define DA "target/iscsi/discovery_auth/"

static const char *rd_attr(struct harness *h, const char *attr)
{
	static char buf[300];
	char p[128];
	snprintf(p, sizeof(p), DA "%s", attr);
	assert_true(cfs_read(&h->a.cfs, p, buf, sizeof(buf)) >= 0);
	return buf;
}

static int recon(struct harness *h, bool dry_run, bool *failed)
{
	char line[512];
	return discovery_reconcile(&h->a, dry_run, line, sizeof(line), failed);
}

static void test_on(void **state)
{
	struct harness *h = *state;
	bool failed;
	h->a.cfg.discovery_chap = true;
	assert_int_equal(discovery_load(&h->a), 0);
	assert_true(h->a.disc.stored);
	assert_int_equal(strlen(h->a.disc.userid), 16);
	assert_int_equal(strlen(h->a.disc.password), 16);
	assert_false(h->a.disc.serve);
	assert_int_equal(recon(h, true, &failed), 1); /* dry run: found, nothing written */
	assert_false(failed);
	assert_string_equal(rd_attr(h, "enforce_discovery_auth"), "0");
	assert_int_equal(recon(h, false, &failed), 1);
	assert_false(failed);
	assert_true(h->a.disc.serve);
	assert_string_equal(rd_attr(h, "enforce_discovery_auth"), "1");
	assert_string_equal(rd_attr(h, "userid"), h->a.disc.userid);
	assert_string_equal(rd_attr(h, "password"), h->a.disc.password);
	/* the replies carry them */
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_ATTACHING);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_string_equal(h_str(h, ATTACH_A_DISCOVERY_AUTH_METHOD), "CHAP");
	assert_string_equal(h_str(h, ATTACH_A_DISCOVERY_USERNAME), h->a.disc.userid);
	assert_string_equal(h_str(h, ATTACH_A_DISCOVERY_PASSWORD), h->a.disc.password);
	/* a match costs reads only */
	sim_stats_reset();
	assert_int_equal(recon(h, false, &failed), 0);
	struct sim_stats st = sim_stats();
	assert_int_equal(st.write + st.mkdir + st.rmdir, 0);
	/* a restart loads the same ones */
	char user[sizeof(h->a.disc.userid)], pass[sizeof(h->a.disc.password)];
	snprintf(user, sizeof(user), "%s", h->a.disc.userid);
	snprintf(pass, sizeof(pass), "%s", h->a.disc.password);
	harness_restart(h);
	assert_int_equal(discovery_load(&h->a), 0);
	assert_string_equal(h->a.disc.userid, user);
	assert_string_equal(h->a.disc.password, pass);
	assert_int_equal(recon(h, false, &failed), 0);
}

static void test_off(void **state)
{
	struct harness *h = *state;
	bool failed;
	assert_int_equal(discovery_load(&h->a), 0); /* never on: nothing stored, nothing made */
	assert_false(h->a.disc.stored);
	assert_int_equal(recon(h, false, &failed), 0);
	const char *vol = new_volume(h, 0, 0, ATTACH_STATE_ATTACHING);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_null(h->tb[ATTACH_A_DISCOVERY_AUTH_METHOD]);
	assert_null(h->tb[ATTACH_A_DISCOVERY_PASSWORD]);
	/* on once, then dropped: attachd's credentials go, the stored ones stay */
	h->a.cfg.discovery_chap = true;
	assert_int_equal(discovery_load(&h->a), 0);
	assert_int_equal(recon(h, false, &failed), 1);
	h->a.cfg.discovery_chap = false;
	assert_int_equal(discovery_load(&h->a), 0);
	assert_true(h->a.disc.stored);
	assert_int_equal(recon(h, false, &failed), 1);
	assert_false(failed);
	assert_false(h->a.disc.serve);
	assert_string_equal(rd_attr(h, "enforce_discovery_auth"), "0");
	assert_string_equal(rd_attr(h, "userid"), "NULL");
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_null(h->tb[ATTACH_A_DISCOVERY_AUTH_METHOD]);
	assert_int_equal(recon(h, false, &failed), 0);
	/* another tool's credentials: not attachd's business without the option */
	assert_int_equal(cfs_write(&h->a.cfs, DA "userid", "other"), 0);
	assert_int_equal(cfs_write(&h->a.cfs, DA "password", "othersecret12"), 0);
	assert_int_equal(cfs_write(&h->a.cfs, DA "enforce_discovery_auth", "1"), 0);
	assert_int_equal(recon(h, false, &failed), 0);
	/* ... and with it: left alone, a failure, nothing served */
	h->a.cfg.discovery_chap = true;
	sim_stats_reset();
	assert_int_equal(recon(h, false, &failed), 1);
	assert_true(failed);
	assert_int_equal(sim_stats().write, 0);
	assert_false(h->a.disc.serve);
	assert_int_equal(init_conn(h, vol, INI_A), ATTACH_OK);
	assert_null(h->tb[ATTACH_A_DISCOVERY_USERNAME]);
}

/* A kernel write that fails: reported, nothing served; the next reconcile finishes. */
static void test_write_fails(void **state)
{
	struct harness *h = *state;
	bool failed;
	h->a.cfg.discovery_chap = true;
	assert_int_equal(discovery_load(&h->a), 0);
	sim_fail("write", DA "enforce_discovery_auth", EIO, 1);
	assert_int_equal(recon(h, false, &failed), 1);
	assert_true(failed);
	assert_false(h->a.disc.serve);
	assert_int_equal(recon(h, false, &failed), 1); /* attachd's user name is there: finished */
	assert_false(failed);
	assert_true(h->a.disc.serve);
	/* unreadable: an error, nothing served */
	sim_fail("read", DA "userid", EIO, 1);
	assert_int_equal(recon(h, false, &failed), -EIO);
	assert_false(h->a.disc.serve);
}

UNIT_MAIN("discovery", H_TEST(test_on), H_TEST(test_off), H_TEST(test_write_fails))
