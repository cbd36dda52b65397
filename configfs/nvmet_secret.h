/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nvmet_secret.h: DH-HMAC-CHAP secrets in the DHHC-1 representation (NVMe Base Specification, "Secret
 * representation"; the form nvme-cli's gen-dhchap-key prints and the kernel's nvme_auth_extract_key reads):
 *
 *     DHHC-1:<hh>:<base64 of key || CRC-32(key), little-endian>:
 *
 * <hh> is the hash the secret is transformed with before use (00 none, 01 SHA-256, 02 SHA-384, 03 SHA-512);
 * the key is 32, 48 or 64 bytes; the CRC-32 is the common one (zlib's, the kernel's ~crc32(~0, ...)); base64
 * is the standard alphabet with '=' padding. So a secret is 59 (32-byte key), 83 (48) or 103 (64)
 * characters.
 *
 * Stricter than the kernel, as strict as nvme-cli's check-dhchap-key: nvmet's dhchap_key attribute checks
 * only the "DHHC-1:<n>:" prefix and a hash of at most 3 when written, and rejects a bad length or CRC only
 * when a host authenticates (docs/KERNEL.md, 'nvmet'). A transformed secret's key has its hash's length
 * (01: 32 bytes, 02: 48, 03: 64, as nvme-cli insists); an untransformed one (00) may have any of the three.
 */
#ifndef NVMET_SECRET_H
#define NVMET_SECRET_H

#include <stddef.h>
#include <stdint.h>

#define NVMET_SECRET_MAX 103 /* characters of the longest secret, without the NUL */
#define NVMET_SECRET_KEY_MAX 64

/* The secret of @len (32, 48 or 64) key bytes with hash @hash (0-3) into @out (at least
 * NVMET_SECRET_MAX + 1 bytes): 0, or -EINVAL for a bad hash, length or pairing, -ENOSPC for @size. */
int nvmet_secret_encode(unsigned hash, const uint8_t *key, size_t len, char *out, size_t size);

/* A new secret with a key from getrandom(): @len 0 means the hash's length (32 for hash 0). 0 or -errno. */
int nvmet_secret_generate(unsigned hash, size_t len, char *out, size_t size);

/* Check @secret: 0 with its hash and key (into @key, NVMET_SECRET_KEY_MAX bytes, when not NULL) and the
 * key's length; -EINVAL for a malformed secret, -EKEYREJECTED for a CRC that does not match (the kernel's
 * answer to the same at authentication). The reason goes to @why (may be NULL). */
int nvmet_secret_parse(const char *secret, unsigned *hash, uint8_t *key, size_t *len, char *why, size_t whylen);

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32(0, buf, len)). */
uint32_t nvmet_crc32(const uint8_t *buf, size_t len);

#endif
