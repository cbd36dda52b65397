/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_nvmet.c: the NVMe target's configfs tree (module nvmet): its default groups and attributes as data,
 * the names mkdir accepts, the values the kernel fills in at mkdir, and the rules of its two kinds of
 * links (a subsystem into a port's subsystems/, a host into a subsystem's allowed_hosts/). Read from
 * drivers/nvme/target/configfs.c, core.c and tcp.c of Debian's 6.1 (6.1.192) and 6.12 (6.12.118) sources
 * with Debian's configurations (6.1: no CONFIG_NVME_TARGET_AUTH, no passthru; 6.12: both, and TLS), and
 * checked against the trees captured on both kernels (tests/sim/golden/nvmet-*.txt, docs/KERNEL.md,
 * 'nvmet'). A port is enabled while subsystems are linked into it: that state is the links themselves.
 */
#include "tests/sim/sim_internal.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#define F(n, i) { n, 0, i, NULL }
#define FX(n, fl, i) { n, (fl), i, NULL }
#define D(n, t) { n, SIM_F_DIR, NULL, &(t) }
#define DX(n, fl, t) { n, SIM_F_DIR | (fl), NULL, &(t) }
#define END { NULL, 0, NULL, NULL }

static const struct sim_ent sim_nv_none[] = { END };

/* ------------------------------------------------------------------ templates */
/* namespace: device_path shows "(null)" until written (sprintf of a NULL string); device_uuid is random
 * (uuid_gen, filled in at mkdir); revalidate_size is write-only */
static const struct sim_ent sim_nv_ns_ents[] = {
	F("ana_grpid", "1\n"), F("buffered_io", "0\n"), F("device_nguid", "00000000-0000-0000-0000-000000000000\n"),
	F("device_path", "(null)\n"), F("device_uuid", ""), F("enable", "0\n"),
	FX("revalidate_size", SIM_F_WO, ""), END,
};
static const struct sim_tmpl sim_nv_ns = { sim_nv_ns_ents, SIM_K_NONE, EPERM, SIM_L_NONE };
static const struct sim_tmpl sim_nv_namespaces = { sim_nv_none, SIM_K_NVMET_NS, 0, SIM_L_NONE };
static const struct sim_tmpl sim_nv_allowed = { sim_nv_none, SIM_K_NONE, EPERM, SIM_L_ALLOWED_HOSTS };
/* CONFIG_NVME_TARGET_PASSTHRU: on Debian's 6.12 only */
static const struct sim_ent sim_nv_passthru_ents[] = {
	F("admin_timeout", "0\n"), F("clear_ids", "0\n"), F("device_path", "(null)\n"), F("enable", "0\n"),
	F("io_timeout", "0\n"), END,
};
static const struct sim_tmpl sim_nv_passthru = { sim_nv_passthru_ents, SIM_K_NONE, EPERM, SIM_L_NONE };
/* attr_serial is random (filled in at mkdir); attr_firmware is the release cut to 8 bytes */
static const struct sim_ent sim_nv_subsys_ents[] = {
	D("allowed_hosts", sim_nv_allowed), F("attr_allow_any_host", "0\n"), F("attr_cntlid_max", "65519\n"),
	F("attr_cntlid_min", "1\n"), FX("attr_firmware", SIM_F_K612, "6.12.0-s\n"),
	FX("attr_ieee_oui", SIM_F_K612, "0x000000\n"), F("attr_model", "Linux\n"), F("attr_pi_enable", "0\n"),
	F("attr_qid_max", "128\n"), F("attr_serial", ""), F("attr_version", "1.3\n"),
	D("namespaces", sim_nv_namespaces), DX("passthru", SIM_F_K612, sim_nv_passthru), END,
};
static const struct sim_tmpl sim_nv_subsys = { sim_nv_subsys_ents, SIM_K_NONE, EPERM, SIM_L_NONE };

static const struct sim_tmpl sim_nv_port_subsys = { sim_nv_none, SIM_K_NONE, EPERM, SIM_L_PORT_SUBSYS };
/* referrals and ANA groups have make_group in the kernel; making them is not modelled */
static const struct sim_tmpl sim_nv_referrals = { sim_nv_none, SIM_K_UNMODELLED, EPERM, SIM_L_NONE };
static const struct sim_ent sim_nv_ana_ents[] = { F("ana_state", "optimized\n"), END };
static const struct sim_tmpl sim_nv_ana = { sim_nv_ana_ents, SIM_K_NONE, EPERM, SIM_L_NONE };
static const struct sim_ent sim_nv_ana_groups_ents[] = { D("1", sim_nv_ana), END };
static const struct sim_tmpl sim_nv_ana_groups = { sim_nv_ana_groups_ents, SIM_K_UNMODELLED, EPERM, SIM_L_NONE };
/* a new port: no family (NVMF_ADDR_FAMILY_MAX shows nothing), no transport, treq "not specified" */
static const struct sim_ent sim_nv_port_ents[] = {
	F("addr_adrfam", "\n"), F("addr_traddr", "\n"), F("addr_treq", "not specified\n"), F("addr_trsvcid", "\n"),
	F("addr_trtype", "\n"), FX("addr_tsas", SIM_F_K612, "\n"), D("ana_groups", sim_nv_ana_groups),
	F("param_inline_data_size", "-1\n"), FX("param_max_queue_size", SIM_F_K612, "-1\n"),
	F("param_pi_enable", "0\n"), D("referrals", sim_nv_referrals), D("subsystems", sim_nv_port_subsys), END,
};
static const struct sim_tmpl sim_nv_port = { sim_nv_port_ents, SIM_K_NONE, EPERM, SIM_L_NONE };
/* CONFIG_NVME_TARGET_AUTH: on Debian's 6.12 only; 6.1's hosts are empty directories */
static const struct sim_ent sim_nv_host_ents[] = {
	FX("dhchap_ctrl_key", SIM_F_K612, "\n"), FX("dhchap_dhgroup", SIM_F_K612, "null\n"),
	FX("dhchap_hash", SIM_F_K612, "hmac(sha256)\n"), FX("dhchap_key", SIM_F_K612, "\n"), END,
};
static const struct sim_tmpl sim_nv_host = { sim_nv_host_ents, SIM_K_NONE, EPERM, SIM_L_NONE };

static const struct sim_tmpl sim_nv_hosts = { sim_nv_none, SIM_K_NVMET_HOST, 0, SIM_L_NONE };
static const struct sim_tmpl sim_nv_ports = { sim_nv_none, SIM_K_NVMET_PORT, 0, SIM_L_NONE };
static const struct sim_tmpl sim_nv_subsystems = { sim_nv_none, SIM_K_NVMET_SUBSYS, 0, SIM_L_NONE };
static const struct sim_ent sim_nv_root_ents[] = {
	FX("discovery_nqn", SIM_F_K612, "nqn.2014-08.org.nvmexpress.discovery\n"), D("hosts", sim_nv_hosts),
	D("ports", sim_nv_ports), D("subsystems", sim_nv_subsystems), END,
};
const struct sim_tmpl sim_tmpl_nvmet = { sim_nv_root_ents, SIM_K_NONE, EPERM, SIM_L_NONE };

int sim_is_nvmet(enum sim_kind k)
{
	return k == SIM_K_NVMET_SUBSYS || k == SIM_K_NVMET_NS || k == SIM_K_NVMET_PORT || k == SIM_K_NVMET_HOST;
}

const struct sim_tmpl *sim_nvmet_kind_tmpl(enum sim_kind k)
{
	switch (k) {
	case SIM_K_NVMET_SUBSYS: return &sim_nv_subsys;
	case SIM_K_NVMET_NS: return &sim_nv_ns;
	case SIM_K_NVMET_PORT: return &sim_nv_port;
	case SIM_K_NVMET_HOST: return &sim_nv_host;
	case SIM_K_NONE: case SIM_K_HBA: case SIM_K_SO: case SIM_K_FABRIC: case SIM_K_WWN: case SIM_K_TPG:
	case SIM_K_LUN: case SIM_K_NP: case SIM_K_ACL: case SIM_K_MLUN: case SIM_K_UNMODELLED:
		return NULL;
	}
	return NULL;
}

int sim_nvmet_setup(const char *root, enum sim_kernel k)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = sim_is_dir(fd, "nvmet");
	if (rc >= 0)
		rc = -EEXIST;
	else if (rc == -ENOENT)
		rc = mkdirat(fd, "nvmet", 0755) ? -errno : sim_populate(fd, k, "nvmet", &sim_tmpl_nvmet, "nvmet");
	if (rc && rc != -EEXIST)
		sim_rm_rf(fd, "nvmet");
	close(fd);
	return rc;
}

/* ------------------------------------------------------------------ names */
int sim_nvmet_name_check(struct cfs *c, enum sim_kernel k, enum sim_kind kind, const char *name)
{
	unsigned nsid;
	unsigned short port;
	char disc[256];
	switch (kind) {
	case SIM_K_NVMET_SUBSYS:
		/* nvmet_subsys_make: never the discovery subsystem's NQN (on 6.12 also the one configured in
		 * discovery_nqn); any other name, of which the kernel keeps 223 bytes */
		if (!strcmp(name, "nqn.2014-08.org.nvmexpress.discovery"))
			return -EINVAL;
		if (k == SIM_KERNEL_6_12 && sim_get(c->rootfd, "nvmet/discovery_nqn", disc, sizeof(disc)) > 0) {
			disc[strcspn(disc, "\n")] = '\0';
			if (!strcmp(name, disc))
				return -EINVAL;
		}
		return 0;
	case SIM_K_NVMET_NS: {
		/* nvmet_ns_make: kstrtou32's error, then 0 and 0xffffffff are EINVAL */
		int rc = sim_kstrtou32(name, 0, &nsid);
		if (rc)
			return rc;
		return (nsid == 0 || nsid == 0xffffffffu) ? -EINVAL : 0;
	}
	case SIM_K_NVMET_PORT:
		/* nvmet_ports_make: any kstrtou16 failure is EINVAL */
		return sim_kstrtou16(name, 0, &port) ? -EINVAL : 0;
	case SIM_K_NVMET_HOST:
		return 0; /* nvmet_hosts_make_group takes any name */
	case SIM_K_NONE: case SIM_K_HBA: case SIM_K_SO: case SIM_K_FABRIC: case SIM_K_WWN: case SIM_K_TPG:
	case SIM_K_LUN: case SIM_K_NP: case SIM_K_ACL: case SIM_K_MLUN: case SIM_K_UNMODELLED:
		break;
	}
	return -EPERM;
}

/* ------------------------------------------------------------------ values set at mkdir */
static void sim_nv_random(unsigned char *b, size_t n)
{
	if (getrandom(b, n, 0) != (ssize_t)n)
		for (size_t i = 0; i < n; i++)
			b[i] = (unsigned char)(i * 37 + 11);
}

int sim_nvmet_after_mkdir(struct cfs *c, enum sim_kind kind, const char *rel)
{
	char path[CFS_PATH_MAX], buf[64];
	unsigned char r[16];
	int rc = 0;
	switch (kind) {
	case SIM_K_NVMET_SUBSYS:
		/* nvmet_subsys_alloc: a random serial, 10 bytes as 20 hex digits */
		sim_nv_random(r, 10);
		for (int i = 0; i < 10; i++)
			snprintf(buf + 2 * i, 3, "%02x", r[i]);
		strcat(buf, "\n");
		rc = sim_join(path, sizeof(path), rel, "attr_serial");
		return rc ? rc : sim_put(c->rootfd, path, buf);
	case SIM_K_NVMET_NS:
		/* nvmet_ns_alloc: uuid_gen, a random (version 4) UUID */
		sim_nv_random(r, 16);
		r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
		r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
		snprintf(buf, sizeof(buf), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n", r[0],
			 r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
		rc = sim_join(path, sizeof(path), rel, "device_uuid");
		return rc ? rc : sim_put(c->rootfd, path, buf);
	case SIM_K_NVMET_PORT:
	case SIM_K_NVMET_HOST:
		return 0;
	case SIM_K_NONE: case SIM_K_HBA: case SIM_K_SO: case SIM_K_FABRIC: case SIM_K_WWN: case SIM_K_TPG:
	case SIM_K_LUN: case SIM_K_NP: case SIM_K_ACL: case SIM_K_MLUN: case SIM_K_UNMODELLED:
		break;
	}
	return rc;
}

/* ------------------------------------------------------------------ links */
struct sim_nv_dup {
	const char *target;
	int found;
};

/* Is there already a link in @dir to @target? (allow_link's list of the port's subsystems or of the
 * subsystem's hosts, whatever the links are named) */
static int sim_nv_linked(struct cfs *c, const char *dir, const char *target)
{
	int fd = openat(c->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	int found = 0;
	struct dirent *de;
	while (!found && (de = readdir(d))) {
		char link[CFS_PATH_MAX], t[CFS_PATH_MAX];
		if (de->d_name[0] == '.' || sim_join(link, sizeof(link), dir, de->d_name) ||
		    sim_link_resolve(c, link, t, sizeof(t)))
			continue;
		found = !strcmp(t, target);
	}
	closedir(d);
	return found;
}

int sim_nvmet_port_enabled(struct cfs *c, const char *port)
{
	char dir[CFS_PATH_MAX], any[CFS_PATH_MAX];
	return !sim_join(dir, sizeof(dir), port, "subsystems") && sim_dir_link(c, dir, any, sizeof(any)) == 1;
}

static int sim_nv_attr(struct cfs *c, const char *obj, const char *attr, char *buf, size_t size)
{
	char path[CFS_PATH_MAX];
	int rc = sim_join(path, sizeof(path), obj, attr);
	if (!rc)
		rc = sim_get(c->rootfd, path, buf, size);
	if (rc >= 0)
		buf[strcspn(buf, "\n")] = '\0';
	return rc < 0 ? rc : 0;
}

/* A port's address as nvmet_tcp_add_port takes it: family from addr_adrfam, then inet_pton_with_scope. */
struct sim_nv_addr {
	int family;
	unsigned char a[16];
	unsigned short port;
};

static int sim_nv_port_addr(struct cfs *c, const char *port, struct sim_nv_addr *out)
{
	char trtype[16], adrfam[16], traddr[300], trsvcid[64];
	memset(out, 0, sizeof(*out));
	if (sim_nv_attr(c, port, "addr_trtype", trtype, sizeof(trtype)) ||
	    sim_nv_attr(c, port, "addr_adrfam", adrfam, sizeof(adrfam)) ||
	    sim_nv_attr(c, port, "addr_traddr", traddr, sizeof(traddr)) ||
	    sim_nv_attr(c, port, "addr_trsvcid", trsvcid, sizeof(trsvcid)))
		return -EINVAL;
	/* only the tcp transport is modelled (rdma, fc, loop: their modules are not in the rig's image) */
	if (strcmp(trtype, "tcp"))
		return -EINVAL;
	if (!strcmp(adrfam, "ipv4"))
		out->family = AF_INET;
	else if (!strcmp(adrfam, "ipv6"))
		out->family = AF_INET6;
	else
		return -EINVAL; /* "address family %d not supported" */
	if (inet_pton(out->family, traddr, out->a) != 1 || sim_kstrtou16(trsvcid, 10, &out->port))
		return -EINVAL; /* "malformed ip/port passed" */
	return 0;
}

struct sim_nv_inuse {
	struct cfs *c;
	const char *self;
	const struct sim_nv_addr *want;
};

/* Another enabled port listening on the same address: bind() fails with EADDRINUSE. */
static int sim_nv_inuse_cb(const char *link, const char *target, void *arg)
{
	struct sim_nv_inuse *u = arg;
	char port[CFS_PATH_MAX];
	struct sim_nv_addr a;
	(void)target;
	if (strncmp(link, "nvmet/ports/", 12) || sim_prefix(link, 3, port, sizeof(port)) || !strcmp(port, u->self))
		return 0;
	if (sim_nv_port_addr(u->c, port, &a))
		return 0;
	return a.family == u->want->family && a.port == u->want->port && !memcmp(a.a, u->want->a, sizeof(a.a));
}

int sim_nvmet_allow_link(struct cfs *c, const char *parent, const struct sim_node *pn, const struct sim_node *tn)
{
	char buf[16];
	switch (pn->dir->links) {
	case SIM_L_PORT_SUBSYS: {
		/* nvmet_port_subsys_allow_link: only subsystems; EEXIST for one already linked; the first link
		 * enables the port (nvmet_enable_port: the transport's add_port binds and listens) */
		struct sim_nv_addr a;
		if (tn->unknown || !tn->is_obj || tn->kind != SIM_K_NVMET_SUBSYS)
			return -EINVAL;
		if (sim_nv_linked(c, parent, tn->obj))
			return -EEXIST;
		if (sim_nvmet_port_enabled(c, pn->obj))
			return 0;
		int rc = sim_nv_port_addr(c, pn->obj, &a);
		if (rc)
			return rc;
		struct sim_nv_inuse u = { c, pn->obj, &a };
		return sim_for_each_link(c, sim_nv_inuse_cb, &u) ? -EADDRINUSE : 0;
	}
	case SIM_L_ALLOWED_HOSTS:
		/* nvmet_allowed_hosts_allow_link: only hosts; not while allow_any_host is set (EINVAL); the same
		 * host name twice is EEXIST */
		if (tn->unknown || !tn->is_obj || tn->kind != SIM_K_NVMET_HOST)
			return -EINVAL;
		if (!sim_nv_attr(c, pn->obj, "attr_allow_any_host", buf, sizeof(buf)) && !strcmp(buf, "1"))
			return -EINVAL;
		return sim_nv_linked(c, parent, tn->obj) ? -EEXIST : 0;
	case SIM_L_NONE:
		break;
	}
	return -EPERM;
}
