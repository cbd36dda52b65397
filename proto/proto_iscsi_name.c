/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto_iscsi_name.c: iSCSI name validation (RFC 3720 3.2.6.3). configfs accepts any directory name, so
 * this is the only check an initiator name gets before it becomes an ACL. ASCII only: letters (compared
 * case-insensitively elsewhere), digits, '-', '.', ':'; at most 223 bytes.
 *   iqn.YYYY-MM.<reversed domain>[:<string of the same characters>]
 *   eui.<16 hex digits>
 *   naa.<16 or 32 hex digits>
 */
#include "proto.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int proto_name_fail(char *why, size_t n, const char *text)
{
	if (why && n)
		snprintf(why, n, "%s", text);
	return -EINVAL;
}

static int proto_all_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return s[len] == '\0';
}

/* "YYYY-MM." then a reversed domain: labels of letters, digits and '-', separated by single dots. */
static int proto_iqn_check(const char *s, char *why, size_t n)
{
	for (int i = 0; i < 7; i++) {
		int want_dash = (i == 4);
		if (want_dash ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return proto_name_fail(why, n, "iqn. names need a date YYYY-MM after \"iqn.\"");
	}
	int month = (s[5] - '0') * 10 + (s[6] - '0');
	if (month < 1 || month > 12)
		return proto_name_fail(why, n, "the month in the iqn. date must be 01 to 12");
	if (s[7] != '.')
		return proto_name_fail(why, n, "iqn. names need \".\" and a naming authority after the date");
	const char *p = s + 8;
	size_t label = 0;
	for (; *p && *p != ':'; p++) {
		if (*p == '.') {
			if (label == 0)
				return proto_name_fail(why, n, "empty label in the naming authority");
			label = 0;
		} else if (isalnum((unsigned char)*p) || *p == '-') {
			label++;
		} else {
			return proto_name_fail(why, n, "naming authority may hold only letters, digits, '-' and '.'");
		}
	}
	if (label == 0)
		return proto_name_fail(why, n, "the naming authority is empty or ends with '.'");
	if (*p == ':' && p[1] == '\0')
		return proto_name_fail(why, n, "nothing after ':'");
	return 0;
}

int proto_iscsi_name_check(const char *name, char *why, size_t whylen)
{
	size_t len = strlen(name);
	if (len > ATTACH_IQN_MAX)
		return proto_name_fail(why, whylen, "longer than 223 bytes");
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != ':')
			return proto_name_fail(why, whylen,
					       "an iSCSI name holds only letters, digits, '-', '.' and ':'");
	if (!strncasecmp(name, "iqn.", 4))
		return proto_iqn_check(name + 4, why, whylen);
	if (!strncasecmp(name, "eui.", 4))
		return proto_all_hex(name + 4, 16) ? 0
			: proto_name_fail(why, whylen, "eui. names need exactly 16 hex digits");
	if (!strncasecmp(name, "naa.", 4))
		return (proto_all_hex(name + 4, 16) || proto_all_hex(name + 4, 32)) ? 0
			: proto_name_fail(why, whylen, "naa. names need 16 or 32 hex digits");
	return proto_name_fail(why, whylen, "not an iSCSI name: must start with iqn., eui. or naa.");
}
