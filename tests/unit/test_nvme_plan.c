/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_nvme_plan.c: the NVMe/TCP plans (agent/calls/nvme_plan.c) and their steps (nvme_step.c) against
 * nvme_plan.h's contract, on the nvmet simulator. Checked: the exact steps of a new export (host entry
 * only when new, ports made only where ports_made says), of another host, of the cut of one host (its
 * link out, then each port's link out and in again) and of the teardown (disallow, namespace disabled
 * before the ports are unlinked, only the ports to remove removed, host entry only when gone); the
 * export built over the simulator with the kernel's names and identities; a failure at each step
 * rolling back exactly what was done (the tree as before); the cut leaving the other host allowed and
 * the subsystem linked; a teardown leaving nothing of it but another tool's port; no secret in any
 * step's text.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "nvme_plan.h"
#include "nvmet_fx.h"
#include "plan.h"
#include "sim.h"
#include "unit_main.h"

/* the export of nvmet_fx.h's names: subsystem NQN, namespace on the fixture's first device, port 40960
 * (made by attachd) on 127.0.0.1:4420 and port 1 (another tool's) on 127.0.0.1:4421 */
static void nv_plan(struct fx *f, struct plan *p)
{
	plan_init(p);
	p->call = "test";
	snprintf(p->x.volume_id, sizeof(p->x.volume_id), "%s", VOLID);
	snprintf(p->x.target_iqn, sizeof(p->x.target_iqn), "%s", NQN);
	snprintf(p->x.device, sizeof(p->x.device), "%.1000s", f->dev[0]);
	p->x.transport = ATTACH_TRANSPORT_NVME_TCP;
	p->x.lun = 1;
	p->x.n_portals = p->x.n_port_ids = 2;
	snprintf(p->x.portals[0], sizeof(p->x.portals[0]), "127.0.0.1:4420");
	snprintf(p->x.portals[1], sizeof(p->x.portals[1]), "127.0.0.1:4421");
	p->x.port_ids[0] = 40960;
	p->x.port_ids[1] = 1;
	p->x.ports_made = 1;
}

static struct rec_nvme_host nv_host(const char *nqn, bool keys)
{
	struct rec_nvme_host h = { .refs = 1 };
	snprintf(h.nqn, sizeof(h.nqn), "%s", nqn);
	if (keys) {
		h.dhchap = 2;
		snprintf(h.dhgroup, sizeof(h.dhgroup), "ffdhe2048");
		snprintf(h.key, sizeof(h.key), "%s", KEY0);
		snprintf(h.ctrl_key, sizeof(h.ctrl_key), "%s", KEY1);
	}
	return h;
}

static void assert_ops(const struct plan *p, const enum plan_op *ops, size_t n)
{
	for (size_t i = 0; i < p->n && i < n; i++)
		if (p->steps[i].op != ops[i]) {
			char line[256];
			plan_describe(p, i, line, sizeof(line));
			fail_msg("step %zu is \"%s\" (op %d), expected op %d", i, line, p->steps[i].op, ops[i]);
		}
	assert_int_equal(p->n, n);
}

/* Another tool's port 1 on 127.0.0.1:4421, which attachd uses and never removes. */
static void nv_other_port(struct fx *f)
{
	MK("nvmet/ports/1");
	W("nvmet/ports/1/addr_trtype", "tcp");
	W("nvmet/ports/1/addr_adrfam", "ipv4");
	W("nvmet/ports/1/addr_traddr", "127.0.0.1");
	W("nvmet/ports/1/addr_trsvcid", "4421");
}

static void quiet(enum log_level lvl, const char *msg, void *arg)
{
	(void)lvl, (void)msg, (void)arg;
}

static void test_orders(void **state)
{
	struct fx *f = *state;
	struct plan p;
	struct rec_nvme_host h = nv_host(HOSTNQN, false);
	static const enum plan_op create[] = { PLAN_NV_HOST_CREATE, PLAN_NV_SUBSYS_CREATE, PLAN_NV_NS_CREATE,
					      PLAN_NV_HOST_ALLOW, PLAN_NV_PORT_CREATE, PLAN_NV_PORT_LINK,
					      PLAN_NV_PORT_LINK };
	nv_plan(f, &p);
	OK(nvme_plan_create(&p, &h, true));
	assert_ops(&p, create, sizeof(create) / sizeof(create[0]));
	assert_int_equal(p.steps[4].port_id, 40960); /* only attachd's port is made */
	assert_int_equal(p.steps[6].port_id, 1);
	plan_free(&p);
	/* a host entry that exists already (another volume's) is not made again; with a dm device, it first */
	nv_plan(f, &p);
	snprintf(p.x.dm_name, sizeof(p.x.dm_name), "attachd-%s", VOLID);
	OK(nvme_plan_create(&p, &h, false));
	assert_int_equal(p.steps[0].op, PLAN_DM_CREATE);
	assert_int_equal(p.steps[1].op, PLAN_NV_SUBSYS_CREATE);
	plan_free(&p);
	static const enum plan_op add[] = { PLAN_NV_HOST_CREATE, PLAN_NV_HOST_ALLOW };
	nv_plan(f, &p);
	OK(nvme_plan_host_add(&p, &h, true));
	assert_ops(&p, add, 2);
	plan_free(&p);
	static const enum plan_op cut[] = { PLAN_NV_HOST_DISALLOW, PLAN_NV_HOST_REMOVE, PLAN_NV_PORT_UNLINK,
					   PLAN_NV_PORT_LINK, PLAN_NV_PORT_UNLINK, PLAN_NV_PORT_LINK };
	nv_plan(f, &p);
	OK(nvme_plan_host_cut(&p, &h, true));
	assert_ops(&p, cut, sizeof(cut) / sizeof(cut[0]));
	plan_free(&p);
	static const enum plan_op down[] = { PLAN_NV_HOST_DISALLOW, PLAN_NV_NS_DISABLE, PLAN_NV_PORT_UNLINK,
					    PLAN_NV_PORT_UNLINK, PLAN_NV_PORT_REMOVE, PLAN_NV_NS_REMOVE,
					    PLAN_NV_SUBSYS_REMOVE };
	nv_plan(f, &p);
	OK(nvme_plan_teardown(&p, &h, false, 1));
	assert_ops(&p, down, sizeof(down) / sizeof(down[0]));
	assert_int_equal(p.steps[4].port_id, 40960);
	plan_free(&p);
	/* the host's last volume: its entry goes after the subsystem; a forced teardown names no host */
	nv_plan(f, &p);
	OK(nvme_plan_teardown(&p, &h, true, 0));
	assert_int_equal(p.steps[p.n - 1].op, PLAN_NV_HOST_REMOVE);
	plan_free(&p);
	nv_plan(f, &p);
	OK(nvme_plan_teardown(&p, NULL, true, 0));
	assert_int_equal(p.steps[0].op, PLAN_NV_NS_DISABLE);
	assert_false(plan_has(&p, PLAN_NV_HOST_REMOVE));
	plan_free(&p);
}

/* Built over the simulator, with a failure at each step in turn: the tree as before, every time. */
static void test_build_and_rollback(void **state)
{
	struct fx *f = *state;
	struct plan_env env = { .cfs = &f->c };
	struct rec_nvme_host h = nv_host(HOSTNQN, true);
	char err[512];
	nv_other_port(f);
	log_set_callback(quiet, NULL);
	struct plan p;
	nv_plan(f, &p);
	OK(nvme_plan_create(&p, &h, true));
	size_t n = p.n;
	plan_free(&p);
	for (size_t k = 0; k < n; k++) {
		char *before = nvsnap(f, "nvmet");
		nv_plan(f, &p);
		OK(nvme_plan_create(&p, &h, true));
		/* the k-th step's own write fails: the kernel refuses it */
		const enum plan_op op = p.steps[k].op;
		char what[64];
		snprintf(what, sizeof(what), "%s",
			 op == PLAN_NV_HOST_CREATE ? "dhchap_key" : op == PLAN_NV_SUBSYS_CREATE ? "attr_serial" :
			 op == PLAN_NV_NS_CREATE ? "namespaces/1/enable" : op == PLAN_NV_HOST_ALLOW ? "allowed_hosts/" :
			 op == PLAN_NV_PORT_CREATE ? "ports/40960/addr_trsvcid" : "");
		if (op == PLAN_NV_PORT_LINK)
			snprintf(what, sizeof(what), "ports/%u/subsystems/", (unsigned)p.steps[k].port_id);
		const char *kind = op == PLAN_NV_HOST_ALLOW || op == PLAN_NV_PORT_LINK ? "symlink" : "write";
		sim_fail(kind, what, EIO, 1);
		if (plan_apply(&p, &env, err, sizeof(err)) != -EIO)
			fail_msg("step %zu: a failure was not reported", k);
		char line[256];
		plan_describe(&p, k, line, sizeof(line));
		if (strncmp(err, line, strlen(line)))
			fail_msg("step %zu: \"%s\" failed, not \"%s\"", k, err, line);
		sim_fail_clear();
		nv_assert_same(f, "nvmet", before);
		plan_free(&p);
	}
	/* and whole: the kernel's names, the volume's identities, the host's keys */
	nv_plan(f, &p);
	OK(nvme_plan_create(&p, &h, true));
	OK(plan_apply(&p, &env, err, sizeof(err)));
	plan_free(&p);
	assert_string_equal(rd(f, NVS "/attr_allow_any_host"), "0");
	assert_string_equal(rd(f, NVNS "/device_uuid"), VOLID);
	assert_string_equal(rd(f, NVNS "/enable"), "1");
	assert_string_equal(rd(f, NVH "/dhchap_key"), KEY0);
	assert_string_equal(rd(f, NVH "/dhchap_ctrl_key"), KEY1);
	assert_int_equal(exists(f, NVS "/allowed_hosts/" HOSTNQN), 1);
	assert_int_equal(exists(f, NVP "/subsystems/" NQN), 1);
	assert_int_equal(exists(f, "nvmet/ports/1/subsystems/" NQN), 1);
}

/* A second host, then the cut of the first (the other stays allowed and linked), then the teardown:
 * nothing of the export left but the other tool's port. */
static void test_cut_and_teardown(void **state)
{
	struct fx *f = *state;
	struct plan_env env = { .cfs = &f->c };
	struct rec_nvme_host a = nv_host(HOSTNQN, false), b = nv_host(HOSTNQN2, false);
	char err[512];
	struct plan p;
	nv_other_port(f);
	nv_plan(f, &p);
	OK(nvme_plan_create(&p, &a, true));
	OK(nvme_plan_host_add(&p, &b, true));
	OK(plan_apply(&p, &env, err, sizeof(err)));
	plan_free(&p);
	nv_plan(f, &p);
	OK(nvme_plan_host_cut(&p, &a, true));
	OK(plan_apply(&p, &env, err, sizeof(err)));
	plan_free(&p);
	assert_int_equal(exists(f, NVS "/allowed_hosts/" HOSTNQN), 0);
	assert_int_equal(exists(f, NVH), 0);
	assert_int_equal(exists(f, NVS "/allowed_hosts/" HOSTNQN2), 1);
	assert_int_equal(exists(f, NVP "/subsystems/" NQN), 1);
	assert_int_equal(exists(f, "nvmet/ports/1/subsystems/" NQN), 1);
	nv_plan(f, &p);
	OK(nvme_plan_teardown(&p, &b, true, 1));
	OK(plan_apply(&p, &env, err, sizeof(err)));
	plan_free(&p);
	assert_int_equal(exists(f, NVS), 0);
	assert_int_equal(exists(f, "nvmet/hosts/" HOSTNQN2), 0);
	assert_int_equal(exists(f, NVP), 0);
	assert_int_equal(exists(f, "nvmet/ports/1"), 1);
}

static void test_no_secret_in_steps(void **state)
{
	struct fx *f = *state;
	struct rec_nvme_host h = nv_host(HOSTNQN, true);
	struct plan p;
	nv_plan(f, &p);
	OK(nvme_plan_create(&p, &h, true));
	OK(nvme_plan_host_cut(&p, &h, true));
	OK(nvme_plan_teardown(&p, &h, true, 1));
	for (size_t i = 0; i < p.n; i++) {
		char line[256];
		plan_describe(&p, i, line, sizeof(line));
		/* the keys' base64, in part or whole */
		if (strstr(line, KEY0 + 10) || strstr(line, KEY1 + 10) || strstr(line, "DHHC"))
			fail_msg("step %zu shows a secret: %s", i, line);
	}
	plan_free(&p);
}

UNIT_MAIN("nvme-plan", NV_TEST(test_orders), NV_TEST_612(test_build_and_rollback), NV_TEST(test_cut_and_teardown),
	  NV_TEST(test_no_secret_in_steps))
