/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kernel.h: getting the kernel ready at start, unless --no-kmod: the modules attachd needs, loaded with
 * libkmod (configfs, target_core_mod, target_core_iblock, iscsi_target_mod, dm_mod unless --no-dm, and
 * nvmet and nvmet_tcp when an --nvme-port is configured),
 * configfs mounted at the configured root if it is not, and target/iscsi created. (The portals' addresses
 * are checked by localaddr.h.)
 */
#ifndef KERNEL_H
#define KERNEL_H

#include "agent.h"

/* Load the modules and mount configfs (skip with --no-kmod). 0 or -errno, logged with the reason. */
int kernel_prepare(const struct agent_config *cfg);

#endif
