/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_rules.c: what a path is (sim_resolve) and which names mkdir accepts for each kind of object
 * (sim_name_check), with the kernel's error codes. Classification uses the path text and the
 * templates only, so it needs no state; name checks that depend on siblings read the tree.
 */
#include "tests/sim/sim_internal.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sim_resolve(enum sim_kernel k, const char *rel, struct sim_node *n)
{
	memset(n, 0, sizeof(*n));
	n->dir = &sim_tmpl_root;
	n->sub = rel;
	size_t objlen = 0;
	const char *p = rel;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const struct sim_ent *ent = n->dir ? sim_tmpl_find(k, n->dir, p, len) : NULL;
		if (!n->dir) {
			n->unknown = 1; /* below an attribute file */
			n->file = NULL;
			return 0;
		}
		if (ent) {
			n->is_obj = 0;
			n->file = (ent->flags & SIM_F_DIR) ? NULL : ent;
			n->dir = (ent->flags & SIM_F_DIR) ? ent->sub : NULL;
		} else if (n->dir->child != SIM_K_NONE && n->dir->child != SIM_K_UNMODELLED) {
			n->kind = n->dir->child;
			n->is_obj = 1;
			n->dir = sim_kind_tmpl(n->kind);
			n->file = NULL;
			objlen = (size_t)(p - rel) + len;
		} else {
			/* not a default child and no make_group: a link, or something the kernel has not */
			n->unknown = 1;
			n->dir = NULL;
			n->file = NULL;
			return 0;
		}
		p += len;
		if (*p == '/')
			p++;
	}
	if (objlen >= sizeof(n->obj))
		return -ENAMETOOLONG;
	memcpy(n->obj, rel, objlen);
	n->obj[objlen] = '\0';
	n->sub = rel + objlen + (rel[objlen] == '/');
	return 0;
}

/* target_core_call_addhbatotarget + core_alloc_hba: "<plugin>_<id>", where rd_mcp keeps its '_'. */
static int sim_check_hba(const char *name)
{
	static const char *const plugins[] = { "iblock", "fileio", "pscsi", "rd_mcp", "user", NULL };
	char buf[64]; /* TARGET_CORE_NAME_MAX_LEN */
	if (strlen(name) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, name);
	char *us = strchr(buf, '_');
	if (!us)
		return -EINVAL;
	char *us2 = strchr(us + 1, '_');
	char *id = us2 ? us2 + 1 : us + 1;
	*(us2 ? us2 : us) = '\0';
	unsigned long long v;
	int rc = sim_kstrtoull(id, 0, &v);
	if (rc)
		return rc;
	for (int i = 0; plugins[i]; i++)
		if (!strcmp(buf, plugins[i]))
			return 0;
	return -EINVAL; /* no such backend */
}

/* lio_target_call_addnptotpg: "[v6]:port" or "v4:port", then inet_pton_with_scope(AF_UNSPEC).
 * Every failure surfaces as EINVAL (target_fabric_make_np maps errors to EINVAL). */
static int sim_parse_portal(const char *name, struct sockaddr_in6 *sa6, struct sockaddr_in *sa4,
			    int *family)
{
	char buf[257]; /* MAX_PORTAL_LEN + 1 */
	if (strlen(name) > 256)
		return -EINVAL;
	strcpy(buf, name);
	char *ip, *port;
	char *lb = strchr(buf, '[');
	if (lb) {
		char *rb = strchr(lb, ']');
		if (!rb)
			return -EINVAL;
		ip = lb + 1;
		*rb = '\0';
		port = strchr(rb + 1, ':');
	} else {
		ip = buf;
		port = strchr(ip, ':');
	}
	if (!port)
		return -EINVAL;
	*port++ = '\0';
	unsigned short p16;
	if (sim_kstrtou16(port, 0, &p16))
		return -EINVAL;
	memset(sa4, 0, sizeof(*sa4));
	memset(sa6, 0, sizeof(*sa6));
	if (inet_pton(AF_INET, ip, &sa4->sin_addr) == 1) {
		*family = AF_INET;
		sa4->sin_port = htons(p16);
		return 0;
	}
	char *pct = strchr(ip, '%');
	if (pct) {
		/* a numeric scope id only: interface names are not resolved here */
		unsigned scope;
		if (sim_kstrtou32(pct + 1, 10, &scope))
			return -EINVAL;
		*pct = '\0';
		sa6->sin6_scope_id = scope;
	}
	if (inet_pton(AF_INET6, ip, &sa6->sin6_addr) != 1)
		return -EINVAL;
	*family = AF_INET6;
	sa6->sin6_port = htons(p16);
	return 0;
}

static int sim_same_portal(const char *a, const char *b)
{
	struct sockaddr_in6 a6, b6;
	struct sockaddr_in a4, b4;
	int fa, fb;
	if (sim_parse_portal(a, &a6, &a4, &fa) || sim_parse_portal(b, &b6, &b4, &fb) || fa != fb)
		return 0;
	if (fa == AF_INET)
		return a4.sin_port == b4.sin_port && a4.sin_addr.s_addr == b4.sin_addr.s_addr;
	return a6.sin6_port == b6.sin6_port &&
	       !memcmp(&a6.sin6_addr, &b6.sin6_addr, sizeof(a6.sin6_addr));
}

/* iscsit_tpg_check_network_portal: a portal may serve many targets, but within one target only
 * one TPG (the own TPG included: "1.2.3.4:3260" and "1.2.3.4:0xcbc" are the same portal).
 * @parent is .../<iqn>/tpgt_N/np. */
static int sim_portal_taken(struct cfs *c, const char *parent, const char *name)
{
	char wwn[CFS_PATH_MAX];
	if (sim_prefix(parent, 3, wwn, sizeof(wwn)))
		return 0;
	int fd = openat(c->rootfd, wwn, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	int taken = 0;
	struct dirent *de;
	while (!taken && (de = readdir(d))) {
		char tpg[CFS_PATH_MAX], np[CFS_PATH_MAX];
		if (de->d_name[0] == '.' || sim_join(tpg, sizeof(tpg), wwn, de->d_name) ||
		    sim_join(np, sizeof(np), tpg, "np"))
			continue;
		int nfd = openat(c->rootfd, np, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (nfd < 0)
			continue;
		DIR *nd = fdopendir(nfd);
		if (!nd) {
			close(nfd);
			continue;
		}
		struct dirent *ne;
		while (!taken && (ne = readdir(nd)))
			taken = ne->d_name[0] != '.' && sim_same_portal(ne->d_name, name);
		closedir(nd);
	}
	closedir(d);
	return taken;
}

int sim_name_check(struct cfs *c, enum sim_kernel k, enum sim_kind kind, const char *parent,
		   const char *name)
{
	unsigned long long v;
	unsigned short tpgt;
	switch (kind) {
	case SIM_K_HBA:
		return sim_check_hba(name);
	case SIM_K_SO:
	case SIM_K_ACL:
		/* any name: the kernel does not validate initiator names either */
		return 0;
	case SIM_K_FABRIC:
		/* target_core_register_fabric: only fabrics whose module is there; iscsi is modelled */
		return strcmp(name, "iscsi") ? -EINVAL : 0;
	case SIM_K_WWN:
		/* iscsit_add_tiqn: strlen >= ISCSI_IQN_LEN (224); no format check */
		return strlen(name) >= 224 ? -EINVAL : 0;
	case SIM_K_TPG: {
		/* lio_target_tiqn_addtpg: strstr("tpgt_") then kstrtou16; any failure is EINVAL */
		const char *t = strstr(name, "tpgt_");
		return (!t || sim_kstrtou16(t + 5, 0, &tpgt)) ? -EINVAL : 0;
	}
	case SIM_K_LUN:
	case SIM_K_MLUN:
		/* target_fabric_make_lun / make_mappedlun: "lun_" prefix, then kstrtoull's own error */
		if (strncmp(name, "lun_", 4))
			return -EINVAL;
		return sim_kstrtoull(name + 4, 0, &v);
	case SIM_K_NP: {
		struct sockaddr_in6 sa6;
		struct sockaddr_in sa4;
		int family;
		int rc = sim_parse_portal(name, &sa6, &sa4, &family);
		if (rc)
			return rc;
		return sim_portal_taken(c, parent, name) ? -EINVAL : 0;
	}
	case SIM_K_NVMET_SUBSYS:
	case SIM_K_NVMET_NS:
	case SIM_K_NVMET_PORT:
	case SIM_K_NVMET_HOST:
		return sim_nvmet_name_check(c, k, kind, name);
	case SIM_K_NONE:
	case SIM_K_UNMODELLED:
		return -EPERM;
	}
	return -EPERM;
}
