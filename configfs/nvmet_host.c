/* SPDX-License-Identifier: Apache-2.0 */
/* nvmet_host.c: nvmet hosts, their DH-HMAC-CHAP attributes and allowed_hosts links (see nvmet.h). */
#include "nvmet.h"
#include "nvmet_internal.h"
#include "nvmet_secret.h"

#include <errno.h>
#include <string.h>

static int nvmet_host_path(char (*p)[CFS_PATH_MAX], const char *host, const char *attr)
{
	if (strlen(host) > NVMET_NQN_MAX)
		return -ENAMETOOLONG;
	return nvmet_path(p, NVMET_HOSTS "/%s%s%s", host, attr ? "/" : "", attr ? attr : "");
}

static bool nvmet_one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* The kernel matches hash and group names by prefix ("nullx" is "null"): only exact names pass here. */
static int nvmet_host_check(const struct nvmet_host *h)
{
	static const char *const hashes[] = { "hmac(sha256)", "hmac(sha384)", "hmac(sha512)", NULL };
	static const char *const groups[] = { "null", "ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192",
					      NULL };
	int rc = 0;
	if (h->key)
		rc = nvmet_secret_parse(h->key, NULL, NULL, NULL, NULL, 0);
	if (!rc && h->ctrl_key)
		rc = nvmet_secret_parse(h->ctrl_key, NULL, NULL, NULL, NULL, 0);
	if (!rc && h->ctrl_key && !h->key)
		rc = -EINVAL; /* the controller authenticates itself only to a host that authenticated */
	if (!rc && h->hash && !nvmet_one_of(h->hash, hashes))
		rc = -EINVAL;
	if (!rc && h->dhgroup && !nvmet_one_of(h->dhgroup, groups))
		rc = -EINVAL;
	return rc;
}

int nvmet_host_auth_supported(struct cfs *c, const char *host_nqn)
{
	char p[CFS_PATH_MAX];
	int rc = nvmet_host_path(&p, host_nqn, NULL);
	if (!rc && (rc = cfs_exists(c, p)) == 0)
		rc = -ENOENT;
	if (rc < 0)
		return rc;
	rc = nvmet_host_path(&p, host_nqn, "dhchap_key");
	return rc ? rc : cfs_exists(c, p);
}

int nvmet_host_create(struct cfs *c, const struct nvmet_host *h)
{
	char p[CFS_PATH_MAX];
	const char *attr[4] = { "dhchap_key", "dhchap_ctrl_key", "dhchap_hash", "dhchap_dhgroup" };
	const char *val[4] = { h->key, h->ctrl_key, h->hash, h->dhgroup };
	bool auth = h->key || h->ctrl_key || h->hash || h->dhgroup;
	int rc = nvmet_host_check(h);
	if (!rc)
		rc = nvmet_host_path(&p, h->nqn, NULL);
	if (rc)
		return rc;
	int made = nvmet_mkdir(c, p);
	if (made < 0)
		return made;
	if (auth && (rc = nvmet_host_auth_supported(c, h->nqn)) == 0)
		rc = -EOPNOTSUPP;
	else if (rc > 0)
		rc = 0;
	for (int i = 0; !rc && i < 4; i++)
		if (val[i] && !(rc = nvmet_host_path(&p, h->nqn, attr[i])))
			rc = nvmet_set(c, p, val[i], false);
	if (rc && made == 1 && !nvmet_host_path(&p, h->nqn, NULL))
		cfs_rmdir(c, p);
	return rc;
}

int nvmet_host_remove(struct cfs *c, const char *host_nqn)
{
	char p[CFS_PATH_MAX];
	int rc = nvmet_host_path(&p, host_nqn, NULL);
	return rc ? rc : nvmet_rmdir_gone_ok(c, p);
}

static int nvmet_allowed_path(char (*link)[CFS_PATH_MAX], char (*target)[CFS_PATH_MAX], const char *nqn,
			      const char *host)
{
	if (strlen(nqn) > NVMET_NQN_MAX)
		return -ENAMETOOLONG;
	int rc = nvmet_path(link, NVMET_SUBSYS "/%s/allowed_hosts/%s", nqn, host);
	return rc ? rc : nvmet_host_path(target, host, NULL);
}

int nvmet_host_allow(struct cfs *c, const char *nqn, const char *host_nqn)
{
	char link[CFS_PATH_MAX], target[CFS_PATH_MAX];
	int rc = nvmet_allowed_path(&link, &target, nqn, host_nqn);
	return rc ? rc : nvmet_link(c, target, link);
}

int nvmet_host_disallow(struct cfs *c, const char *nqn, const char *host_nqn)
{
	char link[CFS_PATH_MAX], target[CFS_PATH_MAX];
	int rc = nvmet_allowed_path(&link, &target, nqn, host_nqn);
	return rc ? rc : nvmet_unlink_gone_ok(c, link);
}
