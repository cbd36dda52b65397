#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# demo-sim.sh: attachd's main job, narrated, on the configfs simulator (no kernel needed: a few seconds).
# `make demo` runs the real thing in a VM; this is `make demo-sim`.
set -euo pipefail
cd "$(dirname "$0")/.."
B=build
W=$(mktemp -d /tmp/attachd-demo-XXXXXX)
AGENT=
cleanup() { [ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }

step "A simulated configfs tree (what loading target_core_mod shows) and a block device node"
mkdir "$W/cfs" && $B/tests/sim-setup "$W/cfs"
mknod "$W/disk0" b 7 250
echo "configfs: $W/cfs   device: $W/disk0"

step "Start attachd (linked with the simulator; the real binary writes /sys/kernel/config)"
ATTACHD_SIM_DM_DIR=$W/dm $B/attachd-sim --socket "$W/attachd.sock" --db "$W/db" --configfs-root "$W/cfs" \
	--portal 127.0.0.1:3260 --no-kmod --foreground --log-level info 2>"$W/agent.log" &
AGENT=$!
for _ in $(seq 100); do [ -S "$W/attachd.sock" ] && break; sleep 0.05; done
C=(run $B/attachctl -s "$W/attachd.sock")

step "Register the device as a volume"
VOL=$("${C[@]}" volume-create --device "$W/disk0" --name demo)
echo "$VOL"
step "reserve: available -> attaching"
"${C[@]}" reserve "$VOL"
step "initialize_connection: build the export for this initiator, return os-brick's connection info"
"${C[@]}" --json initialize-connection "$VOL" --initiator iqn.2004-10.org.example:compute-1 --host compute-1 \
	--ip 127.0.0.1 | python3 -m json.tool
step "attach: attaching -> in-use"
"${C[@]}" attach "$VOL" --instance 6f1c9d7e-1111-4222-8333-944455556666 --host compute-1 --mountpoint /dev/vdb
"${C[@]}" volume-show "$VOL"
step "The export in configfs: storage object on the dm device, target, ACL with CHAP, portal"
(cd "$W/cfs" && find target/core/iblock_1000 target/iscsi -maxdepth 6 \( -name 'lun_*' -o -name 'np' -o \
	-name 'acls' -o -name 'iqn.*' -o -name "$VOL" -o -name 'attachd' -o -name '127.0.0.1:3260' \) | sort)
step "begin_detaching, terminate_connection (the ACL goes: sessions drop; last ACL: export goes), detach"
"${C[@]}" begin-detaching "$VOL"
"${C[@]}" terminate-connection "$VOL" --initiator iqn.2004-10.org.example:compute-1
"${C[@]}" detach "$VOL"
"${C[@]}" volume-list
step "Nothing of the export is left"
run find "$W/cfs/target/iscsi" "$W/cfs/target/core" -maxdepth 1
"${C[@]}" volume-delete "$VOL"
step "The agent's log (no secret in it)"
cat "$W/agent.log"
