/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lio_session.h: the iSCSI sessions the kernel shows for one target, read on demand (the stats call) from
 * named objects only, never by listing: the target's count of sessions
 * (target/iscsi/<iqn>/fabric_statistics/iscsi_instance/sessions: its normal sessions over every TPG and
 * portal; discovery sessions are not a target's) and whether an initiator's ACL has a session
 * (tpgt_1/acls/<initiator>/info: "No active iSCSI Session for Initiator Endpoint: ...", or the latest
 * session's details from "InitiatorName:" on). attachd's TPGs have no generated ACLs, so the TPG's
 * dynamic_sessions (sessions of generated ACLs only) is always empty and is not read.
 * docs/KERNEL.md, 'Sessions, ACLs and portals'.
 */
#ifndef LIO_SESSION_H
#define LIO_SESSION_H

#include <stdbool.h>

#include "cfs.h"

/* The sessions of target @iqn: 0, -ENOENT when the target (or its statistics) is missing, -EPROTO when
 * the kernel's text is not a number, another -errno of the read. */
int lio_target_sessions(struct cfs *c, const char *iqn, unsigned *n);
/* Has @initiator's ACL on @iqn's TPG a session? 0 with @in set, -ENOENT when there is no such ACL, -EPROTO
 * when its info says neither. */
int lio_acl_logged_in(struct cfs *c, const char *iqn, const char *initiator, bool *in);

#endif
