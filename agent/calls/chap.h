/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chap.h: per-initiator CHAP credentials. Both are CHAP_LEN characters from [A-Za-z0-9] drawn from
 * getrandom() without modulo bias: 16 characters is ~95 bits, and 12-16 byte secrets are what every
 * initiator accepts (Windows refuses others).
 */
#ifndef CHAP_H
#define CHAP_H

#include <stddef.h>

#define CHAP_LEN 16

/* Fill @out (at least CHAP_LEN + 1 bytes) with a random string. 0 or -errno. */
int chap_random(char *out, size_t size);

#endif
