/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_record.c: rec_decode() on a damaged or hostile LMDB value, for every record type, and the round
 * trip of whatever decodes.
 *
 * The input is one stored value; it is decoded as each of the five types (a record's type comes from its
 * database, not from its bytes, so any value can meet any decoder). The value is copied to a heap block of
 * exactly its size at an odd address, as LMDB only promises 2-byte alignment.
 *
 * Round trip: a decoded record must encode (it fits REC_MAX_SIZE by construction of the structs), decode
 * back to the same record, and encode to the same bytes again. "The same record" ignores the bytes after
 * a string's terminator: the decoder copies them (a value may carry "ab\0cd\0") and the encoder drops
 * them, and no reader ever looks past the terminator. The table below lists each type's strings for that.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

struct str_field {
	size_t offset, size, count; /* count > 1: an array of strings (portals) */
};
#define S(T, f) { offsetof(T, f), sizeof(((T *)0)->f), 1 }
#define SA(T, f) { offsetof(T, f), sizeof(((T *)0)->f[0]), sizeof(((T *)0)->f) / sizeof(((T *)0)->f[0]) }

static const struct str_field volume_strs[] = {
	S(struct rec_volume, id), S(struct rec_volume, name), S(struct rec_volume, device), S(struct rec_volume, path),
	S(struct rec_volume, ident), S(struct rec_volume, last_detached), { 0, 0, 0 },
};
static const struct str_field attachment_strs[] = {
	S(struct rec_attachment, id), S(struct rec_attachment, volume_id), S(struct rec_attachment, instance),
	S(struct rec_attachment, host), S(struct rec_attachment, mountpoint), S(struct rec_attachment, initiator),
	{ 0, 0, 0 },
};
static const struct str_field export_strs[] = {
	S(struct rec_export, volume_id), S(struct rec_export, target_iqn), S(struct rec_export, hba),
	S(struct rec_export, backstore), S(struct rec_export, device), S(struct rec_export, dm_name),
	S(struct rec_export, backing), SA(struct rec_export, portals), S(struct rec_export, down), { 0, 0, 0 },
};
static const struct str_field acl_strs[] = {
	S(struct rec_acl, volume_id), S(struct rec_acl, initiator), S(struct rec_acl, username),
	S(struct rec_acl, password), S(struct rec_acl, host), S(struct rec_acl, ip), S(struct rec_acl, username_in),
	S(struct rec_acl, password_in), { 0, 0, 0 },
};
static const struct str_field nvme_host_strs[] = {
	S(struct rec_nvme_host, nqn), S(struct rec_nvme_host, dhgroup), S(struct rec_nvme_host, key),
	S(struct rec_nvme_host, ctrl_key), { 0, 0, 0 },
};
static const struct str_field *const strs[REC_TYPE_COUNT] = {
	[REC_VOLUME] = volume_strs, [REC_ATTACHMENT] = attachment_strs,
	[REC_EXPORT] = export_strs, [REC_ACL] = acl_strs, [REC_NVME_HOST] = nvme_host_strs,
};

/* Every string terminated inside its array; then what follows the terminator is cleared. */
static void canonical(enum rec_type_id type, void *rec)
{
	for (const struct str_field *f = strs[type]; f->size; f++)
		for (size_t i = 0; i < f->count; i++) {
			char *s = (char *)rec + f->offset + i * f->size;
			size_t n = strnlen(s, f->size);
			CHECK(n < f->size);
			memset(s + n, 0, f->size - n);
		}
}

union any_rec {
	struct rec_volume v;
	struct rec_attachment a;
	struct rec_export x;
	struct rec_acl c;
	struct rec_nvme_host h;
};

static void one(enum rec_type_id type, const uint8_t *value, size_t size)
{
	static union any_rec r1, r2;
	static unsigned char e1[REC_MAX_SIZE], e2[REC_MAX_SIZE];
	size_t l1, l2;

	if (rec_decode(type, value, size, &r1))
		return;
	canonical(type, &r1);
	CHECK(rec_encode(type, &r1, e1, sizeof(e1), &l1) == 0);
	CHECK(rec_decode(type, e1, l1, &r2) == 0);
	canonical(type, &r2);
	CHECK(!memcmp(&r1, &r2, rec_size(type)));
	CHECK(rec_encode(type, &r2, e2, sizeof(e2), &l2) == 0);
	CHECK(l1 == l2 && !memcmp(e1, e2, l1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *block = malloc(size + 1);
	CHECK(block);
	memcpy(block + 1, data, size);
	for (int t = 0; t < REC_TYPE_COUNT; t++)
		one((enum rec_type_id)t, block + 1, size);
	free(block);
	return 0;
}
