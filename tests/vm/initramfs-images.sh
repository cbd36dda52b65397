#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# initramfs-images.sh SUITE OUTDIR: attachd's initramfs-tools hook and dracut module, used by Debian
# 12's own mkinitramfs and dracut for the guest kernel of SUITE (fetched by fetch.sh), in a chroot of
# tests/vm/toolroot.sh's root with attachd installed by `make install` (PREFIX=/usr), so the hook and
# the module run where they are installed, against the files they read there:
#   /etc/attachd.conf   socket, db = /var/lib/attachd/db, portal = 10.0.2.15:3260 (qemu's user network)
#   /etc/fstab          LABEL=attachd-db on /var/lib/attachd (the database's own file system)
# Writes OUTDIR/initrd-mkinitramfs.img (booted by scenario 23-initramfs's second boot: the test-only
# local-top script below notes what the kernel holds before the root file system is mounted) and
# OUTDIR/initrd-dracut.img, and prints TAP lines on what each image holds (no plan line: run.sh
# numbers them). Exit 1 when an image could not be built.
# ATTACHD_VM_DRACUT=0 leaves dracut out (run.sh: it runs for the first kernel only).
# Runs as root: chroot, and a private mount namespace (unshare -m) for /dev, /proc and the kernel's
# modules; nothing outside OUTDIR and the cache is changed.
set -uo pipefail
SUITE=${1:-}
OUTDIR=${2:-}
[ -n "$SUITE" ] && [ -n "$OUTDIR" ] || { echo "usage: $0 SUITE OUTDIR" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${ATTACHD_VM_CACHE:-${HOME:-/root}/.cache/attachd-vm}
DIR=$CACHE/$SUITE
KVER=$(sed -n 's/^kver=//p' "$DIR/fetched" 2>/dev/null)
[ -n "$KVER" ] || { echo "$0: $SUITE is not fetched (tests/vm/fetch.sh $SUITE)" >&2; exit 2; }
N=0
tap() { N=$((N + 1)); echo "$1 - $KVER initramfs: $2"; }
check() { # DESC CMD...
	local d=$1
	shift
	if "$@" >"$W/out" 2>&1; then tap ok "$d"; else tap "not ok" "$d"; sed 's/^/# /' "$W/out" | tail -n 8; fi
}

TR=$("$HERE/toolroot.sh" 2>"$OUTDIR/toolroot.log" | tail -n 1)
[ -x "$TR/usr/sbin/mkinitramfs" ] || { tap "not ok" "the tool root (tests/vm/toolroot.sh)"; tail -n 5 "$OUTDIR/toolroot.log" | sed 's/^/# /'; exit 1; }
# The chroot: a copy of the tool root made of hard links (the cache's files are never written: every
# file below is a new path), with attachd installed into it.
mkdir -p "$CACHE/tmp"
W=$(mktemp -d "$CACHE/tmp/images.XXXXXX")
trap 'rm -rf "$W"' EXIT
R=$W/root
cp -al "$TR" "$R"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$REPO" B="${BUILD:-build}" \
	install DESTDIR="$W/stage" PREFIX=/usr >"$W/install.log" 2>&1 ||
	{ tap "not ok" "make install DESTDIR=... PREFIX=/usr"; sed 's/^/# /' "$W/install.log"; exit 1; }
rm -f "$W/stage/etc/attachd.conf"
tar -C "$W/stage" -c . | tar -C "$R" -x --keep-directory-symlink
cat >"$R/etc/attachd.conf" <<'EOF'
socket = /run/attachd.sock
db = /var/lib/attachd/db
portal = 10.0.2.15:3260
EOF
cat >"$R/etc/fstab" <<'EOF'
# the guest's disks (scenario 23-initramfs): the root on /dev/vda, attachd's database on /dev/vdb
LABEL=attachd-vm /              ext4 defaults 0 1
LABEL=attachd-db /var/lib/attachd ext4 noatime,nofail 0 2
EOF
cp "$DIR/kroot/boot/config-$KVER" "$R/boot/"
mkdir -p "$R/lib/modules/$KVER"

# initramfs-tools' configuration for the test image: only the modules listed (and those hooks add),
# busybox, zstd at its fastest (decompressed in the guest under TCG)
C=$R/etc/attachd-vm-initramfs
mkdir -p "$C/conf.d" "$C/scripts/local-top" "$C/hooks"
printf 'MODULES=list\nBUSYBOX=y\nCOMPRESS=zstd\nCOMPRESSLEVEL=1\nRUNSIZE=10%%\n' >"$C/initramfs.conf"
printf 'virtio_pci\nvirtio_blk\nvirtio_net\next4\n' >"$C/modules"
# For the test only: after attachd's init-premount script, before the root file system is mounted,
# note what the kernel and attachd hold; scenario 23 reads it after the switch to the root.
cat >"$C/scripts/local-top/attachd-vm-check" <<'EOF'
#!/bin/sh
case ${1:-} in prereqs) exit 0 ;; esac
O=/run/initramfs/attachd-vm
mkdir -p $O
{
	echo "uptime $(cut -d ' ' -f 1 /proc/uptime)"
	echo "root mounted: $(grep -c " ${rootmnt:-/root} " /proc/mounts)"
	echo "attachd running: $(kill -0 "$(cat /run/initramfs/attachd.pid 2>/dev/null)" 2>/dev/null && echo yes || echo no)"
	echo "database mounted: $(grep -c ' /var/lib/attachd ext4 rw' /proc/mounts)"
	for t in /sys/kernel/config/target/iscsi/iqn.*; do
		[ -d "$t" ] || continue
		echo "target ${t##*/} enable=$(cat "$t/tpgt_1/enable") acls=$(ls "$t/tpgt_1/acls" | tr '\n' ' ')"
	done
	for d in /sys/block/dm-*/dm/name; do [ -f "$d" ] && echo "dm $(cat "$d")"; done
} >$O/premount-state 2>&1
attachctl -s /run/initramfs/attachd.sock volume-list >$O/volume-list 2>&1
exit 0
EOF
chmod 0755 "$C/scripts/local-top/attachd-vm-check"

# inside: the private mount namespace; the kernel's modules tree where mkinitramfs and dracut look
inside() {
	unshare -m /bin/sh -c '
		R=$1 K=$2; shift 2
		mount --rbind /dev "$R/dev" && mount -t proc proc "$R/proc" &&
			mount --bind -o ro "$K" "$R/lib/modules/$(basename "$K")" || exit 99
		exec chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TMPDIR=/tmp "$@"' \
		_ "$R" "$DIR/kroot/lib/modules/$KVER" "$@"
}

# ---- initramfs-tools
t0=$(date +%s.%N)
if inside mkinitramfs -v -d /etc/attachd-vm-initramfs -o /tmp/initrd.img "$KVER" >"$OUTDIR/mkinitramfs.log" 2>&1; then
	t1=$(date +%s.%N)
	tap ok "mkinitramfs builds an image with attachd's hook ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, $(($(stat -c %s "$R/tmp/initrd.img") / 1024)) KiB)"
else
	tap "not ok" "mkinitramfs builds an image with attachd's hook"
	tail -n 15 "$OUTDIR/mkinitramfs.log" | sed 's/^/# /'
	exit 1
fi
cp "$R/tmp/initrd.img" "$OUTDIR/initrd-mkinitramfs.img"
inside lsinitramfs /tmp/initrd.img 2>&1 | sed 's|^\./||; s|^|/|' | sort >"$W/it-files"
has() { # LIST PATTERN...: every pattern (a grep -x regex) matches a path
	local l=$1 p
	shift
	for p; do grep -qx "$p" "$l" || { echo "missing: $p"; return 1; }; done
}
check "attachd, attachctl and the helper are in the image" \
	has "$W/it-files" /usr/sbin/attachd /usr/bin/attachctl /usr/bin/attachd-initramfs
check "attachd's libraries are, libkmod.so.2 (dlopen()ed) too" has "$W/it-files" \
	'.*/libnl-3\.so\.200' '.*/libdevmapper\.so\.1\.02\.1' '.*/liblmdb\.so\.0' \
	'.*/libuuid\.so\.1' '.*/libkmod\.so\.2'
check "the LIO and dm modules and what they depend on are" has "$W/it-files" \
	".*/$KVER/.*/configfs\.ko" ".*/target_core_mod\.ko" ".*/target_core_iblock\.ko" ".*/iscsi_target_mod\.ko" \
	".*/dm-mod\.ko" ".*/crc32c_generic\.ko" ".*/ext4\.ko" ".*/virtio_net\.ko"
check "the boot scripts are, and in initramfs-tools' order" bash -c '
	grep -qx /scripts/init-premount/attachd "$1" && grep -qx /scripts/init-bottom/attachd "$1" &&
	grep -qx "Calling hook attachd" "$2" || { echo "no call of the hook in the log"; exit 1; }' \
	_ "$W/it-files" "$OUTDIR/mkinitramfs.log"
mkdir -p "$W/it-x"
inside unmkinitramfs /tmp/initrd.img /tmp/it-x >/dev/null 2>&1
X=$R/tmp/it-x
[ -d "$X/main" ] && X=$X/main
check "the image's /etc/attachd.conf is the system's" cmp "$R/etc/attachd.conf" "$X/etc/attachd.conf"
check "its environment file names the database's file system from fstab, read-write" bash -c '
	grep -qx "ATTACHD_DB_DEVICE='"'LABEL=attachd-db'"'" "$1" && grep -qx "ATTACHD_DB_MOUNT='"'/var/lib/attachd'"'" "$1" &&
	grep -qx "ATTACHD_DB_OPTIONS='"'rw,noatime'"'" "$1" && grep -qx "ATTACHD_BIN='"'/usr/sbin/attachd'"'" "$1" &&
	grep -qx ATTACHD_NETWORK=yes "$1" || cat "$1"' _ "$X/etc/attachd-initramfs.env"
check "init-premount and init-bottom run attachd-initramfs start and stop" bash -c '
	grep -q "attachd-initramfs start" "$1/scripts/init-premount/attachd" &&
	grep -q "attachd-initramfs stop" "$1/scripts/init-bottom/attachd" &&
	grep -q "/scripts/init-premount/attachd" "$1/scripts/init-premount/ORDER" &&
	grep -q "/scripts/init-bottom/attachd" "$1/scripts/init-bottom/ORDER"' _ "$X"
check "attachd runs in the image's own root (its libraries found)" inside chroot /tmp/it-x${X#"$R/tmp/it-x"} /usr/sbin/attachd --version

# a system not set up for it: the hook (run as mkinitramfs runs it) adds nothing and says why under -v
cp "$R/etc/fstab" "$W/fstab"
sed -i '/attachd-db/d' "$R/etc/fstab"
mkdir -p "$R/tmp/none"
out=$(inside sh -c 'DESTDIR=/tmp/none verbose=y version=$1 MODULESDIR=/lib/modules/$1 CONFDIR=/etc/attachd-vm-initramfs \
	/usr/share/initramfs-tools/hooks/attachd; echo "exit $?"' _ "$KVER" 2>&1)
check "database on the root file system: the hook adds nothing, exits 0, and says why under -v" bash -c '
	[ -z "$(ls -A "$1")" ] && grep -qx "exit 0" <<<"$2" &&
	grep -q "attachd: not added to the initramfs: the database /var/lib/attachd/db is on the root file system" <<<"$2" ||
	{ echo "$2"; ls -A "$1"; exit 1; }' _ "$R/tmp/none" "$out"
cp "$W/fstab" "$R/etc/fstab"

[ "${ATTACHD_VM_DRACUT:-1}" = 1 ] || exit 0

# ---- dracut: generic (not host-only), only base and attachd (with what it depends on), uncompressed
t0=$(date +%s.%N)
if inside dracut --force --no-hostonly --no-early-microcode --no-compress --kver "$KVER" -m "base attachd" \
	/tmp/dracut.img >"$OUTDIR/dracut.log" 2>&1; then
	t1=$(date +%s.%N)
	tap ok "dracut builds an image with attachd's module (network: rd.neednet; $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, $(($(stat -c %s "$R/tmp/dracut.img") / 1024)) KiB)"
	cp "$R/tmp/dracut.img" "$OUTDIR/initrd-dracut.img"
	(cd "$W" && cpio -it --quiet <"$R/tmp/dracut.img") | sed 's|^\./||; s|^|/|' | sort >"$W/dr-files"
	check "dracut: attachd, attachctl, the helper, libkmod.so.2 and attachd.conf are in the image" has "$W/dr-files" \
		/usr/sbin/attachd /usr/bin/attachctl /usr/bin/attachd-initramfs '.*/libkmod\.so\.2' /etc/attachd.conf \
		/etc/attachd-initramfs.env
	check "dracut: the LIO and dm modules and the file system's" has "$W/dr-files" ".*/configfs\.ko.*" \
		".*/target_core_mod\.ko.*" ".*/target_core_iblock\.ko.*" ".*/iscsi_target_mod\.ko.*" ".*/dm-mod\.ko.*" ".*/ext4\.ko.*"
	check "dracut: the pre-mount and cleanup hooks, and the network module (a portal on 10.0.2.15)" has "$W/dr-files" \
		/usr/lib/dracut/hooks/pre-mount/10-attachd-start.sh /usr/lib/dracut/hooks/cleanup/90-attachd-stop.sh \
		'.*/ifup\(\.sh\)\{0,1\}'
else
	tap "not ok" "dracut builds an image with attachd's module"
	tail -n 15 "$OUTDIR/dracut.log" | sed 's/^/# /'
fi
sed -i '/attachd-db/d' "$R/etc/fstab"
out=$(inside dracut --force --no-hostonly --no-compress --kver "$KVER" -m "base attachd" /tmp/dracut-none.img 2>&1)
check "dracut: the module refuses a database on the root file system, and says why" bash -c '
	! [ -s "$2/tmp/dracut-none.img" ] && grep -q "attachd: the database /var/lib/attachd/db is on the root file system" <<<"$1"' \
	_ "$out" "$R"
[ $N -gt 0 ]
