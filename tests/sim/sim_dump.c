/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_dump.c: the canonical listing of a tree (format in sim.h), the one a shell script produces in
 * the real-kernel VM, so the two can be compared line by line.
 */
#include "tests/sim/sim_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct sim_line {
	char *path;
	char *text;
};

struct sim_lines {
	struct sim_line *v;
	size_t n, cap;
};

static int sim_lines_add(struct sim_lines *l, const char *path, const char *text)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct sim_line *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	char *p = strdup(path), *t = strdup(text);
	if (!p || !t) {
		free(p);
		free(t);
		return -ENOMEM;
	}
	l->v[l->n].path = p;
	l->v[l->n++].text = t;
	return 0;
}

/* @fake is a struct cfs for sim_link_resolve: only rootfd and root are used. */
static int sim_dump_walk(struct cfs *fake, const char *rel, struct sim_lines *l)
{
	struct stat st;
	char text[PATH_MAX + CFS_PATH_MAX * 2 + 16];
	if (fstatat(fake->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (S_ISLNK(st.st_mode)) {
		char target[CFS_PATH_MAX];
		int rc = sim_link_resolve(fake, rel, target, sizeof(target));
		if (rc == -EXDEV) {
			/* outside the root: print the text as it is */
			ssize_t n = readlinkat(fake->rootfd, rel, target, sizeof(target) - 1);
			if (n < 0)
				return -errno;
			target[n] = '\0';
		} else if (rc) {
			return rc;
		}
		snprintf(text, sizeof(text), "L %s -> %s", rel, target);
		return sim_lines_add(l, rel, text);
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(text, sizeof(text), "F %s", rel);
		return sim_lines_add(l, rel, text);
	}
	snprintf(text, sizeof(text), "D %s", rel);
	int rc = sim_lines_add(l, rel, text);
	int fd = rc ? -1 : openat(fake->rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rc || fd < 0)
		return rc ? rc : -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int err = errno;
		close(fd);
		return -err;
	}
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		char child[CFS_PATH_MAX];
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		rc = sim_join(child, sizeof(child), rel, de->d_name);
		if (!rc)
			rc = sim_dump_walk(fake, child, l);
	}
	closedir(d);
	return rc;
}

static int sim_line_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sim_line *)a)->path, ((const struct sim_line *)b)->path);
}

int sim_dump(const char *root, const char *const *subtrees, FILE *out)
{
	struct cfs fake;
	struct sim_lines l = { NULL, 0, 0 };
	if (strlen(root) >= sizeof(fake.root))
		return -ENAMETOOLONG;
	fake.rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fake.rootfd < 0)
		return -errno;
	snprintf(fake.root, sizeof(fake.root), "%s", root);
	size_t rl = strlen(fake.root);
	while (rl > 1 && fake.root[rl - 1] == '/')
		fake.root[--rl] = '\0';
	int rc = 0;
	for (size_t i = 0; !rc && subtrees && subtrees[i]; i++) {
		char rel[CFS_PATH_MAX];
		rc = sim_norm(subtrees[i], rel, sizeof(rel));
		if (!rc)
			rc = *rel ? sim_dump_walk(&fake, rel, &l) : -EINVAL;
	}
	close(fake.rootfd);
	if (!rc) {
		qsort(l.v, l.n, sizeof(*l.v), sim_line_cmp);
		for (size_t i = 0; i < l.n; i++)
			if (fprintf(out, "%s\n", l.v[i].text) < 0)
				rc = -EIO;
	}
	for (size_t i = 0; i < l.n; i++) {
		free(l.v[i].path);
		free(l.v[i].text);
	}
	free(l.v);
	return rc;
}
