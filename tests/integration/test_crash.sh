#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_crash.sh: the crash walk. For every mutating call that touches the kernel, in the situations
# where it does the most, the agent (build/attachd-sim) is killed with SIGKILL at every fault point of
# the call (agent/calls/fault.h: "intent", before each kernel step "step-N", "applied"), then restarted. The
# invariants after the restart (whose reconciliation runs before the socket opens):
#   1. the simulated kernel (configfs tree and dm devices) and the records are exactly as before the
#      call: the interrupted call was rolled back completely, no orphan, nothing lost or corrupted;
#   2. `attachctl reconcile --dry-run` finds nothing to do (kernel == records);
#   3. the same call, retried, succeeds, and afterwards reconcile still finds nothing to do.
# TAP on stdout; one line per (scenario, point).
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

INI_A=iqn.2004-10.org.example:crash-a
INI_B=iqn.2004-10.org.example:crash-b
INST=6f1c9d7e-1111-4222-8333-944455556666
POINTS_TOTAL=0

# Everything the invariants compare: the tree, the dm devices, every record (secrets included). An ACL's
# mutual credentials that were never set show "", once cleared "NULL": both are "none" to the kernel
# (authenticate_target 0), and a rollback of their first setting can only clear them.
snapshot() {
	tree_dump | sed -E 's,(/auth/(userid|password)_mutual.*)NULL,\1,'
	"$SIMSETUP" --dump-nvmet "$W/cfs"
	for t in "$W"/dm/*.table; do [ -e "$t" ] && echo "dm $(basename "$t"): $(tr '\n' ' ' <"$t")"; done
	local v
	for v in $(ctl --json volume-list | python3 -c 'import json,sys; [print(v["volume_id"]) for v in json.load(sys.stdin)["volumes"]]'); do
		ctl --json volume-show "$v" --secrets
	done
}

# aptpl_file VOL INITIATOR: the kernel's reservations file for VOL under the agent's dbroot: INITIATOR
# registered on LUN 0 with APTPL and holding a WRITE EXCLUSIVE, REGISTRANTS ONLY reservation
aptpl_file() {
	printf 'PR_REG_START: 0\ninitiator_fabric=iSCSI\ninitiator_node=%s\ninitiator_sid=00023d000001\nsa_res_key=4369\nres_holder=1\nres_type=05\nres_scope=00\nres_all_tg_pt=0\nmapped_lun=0\ntarget_fabric=iSCSI\ntarget_node=iqn.2026-11.org.attachd:%s\ntpgt=1\nport_rtpi=1\ntarget_lun=0\nPR_REG_END: 0\n\0' \
		"$2" "$1" >"$DB/dbroot/pr/aptpl_$1" && chmod 600 "$DB/dbroot/pr/aptpl_$1"
}
init() { ctl initialize-connection "$1" --initiator "$2" >/dev/null; }
# NVMe/TCP volumes (NVME=1): hosts by NQN; with DH (a 6.12 tree), DH-HMAC-CHAP both ways
NQN_A=nqn.2014-08.org.example:crash-a
NQN_B=nqn.2014-08.org.example:crash-b
ninit() { ctl initialize-connection "$1" --nqn "$2" ${DH:-} >/dev/null; }
attach() { ctl attach "$1" --instance "$INST" --host h --mountpoint /dev/vdb >/dev/null; }

# Situations: each prepares a fresh world up to just before the call, and names the call.
# prepare_X VOL sets CALL (the call's name) and ARGS (attachctl arguments).
prepare_first_export() {
	ctl reserve "$1" >/dev/null
	CALL=initialize-connection ARGS=(initialize-connection "$1" --initiator "$INI_A")
}
# The first export of a volume whose reservations LIO kept (dbroot.h): the step that feeds them to the
# new storage object writes to the kernel too.
prepare_first_export_reserved() {
	ctl reserve "$1" >/dev/null
	aptpl_file "$1" "$INI_A"
	CALL=initialize-connection ARGS=(initialize-connection "$1" --initiator "$INI_A")
}
prepare_second_initiator() {
	ctl reserve "$1" >/dev/null && init "$1" "$INI_A" && attach "$1" && ctl reserve "$1" >/dev/null
	CALL=initialize-connection ARGS=(initialize-connection "$1" --initiator "$INI_B")
}
prepare_last_terminate() {
	ctl reserve "$1" >/dev/null && init "$1" "$INI_A" && attach "$1" && ctl begin-detaching "$1"
	CALL=terminate-connection ARGS=(terminate-connection "$1" --initiator "$INI_A")
}
prepare_one_of_two_terminate() {
	prepare_second_initiator "$1" && init "$1" "$INI_B" && attach "$1"
	CALL=terminate-connection ARGS=(terminate-connection "$1" --initiator "$INI_B")
}
prepare_force() {
	prepare_second_initiator "$1" && init "$1" "$INI_B" && attach "$1"
	CALL=terminate-connection ARGS=(terminate-connection "$1" --force)
}
prepare_unreserve() {
	ctl reserve "$1" >/dev/null && init "$1" "$INI_A"
	CALL=unreserve ARGS=(unreserve "$1")
}
prepare_read_only_mutual() {
	ctl reserve "$1" --mode ro >/dev/null
	CALL=initialize-connection ARGS=(initialize-connection "$1" --initiator "$INI_A" --mutual-chap)
}
prepare_join_read_write() { # A's ACL read-only, then a read-write connection through A asking for mutual CHAP
	ctl reserve "$1" --mode ro >/dev/null && init "$1" "$INI_A" && attach "$1" && ctl reserve "$1" >/dev/null
	CALL=initialize-connection ARGS=(initialize-connection "$1" --initiator "$INI_A" --mutual-chap)
}
prepare_nvme_first_export() {
	ctl reserve "$1" >/dev/null
	CALL=initialize-connection ARGS=(initialize-connection "$1" --nqn "$NQN_A" ${DH:-})
}
prepare_nvme_second_host() {
	ctl reserve "$1" >/dev/null && ninit "$1" "$NQN_A" && attach "$1" && ctl reserve "$1" >/dev/null
	CALL=initialize-connection ARGS=(initialize-connection "$1" --nqn "$NQN_B" ${DH:-})
}
prepare_nvme_last_terminate() {
	ctl reserve "$1" >/dev/null && ninit "$1" "$NQN_A" && attach "$1" && ctl begin-detaching "$1"
	CALL=terminate-connection ARGS=(terminate-connection "$1" --nqn "$NQN_A")
}
prepare_nvme_one_of_two_terminate() {
	prepare_nvme_second_host "$1" && ninit "$1" "$NQN_B" && attach "$1"
	CALL=terminate-connection ARGS=(terminate-connection "$1" --nqn "$NQN_B")
}
prepare_nvme_force() {
	prepare_nvme_second_host "$1" && ninit "$1" "$NQN_B" && attach "$1"
	CALL=terminate-connection ARGS=(terminate-connection "$1" --force)
}
prepare_nvme_extend() {
	ctl reserve "$1" >/dev/null && ninit "$1" "$NQN_A" && attach "$1" && echo $((2 << 30)) >"$W/dm/size-7:220"
	CALL=volume-extend ARGS=(volume-extend "$1")
}
prepare_extend() {
	ctl reserve "$1" >/dev/null && init "$1" "$INI_A" && attach "$1" && echo $((2 << 30)) >"$W/dm/size-7:220"
	CALL=volume-extend ARGS=(volume-extend "$1")
}

# The points of the call in this situation: intent, step-1..N (N from a dry run), applied.
points() {
	local n
	n=$(ctl --dry-run "${ARGS[@]}" | grep -vc '^record:')
	echo intent
	for i in $(seq "$n"); do echo "step-$i"; done
	echo applied
}

world_at() { # SITUATION: a fresh world, agent running, volume VOL prepared
	world_new
	agent_start ${NVME:+--nvme-port 127.0.0.1:4420} || { echo "Bail out! agent did not start"; exit 1; }
	VOL=$(ctl volume-create --device "$W/disk0" --multiattach ${NVME:+--transport nvme-tcp})
	"prepare_$1" "$VOL" || { echo "Bail out! could not prepare $1"; exit 1; }
}

walk() { # SITUATION
	local sit=$1 p
	world_at "$sit"
	local list
	list=$(points)
	world_free
	for p in $list; do
		POINTS_TOTAL=$((POINTS_TOTAL + 1))
		world_at "$sit"
		local before after why=""
		before=$(snapshot)
		agent_stop
		# the crashing agent: the call dies with it at $CALL:$p
		ATTACHD_CRASH_AT="$CALL:$p" agent_start ${NVME:+--nvme-port 127.0.0.1:4420} || why="agent did not start"
		ctl "${ARGS[@]}" >/dev/null 2>&1 && why="${why:+$why; }the call succeeded although the agent died at $p"
		for _ in $(seq 50); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$AGENT_PID" 2>/dev/null
		wait "$AGENT_PID" 2>/dev/null
		AGENT_PID=
		grep -q "crash injected at $CALL:$p" "$LOG" || why="${why:+$why; }the agent did not die at $p"
		agent_start ${NVME:+--nvme-port 127.0.0.1:4420} || why="${why:+$why; }restart failed"
		after=$(snapshot)
		[ "$before" = "$after" ] || { why="${why:+$why; }kernel or records differ from before the call";
			diff <(echo "$before") <(echo "$after") | head -20 | diag; }
		ctl reconcile --dry-run | grep -q '^nothing to do' || why="${why:+$why; }reconcile finds differences"
		ctl "${ARGS[@]}" >/dev/null 2>"$W/retry.err" || why="${why:+$why; }retry failed: $(cat "$W/retry.err")"
		ctl reconcile --dry-run | grep -q '^nothing to do' || why="${why:+$why; }reconcile finds differences after the retry"
		if [ -z "$why" ]; then ok "${LABEL:-}$sit: crash at $CALL:$p, restart, rollback, retry"; else
			not_ok "${LABEL:-}$sit: crash at $CALL:$p: $why"; tail -5 "$LOG" | diag; fi
		world_free
	done
}

for s in first_export first_export_reserved second_initiator last_terminate one_of_two_terminate force unreserve extend \
	read_only_mutual join_read_write; do
	walk "$s"
done
# Two portals (multipath: two np/ entries in the TPG): the export that makes both, the teardown of both.
two_portals() { local np=$W/cfs/target/iscsi/iqn.2026-11.org.attachd:$VOL/tpgt_1/np; [ -d "$np/127.0.0.1:3260" ] && [ -d "$np/127.0.0.1:3261" ]; }
PORTALS="--portal 127.0.0.1:3260 --portal 127.0.0.1:3261" LABEL="two portals: "
world_at last_terminate
check "two portals: the export has np/127.0.0.1:3260 and np/127.0.0.1:3261" two_portals
world_free
for s in first_export last_terminate; do
	walk "$s"
done
unset PORTALS LABEL

# NVMe/TCP: the export with its host, port and links, a second host, the teardown, the cut of one host
# of two (its unlink and relink), --force and the namespace's revalidation; then on a 6.12 tree with
# DH-HMAC-CHAP both ways (the host entry is made with its keys).
NVME=1 LABEL="nvme: "
for s in nvme_first_export nvme_second_host nvme_last_terminate nvme_one_of_two_terminate nvme_force nvme_extend; do
	walk "$s"
done
SIM_KERNEL=6.12 DH="--dhchap-bidirectional --dhchap-dhgroup ffdhe2048" LABEL="nvme, DH-HMAC-CHAP: "
for s in nvme_first_export nvme_one_of_two_terminate; do
	walk "$s"
done
unset NVME SIM_KERNEL DH LABEL

# SIGTERM in the middle of a call: the call finishes (and is answered) before the agent exits.
world_at first_export
agent_stop
ATTACHD_DELAY_AT="$CALL:step-3:600" agent_start
ctl "${ARGS[@]}" >"$W/reply" 2>&1 &
CLIENT=$!
for _ in $(seq 100); do grep -q "delay injected" "$LOG" && break; sleep 0.02; done
kill -TERM "$AGENT_PID"
wait "$CLIENT"; crc=$?
wait "$AGENT_PID"; arc=$?
AGENT_PID=
agent_start
check "SIGTERM mid-call: the call completes and is answered" [ "$crc" = 0 ] && grep -q '^auth_password=' "$W/reply"
check "SIGTERM mid-call: the agent then exits 0" [ "$arc" = 0 ]
check "SIGTERM mid-call: nothing to reconcile after the restart" grep -q '^nothing to do' <(ctl reconcile --dry-run)
world_free
echo "# $POINTS_TOTAL crash points walked"
echo "1..$T_NUM"
[ "$T_FAIL" = 0 ]
