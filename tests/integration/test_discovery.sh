#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_discovery.sh: attachd --discovery-chap on the simulated configfs (agent/kernel/discovery.h).
# The option, the kernel's discovery_auth and the reply keys (key=value and os-brick's JSON); the
# credentials kept in the database across restarts, also across a start without the option (which opens
# discovery again); a dry run; credentials tampered with (repaired) and another tool's (left alone, not
# handed out, until the operator clears them); and the crash walk of the start's discovery step: the
# agent killed at each of its points, or a write failing half-way, then restarted: the kernel ends up
# enforcing exactly the credentials the replies carry, and reconcile finds nothing.
# TAP on stdout.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

INI=iqn.2004-10.org.example:disc
DA=target/iscsi/discovery_auth

kernel() { # enforce userid password, as the simulated kernel shows them
	echo "$(cat "$W/cfs/$DA/enforce_discovery_auth") $(cat "$W/cfs/$DA/userid") $(cat "$W/cfs/$DA/password")"
}
connect() { # VOL: initialize-connection, the key=value reply in $W/ci
	ctl initialize-connection "$1" --initiator "$INI" >"$W/ci" 2>"$W/ci.err"
}
creds() { echo "$(kv discovery_auth_username <"$W/ci") $(kv discovery_auth_password <"$W/ci")"; }
volume() { VOL=$(ctl volume-create --device "$W/disk${1:-0}") && ctl reserve "$VOL" >/dev/null; }
nothing_to_do() { ctl reconcile --dry-run | grep -q '^nothing to do'; }

# --- the option, the kernel, the replies
world_new
agent_start --discovery-chap || { echo "Bail out! agent did not start"; exit 1; }
volume
connect "$VOL"
C=$(creds)
check "the reply has discovery_auth_method=CHAP" grep -qx 'discovery_auth_method=CHAP' "$W/ci"
check "discovery user name and secret: 16 letters and digits each" grep -qE '^[A-Za-z0-9]{16} [A-Za-z0-9]{16}$' <<<"$C"
check "... other than the session's" [ "$(kv auth_password <"$W/ci")" != "${C#* }" ]
check "the kernel enforces them" [ "$(kernel)" = "1 $C" ]
ctl --json initialize-connection "$VOL" --initiator "$INI" >"$W/ci.json"
check "the JSON has os-brick's discovery_auth_* keys" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["data"]
u, p = sys.argv[2].split()
assert (d["discovery_auth_method"], d["discovery_auth_username"], d["discovery_auth_password"]) == ("CHAP", u, p), d
' "$W/ci.json" "$C"
V1=$VOL; volume 1
check "another initiator (another volume) gets the same discovery credentials" bash -c \
	"'$CTL' -s '$SOCK' initialize-connection '$VOL' --initiator iqn.2004-10.org.example:two | grep -qx 'discovery_auth_password=${C#* }'"
VOL=$V1
check "reconcile --dry-run: nothing to do" nothing_to_do
check "the discovery secret is not in the agent's log" bash -c "! grep -qF -- '${C#* }' '$LOG'"
check "the log says new credentials were made" grep -q 'discovery CHAP: new credentials made and stored' "$LOG"

# --- restarts keep them; a start without the option opens discovery and keeps them for later
agent_stop; agent_start --discovery-chap
connect "$VOL"
check "restart: the same credentials" [ "$(creds)" = "$C" ]
check "restart: no write to discovery_auth, nothing to do" nothing_to_do
agent_stop; agent_start
connect "$VOL"
check "without the option: discovery opened (enforce 0, NULL, NULL)" [ "$(kernel)" = "0 NULL NULL" ]
check "without the option: no discovery_auth_* in the reply" bash -c "! grep -q '^discovery_auth' '$W/ci'"
check "without the option: nothing to do" nothing_to_do
agent_stop; agent_start --discovery-chap
connect "$VOL"
check "the option again: the same credentials as before" [ "$(creds)" = "$C" ]
check "... enforced again" [ "$(kernel)" = "1 $C" ]

# --- dry run, then tampering: reconcile repairs attachd's own credentials
printf 0 >"$W/cfs/$DA/enforce_discovery_auth"
printf 'x%s\n' "${C#* }" >"$W/cfs/$DA/password"
ctl reconcile --dry-run >"$W/rec"
check "dry run: the difference is found" grep -q "discovery authentication: attachd's, but not all in force; would be enforced" "$W/rec"
check "dry run: the kernel is unchanged" [ "$(cat "$W/cfs/$DA/enforce_discovery_auth")" = 0 ]
ctl reconcile >"$W/rec"
check "reconcile repairs enforcement and the secret" [ "$(kernel)" = "1 $C" ]
check "reconcile said so" grep -q "discovery authentication: attachd's, but not all in force; enforced" "$W/rec"
printf tgt >"$W/cfs/$DA/userid_mutual"; printf tgtsecret1234 >"$W/cfs/$DA/password_mutual"
ctl reconcile >/dev/null
check "a mutual pair added to attachd's credentials is cleared (initiators are not asked for it)" \
	[ "$(cat "$W/cfs/$DA/userid_mutual") $(cat "$W/cfs/$DA/authenticate_target")" = "NULL 0" ]

# --- another tool's credentials: left alone and not handed out, until the operator clears them
printf othertool >"$W/cfs/$DA/userid"; printf othersecret12 >"$W/cfs/$DA/password"
ctl reconcile >"$W/rec" 2>&1
check "reconcile: another tool's credentials are a difference not fixed (exit 1, named)" \
	bash -c "[ $? = 1 ] && grep -q 'discovery_auth holds credentials attachd did not write' '$W/rec' && grep -q '1 failed' '$W/rec'"
check "... left as they were" [ "$(kernel)" = "1 othertool othersecret12" ]
connect "$VOL"
check "... initialize-connection works, without discovery_auth_*" \
	bash -c "grep -q '^target_iqn=' '$W/ci' && ! grep -q '^discovery_auth' '$W/ci'"
agent_stop; agent_start --discovery-chap
check "a start over them: the agent serves, they stay" [ "$(kernel)" = "1 othertool othersecret12" ]
check "the start logged it as not fixed" grep -q "reconcile at start: 1 of 1 difference(s) not fixed" "$LOG"
agent_stop; agent_start
check "a start without the option leaves them too" [ "$(kernel)" = "1 othertool othersecret12" ]
check "... and finds nothing to do" nothing_to_do
agent_stop
printf NULL >"$W/cfs/$DA/userid"; printf NULL >"$W/cfs/$DA/password"
agent_start --discovery-chap
connect "$VOL"
check "cleared by the operator: attachd's credentials enforced again, in the replies" \
	[ "$(kernel)" = "1 $C" -a "$(creds)" = "$C" ]
world_free

# --- the crash walk of the start's discovery step (agent/kernel/discovery.c's fault points)
# crash_start OPTS POINT: a start that dies at discovery:POINT; then the plain restart with OPTS.
# What went wrong goes to $why.
crash_start() {
	local opts=$1 point=$2
	why=""
	agent_stop
	ATTACHD_CRASH_AT="discovery:$point" agent_start $opts
	for _ in $(seq 50); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.05; done
	kill -KILL "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
	grep -q "crash injected at discovery:$point" "$LOG" || why="the agent did not die there"
	agent_start $opts || why="${why:+$why; }restart failed"
}
for point in stored enforce enforced; do
	world_new
	agent_start || { echo "Bail out! agent did not start"; exit 1; }
	volume
	crash_start --discovery-chap "$point"
	connect "$VOL"
	C=$(creds)
	[ "$(kernel)" = "1 $C" ] || why="${why:+$why; }kernel $(kernel), replies $C"
	nothing_to_do || why="${why:+$why; }reconcile finds differences"
	agent_stop; agent_start --discovery-chap; connect "$VOL"
	[ "$(creds)" = "$C" ] || why="${why:+$why; }the credentials changed at the next start"
	if [ -z "$why" ]; then ok "first start with --discovery-chap killed at discovery:$point: restart enforces the stored credentials"
	else not_ok "first start with --discovery-chap killed at discovery:$point: $why"; tail -5 "$LOG" | diag; fi
	# turning it off again, killed before the kernel writes
	crash_start "" open
	[ "$(kernel)" = "0 NULL NULL" ] || why="${why:+$why; }kernel $(kernel)"
	nothing_to_do || why="${why:+$why; }reconcile finds differences"
	if [ -z "$why" ]; then ok "start without the option killed at discovery:open (after $point): restart opens discovery"
	else not_ok "start without the option killed at discovery:open: $why"; fi
	world_free
done
# a write failing half-way (as a crash between two writes leaves it): the agent serves without
# discovery credentials, and the next start finishes
for attr in userid password enforce_discovery_auth; do
	world_new
	ATTACHD_SIM_FAIL="write:$DA/$attr:EIO" agent_start --discovery-chap || { echo "Bail out! agent did not start"; exit 1; }
	volume
	connect "$VOL"
	why=""
	grep -q '^discovery_auth' "$W/ci" && why="the reply has discovery credentials the kernel does not enforce"
	[ "$(cat "$W/cfs/$DA/enforce_discovery_auth")" = 0 ] || why="${why:+$why; }enforced"
	grep -q "enforcing it failed" "$LOG" || why="${why:+$why; }the log does not say it failed"
	agent_stop; agent_start --discovery-chap; connect "$VOL"
	C=$(creds)
	[ -n "${C% }" ] && [ "$(kernel)" = "1 $C" ] || why="${why:+$why; }after the restart: kernel $(kernel), replies $C"
	nothing_to_do || why="${why:+$why; }reconcile finds differences"
	if [ -z "$why" ]; then ok "the write of $attr failed at start: served without discovery credentials, the next start enforces them"
	else not_ok "the write of $attr failed at start: $why"; tail -5 "$LOG" | diag; fi
	world_free
done
echo "1..$T_NUM"
[ "$T_FAIL" = 0 ]
