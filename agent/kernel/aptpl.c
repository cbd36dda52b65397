/* SPDX-License-Identifier: Apache-2.0 */
/* aptpl.c: the kernel's persistent-reservation file, read and checked (see aptpl.h). */
#include "aptpl.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fail.h"
#include "proto.h"

#define APTPL_NONE "No Registrations or Reservations"
/* SPC-3 reservation types, as bits: 1 WRITE EXCLUSIVE, 3 EXCLUSIVE ACCESS, 5/6 their REGISTRANTS ONLY
 * and 7/8 their ALL REGISTRANTS forms */
#define APTPL_TYPES ((1u << 1) | (1u << 3) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8))

/* The keys of a block, in the kernel's order; which are required (APTPL_K_REQ) or only with res_holder=1. */
enum aptpl_key {
	K_IFABRIC, K_INODE, K_ISID, K_KEY, K_HOLDER, K_TYPE, K_SCOPE, K_ALL, K_MLUN, K_TFABRIC, K_TNODE,
	K_TPGT, K_RTPI, K_TLUN, K_COUNT
};
static const char *const aptpl_keys[K_COUNT] = {
	"initiator_fabric", "initiator_node", "initiator_sid", "sa_res_key", "res_holder", "res_type",
	"res_scope", "res_all_tg_pt", "mapped_lun", "target_fabric", "target_node", "tpgt", "port_rtpi", "target_lun",
};
#define APTPL_K_REQ (~((1u << K_ISID) | (1u << K_TYPE) | (1u << K_SCOPE)) & ((1u << K_COUNT) - 1))

/* A decimal number (no sign, no leading zeros but "0") up to @max. */
static int aptpl_dec(const char *s, uint64_t max, uint64_t *v)
{
	if (!*s || (s[0] == '0' && s[1]) || strspn(s, "0123456789") != strlen(s) || strlen(s) > 20)
		return -1;
	errno = 0;
	unsigned long long x = strtoull(s, NULL, 10);
	if (errno || x > max)
		return -1;
	*v = x;
	return 0;
}

/* Two lower-case hex digits, as the kernel prints res_type and res_scope. */
static int aptpl_hex2(const char *s, unsigned *v)
{
	if (strlen(s) != 2 || strspn(s, "0123456789abcdef") != 2)
		return -1;
	*v = (unsigned)strtoul(s, NULL, 16);
	return 0;
}

static int aptpl_name(const char *v, char *out, size_t size)
{
	char why[128];
	if (strlen(v) >= size || proto_iscsi_name_check(v, why, sizeof(why)))
		return -1;
	snprintf(out, size, "%s", v);
	return 0;
}

/* One key=value into @r: 0, or -1 for a value the kernel does not write. */
static int aptpl_value(struct aptpl_reg *r, enum aptpl_key k, const char *v)
{
	uint64_t x;
	unsigned h;
	switch (k) {
	case K_IFABRIC:
	case K_TFABRIC: return strcmp(v, "iSCSI") ? -1 : 0;
	case K_INODE: return aptpl_name(v, r->initiator, sizeof(r->initiator));
	case K_TNODE: return aptpl_name(v, r->target, sizeof(r->target));
	case K_ISID:
		if (!*v || strlen(v) > APTPL_ISID_MAX || strspn(v, "0123456789abcdef") != strlen(v))
			return -1;
		snprintf(r->isid, sizeof(r->isid), "%s", v);
		return 0;
	case K_KEY: return aptpl_dec(v, UINT64_MAX, &r->key) || !r->key ? -1 : 0;
	case K_HOLDER:
	case K_ALL:
		if (aptpl_dec(v, 1, &x))
			return -1;
		*(k == K_HOLDER ? &r->holder : &r->all_tg_pt) = x;
		return 0;
	case K_TYPE: return aptpl_hex2(v, &h) || h > 8 || !((APTPL_TYPES >> h) & 1u) ? -1 : (r->type = h, 0);
	case K_SCOPE: return aptpl_hex2(v, &h) || h ? -1 : 0; /* LU_SCOPE: the only one the kernel keeps */
	case K_MLUN: return aptpl_dec(v, 65535, &r->mapped_lun);
	case K_TLUN: return aptpl_dec(v, 65535, &r->target_lun);
	case K_TPGT:
	case K_RTPI:
		if (aptpl_dec(v, 65535, &x))
			return -1;
		*(k == K_TPGT ? &r->tpgt : &r->rtpi) = (unsigned)x;
		return 0;
	case K_COUNT: break;
	}
	return -1;
}

/* The next line of @buf from *@pos (without its newline) into @line; 0, or -1 at the end. */
static int aptpl_line(const char *buf, size_t len, size_t *pos, char *line, size_t size)
{
	if (*pos >= len)
		return -1;
	const char *nl = memchr(buf + *pos, '\n', len - *pos);
	size_t n = nl ? (size_t)(nl - (buf + *pos)) : len - *pos;
	snprintf(line, size, "%.*s", (int)(n < size ? n : size - 1), buf + *pos);
	*pos += n + (nl != NULL);
	return n < size ? 0 : 1; /* 1: too long */
}

/* One block, its START line read: 0, or -EBADMSG with the reason. */
static int aptpl_block(const char *buf, size_t len, size_t *pos, size_t idx, struct aptpl_reg *r, char *why,
		       size_t whylen)
{
	char line[512], end[32];
	unsigned seen = 0;
	memset(r, 0, sizeof(*r));
	snprintf(end, sizeof(end), "PR_REG_END: %zu", idx);
	for (;;) {
		int rc = aptpl_line(buf, len, pos, line, sizeof(line));
		if (rc < 0)
			return fail_with(-EBADMSG, why, whylen, "registration %zu has no end", idx);
		if (rc > 0)
			return fail_with(-EBADMSG, why, whylen, "registration %zu: a line of 512 bytes or more", idx);
		if (!strcmp(line, end))
			break;
		char *eq = strchr(line, '=');
		enum aptpl_key k = K_COUNT;
		for (int i = 0; eq && i < K_COUNT; i++)
			if (strlen(aptpl_keys[i]) == (size_t)(eq - line) && !strncmp(line, aptpl_keys[i], (size_t)(eq - line)))
				k = (enum aptpl_key)i;
		if (k == K_COUNT)
			return fail_with(-EBADMSG, why, whylen, "registration %zu: unexpected line \"%.64s\"", idx, line);
		if (seen & (1u << k))
			return fail_with(-EBADMSG, why, whylen, "registration %zu: %s twice", idx, aptpl_keys[k]);
		seen |= 1u << k;
		if (aptpl_value(r, k, eq + 1))
			return fail_with(-EBADMSG, why, whylen, "registration %zu: bad %s \"%.64s\"", idx, aptpl_keys[k], eq + 1);
	}
	unsigned need = APTPL_K_REQ | (r->holder ? (1u << K_TYPE) | (1u << K_SCOPE) : 0);
	for (int i = 0; i < K_COUNT; i++)
		if ((need & ~seen) & (1u << i))
			return fail_with(-EBADMSG, why, whylen, "registration %zu: no %s", idx, aptpl_keys[i]);
	if (!r->holder && (seen & ((1u << K_TYPE) | (1u << K_SCOPE))))
		return fail_with(-EBADMSG, why, whylen, "registration %zu: a reservation type without res_holder=1", idx);
	return 0;
}

int aptpl_parse(const char *buf, size_t len, struct aptpl_reg *regs, size_t max, size_t *n, char *why,
		size_t whylen)
{
	*n = 0;
	/* the kernel writes its text and the NUL that ends it */
	if (len && buf[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < len; i++)
		if (buf[i] != '\n' && !isprint((unsigned char)buf[i]))
			return fail_with(-EBADMSG, why, whylen, "byte %zu is not text (0x%02x)", i, (unsigned char)buf[i]);
	if ((len == strlen(APTPL_NONE) || len == strlen(APTPL_NONE) + 1) && !strncmp(buf, APTPL_NONE, strlen(APTPL_NONE)) &&
	    (len == strlen(APTPL_NONE) || buf[len - 1] == '\n'))
		return 0;
	size_t pos = 0;
	bool holder = false;
	char line[64], start[32];
	while (pos < len) {
		snprintf(start, sizeof(start), "PR_REG_START: %zu", *n);
		if (aptpl_line(buf, len, &pos, line, sizeof(line)) || strcmp(line, start))
			return fail_with(-EBADMSG, why, whylen, "expected \"%s\", found \"%.40s\"", start, line);
		if (*n == max)
			return fail_with(-E2BIG, why, whylen, "more than %zu registrations", max);
		int rc = aptpl_block(buf, len, &pos, *n, &regs[*n], why, whylen);
		if (rc)
			return rc;
		if (regs[*n].holder && holder)
			return fail_with(-EBADMSG, why, whylen, "registration %zu: a second reservation holder", *n);
		holder |= regs[*n].holder;
		++*n;
	}
	return *n ? 0 : fail_with(-EBADMSG, why, whylen, "empty");
}

int aptpl_read(const char *dbroot, const char *serial, char *buf, size_t *len, char *why, size_t whylen)
{
	char path[4096];
	*len = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/pr/aptpl_%s", dbroot, serial) >= sizeof(path))
		return fail_with(-ENAMETOOLONG, why, whylen, "%s/pr/aptpl_%s: name too long", dbroot, serial);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	if (fd < 0)
		return fail_with(-errno, why, whylen, "%s: %s", path, errno == ELOOP ? "a symbolic link" : strerror(errno));
	struct stat st;
	int rc = fstat(fd, &st) < 0 ? fail_with(-errno, why, whylen, "%s: %s", path, strerror(errno)) : 0;
	if (!rc && !S_ISREG(st.st_mode))
		rc = fail_with(-EBADMSG, why, whylen, "%s is not a regular file", path);
	if (!rc && (st.st_uid != geteuid() || (st.st_mode & 022)))
		rc = fail_with(-EPERM, why, whylen, "%s is not the kernel's (owner %u, mode %04o)", path,
			       (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	if (!rc && st.st_size > APTPL_FILE_MAX)
		rc = fail_with(-EFBIG, why, whylen, "%s: %lld bytes, more than %d", path, (long long)st.st_size, APTPL_FILE_MAX);
	ssize_t got = 0, r;
	while (!rc && (r = read(fd, buf + got, APTPL_FILE_MAX + 1 - (size_t)got)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rc = fail_with(-errno, why, whylen, "%s: %s", path, strerror(errno));
		else if ((got += r) > APTPL_FILE_MAX)
			rc = fail_with(-EFBIG, why, whylen, "%s grew past %d bytes", path, APTPL_FILE_MAX);
	}
	close(fd);
	if (!rc)
		*len = (size_t)got;
	return rc;
}

int aptpl_format(const struct aptpl_reg *r, char *buf, size_t size)
{
	char isid[32] = "", res[48] = "";
	if (r->isid[0])
		snprintf(isid, sizeof(isid), ",initiator_sid=%s", r->isid);
	if (r->holder)
		snprintf(res, sizeof(res), ",res_type=%u,res_scope=0", r->type);
	int n = snprintf(buf, size,
			 "initiator_fabric=iSCSI,initiator_node=%s%s,sa_res_key=%" PRIu64 ",res_holder=%d%s,res_all_tg_pt=%d,"
			 "mapped_lun=%" PRIu64 ",target_fabric=iSCSI,target_node=%s,tpgt=%u,port_rtpi=%u,target_lun=%" PRIu64,
			 r->initiator, isid, r->key, r->holder ? 1 : 0, res, r->all_tg_pt ? 1 : 0, r->mapped_lun, r->target,
			 r->tpgt, r->rtpi, r->target_lun);
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}
