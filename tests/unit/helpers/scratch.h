/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scratch.h: a temporary directory for one test (on tmpfs when there is one), holding a block device node
 * with loop's major and a minor no real loop device uses (7:200): tests that only stat it, or that answer
 * its open themselves, need no real disk.
 */
#ifndef SCRATCH_H
#define SCRATCH_H

#include <limits.h>

struct scratch {
	char dir[256];
	char disk[PATH_MAX];
};

/* Make @s->dir as "<tmp>/<name>.XXXXXX" and the node @s->disk in it (cmocka assertions). */
void scratch_make(struct scratch *s, const char *name);
/* Remove the directory with everything in it. */
void scratch_remove(struct scratch *s);

#endif
