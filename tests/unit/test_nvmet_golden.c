/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_nvmet_golden.c: the nvmet simulator against the real kernels. tests/sim/golden/nvmet-<kernel>.txt
 * are the nvmet trees of one export made by configfs/nvmet*.c on Debian's 6.1 and 6.12 (tests/vm scenario
 * 22, through tests/tools/nvmet-export.c), and nvmet-errno-<kernel>.txt the answers of the same kernels
 * to a fixed sequence of raw configfs operations, right and wrong ("OP ARGS => ok|ENAME"). Here the same
 * export is made on the simulator and must give the same tree, entry for entry, and the same sequence
 * replayed on the simulator must give the same answers, line for line, so the simulator cannot drift
 * from the kernels. Lines whose operation starts with '!' are answers the simulator does not model
 * (sim.h, caveats: no socket is bound): they are not replayed, and each is a failure that changes nothing.
 * NVMET_GOLDEN_PRINT=1 prints the simulator's own answers instead of comparing; NVMET_GOLDEN_KERNEL=6.1
 * or 6.12 skips the other kernel's tests (tests/vm/run.sh runs this on a fresh capture of one kernel).
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "nvmet_fx.h"
#include "unit_main.h"

#define GOLDEN "tests/sim/golden/"

static char *slurp(const char *path)
{
	FILE *in = fopen(path, "r");
	if (!in) {
		print_message("cannot read %s (run from the repository's top)\n", path);
		return NULL;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(in);
	fclose(m);
	return buf;
}

/* The fixture's kernel ("6.1", "6.12"); skips the test when NVMET_GOLDEN_KERNEL names the other one. */
static const char *kname(struct fx *f)
{
	const char *k = exists(f, "nvmet/discovery_nqn") == 1 ? "6.12" : "6.1"; /* what 6.12 shows, 6.1 not */
	const char *only = getenv("NVMET_GOLDEN_KERNEL");
	if (only && strcmp(only, k))
		skip();
	return k;
}

/* The export of scenario 22, by the writer: the same calls as nvmet-export's "export". */
static void tree(void **state)
{
	struct fx *f = *state;
	struct nvmet_ids ids;
	char path[128];
	snprintf(path, sizeof(path), GOLDEN "nvmet-%s.txt", kname(f));
	OK(nvmet_ids_from_volume(VOLID, &ids));
	struct nvmet_host h = { .nqn = HOSTNQN };
	struct nvmet_subsys s = { .nqn = NQN, .serial = ids.serial, .model = "attachd" };
	struct nvmet_ns n = { .nqn = NQN, .nsid = 1, .dev = f->dev[0], .uuid = ids.uuid, .nguid = ids.nguid };
	unsigned id;
	bool made;
	OK(nvmet_host_create(&f->c, &h));
	OK(nvmet_subsys_create(&f->c, &s));
	OK(nvmet_ns_create(&f->c, &n));
	OK(nvmet_host_allow(&f->c, NQN, HOSTNQN));
	OK(nvmet_port_ensure(&f->c, &nv_addr, &id, &made));
	OK(nvmet_port_link(&f->c, id, NQN));
	char *sim = nvdump(f);
	if (getenv("NVMET_GOLDEN_PRINT")) {
		fputs(sim, stdout);
	} else {
		char *kernel = slurp(path);
		assert_non_null(kernel);
		assert_string_equal(sim, kernel);
		free(kernel);
	}
	free(sim);
}

/* @in with the placeholders of nvmet-export's "try" replaced by this fixture's values. */
static void expand(struct fx *f, const char *in, char *out, size_t size)
{
	char dir[PATH_MAX], missing[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/probe-dir", f->root);
	snprintf(missing, sizeof(missing), "%s/probe-missing", f->root);
	const char *tok[][2] = { { "@DEV@", f->dev[0] }, { "@DIR@", dir }, { "@MISSING@", missing },
				 { "@FILE@", f->notblk }, { "@ID@", VOLID }, { "@EMPTY@", "" } };
	size_t o = 0;
	while (*in && o + 1 < size) {
		size_t i, n = 1;
		const char *rep = NULL;
		for (i = 0; i < sizeof(tok) / sizeof(tok[0]); i++)
			if (!strncmp(in, tok[i][0], strlen(tok[i][0]))) {
				rep = tok[i][1];
				n = strlen(tok[i][0]);
				break;
			}
		size_t len = rep ? strlen(rep) : 1;
		assert_true(o + len + 1 < size);
		memcpy(out + o, rep ? rep : in, len);
		o += len;
		in += n;
	}
	out[o] = '\0';
}

static int run_op(struct fx *f, const char *op, const char *a, const char *b)
{
	char x[PATH_MAX * 2], y[PATH_MAX * 2];
	expand(f, a, x, sizeof(x));
	if (b)
		expand(f, b, y, sizeof(y));
	if (!strcmp(op, "mkdir"))
		return cfs_mkdir(&f->c, x);
	if (!strcmp(op, "rmdir"))
		return cfs_rmdir(&f->c, x);
	if (!strcmp(op, "unlink"))
		return cfs_unlink(&f->c, x);
	if (!strcmp(op, "write") && b)
		return cfs_write(&f->c, x, y);
	if (!strcmp(op, "link") && b)
		return cfs_symlink(&f->c, x, y);
	fail_msg("unknown operation %s", op);
	return 0;
}

static void errnos(void **state)
{
	struct fx *f = *state;
	char path[128], dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/probe-dir", f->root);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), GOLDEN "nvmet-errno-%s.txt", kname(f));
	char *text = slurp(path);
	assert_non_null(text);
	int print = getenv("NVMET_GOLDEN_PRINT") != NULL, bad = 0, lines = 0;
	for (char *save, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || !line[0])
			continue;
		char *arrow = strstr(line, " => ");
		assert_non_null(arrow);
		*arrow = '\0';
		const char *want = arrow + 4;
		char *args[4] = { NULL }, *s2;
		int n = 0;
		for (char *t = strtok_r(line, " ", &s2); t && n < 4; t = strtok_r(NULL, " ", &s2))
			args[n++] = t;
		assert_true(n == 2 || n == 3);
		lines++;
		if (args[0][0] == '!') {
			assert_string_not_equal(want, "ok"); /* a failure: nothing changed on the kernel either */
			continue;
		}
		int rc = run_op(f, args[0], args[1], n == 3 ? args[2] : NULL);
		const char *got = rc ? strerrorname_np(-rc) : "ok";
		if (print)
			printf("%s %s%s%s => %s\n", args[0], args[1], n == 3 ? " " : "", n == 3 ? args[2] : "", got);
		else if (strcmp(got, want)) {
			print_message("%s %s%s%s: kernel %s, simulator %s\n", args[0], args[1], n == 3 ? " " : "",
				      n == 3 ? args[2] : "", want, got);
			bad++;
		}
	}
	free(text);
	assert_true(lines > 50);
	assert_int_equal(bad, 0);
}

static void test_tree_61(void **state)
{
	tree(state);
}

static void test_tree_612(void **state)
{
	tree(state);
}

static void test_errno_61(void **state)
{
	errnos(state);
}

static void test_errno_612(void **state)
{
	errnos(state);
}

UNIT_MAIN("nvmet-golden", NV_TEST(test_tree_61), NV_TEST_612(test_tree_612), NV_TEST(test_errno_61),
	  NV_TEST_612(test_errno_612))
