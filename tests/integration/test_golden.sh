#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_golden.sh: the simulator against the real kernel. tests/sim/golden/capture-<kernel>.txt are the
# configfs trees of a live export captured on Debian's 6.1 and 6.12 kernels by tests/vm (scenario 10:
# volume 11111111-2222-3333-4444-555555555555, initiator iqn.2004-10.org.example:capture, portal
# 127.0.0.1:3260). The same calls through attachd-sim must give the same tree, entry for entry, so the
# simulator cannot drift from the kernel. (tests/vm/run.sh does the same with each fresh capture.)
# usage: test_golden.sh [KERNEL CAPTURE]   (default: both committed captures)
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
ID=11111111-2222-3333-4444-555555555555

sim_tree() { # KERNEL: the sim's tree after the capture's calls
	SIM_KERNEL=$1 world_new
	agent_start || { echo "Bail out! agent did not start"; exit 1; }
	ctl volume-create --device "$W/disk0" --id "$ID" >/dev/null &&
		ctl reserve "$ID" >/dev/null &&
		ctl initialize-connection "$ID" --initiator iqn.2004-10.org.example:capture >/dev/null
	tree_dump
	world_free
}

compare() { # KERNEL CAPTURE
	local d
	d=$(diff <(sim_tree "$1") "$2")
	if [ -z "$d" ]; then ok "simulator ($1) = kernel capture $(basename "$2") ($(wc -l <"$2") entries)"; else
		not_ok "simulator ($1) differs from kernel capture $2"; head -30 <<<"$d" | diag; fi
}

if [ $# -eq 2 ]; then
	compare "$1" "$2"
else
	compare 6.1 tests/sim/golden/capture-6.1.txt
	compare 6.12 tests/sim/golden/capture-6.12.txt
fi
echo "1..$T_NUM"
[ "$T_FAIL" = 0 ]
