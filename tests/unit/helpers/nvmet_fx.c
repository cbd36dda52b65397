/* SPDX-License-Identifier: Apache-2.0 */
/* nvmet_fx.c: the nvmet tests' fixture (see nvmet_fx.h). */
#include "nvmet_fx.h"

#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static int nv_open(void **state, enum sim_kernel k)
{
	int rc = k == SIM_KERNEL_6_1 ? setup61(state) : setup612(state);
	struct fx *f = *state;
	return rc ? rc : sim_nvmet_setup(f->root, k);
}

int nvsetup61(void **state)
{
	return nv_open(state, SIM_KERNEL_6_1);
}

int nvsetup612(void **state)
{
	return nv_open(state, SIM_KERNEL_6_12);
}

struct nvmet_subsys nv_subsys(void)
{
	return (struct nvmet_subsys){ .nqn = NQN, .serial = "11111111222233334444", .model = "attachd" };
}

struct nvmet_ns nv_ns(struct fx *f)
{
	return (struct nvmet_ns){ .nqn = NQN, .nsid = 1, .dev = f->dev[0], .uuid = VOLID, .nguid = VOLID };
}

const struct nvmet_addr nv_addr = { .traddr = "127.0.0.1", .trsvcid = "4420" };

/* ---- snapshots */
static FILE *snap_out;
static size_t snap_root_len;

static int snap_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	const char *rel = p + snap_root_len;
	if (flag == FTW_SL) {
		char t[PATH_MAX];
		ssize_t n = readlink(p, t, sizeof(t) - 1);
		t[n < 0 ? 0 : n] = '\0';
		fprintf(snap_out, "L %s -> %s\n", rel, t);
	} else if (S_ISDIR(st->st_mode)) {
		fprintf(snap_out, "D %s\n", rel);
	} else {
		char buf[4096] = "";
		FILE *in = fopen(p, "r");
		size_t n = in ? fread(buf, 1, sizeof(buf) - 1, in) : 0;
		if (in)
			fclose(in);
		fprintf(snap_out, "F %s = ", rel);
		for (size_t i = 0; i < n; i++) /* one line an entry: newlines escaped */
			fputs(buf[i] == '\n' ? "\\n" : (char[2]){ buf[i], 0 }, snap_out);
		fputc('\n', snap_out);
	}
	return 0;
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *nvsnap(struct fx *f, const char *sub)
{
	char top[PATH_MAX], *raw = NULL, *out = NULL;
	size_t len = 0, olen = 0;
	snprintf(top, sizeof(top), "%s/%s", f->root, sub);
	snap_out = open_memstream(&raw, &len);
	snap_root_len = strlen(f->root) + 1;
	assert_non_null(snap_out);
	if (access(top, F_OK) == 0)
		nftw(top, snap_cb, 16, FTW_PHYS);
	fclose(snap_out);
	char **v = NULL;
	size_t n = 0;
	for (char *save, *line = strtok_r(raw, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		v = realloc(v, (n + 1) * sizeof(*v));
		assert_non_null(v);
		v[n++] = line;
	}
	qsort(v, n, sizeof(*v), line_cmp);
	FILE *m = open_memstream(&out, &olen);
	for (size_t i = 0; i < n; i++)
		fprintf(m, "%s\n", v[i]);
	fclose(m);
	free(v);
	free(raw);
	return out;
}

void nv_assert_same(struct fx *f, const char *sub, char *before)
{
	char *now = nvsnap(f, sub);
	assert_string_equal(now, before);
	free(now);
	free(before);
}

char *nvdump(struct fx *f)
{
	static const char *const sub[] = { "nvmet", NULL };
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	OK(sim_dump(f->root, sub, m));
	fclose(m);
	return buf;
}

void nv_foreign(struct fx *f)
{
	MK("nvmet/subsystems/nqn.2016-06.io.spdk:other");
	MK("nvmet/subsystems/nqn.2016-06.io.spdk:other/namespaces/1");
	W("nvmet/subsystems/nqn.2016-06.io.spdk:other/namespaces/1/device_path", f->dev[1]);
	W("nvmet/subsystems/nqn.2016-06.io.spdk:other/namespaces/1/enable", "1");
	MK("nvmet/hosts/" HOSTNQN2);
	LN("nvmet/hosts/" HOSTNQN2, "nvmet/subsystems/nqn.2016-06.io.spdk:other/allowed_hosts/" HOSTNQN2);
	MK("nvmet/ports/1");
	W("nvmet/ports/1/addr_trtype", "tcp");
	W("nvmet/ports/1/addr_adrfam", "ipv4");
	W("nvmet/ports/1/addr_traddr", "127.0.0.1");
	W("nvmet/ports/1/addr_trsvcid", "4421");
	LN("nvmet/subsystems/nqn.2016-06.io.spdk:other", "nvmet/ports/1/subsystems/nqn.2016-06.io.spdk:other");
}
