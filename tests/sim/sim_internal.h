/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_internal.h: what the simulator's files share and nothing outside tests/sim/ may use: the
 * templates of the kernel's default groups, the path resolver, the storage-object state kept in its
 * attribute files, link scanning, fault injection hooks and small helpers with kernel semantics.
 *
 * The simulator keeps no state in memory (apart from statistics and injected faults, which belong to
 * the test, not to the kernel): every rule is derived from the path and from the files on disk, so a
 * restarted process on the same tree sees the same kernel.
 */
#ifndef SIM_INTERNAL_H
#define SIM_INTERNAL_H

#include <stddef.h>
#include <sys/types.h>

#include "configfs/cfs.h"
#include "tests/sim/sim.h"

/* configfs hands store() at most PAGE_SIZE - 1 bytes (fs/configfs/file.c fill_write_buffer) */
#define SIM_PAGE 4096

/* Kinds of user objects: what mkdir can make. */
enum sim_kind {
	SIM_K_NONE = 0,    /* no make_group: mkdir fails with the template's mkdir_err */
	SIM_K_HBA,         /* target/core/<plugin>_<N> */
	SIM_K_SO,          /* target/core/<hba>/<name> */
	SIM_K_FABRIC,      /* target/iscsi */
	SIM_K_WWN,         /* target/iscsi/<iqn> */
	SIM_K_TPG,         /* .../<iqn>/tpgt_<N> */
	SIM_K_LUN,         /* .../tpgt_N/lun/lun_<L> */
	SIM_K_NP,          /* .../tpgt_N/np/<addr>:<port> */
	SIM_K_ACL,         /* .../tpgt_N/acls/<initiator> */
	SIM_K_MLUN,        /* .../acls/<initiator>/lun_<M> */
	SIM_K_UNMODELLED,  /* the kernel has make_group here (ALUA groups) but the simulator refuses: EPERM */
	SIM_K_NVMET_SUBSYS, /* nvmet/subsystems/<nqn> */
	SIM_K_NVMET_NS,     /* .../<nqn>/namespaces/<nsid> */
	SIM_K_NVMET_PORT,   /* nvmet/ports/<id> */
	SIM_K_NVMET_HOST,   /* nvmet/hosts/<nqn> */
};

/* What a default group accepts as links (allow_link of a group that is not a user object). */
enum sim_links {
	SIM_L_NONE = 0,
	SIM_L_PORT_SUBSYS,    /* nvmet/ports/<id>/subsystems: subsystems */
	SIM_L_ALLOWED_HOSTS,  /* nvmet/subsystems/<nqn>/allowed_hosts: hosts */
};

/* Flags of a template entry. */
#define SIM_F_DIR    0x01u /* a default group (directory) */
#define SIM_F_RO     0x02u /* no store(): a write is EACCES (configfs_open_file) */
#define SIM_F_WO     0x04u /* no show(): a read is EACCES */
#define SIM_F_K61    0x08u /* only on 6.1 */
#define SIM_F_K612   0x10u /* only on 6.12 (added after 6.1) */
#define SIM_F_LUNDEV 0x20u /* ENODEV while the LUN holds no storage-object link */
#define SIM_F_DEVE   0x40u /* ENODEV on read while the mapped LUN is not linked */
#define SIM_F_SESS   0x80u /* ENODEV on read without a session: always, here */

struct sim_tmpl;

/* One default child: an attribute file with its initial content, or a default group. */
struct sim_ent {
	const char *name;
	unsigned flags;
	/* what show() prints before any write; "@NAME@" is the owning object's name, "@VERSION@" the
	 * kernel release line, "@CPUS@" the CPU list */
	const char *init;
	const struct sim_tmpl *sub;
};

/* The fixed content of a directory and what mkdir makes inside it. */
struct sim_tmpl {
	const struct sim_ent *ents; /* terminated by an entry with a NULL name */
	enum sim_kind child;
	int mkdir_err;              /* positive errno when child is SIM_K_NONE or SIM_K_UNMODELLED */
	enum sim_links links;       /* the links this directory takes (LIO's are on user objects instead) */
};

extern const struct sim_tmpl sim_tmpl_root;
extern const struct sim_tmpl sim_tmpl_target;
extern const struct sim_tmpl sim_tmpl_nvmet;
const struct sim_tmpl *sim_kind_tmpl(enum sim_kind k);
/* The entry @name (@len bytes) of @t that exists on kernel @k, or NULL. */
const struct sim_ent *sim_tmpl_find(enum sim_kernel k, const struct sim_tmpl *t, const char *name,
				    size_t len);
int sim_ent_on(enum sim_kernel k, const struct sim_ent *e);

/* What a path is, from its components alone. */
struct sim_node {
	int unknown;                /* not a path the kernel would have (below a file or a link) */
	enum sim_kind kind;         /* kind of the nearest user object at or above the path */
	int is_obj;                 /* the path is that user object itself */
	const struct sim_tmpl *dir; /* template when the path is a directory */
	const struct sim_ent *file; /* entry when the path is an attribute file */
	char obj[CFS_PATH_MAX];     /* the nearest user object's path ("" if none) */
	const char *sub;            /* the part of the path below obj (points into the resolved path) */
};
int sim_resolve(enum sim_kernel k, const char *rel, struct sim_node *n);

/* Path helpers. rel paths have no leading, trailing or doubled '/'. */
int sim_norm(const char *in, char *out, size_t size);
/* Copy the first @n components of @rel into @out; -EINVAL if @rel has fewer. */
int sim_prefix(const char *rel, int n, char *out, size_t size);
int sim_ncomp(const char *rel);
/* Pointer to component @i (0-based) of @rel and its length in *len; NULL if absent. */
const char *sim_comp(const char *rel, int i, size_t *len);
const char *sim_basename(const char *rel);
int sim_join(char *out, size_t size, const char *a, const char *b);

/* Kernel number parsing (lib/kstrtox.c): 0 or -EINVAL / -ERANGE. */
int sim_kstrtoull(const char *s, unsigned base, unsigned long long *v);
int sim_kstrtou32(const char *s, unsigned base, unsigned *v);
int sim_kstrtou16(const char *s, unsigned base, unsigned short *v);
int sim_kstrtos32(const char *s, unsigned base, int *v);
int sim_kstrtobool(const char *s, int *v);

/* Files relative to the root descriptor. */
int sim_put(int rootfd, const char *rel, const char *data);        /* create or truncate, write */
int sim_get(int rootfd, const char *rel, char *buf, size_t size);  /* raw content, NUL-terminated */
int sim_rm_rf(int rootfd, const char *rel);
int sim_is_dir(int rootfd, const char *rel);
enum sim_kernel sim_kernel_of(int rootfd);

/* Default trees. */
int sim_populate(int rootfd, enum sim_kernel k, const char *rel, const struct sim_tmpl *t,
		 const char *objname);
int sim_name_check(struct cfs *c, enum sim_kernel k, enum sim_kind kind, const char *parent,
		   const char *name);
int sim_after_mkdir(struct cfs *c, enum sim_kind kind, const char *rel);
/* The iSCSI module's discovery ACL across rmdir/mkdir of target/iscsi (sim_module.c). */
int sim_module_save(struct cfs *c, const char *fabric);
int sim_module_restore(struct cfs *c, const char *fabric);

/* The ACL at @acl (root-relative) goes: its session goes with it (sim_session.c). */
int sim_session_drop(struct cfs *c, const char *acl);

/* Storage objects: the state the kernel keeps internally, stored in enable and info. */
struct sim_so {
	int iblock;          /* the HBA's plugin is iblock: the only backend modelled in detail */
	int enabled;
	int has_udev;
	char udev[512];      /* SE_UDEV_PATH_LEN */
	long readonly;
	char bdev[64];
	unsigned maj, min;
};
int sim_so_load(struct cfs *c, const char *so, struct sim_so *s);
int sim_so_save_info(struct cfs *c, const char *so, const struct sim_so *s);
int sim_so_control(struct cfs *c, const char *so, const char *page);
int sim_so_enable(struct cfs *c, const char *so, const char *page);

/* LIO's dbroot and APTPL metadata (sim_pr.c). */
int sim_dbroot_store(struct cfs *c, const char *cur, const char *page, size_t count, char *out, size_t size);
int sim_pr_metadata_store(struct cfs *c, const char *so, const char *page);

/* Links. The callback gets the link path and its target (both root-relative); non-zero stops. */
typedef int (*sim_link_fn)(const char *link, const char *target, void *arg);
int sim_for_each_link(struct cfs *c, sim_link_fn fn, void *arg);
int sim_links_to(struct cfs *c, const char *target);                 /* how many links point there */
int sim_dir_link(struct cfs *c, const char *dir, char *target, size_t size); /* 1 found, 0 none */
int sim_link_resolve(struct cfs *c, const char *link, char *out, size_t size);

/* nvmet (sim_nvmet.c, sim_nvmet_attr.c): templates, names, values set at mkdir, links, attribute stores. */
const struct sim_tmpl *sim_nvmet_kind_tmpl(enum sim_kind k);
int sim_nvmet_name_check(struct cfs *c, enum sim_kernel k, enum sim_kind kind, const char *name);
int sim_nvmet_after_mkdir(struct cfs *c, enum sim_kind kind, const char *rel);
int sim_nvmet_allow_link(struct cfs *c, const char *parent, const struct sim_node *pn, const struct sim_node *tn);
int sim_nvmet_port_enabled(struct cfs *c, const char *port);
int sim_nvmet_attr_write(struct cfs *c, enum sim_kernel k, const struct sim_node *n, const char *rel,
			 const char *val);
int sim_is_nvmet(enum sim_kind k);

/* Attribute rules. */
int sim_attr_write(struct cfs *c, enum sim_kernel k, const struct sim_node *n, const char *rel,
		   const char *val);
int sim_attr_read_check(struct cfs *c, const struct sim_node *n);

/* Fault injection and counters (sim_fault.c). */
enum sim_op { SIM_OP_MKDIR, SIM_OP_RMDIR, SIM_OP_WRITE, SIM_OP_READ, SIM_OP_SYMLINK, SIM_OP_UNLINK };
/* Count the call; return the injected -errno if a rule fires for @path or @path2, else 0. */
int sim_enter(enum sim_op op, const char *path, const char *path2);

/* The link-time wrappers and the functions they wrap (configfs/cfs.c). */
int __wrap_cfs_mkdir(struct cfs *c, const char *rel);
int __wrap_cfs_rmdir(struct cfs *c, const char *rel);
int __wrap_cfs_write(struct cfs *c, const char *rel, const char *val);
int __wrap_cfs_read(struct cfs *c, const char *rel, char *buf, size_t size);
int __wrap_cfs_symlink(struct cfs *c, const char *target_rel, const char *link_rel);
int __wrap_cfs_unlink(struct cfs *c, const char *rel);
int __real_cfs_mkdir(struct cfs *c, const char *rel);
int __real_cfs_rmdir(struct cfs *c, const char *rel);
int __real_cfs_write(struct cfs *c, const char *rel, const char *val);
int __real_cfs_read(struct cfs *c, const char *rel, char *buf, size_t size);
int __real_cfs_symlink(struct cfs *c, const char *target_rel, const char *link_rel);
int __real_cfs_unlink(struct cfs *c, const char *rel);

/* The simulated kernel takes one call at a time: the agent's calls on different volumes run their kernel
 * steps in threads of their own (agent/server/flight.h), and the simulator's state (the tree's rules,
 * dm devices, sessions, reservations) is not made for that. Every __wrap_ entry point begins with
 * SIM_LOCKED, which holds a recursive lock to the end of its scope (wrappers call each other). */
int sim_lock(void);
void sim_unlock(int *unused);
#define SIM_LOCKED int sim_locked_ __attribute__((cleanup(sim_unlock), unused)) = sim_lock()

#endif
