/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lio_discovery.h: SendTargets discovery authentication, target/iscsi/discovery_auth (docs/KERNEL.md,
 * 'Discovery authentication'). LIO has one such object per fabric (iscsi_target_mod's global discovery
 * ACL): its credentials are everyone's, there is no per-initiator discovery ACL. Written in the kernel's
 * safe order: the credentials before enforcement when turning it on, enforcement off before the
 * credentials are cleared when turning it off. Values without a trailing newline.
 */
#ifndef LIO_DISCOVERY_H
#define LIO_DISCOVERY_H

#include <stdbool.h>

#include "cfs.h"

#define LIO_DISC_CRED_MAX 255 /* the kernel refuses 256 bytes and more (EINVAL) */

/* What discovery_auth holds. "Unset" is an empty value (never written) or "NULL" (the kernel keeps
 * the word it was given when one clears a credential). */
struct lio_disc_state {
	bool enforce;
	char userid[LIO_DISC_CRED_MAX + 2];
	char password[LIO_DISC_CRED_MAX + 2];
	bool mutual; /* userid_mutual or password_mutual is set */
};

/* Read it all (target/iscsi must exist). 0 or -errno. @st holds a secret: clear it after use. */
int lio_discovery_state(struct cfs *c, struct lio_disc_state *st);
/* Is this credential value unset? */
bool lio_discovery_unset(const char *value);
/* Require CHAP with @userid/@password for discovery: userid, password, the mutual pair cleared when
 * @clear_mutual, then enforce_discovery_auth = 1. -EINVAL (nothing written) for an unset or too long
 * credential. A failed write leaves the earlier ones in place: never enforcement without the
 * credentials, since it comes last; reconciliation writes them again. */
int lio_discovery_enforce(struct cfs *c, const char *userid, const char *password, bool clear_mutual);
/* Discovery without credentials again: enforce_discovery_auth = 0, then userid and password "NULL"
 * (a failure leaves the earlier writes: enforcement is already off). */
int lio_discovery_open(struct cfs *c);

#endif
