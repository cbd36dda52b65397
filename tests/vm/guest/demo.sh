#!/bin/sh
# /vm/demo.sh: the narrated demo of `make demo` (tests/vm/demo.sh), run by /init instead of the scenario
# runner when the kernel command line has vm.demo=1. Plain text for a person on the console, between
# the lines "ATTACHD-DEMO begin" and "ATTACHD-DEMO end rc=N" (the host prints what is between them).
# Every command is shown as it would be typed, with its output, indented. Exit status: 0 when every
# step did what it should.
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
. /vm/lib.sh
export ATTACHD_SOCKET=/run/attachd.sock # attachctl's default socket: the commands below need no -s
DB=/var/lib/attachd
LOG=/run/attachd.log
OUT=/run/demo.out
T0=$(vm_uptime)

. /vm/demo-lib.sh
# ours: what the kernel holds of attachd's, in a few lines (targets with their ACLs, LUNs, portals; dm)
ours() {
	local t
	for t in $CFG/target/iscsi/$VM_PREFIX:*; do
		[ -d "$t" ] || continue
		say "    target ${t##*/}"
		(cd "$t/tpgt_1" && find acls lun np -mindepth 1 -maxdepth 1 -type d) | sed 's/^/      tpgt_1\//'
		say "      tpgt_1/enable = $(cat "$t/tpgt_1/enable")"
	done
	for t in $CFG/target/core/*/*/udev_path; do
		[ -f "$t" ] && say "    storage object ${t#$CFG/target/} = $(cat "$t")"
	done
	dmsetup table 2>/dev/null | grep '^attachd-' | sed 's/^/    dm /'
	return 0
}

echo # the firmware's last line has no newline
echo "ATTACHD-DEMO begin"
say "attachd on Debian's $(uname -r) kernel, in a throwaway VM. attachd exports block volumes over iSCSI"
say "for Cinder's attach/detach calls, writing LIO configfs and device-mapper itself."

step "1. Start attachd. Nothing of LIO is loaded yet; attachd loads its modules and mounts configfs."
run_sh "grep -c -E '^(target_core_mod|iscsi_target_mod|dm_mod) ' /proc/modules || true"
printf '  $ %s\n' "attachd --socket $ATTACHD_SOCKET --db $DB --portal $VM_PORTAL &"
mkdir -p -m 0700 $DB
attachd --socket $ATTACHD_SOCKET --db $DB --portal $VM_PORTAL --foreground >$LOG 2>&1 &
APID=$!
wait_for 10 test -S $ATTACHD_SOCKET || fail "attachd did not open its socket"
sed 's/^[^ ]* attachd /    /' $LOG
run_sh "grep -E '^(target_core_mod|iscsi_target_mod|dm_mod) ' /proc/modules | cut -d ' ' -f 1; grep configfs /proc/mounts"

step "2. A volume: a 64 MiB file on a loop device stands in for an LVM volume or a disk."
run truncate -s 64M /tmp/demo.img
run losetup -f /tmp/demo.img
LOOP=$(losetup -a | grep /tmp/demo.img | cut -d: -f1)
say "  ($LOOP)"
run attachctl volume-create --device "$LOOP" --name demo
VOL=$(cat $OUT)

step "3. reserve: Cinder starts attaching the volume; attachd records an attachment."
run attachctl reserve "$VOL"
ATT=$(cat $OUT)

step "4. initialize-connection: export the volume to this host's initiator. attachd builds the export"
say "   (a dm device, the LIO target, LUN, an ACL with CHAP credentials of its own) and returns the"
say "   connection info, which Nova hands to os-brick unchanged:"
printf '  $ %s\n' "attachctl --json initialize-connection $VOL --initiator $VM_INI --host demo --ip 127.0.0.1"
attachctl --json initialize-connection "$VOL" --initiator "$VM_INI" --host demo --ip 127.0.0.1 >/run/conn.json 2>$OUT ||
	{ sed 's/^/    /' $OUT; fail "initialize-connection failed"; }
json_pp </run/conn.json | sed 's/^/    /'
field() { sed -n "s/.*\"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\}[,}].*/\1/p" /run/conn.json; }
TGT=$(field target_iqn) PORTAL=$(field target_portal) CUSER=$(field auth_username) CPASS=$(field auth_password)
[ -n "$TGT" ] && [ -n "$CUSER" ] && [ -n "$CPASS" ] || fail "no target or CHAP credentials in the connection info"
say "   What the kernel now holds:"
ours

step "5. attach: Nova reports the instance and mountpoint; the volume is in-use."
run attachctl attach "$VOL" --instance "$(new_uuid)" --host demo --mountpoint /dev/vdb --attachment "$ATT"
run_sh "attachctl volume-show $VOL | grep -E '^(state|attachment|initiator)' || attachctl volume-show $VOL"

step "6. The initiator (open-iscsi) logs in with the returned CHAP credentials."
pidof iscsid >/dev/null || iscsid
run iscsiadm -m node -T "$TGT" -p "$PORTAL" -o new
run iscsiadm -m node -T "$TGT" -p "$PORTAL" -o update -n node.session.auth.authmethod -v CHAP
run iscsiadm -m node -T "$TGT" -p "$PORTAL" -o update -n node.session.auth.username -v "$CUSER"
run iscsiadm -m node -T "$TGT" -p "$PORTAL" -o update -n node.session.auth.password -v "$CPASS"
run iscsiadm -m node -T "$TGT" -p "$PORTAL" --login
SD=$(session_disk "$TGT") || fail "no disk appeared for the session"
say "   The session's disk is /dev/$SD ($(($(cat /sys/block/$SD/size) / 2048)) MiB):"
run iscsiadm -m session

step "7. Data through the target: write 4 MiB to /dev/$SD, read it back, compare."
run dd if=/dev/urandom of=/tmp/data bs=1M count=4
run dd if=/tmp/data of=/dev/$SD bs=1M oflag=direct
run dd if=/dev/$SD of=/tmp/back bs=1M count=4 iflag=direct
run_sh "sha256sum /tmp/data /tmp/back; cmp /tmp/data /tmp/back && echo identical"
say "   ...and the same bytes are on the volume's own device:"
run_sh "dd if=$LOOP bs=1M count=4 iflag=direct 2>/dev/null | sha256sum"

step "8. Detach: begin-detaching, then terminate-connection removes this initiator's access: its session drops."
run attachctl begin-detaching "$VOL"
run attachctl terminate-connection "$VOL" --initiator "$VM_INI"
wait_for 15 sh -c "[ \"\$(. /vm/lib.sh; session_state $TGT)\" != LOGGED_IN ]" ||
	fail "the session is still logged in"
say "   The initiator's session dropped: open-iscsi reports it $(session_state "$TGT"), no longer LOGGED_IN."
say "   It was the last ACL, so the export went with it: the target and its portal are gone."
run_sh "ls $CFG/target/iscsi"
say "   The compute host (os-brick) logs out; Cinder then detaches:"
run iscsiadm -m node -T "$TGT" -p "$PORTAL" --logout
iscsiadm -m node -T "$TGT" -o delete >/dev/null 2>&1
run attachctl detach "$VOL" --attachment "$ATT"

step "9. Teardown: delete the volume. Nothing of attachd's is left in configfs or device-mapper."
run attachctl volume-delete "$VOL"
run attachctl volume-list
run_sh "ls $CFG/target/iscsi; ls $CFG/target/core"
run_sh "dmsetup ls"
left=$(ours)
[ -z "$left" ] || { printf '%s\n' "$left"; fail "something of attachd's is left in the kernel"; }
printf '  $ %s\n' "kill -TERM $APID   # attachd stops; exports would stay (none left here)"
kill -TERM $APID && wait $APID || fail "attachd did not exit 0 on SIGTERM"
losetup -d "$LOOP"

printf '\nDone: every step as expected, %s s in the VM.\n' "$(awk -v a="$T0" -v b="$(vm_uptime)" 'BEGIN { printf "%.1f", b - a }')"
echo "ATTACHD-DEMO end rc=0"
exit 0
