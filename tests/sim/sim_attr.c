/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_attr.c: what a write to an attribute does: the store() rules of the kernel for the attributes
 * attachd uses (values accepted, error codes, side effects on other attributes) and the text the
 * attribute shows afterwards. Attributes without a rule here keep what was written. Also the read
 * checks (EACCES for write-only attributes, ENODEV where show() has nothing to show).
 */
#include "tests/sim/sim_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

struct sim_w {
	struct cfs *c;
	enum sim_kernel k;
	const struct sim_node *n;
	const char *rel;
	const char *page;   /* the value as store() gets it (at most SIM_PAGE - 1 bytes) */
	size_t count;
	char out[SIM_PAGE + 2];
	int keep;           /* leave the file as it is */
};

typedef int (*sim_store_fn)(struct sim_w *w);

/* "%s\n" of what was written, trailing newline not doubled: most show()s print a parsed value. */
static int sim_store_plain(struct sim_w *w)
{
	size_t n = w->count;
	memcpy(w->out, w->page, n);
	if (!n || w->out[n - 1] != '\n')
		w->out[n++] = '\n';
	w->out[n] = '\0';
	return 0;
}

static int sim_store_num(struct sim_w *w, unsigned long long v)
{
	snprintf(w->out, sizeof(w->out), "%llu\n", v);
	return 0;
}

/* A sibling attribute of the same object. */
static int sim_obj_get(struct sim_w *w, const char *sub, char *buf, size_t size)
{
	char path[CFS_PATH_MAX];
	int rc = sim_join(path, sizeof(path), w->n->obj, sub);
	return rc ? rc : sim_get(w->c->rootfd, path, buf, size);
}

static int sim_obj_put(struct sim_w *w, const char *sub, const char *val)
{
	char path[CFS_PATH_MAX];
	int rc = sim_join(path, sizeof(path), w->n->obj, sub);
	return rc ? rc : sim_put(w->c->rootfd, path, val);
}

/* ------------------------------------------------------------------ storage object */
static int sim_w_control(struct sim_w *w)
{
	w->keep = 1; /* write-only: nothing to show */
	return sim_so_control(w->c, w->n->obj, w->page);
}

static int sim_w_enable(struct sim_w *w)
{
	int rc = sim_so_enable(w->c, w->n->obj, w->page);
	if (!rc)
		snprintf(w->out, sizeof(w->out), "1\n");
	return rc;
}

/* target_dev_udev_path_store / alias_store: count > 511 is EINVAL, one trailing newline dropped */
static int sim_w_udev_alias(struct sim_w *w)
{
	if (w->count > 511 || !w->count)
		return -EINVAL;
	return sim_store_plain(w);
}

static int sim_so_exported(struct sim_w *w)
{
	return sim_links_to(w->c, w->n->obj) > 0;
}

static void sim_strstrip(const char *in, char *out, size_t size)
{
	while (isspace((unsigned char)*in))
		in++;
	snprintf(out, size, "%s", in);
	size_t n = strlen(out);
	while (n && isspace((unsigned char)out[n - 1]))
		out[--n] = '\0';
}

/* target_wwn_vpd_unit_serial_store: >= INQUIRY_VPD_SERIAL_LEN (254) is EOVERFLOW, checked before
 * the export count (EINVAL); stored stripped and shown with its label. */
static int sim_w_serial(struct sim_w *w)
{
	char buf[256];
	if (strlen(w->page) >= 254)
		return -EOVERFLOW;
	if (sim_so_exported(w))
		return -EINVAL;
	sim_strstrip(w->page, buf, sizeof(buf));
	snprintf(w->out, sizeof(w->out), "T10 VPD Unit Serial Number: %s\n", buf);
	return 0;
}

/* vendor_id (8), product_id (16), revision (4): EOVERFLOW past the field, EINVAL for non-printable
 * bytes or while exported. */
static int sim_w_inquiry(struct sim_w *w)
{
	const char *name = sim_basename(w->rel);
	size_t max = !strcmp(name, "vendor_id") ? 8 : !strcmp(name, "product_id") ? 16 : 4;
	char buf[SIM_PAGE];
	sim_strstrip(w->page, buf, sizeof(buf));
	if (strlen(buf) > max)
		return -EOVERFLOW;
	for (const char *p = buf; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return -EINVAL;
	if (sim_so_exported(w))
		return -EINVAL;
	snprintf(w->out, sizeof(w->out), "%s\n", buf);
	return 0;
}

static int sim_w_company(struct sim_w *w)
{
	unsigned v;
	int rc = sim_kstrtou32(w->page, 0, &v);
	if (rc)
		return rc;
	if (v >= 0x1000000)
		return -EOVERFLOW;
	if (sim_so_exported(w))
		return -EINVAL;
	snprintf(w->out, sizeof(w->out), "%#08x\n", v);
	return 0;
}

/* target_hba_mode_store: only pscsi has pmode_enable_hba */
static int sim_w_hba_mode(struct sim_w *w)
{
	return strncmp(sim_basename(w->n->obj), "pscsi_", 6) ? -EINVAL : sim_store_plain(w);
}

/* ------------------------------------------------------------------ TPG */
/* AuthMethod follows attrib/authentication (iscsit_ta_authentication): on, "None" leaves the list;
 * off, ",None" is appended. */
static int sim_authmethod(struct sim_w *w, int on)
{
	char cur[256], out[300] = "";
	int n = sim_obj_get(w, "param/AuthMethod", cur, sizeof(cur));
	if (n < 0)
		return n;
	cur[strcspn(cur, "\n")] = '\0';
	int has_none = 0;
	for (char *save = NULL, *t = strtok_r(cur, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "None")) {
			has_none = 1;
			if (on)
				continue;
		}
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", out[0] ? "," : "", t);
	}
	if (!on && !has_none)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%sNone", out[0] ? "," : "");
	if (!out[0])
		snprintf(out, sizeof(out), "CHAP");
	strcat(out, "\n");
	return sim_obj_put(w, "param/AuthMethod", out);
}

/* target_fabric_tpg_base_enable_store (5.16+): kstrtobool; the current value is a no-op success;
 * enabling applies iscsit_tpg_enable_portal_group's AuthMethod fix-up. */
static int sim_w_tpg_enable(struct sim_w *w)
{
	char cur[16], auth[16];
	int op, rc = sim_kstrtobool(w->page, &op);
	if (rc)
		return rc;
	if (sim_obj_get(w, "enable", cur, sizeof(cur)) > 0 && (cur[0] == '1') == op) {
		w->keep = 1;
		return 0;
	}
	if (op && sim_obj_get(w, "attrib/authentication", auth, sizeof(auth)) > 0 && auth[0] == '1') {
		rc = sim_authmethod(w, 1);
		if (rc)
			return rc;
	}
	snprintf(w->out, sizeof(w->out), "%d\n", op);
	return 0;
}

/* iscsit_ta_*: kstrtou32 first (its error), then the range; out of range is EINVAL. */
static int sim_w_tpg_attrib(struct sim_w *w)
{
	static const struct { const char *name; unsigned lo, hi; } r[] = {
		{ "authentication", 0, 1 }, { "login_timeout", 5, 30 }, { "netif_timeout", 2, 15 },
		{ "generate_node_acls", 0, 1 }, { "default_cmdsn_depth", 1, 512 },
		{ "cache_dynamic_acls", 0, 1 }, { "demo_mode_write_protect", 0, 1 },
		{ "prod_mode_write_protect", 0, 1 }, { "demo_mode_discovery", 0, 1 },
		{ "default_erl", 0, 2 }, { "t10_pi", 0, 1 }, { "fabric_prot_type", 0, 3 },
		{ "tpg_enabled_sendtargets", 0, 1 }, { "login_keys_workaround", 0, 1 },
	};
	const char *name = sim_basename(w->rel);
	unsigned v;
	int rc = sim_kstrtou32(w->page, 0, &v);
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		if (strcmp(name, r[i].name))
			continue;
		if (v < r[i].lo || v > r[i].hi || (!strcmp(name, "fabric_prot_type") && v == 2))
			return -EINVAL;
		if (!strcmp(name, "authentication"))
			rc = sim_authmethod(w, (int)v);
		if (!strcmp(name, "generate_node_acls") && v == 1)
			rc = sim_obj_put(w, "attrib/cache_dynamic_acls", "1\n");
		if (!strcmp(name, "cache_dynamic_acls") && v == 0) {
			char g[16];
			if (sim_obj_get(w, "attrib/generate_node_acls", g, sizeof(g)) > 0 && g[0] == '1') {
				w->keep = 1; /* silently kept at 1 while generate_node_acls=1 */
				return 0;
			}
		}
		return rc ? rc : sim_store_num(w, v);
	}
	return sim_store_plain(w);
}

/* DEF_TPG_PARAM store: "Key=value" with one trailing space character removed; the key's own
 * validation (iscsi_change_param_value) is not modelled. */
static int sim_w_tpg_param(struct sim_w *w)
{
	size_t n = w->count;
	if (n && isspace((unsigned char)w->page[n - 1]))
		n--;
	snprintf(w->out, sizeof(w->out), "%.*s\n", (int)n, w->page);
	return 0;
}

/* authenticate_target is 1 once both mutual credentials are set (not "NULL", not empty). */
static int sim_auth_target(struct sim_w *w, const char *dir)
{
	char a[SIM_PAGE], b[SIM_PAGE], pa[64], pb[64], pt[64];
	snprintf(pa, sizeof(pa), "%s%suserid_mutual", dir, *dir ? "/" : "");
	snprintf(pb, sizeof(pb), "%s%spassword_mutual", dir, *dir ? "/" : "");
	snprintf(pt, sizeof(pt), "%s%sauthenticate_target", dir, *dir ? "/" : "");
	int set = sim_obj_get(w, pa, a, sizeof(a)) > 1 && strncmp(a, "NULL", 4) &&
		  sim_obj_get(w, pb, b, sizeof(b)) > 1 && strncmp(b, "NULL", 4);
	return sim_obj_put(w, pt, set ? "1\n" : "0\n");
}

/* __DEF_NACL_AUTH_STR (ACL and discovery): count >= 256 is EINVAL; stored verbatim, a trailing
 * newline included, and shown with "%s\n". __DEF_TPG_AUTH_STR has no check and truncates. */
static int sim_w_auth(struct sim_w *w, int checked, const char *dir)
{
	if (checked && w->count >= 256)
		return -EINVAL;
	snprintf(w->out, sizeof(w->out), "%.*s\n", (int)(w->count < 255 ? w->count : 255), w->page);
	char path[CFS_PATH_MAX];
	int rc = sim_join(path, sizeof(path), w->n->obj, w->n->sub);
	if (!rc)
		rc = sim_put(w->c->rootfd, path, w->out); /* authenticate_target reads it */
	return rc ? rc : sim_auth_target(w, dir);
}

static int sim_w_acl_auth(struct sim_w *w)
{
	return sim_w_auth(w, 1, "auth");
}

static int sim_w_tpg_auth(struct sim_w *w)
{
	return sim_w_auth(w, 0, "auth");
}

static int sim_w_disc_auth(struct sim_w *w)
{
	return sim_w_auth(w, 1, "discovery_auth");
}

static int sim_w_disc_enforce(struct sim_w *w)
{
	unsigned v;
	if (sim_kstrtou32(w->page, 0, &v) || v > 1)
		return -EINVAL;
	return sim_store_num(w, v);
}

/* ------------------------------------------------------------------ ACL, mapped LUN, LUN, portal */
static int sim_w_cmdsn(struct sim_w *w)
{
	unsigned v;
	int rc = sim_kstrtou32(w->page, 0, &v);
	if (rc)
		return rc;
	return v > 512 ? -EINVAL : sim_store_num(w, v); /* TA_DEFAULT_CMDSN_DEPTH_MAX */
}

/* iscsit_na_*: NA_* ranges of iscsi_target_core.h */
static int sim_w_acl_attrib(struct sim_w *w)
{
	static const struct { const char *name; unsigned lo, hi; } r[] = {
		{ "dataout_timeout", 2, 60 }, { "dataout_timeout_retries", 1, 15 },
		{ "default_erl", 0, 2 }, { "nopin_timeout", 3, 60 },
		{ "nopin_response_timeout", 3, 60 }, { "random_datain_pdu_offsets", 0, 1 },
		{ "random_datain_seq_offsets", 0, 1 }, { "random_r2t_offsets", 0, 1 },
	};
	const char *name = sim_basename(w->rel);
	if (!strcmp(name, "authentication")) {
		int v, rc = sim_kstrtos32(w->page, 0, &v);
		if (rc)
			return rc;
		if (v != 0 && v != 1 && v != -1)
			return -EINVAL;
		snprintf(w->out, sizeof(w->out), "%d\n", v);
		return 0;
	}
	unsigned v;
	int rc = sim_kstrtou32(w->page, 0, &v);
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (!strcmp(name, r[i].name))
			return (v < r[i].lo || v > r[i].hi) ? -EINVAL : sim_store_num(w, v);
	return sim_store_plain(w);
}

/* lio_target_nacl_tag: shown with "%s" (no newline); "NULL" clears it */
static int sim_w_tag(struct sim_w *w)
{
	snprintf(w->out, sizeof(w->out), "%s", strncmp(w->page, "NULL", 4) ? w->page : "");
	return 0;
}

/* target_fabric_mappedlun_write_protect_store: kstrtoul, 0/1; without a se_dev_entry (not linked
 * yet) core_update_device_list_access changes nothing and show() prints nothing. */
static int sim_w_write_protect(struct sim_w *w)
{
	unsigned long long v;
	char dev[CFS_PATH_MAX];
	int rc = sim_kstrtoull(w->page, 0, &v);
	if (rc)
		return rc;
	if (v > 1)
		return -EINVAL;
	if (sim_dir_link(w->c, w->n->obj, dev, sizeof(dev)) != 1) {
		w->keep = 1;
		return 0;
	}
	return sim_store_num(w, v);
}

static int sim_lun_has_dev(struct sim_w *w)
{
	char dev[CFS_PATH_MAX];
	return sim_dir_link(w->c, w->n->obj, dev, sizeof(dev)) == 1;
}

static int sim_w_lun_alua(struct sim_w *w)
{
	return sim_lun_has_dev(w) ? sim_store_plain(w) : -ENODEV;
}

/* ------------------------------------------------------------------ persistent reservations */
static int sim_w_dbroot(struct sim_w *w)
{
	char cur[SIM_PAGE];
	int rc = sim_get(w->c->rootfd, w->rel, cur, sizeof(cur));
	return rc < 0 ? rc : sim_dbroot_store(w->c, cur, w->page, w->count, w->out, sizeof(w->out));
}

static int sim_w_pr_metadata(struct sim_w *w)
{
	w->keep = 1; /* shows "Ready to process PR APTPL metadata.." whatever was written */
	return sim_pr_metadata_store(w->c, w->n->obj, w->page);
}

/* lio_target_np_driver_store: 0/1; there is no iSER or cxgbit transport here, so 1 fails */
static int sim_w_np_driver(struct sim_w *w)
{
	unsigned v;
	int rc = sim_kstrtou32(w->page, 0, &v);
	if (rc)
		return rc;
	return v ? -EINVAL : sim_store_num(w, v);
}

struct sim_wrule {
	enum sim_kind kind;
	const char *sub;   /* path below the object; a trailing '*' matches any rest */
	sim_store_fn fn;
};

static const struct sim_wrule sim_wrules[] = {
	{ SIM_K_HBA, "hba_mode", sim_w_hba_mode },
	{ SIM_K_SO, "control", sim_w_control },
	{ SIM_K_SO, "enable", sim_w_enable },
	{ SIM_K_SO, "udev_path", sim_w_udev_alias },
	{ SIM_K_SO, "alias", sim_w_udev_alias },
	{ SIM_K_SO, "wwn/vpd_unit_serial", sim_w_serial },
	{ SIM_K_SO, "wwn/vendor_id", sim_w_inquiry },
	{ SIM_K_SO, "wwn/product_id", sim_w_inquiry },
	{ SIM_K_SO, "wwn/revision", sim_w_inquiry },
	{ SIM_K_SO, "wwn/company_id", sim_w_company },
	{ SIM_K_SO, "pr/res_aptpl_metadata", sim_w_pr_metadata },
	{ SIM_K_FABRIC, "discovery_auth/enforce_discovery_auth", sim_w_disc_enforce },
	{ SIM_K_FABRIC, "discovery_auth/*", sim_w_disc_auth },
	{ SIM_K_TPG, "enable", sim_w_tpg_enable },
	{ SIM_K_TPG, "attrib/*", sim_w_tpg_attrib },
	{ SIM_K_TPG, "param/*", sim_w_tpg_param },
	{ SIM_K_TPG, "auth/*", sim_w_tpg_auth },
	{ SIM_K_ACL, "auth/*", sim_w_acl_auth },
	{ SIM_K_ACL, "attrib/*", sim_w_acl_attrib },
	{ SIM_K_ACL, "cmdsn_depth", sim_w_cmdsn },
	{ SIM_K_ACL, "tag", sim_w_tag },
	{ SIM_K_MLUN, "write_protect", sim_w_write_protect },
	{ SIM_K_LUN, "alua_tg_pt_*", sim_w_lun_alua },
	{ SIM_K_NP, "iser", sim_w_np_driver },
	{ SIM_K_NP, "cxgbit", sim_w_np_driver },
};

static int sim_sub_match(const char *pat, const char *sub)
{
	size_t n = strlen(pat);
	if (n && pat[n - 1] == '*')
		return !strncmp(pat, sub, n - 1);
	return !strcmp(pat, sub);
}

int sim_attr_write(struct cfs *c, enum sim_kernel k, const struct sim_node *n, const char *rel,
		   const char *val)
{
	static struct sim_w w; /* large buffer: the simulator takes one call at a time (SIM_LOCKED) */
	char page[SIM_PAGE];
	if (n->file->flags & SIM_F_RO)
		return -EACCES;
	/* configfs_write_iter: fill_write_buffer copies nothing from a write() of zero bytes and answers
	 * EFAULT, before any store() (measured on 6.1 and 6.12: tests/sim/golden/nvmet-errno-*.txt) */
	if (!*val)
		return -EFAULT;
	if (sim_is_nvmet(n->kind) || !strncmp(rel, "nvmet/", 6))
		return sim_nvmet_attr_write(c, k, n, rel, val);
	/* fill_write_buffer: at most PAGE_SIZE - 1 bytes reach store() */
	snprintf(page, sizeof(page), "%s", val);
	memset(&w, 0, sizeof(w));
	w.c = c;
	w.k = k;
	w.n = n;
	w.rel = rel;
	w.page = page;
	w.count = strlen(page);
	sim_store_fn fn = strcmp(rel, "target/dbroot") ? sim_store_plain : sim_w_dbroot;
	for (size_t i = 0; i < sizeof(sim_wrules) / sizeof(sim_wrules[0]); i++)
		if (sim_wrules[i].kind == n->kind && sim_sub_match(sim_wrules[i].sub, n->sub)) {
			fn = sim_wrules[i].fn;
			break;
		}
	int rc = fn(&w);
	if (rc || w.keep)
		return rc;
	/* the real cfs_write does not truncate: empty the file first, then write what show() prints */
	rc = sim_put(c->rootfd, rel, "");
	if (!rc && w.out[0])
		rc = __real_cfs_write(c, rel, w.out);
	return rc;
}

int sim_attr_read_check(struct cfs *c, const struct sim_node *n)
{
	char dev[CFS_PATH_MAX];
	unsigned fl = n->file->flags;
	if (fl & SIM_F_WO)
		return -EACCES;
	if (fl & SIM_F_SESS)
		return -ENODEV;
	if ((fl & (SIM_F_LUNDEV | SIM_F_DEVE)) && sim_dir_link(c, n->obj, dev, sizeof(dev)) != 1)
		return -ENODEV;
	return 0;
}
