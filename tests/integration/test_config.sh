#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_config.sh: a real attachd-sim configured by a file (--config): everything from the file alone, the
# command line winning over the file (a value, and a list as a whole), and a bad file (an unknown key, a
# bad value, a key given twice, a missing file, a file others may write) refused before anything is made
# or changed, with the file, the line and the key named. TAP on stdout.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

INI=iqn.2004-10.org.example:compute-a
PREFIX=iqn.2026-11.org.example.conf

world_new
trap 'world_free' EXIT
CONF=$W/attachd.conf

# conf LINES...: the configuration file, one argument a line, root's and 0644
conf() { printf '%s\n' "$@" >"$CONF"; chmod 0644 "$CONF"; }
BASE=("socket = $SOCK" "db = $DB" "configfs-root = $W/cfs" "no-kmod = true" "foreground = true")

# from_file [attachd options...]: start with --config and nothing else but @options; wait for the socket
from_file() { start_with --config "$CONF" "$@"; }
# start_with [attachd options...]: start with @options only; wait for the socket
start_with() {
	: >"$LOG"
	ATTACHD_SIM_DM_DIR=$W/dm "$AGENT_BIN" "$@" >>"$LOG" 2>&1 &
	AGENT_PID=$!
	for _ in $(seq 100); do
		grep -q "serving $SOCK" "$LOG" && return 0
		kill -0 "$AGENT_PID" 2>/dev/null || { AGENT_PID=; return 1; }
		sleep 0.05
	done
	return 1
}

# --- everything from the file
conf "# attachd for the tests" "" "${BASE[@]}" "portal = 127.0.0.1:3260" "iqn-prefix = $PREFIX" \
	"log-level = debug" "no-dm = yes"
check "the agent starts from the file alone" from_file
VOL=$(ctl volume-create --device "$W/disk0")
ctl reserve "$VOL" >/dev/null
CI=$(ctl initialize-connection "$VOL" --initiator "$INI")
check "the file's iqn-prefix names the target" [ "$(kv target_iqn <<<"$CI")" = "$PREFIX:$VOL" ]
check "the file's portal is advertised" [ "$(kv target_portal <<<"$CI")" = 127.0.0.1:3260 ]
check "the file's log-level (debug) is in force" grep -q ' attachd debug: ' "$LOG"
check "the file's no-dm is in force (the storage object opens the disk itself)" \
	grep -qx "$W/disk0" "$W/cfs/target/core/iblock_1000/$VOL/udev_path"
agent_stop

# --- the command line wins: a single value replaces the file's, a list replaces the file's list
conf "${BASE[@]}" "portal = 127.0.0.1:3260" "iqn-prefix = $PREFIX" "no-dm = true" "log-level = err" \
	"allow-uid = 65534" "allow-uid = 65533"
check "the agent starts with the file and options" from_file --log-level debug --allow-uid 65532 \
	--portal 127.0.0.1:3261
check "--log-level debug beats the file's err" grep -q ' attachd debug: ' "$LOG"
VOL2=$(ctl volume-create --device "$W/disk1")
ctl reserve "$VOL2" >/dev/null
CI=$(ctl initialize-connection "$VOL2" --initiator "$INI")
check "--portal replaces the file's portal (the only one advertised)" \
	[ "$(kv target_portal <<<"$CI")" = 127.0.0.1:3261 -a "$(kv target_portals <<<"$CI")" = 127.0.0.1:3261 ]
check "the kernel listens on the command line's portal only" \
	bash -c "[ -d '$W/cfs/target/iscsi/$PREFIX:$VOL2/tpgt_1/np/127.0.0.1:3261' ] && [ ! -e '$W/cfs/target/iscsi/$PREFIX:$VOL2/tpgt_1/np/127.0.0.1:3260' ]"
check "a setting the command line does not give is the file's (iqn-prefix)" [ "$(kv target_iqn <<<"$CI")" = "$PREFIX:$VOL2" ]
if command -v setpriv >/dev/null; then
	chmod 0666 "$SOCK" # the socket's mode aside: the agent's own check decides
	expect_fail 1 "--allow-uid replaces the file's list: uid 65534 (the file's) is refused" "uid 65534 is not allowed" \
		setpriv --reuid 65534 --regid 0 --clear-groups "$CTL" -s "$SOCK" volume-list
	check "... and uid 65532 (the command line's) is served" \
		setpriv --reuid 65532 --regid 0 --clear-groups "$CTL" -s "$SOCK" volume-list
else
	not_ok "setpriv (util-linux) is missing: the list override is not tested"
fi
agent_stop

# --- a bad file: refused at once (exit 2), named with its line and key; nothing made, nothing changed
GOOD=("${BASE[@]}" "portal = 127.0.0.1:3260" "iqn-prefix = $PREFIX" "no-dm = true")
conf "${GOOD[@]}"
from_file
SHOW=$(ctl volume-show "$VOL2" --secrets)
agent_stop
TREE=$(tree_dump)
# bad_conf DESC PATTERN [attachd options...]: attachd --config $CONF exits 2 with PATTERN on stderr, and
# neither a socket nor a database was made (a fresh --db) nor the tree changed
bad_conf() {
	local desc=$1 pat=$2; shift 2
	rm -rf "$W/db.new"
	local err rc
	err=$(ATTACHD_SIM_DM_DIR=$W/dm "$AGENT_BIN" --config "$CONF" --db "$W/db.new" "$@" 2>&1 >/dev/null); rc=$?
	if [ "$rc" = 2 ] && grep -qF -- "$pat" <<<"$err" && [ ! -e "$W/db.new" ] && [ ! -e "$SOCK" ] &&
		[ "$(tree_dump)" = "$TREE" ]; then ok "$desc"; else not_ok "$desc (exit $rc: $err)"; fi
}
conf "${BASE[@]}" "portal = 127.0.0.1:3260" "portl = 127.0.0.1:3261"
bad_conf "an unknown key: refused, file, line and key named" "attachd: $CONF:7: unknown key \"portl\""
conf "${BASE[@]}" "portal = 127.0.0.1"
bad_conf "a bad value: refused with the option's own reason" \
	"attachd: $CONF:6: portal = 127.0.0.1: a portal needs a port: address:port"
conf "${BASE[@]}" "portal = 127.0.0.1:3260" "max-exports = 10" "max-exports = 20"
bad_conf "a key given twice: refused, both lines named" "attachd: $CONF:8: max-exports given twice (first on line 7)"
conf "${BASE[@]}" "portal = 127.0.0.1:3260" "no-dm = perhaps"
bad_conf "a flag that is neither true nor false: refused" "attachd: $CONF:7: no-dm = perhaps: true or false"
conf "${BASE[@]}" "portal = 127.0.0.1:3260" "request-timeout = 10s"
bad_conf "a bad file is refused even when the command line gives the same option well" \
	"attachd: $CONF:7: request-timeout = 10s: milliseconds, 1 to 3600000" --request-timeout 10000
chmod 0666 "$CONF"
bad_conf "a file others may write: refused" "configuration file $CONF can be written by others (mode 0666)"
rm -f "$CONF"
bad_conf "--config naming a missing file: refused" "attachd: configuration file $CONF: No such file or directory"
conf "${GOOD[@]}"
check "after all that, the agent starts again" from_file
check "... its records are as they were" [ "$(ctl volume-show "$VOL2" --secrets)" = "$SHOW" ]
agent_stop
check "... and so are the exports" [ "$(tree_dump)" = "$TREE" ]
# --- the default file: without --config attachd reads /etc/attachd.conf when it exists; attachd-sim reads
# $ATTACHD_SIM_CONFIG instead (tests/sim/sim_config.c), so that no test reads the machine's
conf "${GOOD[@]}" "log-level = debug"
export ATTACHD_SIM_CONFIG=$CONF
check "without --config the default file is read: the agent starts from it alone" start_with
check "... with its settings (log-level debug)" grep -q ' attachd debug: ' "$LOG"
agent_stop
ATTACHD_SIM_CONFIG=$W/none.conf
check "a missing default file is no error: the command line alone" start_with --socket "$SOCK" --db "$DB" \
	--configfs-root "$W/cfs" --no-kmod --foreground --portal 127.0.0.1:3260 --iqn-prefix "$PREFIX" --no-dm
agent_stop
unset ATTACHD_SIM_CONFIG
check "attachd --help lists --config" grep -q -- '--config FILE' <("$AGENT_BIN" --help)
check "attachd --help with a missing --config: help, no error" "$AGENT_BIN" --config "$W/none.conf" --help

[ "$T_FAIL" = 0 ] || tail -20 "$LOG" | diag
echo "1..$T_NUM"
[ "$T_FAIL" = 0 ]
