/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto_calls.c: the call table (one nla_policy per call: the attributes it accepts, their types and
 * maximum lengths), the reply policy, and the names of calls, attributes, states and modes.
 */
#include "proto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* String policies carry the maximum payload length: characters plus the terminating NUL. */
#define POL_STR(max) { .type = NLA_STRING, .maxlen = (max) + 1 }
#define POL_UUID POL_STR(ATTACH_UUID_LEN)
#define POL_FLAG { .type = NLA_FLAG }
#define POL_U8 { .type = NLA_U8 }
#define POL_U32 { .type = NLA_U32 }
#define POL_U64 { .type = NLA_U64 }
#define POL_NEST { .type = NLA_NESTED }

#define N (ATTACH_A_MAX + 1)

static const struct nla_policy pol_hello[N] = {
	[ATTACH_A_VERSION] = POL_U32,
};
static const struct nla_policy pol_volume_create[N] = {
	[ATTACH_A_DEVICE] = POL_STR(ATTACH_PATH_MAX),
	[ATTACH_A_NAME] = POL_STR(ATTACH_NAME_MAX),
	[ATTACH_A_MULTIATTACH] = POL_FLAG,
	[ATTACH_A_VOLUME_ID] = POL_UUID,
	[ATTACH_A_DRY_RUN] = POL_FLAG,
	[ATTACH_A_TRANSPORT] = POL_U8,
};
/* calls that name a volume and nothing else */
static const struct nla_policy pol_volume[N] = {
	[ATTACH_A_VOLUME_ID] = POL_UUID,
	[ATTACH_A_DRY_RUN] = POL_FLAG,
};
static const struct nla_policy pol_reserve[N] = {
	[ATTACH_A_VOLUME_ID] = POL_UUID,
	[ATTACH_A_MODE] = POL_U8,
	[ATTACH_A_DRY_RUN] = POL_FLAG,
};
static const struct nla_policy pol_volume_list[N]; /* no attributes */
static const struct nla_policy pol_stats[N];       /* no attributes */
static const struct nla_policy pol_reconcile[N] = {
	[ATTACH_A_DRY_RUN] = POL_FLAG,
	[ATTACH_A_PURGE_UNOWNED] = POL_FLAG,
};
static const struct nla_policy pol_volume_show[N] = {
	[ATTACH_A_VOLUME_ID] = POL_UUID,
	[ATTACH_A_SHOW_SECRETS] = POL_FLAG,
};
static const struct nla_policy pol_initialize_connection[N] = {
	[ATTACH_A_VOLUME_ID] = POL_UUID,
	[ATTACH_A_INITIATOR] = POL_STR(ATTACH_IQN_MAX),
	[ATTACH_A_HOST] = POL_STR(ATTACH_HOST_MAX),
	[ATTACH_A_IP] = POL_STR(ATTACH_IP_MAX),
	[ATTACH_A_MULTIPATH] = POL_FLAG,
	[ATTACH_A_MUTUAL_CHAP] = POL_FLAG,
	[ATTACH_A_DRY_RUN] = POL_FLAG,
	[ATTACH_A_NQN] = POL_STR(ATTACH_IQN_MAX),
	[ATTACH_A_DHCHAP] = POL_STR(ATTACH_DHGROUP_MAX),
};
static const struct nla_policy pol_attach[N] = {
	[ATTACH_A_VOLUME_ID] = POL_UUID,
	[ATTACH_A_INSTANCE] = POL_UUID,
	[ATTACH_A_HOST] = POL_STR(ATTACH_HOST_MAX),
	[ATTACH_A_MOUNTPOINT] = POL_STR(ATTACH_PATH_MAX),
	[ATTACH_A_MODE] = POL_U8,
	[ATTACH_A_ATTACHMENT_ID] = POL_UUID,
	[ATTACH_A_DRY_RUN] = POL_FLAG,
};
static const struct nla_policy pol_terminate_connection[N] = {
	[ATTACH_A_VOLUME_ID] = POL_UUID,
	[ATTACH_A_INITIATOR] = POL_STR(ATTACH_IQN_MAX),
	[ATTACH_A_ATTACHMENT_ID] = POL_UUID,
	[ATTACH_A_FORCE] = POL_FLAG,
	[ATTACH_A_DRY_RUN] = POL_FLAG,
	[ATTACH_A_NQN] = POL_STR(ATTACH_IQN_MAX),
};
static const struct nla_policy pol_detach[N] = {
	[ATTACH_A_VOLUME_ID] = POL_UUID,
	[ATTACH_A_ATTACHMENT_ID] = POL_UUID,
	[ATTACH_A_DRY_RUN] = POL_FLAG,
};

const struct nla_policy proto_reply_policy[N] = {
	[ATTACH_A_STATUS] = POL_U32,
	[ATTACH_A_MESSAGE] = POL_STR(ATTACH_MESSAGE_MAX),
	[ATTACH_A_VERSION] = POL_U32,
	[ATTACH_A_VERSION_MIN] = POL_U32,
	[ATTACH_A_VOLUME_ID] = POL_UUID,
	[ATTACH_A_DEVICE] = POL_STR(ATTACH_PATH_MAX),
	[ATTACH_A_NAME] = POL_STR(ATTACH_NAME_MAX),
	[ATTACH_A_MULTIATTACH] = POL_FLAG,
	[ATTACH_A_INITIATOR] = POL_STR(ATTACH_IQN_MAX),
	[ATTACH_A_HOST] = POL_STR(ATTACH_HOST_MAX),
	[ATTACH_A_IP] = POL_STR(ATTACH_IP_MAX),
	[ATTACH_A_MULTIPATH] = POL_FLAG,
	[ATTACH_A_INSTANCE] = POL_UUID,
	[ATTACH_A_MOUNTPOINT] = POL_STR(ATTACH_PATH_MAX),
	[ATTACH_A_MODE] = POL_U8,
	[ATTACH_A_ATTACHMENT_ID] = POL_UUID,
	[ATTACH_A_FORCE] = POL_FLAG,
	[ATTACH_A_STATE] = POL_U8,
	[ATTACH_A_VOLUME] = POL_NEST,
	[ATTACH_A_ATTACHMENT] = POL_NEST,
	[ATTACH_A_EXPORT] = POL_NEST,
	[ATTACH_A_ACL] = POL_NEST,
	[ATTACH_A_TARGET_IQN] = POL_STR(ATTACH_IQN_MAX),
	[ATTACH_A_PORTAL] = POL_STR(ATTACH_PORTAL_MAX),
	[ATTACH_A_PORTALS] = POL_NEST,
	[ATTACH_A_LUN] = POL_U32,
	[ATTACH_A_AUTH_METHOD] = POL_STR(ATTACH_CHAP_MAX),
	[ATTACH_A_AUTH_USERNAME] = POL_STR(ATTACH_CHAP_MAX),
	[ATTACH_A_AUTH_PASSWORD] = POL_STR(ATTACH_CHAP_MAX),
	[ATTACH_A_DRIVER_TYPE] = POL_STR(ATTACH_NAME_MAX),
	[ATTACH_A_SIZE] = POL_U64,
	[ATTACH_A_REFS] = POL_U32,
	[ATTACH_A_CREATED] = POL_U64,
	[ATTACH_A_SHOW_SECRETS] = POL_FLAG,
	[ATTACH_A_DRY_RUN] = POL_FLAG,
	[ATTACH_A_PLAN] = POL_NEST,
	[ATTACH_A_STEP] = POL_STR(ATTACH_MESSAGE_MAX),
	[ATTACH_A_CONNECTED] = POL_FLAG,
	[ATTACH_A_IDENTITY] = POL_STR(ATTACH_NAME_MAX),
	[ATTACH_A_DEVICE_NODE] = POL_STR(ATTACH_PATH_MAX),
	[ATTACH_A_DOWN] = POL_STR(ATTACH_MESSAGE_MAX),
	[ATTACH_A_PURGE_UNOWNED] = POL_FLAG,
	[ATTACH_A_MUTUAL_CHAP] = POL_FLAG,
	[ATTACH_A_AUTH_USERNAME_IN] = POL_STR(ATTACH_CHAP_MAX),
	[ATTACH_A_AUTH_PASSWORD_IN] = POL_STR(ATTACH_CHAP_MAX),
	[ATTACH_A_DISCOVERY_AUTH_METHOD] = POL_STR(ATTACH_CHAP_MAX),
	[ATTACH_A_DISCOVERY_USERNAME] = POL_STR(ATTACH_CHAP_MAX),
	[ATTACH_A_DISCOVERY_PASSWORD] = POL_STR(ATTACH_CHAP_MAX),
	[ATTACH_A_TIME] = POL_U64,
	[ATTACH_A_CALL_STATS] = POL_NEST,
	[ATTACH_A_TALLY] = POL_NEST,
	[ATTACH_A_COUNT] = POL_U64,
	[ATTACH_A_BUCKET] = POL_NEST,
	[ATTACH_A_LE_US] = POL_U64,
	[ATTACH_A_SUM_US] = POL_U64,
	[ATTACH_A_RECORDS] = POL_NEST,
	[ATTACH_A_RECONCILE_RUN] = POL_NEST,
	[ATTACH_A_EXPORT_STATS] = POL_NEST,
	[ATTACH_A_SESSIONS] = POL_U32,
	[ATTACH_A_LOGGED_IN] = POL_FLAG,
	[ATTACH_A_TRANSPORT] = POL_U8,
	[ATTACH_A_NQN] = POL_STR(ATTACH_IQN_MAX),
	[ATTACH_A_DHCHAP] = POL_STR(ATTACH_DHGROUP_MAX),
};

#define B(a) ATTACH_BIT(ATTACH_A_##a)
#define READ .mutating = false, .priv = ATTACH_PRIV_READ
#define WRITE .mutating = true, .priv = ATTACH_PRIV_WRITE

static const struct proto_call proto_calls[] = {
	{ .type = ATTACH_MSG_HELLO, .name = "hello", .policy = pol_hello, .required = B(VERSION), READ },
	{ .type = ATTACH_MSG_VOLUME_CREATE, .name = "volume-create", .policy = pol_volume_create,
	  .required = B(DEVICE), WRITE },
	{ .type = ATTACH_MSG_VOLUME_DELETE, .name = "volume-delete", .policy = pol_volume, .required = B(VOLUME_ID),
	  WRITE },
	{ .type = ATTACH_MSG_VOLUME_LIST, .name = "volume-list", .policy = pol_volume_list, READ },
	/* its CHAP passwords only with show_secrets, which raises it to ATTACH_PRIV_SECRETS */
	{ .type = ATTACH_MSG_VOLUME_SHOW, .name = "volume-show", .policy = pol_volume_show, .required = B(VOLUME_ID),
	  READ },
	{ .type = ATTACH_MSG_RESERVE, .name = "reserve", .policy = pol_reserve, .required = B(VOLUME_ID), WRITE },
	{ .type = ATTACH_MSG_UNRESERVE, .name = "unreserve", .policy = pol_volume, .required = B(VOLUME_ID), WRITE },
	{ .type = ATTACH_MSG_INITIALIZE_CONNECTION, .name = "initialize-connection",
	  .policy = pol_initialize_connection, .required = B(VOLUME_ID), .any_of = B(INITIATOR) | B(NQN),
	  .exclusive = B(INITIATOR) | B(NQN), .mutating = true, .priv = ATTACH_PRIV_SECRETS },
	{ .type = ATTACH_MSG_ATTACH, .name = "attach", .policy = pol_attach,
	  .required = B(VOLUME_ID) | B(INSTANCE) | B(HOST) | B(MOUNTPOINT), WRITE },
	{ .type = ATTACH_MSG_BEGIN_DETACHING, .name = "begin-detaching", .policy = pol_volume,
	  .required = B(VOLUME_ID), WRITE },
	{ .type = ATTACH_MSG_ROLL_DETACHING, .name = "roll-detaching", .policy = pol_volume, .required = B(VOLUME_ID),
	  WRITE },
	/* one initiator's (or NVMe host's) connection (that attachment's, with attachment_id), or with force
	 * every one's; an initiator and a host NQN together are the agent's to refuse (by the volume's transport) */
	{ .type = ATTACH_MSG_TERMINATE_CONNECTION, .name = "terminate-connection", .policy = pol_terminate_connection,
	  .required = B(VOLUME_ID), .any_of = B(INITIATOR) | B(NQN) | B(FORCE), .exclusive = B(ATTACHMENT_ID) | B(FORCE),
	  WRITE },
	{ .type = ATTACH_MSG_DETACH, .name = "detach", .policy = pol_detach, .required = B(VOLUME_ID), WRITE },
	{ .type = ATTACH_MSG_VOLUME_EXTEND, .name = "volume-extend", .policy = pol_volume, .required = B(VOLUME_ID),
	  WRITE },
	{ .type = ATTACH_MSG_RECONCILE, .name = "reconcile", .policy = pol_reconcile, WRITE },
	/* counters, record counts and sessions: what monitoring reads (no secret, no change) */
	{ .type = ATTACH_MSG_STATS, .name = "stats", .policy = pol_stats, READ },
};
#define N_CALLS (sizeof(proto_calls) / sizeof(proto_calls[0]))

const struct proto_call *proto_call_find(uint16_t type)
{
	for (size_t i = 0; i < N_CALLS; i++)
		if (proto_calls[i].type == type)
			return &proto_calls[i];
	return NULL;
}

const struct proto_call *proto_call_by_name(const char *name)
{
	for (size_t i = 0; i < N_CALLS; i++)
		if (!strcmp(proto_calls[i].name, name))
			return &proto_calls[i];
	return NULL;
}

enum attach_priv proto_request_priv(const struct proto_call *call, struct nlattr **tb)
{
	return tb[ATTACH_A_SHOW_SECRETS] ? ATTACH_PRIV_SECRETS : call->priv;
}

static int proto_call_info(const struct proto_call *c, struct attach_call_info *out)
{
	if (!c)
		return -ENOENT;
	*out = (struct attach_call_info){ .type = c->type, .name = c->name, .required = c->required,
					  .any_of = c->any_of, .exclusive = c->exclusive, .mutating = c->mutating,
					  .priv = c->priv };
	for (int t = 1; t <= ATTACH_A_MAX; t++)
		if (c->policy[t].type != NLA_UNSPEC)
			out->accepted |= ATTACH_BIT(t);
	return 0;
}

int attach_call_by_name(const char *name, struct attach_call_info *out)
{
	return proto_call_info(proto_call_by_name(name), out);
}

int attach_call_by_type(uint16_t type, struct attach_call_info *out)
{
	return proto_call_info(proto_call_find(type), out);
}

static const char *const attr_names[N] = {
	[ATTACH_A_STATUS] = "status",
	[ATTACH_A_MESSAGE] = "message",
	[ATTACH_A_VERSION] = "version",
	[ATTACH_A_VERSION_MIN] = "version_min",
	[ATTACH_A_VOLUME_ID] = "volume_id",
	[ATTACH_A_DEVICE] = "device",
	[ATTACH_A_NAME] = "name",
	[ATTACH_A_MULTIATTACH] = "multiattach",
	[ATTACH_A_INITIATOR] = "initiator",
	[ATTACH_A_HOST] = "host",
	[ATTACH_A_IP] = "ip",
	[ATTACH_A_MULTIPATH] = "multipath",
	[ATTACH_A_INSTANCE] = "instance",
	[ATTACH_A_MOUNTPOINT] = "mountpoint",
	[ATTACH_A_MODE] = "mode",
	[ATTACH_A_ATTACHMENT_ID] = "attachment_id",
	[ATTACH_A_FORCE] = "force",
	[ATTACH_A_STATE] = "state",
	[ATTACH_A_VOLUME] = "volume",
	[ATTACH_A_ATTACHMENT] = "attachment",
	[ATTACH_A_EXPORT] = "export",
	[ATTACH_A_ACL] = "acl",
	[ATTACH_A_TARGET_IQN] = "target_iqn",
	[ATTACH_A_PORTAL] = "portal",
	[ATTACH_A_PORTALS] = "portals",
	[ATTACH_A_LUN] = "lun",
	[ATTACH_A_AUTH_METHOD] = "auth_method",
	[ATTACH_A_AUTH_USERNAME] = "auth_username",
	[ATTACH_A_AUTH_PASSWORD] = "auth_password",
	[ATTACH_A_DRIVER_TYPE] = "driver_volume_type",
	[ATTACH_A_SIZE] = "size",
	[ATTACH_A_REFS] = "refs",
	[ATTACH_A_CREATED] = "created",
	[ATTACH_A_SHOW_SECRETS] = "show_secrets",
	[ATTACH_A_DRY_RUN] = "dry_run",
	[ATTACH_A_PLAN] = "plan",
	[ATTACH_A_STEP] = "step",
	[ATTACH_A_CONNECTED] = "connected",
	[ATTACH_A_IDENTITY] = "identity",
	[ATTACH_A_DEVICE_NODE] = "device_node",
	[ATTACH_A_DOWN] = "down",
	[ATTACH_A_PURGE_UNOWNED] = "purge_unowned",
	[ATTACH_A_MUTUAL_CHAP] = "mutual_chap",
	[ATTACH_A_AUTH_USERNAME_IN] = "auth_username_in",
	[ATTACH_A_AUTH_PASSWORD_IN] = "auth_password_in",
	[ATTACH_A_DISCOVERY_AUTH_METHOD] = "discovery_auth_method",
	[ATTACH_A_DISCOVERY_USERNAME] = "discovery_auth_username",
	[ATTACH_A_DISCOVERY_PASSWORD] = "discovery_auth_password",
	[ATTACH_A_TIME] = "time",
	[ATTACH_A_CALL_STATS] = "call_stats",
	[ATTACH_A_TALLY] = "tally",
	[ATTACH_A_COUNT] = "count",
	[ATTACH_A_BUCKET] = "bucket",
	[ATTACH_A_LE_US] = "le_us",
	[ATTACH_A_SUM_US] = "sum_us",
	[ATTACH_A_RECORDS] = "records",
	[ATTACH_A_RECONCILE_RUN] = "reconcile_run",
	[ATTACH_A_EXPORT_STATS] = "export_stats",
	[ATTACH_A_SESSIONS] = "sessions",
	[ATTACH_A_LOGGED_IN] = "logged_in",
	[ATTACH_A_TRANSPORT] = "transport",
	[ATTACH_A_NQN] = "nqn",
	[ATTACH_A_DHCHAP] = "dhchap",
};

const char *proto_attr_name(int attr)
{
	static __thread char buf[24];
	if (attr > 0 && attr <= ATTACH_A_MAX && attr_names[attr])
		return attr_names[attr];
	snprintf(buf, sizeof(buf), "attribute %d", attr);
	return buf;
}

const char *proto_state_name(int state)
{
	switch ((enum attach_volume_state)state) {
	case ATTACH_STATE_AVAILABLE:
		return "available";
	case ATTACH_STATE_ATTACHING:
		return "attaching";
	case ATTACH_STATE_IN_USE:
		return "in-use";
	case ATTACH_STATE_DETACHING:
		return "detaching";
	}
	return "unknown";
}

const char *proto_attachment_state_name(int state)
{
	switch ((enum attach_attachment_state)state) {
	case ATTACH_ATT_RESERVED:
		return "reserved";
	case ATTACH_ATT_ATTACHED:
		return "attached";
	}
	return "unknown";
}

const char *proto_transport_name(int transport)
{
	switch ((enum attach_transport)transport) {
	case ATTACH_TRANSPORT_ISCSI:
		return "iscsi";
	case ATTACH_TRANSPORT_NVME_TCP:
		return "nvme-tcp";
	}
	return "unknown";
}

static const char *const proto_dhgroups[] = { "null", "ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192" };

int proto_dhgroup_check(const char *group)
{
	for (size_t i = 0; i < sizeof(proto_dhgroups) / sizeof(proto_dhgroups[0]); i++)
		if (!strcmp(group, proto_dhgroups[i]))
			return 0;
	return -EINVAL;
}

const char *proto_mode_name(int mode)
{
	switch ((enum attach_mode)mode) {
	case ATTACH_MODE_RW:
		return "rw";
	case ATTACH_MODE_RO:
		return "ro";
	}
	return "unknown";
}
