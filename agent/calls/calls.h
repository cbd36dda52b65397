/* SPDX-License-Identifier: Apache-2.0 */
/*
 * calls.h: the call handlers (one file per family: call_volume.c, call_attach.c, call_connect.c) and the
 * helpers they share (call_util.c); an export's plans are export_plan.h's, reply bodies reply.h's.
 * A handler runs inside dispatch(): the transaction is open, the volume (if the call names one) is loaded
 * into ctx->vol and its state already checked. It stages record changes
 * in the transaction, plans kernel steps in ctx->plan, puts result attributes in ctx->body and sets
 * ctx->msg; it has no side effects of its own.
 */
#ifndef CALLS_H
#define CALLS_H

#include "dispatch.h"
#include "export_plan.h"
#include "reply.h"

int call_volume_create(struct call_ctx *ctx);
int call_volume_delete(struct call_ctx *ctx);
int call_volume_list(struct call_ctx *ctx);
int call_volume_show(struct call_ctx *ctx);
int call_volume_extend(struct call_ctx *ctx);
int call_reconcile(struct call_ctx *ctx);
int call_stats(struct call_ctx *ctx);
int call_reserve(struct call_ctx *ctx);
int call_unreserve(struct call_ctx *ctx);
int call_initialize_connection(struct call_ctx *ctx);
int call_attach(struct call_ctx *ctx);
int call_begin_detaching(struct call_ctx *ctx);
int call_roll_detaching(struct call_ctx *ctx);
int call_terminate_connection(struct call_ctx *ctx);
int call_detach(struct call_ctx *ctx);

/* --- call_util.c */
/* The volume's attachments: how many are in @state (0: any), and a copy of the last one seen. */
int call_attachments(struct call_ctx *ctx, uint8_t state, size_t *n, struct rec_attachment *last);
/* The volume's reserved attachment: 0, or -ENOENT when there is none. */
int call_reserved(struct call_ctx *ctx, struct rec_attachment *out);
int call_attachment_key(char *key, size_t size, const char *vol, const char *att);
int call_acl_key(char *key, size_t size, const char *vol, const char *initiator);
/* Store @att under the volume's key for it. */
int call_put_attachment(struct call_ctx *ctx, const struct rec_attachment *att);
/* The volume's export record: 0, -ENOENT when not exported. */
int call_export(struct call_ctx *ctx, struct rec_export *x);
/* Number of ACL records of the volume. */
int call_acl_count(struct call_ctx *ctx, size_t *n);
/* Release one connection reference of @acl (loaded by the caller). At zero, plan the ACL's removal and,
 * when it was the volume's last, the export's; otherwise store the lower count. */
int call_acl_release(struct call_ctx *ctx, struct rec_acl *acl);
/* Is the volume of the call exported over NVMe/TCP? */
#define CALL_NVME(ctx) ((ctx)->vol.transport == ATTACH_TRANSPORT_NVME_TCP)
/* The volume's first export: limits checked, ctx->plan.x prepared for the volume's transport (its disk
 * found again and checked), the volume's size noted; no step planned, nothing stored of the export. */
int call_export_begin(struct call_ctx *ctx);

/* --- call_nvme.c: the NVMe/TCP parts of the connection calls (see there) */
/* The host record of @nqn: 0, or -ENOENT. */
int nvme_host_get(struct call_ctx *ctx, const char *nqn, struct rec_nvme_host *h);
/* A new host's access (@acl: a new ACL record): the host's record and reference, the export made or the
 * host added to it, as plan steps. */
int call_nvme_grant(struct call_ctx *ctx, const struct rec_acl *acl);
/* An existing access connected again: the request's DH-HMAC-CHAP options must be the host's. */
int call_nvme_join(struct call_ctx *ctx, const struct rec_acl *acl);
/* The nvmeof connection info of @acl's host on ctx->plan.x (nothing for a dry run). */
int call_nvme_conninfo(struct call_ctx *ctx, const struct rec_acl *acl, const char *peer_ip);
/* @acl's access goes (its record deleted by the caller), one of the volume's @n_acls: the host cut off,
 * or with the last one the export torn down (ctx->plan.x loaded). */
int call_nvme_release(struct call_ctx *ctx, const struct rec_acl *acl, size_t n_acls);
/* terminate --force: each host disallowed (and its entry removed with its last volume), then the export. */
int call_nvme_force_host(struct call_ctx *ctx, const struct rec_acl *acl);
int call_nvme_force_teardown(struct call_ctx *ctx);

/* A fresh random UUID, lower case. */
void call_new_uuid(char out[ATTACH_UUID_LEN + 1]);
uint64_t call_now(void);

#endif
