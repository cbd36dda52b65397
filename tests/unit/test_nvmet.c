/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_nvmet.c: the nvmet writer (configfs/nvmet.c, nvmet_host.c, nvmet_port.c) on the configfs simulator
 * (helpers/nvmet_fx.h: a fresh tree per test, 6.1 or 6.12). What is checked is nvmet.h's contract: the
 * entries and values each call leaves; the order of its writes (a fault in the nth write, with the undo
 * that follows); that a failed call removes what it made and nothing else; idempotence (a second call
 * writes nothing); another shape refused; the kernel's refusals passed back; and that another tool's
 * objects are never touched. The readers are test_nvmet_state.c's.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lio_fx.h"
#include "nvmet_fx.h"
#include "unit_main.h"

/* ---- identities */
static void test_ids(void **state)
{
	(void)state;
	struct nvmet_ids ids;
	char nqn[300];
	OK(nvmet_ids_from_volume("ABCDEF01-2222-3333-4444-555555555555", &ids));
	assert_string_equal(ids.uuid, "abcdef01-2222-3333-4444-555555555555");
	assert_string_equal(ids.nguid, ids.uuid);
	assert_string_equal(ids.serial, "abcdef01222233334444");
	ERR(nvmet_ids_from_volume("abcdef01-2222-3333-4444-55555555555", &ids), EINVAL);
	ERR(nvmet_ids_from_volume("abcdef01-2222-3333-4444-5555555555555", &ids), EINVAL);
	ERR(nvmet_ids_from_volume("abcdef0122223333444455555555555555555", &ids), EINVAL);
	ERR(nvmet_ids_from_volume("vol-1", &ids), EINVAL);
	OK(nvmet_subsys_nqn(nqn, sizeof(nqn), "nqn.2026-11.org.attachd", VOLID));
	assert_string_equal(nqn, NQN);
	ERR(nvmet_subsys_nqn(nqn, sizeof(nqn), "", VOLID), EINVAL);
	ERR(nvmet_subsys_nqn(nqn, sizeof(nqn), "nqn.2026-11.org.attachd", ""), EINVAL);
	ERR(nvmet_subsys_nqn(nqn, 20, "nqn.2026-11.org.attachd", VOLID), ENAMETOOLONG);
	char prefix[200];
	memset(prefix, 'x', sizeof(prefix) - 1);
	prefix[sizeof(prefix) - 1] = '\0';
	ERR(nvmet_subsys_nqn(nqn, sizeof(nqn), prefix, VOLID), ENAMETOOLONG); /* 236 bytes: over 223 */
}

/* ---- subsystem */
static void test_subsys_create(void **state)
{
	struct fx *f = *state;
	struct nvmet_subsys s = nv_subsys();
	sim_stats_reset();
	OK(nvmet_subsys_create(&f->c, &s));
	/* mkdir; allow_any_host already 0: not written; serial and model */
	assert_string_equal(ops(), "1/0/2/0/0");
	assert_string_equal(rd(f, NVS "/attr_allow_any_host"), "0");
	assert_string_equal(rd(f, NVS "/attr_serial"), "11111111222233334444");
	assert_string_equal(rd(f, NVS "/attr_model"), "attachd");
	char *before = nvsnap(f, "nvmet");
	sim_stats_reset();
	OK(nvmet_subsys_create(&f->c, &s)); /* as wanted: nothing written */
	assert_string_equal(ops(), "1/0/0/0/0");
	nv_assert_same(f, "nvmet", before);
	/* another tool opened it to any host: closed again */
	W(NVS "/attr_allow_any_host", "1");
	OK(nvmet_subsys_create(&f->c, &s));
	assert_string_equal(rd(f, NVS "/attr_allow_any_host"), "0");
	/* no serial or model asked: the kernel's */
	struct nvmet_subsys bare = { .nqn = "nqn.2026-11.org.attachd:bare" };
	OK(nvmet_subsys_create(&f->c, &bare));
	assert_string_equal(rd(f, "nvmet/subsystems/nqn.2026-11.org.attachd:bare/attr_model"), "Linux");
	assert_int_equal(strlen(rd(f, "nvmet/subsystems/nqn.2026-11.org.attachd:bare/attr_serial")), 20);
}

static void test_subsys_create_refused(void **state)
{
	struct fx *f = *state;
	struct nvmet_subsys s = nv_subsys();
	char *before = nvsnap(f, "nvmet");
	s.serial = "123456789012345678901"; /* 21 bytes */
	ERR(nvmet_subsys_create(&f->c, &s), EINVAL);
	s.serial = "tab\there";
	ERR(nvmet_subsys_create(&f->c, &s), EINVAL);
	s.serial = "";
	ERR(nvmet_subsys_create(&f->c, &s), EINVAL);
	s = nv_subsys();
	s.model = "12345678901234567890123456789012345678901"; /* 41 */
	ERR(nvmet_subsys_create(&f->c, &s), EINVAL);
	char longnqn[240];
	memset(longnqn, 'x', sizeof(longnqn) - 1);
	longnqn[sizeof(longnqn) - 1] = '\0';
	s = nv_subsys();
	s.nqn = longnqn;
	ERR(nvmet_subsys_create(&f->c, &s), ENAMETOOLONG);
	/* the kernel's own refusal: the discovery subsystem's name */
	s.nqn = "nqn.2014-08.org.nvmexpress.discovery";
	ERR(nvmet_subsys_create(&f->c, &s), EINVAL);
	nv_assert_same(f, "nvmet", before);
}

/* A fault in each write undoes the subsystem it made; one that was there stays. */
static void test_subsys_create_undo(void **state)
{
	struct fx *f = *state;
	struct nvmet_subsys s = nv_subsys();
	static const char *const order[] = { NVS "/attr_serial", NVS "/attr_model" };
	for (size_t i = 0; i < 2; i++) {
		char *before = nvsnap(f, "nvmet");
		sim_stats_reset();
		sim_fail("write", order[i], EIO, 1);
		ERR(nvmet_subsys_create(&f->c, &s), EIO);
		assert_int_equal(sim_stats().write, i + 1);
		assert_int_equal(sim_stats().rmdir, 1);
		nv_assert_same(f, "nvmet", before);
	}
	sim_fail("mkdir", NVS, ENOMEM, 1);
	ERR(nvmet_subsys_create(&f->c, &s), ENOMEM);
	MK(NVS);
	sim_fail("write", NVS "/attr_model", EIO, 1);
	ERR(nvmet_subsys_create(&f->c, &s), EIO);
	assert_int_equal(exists(f, NVS), 1);
}

static void test_subsys_remove(void **state)
{
	struct fx *f = *state;
	struct nvmet_subsys s = nv_subsys();
	struct nvmet_ns n = nv_ns(f);
	OK(nvmet_subsys_remove(&f->c, NQN)); /* gone: done */
	OK(nvmet_subsys_create(&f->c, &s));
	OK(nvmet_ns_create(&f->c, &n));
	ERR(nvmet_subsys_remove(&f->c, NQN), ENOTEMPTY); /* the kernel's: a namespace in it */
	OK(nvmet_ns_remove(&f->c, NQN, 1));
	OK(nvmet_subsys_remove(&f->c, NQN));
	assert_int_equal(exists(f, NVS), 0);
}

/* ---- namespace */
static void test_ns_create(void **state)
{
	struct fx *f = *state;
	struct nvmet_subsys s = nv_subsys();
	struct nvmet_ns n = nv_ns(f);
	OK(nvmet_subsys_create(&f->c, &s));
	sim_stats_reset();
	OK(nvmet_ns_create(&f->c, &n));
	assert_string_equal(ops(), "1/0/4/0/0"); /* device_path, device_uuid, device_nguid, enable */
	assert_string_equal(rd(f, NVNS "/device_path"), f->dev[0]);
	assert_string_equal(rd(f, NVNS "/device_uuid"), VOLID);
	assert_string_equal(rd(f, NVNS "/device_nguid"), VOLID);
	assert_string_equal(rd(f, NVNS "/enable"), "1");
	char *before = nvsnap(f, "nvmet");
	sim_stats_reset();
	OK(nvmet_ns_create(&f->c, &n));
	assert_string_equal(ops(), "1/0/0/0/0");
	nv_assert_same(f, "nvmet", before);
	n.uuid = n.nguid = "ABCDEF01-2222-3333-4444-555555555555";
	ERR(nvmet_ns_create(&f->c, &n), EEXIST); /* enabled with another uuid: not changed */
	n = nv_ns(f);
	n.dev = f->dev[1];
	before = nvsnap(f, "nvmet");
	sim_stats_reset();
	ERR(nvmet_ns_create(&f->c, &n), EEXIST);
	assert_string_equal(ops(), "1/0/0/0/0");
	nv_assert_same(f, "nvmet", before);
}

/* Interrupted before enable: the call finishes it; a fault undoes only what it made. */
static void test_ns_create_finish_and_undo(void **state)
{
	struct fx *f = *state;
	struct nvmet_subsys s = nv_subsys();
	struct nvmet_ns n = nv_ns(f);
	static const char *const order[] = { NVNS "/device_path", NVNS "/device_uuid", NVNS "/device_nguid",
					      NVNS "/enable" };
	OK(nvmet_subsys_create(&f->c, &s));
	for (size_t i = 0; i < 4; i++) {
		char *before = nvsnap(f, "nvmet");
		sim_stats_reset();
		sim_fail("write", order[i], EIO, 1);
		ERR(nvmet_ns_create(&f->c, &n), EIO);
		assert_int_equal(sim_stats().write, i + 1);
		assert_int_equal(sim_stats().rmdir, 1);
		nv_assert_same(f, "nvmet", before);
	}
	MK(NVNS);
	W(NVNS "/device_path", f->dev[0]);
	sim_stats_reset();
	OK(nvmet_ns_create(&f->c, &n));
	assert_string_equal(ops(), "1/0/3/0/0"); /* the path was there: uuid, nguid, enable */
	assert_string_equal(rd(f, NVNS "/enable"), "1");
}

static void test_ns_create_refused(void **state)
{
	struct fx *f = *state;
	struct nvmet_subsys s = nv_subsys();
	struct nvmet_ns n = nv_ns(f);
	OK(nvmet_subsys_create(&f->c, &s));
	char *before = nvsnap(f, "nvmet");
	n.nsid = 0;
	ERR(nvmet_ns_create(&f->c, &n), EINVAL);
	n.nsid = 0xffffffffu;
	ERR(nvmet_ns_create(&f->c, &n), EINVAL);
	n = nv_ns(f);
	n.uuid = "not-a-uuid";
	ERR(nvmet_ns_create(&f->c, &n), EINVAL);
	n = nv_ns(f);
	n.nguid = "11111111222233334444555555555555";
	ERR(nvmet_ns_create(&f->c, &n), EINVAL);
	n = nv_ns(f);
	n.dev = "";
	ERR(nvmet_ns_create(&f->c, &n), EINVAL);
	n.dev = "/dev/a\nb";
	ERR(nvmet_ns_create(&f->c, &n), EINVAL);
	/* the kernel's refusals at enable: a missing device, a directory; nothing left made */
	char missing[PATH_MAX];
	snprintf(missing, sizeof(missing), "%s/missing", f->root);
	n.dev = missing;
	ERR(nvmet_ns_create(&f->c, &n), ENOENT);
	n.dev = f->root;
	ERR(nvmet_ns_create(&f->c, &n), EISDIR);
	nv_assert_same(f, "nvmet", before);
	/* no subsystem */
	n = nv_ns(f);
	n.nqn = "nqn.2026-11.org.attachd:none";
	ERR(nvmet_ns_create(&f->c, &n), ENOENT);
}

static void test_ns_enable_remove(void **state)
{
	struct fx *f = *state;
	struct nvmet_subsys s = nv_subsys();
	struct nvmet_ns n = nv_ns(f);
	OK(nvmet_subsys_create(&f->c, &s));
	OK(nvmet_ns_create(&f->c, &n));
	OK(nvmet_ns_enable(&f->c, NQN, 1, false));
	assert_string_equal(rd(f, NVNS "/enable"), "0");
	sim_stats_reset();
	OK(nvmet_ns_enable(&f->c, NQN, 1, false)); /* already: nothing written */
	assert_string_equal(ops(), "0/0/0/0/0");
	OK(nvmet_ns_enable(&f->c, NQN, 1, true));
	assert_string_equal(rd(f, NVNS "/enable"), "1");
	sim_stats_reset();
	OK(nvmet_ns_remove(&f->c, NQN, 1));
	assert_string_equal(ops(), "0/1/1/0/0"); /* disabled, then removed */
	assert_int_equal(exists(f, NVNS), 0);
	OK(nvmet_ns_remove(&f->c, NQN, 1)); /* gone: done */
	OK(nvmet_ns_enable(&f->c, NQN, 1, false));
	ERR(nvmet_ns_enable(&f->c, NQN, 1, true), ENOENT);
}

/* ---- host */
static void test_host_create_612(void **state)
{
	struct fx *f = *state;
	struct nvmet_host h = { .nqn = HOSTNQN, .key = KEY1, .ctrl_key = KEY0, .hash = "hmac(sha512)",
				.dhgroup = "ffdhe2048" };
	sim_stats_reset();
	OK(nvmet_host_create(&f->c, &h));
	assert_string_equal(ops(), "1/0/4/0/0");
	assert_int_equal(nvmet_host_auth_supported(&f->c, HOSTNQN), 1);
	assert_string_equal(rd(f, NVH "/dhchap_key"), KEY1);
	assert_string_equal(rd(f, NVH "/dhchap_ctrl_key"), KEY0);
	assert_string_equal(rd(f, NVH "/dhchap_hash"), "hmac(sha512)");
	assert_string_equal(rd(f, NVH "/dhchap_dhgroup"), "ffdhe2048");
	sim_stats_reset();
	OK(nvmet_host_create(&f->c, &h)); /* as wanted */
	assert_string_equal(ops(), "1/0/0/0/0");
	/* a new key replaces the old one; a host spec without keys leaves them */
	h.key = KEY0;
	OK(nvmet_host_create(&f->c, &h));
	assert_string_equal(rd(f, NVH "/dhchap_key"), KEY0);
	struct nvmet_host bare = { .nqn = HOSTNQN };
	sim_stats_reset();
	OK(nvmet_host_create(&f->c, &bare));
	assert_string_equal(ops(), "1/0/0/0/0");
	assert_string_equal(rd(f, NVH "/dhchap_key"), KEY0);
	/* a fault in the nth write undoes the host it made */
	static const char *const order[] = { "/dhchap_key", "/dhchap_ctrl_key", "/dhchap_hash", "/dhchap_dhgroup" };
	struct nvmet_host h2 = h;
	h2.nqn = HOSTNQN2;
	for (size_t i = 0; i < 4; i++) {
		char p[512];
		snprintf(p, sizeof(p), "nvmet/hosts/%s%s", HOSTNQN2, order[i]);
		char *before = nvsnap(f, "nvmet");
		sim_stats_reset();
		sim_fail("write", p, EIO, 1);
		ERR(nvmet_host_create(&f->c, &h2), EIO);
		assert_int_equal(sim_stats().write, i + 1);
		nv_assert_same(f, "nvmet", before);
	}
}

static void test_host_create_61(void **state)
{
	struct fx *f = *state;
	struct nvmet_host h = { .nqn = HOSTNQN, .key = KEY0 };
	char *before = nvsnap(f, "nvmet");
	ERR(nvmet_host_create(&f->c, &h), EOPNOTSUPP); /* no dhchap_key on 6.1: nothing left */
	nv_assert_same(f, "nvmet", before);
	struct nvmet_host dh = { .nqn = HOSTNQN, .dhgroup = "ffdhe2048" };
	ERR(nvmet_host_create(&f->c, &dh), EOPNOTSUPP);
	struct nvmet_host bare = { .nqn = HOSTNQN };
	OK(nvmet_host_create(&f->c, &bare));
	assert_int_equal(nvmet_host_auth_supported(&f->c, HOSTNQN), 0);
	ERR(nvmet_host_create(&f->c, &h), EOPNOTSUPP); /* the host that was there stays */
	assert_int_equal(exists(f, NVH), 1);
	ERR(nvmet_host_auth_supported(&f->c, HOSTNQN2), ENOENT);
}

static void test_host_create_refused(void **state)
{
	struct fx *f = *state;
	char *before = nvsnap(f, "nvmet");
	const struct { struct nvmet_host h; int err; } bad[] = {
		{ { .nqn = HOSTNQN, .key = "DHHC-1:00:AAAA:" }, EINVAL },
		{ { .nqn = HOSTNQN, .key = "DHHC-1:00:AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+KfiaR:" }, EKEYREJECTED },
		{ { .nqn = HOSTNQN, .key = KEY0, .ctrl_key = "secret" }, EINVAL },
		{ { .nqn = HOSTNQN, .ctrl_key = KEY0 }, EINVAL },
		{ { .nqn = HOSTNQN, .key = KEY0, .hash = "hmac(sha256)x" }, EINVAL },
		{ { .nqn = HOSTNQN, .key = KEY0, .hash = "hmac(md5)" }, EINVAL },
		{ { .nqn = HOSTNQN, .key = KEY0, .dhgroup = "nullx" }, EINVAL },
		{ { .nqn = HOSTNQN, .key = KEY0, .dhgroup = "ffdhe1024" }, EINVAL },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ERR(nvmet_host_create(&f->c, &bad[i].h), bad[i].err);
	nv_assert_same(f, "nvmet", before);
}

static void test_host_allow(void **state)
{
	struct fx *f = *state;
	struct nvmet_subsys s = nv_subsys();
	struct nvmet_host h = { .nqn = HOSTNQN };
	OK(nvmet_subsys_create(&f->c, &s));
	ERR(nvmet_host_allow(&f->c, NQN, HOSTNQN), ENOENT); /* no host yet */
	OK(nvmet_host_create(&f->c, &h));
	OK(nvmet_host_allow(&f->c, NQN, HOSTNQN));
	assert_string_equal(link_of(f, NVS "/allowed_hosts/" HOSTNQN), NVH);
	sim_stats_reset();
	OK(nvmet_host_allow(&f->c, NQN, HOSTNQN)); /* there: fine */
	assert_string_equal(ops(), "0/0/0/1/0");
	ERR(nvmet_host_remove(&f->c, HOSTNQN), EBUSY); /* the kernel's: a subsystem allows it */
	/* a link of that name to something else is another shape */
	OK(nvmet_host_disallow(&f->c, NQN, HOSTNQN));
	MK("nvmet/hosts/" HOSTNQN2);
	LN("nvmet/hosts/" HOSTNQN2, NVS "/allowed_hosts/" HOSTNQN);
	ERR(nvmet_host_allow(&f->c, NQN, HOSTNQN), EEXIST);
	OK(cfs_unlink(&f->c, NVS "/allowed_hosts/" HOSTNQN));
	/* open to any host: the kernel refuses explicit hosts */
	W(NVS "/attr_allow_any_host", "1");
	ERR(nvmet_host_allow(&f->c, NQN, HOSTNQN), EINVAL);
	W(NVS "/attr_allow_any_host", "0");
	OK(nvmet_host_allow(&f->c, NQN, HOSTNQN));
	OK(nvmet_host_disallow(&f->c, NQN, HOSTNQN));
	OK(nvmet_host_disallow(&f->c, NQN, HOSTNQN)); /* gone: done */
	OK(nvmet_host_remove(&f->c, HOSTNQN));
	OK(nvmet_host_remove(&f->c, HOSTNQN));
	assert_int_equal(exists(f, NVH), 0);
}

/* ---- port */
static void test_port_ensure(void **state)
{
	struct fx *f = *state;
	unsigned id = 0;
	bool made = false;
	sim_stats_reset();
	OK(nvmet_port_ensure(&f->c, &nv_addr, &id, &made));
	assert_int_equal(id, NVMET_PORT_ID_MIN);
	assert_true(made);
	assert_string_equal(ops(), "1/0/4/0/0");
	assert_string_equal(rd(f, NVP "/addr_trtype"), "tcp");
	assert_string_equal(rd(f, NVP "/addr_adrfam"), "ipv4");
	assert_string_equal(rd(f, NVP "/addr_traddr"), "127.0.0.1");
	assert_string_equal(rd(f, NVP "/addr_trsvcid"), "4420");
	sim_stats_reset();
	OK(nvmet_port_ensure(&f->c, &nv_addr, &id, &made)); /* found: not made again */
	assert_int_equal(id, NVMET_PORT_ID_MIN);
	assert_false(made);
	assert_string_equal(ops(), "0/0/0/0/0");
	/* IPv6, another port: the next id; found again when written another way */
	struct nvmet_addr six = { "::1", "4420" }, six2 = { "0:0::0001", "4420" };
	OK(nvmet_port_ensure(&f->c, &six, &id, &made));
	assert_int_equal(id, NVMET_PORT_ID_MIN + 1);
	assert_string_equal(rd(f, "nvmet/ports/40961/addr_adrfam"), "ipv6");
	OK(nvmet_port_find(&f->c, &six2, &id));
	assert_int_equal(id, NVMET_PORT_ID_MIN + 1);
	/* a different port number is another port */
	struct nvmet_addr other = { "127.0.0.1", "4430" };
	ERR(nvmet_port_find(&f->c, &other, &id), ENOENT);
	const struct nvmet_addr bad[] = { { "127.0.0.256", "4420" }, { "localhost", "4420" }, { "127.0.0.1", "0" },
					  { "127.0.0.1", "65536" }, { "127.0.0.1", "x" }, { "127.0.0.1", "" },
					  { "127.0.0.1", "04420" } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ERR(nvmet_port_ensure(&f->c, &bad[i], &id, &made), EINVAL);
}

/* Another tool's port on the address is used as it is and never removed; its ids are never taken. */
static void test_port_shared(void **state)
{
	struct fx *f = *state;
	unsigned id;
	bool made = true;
	nv_foreign(f); /* port 1 on 127.0.0.1:4421, enabled */
	MK("nvmet/ports/40960"); /* another tool in attachd's range: a port without an address */
	char *before = nvsnap(f, "nvmet");
	struct nvmet_addr theirs = { "127.0.0.1", "4421" };
	sim_stats_reset();
	OK(nvmet_port_ensure(&f->c, &theirs, &id, &made));
	assert_int_equal(id, 1);
	assert_false(made);
	assert_string_equal(ops(), "0/0/0/0/0");
	nv_assert_same(f, "nvmet", before);
	ERR(nvmet_port_remove(&f->c, 1), EPERM); /* never outside attachd's range */
	assert_int_equal(exists(f, "nvmet/ports/1"), 1);
	OK(nvmet_port_ensure(&f->c, &nv_addr, &id, &made)); /* 40960 is taken: the next one */
	assert_int_equal(id, 40961);
	assert_true(made);
	assert_string_equal(rd(f, "nvmet/ports/40960/addr_trtype"), ""); /* the other one untouched */
}

static void test_port_make_undo(void **state)
{
	struct fx *f = *state;
	unsigned id;
	bool made;
	static const char *const order[] = { NVP "/addr_trtype", NVP "/addr_adrfam", NVP "/addr_traddr",
					      NVP "/addr_trsvcid" };
	for (size_t i = 0; i < 4; i++) {
		char *before = nvsnap(f, "nvmet");
		sim_stats_reset();
		sim_fail("write", order[i], EIO, 1);
		ERR(nvmet_port_ensure(&f->c, &nv_addr, &id, &made), EIO);
		assert_int_equal(sim_stats().write, i + 1);
		assert_int_equal(sim_stats().rmdir, 1);
		nv_assert_same(f, "nvmet", before);
	}
	/* made by someone else between the look and the mkdir: the next id */
	sim_fail("mkdir", NVP, EEXIST, 1);
	OK(nvmet_port_ensure(&f->c, &nv_addr, &id, &made));
	assert_int_equal(id, 40961);
	/* a port whose address cannot be read: passed back, nothing made (it may be the one) */
	char *before = nvsnap(f, "nvmet");
	sim_fail("read", "nvmet/ports/40961/addr_traddr", EIO, 1);
	ERR(nvmet_port_ensure(&f->c, &nv_addr, &id, &made), EIO);
	nv_assert_same(f, "nvmet", before);
	sim_fail("read", "nvmet/ports/40961/addr_traddr", EIO, 1);
	ERR(nvmet_port_find(&f->c, &nv_addr, &id), EIO);
}

static void test_port_range_full(void **state)
{
	struct fx *f = *state;
	unsigned id;
	bool made;
	for (unsigned i = NVMET_PORT_ID_MIN; i <= NVMET_PORT_ID_MAX; i++) {
		char p[64];
		snprintf(p, sizeof(p), "nvmet/ports/%u", i);
		MK(p);
	}
	ERR(nvmet_port_ensure(&f->c, &nv_addr, &id, &made), ENOSPC);
}

static void test_port_link(void **state)
{
	struct fx *f = *state;
	struct nvmet_subsys s = nv_subsys();
	unsigned id;
	bool made;
	OK(nvmet_subsys_create(&f->c, &s));
	OK(nvmet_port_ensure(&f->c, &nv_addr, &id, &made));
	sim_stats_reset();
	OK(nvmet_port_link(&f->c, id, NQN));
	assert_string_equal(ops(), "0/0/0/1/0");
	assert_string_equal(link_of(f, NVP "/subsystems/" NQN), NVS);
	OK(nvmet_port_link(&f->c, id, NQN)); /* there: fine */
	/* the port is enabled now: its address cannot change (the kernel's EACCES) */
	ERR(cfs_write(&f->c, NVP "/addr_trsvcid", "4430"), EACCES);
	ERR(nvmet_port_remove(&f->c, id), ENOTEMPTY);
	ERR(nvmet_subsys_remove(&f->c, NQN), EBUSY);
	/* a second port on the same address cannot bind */
	MK("nvmet/ports/40961");
	W("nvmet/ports/40961/addr_trtype", "tcp");
	W("nvmet/ports/40961/addr_adrfam", "ipv4");
	W("nvmet/ports/40961/addr_traddr", "127.0.0.1");
	W("nvmet/ports/40961/addr_trsvcid", "4420");
	ERR(nvmet_port_link(&f->c, 40961, NQN), EADDRINUSE);
	/* a port without its family: the kernel's EINVAL */
	W("nvmet/ports/40961/addr_trsvcid", "4431");
	MK("nvmet/ports/40962");
	W("nvmet/ports/40962/addr_trtype", "tcp");
	ERR(nvmet_port_link(&f->c, 40962, NQN), EINVAL);
	ERR(nvmet_port_link(&f->c, id, "nqn.2026-11.org.attachd:none"), ENOENT);
	OK(nvmet_port_unlink(&f->c, id, NQN));
	OK(nvmet_port_unlink(&f->c, id, NQN)); /* gone: done */
	W(NVP "/addr_trsvcid", "4420"); /* disabled again: writable */
	OK(nvmet_port_remove(&f->c, id));
	OK(nvmet_port_remove(&f->c, id));
	assert_int_equal(exists(f, NVP), 0);
}

/* The whole export and its teardown in the kernel's order, next to another tool's objects. */
static void export_and_teardown(struct fx *f, bool auth)
{
	struct nvmet_subsys s = nv_subsys();
	struct nvmet_ns n = nv_ns(f);
	struct nvmet_host h = { .nqn = HOSTNQN, .key = auth ? KEY1 : NULL };
	unsigned id;
	bool made;
	nv_foreign(f);
	char *fresh = nvsnap(f, "nvmet");
	char *theirs[3] = { nvsnap(f, "nvmet/subsystems/nqn.2016-06.io.spdk:other"), nvsnap(f, "nvmet/hosts/" HOSTNQN2),
			    nvsnap(f, "nvmet/ports/1") };
	OK(nvmet_host_create(&f->c, &h));
	OK(nvmet_subsys_create(&f->c, &s));
	OK(nvmet_ns_create(&f->c, &n));
	OK(nvmet_host_allow(&f->c, NQN, HOSTNQN));
	OK(nvmet_port_ensure(&f->c, &nv_addr, &id, &made));
	OK(nvmet_port_link(&f->c, id, NQN));
	assert_true(made);
	nv_assert_same(f, "nvmet/subsystems/nqn.2016-06.io.spdk:other", theirs[0]);
	nv_assert_same(f, "nvmet/hosts/" HOSTNQN2, theirs[1]);
	nv_assert_same(f, "nvmet/ports/1", theirs[2]);
	OK(nvmet_port_unlink(&f->c, id, NQN));
	OK(nvmet_port_remove(&f->c, id));
	OK(nvmet_host_disallow(&f->c, NQN, HOSTNQN));
	OK(nvmet_ns_remove(&f->c, NQN, 1));
	OK(nvmet_subsys_remove(&f->c, NQN));
	OK(nvmet_host_remove(&f->c, HOSTNQN));
	nv_assert_same(f, "nvmet", fresh);
}

static void test_export_61(void **state)
{
	export_and_teardown(*state, false);
}

static void test_export_612(void **state)
{
	export_and_teardown(*state, true);
}

UNIT_MAIN("nvmet", cmocka_unit_test(test_ids), NV_TEST(test_subsys_create), NV_TEST(test_subsys_create_refused),
	  NV_TEST(test_subsys_create_undo), NV_TEST(test_subsys_remove), NV_TEST(test_ns_create),
	  NV_TEST(test_ns_create_finish_and_undo), NV_TEST(test_ns_create_refused), NV_TEST(test_ns_enable_remove),
	  NV_TEST_612(test_host_create_612), NV_TEST(test_host_create_61), NV_TEST_612(test_host_create_refused),
	  NV_TEST(test_host_allow), NV_TEST(test_port_ensure), NV_TEST(test_port_shared), NV_TEST(test_port_make_undo),
	  NV_TEST(test_port_range_full), NV_TEST(test_port_link), NV_TEST(test_export_61), NV_TEST_612(test_export_612))
