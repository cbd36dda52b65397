#!/bin/sh
# /vm/demo-lib.sh: what the narrated demos (demo.sh for iSCSI, demo-nvme.sh for NVMe/TCP) share: plain
# text for a person, every command shown as it would be typed with its output indented, a failure ending
# the demo with attachd's last log lines. The caller sets OUT, LOG and sources /vm/lib.sh first.
say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
fail() {
	printf '\nDEMO FAILED: %s\n' "$*"
	[ -s "$LOG" ] && { say "attachd's log (last lines):"; tail -n 8 "$LOG" | sed 's/^/    /'; }
	echo "ATTACHD-DEMO end rc=1"
	exit 1
}
# run CMD...: show it, run it, show its output; a failure ends the demo
run() {
	printf '  $ %s\n' "$*"
	"$@" >$OUT 2>&1
	local rc=$?
	sed 's/^/    /' $OUT
	[ $rc = 0 ] || fail "'$*' exited with status $rc"
}
# run_sh 'COMMAND LINE': the same for a line with pipes or redirections
run_sh() {
	printf '  $ %s\n' "$1"
	sh -c "$1" >$OUT 2>&1
	local rc=$?
	sed 's/^/    /' $OUT
	[ $rc = 0 ] || fail "'$1' exited with status $rc"
}
json_pp() { # indent one line of JSON (short flat arrays stay on one line)
	awk 'function nl(   k) { out = out "\n"; for (k = 0; k < ind; k++) out = out "  " }
	{
		s = $0; out = ""; ind = 0; instr = 0
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (instr) { out = out c; if (c == "\\") { i++; out = out substr(s, i, 1) } else if (c == "\"") instr = 0; continue }
			if (c == "\"") { instr = 1; out = out c; continue }
			if (c == " ") continue
			if (c == "[") {
				j = index(substr(s, i), "]"); a = substr(s, i, j)
				if (j > 0 && j < 70 && a !~ /[{]/ && substr(a, 2) !~ /\[/) { out = out a; i += j - 1; continue }
			}
			if (c == "{" || c == "[") { out = out c; ind++; nl(); continue }
			if (c == "}" || c == "]") { ind--; nl(); out = out c; continue }
			if (c == ",") { out = out c; nl(); continue }
			if (c == ":") { out = out ": "; continue }
			out = out c
		}
		print out
	}'
}
