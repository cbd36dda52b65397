/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_nvmet_state.c: the nvmet readers (configfs/nvmet_state.c) on the simulator: each field true for the
 * export as made, false for each way it can differ, nothing for an object that is not there, and no
 * change made by reading (no write, mkdir, rmdir, link or unlink counted).
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

static unsigned export(struct fx *f, const char *key)
{
	struct nvmet_subsys s = nv_subsys();
	struct nvmet_ns n = nv_ns(f);
	struct nvmet_host h = { .nqn = HOSTNQN, .key = key };
	unsigned id;
	bool made;
	OK(nvmet_host_create(&f->c, &h));
	OK(nvmet_subsys_create(&f->c, &s));
	OK(nvmet_ns_create(&f->c, &n));
	OK(nvmet_host_allow(&f->c, NQN, HOSTNQN));
	OK(nvmet_port_ensure(&f->c, &nv_addr, &id, &made));
	OK(nvmet_port_link(&f->c, id, NQN));
	return id;
}

static void test_absent(void **state)
{
	struct fx *f = *state;
	struct nvmet_subsys s = nv_subsys();
	struct nvmet_ns n = nv_ns(f);
	struct nvmet_host h = { .nqn = HOSTNQN };
	struct nvmet_subsys_state ss;
	struct nvmet_ns_state ns;
	struct nvmet_host_state hs;
	struct nvmet_port_state ps;
	memset(&ss, 0xff, sizeof(ss));
	OK(nvmet_subsys_state(&f->c, &s, &ss));
	assert_false(ss.exists || ss.closed || ss.serial_ok || ss.model_ok);
	OK(nvmet_ns_state(&f->c, &n, &ns));
	assert_false(ns.exists || ns.enabled);
	OK(nvmet_host_state(&f->c, NQN, &h, &hs));
	assert_false(hs.exists || hs.allowed);
	OK(nvmet_port_state(&f->c, 40960, &nv_addr, NQN, &ps));
	assert_false(ps.exists || ps.linked);
	char longnqn[240];
	memset(longnqn, 'x', sizeof(longnqn) - 1);
	longnqn[sizeof(longnqn) - 1] = '\0';
	s.nqn = longnqn;
	OK(nvmet_subsys_state(&f->c, &s, &ss));
	assert_false(ss.exists);
}

static void check_all(struct fx *f, unsigned id, const char *key, bool auth)
{
	struct nvmet_subsys s = nv_subsys();
	struct nvmet_ns n = nv_ns(f);
	struct nvmet_host h = { .nqn = HOSTNQN, .key = key };
	struct nvmet_subsys_state ss;
	struct nvmet_ns_state ns;
	struct nvmet_host_state hs;
	struct nvmet_port_state ps;
	sim_stats_reset();
	OK(nvmet_subsys_state(&f->c, &s, &ss));
	OK(nvmet_ns_state(&f->c, &n, &ns));
	OK(nvmet_host_state(&f->c, NQN, &h, &hs));
	OK(nvmet_port_state(&f->c, id, &nv_addr, NQN, &ps));
	assert_string_equal(ops(), "0/0/0/0/0");
	assert_true(ss.exists && ss.closed && ss.serial_ok && ss.model_ok);
	assert_true(ns.exists && ns.enabled && ns.path_ok && ns.uuid_ok && ns.nguid_ok);
	assert_true(hs.exists && hs.keys_ok && hs.allowed);
	assert_int_equal(hs.auth, auth);
	assert_true(ps.exists && ps.addr_ok && ps.linked);
}

static void test_as_made_61(void **state)
{
	struct fx *f = *state;
	check_all(f, export(f, NULL), NULL, false);
}

static void test_as_made_612(void **state)
{
	struct fx *f = *state;
	check_all(f, export(f, KEY1), KEY1, true);
}

static void test_differences(void **state)
{
	struct fx *f = *state;
	unsigned id = export(f, NULL);
	struct nvmet_subsys s = nv_subsys();
	struct nvmet_ns n = nv_ns(f);
	struct nvmet_host h = { .nqn = HOSTNQN };
	struct nvmet_subsys_state ss;
	struct nvmet_ns_state ns;
	struct nvmet_host_state hs;
	struct nvmet_port_state ps;
	/* the subsystem: opened to any host (the allowed link removed first, as the kernel wants) */
	OK(nvmet_host_disallow(&f->c, NQN, HOSTNQN));
	W(NVS "/attr_allow_any_host", "1");
	s.serial = "other";
	s.model = "other";
	OK(nvmet_subsys_state(&f->c, &s, &ss));
	assert_true(ss.exists);
	assert_false(ss.closed || ss.serial_ok || ss.model_ok);
	OK(nvmet_host_state(&f->c, NQN, &h, &hs));
	assert_true(hs.exists);
	assert_false(hs.allowed);
	assert_true(hs.keys_ok); /* none wanted */
	h.key = KEY0; /* a key wanted on 6.1: not as wanted */
	OK(nvmet_host_state(&f->c, NQN, &h, &hs));
	assert_false(hs.keys_ok || hs.auth);
	/* the namespace: disabled, then another device, uuid, nguid */
	OK(nvmet_ns_enable(&f->c, NQN, 1, false));
	W(NVNS "/device_uuid", "abcdef01-2222-3333-4444-555555555555");
	n.dev = f->dev[1];
	OK(nvmet_ns_state(&f->c, &n, &ns));
	assert_true(ns.exists && ns.nguid_ok);
	assert_false(ns.enabled || ns.path_ok || ns.uuid_ok);
	n = nv_ns(f);
	n.nguid = "abcdef01-2222-3333-4444-555555555555";
	OK(nvmet_ns_state(&f->c, &n, &ns));
	assert_false(ns.nguid_ok);
	/* the port: another address asked; the subsystem not linked; another subsystem asked */
	struct nvmet_addr other = { "127.0.0.1", "4421" };
	OK(nvmet_port_state(&f->c, id, &other, NQN, &ps));
	assert_true(ps.exists && ps.linked);
	assert_false(ps.addr_ok);
	OK(nvmet_port_state(&f->c, id, &nv_addr, "nqn.2026-11.org.attachd:x", &ps));
	assert_false(ps.linked);
	OK(nvmet_port_state(&f->c, id, &nv_addr, NULL, &ps));
	assert_true(ps.addr_ok);
	assert_false(ps.linked);
	OK(nvmet_port_unlink(&f->c, id, NQN));
	OK(nvmet_port_state(&f->c, id, &nv_addr, NQN, &ps));
	assert_false(ps.linked);
}

static void test_keys_612(void **state)
{
	struct fx *f = *state;
	export(f, KEY1);
	struct nvmet_host h = { .nqn = HOSTNQN, .key = KEY0 };
	struct nvmet_host_state hs;
	OK(nvmet_host_state(&f->c, NQN, &h, &hs));
	assert_true(hs.auth);
	assert_false(hs.keys_ok);
	h.key = KEY1;
	h.dhgroup = "ffdhe2048";
	OK(nvmet_host_state(&f->c, NQN, &h, &hs));
	assert_false(hs.keys_ok); /* the kernel's group is null */
	h.dhgroup = "null";
	h.hash = "hmac(sha256)";
	OK(nvmet_host_state(&f->c, NQN, &h, &hs));
	assert_true(hs.keys_ok);
	OK(nvmet_host_state(&f->c, NULL, &h, &hs));
	assert_false(hs.allowed);
}

UNIT_MAIN("nvmet-state", NV_TEST(test_absent), NV_TEST(test_as_made_61), NV_TEST_612(test_as_made_612),
	  NV_TEST(test_differences), NV_TEST_612(test_keys_612))
