/* SPDX-License-Identifier: Apache-2.0 */
/* fault.c: the production fault point is empty (see fault.h); it lives in its own object so that a
 * test link can wrap it. */
#include "fault.h"

void fault_point(const char *call, const char *point)
{
	(void)call;
	(void)point;
}
