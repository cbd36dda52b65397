#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# san-report.sh: the sanitizer reports of a check-asan run as TAP: ASan, LSan and UBSan write them to
# files under DIR (log_path), from the agent and from every test process alike; each file is one
# failure, printed. A crash the tests missed still leaves its report here.
# usage: tests/quality/san-report.sh [DIR]   (default $SAN_DIR: tests/run-stage.sh passes no argument)
set -u
dir=${1:-$SAN_DIR}
n=0
for f in "$dir"/*; do
	[ -s "$f" ] || continue
	n=$((n + 1))
	echo "not ok $n - sanitizer report $(basename "$f"): $(grep -m1 -E 'ERROR|runtime error' "$f" | cut -c1-160)"
	sed 's/^/#   /' "$f" | head -60
done
[ "$n" -gt 0 ] || echo "ok 1 - no sanitizer report (ASan, LSan, UBSan)"
exit 0
