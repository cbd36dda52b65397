/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_volume.c: volume-list and volume-show replies into struct attach_volume_info. A volume's own
 * fields are top-level in volume-show and inside one ATTACH_A_VOLUME nest per volume in volume-list;
 * attachments and ACLs are repeated nests, the export one nest.
 */
#include "client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char *client_dup(struct nlattr **tb, int a)
{
	return strdup(tb[a] ? nla_get_string(tb[a]) : "");
}

static uint64_t client_u64(struct nlattr **tb, int a)
{
	return tb[a] ? nla_get_u64(tb[a]) : 0;
}

static int client_u8(struct nlattr **tb, int a, int dflt)
{
	return tb[a] ? nla_get_u8(tb[a]) : dflt;
}

static int client_nested(struct nlattr **tb, struct nlattr *nest)
{
	return nla_parse_nested(tb, ATTACH_A_MAX, nest, (struct nla_policy *)proto_reply_policy) < 0 ? -EPROTO : 0;
}

static int client_volume_fields(struct attach_volume_info *v, struct nlattr **tb)
{
	if (!tb[ATTACH_A_VOLUME_ID] || !tb[ATTACH_A_STATE])
		return -EPROTO;
	client_copy_str(tb, ATTACH_A_VOLUME_ID, v->id, sizeof(v->id));
	v->name = client_dup(tb, ATTACH_A_NAME);
	v->device = client_dup(tb, ATTACH_A_DEVICE);
	v->state = client_u8(tb, ATTACH_A_STATE, 0);
	v->multiattach = tb[ATTACH_A_MULTIATTACH] != NULL;
	v->transport = client_u8(tb, ATTACH_A_TRANSPORT, ATTACH_TRANSPORT_ISCSI);
	v->size = client_u64(tb, ATTACH_A_SIZE);
	v->created = client_u64(tb, ATTACH_A_CREATED);
	v->identity = client_dup(tb, ATTACH_A_IDENTITY);
	v->device_node = client_dup(tb, ATTACH_A_DEVICE_NODE);
	return v->name && v->device && v->identity && v->device_node ? 0 : -ENOMEM;
}

static int client_attachment(struct attach_attachment_info *a, struct nlattr *nest)
{
	struct nlattr *tb[ATTACH_A_MAX + 1];
	if (client_nested(tb, nest) || !tb[ATTACH_A_ATTACHMENT_ID])
		return -EPROTO;
	client_copy_str(tb, ATTACH_A_ATTACHMENT_ID, a->id, sizeof(a->id));
	a->state = client_u8(tb, ATTACH_A_STATE, 0);
	a->instance = client_dup(tb, ATTACH_A_INSTANCE);
	a->host = client_dup(tb, ATTACH_A_HOST);
	a->mountpoint = client_dup(tb, ATTACH_A_MOUNTPOINT);
	a->mode = client_u8(tb, ATTACH_A_MODE, ATTACH_MODE_RW);
	a->initiator = client_dup(tb, ATTACH_A_INITIATOR);
	a->connected = tb[ATTACH_A_CONNECTED] != NULL;
	a->created = client_u64(tb, ATTACH_A_CREATED);
	return a->instance && a->host && a->mountpoint && a->initiator ? 0 : -ENOMEM;
}

static int client_acl(struct attach_acl_info *a, struct nlattr *nest)
{
	struct nlattr *tb[ATTACH_A_MAX + 1];
	if (client_nested(tb, nest))
		return -EPROTO;
	/* an nvme-tcp volume's hosts are named by their NQN */
	int who = tb[ATTACH_A_NQN] ? ATTACH_A_NQN : ATTACH_A_INITIATOR;
	if (!tb[who])
		return -EPROTO;
	a->initiator = client_dup(tb, who);
	a->dhchap_bidirectional = tb[ATTACH_A_NQN] && tb[ATTACH_A_MUTUAL_CHAP];
	if (tb[ATTACH_A_DHCHAP] && !(a->dhchap_dhgroup = client_dup(tb, ATTACH_A_DHCHAP)))
		return -ENOMEM;
	a->refs = tb[ATTACH_A_REFS] ? nla_get_u32(tb[ATTACH_A_REFS]) : 0;
	a->username = client_dup(tb, ATTACH_A_AUTH_USERNAME);
	a->password = tb[ATTACH_A_AUTH_PASSWORD] ? client_dup(tb, ATTACH_A_AUTH_PASSWORD) : NULL;
	a->mode = client_u8(tb, ATTACH_A_MODE, ATTACH_MODE_RW);
	a->username_in = tb[ATTACH_A_AUTH_USERNAME_IN] ? client_dup(tb, ATTACH_A_AUTH_USERNAME_IN) : NULL;
	a->password_in = tb[ATTACH_A_AUTH_PASSWORD_IN] ? client_dup(tb, ATTACH_A_AUTH_PASSWORD_IN) : NULL;
	if (!a->initiator || !a->username || (tb[ATTACH_A_AUTH_PASSWORD] && !a->password) ||
	    (tb[ATTACH_A_AUTH_USERNAME_IN] && !a->username_in) || (tb[ATTACH_A_AUTH_PASSWORD_IN] && !a->password_in))
		return -ENOMEM;
	return 0;
}

static int client_export(struct attach_volume_info *v, struct nlattr *nest)
{
	struct nlattr *tb[ATTACH_A_MAX + 1];
	/* one export per volume: a second one would leak the first one's strings */
	if (v->exported || client_nested(tb, nest) || !tb[ATTACH_A_TARGET_IQN])
		return -EPROTO;
	v->exported = true;
	v->target_iqn = client_dup(tb, ATTACH_A_TARGET_IQN);
	v->n_portals = client_copy_portals(tb[ATTACH_A_PORTALS], v->portals);
	v->lun = tb[ATTACH_A_LUN] ? nla_get_u32(tb[ATTACH_A_LUN]) : 0;
	if (tb[ATTACH_A_DOWN] && !(v->down = client_dup(tb, ATTACH_A_DOWN)))
		return -ENOMEM;
	return v->target_iqn ? 0 : -ENOMEM;
}

static void client_volume_clear(struct attach_volume_info *v)
{
	free(v->name);
	free(v->device);
	free(v->identity);
	free(v->device_node);
	free(v->down);
	free(v->target_iqn);
	for (size_t i = 0; i < v->n_attachments; i++) {
		struct attach_attachment_info *a = &v->attachments[i];
		free(a->instance);
		free(a->host);
		free(a->mountpoint);
		free(a->initiator);
	}
	free(v->attachments);
	for (size_t i = 0; i < v->n_acls; i++) {
		free(v->acls[i].initiator);
		free(v->acls[i].username);
		if (v->acls[i].password)
			explicit_bzero(v->acls[i].password, strlen(v->acls[i].password));
		free(v->acls[i].password);
		free(v->acls[i].username_in);
		if (v->acls[i].password_in)
			explicit_bzero(v->acls[i].password_in, strlen(v->acls[i].password_in));
		free(v->acls[i].password_in);
		free(v->acls[i].dhchap_dhgroup);
	}
	free(v->acls);
}

void attach_volume_info_free(struct attach_volume_info *v)
{
	if (!v)
		return;
	client_volume_clear(v);
	free(v);
}

void attach_volume_list_free(struct attach_volume_info *vols, size_t n)
{
	if (!vols)
		return;
	for (size_t i = 0; i < n; i++)
		client_volume_clear(&vols[i]);
	free(vols);
}

/* Count the top-level attributes of type @a in the last reply. */
static size_t client_count(struct attach_client *c, int a)
{
	struct nlmsghdr *h = (struct nlmsghdr *)c->buf;
	struct nlattr *pos;
	int rem;
	size_t n = 0;
	nlmsg_for_each_attr(pos, h, 0, rem) if (nla_type(pos) == a) n++;
	return n;
}

int attach_volume_list(struct attach_client *c, struct attach_volume_info **vols, size_t *n)
{
	*vols = NULL;
	*n = 0;
	struct nl_msg *m = client_request(c, ATTACH_MSG_VOLUME_LIST, NULL);
	if (!m)
		return -ENOMEM;
	int rc = client_transact(c, m);
	if (rc)
		return rc;
	size_t count = client_count(c, ATTACH_A_VOLUME);
	struct attach_volume_info *v = calloc(count ? count : 1, sizeof(*v));
	if (!v)
		return client_fail(c, -ENOMEM, "out of memory");
	struct nlattr *pos;
	int rem;
	size_t i = 0;
	nlmsg_for_each_attr(pos, (struct nlmsghdr *)c->buf, 0, rem) {
		struct nlattr *tb[ATTACH_A_MAX + 1];
		if (nla_type(pos) != ATTACH_A_VOLUME)
			continue;
		rc = client_nested(tb, pos);
		if (!rc)
			rc = client_volume_fields(&v[i], tb);
		i++;
		if (rc) {
			attach_volume_list_free(v, i);
			return client_fail(c, rc, "malformed volume in the agent's list");
		}
	}
	*vols = v;
	*n = i;
	return 0;
}

int attach_volume_show(struct attach_client *c, const char *volume_id, bool secrets, struct attach_volume_info **out)
{
	*out = NULL;
	if (!volume_id)
		return client_fail(c, -EINVAL, "a volume id is required");
	struct nl_msg *m = client_request(c, ATTACH_MSG_VOLUME_SHOW, volume_id);
	if (!m)
		return -ENOMEM;
	if (secrets && proto_put_flag(m, ATTACH_A_SHOW_SECRETS)) {
		nlmsg_free(m);
		return client_fail(c, -EMSGSIZE, "request too large");
	}
	int rc = client_transact(c, m);
	if (rc)
		return rc;
	struct attach_volume_info *v = calloc(1, sizeof(*v));
	size_t na = client_count(c, ATTACH_A_ATTACHMENT), nacl = client_count(c, ATTACH_A_ACL);
	if (v) {
		v->attachments = calloc(na ? na : 1, sizeof(*v->attachments));
		v->acls = calloc(nacl ? nacl : 1, sizeof(*v->acls));
	}
	if (!v || !v->attachments || !v->acls) {
		attach_volume_info_free(v);
		return client_fail(c, -ENOMEM, "out of memory");
	}
	rc = client_volume_fields(v, c->tb);
	struct nlattr *pos;
	int rem;
	nlmsg_for_each_attr(pos, (struct nlmsghdr *)c->buf, 0, rem) {
		if (rc)
			break;
		switch (nla_type(pos)) {
		case ATTACH_A_ATTACHMENT:
			rc = client_attachment(&v->attachments[v->n_attachments++], pos);
			break;
		case ATTACH_A_ACL:
			rc = client_acl(&v->acls[v->n_acls++], pos);
			break;
		case ATTACH_A_EXPORT:
			rc = client_export(v, pos);
			break;
		default:
			break;
		}
	}
	if (rc) {
		attach_volume_info_free(v);
		return client_fail(c, rc, "malformed volume in the agent's reply");
	}
	*out = v;
	return 0;
}
