#!/bin/bash
# selftest.sh [SUITE]: the rig's own test. Proves that run.sh turns every way a guest can go wrong
# into a "not ok" and a nonzero exit, and that a clean run exits 0:
#   1. selftest/ scenarios: a failing check, an abnormal exit, a hang past the time limit, output that
#      looks like TAP, a kernel panic mid-scenario, a scenario that never starts
#   2. scenario 00-rig alone (no agent needed): all ok, exit 0
#   3. a qemu that cannot run: "not ok", exit nonzero
#   4. two two-boot scenarios: each its own pair of boots and disk, both boots reported, the power
#      cut seen, the disk kept; and (in 1) the first one never reached in its first boot is reported,
#      its second boot too, while the second one still gets its own pair
# Prints TAP; exits 1 if any expectation fails. About 2 min under TCG.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SUITE=${1:-bookworm}
export ATTACHD_VM_OUT=${ATTACHD_VM_OUT:-$(cd "$HERE/../.." && pwd)/build/vm-selftest}
N=0 F=0
expect() { # DESC CONDITION...
	local d=$1
	shift
	N=$((N + 1))
	if "$@"; then echo "ok $N - selftest: $d"; else echo "not ok $N - selftest: $d"; F=$((F + 1)); fi
}
has() { grep -qxF "$1" "$OUT"; }
OUT=$(mktemp)
trap 'rm -f "$OUT" "$OUT.n"' EXIT

# 1. failures of every kind, in one boot
ATTACHD_VM_SCENARIO_DIR=$HERE/selftest ATTACHD_VM_SCENARIO_TIMEOUT=8 "$HERE/run.sh" "$SUITE" >"$OUT.n"
rc=$?
sed -E 's/^((not )?ok) [0-9]+ - [^ ]+ /\1 - /' "$OUT.n" >"$OUT" # drop numbers and kernel label
expect "run.sh exits 1 when anything failed" [ $rc = 1 ]
expect "a passing check passes" has "ok - 01-fail: a passing check"
expect "a failing check fails" has "not ok - 01-fail: a failing check"
expect "an abnormal exit status is a failure" has "not ok - 01-fail: scenario exited with status 3"
expect "a hang is stopped at the time limit" has "not ok - 02-hang: scenario exited with status 124 (time limit)"
expect "TAP-like output of a scenario is not a result" has "not ok - 03-nocheck: scenario ran no check"
expect "checks before a panic still count" has "ok - 04-panic: before the panic"
expect "a panic inside a scenario is a missing result" has "not ok - 04-panic: no result (the guest stopped inside it)"
expect "a scenario after a panic is a missing result" has "not ok - 05-after: no result (never started)"
expect "a guest that never reported is a failure" has "not ok - guest reported its result"
expect "a first boot that never reached its power cut is a failure" \
	has "not ok - 06-two-boots: the first boot ends in a power cut (it never got there: see its lines above)"
expect "... and the second boot still runs and reports" has "not ok - 06-two-boots (boot 2): boot 2 finds boot 1's stamp on the disk"
expect "... with its own result line" has "ok - guest reported its result (06-two-boots, boot 2)"
expect "another two-boot scenario still gets its own first boot" has "ok - 07-two-boots-again: boot 1 leaves its stamp on the disk"
expect "... on a disk of its own" has "ok - 07-two-boots-again: its disk is not 06's"
expect "... and its second boot" has "ok - 07-two-boots-again (boot 2): boot 2 finds boot 1's stamp on the disk"
expect "the plan counts every line" grep -qx "1..$(grep -cE '^(not )?ok ' "$OUT")" "$OUT"

# 2. a clean run
"$HERE/run.sh" --scenarios 00 "$SUITE" >"$OUT"
rc=$?
expect "a clean run (00-rig) exits 0" [ $rc = 0 ]
expect "... with no failure" bash -c "! grep -q '^not ok' '$OUT'"

# 3. qemu that cannot run at all
mkdir -p "$ATTACHD_VM_OUT/fakebin"
printf '#!/bin/sh\necho "qemu: cannot run" >&2\nexit 1\n' >"$ATTACHD_VM_OUT/fakebin/qemu-system-x86_64"
chmod +x "$ATTACHD_VM_OUT/fakebin/qemu-system-x86_64"
PATH=$ATTACHD_VM_OUT/fakebin:$PATH "$HERE/run.sh" --scenarios 00 "$SUITE" >"$OUT"
rc=$?
expect "a qemu that cannot run fails the stage" [ $rc = 1 ]
expect "... with a not ok line for the scenario" grep -q '^not ok .*00-rig: no result (never started)' "$OUT"
# 4. two two-boot scenarios
ATTACHD_VM_SCENARIO_DIR=$HERE/selftest "$HERE/run.sh" --scenarios 06,07 "$SUITE" >"$OUT.n"
rc=$?
sed -E 's/^((not )?ok) [0-9]+ - [^ ]+ /\1 - /' "$OUT.n" >"$OUT"
expect "two two-boot scenarios exit 0" [ $rc = 0 ]
for s in 06-two-boots 07-two-boots-again; do
	expect "... $s: its first boot ends in the power cut" has "ok - $s: the first boot ends in a power cut"
	expect "... $s: the second boot finds the first boot's stamp" has "ok - $s (boot 2): boot 2 finds boot 1's stamp on the disk"
done
expect "... all four boots report their result" bash -c "[ \$(grep -c '^ok - guest reported its result' '$OUT') = 4 ]"
expect "... nothing failed" bash -c "! grep -q '^not ok' '$OUT'"
echo "1..$N"
[ $F = 0 ]
