#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# demo-sim.sh: attachd's main job, narrated, on the configfs simulator (no kernel needed: a few seconds).
# `make demo` runs the real thing in a VM; this is `make demo-sim`. With --nvme (`make demo-sim-nvme`) the
# volume goes over NVMe/TCP instead: a host NQN, DH-HMAC-CHAP, the nvmet objects (a 6.12 tree).
set -euo pipefail
NVME=
[ "${1:-}" = --nvme ] && NVME=1
cd "$(dirname "$0")/.."
B=build
W=$(mktemp -d /tmp/attachd-demo-XXXXXX)
AGENT=
cleanup() { [ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }

step "A simulated configfs tree (what loading target_core_mod shows) and a block device node"
mkdir "$W/cfs" && $B/tests/sim-setup "$W/cfs" ${NVME:+6.12}
mknod "$W/disk0" b 7 250
echo "configfs: $W/cfs   device: $W/disk0"

step "Start attachd (linked with the simulator; the real binary writes /sys/kernel/config)"
ATTACHD_SIM_DM_DIR=$W/dm $B/attachd-sim --socket "$W/attachd.sock" --db "$W/db" --configfs-root "$W/cfs" \
	--portal 127.0.0.1:3260 ${NVME:+--nvme-port 127.0.0.1:4420} --no-kmod --foreground --log-level info \
	2>"$W/agent.log" &
AGENT=$!
for _ in $(seq 100); do [ -S "$W/attachd.sock" ] && break; sleep 0.05; done
C=(run $B/attachctl -s "$W/attachd.sock")

step "Register the device as a volume${NVME:+ exported over NVMe/TCP}"
VOL=$("${C[@]}" volume-create --device "$W/disk0" --name demo ${NVME:+--transport nvme-tcp})
echo "$VOL"
step "reserve: available -> attaching"
"${C[@]}" reserve "$VOL"
if [ -n "$NVME" ]; then
	WHO=(--nqn nqn.2014-08.org.example:compute-1)
	step "initialize_connection: the subsystem, namespace 1, this host (with a DH-HMAC-CHAP key) and the port; os-brick's nvmeof info"
	"${C[@]}" --json initialize-connection "$VOL" "${WHO[@]}" --dhchap --host compute-1 --ip 127.0.0.1 |
		python3 -m json.tool
else
	WHO=(--initiator iqn.2004-10.org.example:compute-1)
	step "initialize_connection: build the export for this initiator, return os-brick's connection info"
	"${C[@]}" --json initialize-connection "$VOL" "${WHO[@]}" --host compute-1 --ip 127.0.0.1 | python3 -m json.tool
fi
step "attach: attaching -> in-use"
"${C[@]}" attach "$VOL" --instance 6f1c9d7e-1111-4222-8333-944455556666 --host compute-1 --mountpoint /dev/vdb
"${C[@]}" volume-show "$VOL"
if [ -n "$NVME" ]; then
	step "The export in configfs: host with its key, subsystem (no host unless allowed), namespace, port"
	(cd "$W/cfs" && find nvmet -maxdepth 5 \( -path '*/hosts/*' -o -path '*/allowed_hosts/*' -o \
		-path '*/namespaces/1' -o -path 'nvmet/ports/*/subsystems/*' -o -name 'nqn.2026-11*' \) | sort)
else
	step "The export in configfs: storage object on the dm device, target, ACL with CHAP, portal"
	(cd "$W/cfs" && find target/core/iblock_1000 target/iscsi -maxdepth 6 \( -name 'lun_*' -o -name 'np' -o \
		-name 'acls' -o -name 'iqn.*' -o -name "$VOL" -o -name 'attachd' -o -name '127.0.0.1:3260' \) | sort)
fi
step "begin_detaching, terminate_connection (${NVME:+the host disallowed, the namespace disabled, the subsystem unlinked: its controllers drop; }the last one takes the export), detach"
"${C[@]}" begin-detaching "$VOL"
"${C[@]}" terminate-connection "$VOL" "${WHO[@]}"
"${C[@]}" detach "$VOL"
"${C[@]}" volume-list
step "Nothing of the export is left"
run find "$W/cfs/target/iscsi" "$W/cfs/target/core" -maxdepth 1
[ -z "$NVME" ] || run find "$W/cfs/nvmet" -mindepth 1 -maxdepth 2
"${C[@]}" volume-delete "$VOL"
step "The agent's log (no secret in it)"
cat "$W/agent.log"
