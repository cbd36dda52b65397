/* SPDX-License-Identifier: Apache-2.0 */
/* blkdev.h: facts about a block device node, read from the kernel (the tests' simulator wraps these). */
#ifndef BLKDEV_H
#define BLKDEV_H

#include <stddef.h>
#include <stdint.h>

/* Size of the block device at @path in bytes: 0 or a negative errno (-ENOTBLK if not a block device). */
int blkdev_size(const char *path, uint64_t *bytes);
/* The dm uuid of block device @maj:@min (from sysfs, no device-mapper call): 0, or -ENOENT when it is
 * not a device-mapper device. */
int blkdev_dm_uuid(unsigned maj, unsigned min, char *uuid, size_t size);

#endif
