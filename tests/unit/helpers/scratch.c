/* SPDX-License-Identifier: Apache-2.0 */
/* scratch.c: the temporary directory of scratch.h. */
#include "scratch.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

void scratch_make(struct scratch *s, const char *name)
{
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(s->dir, sizeof(s->dir), "%s/%.64s.XXXXXX", tmp, name);
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->disk, sizeof(s->disk), "%s/disk", s->dir);
	assert_int_equal(mknod(s->disk, S_IFBLK | 0600, makedev(7, 200)), 0);
}

void scratch_remove(struct scratch *s)
{
	char cmd[sizeof(s->dir) + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", s->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", s->dir);
}
