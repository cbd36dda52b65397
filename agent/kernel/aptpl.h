/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aptpl.h: the kernel's persistent-reservation file, <dbroot>/pr/aptpl_<unit serial>, which LIO writes
 * at every PR OUT that sets APTPL and never reads back (docs/KERNEL.md, 'dbroot and persistent
 * reservations'). Read here, strictly: it is state attachd did not write itself. A block per
 * registration:
 *     PR_REG_START: <n>
 *     initiator_fabric=iSCSI  initiator_node=<iqn>  [initiator_sid=<hex>]  sa_res_key=<decimal>
 *     res_holder=<0|1>  [res_type=<2 hex digits>  res_scope=00]  res_all_tg_pt=<0|1>  mapped_lun=<n>
 *     target_fabric=iSCSI  target_node=<iqn>  tpgt=<n>  port_rtpi=<n>  target_lun=<n>
 *     PR_REG_END: <n>
 * one key a line, blocks numbered from 0, the whole ended by a NUL; or "No Registrations or
 * Reservations" (APTPL cleared). Anything else is refused with the reason.
 */
#ifndef APTPL_H
#define APTPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attach_proto.h"

#define APTPL_FILE_MAX 65536 /* a registration takes about 400 bytes */
#define APTPL_REGS_MAX 128
#define APTPL_ISID_MAX 15    /* PR_REG_ISID_LEN - 1 */

struct aptpl_reg {
	char initiator[ATTACH_IQN_MAX + 1];
	char isid[APTPL_ISID_MAX + 1]; /* "" when the registration had none */
	uint64_t key;                  /* never 0 */
	bool holder;                   /* the reservation is this registration's */
	unsigned type;                 /* its SPC-3 type (1, 3, 5, 6, 7, 8) when holder */
	bool all_tg_pt;
	uint64_t mapped_lun;
	char target[ATTACH_IQN_MAX + 1];
	unsigned tpgt;
	unsigned rtpi;
	uint64_t target_lun;
};

/* Parse @len bytes of @buf into @regs (room for @max). *@n gets the count (0 for "No Registrations or
 * Reservations"). 0, or -EBADMSG (or -E2BIG: more than @max) with the line and the reason in @why. */
int aptpl_parse(const char *buf, size_t len, struct aptpl_reg *regs, size_t max, size_t *n, char *why,
		size_t whylen);

/* Read @dbroot/pr/aptpl_@serial into @buf (APTPL_FILE_MAX + 1 bytes): a regular file of attachd's
 * uid (never through a link), not writable by others, at most APTPL_FILE_MAX bytes. *@len gets its
 * size. 0, -ENOENT when there is none, other negative errnos with the reason in @why. */
int aptpl_read(const char *dbroot, const char *serial, char *buf, size_t *len, char *why, size_t whylen);

/* @r as one line for the storage object's pr/res_aptpl_metadata (comma-separated keys, numbers in
 * decimal: the kernel parses res_type with base 0, so its own "08" would be refused). 0 or -ENOSPC. */
int aptpl_format(const struct aptpl_reg *r, char *buf, size_t size);

#endif
