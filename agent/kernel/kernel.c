/* SPDX-License-Identifier: Apache-2.0 */
/* kernel.c: modules (libkmod) and the configfs mount; see kernel.h. */
#include "kernel.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libkmod.h>

#include "log.h"

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

/*
 * libkmod is needed once, at start, and maps ~1.6 MiB of libraries (libcrypto, zstd, lzma) that would
 * stay resident for the agent's whole life. So it is opened with dlopen() in a child process that
 * loads the modules, mounts configfs and exits: the agent itself never maps it.
 */
struct kernel_kmod {
	__typeof__(kmod_new) *new_ctx;
	__typeof__(kmod_unref) *unref;
	__typeof__(kmod_set_log_fn) *set_log_fn;
	__typeof__(kmod_module_new_from_lookup) *lookup;
	__typeof__(kmod_list_next) *list_next;
	__typeof__(kmod_module_get_module) *get_module;
	__typeof__(kmod_module_probe_insert_module) *probe;
	__typeof__(kmod_module_get_name) *get_name;
	__typeof__(kmod_module_unref) *module_unref;
	__typeof__(kmod_module_unref_list) *unref_list;
	__typeof__(kmod_module_get_install_commands) *install_commands;
	__typeof__(kmod_module_get_initstate) *initstate;
};

static int kernel_kmod_open(struct kernel_kmod *k)
{
	void *h = dlopen("libkmod.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		log_error("cannot load libkmod: %s", dlerror());
		return -ENOENT;
	}
	struct {
		void **fn;
		const char *name;
	} syms[] = {
		{ (void **)&k->new_ctx, "kmod_new" },
		{ (void **)&k->unref, "kmod_unref" },
		{ (void **)&k->set_log_fn, "kmod_set_log_fn" },
		{ (void **)&k->lookup, "kmod_module_new_from_lookup" },
		{ (void **)&k->list_next, "kmod_list_next" },
		{ (void **)&k->get_module, "kmod_module_get_module" },
		{ (void **)&k->probe, "kmod_module_probe_insert_module" },
		{ (void **)&k->get_name, "kmod_module_get_name" },
		{ (void **)&k->module_unref, "kmod_module_unref" },
		{ (void **)&k->unref_list, "kmod_module_unref_list" },
		{ (void **)&k->install_commands, "kmod_module_get_install_commands" },
		{ (void **)&k->initstate, "kmod_module_get_initstate" },
	};
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		*syms[i].fn = dlsym(h, syms[i].name);
		if (!*syms[i].fn) {
			log_error("libkmod lacks %s", syms[i].name);
			return -ENOENT;
		}
	}
	return 0;
}

static int kernel_load(const struct kernel_kmod *k, struct kmod_ctx *ctx, const char *name)
{
	struct kmod_list *list = NULL, *it;
	int rc = k->lookup(ctx, name, &list);
	if (rc < 0 || !list) {
		struct utsname u;
		uname(&u);
		log_error("kernel module %s not found for kernel %s (is the module package installed and depmod run?)",
			  name, u.release);
		return rc < 0 ? rc : -ENOENT;
	}
	for (it = list; it; it = k->list_next(list, it)) {
		struct kmod_module *m = k->get_module(it);
		int state = k->initstate(m);
		const char *install = k->install_commands(m);
		/* modprobe.d's "install" runs a shell command as root: attachd runs no shell, and a command there
		 * is often an administrator's way to forbid a module ("install x /bin/false"); so it neither runs
		 * it nor goes around it, and leaves the module to the administrator */
		if (install && state != KMOD_MODULE_LIVE && state != KMOD_MODULE_BUILTIN && state != KMOD_MODULE_COMING) {
			log_error("kernel module %s has an \"install\" command in modprobe.d (%s): attachd does not run "
				  "commands; load it yourself (modprobe %s) before starting attachd, or remove the command",
				  k->get_name(m), install, k->get_name(m));
			rc = -EPERM;
		} else {
			/* not KMOD_PROBE_IGNORE_LOADED: that flag makes libkmod insert every module of the chain
			 * even when it is live, and the kernel reads, checks and lays out each one before it answers
			 * EEXIST (18 s of system time at a start under TCG); a live module is skipped here */
			rc = k->probe(m, KMOD_PROBE_IGNORE_COMMAND, NULL, NULL, NULL, NULL);
		}
		if (rc < 0 && rc != -EPERM)
			log_error("loading kernel module %s: %s", k->get_name(m), strerror(-rc));
		k->module_unref(m);
		if (rc < 0)
			break;
	}
	k->unref_list(list);
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

/* The child's work: 0 or -errno. */
static int kernel_prepare_child(const struct agent_config *cfg)
{
	struct kernel_kmod k;
	int rc = kernel_kmod_open(&k);
	if (rc)
		return rc;
	struct kmod_ctx *ctx = k.new_ctx(NULL, NULL);
	if (!ctx) {
		log_error("libkmod: cannot read the module index");
		return -ENOENT;
	}
	k.set_log_fn(ctx, kernel_kmod_log, NULL);
	rc = kernel_load(&k, ctx, "configfs");
	if (!rc)
		rc = kernel_mount_configfs(cfg->configfs_root);
	static const char *const target_mods[] = { "target_core_mod", "target_core_iblock", "iscsi_target_mod" };
	for (size_t i = 0; !rc && i < sizeof(target_mods) / sizeof(target_mods[0]); i++)
		rc = kernel_load(&k, ctx, target_mods[i]);
	if (!rc && !cfg->no_dm)
		rc = kernel_load(&k, ctx, "dm_mod");
	/* the NVMe target and its TCP transport only for an agent that exports over NVMe/TCP */
	if (!rc && cfg->n_nvme_ports)
		rc = kernel_load(&k, ctx, "nvmet");
	if (!rc && cfg->n_nvme_ports)
		rc = kernel_load(&k, ctx, "nvmet_tcp");
	k.unref(ctx);
	return rc;
}

int kernel_prepare(const struct agent_config *cfg)
{
	if (cfg->no_kmod)
		return 0;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(-kernel_prepare_child(cfg) & 0xff);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status))
		return -EIO;
	return -WEXITSTATUS(status);
}
