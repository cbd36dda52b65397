/* SPDX-License-Identifier: Apache-2.0 */
/* nvmet.c: nvmet helpers, a volume's identities, subsystems and namespaces (see nvmet.h for the contract). */
#include "nvmet.h"
#include "nvmet_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nvmet_path(char (*buf)[CFS_PATH_MAX], const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(*buf, sizeof(*buf), fmt, ap);
	va_end(ap);
	return (n < 0 || (size_t)n >= sizeof(*buf)) ? -ENAMETOOLONG : 0;
}

int nvmet_mkdir(struct cfs *c, const char *path)
{
	int rc = cfs_mkdir(c, path);
	if (rc == -EEXIST)
		return 0;
	return rc ? rc : 1;
}

int nvmet_rmdir_gone_ok(struct cfs *c, const char *path)
{
	int rc = cfs_rmdir(c, path);
	return rc == -ENOENT ? 0 : rc;
}

int nvmet_unlink_gone_ok(struct cfs *c, const char *link)
{
	int rc = cfs_unlink(c, link);
	return rc == -ENOENT ? 0 : rc;
}

bool nvmet_shows(struct cfs *c, const char *path, const char *want, bool trim_spaces, bool nocase)
{
	char cur[CFS_PATH_MAX];
	int n = cfs_read(c, path, cur, sizeof(cur));
	if (n < 0)
		return false;
	while (trim_spaces && n > 0 && cur[n - 1] == ' ')
		cur[--n] = '\0';
	return nocase ? !strcasecmp(cur, want) : !strcmp(cur, want);
}

int nvmet_set(struct cfs *c, const char *path, const char *val, bool trim_spaces)
{
	return nvmet_shows(c, path, val, trim_spaces, false) ? 0 : cfs_write(c, path, val);
}

int nvmet_link(struct cfs *c, const char *target, const char *link)
{
	char have[CFS_PATH_MAX];
	int rc = cfs_symlink(c, target, link);
	if (rc != -EEXIST)
		return rc;
	rc = cfs_readlink(c, link, have, sizeof(have));
	return rc ? rc : strcmp(have, target) ? -EEXIST : 0;
}

bool nvmet_uuid_form(const char *s)
{
	for (int i = 0; i < NVMET_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return s[NVMET_UUID_LEN] == '\0';
}

int nvmet_ids_from_volume(const char *volume_id, struct nvmet_ids *ids)
{
	if (!nvmet_uuid_form(volume_id))
		return -EINVAL;
	size_t o = 0;
	for (int i = 0; i < NVMET_UUID_LEN; i++) {
		char ch = (char)tolower((unsigned char)volume_id[i]);
		ids->uuid[i] = ch;
		if (ch != '-' && o < NVMET_SERIAL_MAX)
			ids->serial[o++] = ch;
	}
	ids->uuid[NVMET_UUID_LEN] = '\0';
	ids->serial[o] = '\0';
	memcpy(ids->nguid, ids->uuid, sizeof(ids->nguid));
	return 0;
}

int nvmet_subsys_nqn(char *out, size_t size, const char *prefix, const char *volume_id)
{
	if (!prefix[0] || !volume_id[0])
		return -EINVAL;
	int n = snprintf(out, size, "%s:%s", prefix, volume_id);
	if (n < 0 || (size_t)n >= size || n > NVMET_NQN_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* ------------------------------------------------------------------ subsystem */

static bool nvmet_printable(const char *s, size_t max)
{
	size_t len = strlen(s);
	if (len == 0 || len > max)
		return false;
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

static int nvmet_subsys_path(char (*p)[CFS_PATH_MAX], const char *nqn, const char *attr)
{
	if (strlen(nqn) > NVMET_NQN_MAX)
		return -ENAMETOOLONG;
	return nvmet_path(p, NVMET_SUBSYS "/%s%s%s", nqn, attr ? "/" : "", attr ? attr : "");
}

int nvmet_subsys_create(struct cfs *c, const struct nvmet_subsys *s)
{
	char p[CFS_PATH_MAX];
	if ((s->serial && !nvmet_printable(s->serial, NVMET_SERIAL_MAX)) ||
	    (s->model && !nvmet_printable(s->model, NVMET_MODEL_MAX)))
		return -EINVAL;
	int rc = nvmet_subsys_path(&p, s->nqn, NULL);
	if (rc)
		return rc;
	int made = nvmet_mkdir(c, p);
	if (made < 0)
		return made;
	if (!(rc = nvmet_subsys_path(&p, s->nqn, "attr_allow_any_host")))
		rc = nvmet_set(c, p, "0", false);
	/* shown padded with spaces to 20 bytes */
	if (!rc && s->serial && !(rc = nvmet_subsys_path(&p, s->nqn, "attr_serial")))
		rc = nvmet_set(c, p, s->serial, true);
	if (!rc && s->model && !(rc = nvmet_subsys_path(&p, s->nqn, "attr_model")))
		rc = nvmet_set(c, p, s->model, false);
	if (rc && made == 1 && !nvmet_subsys_path(&p, s->nqn, NULL))
		cfs_rmdir(c, p);
	return rc;
}

int nvmet_subsys_remove(struct cfs *c, const char *nqn)
{
	char p[CFS_PATH_MAX];
	int rc = nvmet_subsys_path(&p, nqn, NULL);
	return rc ? rc : nvmet_rmdir_gone_ok(c, p);
}

/* ------------------------------------------------------------------ namespace */

static int nvmet_ns_path(char (*p)[CFS_PATH_MAX], const char *nqn, unsigned nsid, const char *attr)
{
	if (strlen(nqn) > NVMET_NQN_MAX)
		return -ENAMETOOLONG;
	return nvmet_path(p, NVMET_SUBSYS "/%s/namespaces/%u%s%s", nqn, nsid, attr ? "/" : "", attr ? attr : "");
}

/* The attributes the kernel refuses to change while the namespace is enabled, in the order written. */
static int nvmet_ns_attrs(const struct nvmet_ns *n, const char *const **names, const char *vals[3])
{
	static const char *const attrs[3] = { "device_path", "device_uuid", "device_nguid" };
	*names = attrs;
	vals[0] = n->dev;
	vals[1] = n->uuid;
	vals[2] = n->nguid;
	return 3;
}

/* An enabled namespace: in the wanted shape (0) or not (-EEXIST). */
static int nvmet_ns_check(struct cfs *c, const struct nvmet_ns *n)
{
	char p[CFS_PATH_MAX];
	const char *const *names;
	const char *vals[3];
	int k = nvmet_ns_attrs(n, &names, vals);
	for (int i = 0; i < k; i++) {
		int rc = nvmet_ns_path(&p, n->nqn, n->nsid, names[i]);
		if (rc)
			return rc;
		/* device_uuid and device_nguid are shown in lower case */
		if (!nvmet_shows(c, p, vals[i], false, i > 0))
			return -EEXIST;
	}
	return 0;
}

int nvmet_ns_create(struct cfs *c, const struct nvmet_ns *n)
{
	char p[CFS_PATH_MAX];
	if (n->nsid == 0 || n->nsid == 0xffffffffu || !n->dev[0] || strchr(n->dev, '\n') ||
	    !nvmet_uuid_form(n->uuid) || !nvmet_uuid_form(n->nguid))
		return -EINVAL;
	int rc = nvmet_ns_path(&p, n->nqn, n->nsid, NULL);
	if (rc)
		return rc;
	int made = nvmet_mkdir(c, p);
	if (made < 0)
		return made;
	if (!made && !(rc = nvmet_ns_path(&p, n->nqn, n->nsid, "enable")) && nvmet_shows(c, p, "1", false, false))
		return nvmet_ns_check(c, n);
	const char *const *names;
	const char *vals[3];
	int k = nvmet_ns_attrs(n, &names, vals);
	for (int i = 0; !rc && i < k; i++)
		if (!(rc = nvmet_ns_path(&p, n->nqn, n->nsid, names[i])))
			rc = nvmet_shows(c, p, vals[i], false, i > 0) ? 0 : cfs_write(c, p, vals[i]);
	if (!rc && !(rc = nvmet_ns_path(&p, n->nqn, n->nsid, "enable")))
		rc = cfs_write(c, p, "1");
	if (rc && made == 1 && !nvmet_ns_path(&p, n->nqn, n->nsid, NULL))
		cfs_rmdir(c, p);
	return rc;
}

int nvmet_ns_enable(struct cfs *c, const char *nqn, unsigned nsid, bool on)
{
	char p[CFS_PATH_MAX];
	int rc = nvmet_ns_path(&p, nqn, nsid, "enable");
	if (rc)
		return rc;
	rc = nvmet_set(c, p, on ? "1" : "0", false);
	return (!on && rc == -ENOENT) ? 0 : rc;
}

int nvmet_ns_remove(struct cfs *c, const char *nqn, unsigned nsid)
{
	char p[CFS_PATH_MAX];
	/* the kernel disables a namespace removed while enabled; disabling first keeps the order visible */
	int rc = nvmet_ns_enable(c, nqn, nsid, false);
	if (!rc && !(rc = nvmet_ns_path(&p, nqn, nsid, NULL)))
		rc = nvmet_rmdir_gone_ok(c, p);
	return rc;
}

int nvmet_ns_revalidate(struct cfs *c, const char *nqn, unsigned nsid)
{
	char p[CFS_PATH_MAX];
	int rc = nvmet_ns_path(&p, nqn, nsid, "revalidate_size");
	if (!rc)
		rc = cfs_write(c, p, "1");
	return rc == -ENOENT ? 1 : rc;
}

struct nvmet_purge {
	struct cfs *c;
	const char *nqn;
	int kind; /* 0 ports, 1 allowed hosts, 2 namespaces */
};

static int nvmet_purge_visit(const char *name, enum cfs_kind kind, void *arg)
{
	struct nvmet_purge *pg = arg;
	char p[CFS_PATH_MAX], *end;
	int rc;
	(void)kind;
	switch (pg->kind) {
	case 0:
		return (rc = nvmet_path(&p, NVMET_PORTS "/%s/subsystems/%s", name, pg->nqn)) ? rc : nvmet_unlink_gone_ok(pg->c, p);
	case 1:
		return (rc = nvmet_path(&p, NVMET_SUBSYS "/%s/allowed_hosts/%s", pg->nqn, name)) ? rc :
		       nvmet_unlink_gone_ok(pg->c, p);
	default: {
		unsigned long nsid = strtoul(name, &end, 0);
		return *end || nsid == 0 || nsid > 0xfffffffeul ? -EINVAL : nvmet_ns_remove(pg->c, pg->nqn, (unsigned)nsid);
	}
	}
}

int nvmet_subsys_purge(struct cfs *c, const char *nqn)
{
	char p[CFS_PATH_MAX];
	int rc = nvmet_subsys_path(&p, nqn, NULL);
	if (rc || (rc = cfs_exists(c, p)) <= 0)
		return rc;
	for (int k = 0; k < 3; k++) {
		struct nvmet_purge pg = { c, nqn, k };
		rc = k == 0 ? 0 : nvmet_subsys_path(&p, nqn, k == 1 ? "allowed_hosts" : "namespaces");
		if (!rc)
			rc = cfs_list(c, k == 0 ? NVMET_PORTS : p, nvmet_purge_visit, &pg);
		if (rc && rc != -ENOENT)
			return rc;
	}
	return nvmet_subsys_remove(c, nqn);
}
