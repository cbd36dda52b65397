#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# check.sh: run every fuzz target for a while, then replay every saved crash; one TAP line each.
#   tests/fuzz/check.sh          the `make check` stage: FUZZ_CHECK_SECONDS (15) per target, new inputs
#                                kept in a temporary directory (the committed corpus is only read)
#   tests/fuzz/check.sh --long   `make fuzz`: FUZZ_SECONDS (60) per target, new inputs kept in
#                                build/fuzz/corpus/<target> for the next run and for `make fuzz-merge`
# FUZZ_JOBS (default: the number of CPUs) targets run at once. A crash's input is saved under
# build/fuzz/artifacts/<target>/; copy it to tests/fuzz/regressions/<target>/ to keep it as a test.
set -u
cd "$(dirname "$0")/../.."
B=build/fuzz
TARGETS="request reply record args names"
jobs=${FUZZ_JOBS:-$(nproc)}
if [ "${1:-}" = --long ]; then
	secs=${FUZZ_SECONDS:-60}
	work=$B/corpus
else
	secs=${FUZZ_CHECK_SECONDS:-15}
	work=$(mktemp -d /tmp/attachd-fuzz-XXXXXX)
	trap 'rm -rf "$work"' EXIT
fi
logs=$B/logs
mkdir -p "$logs"

for t in $TARGETS; do
	if [ ! -x "$B/fuzz_$t" ]; then
		echo "ok 1 - fuzz # SKIP $B/fuzz_$t not built (needs clang and libclang-rt-14-dev)"
		exit 0
	fi
done

# One libFuzzer run: new inputs go to the first directory; the seeds are read only.
run() {
	local t=$1
	mkdir -p "$work/$t" "$B/artifacts/$t"
	"$B/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$B/artifacts/$t/" "$work/$t" "tests/fuzz/corpus/$t" >"$logs/$t.log" 2>&1
	echo $? >"$logs/$t.rc"
}

running=0
for t in $TARGETS; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	run "$t" &
	running=$((running + 1))
done
wait

n=0
for t in $TARGETS; do
	n=$((n + 1))
	log=$logs/$t.log
	rc=$(cat "$logs/$t.rc")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
	stats="${execs:-?} execs, ${cov:-cov: ?}, $secs s"
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - fuzz_$t: $stats"
	else
		art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
		echo "not ok $n - fuzz_$t: exit $rc after $stats; input: ${art:-none saved}; log: $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|    #[0-9]+ )' "$log" | head -20 | sed 's/^/# /'
	fi
done

# Every crash ever found stays a test: the fuzzer binary runs the saved input once.
for dir in tests/fuzz/regressions/*/; do
	t=$(basename "$dir")
	for f in "$dir"*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		if out=$("$B/fuzz_$t" "$f" 2>&1); then
			echo "ok $n - regression $t/$(basename "$f")"
		else
			echo "not ok $n - regression $t/$(basename "$f")"
			grep -E '^(==[0-9]+==ERROR|SUMMARY)' <<<"$out" | sed 's/^/# /'
		fi
	done
done
exit 0
