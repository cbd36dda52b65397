/* SPDX-License-Identifier: Apache-2.0 */
/* chap.c: random CHAP user names and secrets from getrandom (see chap.h). */
#include "chap.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

static const char chap_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

int chap_random(char *out, size_t size)
{
	const unsigned n = sizeof(chap_alphabet) - 1; /* 62 */
	const unsigned limit = 256 - (256 % n);       /* reject bytes >= 248: no modulo bias */
	unsigned char pool[64];
	size_t have = 0, used = 0, len = 0;

	if (size < CHAP_LEN + 1)
		return -EINVAL;
	while (len < CHAP_LEN) {
		if (used == have) {
			ssize_t r = getrandom(pool, sizeof(pool), 0);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			have = (size_t)r;
			used = 0;
		}
		unsigned char b = pool[used++];
		if (b < limit)
			out[len++] = chap_alphabet[b % n];
	}
	out[len] = '\0';
	explicit_bzero(pool, sizeof(pool));
	return 0;
}
