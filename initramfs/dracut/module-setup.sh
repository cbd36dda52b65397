#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# dracut module attachd (/usr/lib/dracut/modules.d/90attachd): attachd in the initramfs, rebuilding
# every export before the root file system is mounted (docs/INITRAMFS.md in attachd's sources).
# Included only when asked for (dracut --add attachd, or add_dracutmodules+=" attachd " in
# /etc/dracut.conf.d/) and only on a system set up for it: /etc/attachd.conf names a database on a file
# system of its own in /etc/fstab.

# where make install put them (substituted at install)
ATTACHD_BIN=@sbindir@/attachd
ATTACHCTL_BIN=@bindir@/attachctl
HELPER=@pkglibexecdir@/attachd-initramfs

# called by dracut: 255 = only when asked for
check() {
    local why
    require_binaries "$ATTACHD_BIN" "$ATTACHCTL_BIN" "$HELPER" || return 1
    if ! why=$(ATTACHD_BIN=$ATTACHD_BIN "$HELPER" config 2>&1 >/dev/null); then
        derror "attachd: ${why#attachd-initramfs: }"
        return 1
    fi
    return 255
}

# called by dracut: the network module when a portal is on a network interface (ip=, rd.neednet=1)
depends() {
    if ATTACHD_BIN=$ATTACHD_BIN "$HELPER" config 2>/dev/null | grep -qx 'ATTACHD_NETWORK=yes'; then
        echo network
    fi
    return 0
}

# called by dracut: the kernel's side of attachd, and the database's file system
installkernel() {
    local type
    type=$(ATTACHD_BIN=$ATTACHD_BIN "$HELPER" config 2>/dev/null | sed -n "s/^ATTACHD_DB_FSTYPE='\(.*\)'$/\1/p")
    hostonly='' instmods configfs target_core_mod target_core_iblock iscsi_target_mod dm_mod crc32c_generic ${type:+"$type"}
}

# called by dracut
install() {
    local env kmodlib
    env=$(ATTACHD_BIN=$ATTACHD_BIN "$HELPER" config) || return 1
    printf '%s\n' "$env" > "${initdir}/etc/attachd-initramfs.env"
    inst_multiple "$ATTACHD_BIN" "$ATTACHCTL_BIN" blkid mount umount modprobe
    inst_simple "$HELPER" /bin/attachd-initramfs
    inst_simple "$(sed -n "s/^ATTACHD_CONF='\(.*\)'$/\1/p" <<< "$env")"
    # attachd loads its modules with libkmod through dlopen(): dracut's ldd does not see it
    inst_libdir_file libkmod.so.2
    grep -qx 'ATTACHD_LOOPBACK=yes' <<< "$env" && inst_multiple -o ip
    if dracut_module_included systemd; then
        inst_simple "$moddir/attachd-initrd.service" "$systemdsystemunitdir/attachd-initrd.service"
        $SYSTEMCTL -q --root "$initdir" enable attachd-initrd.service
    else
        # pre-mount: after the initqueue (udev settled, the network up when asked for), before the
        # root file system is mounted; cleanup: just before the switch to the root file system
        inst_hook pre-mount 10 "$moddir/attachd-start.sh"
        inst_hook cleanup 90 "$moddir/attachd-stop.sh"
    fi
}
