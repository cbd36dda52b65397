/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_nvmet_attr.c: what a write to an nvmet attribute does: the store() rules of
 * drivers/nvme/target/configfs.c (and auth.c for the DH-HMAC-CHAP keys) for the attributes of subsystems,
 * namespaces, ports and hosts, with the kernel's error codes and the text show() prints afterwards. A
 * namespace keeps its state in `enable`, a port in its links (enabled while a subsystem is linked).
 * Attributes without a rule here keep what was written.
 */
#include "tests/sim/sim_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct sim_nw {
	struct cfs *c;
	enum sim_kernel k;
	const struct sim_node *n;
	const char *rel;
	const char *page; /* what store() gets: at most SIM_PAGE - 1 bytes */
	size_t count;
	char out[SIM_PAGE + 2];
	int keep;         /* leave the file as it is */
};

static int nw_get(struct sim_nw *w, const char *sub, char *buf, size_t size)
{
	char path[CFS_PATH_MAX];
	int rc = sim_join(path, sizeof(path), w->n->obj, sub);
	if (!rc)
		rc = sim_get(w->c->rootfd, path, buf, size);
	if (rc >= 0)
		buf[strcspn(buf, "\n")] = '\0';
	return rc < 0 ? rc : 0;
}

static int nw_put(struct sim_nw *w, const char *sub, const char *val)
{
	char path[CFS_PATH_MAX];
	int rc = sim_join(path, sizeof(path), w->n->obj, sub);
	return rc ? rc : sim_put(w->c->rootfd, path, val);
}

static int nw_plain(struct sim_nw *w)
{
	size_t n = w->count;
	memcpy(w->out, w->page, n);
	if (!n || w->out[n - 1] != '\n')
		w->out[n++] = '\n';
	w->out[n] = '\0';
	return 0;
}

/* sysfs_streq: equal, but a trailing newline on either side is ignored */
static int nw_streq(const char *page, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(page, name, n) && (page[n] == '\0' || (page[n] == '\n' && page[n + 1] == '\0'));
}

/* One of @names by sysfs_streq; shown as the name. -EINVAL if none. */
static int nw_choice(struct sim_nw *w, const char *const *names)
{
	for (; *names; names++)
		if (nw_streq(w->page, *names)) {
			snprintf(w->out, sizeof(w->out), "%s\n", *names);
			return 0;
		}
	return -EINVAL;
}

static int nw_bool(struct sim_nw *w, int *v)
{
	int rc = sim_kstrtobool(w->page, v);
	return rc ? -EINVAL : 0;
}

/* ------------------------------------------------------------------ subsystem */
static int nw_allow_any_host(struct sim_nw *w)
{
	char dir[CFS_PATH_MAX], any[CFS_PATH_MAX];
	int v;
	if (nw_bool(w, &v))
		return -EINVAL;
	/* "Can't set allow_any_host when explicit hosts are set!" */
	if (v && !sim_join(dir, sizeof(dir), w->n->obj, "allowed_hosts") && sim_dir_link(w->c, dir, any, sizeof(any)) == 1)
		return -EINVAL;
	snprintf(w->out, sizeof(w->out), "%d\n", v);
	return 0;
}

static int nw_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

/* Serial: 1-20 printable bytes up to a newline, padded with spaces to 20 and shown so. No host ever
 * identifies a simulated subsystem, so the freeze after discovery (EINVAL) never applies here. */
static int nw_serial(struct sim_nw *w)
{
	size_t len = strcspn(w->page, "\n");
	if (!len || len > 20 || !nw_ascii(w->page, len))
		return -EINVAL;
	snprintf(w->out, sizeof(w->out), "%-20.*s\n", (int)len, w->page);
	return 0;
}

static int nw_model(struct sim_nw *w)
{
	size_t len = strcspn(w->page, "\n");
	if (!len || len > 40 || !nw_ascii(w->page, len))
		return -EINVAL;
	snprintf(w->out, sizeof(w->out), "%.*s\n", (int)len, w->page);
	return 0;
}

/* ------------------------------------------------------------------ namespace */
static int nw_ns_enabled(struct sim_nw *w)
{
	char cur[8];
	return !nw_get(w, "enable", cur, sizeof(cur)) && !strcmp(cur, "1");
}

static int nw_device_path(struct sim_nw *w)
{
	if (nw_ns_enabled(w))
		return -EBUSY;
	size_t len = strcspn(w->page, "\n");
	if (!len)
		return -EINVAL;
	snprintf(w->out, sizeof(w->out), "%.*s\n", (int)len, w->page);
	return 0;
}

/* uuid_parse: the first 36 bytes in the 8-4-4-4-12 form; shown in lower case (%pUb) */
static int nw_device_uuid(struct sim_nw *w)
{
	if (nw_ns_enabled(w))
		return -EBUSY;
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? w->page[i] != '-' : !isxdigit((unsigned char)w->page[i]))
			return -EINVAL;
	}
	for (int i = 0; i < 36; i++)
		w->out[i] = (char)tolower((unsigned char)w->page[i]);
	strcpy(w->out + 36, "\n");
	return 0;
}

/* 16 hex pairs, each optionally followed by '-' or ':'; shown as a UUID (%pUb) */
static int nw_device_nguid(struct sim_nw *w)
{
	unsigned char b[16];
	const char *p = w->page, *end = w->page + w->count;
	if (nw_ns_enabled(w))
		return -EBUSY;
	for (int i = 0; i < 16; i++) {
		if (p + 2 > end || !isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
			return -EINVAL;
		unsigned v;
		sscanf(p, "%2x", &v);
		b[i] = (unsigned char)v;
		p += 2;
		if (*p == '-' || *p == ':')
			p++;
	}
	snprintf(w->out, sizeof(w->out), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n", b[0],
		 b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

/* Another enabled namespace of the subsystem with the same number ("1" and "0x1"): xa_insert's EBUSY. */
static int nw_nsid_taken(struct sim_nw *w)
{
	char dir[CFS_PATH_MAX], other[CFS_PATH_MAX], cur[8];
	unsigned mine, theirs;
	snprintf(dir, sizeof(dir), "%s", w->n->obj);
	char *slash = strrchr(dir, '/');
	if (!slash || sim_kstrtou32(slash + 1, 0, &mine))
		return 0;
	*slash = '\0';
	int fd = openat(w->c->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int taken = 0;
	DIR *d = fdopendir(fd);
	struct dirent *de;
	while (d && !taken && (de = readdir(d))) {
		if (de->d_name[0] == '.' || sim_kstrtou32(de->d_name, 0, &theirs) || theirs != mine ||
		    sim_join(other, sizeof(other), dir, de->d_name) || !strcmp(other, w->n->obj) ||
		    sim_join(other + strlen(other), sizeof(other) - strlen(other), "", "/enable"))
			continue;
		taken = sim_get(w->c->rootfd, other, cur, sizeof(cur)) > 0 && cur[0] == '1';
	}
	if (d)
		closedir(d);
	else
		close(fd);
	return taken;
}

/* nvmet_ns_enable: a no-op when enabled; the block device, or else (ENOTBLK) the file, is opened:
 * no path written: EINVAL (lookup_bdev of NULL); missing: ENOENT; a directory: EISDIR. */
static int nw_ns_enable(struct sim_nw *w)
{
	char path[SIM_PAGE];
	struct stat st;
	int v;
	if (nw_bool(w, &v))
		return -EINVAL;
	if (!v || nw_ns_enabled(w)) {
		snprintf(w->out, sizeof(w->out), "%d\n", v);
		return 0;
	}
	if (nw_get(w, "device_path", path, sizeof(path)) || !strcmp(path, "(null)"))
		return -EINVAL;
	if (stat(path, &st))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))
		return -EINVAL; /* not modelled: what opening another kind of file answers */
	if (nw_nsid_taken(w))
		return -EBUSY;
	snprintf(w->out, sizeof(w->out), "1\n");
	return 0;
}

static int nw_buffered_io(struct sim_nw *w)
{
	int v;
	if (nw_bool(w, &v) || nw_ns_enabled(w))
		return -EINVAL; /* "disable ns before setting buffered_io value." */
	snprintf(w->out, sizeof(w->out), "%d\n", v);
	return 0;
}

static int nw_revalidate(struct sim_nw *w)
{
	int v;
	w->keep = 1;
	return (nw_bool(w, &v) || !v || !nw_ns_enabled(w)) ? -EINVAL : 0;
}

/* ------------------------------------------------------------------ port: nothing changes while enabled */
static int nw_port_open(struct sim_nw *w)
{
	return sim_nvmet_port_enabled(w->c, w->n->obj) ? -EACCES : 0; /* "Disable port ... before changing" */
}

static int nw_adrfam(struct sim_nw *w)
{
	/* the kernel's table starts with "pcie", which its loop skips: "pcie" is EINVAL */
	static const char *const fam[] = { "ipv4", "ipv6", "ib", "fc", "loop", NULL };
	return nw_port_open(w) ?: nw_choice(w, fam);
}

static int nw_trtype(struct sim_nw *w)
{
	static const char *const tr[] = { "rdma", "fc", "tcp", "loop", NULL };
	int rc = nw_port_open(w) ?: nw_choice(w, tr);
	/* 6.12: the transport resets addr_tsas (tcp: sectype none, rdma: qptype connected) */
	if (!rc && w->k == SIM_KERNEL_6_12)
		rc = nw_put(w, "addr_tsas", nw_streq(w->page, "tcp") ? "none\n" : nw_streq(w->page, "rdma") ? "connected\n"
											 : "\n");
	return rc;
}

static int nw_treq(struct sim_nw *w)
{
	static const char *const treq[] = { "not specified", "required", "not required", NULL };
	return nw_port_open(w) ?: nw_choice(w, treq);
}

/* 6.12's addr_tsas: tcp takes none or tls1.3 (which needs the kernel's keyring: none here, EINVAL) */
static int nw_tsas(struct sim_nw *w)
{
	char tr[16];
	int rc = nw_port_open(w);
	if (rc)
		return rc;
	if (nw_get(w, "addr_trtype", tr, sizeof(tr)) || strcmp(tr, "tcp") || !nw_streq(w->page, "none"))
		return -EINVAL;
	snprintf(w->out, sizeof(w->out), "none\n");
	return 0;
}

/* traddr (256) and trsvcid (32): too long is EINVAL before the enabled check; sscanf("%s") keeps the
 * first word, and no word is EINVAL */
static int nw_addr_word(struct sim_nw *w, size_t max)
{
	if (w->count > max)
		return -EINVAL;
	int rc = nw_port_open(w);
	if (rc)
		return rc;
	const char *p = w->page;
	while (isspace((unsigned char)*p))
		p++;
	size_t len = 0;
	while (p[len] && !isspace((unsigned char)p[len]))
		len++;
	if (!len)
		return -EINVAL;
	snprintf(w->out, sizeof(w->out), "%.*s\n", (int)(len < max ? len : max - 1), p);
	return 0;
}

static int nw_traddr(struct sim_nw *w)
{
	return nw_addr_word(w, 256);
}

static int nw_trsvcid(struct sim_nw *w)
{
	return nw_addr_word(w, 32);
}

static int nw_port_int(struct sim_nw *w)
{
	int v, rc = nw_port_open(w);
	if (rc)
		return rc;
	if (sim_kstrtos32(w->page, 0, &v))
		return -EINVAL;
	snprintf(w->out, sizeof(w->out), "%d\n", v);
	return 0;
}

static int nw_port_pi(struct sim_nw *w)
{
	int v;
	if (nw_bool(w, &v))
		return -EINVAL;
	int rc = nw_port_open(w);
	if (!rc)
		snprintf(w->out, sizeof(w->out), "%d\n", v);
	return rc;
}

/* ------------------------------------------------------------------ host (6.12: CONFIG_NVME_TARGET_AUTH) */
/* nvmet_auth_set_key: an empty value forgets the key (configfs passes one only for a write of a lone
 * NUL byte, which cfs_write cannot make; a write of zero bytes is EFAULT); otherwise the number of
 * sscanf("DHHC-1:%hhd:%*s") must be there (only the prefix and a hash of at most 3 are checked here:
 * length and CRC at authentication); stored without surrounding white space. */
static int nw_dhchap_key(struct sim_nw *w)
{
	const char *p = w->page;
	if (!strlen(p)) {
		snprintf(w->out, sizeof(w->out), "\n");
		return 0;
	}
	if (strncmp(p, "DHHC-1:", 7))
		return -EINVAL;
	p += 7;
	while (isspace((unsigned char)*p))
		p++;
	int neg = *p == '-';
	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	long v = 0;
	for (; isdigit((unsigned char)*p); p++)
		v = (v * 10 + (*p - '0')) & 0xffff;
	unsigned char hash = (unsigned char)(neg ? -v : v);
	if (hash > 3)
		return -EINVAL;
	const char *s = w->page;
	while (isspace((unsigned char)*s))
		s++;
	size_t len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	snprintf(w->out, sizeof(w->out), "%.*s\n", (int)len, s);
	return 0;
}

/* nvme_auth_hmac_id / nvme_auth_dhgroup_id compare the known names as prefixes of what was written */
static int nw_prefix_choice(struct sim_nw *w, const char *const *names)
{
	for (; *names; names++)
		if (!strncmp(w->page, *names, strlen(*names))) {
			snprintf(w->out, sizeof(w->out), "%s\n", *names);
			return 0;
		}
	return -EINVAL;
}

static int nw_dhchap_hash(struct sim_nw *w)
{
	static const char *const hash[] = { "hmac(sha256)", "hmac(sha384)", "hmac(sha512)", NULL };
	return w->count ? nw_prefix_choice(w, hash) : -EINVAL;
}

static int nw_dhchap_dhgroup(struct sim_nw *w)
{
	static const char *const grp[] = { "null", "ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192", NULL };
	return w->count ? nw_prefix_choice(w, grp) : -EINVAL;
}

struct sim_nrule {
	enum sim_kind kind;
	const char *sub;
	int (*fn)(struct sim_nw *w);
};

static const struct sim_nrule sim_nrules[] = {
	{ SIM_K_NVMET_SUBSYS, "attr_allow_any_host", nw_allow_any_host },
	{ SIM_K_NVMET_SUBSYS, "attr_serial", nw_serial },
	{ SIM_K_NVMET_SUBSYS, "attr_model", nw_model },
	{ SIM_K_NVMET_NS, "device_path", nw_device_path },
	{ SIM_K_NVMET_NS, "device_uuid", nw_device_uuid },
	{ SIM_K_NVMET_NS, "device_nguid", nw_device_nguid },
	{ SIM_K_NVMET_NS, "enable", nw_ns_enable },
	{ SIM_K_NVMET_NS, "buffered_io", nw_buffered_io },
	{ SIM_K_NVMET_NS, "revalidate_size", nw_revalidate },
	{ SIM_K_NVMET_PORT, "addr_adrfam", nw_adrfam },
	{ SIM_K_NVMET_PORT, "addr_trtype", nw_trtype },
	{ SIM_K_NVMET_PORT, "addr_treq", nw_treq },
	{ SIM_K_NVMET_PORT, "addr_tsas", nw_tsas },
	{ SIM_K_NVMET_PORT, "addr_traddr", nw_traddr },
	{ SIM_K_NVMET_PORT, "addr_trsvcid", nw_trsvcid },
	{ SIM_K_NVMET_PORT, "param_inline_data_size", nw_port_int },
	{ SIM_K_NVMET_PORT, "param_max_queue_size", nw_port_int },
	{ SIM_K_NVMET_PORT, "param_pi_enable", nw_port_pi },
	{ SIM_K_NVMET_HOST, "dhchap_key", nw_dhchap_key },
	{ SIM_K_NVMET_HOST, "dhchap_ctrl_key", nw_dhchap_key },
	{ SIM_K_NVMET_HOST, "dhchap_hash", nw_dhchap_hash },
	{ SIM_K_NVMET_HOST, "dhchap_dhgroup", nw_dhchap_dhgroup },
};

int sim_nvmet_attr_write(struct cfs *c, enum sim_kernel k, const struct sim_node *n, const char *rel,
			 const char *val)
{
	static struct sim_nw w; /* large buffer: the simulator takes one call at a time (SIM_LOCKED) */
	char page[SIM_PAGE];
	snprintf(page, sizeof(page), "%s", val);
	memset(&w, 0, sizeof(w));
	w.c = c;
	w.k = k;
	w.n = n;
	w.rel = rel;
	w.page = page;
	w.count = strlen(page);
	int (*fn)(struct sim_nw *) = nw_plain;
	for (size_t i = 0; i < sizeof(sim_nrules) / sizeof(sim_nrules[0]); i++)
		if (sim_nrules[i].kind == n->kind && !strcmp(sim_nrules[i].sub, n->sub)) {
			fn = sim_nrules[i].fn;
			break;
		}
	int rc = fn(&w);
	if (rc || w.keep)
		return rc;
	rc = sim_put(c->rootfd, rel, "");
	if (!rc && w.out[0])
		rc = __real_cfs_write(c, rel, w.out);
	return rc;
}
