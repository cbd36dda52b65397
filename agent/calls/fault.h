/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fault.h: named points in a mutating call where a crash can be injected. In attachd, fault_point()
 * does nothing. Test binaries wrap it at link time (-Wl,--wrap=fault_point, tests/sim/sim_crash.c): when
 * ATTACHD_CRASH_AT is "<call>:<point>", the process kills itself there with SIGKILL, as a power cut
 * would. Points: "intent" (records and intent committed, kernel untouched), "step-N" (before the Nth
 * kernel step), "applied" (kernel done, intent not yet cleared).
 */
#ifndef FAULT_H
#define FAULT_H

void fault_point(const char *call, const char *point);

#endif
