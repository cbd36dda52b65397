#!/bin/bash
# run.sh [--scenarios LIST] [SUITE...]: the real-kernel stage of `make check`.
#
# SUITE: bookworm (Debian 12's 6.1) and/or bookworm-backports (Debian's 6.12); default: both, or the
# space-separated list in ATTACHD_VM_SUITES. For each suite: fetch (cached), build the
# initramfs, boot once running the scenarios, and turn the console into one TAP stream on stdout:
# the guest's "ok N - <kernel> <scenario>: <check>" lines renumbered across suites, plus a "not ok"
# for every scenario that produced no result (guest crashed, hung or never ran it), for a scenario
# that exited abnormally or ran no check, and for any stage (fetch, image, boot) that failed.
# The plan line comes last. Exit status: 0 when every line is ok, 1 otherwise, 2 on a usage error.
#
# LIST: scenario numbers or names, comma or space separated ("00,02", "01-smoke"); default: all of
# tests/vm/scenarios/ (or $ATTACHD_VM_SCENARIO_DIR). Also settable as ATTACHD_VM_SCENARIOS.
#
# Per suite, in build/vm/<suite>/ (ATTACHD_VM_OUT to move it): console.log (the whole console),
# initrd.img, fetch.log, build.log, and configfs-capture.txt (from scenario 10).
# Other knobs: see fetch.sh, build-initramfs.sh, run-vm.sh (ATTACHD_VM_ACCEL=tcg forces TCG).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUTROOT=${ATTACHD_VM_OUT:-$REPO/build/vm}
CACHE=${ATTACHD_VM_CACHE:-${HOME:-/root}/.cache/attachd-vm}
LIST=${ATTACHD_VM_SCENARIOS:-}
# another scenario directory (tests/vm/selftest.sh uses one); build-initramfs.sh reads the same variable
export ATTACHD_VM_SCENARIO_DIR=${ATTACHD_VM_SCENARIO_DIR:-$HERE/scenarios}
SDIR=$ATTACHD_VM_SCENARIO_DIR
SUITES=()
while [ $# -gt 0 ]; do
	case $1 in
	--scenarios) LIST=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) SUITES+=("$1"); shift ;;
	esac
done
[ ${#SUITES[@]} -gt 0 ] || read -r -a SUITES <<<"${ATTACHD_VM_SUITES:-bookworm bookworm-backports}"
[ ${#SUITES[@]} -gt 0 ] || { echo "usage: $0 [--scenarios LIST] [bookworm|bookworm-backports...]" >&2; exit 2; }

# Resolve the list to file names now: the host must know what results to expect.
SCEN=()
if [ -z "$LIST" ]; then
	for f in "$SDIR"/[0-9][0-9]-*.sh; do SCEN+=("$(basename "$f" .sh)"); done
else
	for w in ${LIST//,/ }; do
		m=("$SDIR/$w".sh)
		[ -f "${m[0]}" ] || m=("$SDIR/$w"-*.sh)
		[ -f "${m[0]}" ] || { echo "run.sh: no scenario '$w'" >&2; exit 2; }
		SCEN+=("$(basename "${m[0]}" .sh)")
	done
fi
SCEN_CSV=$(IFS=,; echo "${SCEN[*]}")

N=0 FAILED=0
tap() { # ok|"not ok" DESC
	N=$((N + 1))
	[ "$1" = ok ] || FAILED=$((FAILED + 1))
	echo "$1 $N - $2"
}
diag() { sed 's/^/# /'; }

for SUITE in "${SUITES[@]}"; do
	OUT=$OUTROOT/$SUITE
	mkdir -p "$OUT"
	rm -f "$OUT/console.log" "$OUT"/*-capture.txt
	t0=$(date +%s.%N)
	if ! "$HERE/fetch.sh" "$SUITE" >"$OUT/fetch.log" 2>&1; then
		tap "not ok" "$SUITE fetch (kernel + guest packages)"
		tail -n 15 "$OUT/fetch.log" | diag
		continue
	fi
	t1=$(date +%s.%N)
	LABEL=$(sed -n 's/^kver=//p' "$CACHE/$SUITE/fetched")
	if ! "$HERE/build-initramfs.sh" "$SUITE" "$OUT/initrd.img" >"$OUT/build.log" 2>&1; then
		tap "not ok" "$LABEL initramfs"
		tail -n 15 "$OUT/build.log" | diag
		continue
	fi
	grep WARNING "$OUT/build.log" | diag
	t2=$(date +%s.%N)
	"$HERE/run-vm.sh" --suite "$SUITE" --initrd "$OUT/initrd.img" --scenarios "$SCEN_CSV" \
		--log "$OUT/console.log" >/dev/null 2>"$OUT/run-vm.err"
	vmrc=$?
	t3=$(date +%s.%N)
	tr -d '\r' <"$OUT/console.log" >"$OUT/console.txt" 2>/dev/null || : >"$OUT/console.txt"

	# The console, scenario by scenario. awk prints the guest's lines (status, description) and a
	# line per expected scenario that never ended; numbering is done here in the shell.
	while IFS=$'\t' read -r kind a b; do
		case $kind in
		tap) tap "$a" "$b" ;;
		diag) echo "$a" ;;
		esac
	done < <(awk -v want="$SCEN_CSV" -v label="$LABEL" '
		BEGIN { n = split(want, w, ","); for (i = 1; i <= n; i++) expect[w[i]] = 1 }
		/^ATTACHD-VM begin / { cur = $3; begun[cur] = 1; next }
		/^ATTACHD-VM end / {
			s = $3; ended[s] = 1; cur = ""
			split($4, r, "="); split($5, c, "="); split($6, f, "=")
			if (r[2] != 0) printf "tap\tnot ok\t%s %s: scenario exited with status %s%s\n", label, s, r[2],
				(r[2] == 143 || r[2] == 124 ? " (time limit)" : "")
			else if (c[2] == 0) printf "tap\tnot ok\t%s %s: scenario ran no check\n", label, s
			next
		}
		/^ATTACHD-VM done / { done = 1; next }
		/^(not )?ok [0-9]+ - / {
			st = ($1 == "not") ? "not ok" : "ok"
			d = $0; sub(/^(not )?ok [0-9]+ - /, "", d)
			printf "tap\t%s\t%s\n", st, d; next
		}
		/^# / { printf "diag\t%s\n", $0; next }
		/^Kernel panic/ { printf "diag\t# guest: %s\n", $0 }
		END {
			for (i = 1; i <= n; i++) if (!ended[w[i]])
				printf "tap\tnot ok\t%s %s: no result (%s)\n", label, w[i],
					begun[w[i]] ? "the guest stopped inside it" : "never started"
			printf "tap\t%s\t%s guest reported its result\n", done ? "ok" : "not ok", label
		}' "$OUT/console.txt")

	# captures: "ATTACHD-VM capture-begin NAME" ... "ATTACHD-VM capture-end NAME" -> NAME-capture.txt
	awk -v dir="$OUT" '
		/^ATTACHD-VM capture-begin / { f = dir "/" $3 "-capture.txt"; printf "" > f; next }
		/^ATTACHD-VM capture-end / { close(f); f = ""; next }
		f != "" { print >> f }' "$OUT/console.txt"

	if [ $vmrc -ne 0 ] && [ $vmrc -ne 1 ]; then
		echo "# $LABEL: run-vm exit $vmrc (3 = qemu failed, 99 = no result from the guest, 124 = time limit); console: $OUT/console.log"
		diag <"$OUT/run-vm.err"
		tail -n 20 "$OUT/console.txt" | awk 1 | diag
	fi
	accel=$(sed -n 's/^# kernel: .*accel: \([a-z]*\);.*/\1/p' "$OUT/console.txt" | head -n 1)
	guest=$(awk '/^TIME /{t = $3} END {print t}' "$OUT/console.txt")
	awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v accel="${accel:-?}" -v g="${guest:-?}" -v l="$LABEL" \
		'BEGIN { printf "# %s: fetch %.1f s, initramfs %.1f s, boot to result %.1f s (%s; guest clock at the end %s s)\n",
			l, b - a, c - b, d - c, accel, g }'
done
echo "1..$N"
[ $FAILED = 0 ] && [ $N -gt 0 ]
