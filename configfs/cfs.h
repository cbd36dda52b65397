/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cfs.h: the only code that touches a configfs tree. Every path is relative to the root the context was
 * opened on (default /sys/kernel/config); nothing here knows LIO, nvmet, the protocol or the store.
 *
 * Kernel-facing rules kept here: one exact-length write() per attribute and no trailing newline; a short
 * write is an error; reads are NUL-terminated with one trailing newline removed; errno is captured at the
 * failing call. All functions return 0 (or a length) on success, a negative errno on failure.
 *
 * Tests link the configfs simulator (tests/sim/) with -Wl,--wrap=cfs_<op> around these functions: the
 * simulator applies the kernel's rules and side effects, then calls the real function on a plain
 * directory tree. The production binary contains no simulator code.
 */
#ifndef CFS_H
#define CFS_H

#include <stddef.h>

#define CFS_PATH_MAX 4096

struct cfs {
	int rootfd;             /* O_DIRECTORY descriptor of the root */
	char root[CFS_PATH_MAX]; /* absolute root path: configfs resolves symlink targets from "/" */
};

/* Open the tree at @root (must be an existing directory). */
int cfs_open(struct cfs *c, const char *root);
void cfs_close(struct cfs *c);

int cfs_mkdir(struct cfs *c, const char *rel);
int cfs_rmdir(struct cfs *c, const char *rel);
/* Write @val (strlen bytes, no newline added) to the attribute @rel in one write(). */
int cfs_write(struct cfs *c, const char *rel, const char *val);
/* Read attribute @rel into @buf (NUL-terminated, one trailing newline stripped); returns the length. */
int cfs_read(struct cfs *c, const char *rel, char *buf, size_t size);
/* Make the link @link_rel pointing at the object @target_rel (both relative to the root). */
int cfs_symlink(struct cfs *c, const char *target_rel, const char *link_rel);
int cfs_unlink(struct cfs *c, const char *rel);
/* 1 if @rel exists (not following a final symlink), 0 if not, negative errno on other errors. */
int cfs_exists(struct cfs *c, const char *rel);
/* The entries of directory @rel (one level; no "." or ".."): @fn gets each name and whether it is a
 * directory, a link or a file; a non-zero return stops the walk and is returned. -ENOENT if @rel is
 * missing. Reconciliation uses this on one object at a time, never on the whole tree. */
enum cfs_kind { CFS_FILE, CFS_DIR, CFS_LINK };
int cfs_list(struct cfs *c, const char *rel, int (*fn)(const char *name, enum cfs_kind kind, void *arg), void *arg);
/* The target of link @rel made relative to the root ("target/core/iblock_0/x"), NUL-terminated. */
int cfs_readlink(struct cfs *c, const char *rel, char *buf, size_t size);

#endif
