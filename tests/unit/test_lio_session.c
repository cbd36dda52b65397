/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_lio_session.c: the session readers (configfs/lio_session.c) on the simulator's model of sessions
 * (tests/sim/sim_session.c): the target's count and each ACL's info through logins, a reinstatement,
 * logouts and an ACL's removal; the kernel's refusals of a login; what the readers say of a missing
 * target or ACL and of text they do not know; and that reading makes no configfs change and lists nothing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lio_fx.h"
#include "lio_session.h"
#include "unit_main.h"

#define INFO ACL "/info"
#define COUNT T "/fabric_statistics/iscsi_instance/sessions"

static unsigned sessions(struct fx *f)
{
	unsigned n = 99;
	OK(lio_target_sessions(&f->c, IQN, &n));
	return n;
}

static bool logged_in(struct fx *f, const char *ini)
{
	bool in = true;
	OK(lio_acl_logged_in(&f->c, IQN, ini, &in));
	return in;
}

static void test_login_logout(void **state)
{
	struct fx *f = *state;
	lio_export(f);
	sim_stats_reset();
	assert_int_equal(sessions(f), 0);
	assert_false(logged_in(f, INI));
	OK(sim_session_login(f->root, IQN, INI, "192.0.2.7"));
	assert_int_equal(sessions(f), 1);
	assert_true(logged_in(f, INI));
	assert_non_null(strstr(rd(f, INFO), "InitiatorName: " INI "\n"));
	assert_non_null(strstr(rbuf, "Address 192.0.2.7 TCP"));
	assert_string_equal(rd(f, T "/fabric_statistics/iscsi_login_stats/accepts"), "1");
	/* the same initiator again: a reinstatement, one session still */
	OK(sim_session_login(f->root, IQN, INI, NULL));
	assert_int_equal(sessions(f), 1);
	assert_string_equal(rd(f, T "/fabric_statistics/iscsi_login_stats/accepts"), "2");
	/* a second initiator with its own ACL */
	struct lio_acl other = acl;
	other.initiator = INI2;
	OK(lio_acl_create(&f->c, IQN, &other));
	OK(sim_session_login(f->root, IQN, INI2, NULL));
	assert_int_equal(sessions(f), 2);
	assert_true(logged_in(f, INI2));
	OK(sim_session_logout(f->root, IQN, INI));
	assert_int_equal(sessions(f), 1);
	assert_false(logged_in(f, INI));
	assert_string_equal(rd(f, INFO), "No active iSCSI Session for Initiator Endpoint: " INI);
	OK(sim_session_logout(f->root, IQN, INI)); /* no session: nothing to end */
	assert_int_equal(sessions(f), 1);
	/* removing the ACL drops its session, as core_tpg_del_initiator_node_acl does */
	OK(lio_acl_remove(&f->c, IQN, INI2));
	assert_int_equal(sessions(f), 0);
	ERR(lio_acl_logged_in(&f->c, IQN, INI2, &(bool){ false }), ENOENT);
}

/* What the kernel refuses: no target, a disabled TPG, an initiator without an ACL (CHAP only). */
static void test_login_refused(void **state)
{
	struct fx *f = *state;
	ERR(sim_session_login(f->root, IQN, INI, NULL), ENOENT);
	lio_export(f);
	ERR(sim_session_login(f->root, IQN, "iqn.2024-01.org.example:stranger", NULL), EACCES);
	OK(lio_tpg_enable(&f->c, IQN, false));
	ERR(sim_session_login(f->root, IQN, INI, NULL), ECONNREFUSED);
	ERR(sim_session_logout(f->root, IQN, "iqn.2024-01.org.example:stranger"), ENOENT);
	assert_int_equal(sessions(f), 0);
}

static void test_readers(void **state)
{
	struct fx *f = *state;
	unsigned n = 7;
	bool in = true;
	ERR(lio_target_sessions(&f->c, IQN, &n), ENOENT); /* no target: nothing to read */
	assert_int_equal(n, 0);
	ERR(lio_acl_logged_in(&f->c, IQN, INI, &in), ENOENT);
	assert_false(in);
	lio_export(f);
	OK(sim_session_login(f->root, IQN, INI, NULL));
	sim_stats_reset();
	assert_int_equal(sessions(f), 1);
	assert_true(logged_in(f, INI));
	struct sim_stats st = sim_stats();
	/* two reads of named attributes: no listing, no change */
	assert_int_equal(st.read, 2);
	assert_string_equal(ops(), "0/0/0/0/0");
	/* text the readers do not know is no answer (the simulator's files are the kernel's show()) */
	char path[512];
	snprintf(path, sizeof(path), "%s/" COUNT, f->root);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("many\n", fp);
	fclose(fp);
	ERR(lio_target_sessions(&f->c, IQN, &n), EPROTO);
	snprintf(path, sizeof(path), "%s/" INFO, f->root);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("Session of some other kind\n", fp);
	fclose(fp);
	ERR(lio_acl_logged_in(&f->c, IQN, INI, &in), EPROTO);
	/* a read the kernel fails is passed on */
	sim_fail("read", "iscsi_instance/sessions", EIO, 1);
	ERR(lio_target_sessions(&f->c, IQN, &n), EIO);
}

UNIT_MAIN("lio-session", SIM_TEST(test_login_logout), SIM_TEST(test_login_refused), SIM_TEST_612(test_readers))
