# 19 multipath: one volume over two portals on two local addresses, 127.0.0.1:3260 and 127.0.0.2:3260
# (the second added to lo: attachd refuses a portal on an address no interface holds, even in 127/8).
# The connection info lists both portals (target_portals, target_iqns, target_luns, in order); the
# TPG holds both np/ entries; open-iscsi logs in over each (two sessions of one initiator, one node
# record per portal); both disks show the same identity (sysfs wwid, VPD pages 0x80 and 0x83: what
# multipath groups by); bytes written over one path read back over the other; dm-multipath (the
# multipath tool, no multipathd; udev's database entries written by the test) assembles one map from
# the two disks, a 4 MiB round trip goes through it, and it keeps working when one path's session is
# logged out; a session logged out leaves I/O working on the other; terminate-connection drops both
# sessions and a re-login over either portal is refused. os-brick with use_multipath=True: 19-multipath-os-brick.
# ~20 s under TCG (load ~0; 95 s with both cores busy): the refused logins wait for login_timeout (5 s,
# both at once), the read on the dropped sessions for replacement_timeout (5 s).
P1=127.0.0.1:3260
P2=127.0.0.2:3260
cleanup_scenario() {
	for m in $(dmsetup ls --target multipath 2>/dev/null | awk '$1 != "No" { print $1 }'); do
		dmsetup remove --retry "$m" >/dev/null 2>&1
	done
	[ -n "${TGT:-}" ] && iscsi_logout "$TGT"
	[ -n "${VOL:-}" ] && {
		actl terminate-connection "$VOL" --initiator "$VM_INI" --force
		actl unreserve "$VOL"
		actl volume-delete "$VOL"
	} >/dev/null 2>&1
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f /tmp/v19.img /etc/multipath.conf
	rm -rf /run/udev /etc/multipath
	ip addr del 127.0.0.2/8 dev lo 2>/dev/null
}
# path_disk ADDR: the sdX of LUN 0 on $TGT's session through ADDR (127.0.0.1 or 127.0.0.2)
path_disk() { local s; s=$(session_via "$TGT" "$1") && disk_of_session "$s"; }
# state_via ADDR: the session state of $TGT's session through ADDR, or "none"
state_via() { local s; s=$(session_via "$TGT" "$1") && cat "$s/state" || echo none; }
# logout_via PORTAL: log out of the session over PORTAL only (its node record stays)
logout_via() { iscsiadm -m node -T "$TGT" -p "$1" --logout; }
# listening ADDR-HEX [PORT-HEX]: a TCP listener there (/proc/net/tcp; port 3260 by default)
listening() { awk -v a="$1:${2:-0CBC}" '$2 == a && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp; }
listens_both() { listening 0100007F && listening 0200007F; }
# vpd DISK PAGE: the VPD page as sysfs gives it, in hex
vpd() { od -An -tx1 "/sys/block/$1/device/vpd_pg$2" | tr -d ' \n'; }
# not_logged_in: neither session is LOGGED_IN (FAILED, FREE or gone)
not_logged_in() { [ "$(state_via 127.0.0.1)" != LOGGED_IN ] && [ "$(state_via 127.0.0.2)" != LOGGED_IN ]; }

# ---- dm-multipath helpers ----------------------------------------------------------------------------
mp_map() { dmsetup ls --target multipath 2>/dev/null | awk '$1 != "No" { print $1; exit }'; }
devno() { cat "/sys/block/$1/dev"; }
# same_both OFFSET-MiB: both disks hold $VM_WORK/pat there
same_both() { same_bytes /dev/$SD1 "$1" && same_bytes /dev/$SD2 "$1"; }
# one_failed MAP: the status shows one active (A) and one failed (F) path
one_failed() { local st; st=$(dmsetup status "$1") && echo "$st" | grep -q ' A ' && echo "$st" | grep -q ' F '; }
unexport() { actl unreserve "$VOL" && actl volume-delete "$VOL"; }
# mp_has MAP DISK...: MAP's table names every DISK (by major:minor)
mp_has() {
	local t d
	t=$(dmsetup table "$1") || return 1
	shift
	for d in "$@"; do echo "$t" | grep -qw "$(devno "$d")" || return 1; done
}
# udev_db DISK...: the udev database entries udevd would write (the guest has no udevd): marked
# initialized ("I:", multipath enumerates only initialized devices: udev_enumerate_add_match_is_initialized),
# ID_SERIAL (multipath's uid_attribute: scsi_id's page-0x83 id, "3" = NAA, then the hex) and ID_WWN
# (multipath blacklists a disk with no property matching "(SCSI_IDENT_|ID_WWN)")
udev_db() {
	local d w
	mkdir -p /run/udev/data
	for d in "$@"; do
		w=$(cat "/sys/block/$d/device/wwid") && [ "${w#naa.}" != "$w" ] || return 1
		w=${w#naa.}
		printf 'I:%s\nE:ID_SERIAL=3%s\nE:ID_WWN=0x%s\nE:ID_WWN_WITH_EXTENSION=0x%s\n' \
			"$(awk '{ printf "%d", $1 * 1000000 }' /proc/uptime)" "$w" "$(echo "$w" | cut -c1-16)" "$w" \
			>"/run/udev/data/b$(devno "$d")" || return 1
	done
}

# ---- a second local address ------------------------------------------------------------------------
ip -4 addr show dev lo | grep -q 'inet 127.0.0.2/' && ip addr del 127.0.0.2/8 dev lo
rm -f "$ATTACHD_SOCK"
timeout 20 attachd --socket "$ATTACHD_SOCK" --db "$ATTACHD_DB" --portal "$P2" --foreground >$VM_WORK/bad 2>&1
rc=$?
cat $VM_WORK/bad
[ $rc = 1 ] && grep -qF "portal $P2: address is not assigned" $VM_WORK/bad &&
	ok "127.0.0.2 not on lo: attachd --portal $P2 refuses to start (exit 1), though 127/8 routes locally" ||
	VM_DIAG=$VM_WORK/bad not_ok "127.0.0.2 not on lo: attachd --portal $P2 refuses to start" "exit $rc"
# the kernel itself binds it: lo's 127.0.0.1/8 makes all of 127/8 local (busybox httpd, port 3261)
httpd -f -p 127.0.0.2:3261 -h /tmp >$VM_WORK/httpd 2>&1 &
hpid=$!
wait_for 5 listening 0200007F 0CBD && ok "the kernel binds 127.0.0.2 without it (a listener on 127.0.0.2:3261)" ||
	VM_DIAG=$VM_WORK/httpd not_ok "the kernel binds 127.0.0.2 without it (httpd -p 127.0.0.2:3261)"
kill $hpid 2>/dev/null
wait $hpid 2>/dev/null
check "ip addr add 127.0.0.2/8 dev lo" ip addr add 127.0.0.2/8 dev lo || bail "no second address"

# ---- two portals: the connection info ---------------------------------------------------------------
VM_PORTAL=$P1 attachd_start --portal $P2 >$VM_WORK/start 2>&1 ||
	{ VM_DIAG=$VM_WORK/start not_ok "attachd starts with portals $P1 and $P2"; bail "attachd did not start"; }
ok "attachd starts with portals $P1 and $P2"
LOOP=$(backing /tmp/v19.img 64)
VOL=$(actl volume-create --device "$LOOP" --name v19 2>$VM_WORK/err) && ATT=$(actl reserve "$VOL" 2>$VM_WORK/err) &&
	actl initialize-connection "$VOL" --initiator "$VM_INI" --host guest --ip 127.0.0.1 >$VM_WORK/conn 2>$VM_WORK/err &&
	ok "volume-create, reserve, initialize-connection" ||
	{ VM_DIAG=$VM_WORK/err not_ok "volume-create, reserve, initialize-connection"; bail "no export"; }
cat $VM_WORK/conn
TGT=$(kv target_iqn $VM_WORK/conn)
U=$(kv auth_username $VM_WORK/conn) P=$(kv auth_password $VM_WORK/conn)
check_eq "target_portals: both portals, in order" "$P1,$P2" "$(kv target_portals $VM_WORK/conn)"
check_eq "target_portal: the first one" "$P1" "$(kv target_portal $VM_WORK/conn)"
actl --json initialize-connection "$VOL" --initiator "$VM_INI" --host guest --ip 127.0.0.1 >$VM_WORK/conn.json 2>&1
check "--json (the retry): \"target_portals\": [\"$P1\", \"$P2\"]" grep -qF "\"target_portals\": [\"$P1\", \"$P2\"]" $VM_WORK/conn.json
check "--json: \"target_iqns\" the target twice, \"target_luns\": [0, 0]" \
	sh -c "grep -qF '\"target_iqns\": [\"$TGT\", \"$TGT\"]' $VM_WORK/conn.json && grep -qF '\"target_luns\": [0, 0]' $VM_WORK/conn.json"
NP=$CFG/target/iscsi/$TGT/tpgt_1/np
check_eq "configfs: the TPG's np/ holds both portals" "$P1 $P2" "$(ls "$NP" | tr '\n' ' ' | sed 's/ $//')"
check "the kernel listens on 127.0.0.1:3260 and 127.0.0.2:3260 (/proc/net/tcp)" listens_both

# ---- two sessions -----------------------------------------------------------------------------------
check "open-iscsi logs in over $P1" iscsi_login "$TGT" "$P1" "$U" "$P" || bail "no login over $P1"
check "open-iscsi logs in over $P2 (a second session of the same initiator)" iscsi_login "$TGT" "$P2" "$U" "$P" ||
	bail "no login over $P2"
iscsiadm -m node | sed 's/^/node: /'
check_eq "open-iscsi keeps one node record per portal" "$P1 $P2" "$(iscsiadm -m node | awk -v t="$TGT" '$2 == t { sub(/,.*/, "", $1); print $1 }' | sort | tr '\n' ' ' | sed 's/ $//')"
iscsiadm -m session | sed 's/^/session: /'
check_eq "both sessions LOGGED_IN" "LOGGED_IN LOGGED_IN" "$(state_via 127.0.0.1) $(state_via 127.0.0.2)"
INFO=$CFG/target/iscsi/$TGT/tpgt_1/acls/$VM_INI/info
sed 's/^/acl info: /' "$INFO"
check_eq "the ACL's info shows one session of the two (the latest login)" 1 "$(grep -c 'LIO Session ID' "$INFO")"
check_eq "the target counts two sessions (fabric_statistics/iscsi_instance/sessions)" 2 \
	"$(cat "$CFG/target/iscsi/$TGT/fabric_statistics/iscsi_instance/sessions")"
SD1=$(path_disk 127.0.0.1) && SD2=$(path_disk 127.0.0.2) && [ "$SD1" != "$SD2" ] &&
	ok "two disks: $SD1 over 127.0.0.1, $SD2 over 127.0.0.2" || bail "no two disks ($SD1, $SD2)"

# ---- one identity -----------------------------------------------------------------------------------
W1=$(cat /sys/block/$SD1/device/wwid) W2=$(cat /sys/block/$SD2/device/wwid)
echo "wwid: $SD1 $W1; $SD2 $W2"
check_eq "both disks have the same sysfs wwid (VPD 0x83, what multipath groups by)" "$W1" "$W2"
check_eq "both disks have the same VPD page 0x83 (device identification)" "$(vpd $SD1 83)" "$(vpd $SD2 83)"
check_eq "both disks have the same VPD page 0x80 (unit serial)" "$(vpd $SD1 80)" "$(vpd $SD2 80)"
sg_inq -p 0x80 /dev/$SD1 >$VM_WORK/sn 2>&1
cat $VM_WORK/sn
check "the unit serial (sg_inq -p 0x80) is the volume id, as attachd sets it" grep -qF "$VOL" $VM_WORK/sn
check "4 MiB O_DIRECT round trip through $SD1 (127.0.0.1)" roundtrip /dev/$SD1
check "the bytes written over 127.0.0.1 read back over 127.0.0.2 ($SD2)" same_bytes /dev/$SD2
check "4 MiB O_DIRECT round trip through $SD2 (127.0.0.2), at 8 MiB" roundtrip /dev/$SD2 8
check "... read back over 127.0.0.1 ($SD1)" same_bytes /dev/$SD1 8

# ---- dm-multipath: one map over both paths ----------------------------------------------------------
check "modprobe dm_multipath dm_round_robin" modprobe -a dm_multipath dm_round_robin
multipath_conf
check "the udev database entries for $SD1 and $SD2 (a stand-in for udevd)" udev_db $SD1 $SD2
t0=$(vm_uptime)
multipath -v2 >$VM_WORK/mp 2>&1
rc=$? MAP=$(mp_map)
echo "multipath -v2: exit $rc, $(ms_since $t0) ms"
cat $VM_WORK/mp
if [ -n "$MAP" ] && mp_has "$MAP" $SD1 $SD2; then
	ok "multipath (no udev, DM_DISABLE_UDEV=1) assembles map $MAP over $SD1 and $SD2"
else
	VM_DIAG=$VM_WORK/mp not_ok "multipath assembles one map over $SD1 and $SD2" "exit $rc, map '$MAP'"
	multipath -v3 2>&1 | tail -n 60
	bail "no multipath map"
fi
multipath -ll 2>&1 | sed 's/^/multipath -ll: /'
dmsetup table "$MAP" | sed 's/^/table: /'
# multipath asked for queue_if_no_path (no_path_retry), then turned it off as no multipathd runs to
# count the retries: with every path gone, I/O fails instead of hanging
check_eq "no multipathd: the map's features are 0 (queue_if_no_path off)" 0 "$(dmsetup table "$MAP" | awk '{ print $4 }')"
check_eq "the map is named by the disks' wwid (user_friendly_names no)" "3${W1#naa.}" "$MAP"
check_eq "the map's size is the disks' size" "$(cat /sys/block/$SD1/size)" "$(blockdev --getsz /dev/mapper/$MAP)"
check "4 MiB O_DIRECT round trip through the map (/dev/mapper/$MAP), at 24 MiB" roundtrip /dev/mapper/$MAP 24
check "... the same bytes over $SD1 and $SD2" same_both 24
t0=$(vm_uptime)
check "log out of the session over $P2 under the map" logout_via "$P2"
echo "logout under the map: $(ms_since $t0) ms"
t0=$(vm_uptime)
check "4 MiB round trip through the map with one path gone, at 28 MiB" roundtrip /dev/mapper/$MAP 28
echo "round trip with a path gone: $(ms_since $t0) ms"
dmsetup status "$MAP" | sed 's/^/status: /'
check "dm-multipath marked the gone path failed (dmsetup status: one A, one F)" one_failed "$MAP"
check "log in over $P2 again" iscsiadm -m node -T "$TGT" -p "$P2" --login
SD2=$(path_disk 127.0.0.2) && udev_db $SD2 || not_ok "a disk over 127.0.0.2 again"
multipath -v2 >$VM_WORK/mp 2>&1
cat $VM_WORK/mp
check "multipath run again reloads the map with the new disk ($SD2)" mp_has "$MAP" $SD1 $SD2
check "4 MiB round trip through the map, both paths back, at 32 MiB" roundtrip /dev/mapper/$MAP 32
check "multipath -f removes the map" multipath -f "$MAP"
check_eq "no multipath map left" "" "$(mp_map)"

# ---- one session lost: I/O goes on over the other -------------------------------------------------
t0=$(vm_uptime)
check "log out of the session over $P1 alone" logout_via "$P1"
echo "logout of one session: $(ms_since $t0) ms"
check_eq "the session over 127.0.0.2 stays LOGGED_IN" "none LOGGED_IN" "$(state_via 127.0.0.1) $(state_via 127.0.0.2)"
SD2=$(path_disk 127.0.0.2) && check "4 MiB round trip through $SD2 (127.0.0.2) with the other path gone" roundtrip /dev/$SD2 16 ||
	not_ok "the disk over 127.0.0.2 is still there"
check "log in over $P1 again" iscsiadm -m node -T "$TGT" -p "$P1" --login
SD1=$(path_disk 127.0.0.1) && check "the new session's disk ($SD1) reads what was written over 127.0.0.2" same_bytes /dev/$SD1 16 ||
	not_ok "a disk over 127.0.0.1 again"

# ---- terminate-connection drops both sessions -------------------------------------------------------
check_eq "both sessions LOGGED_IN before terminate-connection" "LOGGED_IN LOGGED_IN" "$(state_via 127.0.0.1) $(state_via 127.0.0.2)"
t0=$(vm_uptime)
check "terminate-connection" actl terminate-connection "$VOL" --initiator "$VM_INI"
echo "terminate-connection: $(ms_since $t0) ms"
wait_for 10 not_logged_in && ok "both sessions leave LOGGED_IN ($(state_via 127.0.0.1), $(state_via 127.0.0.2); $(ms_since $t0) ms)" ||
	not_ok "both sessions leave LOGGED_IN" "$(state_via 127.0.0.1) $(state_via 127.0.0.2)"
t0=$(vm_uptime)
check_fails "4 MiB read through $SD1 fails" read_direct /dev/$SD1 $VM_WORK/dead
echo "read on the dropped session failed after $(ms_since $t0) ms"
iscsi_logout "$TGT"
# both re-logins at once: each waits for login_timeout (5 s) against a portal that is gone
t0=$(vm_uptime)
iscsi_login "$TGT" "$P1" "$U" "$P" >$VM_WORK/re1 2>&1 &
r1=$!
iscsi_login "$TGT" "$P2" "$U" "$P" >$VM_WORK/re2 2>&1 &
r2=$!
wait $r1 && rc1=0 || rc1=$?
wait $r2 && rc2=0 || rc2=$?
echo "refused re-logins over both portals: $(ms_since $t0) ms (exit $rc1, $rc2)"
cat $VM_WORK/re1 $VM_WORK/re2
[ $rc1 != 0 ] && ok "a re-login over $P1 is refused (iscsiadm exit $rc1)" || VM_DIAG=$VM_WORK/re1 not_ok "a re-login over $P1 is refused"
[ $rc2 != 0 ] && ok "a re-login over $P2 is refused (iscsiadm exit $rc2)" || VM_DIAG=$VM_WORK/re2 not_ok "a re-login over $P2 is refused"
check_eq "no session" "" "$(iscsiadm -m session 2>/dev/null)"
iscsi_logout "$TGT"
check "unreserve, volume-delete" unexport
VOL= TGT=
check_clean "nothing of ours left"
check "attachd exits 0 on SIGTERM" attachd_stop
cleanup_scenario
