#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# vg-report.sh: one TAP line per agent run under valgrind (vg-agent.sh's logs in DIR): ok when memcheck
# found no error and no definite or indirect leak (--quiet logs are empty then); otherwise the log.
# usage: tests/quality/vg-report.sh [DIR]   (default $VG_LOGS: tests/run-stage.sh passes no argument)
set -u
dir=${1:-$VG_LOGS}
n=0; bad=0
for log in "$dir"/agent.*.log; do
	[ -e "$log" ] || continue
	n=$((n + 1))
	cmd=$(sed -n 's/^==[0-9]*== Command: //p' "$log" | head -1)
	if grep -qE '==[0-9]+== (Invalid|Conditional|Syscall param|Mismatched|Source and destination|Use of uninit|Argument)|(definitely|indirectly) lost in|ERROR SUMMARY: [1-9]' "$log"; then
		bad=$((bad + 1))
		echo "not ok $n - valgrind: $(basename "$log")"
		sed 's/^/#   /' "$log" | head -80
	else
		echo "ok $n - valgrind: $(basename "$log") clean"
	fi
done
[ "$n" -gt 0 ] || echo "not ok 1 - valgrind: no agent log in $dir (was the agent run under vg-agent.sh?)"
echo "# valgrind: $n agent runs, $bad with errors or leaks"
exit 0
