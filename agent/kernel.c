/* SPDX-License-Identifier: Apache-2.0 */
/* kernel.c: modules (libkmod), the configfs mount, portal addresses (libnl-route); see kernel.h. */
#include "kernel.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>

#include <libkmod.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>

#include "log.h"
#include "portal.h"

#define CONFIGFS_MAGIC 0x62656570

__attribute__((format(printf, 6, 0)))
static void kernel_kmod_log(void *data, int prio, const char *file, int line, const char *fn,
			    const char *fmt, va_list args)
{
	(void)data;
	(void)file;
	(void)line;
	(void)fn;
	if (prio > 4) /* LOG_WARNING: libkmod's info and debug stay quiet */
		return;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, args);
	msg[strcspn(msg, "\n")] = '\0';
	log_warn("libkmod: %s", msg);
}

static int kernel_load(struct kmod_ctx *ctx, const char *name)
{
	struct kmod_list *list = NULL, *it;
	int rc = kmod_module_new_from_lookup(ctx, name, &list);
	if (rc < 0 || !list) {
		struct utsname u;
		uname(&u);
		log_error("kernel module %s not found for kernel %s (is the module package installed and depmod run?)",
			  name, u.release);
		return rc < 0 ? rc : -ENOENT;
	}
	kmod_list_foreach(it, list) {
		struct kmod_module *m = kmod_module_get_module(it);
		rc = kmod_module_probe_insert_module(m, KMOD_PROBE_IGNORE_LOADED, NULL, NULL, NULL, NULL);
		if (rc < 0)
			log_error("loading kernel module %s: %s", kmod_module_get_name(m), strerror(-rc));
		kmod_module_unref(m);
		if (rc < 0)
			break;
	}
	kmod_module_unref_list(list);
	return rc < 0 ? rc : 0;
}

/* configfs at @root: mounted already (statfs says so), or mounted now. */
static int kernel_mount_configfs(const char *root)
{
	struct statfs fs;
	if (statfs(root, &fs) == 0 && fs.f_type == CONFIGFS_MAGIC)
		return 0;
	if (mount("configfs", root, "configfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		int err = errno;
		log_error("mounting configfs at %s: %s", root, strerror(err));
		return -err;
	}
	log_info("mounted configfs at %s", root);
	return 0;
}

int kernel_prepare(const struct agent_config *cfg)
{
	if (cfg->no_kmod)
		return 0;
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	if (!ctx) {
		log_error("libkmod: cannot read the module index");
		return -ENOENT;
	}
	kmod_set_log_fn(ctx, kernel_kmod_log, NULL);
	int rc = kernel_load(ctx, "configfs");
	if (!rc)
		rc = kernel_mount_configfs(cfg->configfs_root);
	static const char *const target_mods[] = { "target_core_mod", "target_core_iblock", "iscsi_target_mod" };
	for (size_t i = 0; !rc && i < sizeof(target_mods) / sizeof(target_mods[0]); i++)
		rc = kernel_load(ctx, target_mods[i]);
	if (!rc && !cfg->no_dm)
		rc = kernel_load(ctx, "dm_mod");
	kmod_unref(ctx);
	return rc;
}

struct kernel_want {
	const struct portal *p;
	bool found;
};

static void kernel_addr_visit(struct nl_object *obj, void *arg)
{
	struct kernel_want *w = arg;
	struct nl_addr *a = rtnl_addr_get_local((struct rtnl_addr *)obj);
	size_t len = w->p->family == AF_INET ? 4 : 16;
	if (a && nl_addr_get_family(a) == w->p->family && nl_addr_get_len(a) == len &&
	    !memcmp(nl_addr_get_binary_addr(a), w->p->addr, len))
		w->found = true;
}

int kernel_check_portals(const struct agent_config *cfg)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	int rc = 0;
	if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0 || rtnl_addr_alloc_cache(sk, &cache) < 0) {
		log_error("cannot read the local addresses (rtnetlink)");
		rc = -EIO;
	}
	for (size_t i = 0; !rc && i < cfg->n_portals; i++) {
		struct portal p;
		char why[128];
		if (portal_parse(cfg->portals[i], &p, why, sizeof(why)))
			rc = -EINVAL;
		else if (!portal_is_wildcard(&p)) {
			struct kernel_want w = { &p, false };
			nl_cache_foreach(cache, kernel_addr_visit, &w);
			if (!w.found) {
				log_error("portal %s: address is not assigned to any local interface", p.text);
				rc = -EADDRNOTAVAIL;
			}
		}
	}
	if (cache)
		nl_cache_free(cache);
	if (sk)
		nl_socket_free(sk);
	return rc;
}
