/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_crash.c: crash injection for build/attachd-sim (see agent/calls/fault.h). ATTACHD_CRASH_AT="call:point"
 * (e.g. "initialize-connection:step-3") makes the agent die by SIGKILL at that point: no cleanup, no
 * reply, the database and the (simulated) kernel left exactly as they were. ATTACHD_DELAY_AT=
 * "call:point:ms" makes it sleep there instead (a slow kernel), to send it signals mid-call.
 * ATTACHD_RENDEZVOUS_AT="call:point:N" holds each call that gets there until N calls are there at once
 * (10 s at most), and says on stderr whether they all met: calls on different volumes reach their
 * kernel steps at the same time only if the agent runs them side by side (agent/server/flight.h).
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t sim_meet_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sim_meet_cond = PTHREAD_COND_INITIALIZER;
static int sim_meet_here;

static void sim_meet(const char *here, int want)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&sim_meet_lock);
	int n = ++sim_meet_here;
	pthread_cond_broadcast(&sim_meet_cond);
	while (sim_meet_here < want && pthread_cond_timedwait(&sim_meet_cond, &sim_meet_lock, &until) == 0)
		;
	bool met = sim_meet_here >= want;
	pthread_mutex_unlock(&sim_meet_lock);
	fprintf(stderr, "attachd: rendezvous at %s: call %d of %d %s\n", here, n, want, met ? "met the others" : "timed out");
}

void __wrap_fault_point(const char *call, const char *point);
void __wrap_fault_point(const char *call, const char *point)
{
	const char *want = getenv("ATTACHD_CRASH_AT");
	const char *delay = getenv("ATTACHD_DELAY_AT");
	const char *meet = getenv("ATTACHD_RENDEZVOUS_AT");
	char here[128];
	if (!call)
		return;
	snprintf(here, sizeof(here), "%s:%s", call, point);
	size_t n = strlen(here);
	if (delay && !strncmp(delay, here, n) && delay[n] == ':') {
		fprintf(stderr, "attachd: delay injected at %s\n", here);
		usleep((useconds_t)atoi(delay + n + 1) * 1000);
	}
	if (meet && !strncmp(meet, here, n) && meet[n] == ':')
		sim_meet(here, atoi(meet + n + 1));
	if (!want || strcmp(want, here))
		return;
	fprintf(stderr, "attachd: crash injected at %s\n", here);
	kill(getpid(), SIGKILL);
	pause();
}
