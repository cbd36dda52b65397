/* SPDX-License-Identifier: Apache-2.0 */
/* nvmet_secret.c: DHHC-1 DH-HMAC-CHAP secrets, made and checked (see nvmet_secret.h). */
#include "nvmet_secret.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#define SECRET_PREFIX "DHHC-1:"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

uint32_t nvmet_crc32(const uint8_t *buf, size_t len)
{
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < len; i++) {
		crc ^= buf[i];
		for (int b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* The key length a hash asks for; 0 for hash 0 (any of 32, 48, 64). */
static size_t secret_hash_len(unsigned hash)
{
	static const size_t len[] = { 0, 32, 48, 64 };
	return hash < 4 ? len[hash] : 0;
}

static int secret_len_ok(unsigned hash, size_t len)
{
	if (hash > 3 || (len != 32 && len != 48 && len != 64))
		return 0;
	return hash == 0 || secret_hash_len(hash) == len;
}

int nvmet_secret_encode(unsigned hash, const uint8_t *key, size_t len, char *out, size_t size)
{
	uint8_t raw[NVMET_SECRET_KEY_MAX + 4];
	if (!secret_len_ok(hash, len))
		return -EINVAL;
	size_t n = len + 4, need = strlen(SECRET_PREFIX) + 3 + (n + 2) / 3 * 4 + 1;
	if (size < need + 1)
		return -ENOSPC;
	memcpy(raw, key, len);
	uint32_t crc = nvmet_crc32(key, len);
	for (int i = 0; i < 4; i++)
		raw[len + (size_t)i] = (uint8_t)(crc >> (8 * i));
	size_t o = (size_t)snprintf(out, size, SECRET_PREFIX "%02u:", hash);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)raw[i + 1] << 8;
		if (i + 2 < n)
			v |= raw[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o++] = ':';
	out[o] = '\0';
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

int nvmet_secret_generate(unsigned hash, size_t len, char *out, size_t size)
{
	uint8_t key[NVMET_SECRET_KEY_MAX];
	if (len == 0)
		len = hash == 0 ? 32 : secret_hash_len(hash);
	if (!secret_len_ok(hash, len))
		return -EINVAL;
	for (size_t have = 0; have < len;) {
		ssize_t r = getrandom(key + have, len - have, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int err = errno;
			explicit_bzero(key, sizeof(key));
			return -err;
		}
		have += (size_t)r;
	}
	int rc = nvmet_secret_encode(hash, key, len, out, size);
	explicit_bzero(key, sizeof(key));
	return rc;
}

static int secret_fail(char *why, size_t n, int err, const char *text)
{
	if (why && n)
		snprintf(why, n, "%s", text);
	return err;
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

/* Standard base64 with padding: the decoded length, or -1. */
static long b64_decode(const char *s, size_t len, uint8_t *out, size_t size)
{
	size_t o = 0;
	if (len == 0 || len % 4)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;
		for (int j = 0; j < 4; j++) {
			char c = s[i + (size_t)j];
			if (c == '=' && i + 4 == len && j >= 2) {
				v[j] = 0;
				pad++;
			} else if (pad || (v[j] = b64_value(c)) < 0) {
				return -1; /* a character after '=', or outside the alphabet */
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		uint8_t b[3] = { (uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w };
		/* the bits padding leaves over must be zero, or the text has no single meaning */
		if ((pad == 1 && b[2]) || (pad == 2 && (b[1] || b[2])))
			return -1;
		for (int j = 0; j < 3 - pad; j++) {
			if (o == size)
				return -1;
			out[o++] = b[j];
		}
	}
	return (long)o;
}

int nvmet_secret_parse(const char *secret, unsigned *hash, uint8_t *key, size_t *len, char *why, size_t whylen)
{
	uint8_t raw[NVMET_SECRET_KEY_MAX + 4 + 3];
	size_t plen = strlen(SECRET_PREFIX), slen = strlen(secret);
	if (strncmp(secret, SECRET_PREFIX, plen))
		return secret_fail(why, whylen, -EINVAL, "a DH-HMAC-CHAP secret starts with \"DHHC-1:\"");
	const char *h = secret + plen;
	if (h[0] != '0' || h[1] < '0' || h[1] > '3' || h[2] != ':')
		return secret_fail(why, whylen, -EINVAL, "the secret's hash must be 00, 01, 02 or 03, then ':'");
	unsigned hh = (unsigned)(h[1] - '0');
	const char *body = h + 3;
	if (slen <= plen + 3 || secret[slen - 1] != ':')
		return secret_fail(why, whylen, -EINVAL, "a DH-HMAC-CHAP secret ends with ':'");
	size_t blen = slen - plen - 3 - 1;
	if (memchr(body, ':', blen))
		return secret_fail(why, whylen, -EINVAL, "the secret holds one base64 key between ':' and ':'");
	long n = b64_decode(body, blen, raw, sizeof(raw));
	if (n < 0) {
		explicit_bzero(raw, sizeof(raw));
		return secret_fail(why, whylen, -EINVAL, "the secret's key is not valid base64");
	}
	size_t klen = (size_t)n - (n >= 4 ? 4 : (size_t)n);
	if (n != 36 && n != 52 && n != 68) {
		explicit_bzero(raw, sizeof(raw));
		return secret_fail(why, whylen, -EINVAL, "the secret's key must be 32, 48 or 64 bytes (and its CRC)");
	}
	if (!secret_len_ok(hh, klen)) {
		explicit_bzero(raw, sizeof(raw));
		return secret_fail(why, whylen, -EINVAL,
				   "a transformed secret's key has its hash's length (01: 32, 02: 48, 03: 64 bytes)");
	}
	uint32_t want = nvmet_crc32(raw, klen);
	uint32_t have = (uint32_t)raw[klen] | (uint32_t)raw[klen + 1] << 8 | (uint32_t)raw[klen + 2] << 16 |
			(uint32_t)raw[klen + 3] << 24;
	if (want != have) {
		explicit_bzero(raw, sizeof(raw));
		return secret_fail(why, whylen, -EKEYREJECTED, "the secret's CRC-32 does not match its key");
	}
	if (hash)
		*hash = hh;
	if (key)
		memcpy(key, raw, klen);
	if (len)
		*len = klen;
	explicit_bzero(raw, sizeof(raw));
	return 0;
}
