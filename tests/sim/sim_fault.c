/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_fault.c: fault injection and operation counters. These are the only things the simulator
 * keeps in memory, and they belong to the test (what to break, how much work was asked of the
 * kernel), not to the simulated kernel.
 */
#include "tests/sim/sim_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SIM_MAX_RULES 32

struct sim_rule {
	enum sim_op op;
	char sub[CFS_PATH_MAX];
	int err;
	int left; /* matching calls still to let through + 1 */
};

static struct sim_rule sim_rules[SIM_MAX_RULES];
static int sim_nrules;
static int sim_env_done;
static struct sim_stats sim_counts;

static const char *const sim_op_names[] = { "mkdir", "rmdir", "write", "read", "symlink", "unlink" };

static int sim_op_parse(const char *s, size_t len, enum sim_op *op)
{
	for (int i = 0; i < (int)(sizeof(sim_op_names) / sizeof(sim_op_names[0])); i++)
		if (strlen(sim_op_names[i]) == len && !strncmp(s, sim_op_names[i], len)) {
			*op = (enum sim_op)i;
			return 0;
		}
	return -EINVAL;
}

/* A positive errno from a number or a name; 0 if @s is neither. */
static int sim_errno_parse(const char *s, size_t len)
{
	static const struct { const char *name; int err; } names[] = {
		{ "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EBUSY", EBUSY }, { "EINVAL", EINVAL },
		{ "ENOMEM", ENOMEM }, { "EPERM", EPERM }, { "ENOENT", ENOENT }, { "EEXIST", EEXIST },
		{ "EACCES", EACCES }, { "EAGAIN", EAGAIN }, { "EINTR", EINTR },
		{ "ETIMEDOUT", ETIMEDOUT }, { "ENODEV", ENODEV }, { "ENOTEMPTY", ENOTEMPTY },
	};
	char buf[32];
	if (!len || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(buf, names[i].name))
			return names[i].err;
	unsigned v;
	return (!sim_kstrtou32(buf, 10, &v) && v > 0 && v < 4096) ? (int)v : 0;
}

static void sim_rule_add(enum sim_op op, const char *sub, size_t sublen, int err, int nth)
{
	if (sim_nrules == SIM_MAX_RULES)
		return;
	struct sim_rule *r = &sim_rules[sim_nrules++];
	r->op = op;
	if (sublen >= sizeof(r->sub))
		sublen = sizeof(r->sub) - 1;
	memcpy(r->sub, sub, sublen);
	r->sub[sublen] = '\0';
	r->err = err < 0 ? -err : err;
	r->left = nth < 1 ? 1 : nth;
}

/* One rule "op:substring:errno[:nth]", fields taken from the right (IQNs contain ':'). */
static int sim_rule_parse(const char *s, size_t len)
{
	enum sim_op op;
	const char *c1 = memchr(s, ':', len);
	if (!c1 || sim_op_parse(s, (size_t)(c1 - s), &op))
		return -EINVAL;
	const char *rest = c1 + 1, *end = s + len;
	const char *last = end;
	while (last > rest && last[-1] != ':')
		last--;
	if (last == rest)
		return -EINVAL; /* no errno field */
	/* last field: nth if the one before it is an errno, else the errno */
	const char *prev = last - 1;
	while (prev > rest && prev[-1] != ':')
		prev--;
	int err = 0, nth = 1;
	unsigned v;
	char num[16];
	size_t llen = (size_t)(end - last);
	if (prev > rest && llen && llen < sizeof(num)) {
		memcpy(num, last, llen);
		num[llen] = '\0';
		err = sim_errno_parse(prev, (size_t)(last - 1 - prev));
		if (err && !sim_kstrtou32(num, 10, &v) && v > 0) {
			nth = (int)v;
			sim_rule_add(op, rest, (size_t)(prev - 1 - rest), err, nth);
			return 0;
		}
	}
	err = sim_errno_parse(last, llen);
	if (!err)
		return -EINVAL;
	sim_rule_add(op, rest, (size_t)(last - 1 - rest), err, nth);
	return 0;
}

int sim_fail_spec(const char *spec)
{
	int rc = 0;
	while (*spec) {
		const char *semi = strchr(spec, ';');
		size_t len = semi ? (size_t)(semi - spec) : strlen(spec);
		if (len && sim_rule_parse(spec, len))
			rc = -EINVAL;
		spec += len + (semi != NULL);
	}
	return rc;
}

static void sim_env_load(void)
{
	if (sim_env_done)
		return;
	sim_env_done = 1;
	const char *spec = getenv("ATTACHD_SIM_FAIL");
	if (spec)
		sim_fail_spec(spec);
}

void sim_fail(const char *op, const char *path_substring, int err, int nth)
{
	enum sim_op o;
	sim_env_load();
	if (!op || sim_op_parse(op, strlen(op), &o))
		return;
	const char *sub = path_substring ? path_substring : "";
	sim_rule_add(o, sub, strlen(sub), err, nth);
}

void sim_fail_clear(void)
{
	sim_env_load();
	sim_nrules = 0;
}

struct sim_stats sim_stats(void)
{
	return sim_counts;
}

void sim_stats_reset(void)
{
	memset(&sim_counts, 0, sizeof(sim_counts));
}

int sim_enter(enum sim_op op, const char *path, const char *path2)
{
	sim_env_load();
	switch (op) {
	case SIM_OP_MKDIR: sim_counts.mkdir++; break;
	case SIM_OP_RMDIR: sim_counts.rmdir++; break;
	case SIM_OP_WRITE: sim_counts.write++; break;
	case SIM_OP_READ: sim_counts.read++; break;
	case SIM_OP_SYMLINK: sim_counts.symlink++; break;
	case SIM_OP_UNLINK: sim_counts.unlink++; break;
	}
	for (int i = 0; i < sim_nrules; i++) {
		struct sim_rule *r = &sim_rules[i];
		if (r->op != op || (!strstr(path, r->sub) && !(path2 && strstr(path2, r->sub))))
			continue;
		if (--r->left > 0)
			continue;
		int err = r->err;
		memmove(r, r + 1, (size_t)(sim_nrules - i - 1) * sizeof(*r));
		sim_nrules--;
		return -err;
	}
	return 0;
}
