#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# shape.sh: the "shape" stage of make check, in TAP. Per source directory: no function longer than
# SHAPE_MAX_LINES (60) lines of body, so each reads at once (the house style; issue 13). A function is
# what the kernel style writes: its body opens with "{" and closes with "}", each at column 0.
# usage: tests/quality/shape.sh [DIR...]   (default: agent configfs dm proto tools)
set -u
cd "$(dirname "$0")/../.."
MAX=${SHAPE_MAX_LINES:-60}
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(agent configfs dm proto tools)
n=0
fail=0
for d in "${dirs[@]}"; do
	n=$((n + 1))
	long=$(find "$d" -name '*.c' -print0 | sort -z | xargs -0 awk -v max="$MAX" '
		FNR == 1 { start = 0 }
		/^\{/ { start = FNR; name = prev }
		/^\}/ && start { if (FNR - start - 1 > max) printf "%s:%d %d lines: %s\n", FILENAME, start, FNR - start - 1, name; start = 0 }
		/^[a-zA-Z_].*\(/ { prev = $0 }')
	if [ -z "$long" ]; then
		echo "ok $n - $d: no function over $MAX lines"
	else
		echo "not ok $n - $d: functions over $MAX lines"
		sed 's/^/# /' <<<"$long"
		fail=1
	fi
done
echo "1..$n"
exit $fail
