/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dmdev.h: attachd's device-mapper devices, through libdevmapper. Each export sits on a linear device
 * named DMDEV_NAME_PREFIX<volume-id> with dm uuid DMDEV_UUID_PREFIX<volume-id>: attachd recognises its
 * own devices by that uuid and never touches another. Works without udev (initramfs, containers):
 * libdevmapper then makes the /dev/mapper nodes itself. Nothing here knows LIO, the protocol or LMDB.
 * Functions return 0 or a negative errno (dm_task_get_errno() when the kernel said why, else -EIO).
 */
#ifndef DMDEV_H
#define DMDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DMDEV_NAME_PREFIX "attachd-"
#define DMDEV_UUID_PREFIX "ATTACHD-"
#define DMDEV_NAME_MAX 127

/* Route libdevmapper's messages to @log (syslog priorities) and choose udev sync or not. Once, early. */
void dmdev_init(void (*log)(int prio, const char *msg));

/* The node path of device @name ("/dev/mapper/<name>"). */
int dmdev_node(const char *name, char *buf, size_t size);

/* A linear device @name/@uuid of @sectors over block device @maj:@min (0: all of it). -EINVAL if the
 * device is smaller than that. The device goes by number, not by path: the caller checked that this
 * number is the disk it means (a path can lead elsewhere by the time it is opened). */
int dmdev_create_linear(const char *name, const char *uuid, unsigned maj, unsigned min, uint64_t sectors);
/* Remove @name (retrying while something briefly holds it). A device that is gone: 0. */
int dmdev_remove(const char *name);
/* Swap @name's table for an "error" target of the same size: I/O through it fails from now on. */
int dmdev_fence(const char *name);
/* Reload @name as linear over @sectors of @maj:@min (0: all of it): after a fence, or a new size. */
int dmdev_reload_linear(const char *name, unsigned maj, unsigned min, uint64_t sectors);
/* Does @name exist, and is it ours (uuid with our prefix)? */
int dmdev_query(const char *name, bool *exists, bool *ours);
/* @name's live table: the first target's type ("linear", "error"), its parameters, and the table's
 * whole length in sectors. */
int dmdev_table(const char *name, char *type, size_t tsize, char *params, size_t psize, uint64_t *sectors);
/* Call @fn with the name of every device that is ours (uuid prefix); non-zero stops the walk. */
int dmdev_list(int (*fn)(const char *name, void *arg), void *arg);

#endif
