/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record.c: record <-> attribute stream, driven by one field table per record type. Attribute numbers
 * are part of the on-disk format: never renumber, only append.
 */
#include "record.h"

#include <errno.h>
#include <stdalign.h>
#include <stdbool.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

enum rec_kind { RK_STR, RK_U8, RK_U32, RK_U64, RK_PORTALS, RK_U32S };

struct rec_field {
	uint16_t attr;
	uint8_t kind;
	size_t offset;
	size_t size;      /* RK_STR: the array size */
	size_t count_off; /* RK_PORTALS, RK_U32S: offset of the uint32_t count */
};

#define REC_A_LAYOUT 1
#define REC_A_PORTAL_ITEM 1 /* inside an RK_PORTALS or RK_U32S nest */
#define REC_ATTR_MAX 32

#define F_STR(T, a, f) { a, RK_STR, offsetof(T, f), sizeof(((T *)0)->f), 0 }
#define F_U8(T, a, f) { a, RK_U8, offsetof(T, f), 1, 0 }
#define F_U32(T, a, f) { a, RK_U32, offsetof(T, f), 4, 0 }
#define F_U64(T, a, f) { a, RK_U64, offsetof(T, f), 8, 0 }

static const struct rec_field rec_volume_fields[] = {
	F_STR(struct rec_volume, 2, id),
	F_STR(struct rec_volume, 3, name),
	F_STR(struct rec_volume, 4, device),
	F_U64(struct rec_volume, 5, size),
	F_U64(struct rec_volume, 6, created),
	F_U32(struct rec_volume, 7, dev_major),
	F_U32(struct rec_volume, 8, dev_minor),
	F_U8(struct rec_volume, 9, state),
	F_U8(struct rec_volume, 10, multiattach),
	F_STR(struct rec_volume, 11, path),
	F_STR(struct rec_volume, 12, ident),
	F_U64(struct rec_volume, 13, gen),
	F_STR(struct rec_volume, 14, last_detached),
	F_U8(struct rec_volume, 15, transport),
};

static const struct rec_field rec_attachment_fields[] = {
	F_STR(struct rec_attachment, 2, id),
	F_STR(struct rec_attachment, 3, volume_id),
	F_U8(struct rec_attachment, 4, state),
	F_U8(struct rec_attachment, 5, mode),
	F_U8(struct rec_attachment, 6, connected),
	F_STR(struct rec_attachment, 7, instance),
	F_STR(struct rec_attachment, 8, host),
	F_STR(struct rec_attachment, 9, mountpoint),
	F_STR(struct rec_attachment, 10, initiator),
	F_U64(struct rec_attachment, 11, created),
};

static const struct rec_field rec_export_fields[] = {
	F_STR(struct rec_export, 2, volume_id),
	F_STR(struct rec_export, 3, target_iqn),
	F_STR(struct rec_export, 4, hba),
	F_STR(struct rec_export, 5, backstore),
	F_STR(struct rec_export, 6, device),
	F_STR(struct rec_export, 7, dm_name),
	F_U32(struct rec_export, 8, lun),
	{ 9, RK_PORTALS, offsetof(struct rec_export, portals), sizeof(((struct rec_export *)0)->portals[0]),
	  offsetof(struct rec_export, n_portals) },
	F_U64(struct rec_export, 10, created),
	F_STR(struct rec_export, 11, backing),
	F_U64(struct rec_export, 12, size),
	F_U32(struct rec_export, 13, backing_major),
	F_U32(struct rec_export, 14, backing_minor),
	F_STR(struct rec_export, 15, down),
	F_U8(struct rec_export, 16, transport),
	{ 17, RK_U32S, offsetof(struct rec_export, port_ids), sizeof(uint32_t), offsetof(struct rec_export, n_port_ids) },
	F_U32(struct rec_export, 18, ports_made),
};

static const struct rec_field rec_acl_fields[] = {
	F_STR(struct rec_acl, 2, volume_id),
	F_STR(struct rec_acl, 3, initiator),
	F_STR(struct rec_acl, 4, username),
	F_STR(struct rec_acl, 5, password),
	F_U32(struct rec_acl, 6, refs),
	F_U32(struct rec_acl, 7, mapped_lun),
	F_STR(struct rec_acl, 8, host),
	F_STR(struct rec_acl, 9, ip),
	F_U64(struct rec_acl, 10, created),
	F_U64(struct rec_acl, 11, released_gen),
	F_U8(struct rec_acl, 12, released),
	F_U8(struct rec_acl, 13, mode),
	F_STR(struct rec_acl, 14, username_in),
	F_STR(struct rec_acl, 15, password_in),
};

static const struct rec_field rec_nvme_host_fields[] = {
	F_STR(struct rec_nvme_host, 2, nqn),
	F_U32(struct rec_nvme_host, 3, refs),
	F_U8(struct rec_nvme_host, 4, dhchap),
	F_STR(struct rec_nvme_host, 5, dhgroup),
	F_STR(struct rec_nvme_host, 6, key),
	F_STR(struct rec_nvme_host, 7, ctrl_key),
	F_U64(struct rec_nvme_host, 8, created),
	F_U8(struct rec_nvme_host, 9, foreign),
};

struct rec_type {
	const struct rec_field *fields;
	size_t n;
	size_t size;
};

#define RT(T, f) { f, sizeof(f) / sizeof(f[0]), sizeof(T) }
static const struct rec_type rec_types[REC_TYPE_COUNT] = {
	[REC_VOLUME] = RT(struct rec_volume, rec_volume_fields),
	[REC_ATTACHMENT] = RT(struct rec_attachment, rec_attachment_fields),
	[REC_EXPORT] = RT(struct rec_export, rec_export_fields),
	[REC_ACL] = RT(struct rec_acl, rec_acl_fields),
	[REC_NVME_HOST] = RT(struct rec_nvme_host, rec_nvme_host_fields),
};

size_t rec_size(enum rec_type_id type)
{
	return rec_types[type].size;
}

static int rec_put_field(struct nl_msg *m, const struct rec_field *f, const char *base)
{
	const char *p = base + f->offset;
	switch ((enum rec_kind)f->kind) {
	case RK_STR:
		return nla_put(m, f->attr, (int)strnlen(p, f->size - 1) + 1, p);
	case RK_U8:
	case RK_U32:
	case RK_U64:
		return nla_put(m, f->attr, (int)f->size, p);
	case RK_PORTALS: {
		uint32_t n;
		memcpy(&n, base + f->count_off, sizeof(n));
		struct nlattr *nest = nla_nest_start(m, f->attr);
		if (!nest)
			return -1;
		for (uint32_t i = 0; i < n && i < REC_PORTALS_MAX; i++) {
			const char *s = p + i * f->size;
			if (nla_put(m, REC_A_PORTAL_ITEM, (int)strnlen(s, f->size - 1) + 1, s) < 0)
				return -1;
		}
		return nla_nest_end(m, nest);
	}
	case RK_U32S: {
		uint32_t n;
		memcpy(&n, base + f->count_off, sizeof(n));
		struct nlattr *nest = nla_nest_start(m, f->attr);
		if (!nest)
			return -1;
		for (uint32_t i = 0; i < n && i < REC_PORTALS_MAX; i++)
			if (nla_put(m, REC_A_PORTAL_ITEM, 4, p + i * f->size) < 0)
				return -1;
		return nla_nest_end(m, nest);
	}
	}
	return -1;
}

int rec_encode(enum rec_type_id type, const void *rec, void *buf, size_t bufsize, size_t *len)
{
	const struct rec_type *t = &rec_types[type];
	struct nl_msg *m = nlmsg_alloc_size(REC_MAX_SIZE + NLMSG_HDRLEN);
	if (!m)
		return -ENOMEM;
	int rc = nlmsg_put(m, 0, 0, 0, 0, 0) ? 0 : -ENOMEM;
	uint32_t layout = REC_LAYOUT;
	if (!rc && nla_put_u32(m, REC_A_LAYOUT, layout) < 0)
		rc = -EMSGSIZE;
	for (size_t i = 0; !rc && i < t->n; i++)
		if (rec_put_field(m, &t->fields[i], rec) < 0)
			rc = -EMSGSIZE;
	if (!rc) {
		struct nlmsghdr *h = nlmsg_hdr(m);
		size_t n = (size_t)nlmsg_attrlen(h, 0);
		if (n > bufsize)
			rc = -EMSGSIZE;
		else {
			memcpy(buf, nlmsg_attrdata(h, 0), n);
			*len = n;
		}
	}
	nlmsg_free(m);
	return rc;
}

static int rec_get_field(const struct rec_field *f, struct nlattr *a, char *base)
{
	char *p = base + f->offset;
	int len = nla_len(a);
	switch ((enum rec_kind)f->kind) {
	case RK_STR:
		if (len < 1 || (size_t)len > f->size || ((const char *)nla_data(a))[len - 1] != '\0')
			return -EPROTO;
		memcpy(p, nla_data(a), (size_t)len);
		return 0;
	case RK_U8:
	case RK_U32:
	case RK_U64:
		if ((size_t)len != f->size)
			return -EPROTO;
		memcpy(p, nla_data(a), f->size);
		return 0;
	case RK_PORTALS: {
		struct nlattr *pos;
		int rem;
		uint32_t n = 0;
		nla_for_each_nested(pos, a, rem) {
			int l = nla_len(pos);
			if (nla_type(pos) != REC_A_PORTAL_ITEM || n == REC_PORTALS_MAX || l < 1 ||
			    (size_t)l > f->size || ((const char *)nla_data(pos))[l - 1] != '\0')
				return -EPROTO;
			memcpy(p + n * f->size, nla_data(pos), (size_t)l);
			n++;
		}
		memcpy(base + f->count_off, &n, sizeof(n));
		return 0;
	}
	case RK_U32S: {
		struct nlattr *pos;
		int rem;
		uint32_t n = 0;
		nla_for_each_nested(pos, a, rem) {
			if (nla_type(pos) != REC_A_PORTAL_ITEM || n == REC_PORTALS_MAX || nla_len(pos) != 4)
				return -EPROTO;
			memcpy(p + n * f->size, nla_data(pos), 4);
			n++;
		}
		memcpy(base + f->count_off, &n, sizeof(n));
		return 0;
	}
	}
	return -EPROTO;
}

int rec_decode(enum rec_type_id type, const void *data, size_t len, void *rec)
{
	const struct rec_type *t = &rec_types[type];
	/* LMDB values are only 2-byte aligned: parse an aligned copy */
	alignas(8) char copy[REC_MAX_SIZE];
	if (len > sizeof(copy) || len < NLA_HDRLEN)
		return -EPROTO;
	memcpy(copy, data, len);
	memset(rec, 0, t->size);

	/* nla_parse() ignores a cut-off tail: a record must end exactly after its last attribute */
	struct nlattr *pos;
	int rem;
	nla_for_each_attr(pos, (struct nlattr *)copy, (int)len, rem) {
	}
	if (rem != 0)
		return -EPROTO;
	struct nlattr *tb[REC_ATTR_MAX + 1];
	if (nla_parse(tb, REC_ATTR_MAX, (struct nlattr *)copy, (int)len, NULL) < 0)
		return -EPROTO;
	if (!tb[REC_A_LAYOUT] || nla_len(tb[REC_A_LAYOUT]) != 4 || nla_get_u32(tb[REC_A_LAYOUT]) > REC_LAYOUT)
		return -EPROTO;
	for (size_t i = 0; i < t->n; i++) {
		const struct rec_field *f = &t->fields[i];
		if (tb[f->attr] && rec_get_field(f, tb[f->attr], rec) < 0)
			return -EPROTO;
	}
	return 0;
}
