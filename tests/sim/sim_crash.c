/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_crash.c: crash injection for build/attachd-sim (see agent/calls/fault.h). ATTACHD_CRASH_AT="call:point"
 * (e.g. "initialize-connection:step-3") makes the agent die by SIGKILL at that point: no cleanup, no
 * reply, the database and the (simulated) kernel left exactly as they were. ATTACHD_DELAY_AT=
 * "call:point:ms" makes it sleep there instead (a slow kernel), to send it signals mid-call.
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
	const char *delay = getenv("ATTACHD_DELAY_AT");
	char here[128];
	if (!call)
		return;
	snprintf(here, sizeof(here), "%s:%s", call, point);
	size_t n = strlen(here);
	if (delay && !strncmp(delay, here, n) && delay[n] == ':') {
		fprintf(stderr, "attachd: delay injected at %s\n", here);
		usleep((useconds_t)atoi(delay + n + 1) * 1000);
	}
	if (!want || strcmp(want, here))
		return;
	fprintf(stderr, "attachd: crash injected at %s\n", here);
	kill(getpid(), SIGKILL);
	pause();
}
