/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nvmet_fx.h: the nvmet tests' fixture over sim_fx.h: a fresh simulated tree with nvmet/ (sim_nvmet_setup)
 * per test, on kernel 6.1 or 6.12; the objects of one export as configfs/nvmet.h names them; and snapshots
 * of a subtree with every file's content and every link's text, to prove what a call did not touch
 * (test_nvmet.c, test_nvmet_state.c, test_sim_nvmet.c, test_nvmet_golden.c).
 */
#ifndef NVMET_FX_H
#define NVMET_FX_H

#include "nvmet.h"
#include "nvmet_state.h"
#include "sim_fx.h"

#define VOLID "11111111-2222-3333-4444-555555555555"
#define NQN "nqn.2026-11.org.attachd:" VOLID
#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:22222222-3333-4444-5555-666666666666"
#define HOSTNQN2 "nqn.2014-08.org.nvmexpress:uuid:33333333-4444-5555-6666-777777777777"
#define NVS "nvmet/subsystems/" NQN
#define NVNS NVS "/namespaces/1"
#define NVH "nvmet/hosts/" HOSTNQN
#define NVP "nvmet/ports/40960"
/* DHHC-1 secrets (test_nvmet_secret.c's vectors): hash 00 and 01, 32-byte keys */
#define KEY0 "DHHC-1:00:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+KfiaR:"
#define KEY1 "DHHC-1:01:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACtVQoZ:"

int nvsetup61(void **state);
int nvsetup612(void **state);
#define NV_TEST(fn) cmocka_unit_test_setup_teardown(fn, nvsetup61, teardown)
#define NV_TEST_612(fn) cmocka_unit_test_setup_teardown(fn, nvsetup612, teardown)

/* The export's pieces, the namespace on the fixture's first device. */
struct nvmet_subsys nv_subsys(void);
struct nvmet_ns nv_ns(struct fx *f);
extern const struct nvmet_addr nv_addr; /* 127.0.0.1:4420 */

/* Every entry below @sub (relative to the root), sorted, with file contents and link texts: malloc'd. */
char *nvsnap(struct fx *f, const char *sub);
/* Assert @sub is as @before (an nvsnap taken earlier), free @before. */
void nv_assert_same(struct fx *f, const char *sub, char *before);
/* sim_dump() of nvmet/, malloc'd. */
char *nvdump(struct fx *f);

/* What another tool made: subsystem nqn.2016-06.io.spdk:other with namespace 1 on the second device
 * (enabled), host HOSTNQN2 allowed, port 1 on 127.0.0.1:4421 with the subsystem linked. */
void nv_foreign(struct fx *f);

#endif
