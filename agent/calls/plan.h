/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plan.h: a mutating call's kernel work as data. A handler computes the plan (the ordered kernel steps,
 * plus notes on the record changes) from the records and the request, with no side effects; the
 * dispatcher then applies it step by step and undoes the completed steps in reverse when one fails or
 * when the records cannot be committed. Dry-run replies with the plan's text instead of applying it.
 *
 * Each kernel step has an inverse (create <-> remove, enable <-> disable) built from the same
 * parameters, which is why removal steps carry the full object (CHAP credentials included).
 * Step text names objects and never a secret.
 */
#ifndef PLAN_H
#define PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "cfs.h"
#include "record.h"

enum plan_op {
	PLAN_NOTE, /* a record change: text only */
	PLAN_BACKSTORE_CREATE,
	PLAN_BACKSTORE_REMOVE,
	PLAN_TARGET_CREATE,
	PLAN_TARGET_REMOVE,
	PLAN_LUN_CREATE,
	PLAN_LUN_REMOVE,
	PLAN_PORTAL_ADD,
	PLAN_PORTAL_REMOVE,
	PLAN_TPG_ENABLE,
	PLAN_TPG_DISABLE,
	PLAN_ACL_CREATE,
	PLAN_ACL_REMOVE,
	PLAN_MAPPED_LUN_CREATE,
	PLAN_MAPPED_LUN_REMOVE,
	PLAN_DM_CREATE,   /* the export's linear device over the volume */
	PLAN_DM_REMOVE,
	PLAN_DM_FENCE,    /* swap in an error table: a stuck initiator can no longer reach the disk */
	PLAN_DM_UNFENCE,  /* the linear table again */
	PLAN_DM_RESIZE,   /* reload the linear table at the export's recorded size */
	PLAN_MAPPED_LUN_PROTECT,   /* an existing mapped LUN read-only (write_protect 1) ... */
	PLAN_MAPPED_LUN_UNPROTECT, /* ... or read-write again */
	PLAN_ACL_MUTUAL_SET,       /* an existing ACL gets the step's mutual CHAP credentials ... */
	PLAN_ACL_MUTUAL_CLEAR,     /* ... or loses them */
	/* an initiator's persistent reservations fed to a new storage object (pr_restore.h); no inverse: they
	 * go with the storage object */
	PLAN_PR_RESTORE,
	/* reconciliation: objects of ours the records do not know (no inverse: their contents are gone) */
	PLAN_ACL_PURGE,    /* an ACL with whatever mapped LUNs it has */
	PLAN_TARGET_PURGE, /* a target with everything under it */
	/* NVMe/TCP (nvme_plan.h): x.target_iqn is the subsystem NQN; host steps name step.host, port steps
	 * step.port_id with the address in step.portal */
	PLAN_NV_SUBSYS_CREATE,
	PLAN_NV_SUBSYS_REMOVE,
	PLAN_NV_NS_CREATE,      /* namespace 1 on x.device, made and enabled */
	PLAN_NV_NS_REMOVE,
	PLAN_NV_NS_ENABLE,
	PLAN_NV_NS_DISABLE,     /* every host's I/O to the namespace fails from now on */
	PLAN_NV_NS_REVALIDATE,  /* hosts are told the namespace's new size (no inverse: a size is read) */
	PLAN_NV_HOST_CREATE,    /* hosts/<nqn> with its DH-HMAC-CHAP key, when it has one */
	PLAN_NV_HOST_REMOVE,
	PLAN_NV_HOST_ALLOW,     /* the host's link into the subsystem's allowed_hosts */
	PLAN_NV_HOST_DISALLOW,  /* ... removed: stops new connections, not the live ones */
	PLAN_NV_PORT_CREATE,    /* an nvmet port of attachd's on one --nvme-port address */
	PLAN_NV_PORT_REMOVE,
	PLAN_NV_PORT_LINK,      /* the subsystem into a port: hosts may connect through it */
	PLAN_NV_PORT_UNLINK,    /* ... removed: drops every controller of the subsystem on that port */
	PLAN_NV_SUBSYS_PURGE,   /* reconciliation: an unrecorded subsystem with everything in it (no inverse) */
	PLAN_HBA_REMOVE,   /* attachd's HBA, when empty; keep it last (plan.c's table of inverses) */
};

struct plan_step {
	enum plan_op op;
	char portal[ATTACH_PORTAL_MAX + 1]; /* PLAN_PORTAL_* */
	uint64_t old_size; /* PLAN_DM_RESIZE: the size to go back to on undo */
	struct rec_acl acl; /* PLAN_ACL_*, PLAN_MAPPED_LUN_*, PLAN_PR_RESTORE */
	struct rec_nvme_host host; /* PLAN_NV_HOST_*: the host NQN, and its keys (secrets) */
	uint32_t port_id;   /* PLAN_NV_PORT_*: the nvmet port (its address in @portal) */
	char note[160];  /* PLAN_NOTE */
};

struct plan {
	const char *call;    /* the call's name (fault points, logs) */
	struct rec_export x; /* the export every kernel step works on */
	/* The volume's disk identity: a step that loads a linear table (create, unfence, resize, and their
	 * undos) checks that x.backing_major:minor is still this disk, at the moment it loads it. "": no
	 * check (a record of attachd 0.1 that has none). */
	char ident[REC_IDENT_MAX + 1];
	struct plan_step *steps;
	size_t n, cap;
	size_t applied; /* steps done by plan_apply and not undone */
};

/* What plan_apply needs to reach the kernel. */
struct plan_env {
	struct cfs *cfs;
	const char *dbroot; /* attachd's dbroot when LIO's is it (agent.h), else NULL or "" */
};

void plan_init(struct plan *p);
void plan_free(struct plan *p);
/* Append a kernel step (@acl for ACL and mapped-LUN steps, @portal for portal steps). 0 or -ENOMEM. */
int plan_add(struct plan *p, enum plan_op op, const struct rec_acl *acl, const char *portal);
/* An NVMe host step (@host: NQN and keys) or port step (@port_id on address @portal). 0 or -ENOMEM. */
int plan_add_host(struct plan *p, enum plan_op op, const struct rec_nvme_host *host);
int plan_add_port(struct plan *p, enum plan_op op, uint32_t port_id, const char *portal);
/* PLAN_DM_RESIZE to the export's size (p->x.size), undone back to @old_size bytes. */
int plan_add_resize(struct plan *p, uint64_t old_size);
int plan_note(struct plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Does @p have a step @op? */
bool plan_has(const struct plan *p, enum plan_op op);
/* Number of kernel steps (notes excluded). */
size_t plan_kernel_steps(const struct plan *p);

/* The step that undoes @op (PLAN_NOTE for a step that has none). */
enum plan_op plan_inverse(enum plan_op op);

/* One line describing step @i (no secrets). */
void plan_describe(const struct plan *p, size_t i, char *buf, size_t size);

/* Apply every step in order. On failure undo the completed ones in reverse, write what failed to @err
 * and return -EIO (the kernel's errno is in the text), or -ENOPROTOOPT when the step needs attributes the
 * kernel does not have (-EOPNOTSUPP from the writer: DH-HMAC-CHAP without CONFIG_NVME_TARGET_AUTH). */
int plan_apply(struct plan *p, const struct plan_env *env, char *err, size_t errlen);
/* Undo the steps applied so far, in reverse (after a failed commit). Failures are logged and counted:
 * returns how many undo steps failed. */
int plan_undo(struct plan *p, const struct plan_env *env);

#endif
