/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_names.c: the text checks of NVMe over TCP on hostile input: nvmet_secret_parse() (a DHHC-1
 * DH-HMAC-CHAP secret, configfs/nvmet_secret.c) and proto_nvme_name_check() (an NQN, proto/).
 *
 * The input is one string (cut at its first NUL). Invariants, each an abort when broken:
 *   - a secret that parses has a hash of 0-3 and a key of 32, 48 or 64 bytes matching it, and encoding
 *     that hash and key gives the input back exactly: the form is canonical (one hash spelling, the
 *     padding bits zero, one trailing ':'), so nothing else may parse;
 *   - a refused secret says why; a refusal is -EINVAL or -EKEYREJECTED (a CRC that does not match);
 *   - an NQN that passes is at most 223 bytes, starts with "nqn." and holds a ':'; a refusal is -EINVAL
 *     with a reason.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nvmet_secret.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	CHECK(s);
	memcpy(s, data, size);
	s[size] = '\0';

	uint8_t key[NVMET_SECRET_KEY_MAX];
	unsigned hash = 99;
	size_t len = 0;
	char why[160] = "", again[NVMET_SECRET_MAX + 1];
	int rc = nvmet_secret_parse(s, &hash, key, &len, why, sizeof(why));
	if (rc == 0) {
		CHECK(hash <= 3 && (len == 32 || len == 48 || len == 64));
		CHECK(hash == 0 || len == (size_t)(16 + 16 * hash));
		CHECK(nvmet_secret_encode(hash, key, len, again, sizeof(again)) == 0);
		CHECK(!strcmp(again, s));
	} else {
		CHECK((rc == -EINVAL || rc == -EKEYREJECTED) && why[0]);
	}

	why[0] = '\0';
	rc = proto_nvme_name_check(s, why, sizeof(why));
	if (rc == 0)
		CHECK(strlen(s) <= PROTO_NQN_MAX && !strncmp(s, "nqn.", 4) && strchr(s, ':'));
	else
		CHECK(rc == -EINVAL && why[0]);
	free(s);
	return 0;
}
