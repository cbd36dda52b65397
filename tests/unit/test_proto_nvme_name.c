/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_proto_nvme_name.c: NQN validation, proto_nvme_name_check() (proto/proto_nvme_name.c): the dated
 * and the uuid forms that pass, and the names refused with the reason given.
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

static void test_nqn_valid(void **state)
{
	(void)state;
	char *longest = str_of("nqn.2014-08.com.example:", 'x', PROTO_NQN_MAX);
	const char *const good[] = {
		"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555",
		"nqn.2014-08.org.nvmexpress:uuid:ABCDEF01-2222-3333-4444-555555555555", /* hex in either case */
		"nqn.2026-11.org.attachd:11111111-2222-3333-4444-555555555555",          /* attachd's subsystems */
		"nqn.2014-08.com.example:nvme:nvm-subsystem-sn-d78432",                   /* the specification's */
		"nqn.2016-06.io.spdk:cnode1",
		"nqn.2024-01.test:dh",                                                    /* one label */
		"nqn.2014-08.com.example:a_b.c-d:e",
		"nqn.2014-08.org.nvmexpress:uuid-ish",      /* not the uuid form: a dated name like any other */
		longest,                                    /* 223 bytes */
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char why[160] = "";
		int rc = proto_nvme_name_check(good[i], why, sizeof(why));
		if (rc != 0) {
			print_message("\"%s\" refused: %s\n", good[i], why);
			fail();
		}
	}
	assert_int_equal(strlen(longest), 223);
	free(longest);
}

static void test_nqn_invalid(void **state)
{
	(void)state;
	char *too_long = str_of("nqn.2014-08.com.example:", 'x', PROTO_NQN_MAX + 1);
	const struct { const char *name; const char *why; } bad[] = {
		{ "nqn.2014-08.org.nvmexpress.discovery", "needs ':'" },
		{ "nqn.2014-08.com.example", "needs ':'" },
		{ "nqn.2014-08.com.example:", "nothing after ':'" },
		{ "nqn.14-08.com.example:x", "date YYYY-MM" },
		{ "nqn.2014-8.com.example:x", "date YYYY-MM" },
		{ "nqn.2014_08.com.example:x", "date YYYY-MM" },
		{ "nqn.2014-13.com.example:x", "month" },
		{ "nqn.2014-00.com.example:x", "month" },
		{ "nqn.2014-08", "reversed domain after the date" },
		{ "nqn.2014", "date YYYY-MM" },
		{ "nqn.2014-08:x", "reversed domain after the date" },
		{ "nqn.2014-08.:x", "empty or ends with '.'" },
		{ "nqn.2014-08.com.:x", "empty or ends with '.'" },
		{ "nqn.2014-08.com..example:x", "empty label" },
		{ "nqn.2014-08.com_example:x", "reversed domain may hold only" },
		{ "nqn.2014-08.org.nvmexpress:uuid:", "exactly one UUID" },
		{ "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-55555555555", "exactly one UUID" },
		{ "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-5555555555555", "exactly one UUID" },
		{ "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-55555555555g", "exactly one UUID" },
		{ "nqn.2014-08.org.nvmexpress:uuid:111111112222-3333-4444-555555555555x", "exactly one UUID" },
		{ "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555:x", "exactly one UUID" },
		{ "nqn.2014-08.com.example:a/b", "only letters, digits" },
		{ "nqn.2014-08.com.example:a b", "only letters, digits" },
		{ "nqn.2014-08.com.example:a\nb", "only letters, digits" },
		{ "nqn.2014-08.com.ex\xc3\xa4mple:x", "only letters, digits" },
		{ "NQN.2014-08.com.example:x", "must start with \"nqn.\"" },
		{ "iqn.2014-08.com.example:x", "must start with \"nqn.\"" },
		{ "", "must start with \"nqn.\"" },
		{ too_long, "at most 223 bytes" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char why[160] = "";
		int rc = proto_nvme_name_check(bad[i].name, why, sizeof(why));
		if (rc != -EINVAL || !strstr(why, bad[i].why)) {
			print_message("\"%s\": rc %d, reason \"%s\", expected -EINVAL and \"%s\"\n", bad[i].name, rc, why,
				      bad[i].why);
			fail();
		}
	}
	assert_int_equal(proto_nvme_name_check("nqn.x", NULL, 0), -EINVAL); /* the reason is optional */
	free(too_long);
}

UNIT_MAIN("proto-nvme-name", cmocka_unit_test(test_nqn_valid), cmocka_unit_test(test_nqn_invalid))
