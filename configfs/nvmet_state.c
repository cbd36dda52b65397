/* SPDX-License-Identifier: Apache-2.0 */
/* nvmet_state.c: reading nvmet objects back, one named object at a time (see nvmet_state.h). */
#include "nvmet_state.h"
#include "nvmet_internal.h"

#include <errno.h>
#include <string.h>

/* 1 there, 0 not, <0 error; a path too long for any object is "not there". */
static int st_exists(struct cfs *c, int path_rc, const char *p)
{
	if (path_rc)
		return path_rc == -ENAMETOOLONG ? 0 : path_rc;
	return cfs_exists(c, p);
}

static bool st_link_is(struct cfs *c, const char *link, const char *target)
{
	char have[CFS_PATH_MAX];
	return cfs_readlink(c, link, have, sizeof(have)) == 0 && !strcmp(have, target);
}

int nvmet_subsys_state(struct cfs *c, const struct nvmet_subsys *s, struct nvmet_subsys_state *st)
{
	char p[CFS_PATH_MAX];
	memset(st, 0, sizeof(*st));
	int rc = st_exists(c, strlen(s->nqn) > NVMET_NQN_MAX ? -ENAMETOOLONG : nvmet_path(&p, NVMET_SUBSYS "/%s", s->nqn),
			   p);
	if (rc <= 0)
		return rc;
	st->exists = true;
	st->closed = !nvmet_path(&p, NVMET_SUBSYS "/%s/attr_allow_any_host", s->nqn) && nvmet_shows(c, p, "0", false, false);
	st->serial_ok = !s->serial || (!nvmet_path(&p, NVMET_SUBSYS "/%s/attr_serial", s->nqn) &&
				       nvmet_shows(c, p, s->serial, true, false));
	st->model_ok = !s->model ||
		       (!nvmet_path(&p, NVMET_SUBSYS "/%s/attr_model", s->nqn) && nvmet_shows(c, p, s->model, false, false));
	return 0;
}

int nvmet_ns_state(struct cfs *c, const struct nvmet_ns *n, struct nvmet_ns_state *st)
{
	char p[CFS_PATH_MAX], base[CFS_PATH_MAX];
	memset(st, 0, sizeof(*st));
	int rc = st_exists(c,
			   strlen(n->nqn) > NVMET_NQN_MAX ? -ENAMETOOLONG
							  : nvmet_path(&base, NVMET_SUBSYS "/%s/namespaces/%u", n->nqn, n->nsid),
			   base);
	if (rc <= 0)
		return rc;
	st->exists = true;
	st->enabled = !nvmet_path(&p, "%s/enable", base) && nvmet_shows(c, p, "1", false, false);
	st->path_ok = !nvmet_path(&p, "%s/device_path", base) && nvmet_shows(c, p, n->dev, false, false);
	st->uuid_ok = !nvmet_path(&p, "%s/device_uuid", base) && nvmet_shows(c, p, n->uuid, false, true);
	st->nguid_ok = !nvmet_path(&p, "%s/device_nguid", base) && nvmet_shows(c, p, n->nguid, false, true);
	return 0;
}

int nvmet_host_state(struct cfs *c, const char *nqn, const struct nvmet_host *h, struct nvmet_host_state *st)
{
	static const char *const attr[4] = { "dhchap_key", "dhchap_ctrl_key", "dhchap_hash", "dhchap_dhgroup" };
	const char *val[4] = { h->key, h->ctrl_key, h->hash, h->dhgroup };
	char p[CFS_PATH_MAX], host[CFS_PATH_MAX];
	memset(st, 0, sizeof(*st));
	int rc = st_exists(c, strlen(h->nqn) > NVMET_NQN_MAX ? -ENAMETOOLONG : nvmet_path(&host, NVMET_HOSTS "/%s", h->nqn),
			   host);
	if (rc <= 0)
		return rc;
	st->exists = true;
	st->auth = !nvmet_path(&p, "%s/dhchap_key", host) && cfs_exists(c, p) == 1;
	st->keys_ok = true;
	for (int i = 0; i < 4; i++)
		if (val[i] && (!st->auth || nvmet_path(&p, "%s/%s", host, attr[i]) || !nvmet_shows(c, p, val[i], false, false)))
			st->keys_ok = false;
	st->allowed = nqn && strlen(nqn) <= NVMET_NQN_MAX &&
		      !nvmet_path(&p, NVMET_SUBSYS "/%s/allowed_hosts/%s", nqn, h->nqn) && st_link_is(c, p, host);
	return 0;
}

int nvmet_port_state(struct cfs *c, unsigned id, const struct nvmet_addr *a, const char *nqn,
		     struct nvmet_port_state *st)
{
	char p[CFS_PATH_MAX], target[CFS_PATH_MAX];
	struct nvmet_bin_addr want;
	memset(st, 0, sizeof(*st));
	int rc = st_exists(c, nvmet_path(&p, NVMET_PORTS "/%u", id), p);
	if (rc <= 0)
		return rc;
	st->exists = true;
	st->addr_ok = !nvmet_addr_parse(a->traddr, a->trsvcid, &want) && nvmet_port_has_addr(c, id, &want) == 1;
	st->linked = nqn && strlen(nqn) <= NVMET_NQN_MAX && !nvmet_path(&p, NVMET_PORTS "/%u/subsystems/%s", id, nqn) &&
		     !nvmet_path(&target, NVMET_SUBSYS "/%s", nqn) && st_link_is(c, p, target);
	return 0;
}
