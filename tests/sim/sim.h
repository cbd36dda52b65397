/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim.h: the configfs simulator, the contract tests rely on.
 *
 * This machine has no configfs. Test binaries and build/attachd-sim are linked with
 * -Wl,--wrap=cfs_mkdir,--wrap=cfs_rmdir,--wrap=cfs_write,--wrap=cfs_read,--wrap=cfs_symlink,
 * --wrap=cfs_unlink and the objects of tests/sim/: every cfs_* call of the production code then goes
 * through the simulator, which applies the LIO kernel's rules and side effects (Debian's 6.1 kernel,
 * optionally 6.12) to a plain directory tree and then does the change with the real cfs_* function
 * or, where it must, with syscalls relative to cfs->rootfd. cfs_open, cfs_close and cfs_exists are
 * not wrapped. The production binary contains none of this.
 *
 * Statelessness: the simulator derives every rule from the path and from the tree on disk; it keeps
 * what the kernel keeps internally in the attribute files that show it (a storage object's `enable`
 * and `info`, a TPG's `enable`, ...). A process killed and restarted on the same tree sees the same
 * kernel. The tree holds no marker files: it is meant to match a capture of the real kernel's tree.
 *
 * Attribute files hold what the kernel's show() prints, newline included, so cfs_read() returns what
 * it would return on the kernel: a string written with a trailing newline to auth/userid reads back
 * with that newline (the kernel stores it verbatim). Notable kernel behaviours reproduced:
 *   - storage object: `control` udev_path= is not `udev_path`; the kernel shows the control value in
 *     `info` ("UDEV PATH: ..."), and `udev_path` only what was written to it; `control` udev_path=
 *     after enable is EEXIST; `enable` a second time is EEXIST; `wwn/vpd_unit_serial` reads back as
 *     "T10 VPD Unit Serial Number: <serial>", is EOVERFLOW from 254 bytes and EINVAL once a LUN links
 *     the object;
 *   - tpgt `enable`: writing the current value succeeds and does nothing (kernel >= 5.16);
 *   - mapped LUN `write_protect` reads empty and ignores writes until the mapped LUN is linked;
 *   - a second link into a mapped LUN is EINVAL (EEXIST is for the LUN's own second link);
 *   - symlinks are created with the kernel's relative body ("../../../../../../target/core/...").
 * Kernels: SIM_KERNEL_6_1 and SIM_KERNEL_6_12 follow the captures of Debian's kernels in
 * tests/sim/golden/ (both include target/iscsi/cpus_allowed_list; what differs: docs/KERNEL.md,
 * '6.1 and 6.12'), compared entry for entry by tests/integration/test_golden.sh. Only the iblock
 * backend and the iscsi fabric are modelled, and nvmet (sim_nvmet_setup below).
 *
 * Caveats: attribute values not named in tests/sim/sim_attr.c are stored as written (plus a newline);
 * the default content of statistics and most device attributes is approximate; network portals are
 * not bound, so an address not on this host is accepted; ALUA groups cannot be created (EPERM).
 */
#ifndef SIM_H
#define SIM_H

#include <stdio.h>

enum sim_kernel { SIM_KERNEL_6_1, SIM_KERNEL_6_12 };

/*
 * Create under @root (an existing, empty directory; absolute path) what loading target_core_mod
 * shows: target/ (version, dbroot), target/core/ and target/core/alua/lu_gps/default_lu_gp/.
 * target/iscsi is not there: mkdir it, as on the kernel. The kernel version is recorded in
 * target/version, as the kernel shows it, and read back by every later call.
 * Returns 0, -EEXIST if @root already has target/, or a negative errno.
 */
int sim_setup(const char *root, enum sim_kernel k);

/*
 * nvmet (sim_nvmet.c, sim_nvmet_attr.c): what loading the nvmet module shows under @root: nvmet/ with hosts/,
 * ports/, subsystems/ (and 6.12's discovery_nqn, by which a tree of nvmet alone tells its kernel). Then
 * subsystems, namespaces, ports and hosts are made with mkdir as on the kernel; 6.12 has the hosts'
 * dhchap_* attributes (CONFIG_NVME_TARGET_AUTH), the subsystems' passthru/, attr_firmware and
 * attr_ieee_oui, the ports' addr_tsas and param_max_queue_size; 6.1 none of them. Rules reproduced: the
 * names mkdir takes; a namespace's device_path, device_uuid and device_nguid EBUSY while it is enabled,
 * enable ENOENT / EISDIR / EINVAL for a missing path / a directory / none written, EBUSY for a number
 * another enabled namespace has; attr_serial and attr_model lengths and characters (EINVAL); a port's
 * address attributes EACCES while a subsystem is linked into it (it is then enabled), bad values EINVAL;
 * the first subsystem link enables the port: EINVAL for a transport other than tcp, a family other than
 * ipv4/ipv6 or a malformed address or port, EADDRINUSE when another enabled port has the address; links
 * of the wrong kind EINVAL, the same subsystem or host twice EEXIST, hosts while attr_allow_any_host is 1
 * EINVAL; rmdir of a linked subsystem or host EBUSY, of a port with subsystems or a subsystem with
 * namespaces or hosts ENOTEMPTY; a DH-HMAC-CHAP key checked only for its "DHHC-1:<n>:" prefix and n <= 3.
 * Caveats: no socket is bound (an address not on this host is accepted; the kernel says EADDRNOTAVAIL);
 * no host ever connects, so serial and model never freeze; referrals and ANA groups cannot be made; a
 * file-backed namespace always enables (the kernel opens the file with O_DIRECT unless buffered_io is 1,
 * which 6.1's tmpfs refuses with EINVAL); a write() of zero bytes is EFAULT on every attribute, LIO's too.
 * Returns 0, -EEXIST if @root already has nvmet/, or a negative errno.
 */
int sim_nvmet_setup(const char *root, enum sim_kernel k);

/*
 * Fault injection. The @nth call (1 = the next one) of @op ("mkdir", "rmdir", "write", "read",
 * "symlink", "unlink") whose path contains @path_substring ("" matches all; for symlink either the
 * link or the target path) fails with -@err and changes nothing; the rule then goes away. Up to 32
 * rules are kept; sim_fail_clear() drops them all (including those from the environment).
 *
 * The same from the environment, for a separately started build/attachd-sim: ATTACHD_SIM_FAIL is
 * read once, at the first simulator call in the process, as one or more rules separated by ';':
 *     op:substring:errno[:nth]
 * errno is a number or a name (EIO, ENOSPC, EBUSY, EINVAL, ENOMEM, EPERM, ENOENT, EEXIST, EACCES,
 * EAGAIN, EINTR, ETIMEDOUT, ENODEV, ENOTEMPTY); fields are taken from the right, so the substring may
 * contain ':' (IQNs do): "write:iqn.2024-01.org.example:t/tpgt_1/enable:EIO:2".
 * sim_fail_spec() parses the same syntax (0 or -EINVAL).
 */
void sim_fail(const char *op, const char *path_substring, int err, int nth);
void sim_fail_clear(void);
int sim_fail_spec(const char *spec);

/* Calls received per operation since the start or the last reset (failed ones included). */
struct sim_stats {
	unsigned long mkdir, rmdir, write, read, symlink, unlink;
};
struct sim_stats sim_stats(void);
void sim_stats_reset(void);

/*
 * Persistent reservations (sim_pr.c): target/dbroot follows the kernel's rules (EINVAL while any storage
 * object exists, the path must be a directory, the copy without its NUL); a storage object's
 * pr/res_aptpl_metadata takes one registration per write until a LUN links the object. What the
 * storage objects took since the start or sim_pr_reset(): sim_pr_fed() returns the count and puts one
 * "<storage object>: <registration>" line each in @buf.
 */
size_t sim_pr_fed(char *buf, size_t size);
void sim_pr_reset(void);

/*
 * iSCSI sessions (sim_session.c): nothing logs in to the simulator, so a test says it happened. A login
 * of @initiator to target @iqn (an enabled tpgt_1, else -ECONNREFUSED; no such target -ENOENT; no ACL for
 * it -EACCES, as CHAP refuses it) from address @addr (NULL: 127.0.0.1) shows as the kernel shows one:
 * the target's fabric_statistics/iscsi_instance/sessions counts it, iscsi_login_stats/accepts counts the
 * login, the ACL's info holds the session's details. Logged in already: a reinstatement (the count stays).
 * A logout (or the ACL's removal, which drops its session) undoes that; -ENOENT without the ACL, 0 without
 * a session. Both take the tree's root path, like sim_setup().
 */
int sim_session_login(const char *root, const char *iqn, const char *initiator, const char *addr);
int sim_session_logout(const char *root, const char *iqn, const char *initiator);

/*
 * Canonical listing of the tree, to compare the simulator with a capture of the real kernel. For each
 * of the NULL-terminated @subtrees (paths relative to @root, e.g. "target"), every entry including the
 * subtree itself, one line each, all lines sorted by path in byte order (strcmp, i.e. LC_ALL=C):
 *     D <path>                 a directory
 *     F <path>                 an attribute file (anything that is not a directory or a link)
 *     L <path> -> <target>     a symlink; <target> is its text resolved lexically against the
 *                              directory holding the link (or, if absolute, with "<root>/"
 *                              removed), relative to @root, without a trailing '/'
 * <path> is relative to @root. Nothing else is printed (no sizes, modes or contents). A shell
 * equivalent: for each entry print the path and type, resolve link text with realpath -m -s against
 * the link's directory, and sort the lines with LC_ALL=C sort -k2,2.
 * Returns 0, -ENOENT if a subtree is missing, or another negative errno.
 */
int sim_dump(const char *root, const char *const *subtrees, FILE *out);

/*
 * Device-mapper and block devices (sim_dm.c): dmdev_* and blkdev_* are wrapped too. Devices live in
 * @dir (made if missing; also taken from ATTACHD_SIM_DM_DIR at first use): node <dir>/<name>, table
 * <dir>/<name>.table. Without a directory the wrapped calls fail with -ENODEV, as on a machine without
 * device-mapper. A block device's size defaults to 1 GiB; sim_dm_set_size() changes it (a dm node's size
 * is its table's length). sim_dm_state() gives a device's table line ("linear <maj>:<min> <sectors>" or
 * "error - <sectors>"), -ENXIO when it does not exist. Identities, dm names and held devices: the files
 * sim_dm.c's header lists; sim_dm_set_ident() writes a device's identity ("-": none).
 */
#include <stdint.h>
int sim_dm_setup(const char *dir);
int sim_dm_set_size(const char *dev, uint64_t bytes);
int sim_dm_state(const char *name, char *buf, size_t size);
int sim_dm_set_ident(const char *dev, const char *ident);

#endif
