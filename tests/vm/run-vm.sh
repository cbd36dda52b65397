#!/bin/bash
# run-vm.sh: boot the test guest once and return its result.
#
#   run-vm.sh --suite SUITE --initrd FILE [--scenarios 00-rig,01-smoke] [--log FILE] [--disk IMG] [--shell]
#
# --disk IMG: a raw image as the guest's first virtio disk (/dev/vda): the persistent disk of the
# two-boot scenarios (run.sh makes it). A guest reset ends qemu (-no-reboot): the power cut.
# --disk may be repeated (/dev/vdb, ...) and may end in ,serial=S (a disk with an identity).
# --net: a virtio NIC on qemu's user network (restrict=on: nothing leaves the guest); the guest is
# 10.0.2.15 there once configured (scenario 23: initramfs-tools' ip=).
#
# The console is on stdio (and copied to --log). Exit status: the guest's own result from its
# "ATTACHD-VM done rc=N" line (0 = every scenario passed, 1 = not); 99 when the guest never said so
# (crash, panic); 124 at the whole-boot time limit; 3 when qemu itself failed; 2 on a usage error.
#
# Environment:
#   ATTACHD_VM_ACCEL=auto|kvm|tcg  auto (default): KVM when /dev/kvm is usable, booting again under
#                                  TCG if KVM cannot start; tcg forces software emulation (what CI
#                                  without KVM gets)
#   ATTACHD_VM_TIMEOUT=S           whole boot limit (default 900)
#   ATTACHD_VM_SCENARIO_TIMEOUT=S  per-scenario limit inside the guest (default 120)
#   ATTACHD_VM_MEM=MiB (2048)  ATTACHD_VM_SMP=N (2)  ATTACHD_VM_APPEND="more kernel args"
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ATTACHD_VM_CACHE:-${HOME:-/root}/.cache/attachd-vm}
SUITE= INITRD= SCEN= LOG= SHELL_AFTER=0 DISKS=() NET=()
while [ $# -gt 0 ]; do
	case $1 in
	--suite) SUITE=$2; shift 2 ;;
	--initrd) INITRD=$2; shift 2 ;;
	--scenarios) SCEN=$2; shift 2 ;;
	--log) LOG=$2; shift 2 ;;
	--disk) DISKS+=("$2"); shift 2 ;;
	--net) NET=(-netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0); shift ;;
	--shell) SHELL_AFTER=1; shift ;;
	*) echo "usage: $0 --suite SUITE --initrd FILE [--scenarios LIST] [--log FILE] [--disk IMG[,serial=S]]... [--net] [--shell]" >&2; exit 2 ;;
	esac
done
KERNEL=$CACHE/$SUITE/vmlinux
[ -f "$KERNEL" ] || { echo "run-vm: no kernel at $KERNEL (run tests/vm/fetch.sh $SUITE)" >&2; exit 2; }
[ -f "$INITRD" ] || { echo "run-vm: no initramfs $INITRD" >&2; exit 2; }
# (-device: a serial is the device's property, not the drive's; one form for all keeps their order)
DRIVE=() n=0
for d in "${DISKS[@]}"; do
	[ -f "${d%%,*}" ] || { echo "run-vm: no disk image ${d%%,*}" >&2; exit 2; }
	DRIVE+=(-drive "file=${d%%,*},if=none,id=disk$n,format=raw" -device "virtio-blk-pci,drive=disk$n${d#"${d%%,*}"}")
	n=$((n + 1))
done
TMPLOG=
[ -n "$LOG" ] || { LOG=$(mktemp); TMPLOG=1; }

# KVM wants -cpu host (-cpu max asks for MSRs a nested KVM refuses: qemu aborts); TCG wants -cpu max.
tcg=(-accel tcg,thread=multi -cpu max)
kvm=(-accel kvm -cpu host,-arch-capabilities)
# A /dev/kvm can open fine and still not run Linux (seen on a nested machine: SeaBIOS runs, the kernel
# never prints a line). A KVM boot must show the guest's first line within ATTACHD_VM_KVM_GRACE
# seconds (default 30), or it is stopped: in auto mode the boot is done again under TCG and the verdict
# remembered in $CACHE/kvm-verdict (per qemu and host kernel) so later runs go straight to TCG;
# ATTACHD_VM_ACCEL=kvm fails instead.
VERDICT=$CACHE/kvm-verdict
HOSTID="$(qemu-system-x86_64 --version | head -n 1) / $(uname -r)"
MODE=${ATTACHD_VM_ACCEL:-auto}
case $MODE in
auto)
	ACCEL=("${tcg[@]}")
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] && ! grep -qxF "broken $HOSTID" "$VERDICT" 2>/dev/null; then
		ACCEL=("${kvm[@]}")
	fi ;;
kvm) ACCEL=("${kvm[@]}") ;;
tcg) ACCEL=("${tcg[@]}") ;;
*) echo "run-vm: ATTACHD_VM_ACCEL must be auto, kvm or tcg" >&2; exit 2 ;;
esac

# loglevel=3: only critical kernel messages reach the console, so they cannot split our TAP lines
# (the runner prints dmesg's tail itself when a scenario fails).
APPEND="console=ttyS0 loglevel=3 panic=-1 rdinit=/init mitigations=off"
APPEND+=" vm.scenarios=$SCEN vm.timeout=${ATTACHD_VM_SCENARIO_TIMEOUT:-120}"
[ $SHELL_AFTER = 1 ] && APPEND+=" vm.shell=1"
APPEND+=" ${ATTACHD_VM_APPEND:-}"

# -M pc + an ELF vmlinux: qemu boots it through its PVH note (microvm with an ELF kernel hangs).
# -no-reboot + panic=-1: a panicking guest ends qemu at once.
# timeout --foreground keeps qemu in the caller's process group: killing the caller kills qemu.
qemu() {
	exec timeout --foreground -k 10 "${ATTACHD_VM_TIMEOUT:-900}" \
		qemu-system-x86_64 -M pc "${ACCEL[@]}" -smp "${ATTACHD_VM_SMP:-2}" -m "${ATTACHD_VM_MEM:-2048}" \
		-nodefaults -no-user-config -nographic -serial stdio -monitor none -no-reboot \
		-kernel "$KERNEL" -initrd "$INITRD" -append "$APPEND" "${DRIVE[@]}" "${NET[@]}" "$@"
}
if [ $SHELL_AFTER = 1 ]; then # interactive: the terminal is the console, no watchdog
	qemu <&0 | tee "$LOG"
	exit "${PIPESTATUS[0]}"
fi

# boot: qemu in the background with its console copied to stdout and $LOG; on a KVM boot, watch
# for the guest's first line. Returns qemu's status, or 250 when the KVM watchdog stopped it.
boot() {
	local rcf=$LOG.rc pidf=$LOG.pid waited=0 grace=${ATTACHD_VM_KVM_GRACE:-30}
	rm -f "$rcf" "$pidf"
	{ qemu </dev/null & echo $! >"$pidf"; wait $!; echo $? >"$rcf"; } | tee "$LOG" &
	local pipe=$!
	if [ "${ACCEL[1]}" = kvm ]; then
		while kill -0 $pipe 2>/dev/null && ! grep -q '^# kernel: ' "$LOG"; do
			if [ $waited -ge $((grace * 10)) ]; then
				kill "$(cat "$pidf")" 2>/dev/null
				wait $pipe
				return 250
			fi
			sleep 0.1
			waited=$((waited + 1))
		done
	fi
	wait $pipe
	return "$(cat "$rcf" 2>/dev/null || echo 255)"
}
trap 'rm -f "$LOG.rc" "$LOG.pid"' EXIT
[ -n "$TMPLOG" ] && trap 'rm -f "$LOG" "$LOG.rc" "$LOG.pid"' EXIT
set +e
boot
rc=$?
if [ "${ACCEL[1]}" = kvm ] && [ "$MODE" = kvm ] && [ $rc = 250 ]; then
	echo "run-vm: KVM did not boot the guest within ${ATTACHD_VM_KVM_GRACE:-30} s" >&2
	exit 3
fi
if [ "${ACCEL[1]}" = kvm ] && [ "$MODE" = auto ]; then
	if [ $rc = 0 ] || grep -q '^# kernel: ' "$LOG"; then
		grep -v -xF "broken $HOSTID" "$VERDICT" >"$VERDICT.tmp" 2>/dev/null; mv "$VERDICT.tmp" "$VERDICT"
	else
		echo "run-vm: KVM did not boot the guest (status $rc): booting again under TCG;" \
			"remembered in $VERDICT" >&2
		mkdir -p "$CACHE" && echo "broken $HOSTID" >>"$VERDICT"
		ACCEL=("${tcg[@]}")
		boot
		rc=$?
	fi
fi
set -e
case $rc in
0) ;;
124 | 137) echo "run-vm: whole-boot time limit (${ATTACHD_VM_TIMEOUT:-900} s) reached" >&2; exit 124 ;;
*) echo "run-vm: qemu failed with status $rc" >&2; exit 3 ;;
esac
grc=$(tr -d '\r' <"$LOG" | sed -n 's/^ATTACHD-VM done rc=\([0-9]*\)$/\1/p' | tail -n 1)
exit "${grc:-99}"
