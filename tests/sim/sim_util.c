/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_util.c: small helpers of the simulator: path components, the kernel's number parsing
 * (lib/kstrtox.c semantics, because the error codes are part of what we reproduce) and files
 * relative to the root descriptor.
 */
#include "tests/sim/sim_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Strip leading/trailing '/' and collapse "//"; "." and ".." are refused because the simulator
 * classifies paths by their text and never resolves them. */
int sim_norm(const char *in, char *out, size_t size)
{
	size_t o = 0;
	const char *p = in;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		if (o + len + 2 > size)
			return -ENAMETOOLONG;
		if (o)
			out[o++] = '/';
		memcpy(out + o, p, len);
		o += len;
		p += len;
	}
	if (size == 0)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return 0;
}

int sim_ncomp(const char *rel)
{
	if (!*rel)
		return 0;
	int n = 1;
	for (const char *p = rel; *p; p++)
		n += *p == '/';
	return n;
}

const char *sim_comp(const char *rel, int i, size_t *len)
{
	const char *p = rel;
	if (!*p)
		return NULL;
	for (; i > 0; i--) {
		p = strchr(p, '/');
		if (!p)
			return NULL;
		p++;
	}
	const char *e = strchr(p, '/');
	*len = e ? (size_t)(e - p) : strlen(p);
	return p;
}

int sim_prefix(const char *rel, int n, char *out, size_t size)
{
	size_t len;
	const char *p = sim_comp(rel, n - 1, &len);
	if (n <= 0 || !p)
		return -EINVAL;
	size_t total = (size_t)(p - rel) + len;
	if (total >= size)
		return -ENAMETOOLONG;
	memcpy(out, rel, total);
	out[total] = '\0';
	return 0;
}

const char *sim_basename(const char *rel)
{
	const char *s = strrchr(rel, '/');
	return s ? s + 1 : rel;
}

int sim_join(char *out, size_t size, const char *a, const char *b)
{
	int n = snprintf(out, size, "%s%s%s", a, (*a && *b) ? "/" : "", b);
	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

/* _parse_integer_fixup_radix + _kstrtoull: optional '+', radix prefix for base 0 (and 16), digits,
 * at most one trailing newline. */
int sim_kstrtoull(const char *s, unsigned base, unsigned long long *v)
{
	if (*s == '+')
		s++;
	if (base == 0) {
		if (s[0] == '0' && tolower((unsigned char)s[1]) == 'x' && isxdigit((unsigned char)s[2]))
			base = 16;
		else if (s[0] == '0')
			base = 8;
		else
			base = 10;
	}
	if (base == 16 && s[0] == '0' && tolower((unsigned char)s[1]) == 'x')
		s += 2;
	unsigned long long r = 0;
	int digits = 0, overflow = 0;
	for (;; s++) {
		int c = tolower((unsigned char)*s), d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			break;
		if ((unsigned)d >= base)
			break;
		if (r > (ULLONG_MAX - (unsigned)d) / base)
			overflow = 1;
		r = r * base + (unsigned)d;
		digits++;
	}
	if (!digits)
		return -EINVAL;
	if (overflow)
		return -ERANGE;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*v = r;
	return 0;
}

int sim_kstrtou32(const char *s, unsigned base, unsigned *v)
{
	unsigned long long t;
	int rc = sim_kstrtoull(s, base, &t);
	if (rc)
		return rc;
	if (t > 0xffffffffULL)
		return -ERANGE;
	*v = (unsigned)t;
	return 0;
}

int sim_kstrtou16(const char *s, unsigned base, unsigned short *v)
{
	unsigned long long t;
	int rc = sim_kstrtoull(s, base, &t);
	if (rc)
		return rc;
	if (t > 0xffffULL)
		return -ERANGE;
	*v = (unsigned short)t;
	return 0;
}

int sim_kstrtos32(const char *s, unsigned base, int *v)
{
	unsigned long long t;
	int neg = *s == '-';
	int rc = sim_kstrtoull(neg ? s + 1 : s, base, &t);
	if (rc)
		return rc;
	if (neg ? t > 0x80000000ULL : t > 0x7fffffffULL)
		return -ERANGE;
	*v = neg ? (int)(0 - t) : (int)t;
	return 0;
}

/* kstrtobool looks at the first one or two characters only. */
int sim_kstrtobool(const char *s, int *v)
{
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
		*v = 1;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case '0':
		*v = 0;
		return 0;
	case 'o': case 'O':
		if (s[1] == 'n' || s[1] == 'N') {
			*v = 1;
			return 0;
		}
		if (s[1] == 'f' || s[1] == 'F') {
			*v = 0;
			return 0;
		}
		return -EINVAL;
	default:
		return -EINVAL;
	}
}

int sim_put(int rootfd, const char *rel, const char *data)
{
	int fd = openat(rootfd, rel, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	size_t len = strlen(data);
	ssize_t n = len ? write(fd, data, len) : 0;
	int err = n < 0 ? errno : 0;
	close(fd);
	if (n < 0)
		return -err;
	return (size_t)n == len ? 0 : -EIO;
}

int sim_get(int rootfd, const char *rel, char *buf, size_t size)
{
	int fd = openat(rootfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			close(fd);
			return -err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return (int)len;
}

int sim_is_dir(int rootfd, const char *rel)
{
	struct stat st;
	if (fstatat(rootfd, *rel ? rel : ".", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 1 : 0;
}

int sim_rm_rf(int rootfd, const char *rel)
{
	int r = sim_is_dir(rootfd, rel);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	if (!r)
		return unlinkat(rootfd, rel, 0) ? -errno : 0;
	int fd = openat(rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int err = errno;
		close(fd);
		return -err;
	}
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char child[CFS_PATH_MAX];
		rc = sim_join(child, sizeof(child), rel, de->d_name);
		if (!rc)
			rc = sim_rm_rf(rootfd, child);
	}
	closedir(d);
	if (!rc && unlinkat(rootfd, rel, AT_REMOVEDIR))
		rc = -errno;
	return rc;
}

/* The kernel release is part of target/version, which is where a restarted process finds it (a tree of
 * nvmet alone tells by what nvmet shows). */
enum sim_kernel sim_kernel_of(int rootfd)
{
	char buf[256];
	if (sim_get(rootfd, "target/version", buf, sizeof(buf)) > 0)
		return strstr(buf, " on 6.12") ? SIM_KERNEL_6_12 : SIM_KERNEL_6_1;
	/* nvmet alone: 6.12's nvmet has a discovery_nqn attribute, 6.1's has none */
	return sim_is_dir(rootfd, "nvmet/discovery_nqn") == 0 ? SIM_KERNEL_6_12 : SIM_KERNEL_6_1;
}

static pthread_mutex_t sim_mutex = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

int sim_lock(void)
{
	pthread_mutex_lock(&sim_mutex);
	return 0;
}

void sim_unlock(int *unused)
{
	(void)unused;
	pthread_mutex_unlock(&sim_mutex);
}
