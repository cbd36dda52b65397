/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_nvme.c: NVMe/TCP volumes against attachd-sim, a world per test: the whole cycle (export, retries,
 * os-brick's nvmeof info, teardown), multiattach hosts with their reference counts and the cut of one
 * host (its controllers dropped by unlinking and relinking the subsystem), DH-HMAC-CHAP on a 6.12 tree
 * (keys stable, hidden, one per host NQN) and its refusal on 6.1's (nothing left), the transport's
 * attributes refused across, reconcile after a reboot and on a live tree, --force, volume-extend and the
 * stats' counts.
 */
#include "itest.h"

#define NQN_A "nqn.2014-08.org.example:host-a"
#define NQN_B "nqn.2014-08.org.example:host-b"
#define NVME_PORT "127.0.0.1:4420"
#define PREFIX "nqn.2026-11.org.attachd"

/* A fresh world with the 6.1 tree (world_new's) or 6.12's (hosts with DH-HMAC-CHAP attributes). */
static void nv_world(bool k612)
{
	if (!k612)
		return;
	assert_int_equal(it_run("rm -rf %s && mkdir %s && %s/tests/sim-setup %s 6.12", W.cfs, W.cfs, it_build(), W.cfs), 0);
}

static struct attach_client *nv_start(bool k612)
{
	nv_world(k612);
	assert_int_equal(world_start(&W, "--nvme-port", NVME_PORT, NULL), 0);
	return world_client(&W);
}

#define OK(c, expr)                                                                                    \
	do {                                                                                           \
		if ((expr) != 0)                                                                       \
			fail_msg("%s: %s", #expr, attach_last_message(c));                             \
	} while (0)

static void nv_volume(struct attach_client *c, const char *dev, bool multi, char id[ATTACH_UUID_LEN + 1])
{
	char path[256];
	world_dev(&W, dev, 30 + (unsigned)(dev[strlen(dev) - 1] - '0'), path, sizeof(path));
	struct attach_volume_create_args a = { .device = path, .multiattach = multi,
					       .transport = ATTACH_TRANSPORT_NVME_TCP };
	OK(c, attach_volume_create(c, &a, id));
}

static bool nv_has(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool nv_has(const char *fmt, ...)
{
	char rel[512], p[1024];
	struct stat st;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(p, sizeof(p), "%s/nvmet/%s", W.cfs, rel);
	return lstat(p, &st) == 0;
}

static char *nv_read(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *nv_read(const char *fmt, ...)
{
	static char buf[512];
	char rel[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	char *s = it_capture("cat '%s/nvmet/%s'", W.cfs, rel);
	snprintf(buf, sizeof(buf), "%s", s ? s : "");
	free(s);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* reserve, initialize-connection for @nqn (twice: a retry answers the same), attach */
static void nv_connect(struct attach_client *c, const char *vol, const struct attach_connector *conn,
		       struct attach_conninfo *ci)
{
	struct attach_attach_args aa = { .instance = INSTANCE, .host = "compute", .mountpoint = "/dev/vdb",
					 .mode = ATTACH_MODE_AS_RESERVED };
	struct attach_conninfo again;
	OK(c, attach_reserve(c, vol, NULL));
	OK(c, attach_initialize_connection(c, vol, conn, ci));
	char *before = world_snapshot(&W);
	OK(c, attach_initialize_connection(c, vol, conn, &again));
	char *after = world_snapshot(&W);
	world_assert_same(&W, before, after);
	free(before);
	free(after);
	assert_string_equal(again.target_nqn, ci->target_nqn);
	assert_string_equal(again.dhchap_secret, ci->dhchap_secret);
	assert_string_equal(again.dhchap_ctrl_secret, ci->dhchap_ctrl_secret);
	attach_conninfo_clear(&again);
	OK(c, attach_attach(c, vol, &aa, NULL));
}

static void nv_release(struct attach_client *c, const char *vol, const char *nqn)
{
	OK(c, attach_begin_detaching(c, vol));
	OK(c, attach_terminate_connection(c, vol, nqn, false));
	struct attach_volume_info *v;
	OK(c, attach_volume_show(c, vol, false, &v));
	const char *att = NULL;
	for (size_t i = 0; i < v->n_attachments; i++)
		if (!strcmp(v->attachments[i].initiator, nqn) && !v->attachments[i].connected)
			att = v->attachments[i].id;
	assert_non_null(att);
	OK(c, attach_detach(c, vol, att));
	attach_volume_info_free(v);
}

static void test_cycle(void **state)
{
	(void)state;
	struct attach_client *c = nv_start(false);
	char v[ATTACH_UUID_LEN + 1], nqn[256];
	struct attach_conninfo ci;
	struct attach_connector conn = { .nqn = NQN_A, .host = "compute" };
	nv_volume(c, "nv0", false, v);
	snprintf(nqn, sizeof(nqn), PREFIX ":%s", v);
	nv_connect(c, v, &conn, &ci);
	assert_string_equal(ci.driver_volume_type, "nvmeof");
	assert_int_equal(ci.transport, ATTACH_TRANSPORT_NVME_TCP);
	assert_string_equal(ci.target_nqn, nqn);
	assert_string_equal(ci.volume_id, v);
	assert_string_equal(ci.host_nqn, NQN_A);
	assert_int_equal(ci.ns_id, 1);
	assert_int_equal(ci.n_portals, 1);
	assert_string_equal(ci.portals[0], NVME_PORT);
	assert_string_equal(ci.dhchap_secret, "");
	char *json = attach_conninfo_json(&ci);
	assert_non_null(strstr(json, "\"portals\": [[\"127.0.0.1\", \"4420\", \"tcp\"]]"));
	assert_non_null(strstr(json, "\"vol_uuid\": \""));
	assert_null(strstr(json, "target_iqn"));
	free(json);
	/* the kernel's side: closed subsystem, namespace 1 with the volume's identity, host, port */
	assert_string_equal(nv_read("subsystems/%s/attr_allow_any_host", nqn), "0");
	assert_string_equal(nv_read("subsystems/%s/namespaces/1/enable", nqn), "1");
	assert_string_equal(nv_read("subsystems/%s/namespaces/1/device_uuid", nqn), v);
	assert_true(nv_has("subsystems/%s/allowed_hosts/%s", nqn, NQN_A));
	assert_true(nv_has("ports/40960/subsystems/%s", nqn));
	assert_string_equal(nv_read("ports/40960/addr_traddr"), "127.0.0.1");
	/* in use (and exported): not deleted */
	assert_int_equal(attach_volume_delete(c, v), -EBADFD);
	struct attach_volume_info *vi;
	OK(c, attach_volume_show(c, v, false, &vi));
	assert_int_equal(vi->transport, ATTACH_TRANSPORT_NVME_TCP);
	assert_string_equal(vi->target_iqn, nqn);
	assert_int_equal(vi->n_acls, 1);
	assert_string_equal(vi->acls[0].initiator, NQN_A);
	attach_volume_info_free(vi);
	nv_release(c, v, NQN_A);
	assert_false(nv_has("subsystems/%s", nqn));
	assert_false(nv_has("hosts/%s", NQN_A));
	assert_false(nv_has("ports/40960"));
	assert_int_equal(it_run("ls %s | grep -q .", W.dm), 1);
	OK(c, attach_volume_delete(c, v));
	world_client_free(c);
}

static void test_multiattach(void **state)
{
	(void)state;
	struct attach_client *c = nv_start(false);
	char v[ATTACH_UUID_LEN + 1], nqn[256];
	struct attach_conninfo ci;
	struct attach_connector a = { .nqn = NQN_A }, b = { .nqn = NQN_B };
	nv_volume(c, "nv1", true, v);
	snprintf(nqn, sizeof(nqn), PREFIX ":%s", v);
	nv_connect(c, v, &a, &ci);
	nv_connect(c, v, &a, &ci); /* a second instance on the same host: one host entry, two references */
	nv_connect(c, v, &b, &ci);
	struct attach_volume_info *vi;
	OK(c, attach_volume_show(c, v, false, &vi));
	assert_int_equal(vi->n_acls, 2);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(vi->acls[i].refs, strcmp(vi->acls[i].initiator, NQN_A) ? 1 : 2);
	attach_volume_info_free(vi);
	/* B goes: disallowed, its entry gone, the subsystem relinked into the port (B's controllers drop) */
	attach_set_dry_run(c, true);
	const char *const *steps;
	OK(c, attach_terminate_connection(c, v, NQN_B, false));
	size_t n = attach_last_plan(c, &steps);
	bool unlink = false, relink = false;
	for (size_t i = 0; i < n; i++) {
		unlink |= strstr(steps[i], "unlink ") != NULL;
		relink |= unlink && !strncmp(steps[i], "link ", 5);
	}
	assert_true(unlink && relink);
	attach_set_dry_run(c, false);
	nv_release(c, v, NQN_B);
	assert_false(nv_has("subsystems/%s/allowed_hosts/%s", nqn, NQN_B));
	assert_false(nv_has("hosts/%s", NQN_B));
	assert_true(nv_has("subsystems/%s/allowed_hosts/%s", nqn, NQN_A));
	assert_true(nv_has("ports/40960/subsystems/%s", nqn));
	/* A once: still allowed (one reference left); A again: the export goes */
	nv_release(c, v, NQN_A);
	assert_true(nv_has("subsystems/%s/allowed_hosts/%s", nqn, NQN_A));
	nv_release(c, v, NQN_A);
	assert_false(nv_has("subsystems/%s", nqn));
	assert_false(nv_has("ports/40960"));
	world_client_free(c);
}

/* Two volumes share a host entry and a port: the first to go leaves both to the other. */
static void test_shared_host_port(void **state)
{
	(void)state;
	struct attach_client *c = nv_start(false);
	char v1[ATTACH_UUID_LEN + 1], v2[ATTACH_UUID_LEN + 1];
	struct attach_conninfo ci;
	struct attach_connector a = { .nqn = NQN_A };
	nv_volume(c, "nv2", false, v1);
	nv_volume(c, "nv3", false, v2);
	nv_connect(c, v1, &a, &ci);
	nv_connect(c, v2, &a, &ci);
	nv_release(c, v1, NQN_A);
	assert_true(nv_has("hosts/%s", NQN_A));
	assert_true(nv_has("ports/40960/subsystems/" PREFIX ":%s", v2));
	nv_release(c, v2, NQN_A);
	assert_false(nv_has("hosts/%s", NQN_A));
	assert_false(nv_has("ports/40960"));
	world_client_free(c);
}

/* A host entry another tool made is used as it is: no keys set on it, never removed. */
static void test_foreign_host(void **state)
{
	(void)state;
	struct attach_client *c = nv_start(true);
	char v[ATTACH_UUID_LEN + 1];
	struct attach_conninfo ci;
	assert_int_equal(it_run("mkdir %s/nvmet/hosts/" NQN_B, W.cfs), 0);
	nv_volume(c, "nvb", false, v);
	OK(c, attach_reserve(c, v, NULL));
	struct attach_connector dh = { .nqn = NQN_B, .dhchap = true }, plain = { .nqn = NQN_B };
	assert_int_equal(attach_initialize_connection(c, v, &dh, &ci), -EBUSY);
	assert_non_null(strstr(attach_last_message(c), "did not make"));
	OK(c, attach_unreserve(c, v));
	nv_connect(c, v, &plain, &ci);
	assert_true(nv_has("subsystems/" PREFIX ":%s/allowed_hosts/%s", v, NQN_B));
	nv_release(c, v, NQN_B);
	assert_false(nv_has("subsystems/" PREFIX ":%s", v));
	assert_true(nv_has("hosts/%s", NQN_B));
	world_client_free(c);
}

static void test_refusals(void **state)
{
	(void)state;
	struct attach_client *c = nv_start(false);
	char v[ATTACH_UUID_LEN + 1], vi[ATTACH_UUID_LEN + 1], dev[256], att[ATTACH_UUID_LEN + 1];
	struct attach_conninfo ci;
	nv_volume(c, "nv4", false, v);
	world_dev(&W, "isc0", 40, dev, sizeof(dev));
	struct attach_volume_create_args ia = { .device = dev };
	OK(c, attach_volume_create(c, &ia, vi));
	OK(c, attach_reserve(c, v, NULL));
	OK(c, attach_reserve(c, vi, NULL));
	struct attach_connector by_ini = { .initiator = INI_A }, by_nqn = { .nqn = NQN_A };
	assert_int_equal(attach_initialize_connection(c, v, &by_ini, &ci), -EINVAL);
	assert_non_null(strstr(attach_last_message(c), "host NQN"));
	assert_int_equal(attach_initialize_connection(c, vi, &by_nqn, &ci), -EINVAL);
	assert_non_null(strstr(attach_last_message(c), "iSCSI"));
	struct attach_connector bad = { .nqn = "nqn.2014-08.org.example" }; /* no ':' part */
	assert_int_equal(attach_initialize_connection(c, v, &bad, &ci), -EINVAL);
	struct attach_connector dh_iscsi = { .initiator = INI_A, .dhchap = true };
	assert_int_equal(attach_initialize_connection(c, vi, &dh_iscsi, &ci), -EINVAL);
	/* no per-host read-only namespace in nvmet */
	OK(c, attach_unreserve(c, v));
	OK(c, attach_reserve_mode(c, v, ATTACH_MODE_RO, att));
	assert_int_equal(attach_initialize_connection(c, v, &by_nqn, &ci), -EINVAL);
	assert_non_null(strstr(attach_last_message(c), "read-only"));
	world_client_free(c);
	/* an agent without --nvme-port refuses nvme-tcp volumes */
	assert_int_equal(world_stop(&W), 0);
	assert_int_equal(world_start(&W, NULL), 0);
	c = world_client(&W);
	char path[256], id[ATTACH_UUID_LEN + 1];
	world_dev(&W, "nv5", 45, path, sizeof(path));
	struct attach_volume_create_args a = { .device = path, .transport = ATTACH_TRANSPORT_NVME_TCP };
	assert_int_equal(attach_volume_create(c, &a, id), -ENOPROTOOPT);
	assert_int_equal(attach_last_status(c), ATTACH_E_UNSUPPORTED);
	assert_non_null(strstr(attach_last_message(c), "--nvme-port"));
	world_client_free(c);
}

/* 6.1: no DH-HMAC-CHAP attributes: refused as unsupported, nothing kept, nothing downgraded. */
static void test_dhchap_unsupported(void **state)
{
	(void)state;
	struct attach_client *c = nv_start(false);
	char v[ATTACH_UUID_LEN + 1];
	struct attach_conninfo ci;
	struct attach_connector dh = { .nqn = NQN_A, .dhchap = true };
	nv_volume(c, "nv6", false, v);
	OK(c, attach_reserve(c, v, NULL));
	char *before = world_snapshot(&W);
	assert_int_equal(attach_initialize_connection(c, v, &dh, &ci), -ENOPROTOOPT);
	assert_int_equal(attach_last_status(c), ATTACH_E_UNSUPPORTED);
	assert_non_null(strstr(attach_last_message(c), "CONFIG_NVME_TARGET_AUTH"));
	char *after = world_snapshot(&W);
	world_assert_same(&W, before, after);
	free(before);
	free(after);
	world_client_free(c);
}

static void test_dhchap(void **state)
{
	(void)state;
	struct attach_client *c = nv_start(true);
	char v1[ATTACH_UUID_LEN + 1], v2[ATTACH_UUID_LEN + 1];
	struct attach_conninfo ci, ci2;
	struct attach_connector dh = { .nqn = NQN_A, .dhchap_bidirectional = true, .dhchap_dhgroup = "ffdhe2048" };
	nv_volume(c, "nv7", false, v1);
	nv_volume(c, "nv8", false, v2);
	nv_connect(c, v1, &dh, &ci);
	assert_int_equal(strlen(ci.dhchap_secret), 59);
	assert_int_equal(strncmp(ci.dhchap_secret, "DHHC-1:00:", 10), 0);
	assert_int_equal(strlen(ci.dhchap_ctrl_secret), 59);
	assert_string_not_equal(ci.dhchap_secret, ci.dhchap_ctrl_secret);
	assert_string_equal(ci.dhchap_dhgroup, "ffdhe2048");
	assert_string_equal(nv_read("hosts/%s/dhchap_key", NQN_A), ci.dhchap_secret);
	assert_string_equal(nv_read("hosts/%s/dhchap_ctrl_key", NQN_A), ci.dhchap_ctrl_secret);
	assert_string_equal(nv_read("hosts/%s/dhchap_dhgroup", NQN_A), "ffdhe2048");
	char *json = attach_conninfo_json(&ci);
	assert_non_null(strstr(json, "\"dhchap_secret\": \"DHHC-1:00:"));
	assert_non_null(strstr(json, "\"dhchap_ctrl_secret\": "));
	free(json);
	/* the secrets: never in the log, in volume-show only when asked for */
	char *log = world_log(&W);
	assert_null(strstr(log, ci.dhchap_secret + 10));
	assert_null(strstr(log, ci.dhchap_ctrl_secret + 10));
	free(log);
	struct attach_volume_info *vi;
	OK(c, attach_volume_show(c, v1, false, &vi));
	assert_null(vi->acls[0].password);
	assert_string_equal(vi->acls[0].dhchap_dhgroup, "ffdhe2048");
	attach_volume_info_free(vi);
	OK(c, attach_volume_show(c, v1, true, &vi));
	assert_string_equal(vi->acls[0].password, ci.dhchap_secret);
	assert_string_equal(vi->acls[0].password_in, ci.dhchap_ctrl_secret);
	attach_volume_info_free(vi);
	/* one key per host NQN: another volume gets the same one, other options are refused */
	struct attach_connector plain = { .nqn = NQN_A };
	OK(c, attach_reserve(c, v2, NULL));
	assert_int_equal(attach_initialize_connection(c, v2, &plain, &ci2), -EEXIST);
	assert_non_null(strstr(attach_last_message(c), "one key per host"));
	OK(c, attach_initialize_connection(c, v2, &dh, &ci2));
	assert_string_equal(ci2.dhchap_secret, ci.dhchap_secret);
	/* after a reboot (an empty tree) the key comes back as it was */
	assert_int_equal(world_stop(&W), 0);
	nv_world(true);
	assert_int_equal(world_start(&W, "--nvme-port", NVME_PORT, NULL), 0);
	assert_string_equal(nv_read("hosts/%s/dhchap_key", NQN_A), ci.dhchap_secret);
	assert_string_equal(nv_read("hosts/%s/dhchap_ctrl_key", NQN_A), ci.dhchap_ctrl_secret);
	attach_conninfo_clear(&ci);
	attach_conninfo_clear(&ci2);
	world_client_free(c);
}

/* Reconcile: a reboot (an empty tree) brings the export back as it was; a restart on a live tree writes
 * nothing; an unrecorded subsystem of ours is removed. */
static void test_reconcile(void **state)
{
	(void)state;
	struct attach_client *c = nv_start(false);
	char v[ATTACH_UUID_LEN + 1];
	struct attach_conninfo ci;
	struct attach_connector a = { .nqn = NQN_A }, b = { .nqn = NQN_B };
	nv_volume(c, "nv9", true, v);
	nv_connect(c, v, &a, &ci);
	nv_connect(c, v, &b, &ci);
	world_client_free(c);
	char *live = it_capture("%s/tests/sim-setup --dump-nvmet %s", it_build(), W.cfs);
	char *log = world_log(&W);
	size_t seen = strlen(log);
	free(log);
	assert_int_equal(world_stop(&W), 0);
	assert_int_equal(world_start(&W, "--nvme-port", NVME_PORT, NULL), 0);
	world_assert_serves(&W);
	log = world_log(&W);
	assert_true(strlen(log) > seen);
	assert_null(strstr(log + seen, "done: "));
	assert_null(strstr(log + seen, "reconcile")); /* no difference found, none reported */
	free(log);
	assert_int_equal(world_stop(&W), 0);
	assert_int_equal(it_run("rm -rf %s/* && %s/tests/sim-setup %s", W.cfs, it_build(), W.cfs), 0);
	assert_int_equal(it_run("rm -f %s/*", W.dm), 0);
	assert_int_equal(world_start(&W, "--nvme-port", NVME_PORT, NULL), 0);
	char *back = it_capture("%s/tests/sim-setup --dump-nvmet %s", it_build(), W.cfs);
	assert_string_equal(back, live);
	free(back);
	free(live);
	/* an unrecorded subsystem of attachd's form that this database did not make: reported, kept */
	assert_int_equal(it_run("mkdir %s/nvmet/subsystems/" PREFIX ":00000000-0000-4000-8000-000000000001", W.cfs), 0);
	c = world_client(&W);
	attach_set_dry_run(c, true);
	OK(c, attach_reconcile(c));
	assert_non_null(strstr(attach_last_message(c), "unowned") ? "" : NULL);
	attach_set_dry_run(c, false);
	assert_int_equal(attach_reconcile_purge_unowned(c), 0);
	assert_false(nv_has("subsystems/" PREFIX ":00000000-0000-4000-8000-000000000001"));
	assert_true(nv_has("subsystems/" PREFIX ":%s", v));
	world_client_free(c);
}

static void test_force_extend_stats(void **state)
{
	(void)state;
	struct attach_client *c = nv_start(false);
	char v[ATTACH_UUID_LEN + 1], nqn[256];
	struct attach_conninfo ci;
	struct attach_connector a = { .nqn = NQN_A }, b = { .nqn = NQN_B };
	nv_volume(c, "nva", true, v);
	snprintf(nqn, sizeof(nqn), PREFIX ":%s", v);
	nv_connect(c, v, &a, &ci);
	nv_connect(c, v, &b, &ci);
	struct attach_stats *st;
	OK(c, attach_stats(c, &st));
	assert_int_equal(st->exports, 1);
	assert_int_equal(st->acls, 2);
	attach_stats_free(st);
	/* extend: the namespace revalidated */
	attach_set_dry_run(c, true);
	const char *const *steps;
	uint64_t size;
	OK(c, attach_volume_extend(c, v, &size));
	size_t n = attach_last_plan(c, &steps);
	bool reval = false;
	for (size_t i = 0; i < n; i++)
		reval |= strstr(steps[i], "revalidate namespace 1") != NULL;
	assert_true(reval);
	/* --force: fenced first, then every host and the export */
	OK(c, attach_terminate_connection(c, v, NULL, true));
	n = attach_last_plan(c, &steps);
	assert_true(n > 0 && strstr(steps[0], "fence dm device"));
	attach_set_dry_run(c, false);
	OK(c, attach_terminate_connection(c, v, NULL, true));
	assert_false(nv_has("subsystems/%s", nqn));
	assert_false(nv_has("hosts/%s", NQN_A));
	assert_false(nv_has("hosts/%s", NQN_B));
	assert_false(nv_has("ports/40960"));
	world_client_free(c);
}

static int setup(void **state)
{
	it_world_setup(state);
	return 0;
}

static int teardown(void **state)
{
	return it_world_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiattach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_host_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dhchap_unsupported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dhchap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconcile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_force_extend_stats, setup, teardown),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
