#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_cli.sh: a real attachd process (linked with the configfs simulator) on a temporary socket,
# database and tree, driven through attachctl in exactly the documented forms: the full cycle, retries,
# multiattach, wrong-state and usage errors, volume-delete refusal, restart with records intact,
# caller policy, concurrent clients. TAP on stdout.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

INI_A=iqn.2004-10.org.example:compute-a
INI_B=iqn.2004-10.org.example:compute-b
INST=6f1c9d7e-1111-4222-8333-944455556666

world_new
trap 'world_free' EXIT

check "agent starts and creates its socket" agent_start
check "socket is 0660" [ "$(stat -c %a "$SOCK")" = 660 ]
check "database directory is 0700" [ "$(stat -c %a "$DB")" = 700 ]
check "database files are 0600" [ "$(stat -c %a "$DB/data.mdb")" = 600 ]

# --- the full cycle
VOL=$(ctl volume-create --device "$W/disk0" --name vol0)
check "volume-create prints a volume id" grep -qE '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$' <<<"$VOL"
J=$(ctl --json volume-create --device "$W/disk1" --multiattach)
VOLM=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["volume_id"])' "$J" 2>/dev/null)
check "volume-create --json gives {\"volume_id\": ...}" [ -n "$VOLM" ]
ATT=$(ctl reserve "$VOL")
check "reserve prints the attachment id" grep -qE '^[0-9a-f-]{36}$' <<<"$ATT"
check "volume-show says attaching" grep -q '^state: attaching' <(ctl volume-show "$VOL")
CI=$(ctl initialize-connection "$VOL" --initiator "$INI_A" --host compute-a --ip 192.0.2.5)
check "initialize-connection succeeds" [ -n "$CI" ]
USER=$(kv auth_username <<<"$CI"); PASS=$(kv auth_password <<<"$CI"); IQN=$(kv target_iqn <<<"$CI")
check "connection info: CHAP, LUN 0, portal ip:port, target <prefix>:<volume>" \
	[ "$(kv auth_method <<<"$CI")" = CHAP -a "$(kv target_lun <<<"$CI")" = 0 \
	  -a "$(kv target_portal <<<"$CI")" = 127.0.0.1:3260 -a "$IQN" = "iqn.2026-11.org.attachd:$VOL" ]
check "CHAP user and secret are 16 characters" [ ${#USER} = 16 -a ${#PASS} = 16 ]
JSON=$(ctl --json initialize-connection "$VOL" --initiator "$INI_A")
python3 - "$JSON" "$USER" "$PASS" "$VOL" <<'EOF' 2>&1 | diag
import json, sys
ci = json.loads(sys.argv[1]); d = ci["data"]
assert ci["driver_volume_type"] == "iscsi"
assert d["target_lun"] == 0 and isinstance(d["target_lun"], int)
assert d["auth_method"] == "CHAP" and d["auth_username"] == sys.argv[2] and d["auth_password"] == sys.argv[3]
assert d["target_portal"] == "127.0.0.1:3260" and d["target_portals"] == ["127.0.0.1:3260"]
assert d["target_iqns"] == [d["target_iqn"]] and d["target_luns"] == [0]
assert d["target_discovered"] is False and d["encrypted"] is False and d["access_mode"] == "rw"
assert d["volume_id"] == sys.argv[4]
print("json ok")
EOF
check "--json connection info is what os-brick needs, and a retry returns the same credentials" \
	python3 -c 'import json,sys; d=json.loads(sys.argv[1])["data"]; sys.exit(d["auth_password"]!=sys.argv[2])' "$JSON" "$PASS"
ACL=target/iscsi/$IQN/tpgt_1/acls/$INI_A
check "the ACL exists in configfs with the secret, no newline" [ "$(cat "$W/cfs/$ACL/auth/password")" = "$PASS" ]
check "discovery is hardened (demo_mode_discovery=0)" \
	[ "$(cat "$W/cfs/target/iscsi/$IQN/tpgt_1/attrib/demo_mode_discovery")" = 0 ]
A2=$(ctl attach "$VOL" --instance "$INST" --host compute-a --mountpoint /dev/vdb --mode rw)
check "attach prints the reserved attachment's id" [ "$A2" = "$ATT" ]
check "volume is in-use" grep -q '^state: in-use' <(ctl volume-show "$VOL")
check "volume-show hides the secret" bash -c "! ctl_out=\$('$CTL' -s '$SOCK' volume-show '$VOL'); ! grep -q '$PASS' <<<\"\$ctl_out\""
check "volume-show --secrets shows it" grep -q "$PASS" <(ctl volume-show "$VOL" --secrets)
check "volume-list lists both volumes" [ "$(ctl volume-list | grep -cE "$VOL|$VOLM")" = 2 ]
expect_fail 1 "volume-delete refused while attached" "in-use" ctl volume-delete "$VOL"
expect_fail 1 "detach refused while in-use" "is in-use; detach expects detaching" ctl detach "$VOL"
check "begin-detaching" ctl begin-detaching "$VOL"
check "roll-detaching" ctl roll-detaching "$VOL"
check "begin-detaching again" ctl begin-detaching "$VOL"
check "terminate-connection" ctl terminate-connection "$VOL" --initiator "$INI_A"
check "the export is gone from configfs" bash -c "[ ! -e '$W/cfs/target/iscsi/$IQN' ] && [ ! -e '$W/cfs/target/core/iblock_1000' ]"
check "detach" ctl detach "$VOL"
check "volume is available" grep -q '^state: available' <(ctl volume-show "$VOL")
expect_fail 1 "detach twice: the retry is told so" "was detached already \\(a retry\\?\\)" ctl detach "$VOL"
check "volume-delete" ctl volume-delete "$VOL"
expect_fail 1 "the deleted volume is gone" "no volume" ctl volume-show "$VOL"

# --- multiattach with two initiators
VOLM_IQN=iqn.2026-11.org.attachd:$VOLM
ctl reserve "$VOLM" >/dev/null && ctl initialize-connection "$VOLM" --initiator "$INI_A" >/dev/null &&
	ctl attach "$VOLM" --instance "$INST" --host a --mountpoint /dev/vdb >/dev/null
check "multiattach: second reserve while in-use" ctl reserve "$VOLM"
CB=$(ctl initialize-connection "$VOLM" --initiator "$INI_B")
check "multiattach: second initiator gets its own credentials" [ "$(kv auth_password <<<"$CB")" != "$PASS" ]
ATT_B=$(ctl attach "$VOLM" --instance 7f1c9d7e-1111-4222-8333-944455556666 --host b --mountpoint /dev/vdc)
check "multiattach: both ACLs exist" bash -c "[ -d '$W/cfs/target/iscsi/$VOLM_IQN/tpgt_1/acls/$INI_A' ] && [ -d '$W/cfs/target/iscsi/$VOLM_IQN/tpgt_1/acls/$INI_B' ]"
ctl begin-detaching "$VOLM"
check "multiattach: terminate one initiator" ctl terminate-connection "$VOLM" --initiator "$INI_A"
check "multiattach: the other keeps access" bash -c "[ ! -e '$W/cfs/target/iscsi/$VOLM_IQN/tpgt_1/acls/$INI_A' ] && [ -L '$W/cfs/target/iscsi/$VOLM_IQN/tpgt_1/acls/$INI_B/lun_0/attachd' ]"
expect_fail 1 "detach with two attachments wants an id" "name one" ctl detach "$VOLM"
check "detach --attachment" ctl detach "$VOLM" --attachment "$ATT_B"
check "volume back in-use with one attachment" grep -q '^state: in-use' <(ctl volume-show "$VOLM")

# --- usage errors (exit 2) and agent errors (exit 1)
expect_fail 2 "unknown subcommand is a usage error" "try attachctl --help" ctl frobnicate
expect_fail 2 "missing --initiator is a usage error" "initiator" ctl initialize-connection "$VOLM"
expect_fail 2 "bad --mode is a usage error" "mode" ctl attach "$VOLM" --instance "$INST" --host h --mountpoint m --mode rx
expect_fail 1 "invalid IQN refused by the agent" "initiator" ctl initialize-connection "$VOLM" --initiator "iqn.bad name"
expect_fail 1 "unknown volume" "no volume" ctl reserve 00000000-0000-4000-8000-000000000000
expect_fail 1 "malformed volume id" "not a UUID" ctl reserve 0000000g-0000-4000-8000-000000000000
expect_fail 1 "not a block device" "not a block device" ctl volume-create --device "$LOG"
expect_fail 1 "device already a volume" "already volume" ctl volume-create --device "$W/disk1"
check "--help lists every subcommand" bash -c "out=\$('$CTL' --help); for c in volume-create reserve unreserve initialize-connection attach begin-detaching roll-detaching terminate-connection detach volume-list volume-show volume-delete; do grep -q -- \"\$c\" <<<\"\$out\" || exit 1; done"

# --- dry run
BEFORE=$(tree_dump)
PLAN=$(ctl --dry-run terminate-connection "$VOLM" --force)
check "dry-run prints the plan" grep -q "remove target" <<<"$PLAN"
check "dry-run changes nothing" [ "$(tree_dump)" = "$BEFORE" ]

# --- concurrent clients
VOL2=$(ctl volume-create --device "$W/disk2")
for i in $(seq 20); do ctl volume-show "$VOL2" >/dev/null & done
pids=$(jobs -p | grep -v "^$AGENT_PID\$")
fails=0; for p in $pids; do wait "$p" || fails=$((fails + 1)); done
check "20 concurrent clients served" [ "$fails" = 0 ]

# --- restart: records intact, exports untouched, clean shutdown
SHOW_BEFORE=$(ctl volume-show "$VOLM" --secrets)
TREE_BEFORE=$(tree_dump)
check "SIGTERM: clean exit" agent_stop
check "socket removed on exit" [ ! -e "$SOCK" ]
check "agent restarts" agent_start
SHOW_AFTER=$(ctl volume-show "$VOLM" --secrets)
check "records intact after restart" [ "$SHOW_AFTER" = "$SHOW_BEFORE" ]
[ "$SHOW_AFTER" = "$SHOW_BEFORE" ] || diff <(echo "$SHOW_BEFORE") <(echo "$SHOW_AFTER") | diag
check "exports untouched by restart" [ "$(tree_dump)" = "$TREE_BEFORE" ]
mkdir "$W/cfs-db" && "$SIMSETUP" "$W/cfs-db"
"$AGENT_BIN" --socket "$W/second.sock" --db "$DB" --configfs-root "$W/cfs-db" --portal 127.0.0.1:3260 \
	--no-dm --no-kmod --foreground >"$W/second.log" 2>&1
check "a second agent on the same database is refused" bash -c "grep -q 'another attachd is using it' '$W/second.log'"
"$AGENT_BIN" --socket "$SOCK" --db "$W/db2" --configfs-root "$W/cfs" --portal 127.0.0.1:3260 \
	--no-dm --no-kmod --foreground >"$W/third.log" 2>&1
check "a second agent on the same kernel is refused" bash -c "grep -q 'another attachd (pid $AGENT_PID) manages' '$W/third.log'"
check "... before it creates its database" [ ! -e "$W/db2" ]
check "... and the first agent's exports are untouched" [ "$(tree_dump)" = "$TREE_BEFORE" ]
"$AGENT_BIN" --socket "$SOCK" --db "$W/db3" --configfs-root "$W/cfs" --portal 127.0.0.1:3260 \
	--iqn-prefix iqn.2026-11.org.example.other --no-dm --no-kmod --foreground >"$W/fourth.log" 2>&1
check "... also with another IQN prefix" bash -c "grep -q 'another attachd (pid $AGENT_PID) manages' '$W/fourth.log'"
check "... and leaves the first agent's exports alone" [ "$(tree_dump)" = "$TREE_BEFORE" ]
mkdir "$W/cfs2" && "$SIMSETUP" "$W/cfs2"
"$AGENT_BIN" --socket "$SOCK" --db "$W/db5" --configfs-root "$W/cfs2" --portal 127.0.0.1:3260 \
	--no-dm --no-kmod --foreground >"$W/fifth.log" 2>&1
check "an agent on another kernel but a live socket is refused" bash -c "grep -q 'another agent is serving' '$W/fifth.log'"


# --- the export's dm device, and volume-extend while exported
DMT=$(head -1 "$W/dm/attachd-$VOLM.table" 2>/dev/null)
check "the export sits on its own dm device over the volume (by number)" [ "$DMT" = "linear 7:221 $((1 << 21))" ]
check "the storage object opens the dm device" \
	grep -qx "$W/dm/attachd-$VOLM" "$W/cfs/target/core/iblock_1000/$VOLM/udev_path"
echo $((3 << 30)) > "$W/dm/size-7:221"
check "volume-extend prints the new size" [ "$(ctl volume-extend "$VOLM")" = $((3 << 30)) ]
check "volume-show has the new size" grep -q "^size: $((3 << 30))" <(ctl volume-show "$VOLM")
echo $((1 << 30)) > "$W/dm/size-7:221"
expect_fail 1 "volume-extend refuses a device that shrank" "shrank" ctl volume-extend "$VOLM"
check "terminate-connection --force" ctl terminate-connection "$VOLM" --force
check "--force removed the dm device" [ ! -e "$W/dm/attachd-$VOLM.table" ]

# --- portals: a non-local address is refused at start; a wildcard advertises the route's address
agent_stop
PORTALS="--portal 203.0.113.77:3260" agent_start
check "a portal on a non-local address stops the agent" bash -c "[ ! -S '$SOCK' ] && grep -q '203.0.113.77:3260: address is not assigned' '$LOG'"
PORTALS="--portal 0.0.0.0:3260" agent_start --no-dm
ctl reserve "$VOL2" >/dev/null
CW=$(ctl initialize-connection "$VOL2" --initiator "$INI_A" --ip 127.0.0.1)
check "a wildcard portal is advertised as the address toward the connector" \
	[ "$(kv target_portal <<<"$CW")" = 127.0.0.1:3260 ]
check "the wildcard portal is what LIO listens on" [ -d "$W/cfs/target/iscsi/iqn.2026-11.org.attachd:$VOL2/tpgt_1/np/0.0.0.0:3260" ]
expect_fail 1 "a wildcard portal needs the connector's ip" "connector's ip" \
	ctl initialize-connection "$VOL2" --initiator "$INI_A"
agent_stop
PORTALS="--portal [::]:3260" agent_start --no-dm
CW6=$(ctl initialize-connection "$VOL2" --initiator "$INI_A" --ip 127.0.0.1)
check "a [::] wildcard serves an IPv4 connector too (as the kernel's listener does)" \
	[ "$(kv target_portal <<<"$CW6")" = 127.0.0.1:3260 ]
CW6=$(ctl initialize-connection "$VOL2" --initiator "$INI_A" --ip ::1)
check "... and an IPv6 one" [ "$(kv target_portal <<<"$CW6")" = "[::1]:3260" ]
check "--no-dm: the storage object opens the volume's device" \
	grep -qx "$W/disk2" "$W/cfs/target/core/iblock_1000/$VOL2/udev_path"

# --- caller policy: SO_PEERCRED, not the socket's mode, decides
if command -v setpriv >/dev/null; then
	expect_fail 1 "uid 65534 refused by the agent" "uid 65534 is not allowed" \
		setpriv --reuid 65534 --regid 0 --clear-groups "$CTL" -s "$SOCK" volume-list
	agent_stop
	agent_start --allow-uid 65534
	check "uid 65534 allowed once listed" setpriv --reuid 65534 --regid 0 --clear-groups "$CTL" -s "$SOCK" volume-list
else
	not_ok "setpriv (util-linux) is missing: caller policy not tested"
fi

# --- bad options
expect_fail 2 "attachd without --portal is a usage error" "portal" "$AGENT_BIN" --socket "$W/x.sock" --db "$W/x"
expect_fail 2 "attachd with a bad portal is a usage error" "port" "$AGENT_BIN" --socket "$W/x.sock" --db "$W/x" --portal 10.0.0.1
expect_fail 2 "a wildcard next to another portal on its port is refused at start" "cannot share port 3260" \
	"$AGENT_BIN" --socket "$W/x.sock" --db "$W/x" --portal 127.0.0.1:3260 --portal "[::]:3260"
check "no secret in the agent's log" bash -c "! grep -q -- '$PASS' '$LOG' && ! grep -q -- '$(kv auth_password <<<"$CB")' '$LOG'"

[ "$T_FAIL" = 0 ] || grep -E "reconcile|failed" "$LOG" | tail -30 | diag
echo "1..$T_NUM"
[ "$T_FAIL" = 0 ]
