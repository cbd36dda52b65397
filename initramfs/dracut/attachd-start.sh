#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# dracut pre-mount hook (without systemd in the initramfs): start attachd; it rebuilds every export.
# A failure is reported and the boot goes on: attachd.service tries again from the root file system.
command -v warn >/dev/null || . /lib/dracut-lib.sh
grep -qx 'ATTACHD_LOOPBACK=yes' /etc/attachd-initramfs.env && ip link set lo up 2>/dev/null
attachd-initramfs start || warn "attachd did not start in the initramfs: the exports wait for attachd.service"
