# 17 ipv6: IPv6 portals on the real kernel. attachd with two portals, [::1]:3260 and 127.0.0.1:3260
# (multipath): initialize-connection returns both in target_portals (the IPv6 one written [::1]:3260),
# LIO listens on both, open-iscsi logs in over [::1]:3260 with the returned CHAP credentials and moves
# data, and a second session over 127.0.0.1:3260 sees the same bytes. An attachd given a portal on an
# address the guest does not have ([2001:db8::9]:3260) refuses to start, naming it. A wildcard portal
# [::]:3260: initialize-connection without the connector's ip, or with an IPv4 one, is refused and
# leaves nothing in the kernel; with --ip ::1 it advertises [::1]:3260, and a login there works (and
# one to 127.0.0.1:3260: LIO's [::] is dual-stack). Both wildcards, [::]:3260 + 0.0.0.0:3260, which
# LIO cannot hold in one TPG: attachd refuses them at start, or the export fails and leaves nothing.
# ~7 s under TCG (four logins; attachd started four times, one of them refused).
V6=[::1]:3260
V4=127.0.0.1:3260
BAD=[2001:db8::9]:3260
cleanup_scenario() {
	[ -n "${TGT:-}" ] && iscsi_logout "$TGT"
	[ -n "${VOL:-}" ] && {
		actl terminate-connection "$VOL" --initiator "$VM_INI" --force
		actl unreserve "$VOL"
		actl volume-delete "$VOL"
	} >/dev/null 2>&1
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f /tmp/v17.img
}
# session_at IQN ADDR: the sysfs session of IQN whose connection goes to ADDR (::1, 127.0.0.1)
session_at() {
	local s c
	for s in /sys/class/iscsi_session/session*; do
		[ "$(cat "$s/targetname" 2>/dev/null)" = "$1" ] || continue
		for c in "$s"/device/connection*/iscsi_connection/connection*; do
			[ "$(cat "$c/persistent_address" 2>/dev/null)" = "$2" ] && echo "$s" && return 0
		done
	done
	return 1
}
# disk_of SESSION-DIR: its LUN 0's sdX, waiting up to 10 s
disk_of() {
	local n=100 b
	while [ $n -gt 0 ]; do
		for b in "$1"/device/target*/*:0/block/*; do
			[ -e "$b" ] && [ -b "/dev/${b##*/}" ] && echo "${b##*/}" && return 0
		done
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# listening PORT-HEX ADDR-HEX: a TCP listener (state 0A) in /proc/net/tcp6 or tcp
listening() { cat /proc/net/tcp6 /proc/net/tcp 2>/dev/null | awk -v a="$2:$1" '$2 == a && $4 == "0A" { f = 1 } END { exit !f }'; }
# listening_port PORT-HEX: any TCP listener on that port
listening_port() { cat /proc/net/tcp6 /proc/net/tcp 2>/dev/null | awk -v p=":$1" 'substr($2, length($2) - 4) == p && $4 == "0A" { f = 1 } END { exit !f }'; }
L6=00000000000000000000000001000000 # ::1 as /proc/net/tcp6 writes it
L6ANY=00000000000000000000000000000000
L4=0100007F                          # 127.0.0.1
# unexport: the volume reserved and exported to $VM_INI goes (terminate-connection, unreserve, delete)
unexport() { actl terminate-connection "$VOL" --initiator "$VM_INI" && actl unreserve "$VOL" && actl volume-delete "$VOL"; }

# ---- ::1 on lo ------------------------------------------------------------------------------------
[ "$(cat /proc/sys/net/ipv6/conf/lo/disable_ipv6 2>/dev/null)" = 1 ] && echo 0 >/proc/sys/net/ipv6/conf/lo/disable_ipv6
grep -q '^00000000000000000000000000000001 .* lo$' /proc/net/if_inet6 || {
	echo "::1 was not on lo: adding it"
	ip -6 addr add ::1/128 dev lo
}
check "::1 is on lo" grep -q '^00000000000000000000000000000001 .* lo$' /proc/net/if_inet6 || bail "no IPv6 loopback"

# ---- two portals: [::1]:3260 and 127.0.0.1:3260 ---------------------------------------------------
VM_PORTAL=$V6 attachd_start --portal $V4 >$VM_WORK/start 2>&1 ||
	{ VM_DIAG=$VM_WORK/start not_ok "attachd starts with portals $V6 and $V4"; bail "attachd did not start"; }
ok "attachd starts with portals $V6 and $V4"
LOOP=$(backing /tmp/v17.img 64)
VOL=$(actl volume-create --device "$LOOP" --name v17 2>$VM_WORK/err) && ATT=$(actl reserve "$VOL" 2>$VM_WORK/err) &&
	actl initialize-connection "$VOL" --initiator "$VM_INI" --host guest --ip ::1 >$VM_WORK/conn 2>$VM_WORK/err &&
	ok "volume-create, reserve, initialize-connection --ip ::1" ||
	{ VM_DIAG=$VM_WORK/err not_ok "volume-create, reserve, initialize-connection --ip ::1"; bail "no export"; }
cat $VM_WORK/conn
TGT=$(kv target_iqn $VM_WORK/conn)
U=$(kv auth_username $VM_WORK/conn) P=$(kv auth_password $VM_WORK/conn)
check_eq "target_portals: both portals, the IPv6 one in brackets" "$V6,$V4" "$(kv target_portals $VM_WORK/conn)"
check_eq "target_portal: the first one, $V6" "$V6" "$(kv target_portal $VM_WORK/conn)"
actl --json initialize-connection "$VOL" --initiator "$VM_INI" --host guest --ip ::1 >$VM_WORK/json 2>&1
check "--json (the retry): \"target_portals\": [\"$V6\", \"$V4\"], target_iqns and target_luns twice" \
	grep -qF "\"target_portals\": [\"$V6\", \"$V4\"]" $VM_WORK/json
grep -qF "\"target_iqns\": [\"$TGT\", \"$TGT\"]" $VM_WORK/json && grep -qF '"target_luns": [0, 0]' $VM_WORK/json ||
	VM_DIAG=$VM_WORK/json not_ok "--json: target_iqns and target_luns once per portal"
NP=$CFG/target/iscsi/$TGT/tpgt_1/np
check "configfs: the TPG has both portals (np/$V6, np/$V4)" test -d "$NP/$V6" -a -d "$NP/$V4"
listens_both() { listening 0CBC $L6 && listening 0CBC $L4; }
check "the kernel listens on [::1]:3260 and 127.0.0.1:3260 (/proc/net/tcp6, tcp)" listens_both

# ---- open-iscsi over IPv6 -------------------------------------------------------------------------
check "open-iscsi logs in over $V6 with the returned CHAP credentials" iscsi_login "$TGT" "$V6" "$U" "$P" ||
	bail "no login over IPv6"
S6=$(session_at "$TGT" ::1) && ok "the session's connection goes to ::1 (${S6##*/})" ||
	not_ok "the session's connection goes to ::1" "$(iscsiadm -m session 2>&1)"
grep -q 'Address ::1 ' "$CFG/target/iscsi/$TGT/tpgt_1/acls/$VM_INI/info" &&
	ok "the target sees the connection from ::1 (ACL info)" ||
	not_ok "the target sees the connection from ::1 (ACL info)" "$(cat "$CFG/target/iscsi/$TGT/tpgt_1/acls/$VM_INI/info" 2>&1)"
SD6=$(disk_of "$S6") || bail "no disk on the IPv6 session"
check "4 MiB O_DIRECT round trip over IPv6 (/dev/$SD6)" roundtrip /dev/$SD6
check "the same bytes on attachd's dm device" same_bytes /dev/mapper/attachd-$VOL

# ---- the second portal: a second session over IPv4 ------------------------------------------------
check "a second session over $V4 (the other portal of target_portals)" iscsi_login "$TGT" "$V4" "$U" "$P"
S4=$(session_at "$TGT" 127.0.0.1) && SD4=$(disk_of "$S4") && [ "$SD4" != "$SD6" ] &&
	ok "two sessions, two disks ($SD6 over ::1, $SD4 over 127.0.0.1)" ||
	{ not_ok "two sessions, two disks" "$(iscsiadm -m session 2>&1)"; SD4=; }
[ -n "$SD4" ] && check "the bytes written over IPv6 read back over IPv4" same_bytes /dev/$SD4
iscsiadm -m session >$VM_WORK/sessions 2>&1
sed 's/^/sessions: /' $VM_WORK/sessions

iscsi_logout "$TGT"
check_eq "both sessions logged out" "" "$(iscsiadm -m session 2>/dev/null)"
check "terminate-connection, unreserve, volume-delete" unexport
VOL= TGT=
check_clean "nothing of ours left"
check "attachd exits 0 on SIGTERM" attachd_stop
check_fails "nothing listens on port 3260 any more (the portals went with the export)" listening_port 0CBC

# ---- a portal on an address the guest does not have -----------------------------------------------
rm -f "$ATTACHD_SOCK"
timeout 20 attachd --socket "$ATTACHD_SOCK" --db "$ATTACHD_DB" --portal "$BAD" --foreground >$VM_WORK/bad 2>&1
rc=$?
cat $VM_WORK/bad
[ $rc != 0 ] && [ $rc != 124 ] && [ $rc != 143 ] && [ ! -e "$ATTACHD_SOCK" ] && ok "attachd --portal $BAD refuses to start (exit $rc, no socket)" ||
	VM_DIAG=$VM_WORK/bad not_ok "attachd --portal $BAD refuses to start" "exit $rc; socket: $(ls -l "$ATTACHD_SOCK" 2>&1)"
grep -F "$BAD" $VM_WORK/bad | grep -qi 'not assigned\|address' &&
	ok "... with a message naming the address: $(grep -F "$BAD" $VM_WORK/bad | head -n 1 | sed 's/^[^ ]* //')" ||
	VM_DIAG=$VM_WORK/bad not_ok "... with a message naming $BAD"

# ---- a wildcard portal [::]:3260 --------------------------------------------------------------------
VM_PORTAL=[::]:3260 attachd_start >$VM_WORK/start 2>&1 ||
	{ VM_DIAG=$VM_WORK/start not_ok "attachd starts with the wildcard portal [::]:3260"; bail "attachd did not start"; }
ok "attachd starts with the wildcard portal [::]:3260"
VOL=$(actl volume-create --device "$LOOP" --name v17w 2>$VM_WORK/err) && ATT=$(actl reserve "$VOL" 2>$VM_WORK/err) ||
	{ VM_DIAG=$VM_WORK/err not_ok "volume-create, reserve"; bail "no volume"; }
kernel_state >$VM_WORK/k0
actl initialize-connection "$VOL" --initiator "$VM_INI" --host guest >$VM_WORK/out 2>&1 && rc=0 || rc=$?
cat $VM_WORK/out
[ $rc = 1 ] && grep -q "connector's ip" $VM_WORK/out && ok "without --ip: refused (exit 1), the connector's ip is needed" ||
	VM_DIAG=$VM_WORK/out not_ok "without --ip: refused with exit 1, naming the connector's ip" "exit $rc"
kernel_state >$VM_WORK/k1
same_state "the refused call changed nothing in the kernel (configfs, dm)" $VM_WORK/k0 $VM_WORK/k1
actl reconcile --dry-run >$VM_WORK/rec 2>&1
grep -q '^nothing to do' $VM_WORK/rec && ok "reconcile --dry-run: nothing to do" ||
	VM_DIAG=$VM_WORK/rec not_ok "reconcile --dry-run finds nothing to do"
# LIO's [::] listener is dual-stack: an IPv4 connector is told the IPv4 address its route uses
actl initialize-connection "$VOL" --initiator "$VM_INI" --host guest --ip 127.0.0.1 >$VM_WORK/out 2>&1 ||
	VM_DIAG=$VM_WORK/out not_ok "--ip 127.0.0.1 (IPv4) with an IPv6 wildcard"
check_eq "--ip 127.0.0.1 with the [::] wildcard: target_portal is 127.0.0.1:3260" "$V4" "$(kv target_portal $VM_WORK/out)"
actl initialize-connection "$VOL" --initiator "$VM_INI" --host guest --ip ::1 >$VM_WORK/conn 2>$VM_WORK/err ||
	{ VM_DIAG=$VM_WORK/err not_ok "initialize-connection --ip ::1"; bail "no export"; }
TGT=$(kv target_iqn $VM_WORK/conn)
U=$(kv auth_username $VM_WORK/conn) P=$(kv auth_password $VM_WORK/conn)
check_eq "--ip ::1: target_portal is [::1]:3260" "[::1]:3260" "$(kv target_portal $VM_WORK/conn)"
check_eq "... and target_portals [::1]:3260 alone" "[::1]:3260" "$(kv target_portals $VM_WORK/conn)"
check "configfs: the TPG's portal is the wildcard np/[::]:3260" test -d "$CFG/target/iscsi/$TGT/tpgt_1/np/[::]:3260"
check "the kernel listens on [::]:3260" listening 0CBC $L6ANY
check "open-iscsi logs in over the advertised [::1]:3260" iscsi_login "$TGT" "[::1]:3260" "$U" "$P"
S6=$(session_at "$TGT" ::1) && SD=$(disk_of "$S6") && check "4 MiB round trip over it (/dev/$SD)" roundtrip /dev/$SD ||
	not_ok "a disk on the session over [::1]:3260"
iscsi_logout "$TGT"
# LIO sets no IPV6_V6ONLY: its [::] socket takes IPv4 too (which is why --ip 127.0.0.1 was served above)
check "the kernel's [::]:3260 is dual-stack: an IPv4 login to 127.0.0.1:3260 works too" iscsi_login "$TGT" "$V4" "$U" "$P"
iscsi_logout "$TGT"
check "terminate-connection, unreserve, volume-delete" unexport
VOL= TGT=
check_clean "nothing of ours left"
check "attachd exits 0 on SIGTERM" attachd_stop

# ---- both wildcards, [::]:3260 and 0.0.0.0:3260 -----------------------------------------------------
# LIO cannot put both in one TPG: iscsit_check_np_match compares a new IPv4 portal's address with an
# IPv6 one's bytes at the IPv4 offset (sin6_flowinfo, 0), so 0.0.0.0 "already exists" (and a specific
# IPv4 address after [::] fails to bind: the [::] socket holds the port for IPv4). Either attachd
# refuses the pair at start, or the export fails and leaves nothing behind; the console says which.
both=$VM_WORK/both
if VM_PORTAL=[::]:3260 attachd_start --portal 0.0.0.0:3260 >$both 2>&1; then
	VOL=$(actl volume-create --device "$LOOP" --name v17b 2>$VM_WORK/err) && ATT=$(actl reserve "$VOL" 2>$VM_WORK/err) ||
		{ VM_DIAG=$VM_WORK/err not_ok "volume-create, reserve"; bail "no volume"; }
	kernel_state >$VM_WORK/k0
	if actl initialize-connection "$VOL" --initiator "$VM_INI" --host guest --ip ::1 >$both 2>&1; then
		echo "[::]:3260 + 0.0.0.0:3260: the export was built: $(kv target_portals $both)"
		check "[::]:3260 + 0.0.0.0:3260: the export works (terminate-connection, unreserve, volume-delete)" unexport
	else
		cat $both
		kernel_state >$VM_WORK/k1
		actl reconcile --dry-run >$VM_WORK/rec 2>&1
		cmp -s $VM_WORK/k0 $VM_WORK/k1 && grep -q '^nothing to do' $VM_WORK/rec &&
			ok "[::]:3260 + 0.0.0.0:3260: attachd starts, initialize-connection fails and leaves nothing in the kernel" ||
			VM_DIAG=$VM_WORK/rec not_ok "[::]:3260 + 0.0.0.0:3260: the failed initialize-connection leaves nothing" \
				"$(diff $VM_WORK/k0 $VM_WORK/k1)"
		actl unreserve "$VOL" >/dev/null && actl volume-delete "$VOL" >/dev/null
	fi
	VOL=
	attachd_stop
else
	cat $both
	ok "[::]:3260 + 0.0.0.0:3260: attachd refuses to start"
fi
check_clean "nothing of ours left"
cleanup_scenario
