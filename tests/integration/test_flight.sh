#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_flight.sh: calls in the kernel side by side (agent/server/flight.h; docs/PROTOCOL.md §1,
# Concurrency), on build/attachd-sim, whose fault points can hold a call (ATTACHD_RENDEZVOUS_AT: until
# N calls are there at once) or slow it (ATTACHD_DELAY_AT). Proved:
#   1. four initialize-connection calls on four volumes are in their kernel steps at the same time;
#   2. a call on a volume whose call is in flight waits for it; one on another volume does not;
#   3. reconcile waits for the calls in flight, then finds nothing to do, and a call that came while it
#      waited runs after it;
#   4. SIGTERM with a call in flight: the call ends and is answered, the agent exits 0, nothing pending;
#   5. a crash with two calls in flight: the restart rolls both back (two intents), the kernel and the
#      records are as before, and both retries succeed.
# And first: the agent's process has transparent huge pages off.
# TAP on stdout.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

INI=iqn.2004-10.org.example:flight
# in_kernel CALL: wait (10 s at most) until the log says a call is held at CALL's first kernel step
in_kernel() {
	for _ in $(seq 200); do
		[ "$(grep -c "delay injected at $1:step-1" "$LOG")" -gt "${HELD:-0}" ] && { HELD=$((${HELD:-0} + 1)); return 0; }
		sleep 0.05
	done
	return 1
}
# line_of PATTERN: the number of the log's first line from $FROM on that matches (0: none). The agent
# writes each call's line when it answers, in the order it answers.
line_of() { tail -n +"$FROM" "$LOG" | grep -n -m1 -e "$1" | cut -d: -f1 | grep . || echo 0; }
world_new
trap world_free EXIT

# vols: four volumes, reserved
agent_start || { echo "Bail out! agent did not start"; exit 1; }
# (not about flight, but about the process its threads share: agent/main.c turns transparent huge pages
# off, else LMDB's 2 MiB dirty-page list is made resident whole by its first write on a THP "always" kernel)
check "the agent runs with transparent huge pages off (THP_enabled: 0)" \
	grep -qx 'THP_enabled:[[:space:]]*0' "/proc/$AGENT_PID/status"
V=()
for i in 0 1 2 3; do
	V[i]=$(ctl volume-create --device "$W/disk$i") && ctl reserve "${V[i]}" >/dev/null ||
		{ echo "Bail out! volume $i"; exit 1; }
done
agent_stop

# ---- 1. side by side
ATTACHD_RENDEZVOUS_AT="initialize-connection:step-1:4" agent_start || { echo "Bail out! agent"; exit 1; }
pids=()
for i in 0 1 2 3; do
	ctl initialize-connection "${V[i]}" --initiator "$INI-$i" >"$W/init$i.out" 2>&1 &
	pids[i]=$!
done
fails=0
for i in 0 1 2 3; do wait "${pids[i]}" || fails=$((fails + 1)); done
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$3', wanted '$2')"; fi; }
check_eq "four initialize-connection calls at once all succeed" 0 "$fails"
check_eq "the four were in their first kernel step at the same time" 4 "$(grep -c 'rendezvous at initialize-connection:step-1: .* met the others' "$LOG")"
check_eq "four targets in the tree" 4 "$(ls "$W/cfs/target/iscsi" | grep -c "^iqn.2026-11.org.attachd:")"
check "reconcile --dry-run: nothing to do" sh -c "'$CTL' -s '$SOCK' reconcile --dry-run | grep -q '^nothing to do'"
agent_stop

# ---- 2. the same volume waits, another does not
ATTACHD_DELAY_AT="terminate-connection:step-1:2000" agent_start || { echo "Bail out! agent"; exit 1; }
FROM=$(($(wc -l <"$LOG") + 1))
ctl terminate-connection "${V[0]}" --initiator "$INI-0" >"$W/term0.out" 2>&1 &
tpid=$!
in_kernel terminate-connection || not_ok "the terminate-connection did not get to the kernel"
ctl volume-show "${V[1]}" >/dev/null
ctl --json volume-show "${V[0]}" >"$W/show0.json"
T=$(line_of "terminate-connection: ")
S1=$(line_of "volume-show ${V[1]}: ")
S0=$(line_of "volume-show ${V[0]}: ")
[ "$S1" -gt 0 ] && [ "$T" -gt "$S1" ] && ok "a volume-show of another volume is answered while the terminate is in the kernel" ||
	not_ok "a volume-show of another volume waited for the terminate-connection of ${V[0]} (log lines $S1, $T)"
[ "$T" -gt 0 ] && [ "$S0" -gt "$T" ] && ok "a volume-show of the same volume waits until its terminate-connection has ended" ||
	not_ok "a volume-show of the same volume was answered before its terminate-connection ended (log lines $T, $S0)"
wait "$tpid" && ok "the terminate-connection succeeds" || not_ok "the terminate-connection failed: $(cat "$W/term0.out")"
check "the volume-show after it shows no export" sh -c "! grep -q '\"target_iqn\"' '$W/show0.json'"

# ---- 3. reconcile waits for the calls in flight
FROM=$(($(wc -l <"$LOG") + 1))
ctl terminate-connection "${V[1]}" --initiator "$INI-1" >"$W/term1.out" 2>&1 &
tpid=$!
in_kernel terminate-connection || not_ok "the terminate-connection did not get to the kernel"
waits() { tail -n +"$FROM" "$LOG" | grep -c "its request waits for the calls in flight"; }
ctl reconcile >"$W/rec.out" 2>&1 &
rpid=$!
for _ in $(seq 200); do [ "$(waits)" -ge 1 ] && break; sleep 0.02; done
# a call on another volume, after reconcile began to wait: it waits for reconcile, then runs
timeout 20 "$CTL" -s "$SOCK" terminate-connection "${V[3]}" --initiator "$INI-3" >"$W/term3.out" 2>&1
irc=$?
W2=$(waits)
wait "$rpid"
rc=$?
T=$(line_of "terminate-connection: ")
R=$(line_of "reconcile -: ")
[ "$T" -gt 0 ] && [ "$R" -gt "$T" ] && ok "reconcile waits for the call in flight" ||
	not_ok "reconcile ran while a terminate-connection was in the kernel (log lines $T, $R)"
check_eq "then it finds nothing to do" "0 nothing to do" "$rc $(head -1 "$W/rec.out" | cut -d: -f1)"
wait "$tpid" && ok "the terminate-connection it waited for succeeds" || not_ok "terminate-connection: $(cat "$W/term1.out")"
I=$(tail -n +"$FROM" "$LOG" | grep -n "terminate-connection: " | sed -n 2p | cut -d: -f1)
check_eq "both the reconcile and the call after it waited" 2 "$W2"
[ "$irc" = 0 ] && [ "${I:-0}" -gt "$R" ] && ok "a call that came while reconcile waited runs after it (not left waiting)" ||
	not_ok "the call that came while reconcile waited: exit $irc, log lines $R, ${I:-none}: $(cat "$W/term3.out")"
agent_stop

# ---- 4. SIGTERM with a call in flight
ATTACHD_DELAY_AT="initialize-connection:step-1:1500" agent_start || { echo "Bail out! agent"; exit 1; }
ctl initialize-connection "${V[0]}" --initiator "$INI-0" >"$W/init0.out" 2>&1 &
ipid=$!
HELD=0
in_kernel initialize-connection || not_ok "the initialize-connection did not get to the kernel"
agent_stop
check_eq "SIGTERM with a call in the kernel: attachd exits 0" 0 $?
wait "$ipid" && ok "the call in flight is answered, with success" || not_ok "the call in flight: $(cat "$W/init0.out")"
grep -q "stopping once the calls in the kernel have ended" "$LOG" && ok "the log says it waits for the call" ||
	not_ok "no word of waiting in the log"
agent_start || { echo "Bail out! agent"; exit 1; }
check "after the restart reconcile finds nothing to do" sh -c "'$CTL' -s '$SOCK' reconcile --dry-run | grep -q '^nothing to do'"

# ---- 5. a crash with two calls in flight
ctl terminate-connection "${V[2]}" --initiator "$INI-2" >/dev/null && ctl terminate-connection "${V[3]}" --initiator "$INI-3" >/dev/null ||
	{ echo "Bail out! terminate"; exit 1; }
snapshot() {
	tree_dump
	for t in "$W"/dm/*.table; do [ -e "$t" ] && echo "dm $(basename "$t"): $(tr '\n' ' ' <"$t")"; done
	for v in "${V[@]}"; do ctl --json volume-show "$v" --secrets; done
}
before=$(snapshot)
agent_stop
from=$(($(wc -l <"$LOG") + 1))
ATTACHD_RENDEZVOUS_AT="initialize-connection:step-1:2" ATTACHD_CRASH_AT="initialize-connection:step-3" agent_start ||
	{ echo "Bail out! agent"; exit 1; }
ctl initialize-connection "${V[2]}" --initiator "$INI-2" >/dev/null 2>&1 &
p2=$!
ctl initialize-connection "${V[3]}" --initiator "$INI-3" >/dev/null 2>&1 &
p3=$!
wait "$p2" "$p3"
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=
check_eq "both calls were in the kernel when the agent died" 2 "$(tail -n +"$from" "$LOG" | grep -c 'rendezvous at initialize-connection:step-1: .* met the others')"
grep -q "crash injected at initialize-connection:step-3" "$LOG" && ok "the agent died at step 3" || not_ok "no crash"
agent_start || { echo "Bail out! agent"; exit 1; }
n=0
for v in "${V[2]}" "${V[3]}"; do grep -q "interrupted initialize-connection on volume $v" "$LOG" && n=$((n + 1)); done
check_eq "the restart rolls back both interrupted calls" 2 "$n"
after=$(snapshot)
[ "$before" = "$after" ] && ok "kernel and records are as before the two calls" ||
	{ not_ok "kernel or records differ from before the two calls"; diff <(echo "$before") <(echo "$after") | head -20 | diag; }
ctl initialize-connection "${V[2]}" --initiator "$INI-2" >/dev/null && ctl initialize-connection "${V[3]}" --initiator "$INI-3" >/dev/null &&
	ok "both retries succeed" || not_ok "a retry failed"
check "reconcile --dry-run: nothing to do" sh -c "'$CTL' -s '$SOCK' reconcile --dry-run | grep -q '^nothing to do'"

echo "1..$T_NUM"
[ "$T_FAIL" = 0 ]
