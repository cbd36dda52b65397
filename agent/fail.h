/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fail.h: the one-line reason a failing function gives its caller. Functions that can fail for a reason
 * the caller must show (options, devices, the store's check) take a buffer for it; fail_with() fills it
 * and returns the error, so the reason and the return sit on one line. Handlers use ctx_fail (dispatch.h).
 */
#ifndef FAIL_H
#define FAIL_H

#include <stddef.h>

/* Format the reason into @buf (@len bytes, always terminated when @len > 0) and return @err. errno is
 * kept as it was. */
int fail_with(int err, char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
