/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_module.c: what iscsi_target_mod keeps outside the configfs objects: its one discovery ACL
 * (iscsit_global->discovery_acl), which target/iscsi/discovery_auth shows. rmdir target/iscsi does not
 * drop it (seen on 6.1 and 6.12: docs/KERNEL.md, 'Discovery authentication'), so the simulator stashes
 * the values in files at the root (outside target/) when the fabric goes, and puts them back when it is
 * made again. The simulated module is never unloaded, so they last as long as the tree.
 */
#include "tests/sim/sim_internal.h"

#include <errno.h>
#include <stdio.h>

static const char *const sim_disc_attrs[] = {
	"enforce_discovery_auth", "userid", "password", "userid_mutual", "password_mutual", "authenticate_target",
};
#define SIM_DISC_N (sizeof(sim_disc_attrs) / sizeof(sim_disc_attrs[0]))

static int sim_disc_paths(const char *fabric, const char *attr, char *live, char *stash, size_t size)
{
	int n = snprintf(live, size, "%s/discovery_auth/%s", fabric, attr);
	int m = snprintf(stash, size, ".sim-iscsi_target_mod.discovery_auth.%s", attr);
	return (n < 0 || (size_t)n >= size || m < 0 || (size_t)m >= size) ? -ENAMETOOLONG : 0;
}

int sim_module_save(struct cfs *c, const char *fabric)
{
	char live[CFS_PATH_MAX], stash[CFS_PATH_MAX], buf[SIM_PAGE];
	for (size_t i = 0; i < SIM_DISC_N; i++) {
		int rc = sim_disc_paths(fabric, sim_disc_attrs[i], live, stash, sizeof(live));
		if (!rc && sim_get(c->rootfd, live, buf, sizeof(buf)) >= 0)
			rc = sim_put(c->rootfd, stash, buf);
		if (rc)
			return rc;
	}
	return 0;
}

int sim_module_restore(struct cfs *c, const char *fabric)
{
	char live[CFS_PATH_MAX], stash[CFS_PATH_MAX], buf[SIM_PAGE];
	for (size_t i = 0; i < SIM_DISC_N; i++) {
		int rc = sim_disc_paths(fabric, sim_disc_attrs[i], live, stash, sizeof(live));
		if (!rc && sim_get(c->rootfd, stash, buf, sizeof(buf)) >= 0)
			rc = sim_put(c->rootfd, live, buf);
		if (rc)
			return rc;
	}
	return 0;
}
