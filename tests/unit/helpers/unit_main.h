/* SPDX-License-Identifier: Apache-2.0 */
/*
 * unit_main.h: the main() of a unit test binary that only runs its tests: UNIT_MAIN("group", tests...)
 * with cmocka's CMUnitTest initialisers (cmocka_unit_test(), or a helper's macro that adds its fixture).
 */
#ifndef UNIT_MAIN_H
#define UNIT_MAIN_H

#define UNIT_MAIN(group, ...) \
	int main(void) \
	{ \
		const struct CMUnitTest tests[] = { __VA_ARGS__ }; \
		return cmocka_run_group_tests_name(group, tests, NULL, NULL); \
	}

#endif
