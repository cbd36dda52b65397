/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_tree.c: building what the kernel shows without being asked: the base tree of target_core_mod
 * (sim_setup) and the default groups and attributes that appear with each object made by mkdir,
 * including the few values the kernel copies from elsewhere at that moment.
 */
#include "tests/sim/sim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *sim_release(enum sim_kernel k)
{
	switch (k) {
	case SIM_KERNEL_6_1:
		return "6.1.0-sim";
	case SIM_KERNEL_6_12:
		return "6.12.0-sim";
	}
	return "6.1.0-sim";
}

/* Expand the placeholders of a template's initial content. */
static int sim_expand(char *out, size_t size, const char *init, enum sim_kernel k, const char *name)
{
	size_t o = 0;
	for (const char *p = init; *p;) {
		char val[300];
		const char *rep = NULL;
		size_t skip = 0;
		if (!strncmp(p, "@NAME@", 6)) {
			rep = name;
			skip = 6;
		} else if (!strncmp(p, "@VERSION@", 9)) {
			/* target_core_item_version_show */
			snprintf(val, sizeof(val),
				 "Target Engine Core ConfigFS Infrastructure v5.0 on Linux/x86_64 on %s",
				 sim_release(k));
			rep = val;
			skip = 9;
		} else if (!strncmp(p, "@CPUS@", 6)) {
			long n = sysconf(_SC_NPROCESSORS_CONF);
			if (n > 1)
				snprintf(val, sizeof(val), "0-%ld", n - 1);
			else
				snprintf(val, sizeof(val), "0");
			rep = val;
			skip = 6;
		}
		size_t len = rep ? strlen(rep) : 1;
		if (o + len + 1 > size)
			return -ENAMETOOLONG;
		memcpy(out + o, rep ? rep : p, len);
		o += len;
		p += rep ? skip : 1;
	}
	out[o] = '\0';
	return 0;
}

int sim_populate(int rootfd, enum sim_kernel k, const char *rel, const struct sim_tmpl *t,
		 const char *objname)
{
	for (const struct sim_ent *e = t->ents; e->name; e++) {
		char path[CFS_PATH_MAX], content[SIM_PAGE];
		if (!sim_ent_on(k, e))
			continue;
		int rc = sim_join(path, sizeof(path), rel, e->name);
		if (rc)
			return rc;
		if (e->flags & SIM_F_DIR) {
			if (mkdirat(rootfd, path, 0755))
				return -errno;
			rc = sim_populate(rootfd, k, path, e->sub, objname);
		} else {
			rc = sim_expand(content, sizeof(content), e->init, k, objname);
			if (!rc)
				rc = sim_put(rootfd, path, content);
		}
		if (rc)
			return rc;
	}
	return 0;
}

int sim_setup(const char *root, enum sim_kernel k)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = 0;
	struct stat st;
	if (!fstatat(fd, "target", &st, AT_SYMLINK_NOFOLLOW))
		rc = -EEXIST;
	else if (mkdirat(fd, "target", 0755))
		rc = -errno;
	else
		rc = sim_populate(fd, k, "target", &sim_tmpl_target, "target");
	if (rc && rc != -EEXIST)
		sim_rm_rf(fd, "target");
	close(fd);
	return rc;
}

/* Values the kernel fills in when the object is made, from its name or from its parents. */
int sim_after_mkdir(struct cfs *c, enum sim_kind kind, const char *rel)
{
	char path[CFS_PATH_MAX], buf[SIM_PAGE];
	int rc = 0;
	switch (kind) {
	case SIM_K_HBA: {
		/* target_hba_info_show: "HBA Index: %d plugin: %s version: %s" */
		char plugin[64];
		snprintf(plugin, sizeof(plugin), "%s", sim_basename(rel));
		char *us = strrchr(plugin, '_');
		if (us)
			*us = '\0';
		snprintf(buf, sizeof(buf), "HBA Index: %s plugin: %s version: v5.0\n",
			 us ? us + 1 : "0", plugin);
		rc = sim_join(path, sizeof(path), rel, "hba_info");
		return rc ? rc : sim_put(c->rootfd, path, buf);
	}
	case SIM_K_SO: {
		struct sim_so s;
		rc = sim_so_load(c, rel, &s);
		return rc ? rc : sim_so_save_info(c, rel, &s);
	}
	case SIM_K_ACL: {
		/* the node ACL's queue depth starts as the TPG's default_cmdsn_depth */
		char tpg[CFS_PATH_MAX];
		rc = sim_prefix(rel, 4, tpg, sizeof(tpg));
		if (!rc)
			rc = sim_join(path, sizeof(path), tpg, "attrib/default_cmdsn_depth");
		if (!rc && sim_get(c->rootfd, path, buf, sizeof(buf)) > 0) {
			rc = sim_join(path, sizeof(path), rel, "cmdsn_depth");
			if (!rc)
				rc = sim_put(c->rootfd, path, buf);
		}
		return rc;
	}
	case SIM_K_FABRIC:
		return sim_module_restore(c, rel); /* the module's discovery ACL outlived an rmdir */
	case SIM_K_NVMET_SUBSYS:
	case SIM_K_NVMET_NS:
	case SIM_K_NVMET_PORT:
	case SIM_K_NVMET_HOST:
		return sim_nvmet_after_mkdir(c, kind, rel);
	case SIM_K_NONE:
	case SIM_K_WWN:
	case SIM_K_TPG:
	case SIM_K_LUN:
	case SIM_K_NP:
	case SIM_K_MLUN:
	case SIM_K_UNMODELLED:
		break;
	}
	return rc;
}
