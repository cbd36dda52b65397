#!/bin/bash
# fetch.sh SUITE: everything the VM rig needs from outside, for one kernel suite, cached.
#
#   SUITE = bookworm            Debian 12's own kernel (6.1)
#           bookworm-backports  Debian's 6.12 from backports (configfs and nvmet details differ)
#
# Host tools come from apt-get install. The kernel and the guest userland (open-iscsi, libiscsi,
# dmsetup, kmod, python3 + rtslib-fb + os-brick and everything they depend on) are only downloaded and
# extracted, never installed: they go to $ATTACHD_VM_CACHE/SUITE (default ~/.cache/attachd-vm), outside
# the work tree, through a private apt state so the system's apt configuration and dpkg database are
# left alone. The .debs sit in one pool ($CACHE/debs) shared by both suites.
#
# A finished fetch writes $CACHE/SUITE/fetched; a later run whose package list is unchanged stops
# there without touching the network (only missing host tools are installed). ATTACHD_VM_REFETCH=1
# resolves and extracts again (e.g. to pick up a newer kernel ABI from Debian).
#
# Prints the cache directory on the last line of stdout; progress goes to stderr.
set -euo pipefail

SUITE=${1:-}
case $SUITE in
bookworm | bookworm-backports) ;;
*) echo "usage: $0 bookworm|bookworm-backports" >&2; exit 2 ;;
esac
CACHE=${ATTACHD_VM_CACHE:-${HOME:-/root}/.cache/attachd-vm}
DIR=$CACHE/$SUITE
POOL=$CACHE/debs
MIRROR=${ATTACHD_VM_MIRROR:-http://deb.debian.org}
say() { echo "fetch[$SUITE]: $*" >&2; }

# Guest userland, always from bookworm whatever the kernel suite: the tools a Debian 12 host runs.
# kmod: real modprobe in the guest (libkmod reads the depmod output, like attachd does).
BASE_PKGS="open-iscsi libiscsi-bin dmsetup kmod"
# dm-multipath over two portals (scenario 19): multipath and multipathd. sg3-utils: sg_inq for the disks'
# identity (19), sg_persist for SCSI persistent reservations from the initiator side (18-pr).
BASE_PKGS="$BASE_PKGS multipath-tools sg3-utils"
# NVMe over TCP (scenario 22): nvme-cli connects to nvmet as a host would
BASE_PKGS="$BASE_PKGS nvme-cli"
# rtslib-fb reads attachd's configfs back (scenario 08); os-brick is what Nova drives (scenario 09);
# targetcli-fb is timed beside attachd by make bench (tests/vm/bench/54-tools.sh).
PY_PKGS="python3 python3-rtslib-fb python3-os-brick targetcli-fb"
# Bump FORMAT when the layout under $DIR changes, so old caches are redone instead of misread.
FORMAT=2
WANT="format=$FORMAT suite=$SUITE base=$BASE_PKGS py=$PY_PKGS"

# ---- host tools: cheap check first, apt only for what is missing (also on a restored cache)
need_host_tools() {
	local missing=() t p
	# mkfs.ext4: the persistent disk of the reboot scenario (e2fsprogs is Priority: required on Debian,
	# but minimal images may lack it)
	for t in qemu-system-x86_64:qemu-system-x86 depmod:kmod cpio:cpio xz:xz-utils zstd:zstd \
		dpkg-deb:dpkg apt-get:apt mkfs.ext4:e2fsprogs; do
		command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t#*:}")
	done
	# the guest's /bin/busybox must be the static build: the dynamic one needs the host's libc paths
	[ "$(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null)" = "install ok installed" ] ||
		missing+=(busybox-static)
	[ ${#missing[@]} = 0 ] && return 0
	say "installing host tools: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
		apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	}
	for p in "${missing[@]}"; do dpkg-query -W "$p" >/dev/null; done
}
need_host_tools

if [ -z "${ATTACHD_VM_REFETCH:-}" ] && [ -f "$DIR/fetched" ] && grep -qxF "$WANT" "$DIR/fetched" &&
	[ -f "$DIR/vmlinux" ] && [ -d "$DIR/stage" ]; then
	say "cached: $(sed -n 's/^kver=//p' "$DIR/fetched")"
	echo "$DIR"
	exit 0
fi
rm -f "$DIR/fetched"

# ---- private apt state: own sources, lists, and an empty dpkg status so that "install
# --download-only" resolves the complete dependency closure (nothing counts as installed).
A=$DIR/apt
mkdir -p "$A/lists/partial" "$A/cache" "$POOL/partial"
: >"$A/status"
KR=/usr/share/keyrings/debian-archive-keyring.gpg
{
	echo "deb [signed-by=$KR] $MIRROR/debian bookworm main"
	echo "deb [signed-by=$KR] $MIRROR/debian bookworm-updates main"
	echo "deb [signed-by=$KR] $MIRROR/debian-security bookworm-security main"
	[ "$SUITE" = bookworm ] || echo "deb [signed-by=$KR] $MIRROR/debian $SUITE main"
} >"$A/sources.list"
APT=(-o Dir::Etc::sourcelist="$A/sources.list" -o Dir::Etc::sourceparts=/dev/null
	-o Dir::State::Lists="$A/lists" -o Dir::State::status="$A/status" -o Dir::Cache="$A/cache"
	-o Dir::Cache::archives="$POOL" -o APT::Install-Recommends=false -o Debug::NoLocking=1
	-o APT::Sandbox::User=root)
say "apt-get update (private lists)"
apt-get "${APT[@]}" update -qq >&2

# ---- kernel: resolve the ABI through the linux-image-amd64 metapackage (the ABI number moves with
# Debian updates); Default-Release makes the backports version win for that suite only.
KPKG=$(apt-cache "${APT[@]}" -o APT::Default-Release="$SUITE" depends linux-image-amd64 |
	awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$KPKG" ] || { say "cannot resolve linux-image-amd64 in $SUITE"; exit 1; }
say "kernel package $KPKG; guest userland closure"

# One simulated install of kernel + userland gives exact names, versions and architectures; the
# download then fetches only what the pool lacks.
SIM=$(apt-get "${APT[@]}" -o APT::Default-Release="$SUITE" -s install "$KPKG" $BASE_PKGS $PY_PKGS)
DEBS=$(echo "$SIM" | awk '$1 == "Inst" {
	v = $3; sub(/^\(/, "", v); gsub(/:/, "%3a", v)
	a = ""; for (i = 4; i <= NF; i++) if ($i ~ /^\[[a-z0-9]+\]\)?$/) a = $i
	gsub(/[][)]/, "", a)
	print $2 "_" v "_" a ".deb" }')
apt-get "${APT[@]}" -o APT::Default-Release="$SUITE" -y -qq --download-only install \
	"$KPKG" $BASE_PKGS $PY_PKGS >&2
for d in $DEBS; do [ -f "$POOL/$d" ] || { say "missing after download: $d"; exit 1; }; done

# ---- extract (dpkg-deb -x: no maintainer scripts run, nothing is installed)
rm -rf "$DIR/kroot" "$DIR/stage" "$DIR/vmlinux"
mkdir -p "$DIR/kroot" "$DIR/stage"
n=0
for d in $DEBS; do
	case $d in
	"$KPKG"_*) dpkg-deb -x "$POOL/$d" "$DIR/kroot" ;;
	# never copied into the guest; skipping them saves most of the extraction time
	linux-image-* | perl* | libperl* | udev_* | libjs-* | docutils-common_* | sgml-base_* | \
		xml-core_* | python-babel-localedata_* | dpkg_* | tar_* | coreutils_*) ;;
	*) dpkg-deb -x "$POOL/$d" "$DIR/stage"; n=$((n + 1)) ;;
	esac
done
KVER=$(ls "$DIR/kroot/lib/modules")
say "extracted $n userland packages; kernel $KVER"
depmod -b "$DIR/kroot" "$KVER" # the .deb ships no modules.dep: its postinst makes it

# ---- vmlinux: the ELF inside the bzImage. qemu boots an ELF with a PVH note directly, which skips
# the in-guest decompression (seconds under TCG). 6.1 compresses the payload with xz, 6.12 with zstd.
BZ=$DIR/kroot/boot/vmlinuz-$KVER
off=$(grep -abo $'\xfd7zXZ\x00' "$BZ" | head -1 | cut -d: -f1 || true)
if [ -n "$off" ]; then
	tail -c +$((off + 1)) "$BZ" | xz -dc 2>/dev/null >"$DIR/vmlinux.tmp" || true # trailing bytes after the stream
else
	off=$(grep -abo $'\x28\xb5\x2f\xfd' "$BZ" | head -1 | cut -d: -f1)
	tail -c +$((off + 1)) "$BZ" | zstd -dc 2>/dev/null >"$DIR/vmlinux.tmp" || true
fi
[ "$(head -c 4 "$DIR/vmlinux.tmp" | od -An -c | tr -d ' ')" = '177ELF' ] ||
	{ say "no ELF kernel in $BZ"; exit 1; }
mv "$DIR/vmlinux.tmp" "$DIR/vmlinux"

printf '%s\nkver=%s\nkpkg=%s\n' "$WANT" "$KVER" "$KPKG" >"$DIR/fetched"
say "ready: $KVER"
echo "$DIR"
