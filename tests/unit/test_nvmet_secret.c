/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_nvmet_secret.c: DHHC-1 secrets (configfs/nvmet_secret.c). The known vectors were made from the
 * format as nvme-cli's gen-dhchap-key writes it ("DHHC-1:%02x:" + base64(key || CRC-32 little-endian) +
 * ":") with an independent implementation (Python's zlib.crc32 and base64.b64encode); the CRC-32 check
 * value is the standard one. Refusals: prefix, hash, trailing ':', base64, length, hash/length pairing
 * (nvme-cli's check-dhchap-key rule) and the CRC (-EKEYREJECTED, as the kernel's nvme_auth_extract_key).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nvmet_secret.h"
#include "unit_main.h"

struct vec {
	unsigned hash;
	uint8_t key[64];
	size_t len;
	const char *text;
};

static void vectors(struct vec v[5])
{
	memset(v, 0, 5 * sizeof(*v));
	v[0] = (struct vec){ .hash = 0, .len = 32,
			     .text = "DHHC-1:00:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+KfiaR:" };
	for (int i = 0; i < 32; i++)
		v[0].key[i] = (uint8_t)i;
	v[1] = (struct vec){ .hash = 1, .len = 32,
			     .text = "DHHC-1:01:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACtVQoZ:" };
	v[2] = (struct vec){ .hash = 2, .len = 48,
			     .text = "DHHC-1:02:////////////////////////////////////////////////////////////////3hcY5g==:" };
	memset(v[2].key, 0xff, 48);
	v[3] = (struct vec){ .hash = 3, .len = 64,
			     .text = "DHHC-1:03:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0"
				     "+P4zODhA=:" };
	for (int i = 0; i < 64; i++)
		v[3].key[i] = (uint8_t)i;
	v[4] = (struct vec){ .hash = 0, .len = 48,
			     .text = "DHHC-1:00:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaHiImKi4yNjo+QkZKTvGwQfg==:" };
	for (int i = 0; i < 48; i++)
		v[4].key[i] = (uint8_t)(100 + i);
}

static void test_crc32(void **state)
{
	(void)state;
	uint8_t zeros[32] = { 0 };
	assert_int_equal(nvmet_crc32((const uint8_t *)"123456789", 9), 0xcbf43926u);
	assert_int_equal(nvmet_crc32(zeros, sizeof(zeros)), 0x190a55adu);
	assert_int_equal(nvmet_crc32(zeros, 0), 0);
}

static void test_encode_vectors(void **state)
{
	(void)state;
	struct vec v[5];
	char out[NVMET_SECRET_MAX + 1];
	vectors(v);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(nvmet_secret_encode(v[i].hash, v[i].key, v[i].len, out, sizeof(out)), 0);
		assert_string_equal(out, v[i].text);
	}
	/* 59, 83 and 103 characters: what nvme-cli's check-dhchap-key wants for 01, 02, 03 */
	assert_int_equal(strlen(v[1].text), 59);
	assert_int_equal(strlen(v[2].text), 83);
	assert_int_equal(strlen(v[3].text), NVMET_SECRET_MAX);
	/* refused: hash, length, pairing, room */
	assert_int_equal(nvmet_secret_encode(4, v[0].key, 32, out, sizeof(out)), -EINVAL);
	assert_int_equal(nvmet_secret_encode(0, v[0].key, 40, out, sizeof(out)), -EINVAL);
	assert_int_equal(nvmet_secret_encode(1, v[0].key, 48, out, sizeof(out)), -EINVAL);
	assert_int_equal(nvmet_secret_encode(3, v[0].key, 32, out, sizeof(out)), -EINVAL);
	assert_int_equal(nvmet_secret_encode(1, v[1].key, 32, out, 59), -ENOSPC);
	assert_int_equal(nvmet_secret_encode(1, v[1].key, 32, out, 60), 0);
}

static void test_parse_vectors(void **state)
{
	(void)state;
	struct vec v[5];
	vectors(v);
	for (int i = 0; i < 5; i++) {
		uint8_t key[NVMET_SECRET_KEY_MAX];
		unsigned hash = 9;
		size_t len = 0;
		char why[128] = "";
		assert_int_equal(nvmet_secret_parse(v[i].text, &hash, key, &len, why, sizeof(why)), 0);
		assert_int_equal(hash, v[i].hash);
		assert_int_equal(len, v[i].len);
		assert_memory_equal(key, v[i].key, len);
	}
	assert_int_equal(nvmet_secret_parse(v[0].text, NULL, NULL, NULL, NULL, 0), 0); /* outputs optional */
}

static void test_generate(void **state)
{
	(void)state;
	static const size_t def[] = { 32, 32, 48, 64 };
	char a[NVMET_SECRET_MAX + 1], b[NVMET_SECRET_MAX + 1];
	for (unsigned h = 0; h < 4; h++) {
		unsigned hash;
		size_t len;
		assert_int_equal(nvmet_secret_generate(h, 0, a, sizeof(a)), 0);
		assert_int_equal(nvmet_secret_parse(a, &hash, NULL, &len, NULL, 0), 0);
		assert_int_equal(hash, h);
		assert_int_equal(len, def[h]);
		assert_int_equal(nvmet_secret_generate(h, 0, b, sizeof(b)), 0);
		assert_string_not_equal(a, b); /* 256 bits or more from getrandom */
	}
	/* an untransformed key of any of the three lengths */
	for (size_t len = 32; len <= 64; len += 16) {
		size_t got;
		assert_int_equal(nvmet_secret_generate(0, len, a, sizeof(a)), 0);
		assert_int_equal(nvmet_secret_parse(a, NULL, NULL, &got, NULL, 0), 0);
		assert_int_equal(got, len);
	}
	assert_int_equal(nvmet_secret_generate(4, 0, a, sizeof(a)), -EINVAL);
	assert_int_equal(nvmet_secret_generate(0, 16, a, sizeof(a)), -EINVAL);
	assert_int_equal(nvmet_secret_generate(2, 32, a, sizeof(a)), -EINVAL);
	assert_int_equal(nvmet_secret_generate(3, 0, a, 100), -ENOSPC);
}

static void test_parse_refused(void **state)
{
	(void)state;
	const struct { const char *text; int err; const char *why; } bad[] = {
		{ "DHHC-2:00:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+KfiaR:", EINVAL, "starts with" },
		{ "dhhc-1:00:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+KfiaR:", EINVAL, "starts with" },
		{ "", EINVAL, "starts with" },
		{ "DHHC-1:04:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+KfiaR:", EINVAL, "hash must be" },
		{ "DHHC-1:0a:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+KfiaR:", EINVAL, "hash must be" },
		{ "DHHC-1:0:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+KfiaR:", EINVAL, "hash must be" },
		{ "DHHC-1:10:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+KfiaR:", EINVAL, "hash must be" },
		{ "DHHC-1:00", EINVAL, "hash must be" },
		{ "DHHC-1:00:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+KfiaR", EINVAL, "ends with ':'" },
		{ "DHHC-1:00:", EINVAL, "ends with ':'" },
		{ "DHHC-1:00::", EINVAL, "not valid base64" },
		{ "DHHC-1:00:AAECAwQFBgcICQoLDA0ODxAR:EhMUFRYXGBkaGxwdHh+KfiaR:", EINVAL, "one base64 key" },
		{ "DHHC-1:00:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+Kfia!:", EINVAL, "not valid base64" },
		{ "DHHC-1:00:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+KfiaRA:", EINVAL, "not valid base64" },
		{ "DHHC-1:00:AAECAwQFBgcICQoL=A0ODxAREhMUFRYXGBkaGxwdHh+KfiaR:", EINVAL, "not valid base64" },
		/* 32-byte key + CRC = 36 bytes; 34, 35 and 38 are no key length */
		{ "DHHC-1:00:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+Kfg==:", EINVAL, "32, 48 or 64 bytes" },
		{ "DHHC-1:00:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+KfiY=:", EINVAL, "32, 48 or 64 bytes" },
		{ "DHHC-1:00:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+KfiaRAA==:", EINVAL, "32, 48 or 64 bytes" },
		/* a 48-byte key labelled SHA-256 */
		{ "DHHC-1:01:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaHiImKi4yNjo+QkZKTvGwQfg==:", EINVAL,
		  "hash's length" },
		/* one key bit flipped, then the CRC's first byte */
		{ "DHHC-1:00:AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+KfiaR:", EKEYREJECTED, "CRC-32" },
		{ "DHHC-1:00:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+LfiaR:", EKEYREJECTED, "CRC-32" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char why[160] = "";
		int rc = nvmet_secret_parse(bad[i].text, NULL, NULL, NULL, why, sizeof(why));
		if (rc != -bad[i].err || !strstr(why, bad[i].why)) {
			print_message("\"%s\": rc %d, reason \"%s\", expected -%d and \"%s\"\n", bad[i].text, rc, why,
				      bad[i].err, bad[i].why);
			fail();
		}
	}
}

UNIT_MAIN("nvmet-secret", cmocka_unit_test(test_crc32), cmocka_unit_test(test_encode_vectors),
	  cmocka_unit_test(test_parse_vectors), cmocka_unit_test(test_generate), cmocka_unit_test(test_parse_refused))
