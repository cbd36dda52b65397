/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nvme_step.h: the NVMe/TCP plan steps (PLAN_NV_*, plan.h) in words and in the kernel, through the nvmet
 * writer (configfs/nvmet.h). plan.c hands them here; the identities (serial, namespace uuid and nguid)
 * follow from the volume id (nvmet_ids_from_volume), so a rebuilt export looks the same to hosts.
 * Text never carries a secret.
 */
#ifndef NVME_STEP_H
#define NVME_STEP_H

#include <stddef.h>

#include "cfs.h"
#include "nvmet.h"
#include "plan.h"

/* DH-HMAC-CHAP as attachd writes it: the hash every key is used with. */
#define NVME_DHCHAP_HASH "hmac(sha256)"

/* "ip:port" / "[ip6]:port" (canonical, portal.h) as the writer's address; @buf (@size bytes) holds the
 * address part @a points to. 0 or -EINVAL. */
int nvme_portal_addr(const char *portal, char *buf, size_t size, struct nvmet_addr *a);
void nvme_step_describe(const struct rec_export *x, const struct plan_step *s, char *buf, size_t size);
/* Step @op (a PLAN_NV_* op: the step's own, or its inverse on undo) with @s's parameters. 0 or -errno
 * (-EOPNOTSUPP: a host with keys on a kernel without DH-HMAC-CHAP attributes, nothing left made). */
int nvme_step_exec(const struct rec_export *x, enum plan_op op, const struct plan_step *s, struct cfs *c);

#endif
