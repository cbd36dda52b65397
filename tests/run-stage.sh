#!/bin/bash
# Run one stage of `make check`: each command's TAP output goes to build/results/<stage>.tap (and to the
# terminal). A command that exits non-zero without reporting a failure, or reports nothing, is counted as
# one failure, so a crash can never pass silently.
# usage: tests/run-stage.sh STAGE COMMAND...
set -u
stage=$1; shift
out=${BUILD:-build}/results/$stage.tap
mkdir -p "${BUILD:-build}/results"
: > "$out"
export CMOCKA_MESSAGE_OUTPUT=TAP
for cmd in "$@"; do
	name=$(basename "$cmd")
	echo "# $stage: $name" | tee -a "$out"
	tmp=$(mktemp)
	"$cmd" > "$tmp" 2>&1
	rc=$?
	# cmocka prints "ok N - name" / "not ok N - name"; keep stage-local numbering out of the way
	sed -e "s/^\(not \)\{0,1\}ok [0-9]* - /&$name: /" "$tmp" | tee -a "$out"
	oks=$(grep -c '^ok ' "$tmp")
	fails=$(grep '^not ok ' "$tmp" | grep -vc '# SKIP')
	if [ "$rc" -ne 0 ] && [ "$fails" -eq 0 ]; then
		echo "not ok - $name: exited with status $rc without reporting a failure" | tee -a "$out"
	elif [ "$oks" -eq 0 ] && [ "$fails" -eq 0 ]; then
		echo "not ok - $name: reported no result" | tee -a "$out"
	fi
	rm -f "$tmp"
done
exit 0
