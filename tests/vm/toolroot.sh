#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# toolroot.sh: a Debian 12 root file system holding initramfs-tools and dracut, to build initramfs
# images with the tools of the system attachd's hook and module are for, in a chroot (tests/vm/
# initramfs-images.sh), without installing them on this machine: mkinitramfs reads /usr/share/
# initramfs-tools, /lib/modules/<version> and /boot/config-<version> by fixed paths, and dracut and
# initramfs-tools conflict as packages.
#
# As fetch.sh does for the guest: a private apt state, the .debs in the shared pool ($CACHE/debs),
# extracted with dpkg-deb (no maintainer script runs) into $CACHE/toolroot/root, merged /usr as
# Debian 12 installs it, plus what maintainer scripts would have made (/bin/sh, awk, ld.so.cache).
# Cached: a later run with the same package list and this script unchanged does nothing.
# Prints the root's path on the last line of stdout; progress on stderr.
set -euo pipefail
CACHE=${ATTACHD_VM_CACHE:-${HOME:-/root}/.cache/attachd-vm}
DIR=$CACHE/toolroot
POOL=$CACHE/debs
MIRROR=${ATTACHD_VM_MIRROR:-http://deb.debian.org}
say() { echo "toolroot: $*" >&2; }

# The shell, the tools the two build scripts run (xz: mkinitramfs stores 6.12's .ko.xz decompressed),
# attachd's libraries (libkmod2 is dlopen()ed).
COMMON="dash bash coreutils findutils grep sed mawk gzip zstd xz-utils cpio libc-bin util-linux kmod busybox
	libnl-3-200 libdevmapper1.02.1 libuuid1 liblmdb0 libkmod2"
# resolved apart: the two packages conflict (each is a linux-initramfs-tool)
IT_PKGS="initramfs-tools $COMMON"
# dracut-network: the network module, which attachd's module asks for when a portal needs it
# (network-legacy: ip, dhclient, arping, pgrep)
DR_PKGS="dracut-core dracut-network iproute2 isc-dhcp-client iputils-arping procps $COMMON"
WANT="format=1 it=$(echo $IT_PKGS) dracut=$(echo $DR_PKGS) script=$(sha256sum "$0" | cut -c1-16)"
R=$DIR/root
if [ -f "$DIR/done" ] && [ "$(cat "$DIR/done")" = "$WANT" ] && [ -x "$R/usr/sbin/mkinitramfs" ]; then
	echo "$R"
	exit 0
fi
rm -f "$DIR/done"

A=$DIR/apt
mkdir -p "$A/lists/partial" "$A/cache" "$POOL/partial"
: >"$A/status"
KR=/usr/share/keyrings/debian-archive-keyring.gpg
{
	echo "deb [signed-by=$KR] $MIRROR/debian bookworm main"
	echo "deb [signed-by=$KR] $MIRROR/debian bookworm-updates main"
	echo "deb [signed-by=$KR] $MIRROR/debian-security bookworm-security main"
} >"$A/sources.list"
APT=(-o Dir::Etc::sourcelist="$A/sources.list" -o Dir::Etc::sourceparts=/dev/null
	-o Dir::State::Lists="$A/lists" -o Dir::State::status="$A/status" -o Dir::Cache="$A/cache"
	-o Dir::Cache::archives="$POOL" -o APT::Install-Recommends=false -o Debug::NoLocking=1
	-o APT::Sandbox::User=root)
say "apt-get update (private lists)"
apt-get "${APT[@]}" update -qq >&2
debs() { # PACKAGES...: the .deb file names of their closure
	apt-get "${APT[@]}" -s install "$@" | awk '$1 == "Inst" {
		v = $3; sub(/^\(/, "", v); gsub(/:/, "%3a", v)
		a = ""; for (i = 4; i <= NF; i++) if ($i ~ /^\[[a-z0-9]+\]\)?$/) a = $i
		gsub(/[][)]/, "", a)
		print $2 "_" v "_" a ".deb" }'
}
# shellcheck disable=SC2086 # package lists
{ debs $IT_PKGS; debs $DR_PKGS; } | sort -u >"$DIR/debs"
# shellcheck disable=SC2086
apt-get "${APT[@]}" -y -qq --download-only install $IT_PKGS >&2
# shellcheck disable=SC2086
apt-get "${APT[@]}" -y -qq --download-only install $DR_PKGS >&2
while read -r d; do [ -f "$POOL/$d" ] || { say "missing after download: $d"; exit 1; }; done <"$DIR/debs"

say "extracting $(wc -l <"$DIR/debs") packages"
rm -rf "$R"
mkdir -p "$R"/usr/{bin,sbin,lib,lib64} "$R"/{etc,tmp,dev,proc,sys,run,boot,var/tmp}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$R/$d"; done
while read -r d; do
	dpkg-deb --fsys-tarfile "$POOL/$d" | tar -x --keep-directory-symlink -C "$R"
done <"$DIR/debs"
# what maintainer scripts and alternatives would have made
ln -sf dash "$R/usr/bin/sh"
ln -sf mawk "$R/usr/bin/awk"
chmod 1777 "$R/tmp" "$R/var/tmp"
echo "root:x:0:0:root:/root:/bin/sh" >"$R/etc/passwd"
echo "root:x:0:" >"$R/etc/group"
chroot "$R" /sbin/ldconfig
echo "$WANT" >"$DIR/done"
say "ready: $R"
echo "$R"
