/* SPDX-License-Identifier: Apache-2.0 */
/*
 * device.h: which disk a volume is, and whether a caller may register it.
 *
 * A volume is registered by the path its caller gives (/dev/disk/by-id/wwn-..., /dev/vg0/vol1, /dev/sdb)
 * together with the identity of the disk that path leads to then (blkdev_identity(): a dm uuid, a WWID,
 * a loop device's file...). Kernel names and device numbers are not identities: after a reboot disks
 * enumerate in another order, and a removed LV's minor goes to the next one. So every export, reconcile
 * and extend resolves the given path again and uses what it finds only if its identity is the recorded
 * one: otherwise the export stays down with a message saying what was found, and nothing of another
 * disk is ever exported under this volume's target and credentials.
 *
 * Registration (volume-create) checks, for every caller:
 *   - the path: absolute, no "." or ".." or empty components; resolved here one component at a time,
 *     every directory on the way (symlinks' included) owned by root and writable by nobody else but
 *     root's group (in a sticky directory, such as /tmp, the entry taken must be root's): a symlink
 *     planted by someone else cannot lead the agent anywhere;
 *   - the device: a block device with an identity, not attachd's own export device, and not in use (an
 *     exclusive open succeeds: nothing mounted, no swap, no dm/md holder);
 *   - the policy: with --device-prefix / --device-vg, the given path starts with one of the prefixes or
 *     the device is an LV of one of the volume groups; without either, only root registers devices.
 *     A path outside the prefixes is refused before it is looked at (or, with volume groups, its
 *     failures all read as "outside the policy");
 *   - one volume per disk: a partition and its whole disk are one.
 * Its messages name only the path the caller sent, never where it led.
 */
#ifndef DEVICE_H
#define DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "record.h"

struct device {
	char path[ATTACH_PATH_MAX + 1]; /* the kernel's path the given one leads to now */
	unsigned major, minor;
	char ident[REC_IDENT_MAX + 1];
	uint64_t size; /* bytes */
};

/* volume-create: the device at @given, for a caller who is root or not (@root). 0, or a negative errno
 * with the reason in @msg: -ENOENT, -ENOTBLK, -EPERM (policy, unsafe path), -EBUSY (attachd's own),
 * -EINVAL (a malformed path, or a disk without a stable identity), -ENAMETOOLONG. */
int device_register(const struct agent_config *cfg, const char *given, bool root, struct device *d, char *msg,
		    size_t msglen);
/* ... and nothing holds it (an exclusive open succeeds): 0, -EBUSY, or -errno; @msg names @given. */
int device_unused(const struct device *d, const char *given, char *msg, size_t msglen);

/* The volume's disk now: its path resolved again and the identity compared. 0; -ENOENT or -ENOTBLK
 * when nothing is there; -EMEDIUMTYPE when another disk is (or, for a record of attachd 0.1 that has no
 * identity, when the device number changed since it was registered). @msg says what was found. */
int device_verify(const struct rec_volume *v, struct device *d, char *msg, size_t msglen);

/* Is device @maj:@min the disk whose identity is @want? 0, -EMEDIUMTYPE (another disk, or none there any
 * more), or -errno; @msg says what it is. */
int device_is_disk(const char *want, unsigned maj, unsigned min, char *msg, size_t msglen);
/* Is device @maj:@min (what a live dm table maps) the volume's disk? 0, -EMEDIUMTYPE, or -errno. */
int device_is_volumes(const struct rec_volume *v, unsigned maj, unsigned min, char *msg, size_t msglen);

/* A volume registered by attachd 0.1 has no identity: take it from its device when that device still has
 * the number it was registered with (trust on first use). 1 when @v was filled in, 0 when not needed,
 * -EMEDIUMTYPE or -errno when it cannot be. */
int device_adopt(struct rec_volume *v);

/* The volume group of an LVM device-mapper name ("vg--a-lv" -> "vg-a"): 0, or -EINVAL. */
int device_lvm_vg(const char *dm_name, char *vg, size_t size);

#endif
