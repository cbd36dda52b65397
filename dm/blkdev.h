/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blkdev.h: facts about a block device, read from the kernel (sysfs, one ioctl): its size, whether it is
 * a device-mapper device, its stable identity, whether something holds it. Nothing here writes. The tests'
 * simulator wraps every function (tests/sim/sim_dm.c).
 */
#ifndef BLKDEV_H
#define BLKDEV_H

#include <stddef.h>
#include <stdint.h>

#define BLKDEV_IDENT_MAX 255

/* Size of the block device at @path in bytes: 0 or a negative errno (-ENOTBLK if not a block device). */
int blkdev_size(const char *path, uint64_t *bytes);
/* Size of block device @maj:@min in bytes (sysfs): 0, or -ENODEV when no such device is there. */
int blkdev_size_dev(unsigned maj, unsigned min, uint64_t *bytes);
/* The dm uuid ("" when it has none) and name of block device @maj:@min (from sysfs, no device-mapper
 * call; either buffer may be NULL): 0, or -ENOENT when it is not a device-mapper device. */
int blkdev_dm(unsigned maj, unsigned min, char *uuid, size_t usize, char *name, size_t nsize);

/*
 * A name for the disk behind @maj:@min that does not change when device numbers and kernel names do
 * (another boot, another probe order, a minor reused), in the first form that applies:
 *   "dm-uuid:<uuid>"                 a device-mapper device with a uuid (LVM: LVM-<vg uuid><lv uuid>)
 *   "dm-name:<name>"                 a device-mapper device without one (its name is what its maker keeps)
 *   "md-uuid:<uuid>"                 an md array
 *   "loop:<backing file>[@<offset>]" a loop device: the file it reads (and the offset into it)
 *   "part<N>:<whole disk's identity>" a partition
 *   "wwid:<wwid>"                    a disk with a WWID (SCSI VPD page 0x83, NVMe namespace ids)
 *   "serial:<serial>"                a disk with only a serial (virtio-blk)
 * 0, -ENODATA when the device has none of these (a RAM disk, a virtio disk without a serial), -ENODEV
 * when there is no device @maj:@min.
 */
int blkdev_identity(unsigned maj, unsigned min, char *ident, size_t size);

/* Can the device at @path be claimed (an exclusive open)? 0, or -EBUSY when something holds it: a
 * mounted file system, swap, device-mapper, md, or iblock. */
int blkdev_claimable(const char *path);

#endif
