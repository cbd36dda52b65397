/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reply.h: the bodies of replies, records turned into protocol attributes (docs/PROTOCOL.md). One
 * function per thing a reply carries; each appends to @m (a nest where the protocol says so) and returns
 * 0 or a negative errno (-EMSGSIZE when a nest outgrows the protocol). The reply's frame and status are
 * dispatch.c's (dispatch_reply). Nothing here reads the store or changes the kernel.
 */
#ifndef REPLY_H
#define REPLY_H

#include <stdbool.h>

#include <netlink/msg.h>

#include "agent.h"
#include "plan.h"
#include "record.h"

/* A volume's own fields: top level (volume-show) or inside ATTACH_A_VOLUME (volume-list, @nested). */
int reply_volume(struct nl_msg *m, const struct rec_volume *v, bool nested);
/* An ATTACH_A_ATTACHMENT nest. */
int reply_attachment(struct nl_msg *m, const struct rec_attachment *a);
/* An ATTACH_A_ACL nest; the CHAP password only with @secrets. */
int reply_acl(struct nl_msg *m, const struct rec_acl *a, bool secrets);
/* An nvme-tcp volume's host: an ATTACH_A_ACL nest with NQN (not INITIATOR), refs, mode, the DH group when
 * it authenticates (DHCHAP), and its secrets (AUTH_PASSWORD, AUTH_PASSWORD_IN) only with @secrets. */
int reply_nvme_acl(struct nl_msg *m, const struct rec_acl *a, const struct rec_nvme_host *h, bool secrets);
/* An ATTACH_A_EXPORT nest: target, portals as recorded, LUN, and why it is down. */
int reply_export(struct nl_msg *m, const struct rec_export *x);
/* How a connection is answered: the connector's address (wildcard portals), its mode, mutual CHAP
 * asked, and discovery CHAP (may be NULL: added while the agent enforces it). */
struct reply_conn {
	const char *peer_ip;
	uint8_t mode;
	bool mutual;
	const struct agent_discovery *disc;
};
/* os-brick's connection info for @acl on @x, answered as @how says. A wildcard portal is advertised as
 * the local address that reaches how->peer_ip (the connector's ip): -EDESTADDRREQ without it,
 * -EAFNOSUPPORT or -ENETUNREACH when no portal reaches it. */
int reply_conninfo(struct nl_msg *m, const struct rec_export *x, const struct rec_acl *acl,
		   const struct reply_conn *how);
/* os-brick's nvmeof connection info for host @h on @x: driver "nvmeof", subsystem NQN (TARGET_IQN),
 * volume id (vol_uuid), portals (wildcards as reply_conninfo), namespace id (LUN), host NQN, and for an
 * authenticating host its DH group and secrets. The same errors as reply_conninfo. */
int reply_nvme_conninfo(struct nl_msg *m, const struct rec_export *x, const struct rec_nvme_host *h,
			const char *peer_ip);
/* A dry run's ATTACH_A_PLAN nest: one ATTACH_A_STEP line per step (plan_describe: no secrets). */
int reply_plan(struct nl_msg *m, const struct plan *p);

#endif
