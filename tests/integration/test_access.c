/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_access.c: what a connection may do, on a real attachd-sim: read-only attachments (the mode given
 * at reserve, the mapped LUN write-protected for that initiator, attach with another mode refused,
 * read-write and read-only initiators of one multiattach volume, a read-write connection joining a
 * read-only ACL, reconcile and a reboot putting write_protect back) and mutual CHAP (the target's
 * credentials drawn once, stable on retry, kept hidden, in the kernel, and restored).
 */
#include "itest.h"

static char DEV[256];
static char VOL[ATTACH_UUID_LEN + 1];
static const char *const ATT_HOST = "compute-1";

static int setup(void **state)
{
	it_world_setup(state);
	world_dev(&W, "disk0", 240, DEV, sizeof(DEV));
	assert_int_equal(world_start(&W, "--no-dm", NULL), 0);
	return 0;
}

/* A file of the simulated configfs under the volume's TPG (its "%s\n" shown value), without the newline. */
static char *tpg_read(const char *rest)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/target/iscsi/iqn.2026-11.org.attachd:%s/tpgt_1/%s", W.cfs, VOL, rest);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot read %s: %s", path, strerror(errno));
	static char buf[512];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static const char *wp_of(const char *ini)
{
	char rest[256];
	snprintf(rest, sizeof(rest), "acls/%s/lun_0/write_protect", ini);
	return tpg_read(rest);
}

static void attach_as(struct attach_client *c, const char *ini, int reserve_mode, struct attach_conninfo *ci)
{
	char att[ATTACH_UUID_LEN + 1];
	assert_int_equal(attach_reserve_mode(c, VOL, reserve_mode, att), 0);
	struct attach_connector conn = { .initiator = ini, .host = ATT_HOST };
	assert_int_equal(attach_initialize_connection(c, VOL, &conn, ci), 0);
	struct attach_attach_args aa = { .instance = INSTANCE, .host = ATT_HOST, .mountpoint = "/dev/vdb",
					 .mode = ATTACH_MODE_AS_RESERVED };
	assert_int_equal(attach_attach(c, VOL, &aa, NULL), 0);
}

static const struct attach_acl_info *acl_of(const struct attach_volume_info *v, const char *ini)
{
	for (size_t i = 0; i < v->n_acls; i++)
		if (!strcmp(v->acls[i].initiator, ini))
			return &v->acls[i];
	fail_msg("no ACL for %s", ini);
	return NULL;
}

static void test_read_only_attachment(void **state)
{
	(void)state;
	struct attach_client *c = world_client(&W);
	struct attach_volume_create_args va = { .device = DEV, .multiattach = true };
	assert_int_equal(attach_volume_create(c, &va, VOL), 0);
	char att[ATTACH_UUID_LEN + 1];
	assert_int_equal(attach_reserve_mode(c, VOL, ATTACH_MODE_RO, att), 0);
	assert_int_equal(attach_reserve_mode(c, VOL, 7, NULL), -EINVAL); /* checked before it is sent */

	/* the plan says so before anything is made */
	attach_set_dry_run(c, true);
	struct attach_connector conn = { .initiator = INI_A, .host = ATT_HOST };
	struct attach_conninfo ci;
	assert_int_equal(attach_initialize_connection(c, VOL, &conn, &ci), 0);
	const char *const *steps;
	size_t n = attach_last_plan(c, &steps);
	bool said = false;
	for (size_t i = 0; i < n; i++)
		said |= strstr(steps[i], "map LUN 0 as 0 for " INI_A) && strstr(steps[i], "read-only (write_protect)");
	assert_true(said);
	attach_set_dry_run(c, false);

	assert_int_equal(attach_initialize_connection(c, VOL, &conn, &ci), 0);
	assert_int_equal(ci.mode, ATTACH_MODE_RO);
	assert_string_equal(wp_of(INI_A), "1");
	char *json = attach_conninfo_json(&ci);
	assert_non_null(strstr(json, "\"access_mode\": \"ro\""));
	assert_null(strstr(json, "auth_username_in"));
	free(json);

	/* attach with another mode: refused, nothing changed; as reserved: attached read-only */
	struct attach_attach_args aa = { .instance = INSTANCE, .host = ATT_HOST, .mountpoint = "/dev/vdb",
					 .mode = ATTACH_MODE_RW };
	assert_int_equal(attach_attach(c, VOL, &aa, NULL), -EINVAL);
	assert_non_null(strstr(attach_last_message(c), "was reserved ro: attach as rw conflicts"));
	aa.mode = ATTACH_MODE_AS_RESERVED;
	assert_int_equal(attach_attach(c, VOL, &aa, NULL), 0);
	aa.mode = ATTACH_MODE_RO; /* the same attach again, mode given: a retry */
	assert_int_equal(attach_attach(c, VOL, &aa, NULL), 0);

	/* a second initiator, read-write, on the same multiattach volume: its LUN is writable, A's is not */
	struct attach_conninfo cb;
	attach_as(c, INI_B, ATTACH_MODE_RW, &cb);
	assert_int_equal(cb.mode, ATTACH_MODE_RW);
	assert_string_equal(wp_of(INI_B), "0");
	assert_string_equal(wp_of(INI_A), "1");
	struct attach_volume_info *v;
	assert_int_equal(attach_volume_show(c, VOL, false, &v), 0);
	assert_int_equal(acl_of(v, INI_A)->mode, ATTACH_MODE_RO);
	assert_int_equal(acl_of(v, INI_B)->mode, ATTACH_MODE_RW);
	assert_int_equal(v->attachments[0].mode + v->attachments[1].mode, ATTACH_MODE_RO); /* one ro, one rw */
	attach_volume_info_free(v);
	int st;
	char *out = world_ctl(&W, &st, "volume-show %s", VOL);
	assert_non_null(strstr(out, "initiator: " INI_A "\n  refs: 1\n  mode: ro\n"));
	free(out);
	attach_conninfo_clear(&ci);
	attach_conninfo_clear(&cb);
	world_client_free(c);
}

/* A read-write connection joins A's read-only ACL (another instance on the same host): read-write in
 * place; a read-only one joining B's read-write ACL changes nothing and is answered ro. */
static void test_mode_joins(void **state)
{
	(void)state;
	struct attach_client *c = world_client(&W);
	char *before = world_snapshot(&W);
	attach_set_dry_run(c, true);
	assert_int_equal(attach_reserve_mode(c, VOL, ATTACH_MODE_RW, NULL), 0);
	attach_set_dry_run(c, false);
	char *after = world_snapshot(&W);
	world_assert_same(&W, before, after);
	free(before);
	free(after);

	struct attach_conninfo ci;
	attach_as(c, INI_A, ATTACH_MODE_RW, &ci);
	assert_int_equal(ci.mode, ATTACH_MODE_RW);
	assert_string_equal(wp_of(INI_A), "0");
	attach_as(c, INI_B, ATTACH_MODE_RO, &ci);
	assert_int_equal(ci.mode, ATTACH_MODE_RO); /* the connection's own mode; the ACL stays rw */
	assert_string_equal(wp_of(INI_B), "0");
	struct attach_volume_info *v;
	assert_int_equal(attach_volume_show(c, VOL, false, &v), 0);
	assert_int_equal(acl_of(v, INI_A)->mode, ATTACH_MODE_RW);
	assert_int_equal(acl_of(v, INI_A)->refs, 2);
	attach_volume_info_free(v);
	attach_conninfo_clear(&ci);
	world_client_free(c);
}

/* Someone flips write_protect behind attachd's back: reconcile names it and sets it back in place. */
static void test_reconcile_puts_mode_back(void **state)
{
	(void)state;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/target/iscsi/iqn.2026-11.org.attachd:%s/tpgt_1/acls/%s/lun_0/write_protect",
		 W.cfs, VOL, INI_A);
	assert_int_equal(it_run("printf '1\\n' > %s", path), 0);
	int st;
	char *out = world_ctl(&W, &st, "reconcile --dry-run");
	assert_non_null(strstr(out, "ACL " INI_A " maps LUN 0 read-only, its record says read-write"));
	assert_non_null(strstr(out, "would make LUN 0 read-write for " INI_A));
	free(out);
	assert_string_equal(wp_of(INI_A), "1");
	out = world_ctl(&W, &st, "reconcile");
	free(out);
	assert_string_equal(wp_of(INI_A), "0");
	out = world_ctl(&W, &st, "reconcile --dry-run");
	assert_non_null(strstr(out, "nothing to do: the kernel matches the records"));
	free(out);
}

/* Mutual CHAP: asked by B's next connection, drawn once, the same on every retry, hidden unless asked. */
static void test_mutual_chap(void **state)
{
	(void)state;
	struct attach_client *c = world_client(&W);
	struct attach_connector conn = { .initiator = INI_B, .host = ATT_HOST, .mutual_chap = true };
	struct attach_conninfo ci, again;
	attach_set_dry_run(c, true);
	assert_int_equal(attach_initialize_connection(c, VOL, &conn, &ci), 0);
	const char *const *steps;
	size_t n = attach_last_plan(c, &steps);
	bool said = false;
	for (size_t i = 0; i < n; i++)
		said |= strstr(steps[i], "give ACL " INI_B) != NULL;
	assert_true(said);
	attach_set_dry_run(c, false);
	assert_string_equal(tpg_read("acls/" INI_B "/auth/authenticate_target"), "0");

	assert_int_equal(attach_initialize_connection(c, VOL, &conn, &ci), 0);
	assert_int_equal(strlen(ci.auth_username_in), 16);
	assert_int_equal(strlen(ci.auth_password_in), 16);
	assert_string_not_equal(ci.auth_password_in, ci.auth_password);
	assert_string_equal(tpg_read("acls/" INI_B "/auth/userid_mutual"), ci.auth_username_in);
	assert_string_equal(tpg_read("acls/" INI_B "/auth/password_mutual"), ci.auth_password_in);
	assert_string_equal(tpg_read("acls/" INI_B "/auth/authenticate_target"), "1");
	char *json = attach_conninfo_json(&ci);
	assert_non_null(strstr(json, "\"auth_username_in\": \""));
	assert_non_null(strstr(json, ci.auth_password_in));
	free(json);
	assert_int_equal(attach_initialize_connection(c, VOL, &conn, &again), 0);
	assert_string_equal(again.auth_username_in, ci.auth_username_in);
	assert_string_equal(again.auth_password_in, ci.auth_password_in);
	conn.mutual_chap = false; /* not asked: not returned, still in the kernel */
	assert_int_equal(attach_initialize_connection(c, VOL, &conn, &again), 0);
	assert_string_equal(again.auth_username_in, "");
	assert_string_equal(again.auth_password_in, "");
	assert_string_equal(tpg_read("acls/" INI_B "/auth/userid_mutual"), ci.auth_username_in);

	struct attach_volume_info *v;
	assert_int_equal(attach_volume_show(c, VOL, false, &v), 0);
	assert_string_equal(acl_of(v, INI_B)->username_in, ci.auth_username_in);
	assert_null(acl_of(v, INI_B)->password_in);
	assert_null(acl_of(v, INI_A)->username_in);
	attach_volume_info_free(v);
	assert_int_equal(attach_volume_show(c, VOL, true, &v), 0);
	assert_string_equal(acl_of(v, INI_B)->password_in, ci.auth_password_in);
	attach_volume_info_free(v);
	char *log = world_log(&W);
	assert_null(strstr(log, ci.auth_password_in));
	free(log);
	attach_conninfo_clear(&ci);
	attach_conninfo_clear(&again);
	world_client_free(c);
}

/* A reboot: configfs empty, the agent restarted on its records. Each ACL comes back with its mode and
 * its credentials, mutual ones included; then nothing differs. */
static void test_restore_keeps_mode_and_mutual(void **state)
{
	(void)state;
	char userid_in[64];
	snprintf(userid_in, sizeof(userid_in), "%s", tpg_read("acls/" INI_B "/auth/userid_mutual"));
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/target/iscsi/iqn.2026-11.org.attachd:%s/tpgt_1/acls/%s/lun_0/write_protect",
		 W.cfs, VOL, INI_A);
	assert_int_equal(it_run("printf '1\\n' > %s", path), 0); /* A is rw by its record: restored rw */
	assert_int_equal(world_stop(&W), 0);
	assert_int_equal(it_run("rm -rf %s/* && %s/tests/sim-setup %s", W.cfs, it_build(), W.cfs), 0);
	assert_int_equal(world_start(&W, "--no-dm", NULL), 0);
	assert_string_equal(wp_of(INI_A), "0");
	assert_string_equal(wp_of(INI_B), "0");
	assert_string_equal(tpg_read("acls/" INI_B "/auth/userid_mutual"), userid_in);
	assert_string_equal(tpg_read("acls/" INI_B "/auth/authenticate_target"), "1");
	assert_string_equal(tpg_read("acls/" INI_A "/auth/authenticate_target"), "0");
	int st;
	char *out = world_ctl(&W, &st, "reconcile --dry-run");
	assert_non_null(strstr(out, "nothing to do: the kernel matches the records"));
	free(out);
}

/* A read-only ACL restored after a reboot is write-protected again (a fresh volume, one ro initiator). */
static void test_restore_read_only(void **state)
{
	(void)state;
	struct attach_client *c = world_client(&W);
	assert_int_equal(attach_terminate_connection(c, VOL, NULL, true), 0);
	struct attach_conninfo ci;
	attach_as(c, INI_A, ATTACH_MODE_RO, &ci);
	assert_string_equal(wp_of(INI_A), "1");
	world_client_free(c);
	assert_int_equal(world_stop(&W), 0);
	assert_int_equal(it_run("rm -rf %s/* && %s/tests/sim-setup %s", W.cfs, it_build(), W.cfs), 0);
	assert_int_equal(world_start(&W, "--no-dm", NULL), 0);
	assert_string_equal(wp_of(INI_A), "1");
	attach_conninfo_clear(&ci);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_only_attachment),
		cmocka_unit_test(test_mode_joins),
		cmocka_unit_test(test_reconcile_puts_mode_back),
		cmocka_unit_test(test_mutual_chap),
		cmocka_unit_test(test_restore_keeps_mode_and_mutual),
		cmocka_unit_test(test_restore_read_only),
		cmocka_unit_test(test_clean_exit),
	};
	return cmocka_run_group_tests_name("access", tests, setup, it_world_teardown);
}
