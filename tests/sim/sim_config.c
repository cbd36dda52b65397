/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_config.c: the simulator build's default configuration file. A test agent must not read the
 * machine's /etc/attachd.conf (a developer's allow-uid or max-clients would leak into the tests), so
 * attachd-sim reads a default file only when ATTACHD_SIM_CONFIG names one: then exactly as attachd reads
 * /etc/attachd.conf (read when it exists, a missing one is no error).
 */
#include "agent/options.h"

#include <stdlib.h>

const char *__wrap_options_default_config(void);

const char *__wrap_options_default_config(void)
{
	const char *path = getenv("ATTACHD_SIM_CONFIG");
	return path && *path ? path : NULL;
}
