/* SPDX-License-Identifier: Apache-2.0 */
/*
 * calls_fx.h: what the tests of the calls through dispatch() (test_calls_*.c, test_dispatch.c) share over
 * the harness of harness.h: two initiators, the identifiers of ids.h (the attach's INSTANCE; VOL and the
 * others proto_req.h's requests carry), and shortcuts for the calls they make most and for what they look
 * at in the configfs tree.
 */
#ifndef CALLS_FX_H
#define CALLS_FX_H

#include <stdint.h>

#include "harness.h"
#include "ids.h"

#define INI_A "iqn.2004-10.org.example:host-a"
#define INI_B "iqn.2004-10.org.example:host-b"
/* The volume attribute of an h_call(): h_call(h, type, V(vol), 0). */
#define V(id) ATTACH_A_VOLUME_ID, (id)

/* A new volume on device @i (multiattach if @multiattach), driven to @state by h_to_state() with INI_A's
 * connection. Its id, in a buffer of device @i's that stays until the next new_volume() on that device. */
const char *new_volume(struct harness *h, int i, int multiattach, int state);
/* The configfs path of @vol's target (target/iscsi/<default prefix>:<vol>), in a static buffer. */
const char *target_of(const char *vol);
/* Does the tree have the entry named by @fmt (relative to the configfs root)? */
int tree_has(struct harness *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* @vol's state, by volume-show (which must succeed). */
uint8_t volume_state(struct harness *h, const char *vol);
/* initialize-connection of @vol for @ini; attach of @vol to INSTANCE on compute-1 at /dev/vdb. Statuses. */
int init_conn(struct harness *h, const char *vol, const char *ini);
/* reserve of @vol, which must succeed; its attachment id into @att (ATTACH_UUID_LEN + 1 bytes or more). */
void reserve(struct harness *h, const char *vol, char *att);
int do_attach(struct harness *h, const char *vol);

#endif
