/* SPDX-License-Identifier: Apache-2.0 */
/* nvme_plan.c: an NVMe/TCP export's parts, their order, and the plans built from it (see nvme_plan.h). */
#include "nvme_plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "dmdev.h"
#include "nvmet.h"

int nvme_prepare(struct agent *a, const struct rec_volume *v, struct rec_export *x, char *why, size_t whylen)
{
	struct device d;
	memset(x, 0, sizeof(*x));
	int rc = device_verify(v, &d, why, whylen);
	if (rc)
		return rc;
	x->transport = ATTACH_TRANSPORT_NVME_TCP;
	snprintf(x->volume_id, sizeof(x->volume_id), "%s", v->id);
	rc = nvmet_subsys_nqn(x->target_iqn, sizeof(x->target_iqn), a->cfg.nqn_prefix, v->id);
	if (rc)
		return snprintf(why, whylen, "subsystem name %s:%s is too long", a->cfg.nqn_prefix, v->id), rc;
	snprintf(x->backing, sizeof(x->backing), "%s", d.path);
	x->backing_major = d.major;
	x->backing_minor = d.minor;
	x->size = d.size;
	if (a->cfg.no_dm) {
		snprintf(x->device, sizeof(x->device), "%s", d.path);
	} else {
		snprintf(x->dm_name, sizeof(x->dm_name), DMDEV_NAME_PREFIX "%s", v->id);
		rc = dmdev_node(x->dm_name, x->device, sizeof(x->device));
		if (rc)
			return snprintf(why, whylen, "no node path for %s: %s", x->dm_name, strerror(-rc)), rc;
	}
	x->lun = NVMET_NSID;
	x->n_portals = (uint32_t)a->cfg.n_nvme_ports;
	for (size_t i = 0; i < a->cfg.n_nvme_ports; i++)
		memcpy(x->portals[i], a->cfg.nvme_ports[i], sizeof(x->portals[i]));
	return 0;
}

static int nvme_plan_ports(struct plan *p, bool create, bool unlink)
{
	const struct rec_export *x = &p->x;
	int rc = 0;
	for (uint32_t i = 0; !rc && i < x->n_port_ids; i++) {
		if (unlink)
			rc = plan_add_port(p, PLAN_NV_PORT_UNLINK, x->port_ids[i], x->portals[i]);
		if (!rc && create && (x->ports_made & (1u << i)))
			rc = plan_add_port(p, PLAN_NV_PORT_CREATE, x->port_ids[i], x->portals[i]);
		if (!rc)
			rc = plan_add_port(p, PLAN_NV_PORT_LINK, x->port_ids[i], x->portals[i]);
	}
	return rc;
}

int nvme_plan_create(struct plan *p, const struct rec_nvme_host *host, bool host_new)
{
	int rc = p->x.dm_name[0] ? plan_add(p, PLAN_DM_CREATE, NULL, NULL) : 0;
	if (!rc && host_new)
		rc = plan_add_host(p, PLAN_NV_HOST_CREATE, host);
	if (!rc)
		rc = plan_add(p, PLAN_NV_SUBSYS_CREATE, NULL, NULL);
	if (!rc)
		rc = plan_add(p, PLAN_NV_NS_CREATE, NULL, NULL);
	if (!rc)
		rc = plan_add_host(p, PLAN_NV_HOST_ALLOW, host);
	return rc ? rc : nvme_plan_ports(p, true, false);
}

int nvme_plan_host_add(struct plan *p, const struct rec_nvme_host *host, bool host_new)
{
	int rc = host_new ? plan_add_host(p, PLAN_NV_HOST_CREATE, host) : 0;
	return rc ? rc : plan_add_host(p, PLAN_NV_HOST_ALLOW, host);
}

int nvme_plan_host_cut(struct plan *p, const struct rec_nvme_host *host, bool host_gone)
{
	int rc = plan_add_host(p, PLAN_NV_HOST_DISALLOW, host);
	if (!rc && host_gone)
		rc = plan_add_host(p, PLAN_NV_HOST_REMOVE, host);
	return rc ? rc : nvme_plan_ports(p, false, true);
}

int nvme_plan_teardown(struct plan *p, const struct rec_nvme_host *host, bool host_gone, uint32_t ports_remove)
{
	const struct rec_export *x = &p->x;
	int rc = host ? plan_add_host(p, PLAN_NV_HOST_DISALLOW, host) : 0;
	if (!rc)
		rc = plan_add(p, PLAN_NV_NS_DISABLE, NULL, NULL);
	for (uint32_t i = 0; !rc && i < x->n_port_ids; i++)
		rc = plan_add_port(p, PLAN_NV_PORT_UNLINK, x->port_ids[i], x->portals[i]);
	for (uint32_t i = 0; !rc && i < x->n_port_ids; i++)
		if (ports_remove & (1u << i))
			rc = plan_add_port(p, PLAN_NV_PORT_REMOVE, x->port_ids[i], x->portals[i]);
	if (!rc)
		rc = plan_add(p, PLAN_NV_NS_REMOVE, NULL, NULL);
	if (!rc)
		rc = plan_add(p, PLAN_NV_SUBSYS_REMOVE, NULL, NULL);
	if (!rc && host && host_gone)
		rc = plan_add_host(p, PLAN_NV_HOST_REMOVE, host);
	if (!rc && x->dm_name[0])
		rc = plan_add(p, PLAN_DM_REMOVE, NULL, NULL);
	return rc;
}
