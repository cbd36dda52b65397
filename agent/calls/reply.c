/* SPDX-License-Identifier: Apache-2.0 */
/* reply.c: records to reply attributes (see reply.h). */
#include "reply.h"

#include <errno.h>

#include "portal.h"
#include "proto.h"

int reply_volume(struct nl_msg *m, const struct rec_volume *v, bool nested)
{
	int nest = nested ? proto_nest_start(m, ATTACH_A_VOLUME) : 0;
	if (nest < 0)
		return nest;
	int rc = proto_put_str(m, ATTACH_A_VOLUME_ID, v->id);
	if (!rc && v->name[0])
		rc = proto_put_str(m, ATTACH_A_NAME, v->name);
	if (!rc)
		rc = proto_put_str(m, ATTACH_A_DEVICE, v->path[0] ? v->path : v->device);
	if (!rc)
		rc = proto_put_str(m, ATTACH_A_DEVICE_NODE, v->device);
	if (!rc && v->ident[0])
		rc = proto_put_str(m, ATTACH_A_IDENTITY, v->ident);
	if (!rc)
		rc = proto_put_u8(m, ATTACH_A_STATE, v->state);
	if (!rc && v->multiattach)
		rc = proto_put_flag(m, ATTACH_A_MULTIATTACH);
	if (!rc && v->transport) /* absent: iscsi (what every older agent exports) */
		rc = proto_put_u8(m, ATTACH_A_TRANSPORT, v->transport);
	if (!rc)
		rc = proto_put_u64(m, ATTACH_A_SIZE, v->size);
	if (!rc)
		rc = proto_put_u64(m, ATTACH_A_CREATED, v->created);
	return rc || !nested ? rc : proto_nest_end(m, nest);
}

int reply_attachment(struct nl_msg *m, const struct rec_attachment *a)
{
	int nest = proto_nest_start(m, ATTACH_A_ATTACHMENT);
	if (nest < 0)
		return nest;
	int rc = proto_put_str(m, ATTACH_A_ATTACHMENT_ID, a->id);
	if (!rc)
		rc = proto_put_u8(m, ATTACH_A_STATE, a->state);
	if (!rc && a->instance[0])
		rc = proto_put_str(m, ATTACH_A_INSTANCE, a->instance);
	if (!rc && a->host[0])
		rc = proto_put_str(m, ATTACH_A_HOST, a->host);
	if (!rc && a->mountpoint[0])
		rc = proto_put_str(m, ATTACH_A_MOUNTPOINT, a->mountpoint);
	if (!rc)
		rc = proto_put_u8(m, ATTACH_A_MODE, a->mode);
	if (!rc && a->initiator[0])
		rc = proto_put_str(m, ATTACH_A_INITIATOR, a->initiator);
	if (!rc && a->connected)
		rc = proto_put_flag(m, ATTACH_A_CONNECTED);
	if (!rc)
		rc = proto_put_u64(m, ATTACH_A_CREATED, a->created);
	return rc ? rc : proto_nest_end(m, nest);
}

int reply_acl(struct nl_msg *m, const struct rec_acl *a, bool secrets)
{
	int nest = proto_nest_start(m, ATTACH_A_ACL);
	if (nest < 0)
		return nest;
	int rc = proto_put_str(m, ATTACH_A_INITIATOR, a->initiator);
	if (!rc)
		rc = proto_put_u32(m, ATTACH_A_REFS, a->refs);
	if (!rc)
		rc = proto_put_str(m, ATTACH_A_AUTH_USERNAME, a->username);
	if (!rc && secrets)
		rc = proto_put_str(m, ATTACH_A_AUTH_PASSWORD, a->password);
	if (!rc && a->username_in[0])
		rc = proto_put_str(m, ATTACH_A_AUTH_USERNAME_IN, a->username_in);
	if (!rc && a->username_in[0] && secrets)
		rc = proto_put_str(m, ATTACH_A_AUTH_PASSWORD_IN, a->password_in);
	if (!rc)
		rc = proto_put_u8(m, ATTACH_A_MODE, a->mode);
	if (!rc && a->host[0])
		rc = proto_put_str(m, ATTACH_A_HOST, a->host);
	if (!rc && a->ip[0])
		rc = proto_put_str(m, ATTACH_A_IP, a->ip);
	return rc ? rc : proto_nest_end(m, nest);
}

/* An authenticating NVMe host's DH group, and with @secrets its keys. */
static int reply_dhchap(struct nl_msg *m, const struct rec_nvme_host *h, bool secrets)
{
	if (!h->dhchap)
		return 0;
	int rc = proto_put_str(m, ATTACH_A_DHCHAP, h->dhgroup[0] ? h->dhgroup : "null");
	if (!rc && secrets)
		rc = proto_put_str(m, ATTACH_A_AUTH_PASSWORD, h->key);
	if (!rc && secrets && h->dhchap == 2)
		rc = proto_put_str(m, ATTACH_A_AUTH_PASSWORD_IN, h->ctrl_key);
	return rc;
}

int reply_nvme_acl(struct nl_msg *m, const struct rec_acl *a, const struct rec_nvme_host *h, bool secrets)
{
	int nest = proto_nest_start(m, ATTACH_A_ACL);
	if (nest < 0)
		return nest;
	int rc = proto_put_str(m, ATTACH_A_NQN, a->initiator);
	if (!rc)
		rc = proto_put_u32(m, ATTACH_A_REFS, a->refs);
	if (!rc)
		rc = reply_dhchap(m, h, secrets);
	if (!rc && h->dhchap == 2)
		rc = proto_put_flag(m, ATTACH_A_MUTUAL_CHAP);
	if (!rc)
		rc = proto_put_u8(m, ATTACH_A_MODE, a->mode);
	if (!rc && a->host[0])
		rc = proto_put_str(m, ATTACH_A_HOST, a->host);
	if (!rc && a->ip[0])
		rc = proto_put_str(m, ATTACH_A_IP, a->ip);
	return rc ? rc : proto_nest_end(m, nest);
}

int reply_export(struct nl_msg *m, const struct rec_export *x)
{
	int nest = proto_nest_start(m, ATTACH_A_EXPORT);
	if (nest < 0)
		return nest;
	int rc = proto_put_str(m, ATTACH_A_TARGET_IQN, x->target_iqn);
	if (!rc && x->transport)
		rc = proto_put_u8(m, ATTACH_A_TRANSPORT, x->transport);
	int pn = rc ? rc : proto_nest_start(m, ATTACH_A_PORTALS);
	if (pn < 0)
		return pn;
	for (uint32_t i = 0; !rc && i < x->n_portals; i++)
		rc = proto_put_str(m, ATTACH_A_PORTAL, x->portals[i]);
	if (!rc)
		rc = proto_nest_end(m, pn);
	if (!rc)
		rc = proto_put_u32(m, ATTACH_A_LUN, x->lun);
	if (!rc && x->down[0])
		rc = proto_put_str(m, ATTACH_A_DOWN, x->down);
	return rc ? rc : proto_nest_end(m, nest);
}

/* The ATTACH_A_PORTALS nest as the connector must dial it: wildcards become the address that reaches it. */
static int reply_portals(struct nl_msg *m, const struct rec_export *x, const char *peer_ip)
{
	int nest = proto_nest_start(m, ATTACH_A_PORTALS);
	if (nest < 0)
		return nest;
	unsigned advertised = 0;
	int rc = 0, why = 0;
	for (uint32_t i = 0; !rc && i < x->n_portals; i++) {
		char adv[ATTACH_PORTAL_MAX + 1];
		int arc = portal_advertise(x->portals[i], peer_ip, adv, sizeof(adv));
		if (arc == -EAFNOSUPPORT || arc == -ENETUNREACH || arc == -EDESTADDRREQ) {
			why = arc; /* a wildcard of the other family, or no route: the other portals may serve */
			continue;
		}
		rc = arc ? arc : proto_put_str(m, ATTACH_A_PORTAL, adv);
		advertised += !rc;
	}
	if (!rc && !advertised)
		rc = why ? why : -EDESTADDRREQ;
	return rc ? rc : proto_nest_end(m, nest);
}

/* Discovery CHAP, when the agent enforces it (agent/kernel/discovery.h): os-brick's discovery_auth_*. */
static int reply_discovery(struct nl_msg *m, const struct agent_discovery *disc)
{
	if (!disc || !disc->serve)
		return 0;
	int rc = proto_put_str(m, ATTACH_A_DISCOVERY_AUTH_METHOD, "CHAP");
	if (!rc)
		rc = proto_put_str(m, ATTACH_A_DISCOVERY_USERNAME, disc->userid);
	return rc ? rc : proto_put_str(m, ATTACH_A_DISCOVERY_PASSWORD, disc->password);
}

int reply_conninfo(struct nl_msg *m, const struct rec_export *x, const struct rec_acl *acl,
		   const struct reply_conn *how)
{
	int rc = proto_put_str(m, ATTACH_A_DRIVER_TYPE, "iscsi");
	if (!rc)
		rc = proto_put_str(m, ATTACH_A_VOLUME_ID, x->volume_id);
	if (!rc)
		rc = proto_put_str(m, ATTACH_A_TARGET_IQN, x->target_iqn);
	if (!rc)
		rc = reply_portals(m, x, how->peer_ip);
	if (!rc)
		rc = proto_put_u32(m, ATTACH_A_LUN, acl->mapped_lun);
	if (!rc)
		rc = proto_put_str(m, ATTACH_A_AUTH_METHOD, "CHAP");
	if (!rc)
		rc = proto_put_str(m, ATTACH_A_AUTH_USERNAME, acl->username);
	if (!rc)
		rc = proto_put_str(m, ATTACH_A_AUTH_PASSWORD, acl->password);
	if (!rc && how->mutual)
		rc = proto_put_str(m, ATTACH_A_AUTH_USERNAME_IN, acl->username_in);
	if (!rc && how->mutual)
		rc = proto_put_str(m, ATTACH_A_AUTH_PASSWORD_IN, acl->password_in);
	if (!rc)
		rc = proto_put_u8(m, ATTACH_A_MODE, how->mode);
	if (!rc)
		rc = reply_discovery(m, how->disc);
	return rc;
}

int reply_nvme_conninfo(struct nl_msg *m, const struct rec_export *x, const struct rec_nvme_host *h,
			const char *peer_ip)
{
	int rc = proto_put_str(m, ATTACH_A_DRIVER_TYPE, "nvmeof");
	if (!rc)
		rc = proto_put_str(m, ATTACH_A_VOLUME_ID, x->volume_id);
	if (!rc)
		rc = proto_put_str(m, ATTACH_A_TARGET_IQN, x->target_iqn);
	if (!rc)
		rc = reply_portals(m, x, peer_ip);
	if (!rc)
		rc = proto_put_u32(m, ATTACH_A_LUN, x->lun);
	if (!rc)
		rc = proto_put_str(m, ATTACH_A_NQN, h->nqn);
	if (!rc && h->dhchap)
		rc = proto_put_str(m, ATTACH_A_AUTH_METHOD, "DH-HMAC-CHAP");
	if (!rc)
		rc = reply_dhchap(m, h, true);
	if (!rc && h->dhchap == 2)
		rc = proto_put_flag(m, ATTACH_A_MUTUAL_CHAP);
	if (!rc)
		rc = proto_put_u8(m, ATTACH_A_MODE, ATTACH_MODE_RW);
	if (!rc)
		rc = proto_put_u8(m, ATTACH_A_TRANSPORT, ATTACH_TRANSPORT_NVME_TCP);
	return rc;
}

int reply_plan(struct nl_msg *m, const struct plan *p)
{
	int nest = proto_nest_start(m, ATTACH_A_PLAN);
	if (nest < 0)
		return nest;
	for (size_t i = 0; i < p->n; i++) {
		char line[256];
		plan_describe(p, i, line, sizeof(line));
		int rc = proto_put_str(m, ATTACH_A_STEP, line);
		if (rc)
			return rc;
	}
	return proto_nest_end(m, nest);
}
