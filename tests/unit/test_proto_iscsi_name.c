/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_proto_iscsi_name.c: iSCSI name validation, proto_iscsi_name_check() (proto/proto_iscsi_name.c):
 * iqn., eui. and naa. names that pass, and the ones refused with the reason given.
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

#include "proto_req.h"
#include "unit_main.h"

static void test_iscsi_names_valid(void **state)
{
	(void)state;
	char *longest = str_of("iqn.2001-04.com.example:", 'x', ATTACH_IQN_MAX);
	const char *const good[] = {
		"iqn.1993-08.org.debian:01:abcdef",      /* ':' part holding more ':' */
		"iqn.2003-01.org.linux-iscsi.host:sn.1", /* '-' in a label, '.' after ':' */
		"iqn.2001-04.com.example",               /* no ':' part */
		"IQN.2001-04.COM.EXAMPLE:STORAGE.DISK1", /* uppercase: compared case-insensitively later */
		"iqn.2001-04.com.example:storage:disk2-sys1",
		"eui.02004567A425678D",
		"eui.02004567a425678d",
		"naa.52004567BA64678D",                  /* 16 hex digits */
		"naa.62004567BA64678D0123456789ABCDEF",  /* 32 hex digits */
		longest,                                 /* 223 bytes */
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char why[160] = "";
		int rc = proto_iscsi_name_check(good[i], why, sizeof(why));
		if (rc != 0) {
			print_message("\"%s\" refused: %s\n", good[i], why);
			fail();
		}
	}
	free(longest);
}

static void test_iscsi_names_invalid(void **state)
{
	(void)state;
	char *too_long = str_of("iqn.2001-04.com.example:", 'x', ATTACH_IQN_MAX + 1);
	const struct { const char *name; const char *why; } bad[] = {
		{ "iqn.01-2001.com.example", "date YYYY-MM" },
		{ "iqn.200a-04.com.example", "date YYYY-MM" },
		{ "iqn.2001-4.com.example", "date YYYY-MM" },
		{ "iqn.2001-13.com.example", "month" },
		{ "iqn.2001-00.com.example", "month" },
		{ "iqn.2001-04.", "naming authority is empty" },
		{ "iqn.2001-04.:storage", "naming authority is empty" },
		{ "iqn.2001-04", "naming authority after the date" },
		{ "iqn.2001-04.com.example.", "ends with '.'" },
		{ "iqn.2001-04.com..example", "empty label" },
		{ "iqn.2001-04.com.example:", "nothing after ':'" },
		{ "iqn.2001-04.com.example:disk 1", "only letters, digits" },
		{ "iqn.2001-04.com.example:a/b", "only letters, digits" },
		{ "iqn.2001-04.com.example:a\nb", "only letters, digits" },
		{ "iqn.2001-04.com_example", "only letters, digits" },
		{ "iqn.2001-04.com.ex\xc3\xa4mple", "only letters, digits" },
		{ too_long, "longer than 223 bytes" },
		{ "eui.02004567A425678", "exactly 16 hex digits" },
		{ "eui.02004567A425678D0", "exactly 16 hex digits" },
		{ "eui.02004567A425678G", "exactly 16 hex digits" },
		{ "naa.52004567BA64678D01", "16 or 32 hex digits" },
		{ "naa.", "16 or 32 hex digits" },
		{ "2001-04.com.example:storage", "must start with iqn., eui. or naa." },
		{ "iscsi.2001-04.com.example", "must start with iqn., eui. or naa." },
		{ "", "must start with iqn., eui. or naa." },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char why[160] = "";
		int rc = proto_iscsi_name_check(bad[i].name, why, sizeof(why));
		if (rc != -EINVAL || !strstr(why, bad[i].why)) {
			print_message("\"%s\": rc %d, reason \"%s\", expected -EINVAL and \"%s\"\n", bad[i].name, rc, why,
				      bad[i].why);
			fail();
		}
	}
	/* the reason is optional */
	assert_int_equal(proto_iscsi_name_check("naa.1", NULL, 0), -EINVAL);
	free(too_long);
}

UNIT_MAIN("proto-iscsi-name", cmocka_unit_test(test_iscsi_names_valid), cmocka_unit_test(test_iscsi_names_invalid))
