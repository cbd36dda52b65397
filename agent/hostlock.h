/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hostlock.h: one attachd per kernel (per configfs root). Reconciliation removes objects that carry
 * attachd's names (its IQN prefix, its HBA, its dm uuid prefix) but have no record, so a second agent
 * with another database on the same kernel would take the first one's exports for orphans. The lock is a
 * flock()ed file under /run/attachd/, named by a hash of the configfs root, holding the owner's pid.
 */
#ifndef HOSTLOCK_H
#define HOSTLOCK_H

#include "agent.h"

/* Take the lock for the agent's lifetime (the descriptor stays open). 0, -EWOULDBLOCK if another agent
 * holds it (logged with its pid), or -errno. */
int hostlock_take(const struct agent_config *cfg);

#endif
