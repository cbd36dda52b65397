/* SPDX-License-Identifier: Apache-2.0 */
/*
 * discovery.h: SendTargets discovery CHAP (attachd --discovery-chap).
 *
 * LIO has one discovery ACL per fabric (target/iscsi/discovery_auth, docs/KERNEL.md 'Discovery
 * authentication'), not one per initiator: the credentials are the agent's, the same for every
 * initiator. What a discovery lists is still per initiator: targets whose TPG has an ACL for it
 * (attachd's TPGs have demo_mode_discovery 0).
 *
 * The credentials are made once (chap.h, as an ACL's), kept in the database's meta table
 * (STORE_KEY_DISCOVERY), and outlive the option: a later start with it gets the same ones again.
 * Reconciliation (at start, before the socket, and on the reconcile call) makes the kernel match:
 *  - option on: discovery_auth unset, or holding attachd's user name (a previous start, an interrupted
 *    write), is set to the credentials with enforcement on. Credentials that are someone else's (another
 *    tool's) are left alone: a difference not fixed, and replies carry no discovery credentials, since
 *    they would not work;
 *  - option off: attachd's credentials in force are removed and discovery opened again (nobody would be
 *    given them any more); anything else is not attachd's business. An agent whose database never had
 *    credentials does not even read discovery_auth.
 * initialize-connection replies carry them (a->disc.serve) only while the kernel enforces them.
 * The secret is never logged.
 */
#ifndef DISCOVERY_H
#define DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>

#include "agent.h"

/* At start, before reconciliation: read the stored credentials into a->disc; with the option and none
 * stored, make and store them. 0 or -errno (a store error, or a corrupt value: -EUCLEAN). */
int discovery_load(struct agent *a);

/* Compare the kernel with a->disc and the option, and fix it unless @dry_run. Returns 0 when they
 * match, 1 when they differed (@line says how; *@failed when it was not or could not be fixed), -errno
 * when discovery_auth could not be read (@line says so). */
int discovery_reconcile(struct agent *a, bool dry_run, char *line, size_t len, bool *failed);

#endif
