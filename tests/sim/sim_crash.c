/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_crash.c: crash injection for build/attachd-sim (see agent/fault.h). ATTACHD_CRASH_AT="call:point"
 * (e.g. "initialize-connection:step-3") makes the agent die by SIGKILL at that point: no cleanup, no
 * reply, the database and the (simulated) kernel left exactly as they were.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void __wrap_fault_point(const char *call, const char *point);
void __wrap_fault_point(const char *call, const char *point)
{
	const char *want = getenv("ATTACHD_CRASH_AT");
	char here[128];
	if (!want || !call)
		return;
	snprintf(here, sizeof(here), "%s:%s", call, point);
	if (strcmp(want, here))
		return;
	fprintf(stderr, "attachd-sim: crash injected at %s\n", here);
	kill(getpid(), SIGKILL);
	pause();
}
