#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_systemd.sh: attachd under systemd's two protocols, without systemd: a real attachd-sim started the
# way socket activation starts it (sd_launch.py: the listening socket at fd 3, LISTEN_FDS, LISTEN_PID) and
# told to report through a stand-in for systemd's notification socket (sd_notify_recv.py). It serves on
# the socket it was given and never makes its own; bad sockets and variables stop it with a reason;
# READY=1 comes only after the reconciliation at start (held up on purpose to show it), STOPPING=1 at
# SIGTERM; log lines carry the journal's priority prefixes when stderr is the journal. Last,
# systemd-analyze verify accepts both units of systemd/ offline. TAP on stdout.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

INI=iqn.2004-10.org.example:compute-a
LAUNCH=tests/integration/sd_launch.py
RECV=tests/integration/sd_notify_recv.py

world_new
trap 'world_free; [ -n "${RECV_PID:-}" ] && kill "$RECV_PID" 2>/dev/null' EXIT

# launched [launcher options...] -- [attachd options...]: attachd-sim through the launcher (socket at
# $SOCK unless --at PATH comes first), in the background, as AGENT_PID.
launched() {
	local at=$SOCK largs=()
	[ "$1" = --at ] && { at=$2; shift 2; }
	while [ "$1" != -- ]; do largs+=("$1"); shift; done
	shift
	ATTACHD_SIM_DM_DIR=$W/dm python3 "$LAUNCH" "${largs[@]}" "$at" -- "$AGENT_BIN" --socket "$SOCK" --db "$DB" \
		--configfs-root "$W/cfs" --no-kmod --foreground --log-level debug --portal 127.0.0.1:3260 "$@" \
		>>"$LOG" 2>&1 &
	AGENT_PID=$!
}

# wait_log PATTERN: the log has a line matching PATTERN within 10 s (0), or the agent exited first (1).
wait_log() {
	for _ in $(seq 200); do
		grep -qE -- "$1" "$LOG" && return 0
		kill -0 "$AGENT_PID" 2>/dev/null || { grep -qE -- "$1" "$LOG"; return; }
		sleep 0.05
	done
	return 1
}

# exited: EXIT_RC is the agent's exit status once it has stopped by itself (it must within 10 s: else 124).
exited() {
	EXIT_RC=124
	for _ in $(seq 200); do
		kill -0 "$AGENT_PID" 2>/dev/null || { wait "$AGENT_PID"; EXIT_RC=$?; AGENT_PID=; return; }
		sleep 0.05
	done
}

# --- socket activation: served on the socket it was given (open to all here: SocketMode=0666)
: >"$LOG"
launched --mode 0666 --
check "activated: attachd serves" wait_log "serving $SOCK \\(socket from systemd\\)"
check "activated: the socket is the launcher's, not one attachd made (same inode)" \
	[ "$(stat -c %i "$SOCK")" = "$(cat "$SOCK.ino")" ]
check "activated: no socket of its own was bound (no temporary name)" bash -c "! ls '$W' | grep -q 'attachd.sock\\.[0-9]'"
VOL=$(ctl volume-create --device "$W/disk0")
check "activated: calls are served (volume-create, reserve, initialize-connection)" \
	bash -c "'$CTL' -s '$SOCK' reserve '$VOL' >/dev/null && '$CTL' -s '$SOCK' initialize-connection '$VOL' --initiator '$INI' | grep -q '^auth_password='"
if command -v setpriv >/dev/null; then
	expect_fail 1 "activated: callers are checked as on its own socket (uid 65534 refused)" "uid 65534 is not allowed" \
		setpriv --reuid 65534 --regid 0 --clear-groups "$CTL" -s "$SOCK" volume-list
	agent_stop
	rm -f "$SOCK" "$SOCK.ino"
	: >"$LOG"
	launched --mode 0666 -- --allow-uid 65534
	wait_log "serving $SOCK \\(socket from systemd\\)"
	check "activated: ... and served once allowed (--allow-uid 65534)" \
		setpriv --reuid 65534 --regid 0 --clear-groups "$CTL" -s "$SOCK" volume-list
else
	not_ok "setpriv (util-linux) is missing: caller policy not tested"
fi
check "activated: SIGTERM: clean exit" agent_stop
check "activated: the socket file stays (it is systemd's, not attachd's to remove)" [ -S "$SOCK" ]
rm -f "$SOCK" "$SOCK.ino"

# --- bad sockets and variables
: >"$LOG"
launched --at "$W/other.sock" --pid parent --
check "LISTEN_PID not attachd's: said so" wait_log "LISTEN_PID=[0-9]+ is not attachd's pid \\([0-9]+\\)"
check "... and it serves a socket of its own at --socket instead" wait_log "serving $SOCK\$"
check "... a new socket (not the launcher's)" [ -S "$SOCK" ] && [ "$(stat -c %i "$SOCK")" != "$(cat "$W/other.sock.ino")" ]
agent_stop
rm -f "$W/other.sock" "$W/other.sock.ino"

# bad_start DESC PATTERN [launcher options...]: the agent stops at once with status 1 and PATTERN in its
# log, made no socket at --socket, and created no database (nothing before the systemd checks)
bad_start() {
	local desc=$1 pat=$2; shift 2
	rm -rf "$DB.bad"
	: >"$LOG"
	ATTACHD_SIM_DM_DIR=$W/dm python3 "$LAUNCH" "$@" -- "$AGENT_BIN" --socket "$SOCK" --db "$DB.bad" \
		--configfs-root "$W/cfs" --no-kmod --foreground --portal 127.0.0.1:3260 >>"$LOG" 2>&1 &
	AGENT_PID=$!
	exited
	if [ "$EXIT_RC" = 1 ] && grep -qE -- "$pat" "$LOG" && [ ! -e "$DB.bad" ]; then ok "$desc"; else
		not_ok "$desc (exit $EXIT_RC; log: $(tail -3 "$LOG" | tr '\n' ' '))"; fi
	rm -f "$W"/launch* "$SOCK" "$SOCK".*
}
bad_start "fd 3 not a socket: refused, says so" "systemd's socket \\(fd 3\\) is not a socket" --kind file "$W/launch.file"
bad_start "two sockets: refused, says so" "systemd passed 2 sockets \\(fd 3 to 4\\): attachd serves one" --fds 2 "$SOCK"
bad_start "a datagram socket: refused, says so" "is not a UNIX stream socket" --kind dgram "$SOCK"
bad_start "a socket that does not listen: refused, says so" "systemd's socket \\(fd 3\\) is not listening" --kind unlistened "$SOCK"
bad_start "a socket at another path than --socket: refused, names both" \
	"systemd's socket is $W/launch.sock but --socket is $SOCK" "$W/launch.sock"
bad_start "LISTEN_FDS not a number: refused, says so" "LISTEN_FDS=x: not a number of sockets" --fds-value x "$SOCK"

# --- readiness: READY=1 only after the reconciliation at start, STOPPING=1 at SIGTERM
# notify_listen ADDRESS: a stand-in for systemd's notification socket at ADDRESS, its datagrams in $NOTES
notify_listen() {
	NOTES=$W/notes.$RANDOM
	case $1 in /*) rm -f "$1" ;; esac
	python3 "$RECV" "$1" "$NOTES" &
	RECV_PID=$!
	for _ in $(seq 100); do [ -e "$NOTES" ] && return 0; sleep 0.05; done
	return 1
}
notify_stop() { kill "$RECV_PID" 2>/dev/null; wait "$RECV_PID" 2>/dev/null; RECV_PID=; }

# an export to rebuild: the volume above is exported; a reboot empties configfs
IQN=iqn.2026-11.org.attachd:$VOL
agent_start --no-dm
check "an export to restore is there" [ -d "$W/cfs/target/iscsi/$IQN" ]
agent_stop
rm -rf "$W/cfs"/* && "$SIMSETUP" "$W/cfs"
check "a reboot: configfs is empty" [ ! -e "$W/cfs/target/iscsi/$IQN" ]
check "notification socket (a path) listens" notify_listen "$W/notify.sock"
: >"$LOG"
# the reconciliation held up for 1.5 s at its first kernel step: READY=1 must not come meanwhile
NOTIFY_SOCKET=$W/notify.sock ATTACHD_DELAY_AT=reconcile:step-1:1500 ATTACHD_SIM_DM_DIR=$W/dm "$AGENT_BIN" \
	--socket "$SOCK" --db "$DB" --configfs-root "$W/cfs" --no-kmod --foreground --log-level debug \
	--portal 127.0.0.1:3260 --no-dm >>"$LOG" 2>&1 &
AGENT_PID=$!
check "the agent is inside the reconciliation at start" wait_log "delay injected at reconcile:step-1"
sleep 0.5
check "... and has not said READY=1 (nothing sent yet)" [ ! -s "$NOTES" ]
check "... nor is its socket there" [ ! -e "$SOCK" ]
for _ in $(seq 200); do grep -q READY=1 "$NOTES" && break; sleep 0.05; done
check "READY=1 comes, with a status" grep -qx "READY=1|STATUS=serving" "$NOTES"
check "by then the export was rebuilt (the kernel matches the records)" [ -d "$W/cfs/target/iscsi/$IQN/tpgt_1/acls/$INI" ]
check "by then the reconciliation had logged its result" grep -q "reconcile at start: [0-9]* difference(s) fixed" "$LOG"
check "... before the agent said ready" \
	[ "$(grep -n 'reconcile at start:' "$LOG" | head -1 | cut -d: -f1)" -lt "$(grep -n ' ready: ' "$LOG" | cut -d: -f1)" ]
check "and it serves" ctl volume-show "$VOL"
check "READY=1 is the only notification while it serves" [ "$(wc -l <"$NOTES")" = 1 ]
check "SIGTERM: clean exit" agent_stop
check "STOPPING=1 at SIGTERM, after READY=1" [ "$(sed -n 2p "$NOTES")" = "STOPPING=1|STATUS=stopping" ]
check "nothing after STOPPING=1" [ "$(wc -l <"$NOTES")" = 2 ]
notify_stop

# an abstract address ("@name"), as systemd uses for a service in a container
ABS=@attachd-test-$$-$RANDOM
check "notification socket (abstract) listens" notify_listen "$ABS"
NOTIFY_SOCKET=$ABS agent_start --no-dm
for _ in $(seq 100); do [ -s "$NOTES" ] && break; sleep 0.05; done
check "abstract NOTIFY_SOCKET: READY=1" grep -qx "READY=1|STATUS=serving" "$NOTES"
agent_stop
check "abstract NOTIFY_SOCKET: STOPPING=1" grep -qx "STOPPING=1|STATUS=stopping" "$NOTES"
notify_stop

# a failed start says why, and never READY=1
check "notification socket listens again" notify_listen "$W/notify.sock"
: >"$LOG"
NOTIFY_SOCKET=$W/notify.sock PORTALS="--portal 203.0.113.77:3260" agent_start --no-dm
for _ in $(seq 100); do [ -s "$NOTES" ] && break; sleep 0.05; done
check "a failed start: STATUS says why, no READY=1" \
	bash -c "grep -qx 'STATUS=start failed: Cannot assign requested address' '$NOTES' && ! grep -q READY '$NOTES'"
notify_stop
# an address attachd cannot use stops it before anything is made
: >"$LOG"
rm -rf "$DB.bad"
NOTIFY_SOCKET=notify.sock "$AGENT_BIN" --socket "$SOCK" --db "$DB.bad" --configfs-root "$W/cfs" --no-kmod \
	--foreground --portal 127.0.0.1:3260 >>"$LOG" 2>&1
rc=$?
check "a relative NOTIFY_SOCKET: refused at once, says so" \
	bash -c "[ $rc = 1 ] && grep -q 'NOTIFY_SOCKET=notify.sock: neither an absolute path' '$LOG' && [ ! -e '$DB.bad' ]"

# --- logging into the journal: stderr is the stream $JOURNAL_STREAM names
: >"$LOG"
JOURNAL_STREAM=$(stat -c %d:%i "$LOG") agent_start --no-dm
ctl volume-show "$VOL" >/dev/null
agent_stop
check "journal: info lines carry <6>, no time of their own" grep -qE '^<6>attachd [0-9.]+ ready: ' "$LOG"
check "journal: debug lines carry <7>" grep -qE '^<7>' "$LOG"
check "journal: every line has a priority prefix" bash -c "! grep -vE '^<[3467]>' '$LOG'"
: >"$LOG"
JOURNAL_STREAM=$(stat -c %d:%i "$W/disk0") agent_start --no-dm
agent_stop
check "another stream in JOURNAL_STREAM: plain lines" grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T.* attachd info: attachd [0-9.]+ ready: ' "$LOG"
: >"$LOG"
"$AGENT_BIN" --socket "$SOCK" --db "$DB" --configfs-root "$W/cfs" --no-kmod --foreground --log-level warning \
	--portal 203.0.113.77:3260 2>>"$LOG"
check "--log-level warning (syslog's name): errors only, no info lines" \
	bash -c "grep -q ' attachd error: ' '$LOG' && ! grep -q ' attachd info: ' '$LOG'"

# --- the units: systemd-analyze verify, offline (no systemd running is needed), in a root of their own
# with systemd's own units, attachd where ExecStart= finds it, and attachd's units
if command -v systemd-analyze >/dev/null; then
	R=$W/root
	mkdir -p "$R/usr/local/sbin" "$R/etc/systemd/system" "$R/usr/lib/systemd"
	UNITS=/usr/lib/systemd/system
	[ -d "$UNITS" ] || UNITS=/lib/systemd/system
	cp -a "$UNITS" "$R/usr/lib/systemd/"
	cp "$BUILD/attachd" "$R/usr/local/sbin/attachd"
	cp systemd/attachd.service systemd/attachd.socket "$R/etc/systemd/system/"
	verify() { systemd-analyze verify --man=no --root="$R" "$@" 2>&1; }
	OUT=$(verify "$R/etc/systemd/system/attachd.socket" "$R/etc/systemd/system/attachd.service"); rc=$?
	if [ "$rc" = 0 ] && [ -z "$OUT" ]; then ok "systemd-analyze verify: both units, no message"; else
		not_ok "systemd-analyze verify: exit $rc"; echo "$OUT" | diag; fi
	# the check can fail: a misspelt setting is reported
	sed 's/^ProtectSystem=strict/ProtectSytem=strict/' systemd/attachd.service >"$R/etc/systemd/system/attachd.service"
	check "systemd-analyze verify reports a misspelt setting (the check can fail)" \
		grep -q "Unknown key 'ProtectSytem'" <(verify "$R/etc/systemd/system/attachd.service")
	cp systemd/attachd.service "$R/etc/systemd/system/"
	EXPO=$(systemd-analyze security --offline=yes --root="$R" "$R/etc/systemd/system/attachd.service" 2>&1 |
		sed -n 's/.*Overall exposure level for attachd.service: \([0-9.]*\).*/\1/p')
	echo "# systemd-analyze security: exposure $EXPO (10 is unprotected)"
	check "systemd-analyze security: exposure below 4 (as root, with modules, mounts and device-mapper)" \
		awk -v e="$EXPO" 'BEGIN { exit !(e != "" && e < 4) }'
else
	not_ok "systemd-analyze (Debian's systemd package) is missing: the units are not verified"
fi
check "the socket unit's path is attachctl's default" grep -qx "ListenStream=/run/attachd.sock" systemd/attachd.socket

[ "$T_FAIL" = 0 ] || tail -30 "$LOG" | diag
echo "1..$T_NUM"
[ "$T_FAIL" = 0 ]
