/* SPDX-License-Identifier: Apache-2.0 */
/* fail.c: see fail.h. */
#include "fail.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int fail_with(int err, char *buf, size_t len, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	if (buf && len)
		vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	errno = saved;
	return err;
}
