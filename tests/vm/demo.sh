#!/bin/bash
# demo.sh: `make demo`. Boots Debian 12's own kernel under qemu with build/attachd and build/attachctl
# in a small initramfs and narrates the agent's main job on the console, step by step: start attachd,
# create a volume on a loop device, reserve, initialize-connection (the connection info JSON), attach,
# log in with iscsiadm using the returned CHAP credentials, write and read data, begin-detaching and
# terminate-connection (the session drops), detach, delete, and nothing left in configfs or dm.
#
# On a fresh Debian 12 machine (as root) fetch.sh installs the host tools it needs (qemu, busybox-static,
# cpio, ...) and downloads the kernel and guest packages once into ~/.cache/attachd-vm (~150 MB);
# building attachd needs the packages .ci/run installs. Later runs take ~20-30 s under TCG.
# The guest side is tests/vm/guest/demo.sh. Exit status: 0 when every step did what it should.
# demo.sh --nvme (make demo-nvme): the same path over NVMe/TCP (tests/vm/guest/demo-nvme.sh), nvme-cli as
# the host; with ATTACHD_DEMO_SUITE=bookworm-backports (6.12) also DH-HMAC-CHAP.
#
# Environment: ATTACHD_DEMO_SUITE (bookworm; bookworm-backports for Debian's 6.12), and the knobs of
# fetch.sh, build-initramfs.sh and run-vm.sh (ATTACHD_VM_ACCEL=tcg, ATTACHD_VM_CACHE, ...).
# Logs: build/vm/demo/ (demo-nvme/ for --nvme): fetch.log, build.log, console.log.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SUITE=${ATTACHD_DEMO_SUITE:-bookworm}
MODE=1 NAME=demo
[ "${1:-}" = --nvme ] && MODE=nvme NAME=demo-nvme
OUT=${ATTACHD_VM_OUT:-$REPO/build/vm}/$NAME
mkdir -p "$OUT"
T0=$(date +%s.%N)
since() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f s", b - a }'; }
step() { printf '%s\n' "$*"; }
failed() { # WHAT LOG
	printf 'demo: %s failed; the end of %s:\n' "$1" "$2" >&2
	tail -n 15 "$2" >&2
	exit 1
}
for b in attachd attachctl; do
	[ -x "$REPO/build/$b" ] || { echo "demo: build/$b is missing: run make first" >&2; exit 1; }
done

step "attachd demo: a throwaway VM with Debian's kernel under qemu; nothing on this machine is changed."
step "[1/3] the kernel and guest packages (downloaded once into ${ATTACHD_VM_CACHE:-~/.cache/attachd-vm}, then cached)"
"$HERE/fetch.sh" "$SUITE" >"$OUT/fetch.log" 2>&1 || failed "fetching Debian's kernel and guest packages" "$OUT/fetch.log"
step "[2/3] the guest image with build/attachd and build/attachctl ($(since))"
ATTACHD_VM_PYTHON=0 "$HERE/build-initramfs.sh" "$SUITE" "$OUT/initrd.img" >"$OUT/build.log" 2>&1 ||
	failed "building the guest image" "$OUT/build.log"
step "[3/3] booting $(sed -n 's/^kver=//p' "${ATTACHD_VM_CACHE:-${HOME:-/root}/.cache/attachd-vm}/$SUITE/fetched") ($(since))"
# the console, less everything before and after the narration (firmware, kernel, power-off)
ATTACHD_VM_APPEND="${ATTACHD_VM_APPEND:-} vm.demo=$MODE" "$HERE/run-vm.sh" --suite "$SUITE" --initrd "$OUT/initrd.img" \
	--scenarios '' --log "$OUT/console.log" 2>"$OUT/run-vm.err" |
	awk '{ sub(/\r$/, "") }
		/ATTACHD-DEMO begin/ { on = 1; next }
		/^ATTACHD-DEMO end/ { on = 0; next }
		on { print; fflush() }'
rc=${PIPESTATUS[0]}
if [ "$rc" != 0 ]; then
	grep -q 'ATTACHD-DEMO begin' "$OUT/console.log" || failed "booting the VM" "$OUT/console.log"
	cat "$OUT/run-vm.err" >&2
	echo "demo: FAILED (run-vm exit $rc); the whole console: $OUT/console.log" >&2
	exit 1
fi
step "demo finished in $(since) in all."
