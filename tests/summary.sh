#!/bin/bash
# The last line of `make check`: "N passed, N failed" over every stage's TAP file. Exit 1 on any failure.
set -u
dir=${1:-build/results}
passed=0; failed=0
for f in "$dir"/*.tap; do
	[ -e "$f" ] || continue
	p=$(grep -c '^ok ' "$f"); n=$(grep -c '^not ok ' "$f")
	printf '# stage %-12s %4d passed, %d failed\n' "$(basename "$f" .tap)" "$p" "$n"
	passed=$((passed + p)); failed=$((failed + n))
done
if [ "$failed" -gt 0 ]; then
	echo "# failures:"; grep -h '^not ok ' "$dir"/*.tap | sed 's/^/#   /'
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
