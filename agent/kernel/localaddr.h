/* SPDX-License-Identifier: Apache-2.0 */
/*
 * localaddr.h: at start, every configured portal and NVMe port is checked against the addresses of the
 * local interfaces (one RTM_GETADDR dump): a portal on an address this host does not have would fail
 * only at the first export.
 */
#ifndef LOCALADDR_H
#define LOCALADDR_H

#include "agent.h"

/* Every portal and NVMe port is a local address or a wildcard. 0, or -EADDRNOTAVAIL naming the address,
 * -EINVAL for one that does not parse, -EIO when the addresses cannot be read. */
int localaddr_check(const struct agent_config *cfg);

#endif
