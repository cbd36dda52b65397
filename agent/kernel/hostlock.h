/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hostlock.h: one attachd per kernel. Reconciliation acts on every object of attachd's form that its
 * database made, and a second agent on the same kernel would fight the first over the same targets, dm
 * devices and HBA. The lock names the kernel, not a path: it is a flock() on the root directory of
 * configfs itself, taken once configfs is mounted. configfs has a single superblock per kernel, so every
 * mount of it (another path, a bind mount, another mount namespace) is the same directory and the same
 * lock; nothing attachd does before it (loading modules, mounting configfs) changes anything an agent
 * already running relies on. The holder's pid is read back from /proc/locks for the message.
 */
#ifndef HOSTLOCK_H
#define HOSTLOCK_H

#include "agent.h"

/* Take the lock for the agent's lifetime (the descriptor stays open). 0, -EWOULDBLOCK if another agent
 * holds it (logged with its pid), -EMEDIUMTYPE when the root is not configfs (unless --no-kmod, as in
 * tests with a simulated tree), or -errno. */
int hostlock_take(const struct agent_config *cfg);

#endif
