/* SPDX-License-Identifier: Apache-2.0 */
/* client_calls.c: libattach's call functions: build the request, transact, copy the results out. */
#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void client_copy_str(struct nlattr **tb, int a, char *dst, size_t n)
{
	if (!n)
		return;
	dst[0] = '\0';
	if (tb[a])
		snprintf(dst, n, "%s", nla_get_string(tb[a]));
}

/* Put an optional string; NULL puts nothing. */
static int client_put_opt(struct nl_msg *m, int a, const char *s)
{
	return s ? proto_put_str(m, a, s) : 0;
}

static int client_put_failed(struct attach_client *c, struct nl_msg *m)
{
	nlmsg_free(m);
	return client_fail(c, -EMSGSIZE, "request too large");
}

/* Calls that carry only the volume id. */
static int client_simple(struct attach_client *c, uint16_t type, const char *volume_id)
{
	if (!volume_id)
		return client_fail(c, -EINVAL, "a volume id is required");
	struct nl_msg *m = client_request(c, type, volume_id);
	return m ? client_transact(c, m) : -ENOMEM;
}

int attach_volume_create(struct attach_client *c, const struct attach_volume_create_args *a,
			 char id[ATTACH_UUID_LEN + 1])
{
	if (!a || !a->device)
		return client_fail(c, -EINVAL, "a device is required");
	struct nl_msg *m = client_request(c, ATTACH_MSG_VOLUME_CREATE, NULL);
	if (!m)
		return -ENOMEM;
	if (proto_put_str(m, ATTACH_A_DEVICE, a->device) || client_put_opt(m, ATTACH_A_NAME, a->name) ||
	    client_put_opt(m, ATTACH_A_VOLUME_ID, a->volume_id) ||
	    (a->multiattach && proto_put_flag(m, ATTACH_A_MULTIATTACH)) ||
	    (a->transport && proto_put_u8(m, ATTACH_A_TRANSPORT, (uint8_t)a->transport)))
		return client_put_failed(c, m);
	int rc = client_transact(c, m);
	if (rc == 0 && id)
		client_copy_str(c->tb, ATTACH_A_VOLUME_ID, id, ATTACH_UUID_LEN + 1);
	return rc;
}

int attach_volume_delete(struct attach_client *c, const char *volume_id)
{
	return client_simple(c, ATTACH_MSG_VOLUME_DELETE, volume_id);
}

int attach_reconcile(struct attach_client *c)
{
	struct nl_msg *m = client_request(c, ATTACH_MSG_RECONCILE, NULL);
	return m ? client_transact(c, m) : -ENOMEM;
}

int attach_reconcile_purge_unowned(struct attach_client *c)
{
	struct nl_msg *m = client_request(c, ATTACH_MSG_RECONCILE, NULL);
	if (!m)
		return -ENOMEM;
	if (proto_put_flag(m, ATTACH_A_PURGE_UNOWNED))
		return client_put_failed(c, m);
	return client_transact(c, m);
}

int attach_volume_extend(struct attach_client *c, const char *volume_id, uint64_t *size)
{
	int rc = client_simple(c, ATTACH_MSG_VOLUME_EXTEND, volume_id);
	if (rc == 0 && size)
		*size = c->tb[ATTACH_A_SIZE] ? nla_get_u64(c->tb[ATTACH_A_SIZE]) : 0;
	return rc;
}

int attach_reserve(struct attach_client *c, const char *volume_id, char attachment_id[ATTACH_UUID_LEN + 1])
{
	int rc = client_simple(c, ATTACH_MSG_RESERVE, volume_id);
	/* -EALREADY names the reservation that exists: a caller that lost the first reply finds it here */
	if ((rc == 0 || rc == -EALREADY) && attachment_id)
		client_copy_str(c->tb, ATTACH_A_ATTACHMENT_ID, attachment_id, ATTACH_UUID_LEN + 1);
	return rc;
}

int attach_reserve_mode(struct attach_client *c, const char *volume_id, int mode,
			char attachment_id[ATTACH_UUID_LEN + 1])
{
	if (!volume_id || (mode != ATTACH_MODE_RW && mode != ATTACH_MODE_RO))
		return client_fail(c, -EINVAL, "a volume id and a mode (rw or ro) are required");
	struct nl_msg *m = client_request(c, ATTACH_MSG_RESERVE, volume_id);
	if (!m)
		return -ENOMEM;
	if (proto_put_u8(m, ATTACH_A_MODE, (uint8_t)mode))
		return client_put_failed(c, m);
	int rc = client_transact(c, m);
	if ((rc == 0 || rc == -EALREADY) && attachment_id)
		client_copy_str(c->tb, ATTACH_A_ATTACHMENT_ID, attachment_id, ATTACH_UUID_LEN + 1);
	return rc;
}

int attach_unreserve(struct attach_client *c, const char *volume_id)
{
	return client_simple(c, ATTACH_MSG_UNRESERVE, volume_id);
}

int attach_begin_detaching(struct attach_client *c, const char *volume_id)
{
	return client_simple(c, ATTACH_MSG_BEGIN_DETACHING, volume_id);
}

int attach_roll_detaching(struct attach_client *c, const char *volume_id)
{
	return client_simple(c, ATTACH_MSG_ROLL_DETACHING, volume_id);
}

/* Portals arrive as a nest of ATTACH_A_PORTAL strings, in order. */
size_t client_copy_portals(struct nlattr *nest, char (*dst)[ATTACH_PORTAL_MAX + 1])
{
	size_t n = 0;
	struct nlattr *pos;
	int rem;
	if (!nest)
		return 0;
	nla_for_each_nested(pos, nest, rem) {
		if (nla_type(pos) != ATTACH_A_PORTAL || n == ATTACH_PORTALS_MAX || nla_len(pos) < 1)
			continue;
		snprintf(dst[n++], ATTACH_PORTAL_MAX + 1, "%.*s", nla_len(pos), (const char *)nla_data(pos));
	}
	return n;
}

/* Discovery CHAP (attachd --discovery-chap): the three attributes come together or not at all. */
static int client_copy_discovery(struct attach_client *c, struct attach_conninfo *out)
{
	struct nlattr **tb = c->tb;
	int n = !!tb[ATTACH_A_DISCOVERY_AUTH_METHOD] + !!tb[ATTACH_A_DISCOVERY_USERNAME] +
		!!tb[ATTACH_A_DISCOVERY_PASSWORD];
	if (n == 0)
		return 0;
	if (n != 3)
		return client_fail(c, -EPROTO, "the agent's discovery credentials lack a field");
	client_copy_str(tb, ATTACH_A_DISCOVERY_AUTH_METHOD, out->discovery_auth_method,
			sizeof(out->discovery_auth_method));
	client_copy_str(tb, ATTACH_A_DISCOVERY_USERNAME, out->discovery_auth_username,
			sizeof(out->discovery_auth_username));
	client_copy_str(tb, ATTACH_A_DISCOVERY_PASSWORD, out->discovery_auth_password,
			sizeof(out->discovery_auth_password));
	return 0;
}

/* The nvmeof connection info of an nvme-tcp volume. */
static int client_copy_nvme(struct attach_client *c, const struct attach_connector *conn, struct attach_conninfo *out)
{
	struct nlattr **tb = c->tb;
	if (!tb[ATTACH_A_TARGET_IQN] || !tb[ATTACH_A_PORTALS] || !tb[ATTACH_A_LUN] || !tb[ATTACH_A_NQN] ||
	    !tb[ATTACH_A_VOLUME_ID])
		return client_fail(c, -EPROTO, "the agent's nvmeof connection info lacks a field os-brick needs");
	out->transport = ATTACH_TRANSPORT_NVME_TCP;
	client_copy_str(tb, ATTACH_A_DRIVER_TYPE, out->driver_volume_type, sizeof(out->driver_volume_type));
	client_copy_str(tb, ATTACH_A_VOLUME_ID, out->volume_id, sizeof(out->volume_id));
	client_copy_str(tb, ATTACH_A_TARGET_IQN, out->target_nqn, sizeof(out->target_nqn));
	client_copy_str(tb, ATTACH_A_NQN, out->host_nqn, sizeof(out->host_nqn));
	out->n_portals = client_copy_portals(tb[ATTACH_A_PORTALS], out->portals);
	out->lun = out->ns_id = nla_get_u32(tb[ATTACH_A_LUN]);
	out->mode = tb[ATTACH_A_MODE] ? nla_get_u8(tb[ATTACH_A_MODE]) : ATTACH_MODE_RW;
	client_copy_str(tb, ATTACH_A_AUTH_METHOD, out->auth_method, sizeof(out->auth_method));
	client_copy_str(tb, ATTACH_A_DHCHAP, out->dhchap_dhgroup, sizeof(out->dhchap_dhgroup));
	client_copy_str(tb, ATTACH_A_AUTH_PASSWORD, out->dhchap_secret, sizeof(out->dhchap_secret));
	client_copy_str(tb, ATTACH_A_AUTH_PASSWORD_IN, out->dhchap_ctrl_secret, sizeof(out->dhchap_ctrl_secret));
	bool asked = conn->dhchap || conn->dhchap_bidirectional || conn->dhchap_dhgroup;
	if ((asked && !out->dhchap_secret[0]) || (conn->dhchap_bidirectional && !out->dhchap_ctrl_secret[0]))
		return client_fail(c, -EPROTO, "the agent's connection info lacks the DH-HMAC-CHAP secrets asked for");
	if (out->n_portals == 0)
		return client_fail(c, -EPROTO, "the agent's connection info has no NVMe port");
	return 0;
}

/* The request's connector: the initiator of an iSCSI volume, or the host NQN and DH-HMAC-CHAP options of
 * an nvme-tcp one. */
static int client_put_connector(struct nl_msg *m, const struct attach_connector *conn)
{
	bool dh = conn->dhchap || conn->dhchap_bidirectional || conn->dhchap_dhgroup;
	return client_put_opt(m, ATTACH_A_INITIATOR, conn->initiator) || client_put_opt(m, ATTACH_A_NQN, conn->nqn) ||
	       client_put_opt(m, ATTACH_A_HOST, conn->host) || client_put_opt(m, ATTACH_A_IP, conn->ip) ||
	       (conn->multipath && proto_put_flag(m, ATTACH_A_MULTIPATH)) ||
	       ((conn->mutual_chap || conn->dhchap_bidirectional) && proto_put_flag(m, ATTACH_A_MUTUAL_CHAP)) ||
	       (dh && proto_put_str(m, ATTACH_A_DHCHAP, conn->dhchap_dhgroup ? conn->dhchap_dhgroup : "null"));
}

int attach_initialize_connection(struct attach_client *c, const char *volume_id,
				 const struct attach_connector *conn, struct attach_conninfo *out)
{
	if (!volume_id || !conn || (!conn->initiator && !conn->nqn))
		return client_fail(c, -EINVAL, "a volume id and an initiator (or a host NQN) are required");
	struct nl_msg *m = client_request(c, ATTACH_MSG_INITIALIZE_CONNECTION, volume_id);
	if (!m)
		return -ENOMEM;
	if (client_put_connector(m, conn))
		return client_put_failed(c, m);
	int rc = client_transact(c, m);
	if (rc || !out)
		return rc;
	struct nlattr **tb = c->tb;
	memset(out, 0, sizeof(*out));
	if (c->dry_run)
		return 0;
	if (tb[ATTACH_A_TRANSPORT] && nla_get_u8(tb[ATTACH_A_TRANSPORT]) == ATTACH_TRANSPORT_NVME_TCP)
		return client_copy_nvme(c, conn, out);
	if (!tb[ATTACH_A_TARGET_IQN] || !tb[ATTACH_A_PORTALS] || !tb[ATTACH_A_LUN] || !tb[ATTACH_A_DRIVER_TYPE] ||
	    !tb[ATTACH_A_AUTH_METHOD] || !tb[ATTACH_A_AUTH_USERNAME] || !tb[ATTACH_A_AUTH_PASSWORD])
		return client_fail(c, -EPROTO, "the agent's connection info lacks a field os-brick needs");
	client_copy_str(tb, ATTACH_A_DRIVER_TYPE, out->driver_volume_type, sizeof(out->driver_volume_type));
	client_copy_str(tb, ATTACH_A_VOLUME_ID, out->volume_id, sizeof(out->volume_id));
	client_copy_str(tb, ATTACH_A_TARGET_IQN, out->target_iqn, sizeof(out->target_iqn));
	out->n_portals = client_copy_portals(tb[ATTACH_A_PORTALS], out->portals);
	out->lun = nla_get_u32(tb[ATTACH_A_LUN]);
	client_copy_str(tb, ATTACH_A_AUTH_METHOD, out->auth_method, sizeof(out->auth_method));
	client_copy_str(tb, ATTACH_A_AUTH_USERNAME, out->auth_username, sizeof(out->auth_username));
	client_copy_str(tb, ATTACH_A_AUTH_PASSWORD, out->auth_password, sizeof(out->auth_password));
	out->mode = tb[ATTACH_A_MODE] ? nla_get_u8(tb[ATTACH_A_MODE]) : ATTACH_MODE_RW;
	if (conn->mutual_chap && (!tb[ATTACH_A_AUTH_USERNAME_IN] || !tb[ATTACH_A_AUTH_PASSWORD_IN]))
		return client_fail(c, -EPROTO, "the agent's connection info lacks the mutual CHAP credentials asked for");
	client_copy_str(tb, ATTACH_A_AUTH_USERNAME_IN, out->auth_username_in, sizeof(out->auth_username_in));
	client_copy_str(tb, ATTACH_A_AUTH_PASSWORD_IN, out->auth_password_in, sizeof(out->auth_password_in));
	if (out->n_portals == 0)
		return client_fail(c, -EPROTO, "the agent's connection info has no portal");
	return client_copy_discovery(c, out);
}

void attach_conninfo_clear(struct attach_conninfo *ci)
{
	explicit_bzero(ci->auth_password, sizeof(ci->auth_password));
	explicit_bzero(ci->discovery_auth_password, sizeof(ci->discovery_auth_password));
	explicit_bzero(ci->auth_password_in, sizeof(ci->auth_password_in));
	explicit_bzero(ci->dhchap_secret, sizeof(ci->dhchap_secret));
	explicit_bzero(ci->dhchap_ctrl_secret, sizeof(ci->dhchap_ctrl_secret));
}

/* The attribute that names @who: a host NQN ("nqn.") or an iSCSI initiator. */
static int client_who_attr(const char *who)
{
	return who && !strncmp(who, "nqn.", 4) ? ATTACH_A_NQN : ATTACH_A_INITIATOR;
}

int attach_attach(struct attach_client *c, const char *volume_id, const struct attach_attach_args *a,
		  char attachment_id[ATTACH_UUID_LEN + 1])
{
	if (!volume_id || !a || !a->instance || !a->host || !a->mountpoint)
		return client_fail(c, -EINVAL, "a volume id, instance, host and mountpoint are required");
	struct nl_msg *m = client_request(c, ATTACH_MSG_ATTACH, volume_id);
	if (!m)
		return -ENOMEM;
	if (proto_put_str(m, ATTACH_A_INSTANCE, a->instance) || proto_put_str(m, ATTACH_A_HOST, a->host) ||
	    proto_put_str(m, ATTACH_A_MOUNTPOINT, a->mountpoint) ||
	    (a->mode != ATTACH_MODE_AS_RESERVED && proto_put_u8(m, ATTACH_A_MODE, (uint8_t)a->mode)) ||
	    client_put_opt(m, ATTACH_A_ATTACHMENT_ID, a->attachment_id))
		return client_put_failed(c, m);
	int rc = client_transact(c, m);
	if ((rc == 0 || rc == -EALREADY) && attachment_id)
		client_copy_str(c->tb, ATTACH_A_ATTACHMENT_ID, attachment_id, ATTACH_UUID_LEN + 1);
	return rc;
}

int attach_terminate_connection(struct attach_client *c, const char *volume_id, const char *initiator, bool force)
{
	if (!volume_id || (!initiator && !force))
		return client_fail(c, -EINVAL, "a volume id and an initiator (or force) are required");
	struct nl_msg *m = client_request(c, ATTACH_MSG_TERMINATE_CONNECTION, volume_id);
	if (!m)
		return -ENOMEM;
	if (client_put_opt(m, client_who_attr(initiator), initiator) || (force && proto_put_flag(m, ATTACH_A_FORCE)))
		return client_put_failed(c, m);
	return client_transact(c, m);
}

int attach_terminate_attachment(struct attach_client *c, const char *volume_id, const char *initiator,
				const char *attachment_id)
{
	if (!volume_id || !initiator || !attachment_id)
		return client_fail(c, -EINVAL, "a volume id, an initiator and an attachment id are required");
	struct nl_msg *m = client_request(c, ATTACH_MSG_TERMINATE_CONNECTION, volume_id);
	if (!m)
		return -ENOMEM;
	if (proto_put_str(m, client_who_attr(initiator), initiator) ||
	    proto_put_str(m, ATTACH_A_ATTACHMENT_ID, attachment_id))
		return client_put_failed(c, m);
	return client_transact(c, m);
}

int attach_detach(struct attach_client *c, const char *volume_id, const char *attachment_id)
{
	if (!volume_id)
		return client_fail(c, -EINVAL, "a volume id is required");
	struct nl_msg *m = client_request(c, ATTACH_MSG_DETACH, volume_id);
	if (!m)
		return -ENOMEM;
	if (client_put_opt(m, ATTACH_A_ATTACHMENT_ID, attachment_id))
		return client_put_failed(c, m);
	return client_transact(c, m);
}
