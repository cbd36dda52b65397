/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kernel.h: getting the kernel ready at start, unless --no-kmod: the modules attachd needs, loaded with
 * libkmod (configfs, target_core_mod, target_core_iblock, iscsi_target_mod, dm_mod unless --no-dm, and
 * nvmet and nvmet_tcp when an --nvme-port is configured),
 * configfs mounted at the configured root if it is not, and target/iscsi created. Then every configured
 * portal and NVMe port address is checked against the addresses of the local interfaces (libnl-route's address
 * cache): a portal on an address this host does not have would fail at the first export.
 */
#ifndef KERNEL_H
#define KERNEL_H

#include "agent.h"

/* Load the modules and mount configfs (skip with --no-kmod). 0 or -errno, logged with the reason. */
int kernel_prepare(const struct agent_config *cfg);
/* Every portal and NVMe port is a local address or a wildcard. 0, or -EADDRNOTAVAIL naming the address. */
int kernel_check_portals(const struct agent_config *cfg);

#endif
