#!/bin/bash
# The last line of `make check`: "N passed, N failed" over every stage's TAP file. Exit 1 on any failure.
set -u
dir=${1:-build/results}
passed=0; failed=0
for f in "$dir"/*.tap; do
	[ -e "$f" ] || continue
	# a skipped test ("# SKIP", which cmocka prints as "not ok") is neither passed nor failed
	p=$(grep '^ok ' "$f" | grep -vc '# SKIP')
	n=$(grep '^not ok ' "$f" | grep -vc '# SKIP')
	s=$(grep -cE '^(not )?ok .*# SKIP' "$f")
	printf '# stage %-12s %4d passed, %d failed, %d skipped\n' "$(basename "$f" .tap)" "$p" "$n" "$s"
	passed=$((passed + p)); failed=$((failed + n))
done
if [ "$failed" -gt 0 ]; then
	echo "# failures:"; grep -h '^not ok ' "$dir"/*.tap | grep -v '# SKIP' | sed 's/^/#   /'
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
