/* SPDX-License-Identifier: Apache-2.0 */
/* blkdev.h: facts about a block device node, read from the kernel (the tests' simulator wraps these). */
#ifndef BLKDEV_H
#define BLKDEV_H

#include <stdint.h>

/* Size of the block device at @path in bytes: 0 or a negative errno (-ENOTBLK if not a block device). */
int blkdev_size(const char *path, uint64_t *bytes);

#endif
