/* SPDX-License-Identifier: Apache-2.0 */
/* nvmet_port.c: nvmet TCP ports, found by address or made in attachd's id range, and the subsystems
 * linked into them (see nvmet.h). */
#include "nvmet.h"
#include "nvmet_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int nvmet_addr_parse(const char *traddr, const char *trsvcid, struct nvmet_bin_addr *b)
{
	memset(b, 0, sizeof(*b));
	if (inet_pton(AF_INET, traddr, b->addr) == 1)
		b->family = AF_INET;
	else if (inet_pton(AF_INET6, traddr, b->addr) == 1)
		b->family = AF_INET6;
	else
		return -EINVAL;
	char *end;
	if (trsvcid[0] < '1' || trsvcid[0] > '9')
		return -EINVAL;
	unsigned long port = strtoul(trsvcid, &end, 10);
	if (*end || port > 65535)
		return -EINVAL;
	b->port = (unsigned)port;
	return 0;
}

static int nvmet_port_path(char (*p)[CFS_PATH_MAX], unsigned id, const char *attr)
{
	return nvmet_path(p, NVMET_PORTS "/%u%s%s", id, attr ? "/" : "", attr ? attr : "");
}

static int nvmet_port_read(struct cfs *c, unsigned id, const char *attr, char *buf, size_t size)
{
	char p[CFS_PATH_MAX];
	int rc = nvmet_port_path(&p, id, attr);
	return rc ? rc : cfs_read(c, p, buf, size);
}

int nvmet_port_has_addr(struct cfs *c, unsigned id, const struct nvmet_bin_addr *want)
{
	char trtype[16], adrfam[16], traddr[300], trsvcid[64];
	struct nvmet_bin_addr have;
	int rc = nvmet_port_read(c, id, "addr_trtype", trtype, sizeof(trtype));
	if (rc >= 0)
		rc = nvmet_port_read(c, id, "addr_adrfam", adrfam, sizeof(adrfam));
	if (rc >= 0)
		rc = nvmet_port_read(c, id, "addr_traddr", traddr, sizeof(traddr));
	if (rc >= 0)
		rc = nvmet_port_read(c, id, "addr_trsvcid", trsvcid, sizeof(trsvcid));
	if (rc < 0)
		return rc == -ENOENT ? 0 : rc;
	if (strcmp(trtype, "tcp") || strcmp(adrfam, want->family == AF_INET ? "ipv4" : "ipv6"))
		return 0;
	return !nvmet_addr_parse(traddr, trsvcid, &have) && have.family == want->family && have.port == want->port &&
	       !memcmp(have.addr, want->addr, sizeof(have.addr));
}

struct nvmet_find {
	struct cfs *c;
	const struct nvmet_bin_addr *want;
	unsigned id;
};

static int nvmet_find_visit(const char *name, enum cfs_kind kind, void *arg)
{
	struct nvmet_find *f = arg;
	char *end;
	if (kind != CFS_DIR || name[0] < '0' || name[0] > '9')
		return 0;
	unsigned long id = strtoul(name, &end, 10);
	/* the kernel takes "0x10" too; such a name is not one attachd writes and is never found here */
	if (*end || id > 65535 || (name[0] == '0' && name[1]))
		return 0;
	int rc = nvmet_port_has_addr(f->c, (unsigned)id, f->want);
	if (rc == 1)
		f->id = (unsigned)id;
	return rc; /* 1 stops the listing: found; an error stops it too */
}

int nvmet_port_find(struct cfs *c, const struct nvmet_addr *a, unsigned *id)
{
	struct nvmet_bin_addr want;
	int rc = nvmet_addr_parse(a->traddr, a->trsvcid, &want);
	if (rc)
		return rc;
	struct nvmet_find f = { c, &want, 0 };
	rc = cfs_list(c, NVMET_PORTS, nvmet_find_visit, &f);
	if (rc == 1) {
		*id = f.id;
		return 0;
	}
	return rc ? rc : -ENOENT;
}

/* mkdir ports/<id> and its address; undone on failure. */
static int nvmet_port_make(struct cfs *c, unsigned id, const struct nvmet_addr *a, const struct nvmet_bin_addr *b)
{
	const char *attr[4] = { "addr_trtype", "addr_adrfam", "addr_traddr", "addr_trsvcid" };
	const char *val[4] = { "tcp", b->family == AF_INET ? "ipv4" : "ipv6", a->traddr, a->trsvcid };
	char p[CFS_PATH_MAX];
	int rc = nvmet_port_path(&p, id, NULL);
	if (!rc)
		rc = cfs_mkdir(c, p);
	if (rc)
		return rc;
	for (int i = 0; !rc && i < 4; i++)
		if (!(rc = nvmet_port_path(&p, id, attr[i])))
			rc = cfs_write(c, p, val[i]);
	if (rc && !nvmet_port_path(&p, id, NULL))
		cfs_rmdir(c, p);
	return rc;
}

int nvmet_port_ensure(struct cfs *c, const struct nvmet_addr *a, unsigned *id, bool *made)
{
	struct nvmet_bin_addr b;
	char p[CFS_PATH_MAX];
	*made = false;
	int rc = nvmet_port_find(c, a, id);
	if (rc != -ENOENT)
		return rc;
	nvmet_addr_parse(a->traddr, a->trsvcid, &b); /* checked by the find */
	for (unsigned i = NVMET_PORT_ID_MIN; i <= NVMET_PORT_ID_MAX; i++) {
		if ((rc = nvmet_port_path(&p, i, NULL)) || (rc = cfs_exists(c, p)) < 0)
			return rc;
		if (rc == 1)
			continue; /* taken: by attachd for another address, or by another tool */
		rc = nvmet_port_make(c, i, a, &b);
		if (rc == -EEXIST)
			continue; /* made by someone else since */
		if (!rc) {
			*id = i;
			*made = true;
		}
		return rc;
	}
	return -ENOSPC;
}

int nvmet_port_create(struct cfs *c, unsigned id, const struct nvmet_addr *a)
{
	struct nvmet_bin_addr b;
	char p[CFS_PATH_MAX];
	if (id < NVMET_PORT_ID_MIN || id > NVMET_PORT_ID_MAX)
		return -EPERM;
	int rc = nvmet_addr_parse(a->traddr, a->trsvcid, &b);
	if (!rc)
		rc = nvmet_port_path(&p, id, NULL);
	if (!rc)
		rc = cfs_exists(c, p);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		rc = nvmet_port_has_addr(c, id, &b);
		return rc < 0 ? rc : rc ? 0 : -EEXIST;
	}
	return nvmet_port_make(c, id, a, &b);
}

int nvmet_port_remove(struct cfs *c, unsigned id)
{
	char p[CFS_PATH_MAX];
	if (id < NVMET_PORT_ID_MIN || id > NVMET_PORT_ID_MAX)
		return -EPERM;
	int rc = nvmet_port_path(&p, id, NULL);
	return rc ? rc : nvmet_rmdir_gone_ok(c, p);
}

static int nvmet_port_link_paths(char (*link)[CFS_PATH_MAX], char (*target)[CFS_PATH_MAX], unsigned id,
				 const char *nqn)
{
	if (strlen(nqn) > NVMET_NQN_MAX)
		return -ENAMETOOLONG;
	int rc = nvmet_path(link, NVMET_PORTS "/%u/subsystems/%s", id, nqn);
	return rc ? rc : nvmet_path(target, NVMET_SUBSYS "/%s", nqn);
}

int nvmet_port_link(struct cfs *c, unsigned id, const char *nqn)
{
	char link[CFS_PATH_MAX], target[CFS_PATH_MAX];
	int rc = nvmet_port_link_paths(&link, &target, id, nqn);
	return rc ? rc : nvmet_link(c, target, link);
}

int nvmet_port_unlink(struct cfs *c, unsigned id, const char *nqn)
{
	char link[CFS_PATH_MAX], target[CFS_PATH_MAX];
	int rc = nvmet_port_link_paths(&link, &target, id, nqn);
	return rc ? rc : nvmet_unlink_gone_ok(c, link);
}
