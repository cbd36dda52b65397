/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto_nvme_name.c: NVMe Qualified Name validation (NVM Express Base Specification, "NVMe Qualified
 * Names"). nvmet's configfs takes any directory name as a subsystem or host NQN (and keeps only its first
 * 223 bytes), so this is the only check a name gets before it becomes a subsystem, a host or a link.
 * Two forms, at most 223 bytes:
 *   nqn.YYYY-MM.<reversed domain>:<string>             e.g. nqn.2014-08.com.example:nvme:disk-1
 *   nqn.2014-08.org.nvmexpress:uuid:<UUID>             8-4-4-4-12 hex digits, nothing after
 * The specification allows any UTF-8 in <string>; attachd takes ASCII letters, digits and "-._:" only:
 * the name is a configfs directory and a value in logs and replies, and every NQN in use (nvme-cli's
 * generated host NQNs, SPDK's, nvmetcli's) fits. The discovery NQN (nqn.2014-08.org.nvmexpress.discovery)
 * has no ':' and is refused like any name without one; so is the "nqn." prefix in another case.
 */
#include "proto.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define NQN_UUID_PREFIX "nqn.2014-08.org.nvmexpress:uuid:"

static int nqn_fail(char *why, size_t n, const char *text)
{
	if (why && n)
		snprintf(why, n, "%s", text);
	return -EINVAL;
}

static int nqn_char_ok(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == ':';
}

/* 8-4-4-4-12 hex digits and nothing else. */
static int nqn_uuid_ok(const char *s)
{
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return 0;
	}
	return s[36] == '\0';
}

/* "YYYY-MM." and a reversed domain (labels of letters, digits and '-' between single dots), then ':'
 * and a non-empty string. */
static int nqn_dated_check(const char *s, char *why, size_t n)
{
	for (int i = 0; i < 7; i++) {
		int want_dash = (i == 4);
		if (want_dash ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return nqn_fail(why, n, "an NQN needs a date YYYY-MM after \"nqn.\"");
	}
	int month = (s[5] - '0') * 10 + (s[6] - '0');
	if (month < 1 || month > 12)
		return nqn_fail(why, n, "the month in the NQN's date must be 01 to 12");
	if (s[7] != '.')
		return nqn_fail(why, n, "an NQN needs \".\" and a reversed domain after the date");
	const char *p = s + 8;
	size_t label = 0;
	for (; *p && *p != ':'; p++) {
		if (*p == '.') {
			if (label == 0)
				return nqn_fail(why, n, "empty label in the NQN's reversed domain");
			label = 0;
		} else if (isalnum((unsigned char)*p) || *p == '-') {
			label++;
		} else {
			return nqn_fail(why, n, "the NQN's reversed domain may hold only letters, digits, '-' and '.'");
		}
	}
	if (label == 0)
		return nqn_fail(why, n, "the NQN's reversed domain is empty or ends with '.'");
	if (*p != ':')
		return nqn_fail(why, n, "an NQN needs ':' and a string after the reversed domain");
	if (p[1] == '\0')
		return nqn_fail(why, n, "nothing after ':' in the NQN");
	return 0;
}

int proto_nvme_name_check(const char *name, char *why, size_t whylen)
{
	size_t len = strlen(name);
	if (len > PROTO_NQN_MAX)
		return nqn_fail(why, whylen, "an NQN is at most 223 bytes");
	for (const char *p = name; *p; p++)
		if (!nqn_char_ok((unsigned char)*p))
			return nqn_fail(why, whylen, "an NQN holds only letters, digits, '-', '.', '_' and ':'");
	if (strncmp(name, "nqn.", 4))
		return nqn_fail(why, whylen, "not an NQN: must start with \"nqn.\"");
	if (!strncmp(name, NQN_UUID_PREFIX, strlen(NQN_UUID_PREFIX)))
		return nqn_uuid_ok(name + strlen(NQN_UUID_PREFIX)) ? 0
			: nqn_fail(why, whylen, "a uuid NQN needs exactly one UUID (8-4-4-4-12 hex digits) after \"uuid:\"");
	return nqn_dated_check(name + 4, why, whylen);
}
