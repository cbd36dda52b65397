/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_lio_discovery.c: target/iscsi/discovery_auth (configfs/lio_discovery.c) on the configfs
 * simulator: what the kernel shows before anything is written, the order of the writes (enforcement
 * last on, first off: a fault in the nth write leaves exactly n - 1 done), the mutual pair cleared on
 * request, refusals before any write, and the kernel's "NULL" that stays readable as the word.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lio.h"
#include "lio_discovery.h"
#include "sim_fx.h"
#include "unit_main.h"

#define DA "target/iscsi/discovery_auth/"
#define USER "AbCdEfGh12345678"
#define PASS "Zz9Yy8Xx7Ww6Vv5U"

static void fabric(struct fx *f)
{
	OK(lio_fabric_ensure(&f->c));
}

/* A fresh fabric: nothing enforced, nothing set (empty values, not "NULL"). */
static void test_state_fresh(void **state)
{
	struct fx *f = *state;
	struct lio_disc_state st;
	ERR(lio_discovery_state(&f->c, &st), ENOENT); /* no target/iscsi yet */
	fabric(f);
	OK(lio_discovery_state(&f->c, &st));
	assert_false(st.enforce);
	assert_string_equal(st.userid, "");
	assert_string_equal(st.password, "");
	assert_false(st.mutual);
	assert_true(lio_discovery_unset(st.userid));
	assert_true(lio_discovery_unset("NULL"));
	assert_false(lio_discovery_unset(USER));
}

static void test_enforce(void **state)
{
	struct fx *f = *state;
	struct lio_disc_state st;
	fabric(f);
	sim_stats_reset();
	OK(lio_discovery_enforce(&f->c, USER, PASS, false));
	assert_int_equal(sim_stats().write, 3);
	assert_string_equal(rd(f, DA "enforce_discovery_auth"), "1");
	assert_string_equal(rd(f, DA "userid"), USER); /* no trailing newline was written */
	assert_string_equal(rd(f, DA "password"), PASS);
	assert_string_equal(rd(f, DA "authenticate_target"), "0");
	OK(lio_discovery_state(&f->c, &st));
	assert_true(st.enforce);
	assert_string_equal(st.userid, USER);
	assert_string_equal(st.password, PASS);
	assert_false(st.mutual);
}

/* userid, password, enforce: a fault in the nth write leaves n - 1 written and never enforcement. */
static void test_enforce_order(void **state)
{
	struct fx *f = *state;
	static const char *const order[] = { DA "userid", DA "password", DA "enforce_discovery_auth" };
	fabric(f);
	for (size_t i = 0; i < 3; i++) {
		OK(lio_discovery_open(&f->c));
		sim_stats_reset();
		sim_fail("write", order[i], EIO, 1);
		ERR(lio_discovery_enforce(&f->c, USER, PASS, false), EIO);
		assert_int_equal(sim_stats().write, i + 1);
		assert_string_equal(rd(f, DA "enforce_discovery_auth"), "0");
		assert_string_equal(rd(f, DA "userid"), i > 0 ? USER : "NULL");
	}
}

static void test_enforce_clears_mutual(void **state)
{
	struct fx *f = *state;
	struct lio_disc_state st;
	fabric(f);
	W(DA "userid_mutual", "tgt");
	W(DA "password_mutual", "tgtsecret123");
	assert_string_equal(rd(f, DA "authenticate_target"), "1");
	OK(lio_discovery_state(&f->c, &st));
	assert_true(st.mutual);
	OK(lio_discovery_enforce(&f->c, USER, PASS, true));
	assert_string_equal(rd(f, DA "userid_mutual"), "NULL");
	assert_string_equal(rd(f, DA "password_mutual"), "NULL");
	assert_string_equal(rd(f, DA "authenticate_target"), "0");
	OK(lio_discovery_state(&f->c, &st));
	assert_false(st.mutual);
	/* one of the pair is enough to count */
	W(DA "password_mutual", "tgtsecret123");
	OK(lio_discovery_state(&f->c, &st));
	assert_true(st.mutual);
}

static void test_enforce_refused(void **state)
{
	struct fx *f = *state;
	char big[300];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fabric(f);
	sim_stats_reset();
	ERR(lio_discovery_enforce(&f->c, "", PASS, false), EINVAL);
	ERR(lio_discovery_enforce(&f->c, USER, "NULL", false), EINVAL);
	ERR(lio_discovery_enforce(&f->c, big, PASS, false), EINVAL);
	big[LIO_DISC_CRED_MAX + 1] = '\0'; /* 256 bytes: the kernel's EINVAL, refused here first */
	ERR(lio_discovery_enforce(&f->c, USER, big, false), EINVAL);
	assert_int_equal(sim_stats().write, 0);
	big[LIO_DISC_CRED_MAX] = '\0'; /* 255 bytes: the longest the kernel takes */
	OK(lio_discovery_enforce(&f->c, USER, big, false));
	assert_string_equal(rd(f, DA "password"), big);
}

/* Off: enforcement first, then the credentials; they read "NULL" afterwards, as on the kernel. */
static void test_open(void **state)
{
	struct fx *f = *state;
	struct lio_disc_state st;
	fabric(f);
	OK(lio_discovery_enforce(&f->c, USER, PASS, false));
	sim_fail("write", DA "userid", EIO, 1);
	ERR(lio_discovery_open(&f->c), EIO);
	assert_string_equal(rd(f, DA "enforce_discovery_auth"), "0");
	assert_string_equal(rd(f, DA "userid"), USER);
	OK(lio_discovery_open(&f->c));
	OK(lio_discovery_state(&f->c, &st));
	assert_false(st.enforce);
	assert_string_equal(st.userid, "NULL");
	assert_string_equal(st.password, "NULL");
	assert_true(lio_discovery_unset(st.userid) && lio_discovery_unset(st.password));
}

UNIT_MAIN("lio_discovery", SIM_TEST(test_state_fresh), SIM_TEST(test_enforce), SIM_TEST_612(test_enforce),
	  SIM_TEST(test_enforce_order), SIM_TEST(test_enforce_clears_mutual), SIM_TEST(test_enforce_refused),
	  SIM_TEST(test_open))
