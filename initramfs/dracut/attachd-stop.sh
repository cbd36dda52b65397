#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# dracut cleanup hook (without systemd in the initramfs): stop attachd before the switch to the root
# file system and unmount its database's file system; the exports stay in the kernel.
command -v warn >/dev/null || . /lib/dracut-lib.sh
attachd-initramfs stop || warn "attachd: stopping it in the initramfs failed"
