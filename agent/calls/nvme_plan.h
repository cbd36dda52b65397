/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nvme_plan.h: what an NVMe/TCP export is made of and in which order (docs/KERNEL.md, 'nvmet', 'Object
 * order'), as plan steps, beside export_plan.h's iSCSI one:
 *
 *     dm device, host (with its DH-HMAC-CHAP key), subsystem <nqn-prefix>:<volume-id>, namespace 1
 *     (enabled), the host's link into allowed_hosts, then per --nvme-port: the port (when attachd makes
 *     it) and the subsystem's link into it.
 *
 * A host entry (hosts/<nqn>) is shared by every subsystem that allows it: its create step is planned only
 * when no other export has it (@host_new), its remove step only when this was its last (@host_gone); the
 * callers count (the nvme_hosts records). A port is made only where bit i of x.ports_made says so, and
 * removed only where @ports_remove says so (the caller knows whether other exports still use it).
 *
 * nvme_prepare() is the one place a new export reads the kernel: the volume's disk found again and
 * checked (as export_prepare). Everything else here is pure: records in, plan steps out.
 */
#ifndef NVME_PLAN_H
#define NVME_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "agent.h"
#include "plan.h"

/* Fill @x for exporting @v over NVMe/TCP (ports named but not resolved: n_port_ids 0). */
int nvme_prepare(struct agent *a, const struct rec_volume *v, struct rec_export *x, char *why, size_t whylen);

/* A new export with its first host. */
int nvme_plan_create(struct plan *p, const struct rec_nvme_host *host, bool host_new);
/* Another host on an export that stays: its host entry (when new) and its allowed_hosts link. */
int nvme_plan_host_add(struct plan *p, const struct rec_nvme_host *host, bool host_new);
/* One host among several goes: disallowed, then cut off. The kernel drops a live controller only with the
 * subsystem's link into a port, so each port's link is removed and made again: every host's controllers
 * on the export drop, the hosts still allowed reconnect (docs/PROTOCOL.md). */
int nvme_plan_host_cut(struct plan *p, const struct rec_nvme_host *host, bool host_gone);
/* The last host goes, and the export with it: disallowed, the namespace disabled (its I/O fails at once),
 * the subsystem unlinked from each port (the controllers drop), the ports in @ports_remove (bits, as
 * x.ports_made) removed, the namespace and the subsystem removed, the host entry when @host_gone, the dm
 * device. @host NULL: no host left to disallow (a forced teardown disallowed each already). */
int nvme_plan_teardown(struct plan *p, const struct rec_nvme_host *host, bool host_gone, uint32_t ports_remove);

#endif
