# SPDX-License-Identifier: Apache-2.0
# lib.sh: shared by the integration scripts: TAP output, a temporary world (simulated configfs tree,
# block device nodes, database, socket) and starting/stopping build/attachd-sim on it.
# Sourced, not run. Requires: BUILD (default build), set by the caller's cwd being the repo root.

BUILD=${BUILD:-build}
AGENT_BIN=${AGENT_BIN:-$BUILD/attachd-sim}
CTL=${CTL:-$BUILD/attachctl}
SIMSETUP=$BUILD/tests/sim-setup
T_NUM=0
T_FAIL=0

ok() { T_NUM=$((T_NUM + 1)); echo "ok $T_NUM - $*"; }
not_ok() { T_NUM=$((T_NUM + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_NUM - $*"; }
# check DESC CMD...: ok if CMD succeeds
check() { local d=$1; shift; if "$@" >/dev/null; then ok "$d"; else not_ok "$d"; fi; }
diag() { sed 's/^/# /'; }

# A fresh world under $W.
world_new() {
	# tmpfs when there is one: the simulator makes hundreds of small files per export
	local tmp=/tmp
	[ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm
	W=$(mktemp -d "${ATTACHD_TEST_TMP:-$tmp}/attachd-it-XXXXXX")
	chmod 755 "$W" # unprivileged test callers must reach the socket
	mkdir "$W/cfs"
	"$SIMSETUP" "$W/cfs" "${SIM_KERNEL:-6.1}" || { echo "Bail out! sim-setup failed"; exit 1; }
	for i in 0 1 2 3; do mknod "$W/disk$i" b 7 $((220 + i)) || { echo "Bail out! mknod failed"; exit 1; }; done
	SOCK=$W/attachd.sock
	DB=$W/db
	LOG=$W/agent.log
}

world_free() {
	agent_stop
	rm -rf "$W"
}

# agent_start [extra attachd options...]: start and wait for its socket (fail after 5 s). A socket left
# by a killed agent does not count: the new one is a new inode (the agent binds and renames).
agent_start() {
	local stale
	stale=$(stat -c %i "$SOCK" 2>/dev/null)
	ATTACHD_SIM_DM_DIR=$W/dm "$AGENT_BIN" --socket "$SOCK" --db "$DB" --configfs-root "$W/cfs" \
		--no-kmod --foreground --log-level debug ${PORTALS:---portal 127.0.0.1:3260} "$@" >>"$LOG" 2>&1 &
	AGENT_PID=$!
	for _ in $(seq 100); do
		[ -S "$SOCK" ] && [ "$(stat -c %i "$SOCK" 2>/dev/null)" != "$stale" ] && return 0
		kill -0 "$AGENT_PID" 2>/dev/null || { AGENT_PID=; return 1; }
		sleep 0.05
	done
	return 1
}

# agent_stop: SIGTERM and wait; returns the agent's exit status.
agent_stop() {
	[ -n "${AGENT_PID:-}" ] || return 0
	kill -TERM "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID"
	local rc=$?
	AGENT_PID=
	return $rc
}

ctl() { "$CTL" -s "$SOCK" "$@"; }

# expect_fail CODE DESC PATTERN CMD...: CMD exits with CODE and its stderr matches PATTERN
expect_fail() {
	local code=$1 desc=$2 pat=$3; shift 3
	local err rc
	err=$("$@" 2>&1 >/dev/null); rc=$?
	if [ "$rc" = "$code" ] && grep -qE -- "$pat" <<<"$err"; then ok "$desc"; else
		not_ok "$desc (exit $rc, wanted $code: $err)"; fi
}

# kv KEY: the value of KEY= in the text on stdin
kv() { sed -n "s/^$1=//p"; }

tree_has() { [ -e "$W/cfs/$1" ] || [ -L "$W/cfs/$1" ]; }
tree_dump() { "$SIMSETUP" --dump "$W/cfs"; }
