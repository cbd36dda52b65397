/* SPDX-License-Identifier: Apache-2.0 */
/*
 * export.c: what an export is made of and in which order (REFERENCE.md): the storage object on the
 * volume's device (through its own dm linear device unless --no-dm), the target <iqn-prefix>:<volume-id> with TPG 1 and LUN 0, one ACL and mapped LUN per
 * initiator, the portals, then enable. Teardown is the reverse. Also the connection info a caller gets.
 */
#include "calls.h"

#include "device.h"
#include "dmdev.h"
#include "portal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define EXPORT_LUN 0

int export_prepare(struct agent *a, const struct rec_volume *v, struct rec_export *x, char *why, size_t whylen)
{
	struct device d;
	memset(x, 0, sizeof(*x));
	/* the disk is checked here, at every new export: its path may lead elsewhere since it was registered */
	int rc = device_verify(v, &d, why, whylen);
	if (rc)
		return rc;
	snprintf(x->volume_id, sizeof(x->volume_id), "%s", v->id);
	int n = snprintf(x->target_iqn, sizeof(x->target_iqn), "%s:%s", a->cfg.iqn_prefix, v->id);
	if (n < 0 || (size_t)n >= sizeof(x->target_iqn))
		return snprintf(why, whylen, "target name %s:%s is too long", a->cfg.iqn_prefix, v->id), -ENAMETOOLONG;
	snprintf(x->hba, sizeof(x->hba), "%s", AGENT_HBA);
	snprintf(x->backstore, sizeof(x->backstore), "%s", v->id);
	snprintf(x->backing, sizeof(x->backing), "%s", d.path);
	x->backing_major = d.major;
	x->backing_minor = d.minor;
	x->size = d.size; /* 0: whatever the device has */
	if (a->cfg.no_dm) {
		snprintf(x->device, sizeof(x->device), "%s", d.path);
	} else {
		snprintf(x->dm_name, sizeof(x->dm_name), DMDEV_NAME_PREFIX "%s", v->id);
		rc = dmdev_node(x->dm_name, x->device, sizeof(x->device));
		if (rc)
			return snprintf(why, whylen, "no node path for %s: %s", x->dm_name, strerror(-rc)), rc;
	}
	x->lun = EXPORT_LUN;
	x->n_portals = (uint32_t)a->cfg.n_portals;
	for (size_t i = 0; i < a->cfg.n_portals; i++)
		memcpy(x->portals[i], a->cfg.portals[i], sizeof(x->portals[i]));
	x->created = call_now();
	return 0;
}

int export_plan_acl_add(struct plan *p, const struct rec_acl *acl)
{
	int rc = plan_add(p, PLAN_ACL_CREATE, acl, NULL);
	return rc ? rc : plan_add(p, PLAN_MAPPED_LUN_CREATE, acl, NULL);
}

int export_plan_acl_remove(struct plan *p, const struct rec_acl *acl)
{
	int rc = plan_add(p, PLAN_MAPPED_LUN_REMOVE, acl, NULL);
	return rc ? rc : plan_add(p, PLAN_ACL_REMOVE, acl, NULL);
}

int export_plan_create(struct plan *p, const struct rec_acl *first)
{
	int rc = p->x.dm_name[0] ? plan_add(p, PLAN_DM_CREATE, NULL, NULL) : 0;
	if (!rc)
		rc = plan_add(p, PLAN_BACKSTORE_CREATE, NULL, NULL);
	if (!rc)
		rc = plan_add(p, PLAN_TARGET_CREATE, NULL, NULL);
	if (!rc)
		rc = plan_add(p, PLAN_LUN_CREATE, NULL, NULL);
	if (!rc)
		rc = export_plan_acl_add(p, first);
	for (unsigned i = 0; !rc && i < p->x.n_portals; i++)
		rc = plan_add(p, PLAN_PORTAL_ADD, NULL, p->x.portals[i]);
	if (!rc)
		rc = plan_add(p, PLAN_TPG_ENABLE, NULL, NULL);
	return rc;
}

int export_plan_teardown(struct plan *p)
{
	int rc = plan_add(p, PLAN_TPG_DISABLE, NULL, NULL);
	for (unsigned i = 0; !rc && i < p->x.n_portals; i++)
		rc = plan_add(p, PLAN_PORTAL_REMOVE, NULL, p->x.portals[i]);
	if (!rc)
		rc = plan_add(p, PLAN_LUN_REMOVE, NULL, NULL);
	if (!rc)
		rc = plan_add(p, PLAN_TARGET_REMOVE, NULL, NULL);
	if (!rc)
		rc = plan_add(p, PLAN_BACKSTORE_REMOVE, NULL, NULL);
	if (!rc && p->x.dm_name[0])
		rc = plan_add(p, PLAN_DM_REMOVE, NULL, NULL);
	return rc;
}

int export_put_conninfo(struct nl_msg *body, const struct rec_export *x, const struct rec_acl *acl,
			const char *peer_ip)
{
	int rc = proto_put_str(body, ATTACH_A_DRIVER_TYPE, "iscsi");
	if (!rc)
		rc = proto_put_str(body, ATTACH_A_VOLUME_ID, x->volume_id);
	if (!rc)
		rc = proto_put_str(body, ATTACH_A_TARGET_IQN, x->target_iqn);
	int nest = rc ? rc : proto_nest_start(body, ATTACH_A_PORTALS);
	if (nest < 0)
		return nest;
	unsigned advertised = 0;
	int why = 0;
	for (uint32_t i = 0; !rc && i < x->n_portals; i++) {
		char adv[ATTACH_PORTAL_MAX + 1];
		int arc = portal_advertise(x->portals[i], peer_ip, adv, sizeof(adv));
		if (arc == -EAFNOSUPPORT || arc == -ENETUNREACH || arc == -EDESTADDRREQ) {
			why = arc; /* a wildcard of the other family, or no route: the other portals may serve */
			continue;
		}
		rc = arc ? arc : proto_put_str(body, ATTACH_A_PORTAL, adv);
		advertised += !rc;
	}
	if (!rc && !advertised)
		rc = why ? why : -EDESTADDRREQ;
	if (!rc)
		rc = proto_nest_end(body, nest);
	if (!rc)
		rc = proto_put_u32(body, ATTACH_A_LUN, acl->mapped_lun);
	if (!rc)
		rc = proto_put_str(body, ATTACH_A_AUTH_METHOD, "CHAP");
	if (!rc)
		rc = proto_put_str(body, ATTACH_A_AUTH_USERNAME, acl->username);
	if (!rc)
		rc = proto_put_str(body, ATTACH_A_AUTH_PASSWORD, acl->password);
	if (!rc)
		rc = proto_put_u8(body, ATTACH_A_MODE, ATTACH_MODE_RW);
	return rc;
}
