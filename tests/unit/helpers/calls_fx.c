/* SPDX-License-Identifier: Apache-2.0 */
/* calls_fx.c: the shortcuts of calls_fx.h. */
#include "calls_fx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

const char *new_volume(struct harness *h, int i, int multiattach, int state)
{
	static char ids[H_DEVS][ATTACH_UUID_LEN + 1];
	assert_in_range(i, 0, H_DEVS - 1);
	snprintf(ids[i], sizeof(ids[i]), "%s", h_volume(h, i, multiattach));
	h_to_state(h, ids[i], state, INI_A);
	return ids[i];
}

const char *target_of(const char *vol)
{
	static char t[256];
	snprintf(t, sizeof(t), "target/iscsi/" AGENT_DEFAULT_IQN_PREFIX ":%s", vol);
	return t;
}

int tree_has(struct harness *h, const char *fmt, ...)
{
	char rel[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	return cfs_exists(&h->a.cfs, rel) == 1;
}

uint8_t volume_state(struct harness *h, const char *vol)
{
	assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_SHOW, V(vol), 0), ATTACH_OK);
	return nla_get_u8(h->tb[ATTACH_A_STATE]);
}

int init_conn(struct harness *h, const char *vol, const char *ini)
{
	return (int)h_call(h, ATTACH_MSG_INITIALIZE_CONNECTION, V(vol), ATTACH_A_INITIATOR, ini, 0);
}

void reserve(struct harness *h, const char *vol, char *att)
{
	assert_int_equal(h_call(h, ATTACH_MSG_RESERVE, V(vol), 0), ATTACH_OK);
	snprintf(att, ATTACH_UUID_LEN + 1, "%s", h_str(h, ATTACH_A_ATTACHMENT_ID));
}

int do_attach(struct harness *h, const char *vol)
{
	return (int)h_call(h, ATTACH_MSG_ATTACH, V(vol), ATTACH_A_INSTANCE, INSTANCE, ATTACH_A_HOST, "compute-1",
			   ATTACH_A_MOUNTPOINT, "/dev/vdb", 0);
}
