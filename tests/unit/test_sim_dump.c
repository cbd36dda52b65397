/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sim_dump.c: the configfs simulator's canonical listing, sim_dump() (tests/sim/sim_dump.c): the line
 * format of directories, files and links, byte order, and a missing subtree.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_fx.h"
#include "unit_main.h"

static void test_dump_format(void **state)
{
	struct fx *f = *state;
	mk_export(f);
	char *d = dump(f);
	assert_non_null(strstr(d, "L " LUN "/lnk -> " SO "\n"));
	assert_non_null(strstr(d, "L " MLUN "/m -> " LUN "\n"));
	assert_non_null(strstr(d, "D " ACL "\n"));
	assert_non_null(strstr(d, "F " ACL "/auth/userid\n"));
	/* sorted by path, byte order */
	char prev[PATH_MAX] = "";
	for (char *line = strtok(d, "\n"); line; line = strtok(NULL, "\n")) {
		char path[PATH_MAX];
		assert_true(line[0] == 'D' || line[0] == 'F' || line[0] == 'L');
		snprintf(path, sizeof(path), "%s", line + 2);
		char *arrow = strstr(path, " -> ");
		if (arrow)
			*arrow = '\0';
		assert_true(strcmp(prev, path) < 0);
		snprintf(prev, sizeof(prev), "%s", path);
	}
	free(d);
	static const char *const missing[] = { "nvmet", NULL };
	ERR(sim_dump(f->root, missing, stdout), ENOENT);
}

UNIT_MAIN("sim-dump", SIM_TEST_612(test_dump_format))
