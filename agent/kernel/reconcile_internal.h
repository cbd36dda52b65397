/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reconcile_internal.h: what reconcile.c shares with reconcile_nvme.c (an NVMe/TCP export's walk): the
 * run's records, the report's lines, and the disk checks that come first for either transport.
 */
#ifndef RECONCILE_INTERNAL_H
#define RECONCILE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "agent.h"
#include "plan.h"
#include "reconcile.h"

struct recon_export {
	struct rec_export x;
	struct rec_volume v; /* its volume's record (v.id[0] == 0: none, which records never leave) */
	struct rec_acl *acls;
	size_t n_acls;
	struct rec_nvme_host *hosts; /* nvme-tcp: the host record of each ACL (its NQN "" when there is none) */
};

struct recon {
	struct agent *a;
	bool dry_run;
	bool purge_unowned;
	struct recon_report *r;
	struct recon_export *ex;
	size_t n_ex;
	struct rec_export *owned; /* the owned table: names this database made */
	size_t n_owned;
	struct rec_export *owned_hosts; /* ... and the NVMe host entries it made (target_iqn: the host NQN) */
	size_t n_owned_hosts;
	char (*vols)[ATTACH_UUID_LEN + 1]; /* registered volume ids */
	size_t n_vols;
};

/* A line of the report. */
void recon_line(struct recon_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A new zeroed last element of the array at *@arrp (any T *, passed as &arr): NULL when out of memory. */
void *recon_push(void *arrp, size_t *n, size_t size);
/* The export is down: @fmt says why (into p->x.down). Returns 1. */
int recon_down(struct recon *run, struct plan *p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The export's dm device checked and planned: 0 to go on, 1 when the export stays down, -EEXIST when
 * someone else's object is in the way. */
int recon_dm(struct recon *run, const struct recon_export *e, struct plan *p);

/* --- reconcile_nvme.c */
/* An nvme-tcp export's walk: its disk, then each object in build order (nvme_plan.h), read from the
 * kernel and (re)made where missing or different; hosts the records do not name are disallowed, ports
 * follow the configured --nvme-port list. p->x may change (port ids): the caller saves it. */
int recon_nvme(struct recon *run, const struct recon_export *e, struct plan *p);
/* Subsystems of attachd's form (<nqn-prefix>:<uuid>) that no export record names: removed with what is
 * in them when the owned table names them (or @purge_unowned), reported otherwise. Empty ports of
 * attachd's id range that no record names go too. */
int recon_nvme_orphans(struct recon *run);

#endif
