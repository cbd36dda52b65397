/* SPDX-License-Identifier: Apache-2.0 */
/* nvme_step.c: NVMe/TCP plan steps described and executed (see nvme_step.h). */
#include "nvme_step.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nvmet.h"

void nvme_step_describe(const struct rec_export *x, const struct plan_step *s, char *buf, size_t size)
{
	const char *nqn = x->target_iqn, *h = s->host.nqn;
	switch (s->op) {
	case PLAN_NV_SUBSYS_CREATE:
		snprintf(buf, size, "create NVMe subsystem %s (no host allowed unless linked)", nqn);
		return;
	case PLAN_NV_SUBSYS_REMOVE: snprintf(buf, size, "remove NVMe subsystem %s", nqn); return;
	case PLAN_NV_NS_CREATE:
		snprintf(buf, size, "create namespace %u of %s on %s and enable it", NVMET_NSID, nqn, x->device);
		return;
	case PLAN_NV_NS_REMOVE: snprintf(buf, size, "remove namespace %u of %s", NVMET_NSID, nqn); return;
	case PLAN_NV_NS_ENABLE: snprintf(buf, size, "enable namespace %u of %s", NVMET_NSID, nqn); return;
	case PLAN_NV_NS_DISABLE:
		snprintf(buf, size, "disable namespace %u of %s (every host's I/O to it fails)", NVMET_NSID, nqn);
		return;
	case PLAN_NV_NS_REVALIDATE:
		snprintf(buf, size, "revalidate namespace %u of %s (hosts see its new size)", NVMET_NSID, nqn);
		return;
	case PLAN_NV_HOST_CREATE:
		snprintf(buf, size, "create NVMe host %s%s", h,
			 s->host.dhchap == 2 ? " with its DH-HMAC-CHAP key and controller key" :
			 s->host.dhchap ? " with its DH-HMAC-CHAP key" : "");
		return;
	case PLAN_NV_HOST_REMOVE: snprintf(buf, size, "remove NVMe host %s", h); return;
	case PLAN_NV_HOST_ALLOW: snprintf(buf, size, "allow host %s on %s", h, nqn); return;
	case PLAN_NV_HOST_DISALLOW:
		snprintf(buf, size, "disallow host %s on %s (no new connection)", h, nqn);
		return;
	case PLAN_NV_PORT_CREATE: snprintf(buf, size, "create NVMe port %u on tcp %s", s->port_id, s->portal); return;
	case PLAN_NV_PORT_REMOVE: snprintf(buf, size, "remove NVMe port %u (%s)", s->port_id, s->portal); return;
	case PLAN_NV_PORT_LINK: snprintf(buf, size, "link %s into NVMe port %u (%s)", nqn, s->port_id, s->portal); return;
	case PLAN_NV_PORT_UNLINK:
		snprintf(buf, size, "unlink %s from NVMe port %u (%s): its controllers there drop", nqn, s->port_id,
			 s->portal);
		return;
	case PLAN_NV_SUBSYS_PURGE:
		snprintf(buf, size, "remove unrecorded NVMe subsystem %s and everything in it (drops its hosts)", nqn);
		return;
	default: /* plan.c hands over the PLAN_NV_* steps only */
		snprintf(buf, size, "unknown NVMe step %d", s->op);
		return;
	}
}

int nvme_portal_addr(const char *portal, char *buf, size_t size, struct nvmet_addr *a)
{
	const char *colon = strrchr(portal, ':');
	if (!colon || colon == portal)
		return -EINVAL;
	size_t n = (size_t)(colon - portal);
	if (portal[0] == '[') {
		if (n < 3 || portal[n - 1] != ']')
			return -EINVAL;
		portal++;
		n -= 2;
	}
	if (n >= size)
		return -EINVAL;
	memcpy(buf, portal, n);
	buf[n] = '\0';
	a->traddr = buf;
	a->trsvcid = colon + 1;
	return 0;
}

static int nvme_step_host(struct cfs *c, const struct rec_nvme_host *r)
{
	struct nvmet_host h = { .nqn = r->nqn };
	if (r->dhchap) {
		h.key = r->key;
		h.hash = NVME_DHCHAP_HASH;
		h.dhgroup = r->dhgroup[0] ? r->dhgroup : "null";
		h.ctrl_key = r->dhchap == 2 ? r->ctrl_key : NULL;
	}
	return nvmet_host_create(c, &h);
}

int nvme_step_exec(const struct rec_export *x, enum plan_op op, const struct plan_step *s, struct cfs *c)
{
	const char *nqn = x->target_iqn;
	struct nvmet_ids ids;
	struct nvmet_addr a;
	char addr[ATTACH_PORTAL_MAX + 1];
	/* the identities of a subsystem or namespace being made (other steps may name no volume: orphans) */
	int rc = op == PLAN_NV_SUBSYS_CREATE || op == PLAN_NV_NS_CREATE ? nvmet_ids_from_volume(x->volume_id, &ids) : 0;
	if (rc)
		return rc;
	struct nvmet_subsys sub = { .nqn = nqn, .serial = ids.serial };
	struct nvmet_ns ns = { .nqn = nqn, .nsid = NVMET_NSID, .dev = x->device, .uuid = ids.uuid, .nguid = ids.nguid };
	switch (op) {
	case PLAN_NV_SUBSYS_CREATE: return nvmet_subsys_create(c, &sub);
	case PLAN_NV_SUBSYS_REMOVE: return nvmet_subsys_remove(c, nqn);
	case PLAN_NV_NS_CREATE: return nvmet_ns_create(c, &ns);
	case PLAN_NV_NS_REMOVE: return nvmet_ns_remove(c, nqn, NVMET_NSID);
	case PLAN_NV_NS_ENABLE: return nvmet_ns_enable(c, nqn, NVMET_NSID, true);
	case PLAN_NV_NS_DISABLE: return nvmet_ns_enable(c, nqn, NVMET_NSID, false);
	/* a kernel without revalidate_size: hosts see the size at their next rescan (nvmet.h) */
	case PLAN_NV_NS_REVALIDATE: return (rc = nvmet_ns_revalidate(c, nqn, NVMET_NSID)) > 0 ? 0 : rc;
	case PLAN_NV_HOST_CREATE: return nvme_step_host(c, &s->host);
	case PLAN_NV_HOST_REMOVE: return nvmet_host_remove(c, s->host.nqn);
	case PLAN_NV_HOST_ALLOW: return nvmet_host_allow(c, nqn, s->host.nqn);
	case PLAN_NV_HOST_DISALLOW: return nvmet_host_disallow(c, nqn, s->host.nqn);
	case PLAN_NV_PORT_CREATE:
		return (rc = nvme_portal_addr(s->portal, addr, sizeof(addr), &a)) ? rc : nvmet_port_create(c, s->port_id, &a);
	case PLAN_NV_PORT_REMOVE: return nvmet_port_remove(c, s->port_id);
	case PLAN_NV_PORT_LINK: return nvmet_port_link(c, s->port_id, nqn);
	case PLAN_NV_PORT_UNLINK: return nvmet_port_unlink(c, s->port_id, nqn);
	case PLAN_NV_SUBSYS_PURGE: return nvmet_subsys_purge(c, nqn);
	default: return -EINVAL; /* plan.c hands over the PLAN_NV_* steps only */
	}
}
