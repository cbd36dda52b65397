# 21 access: read-only attachments and mutual CHAP on the real kernel. One multiattach volume: initiator 1
# reserved read-only, initiator 2 read-write. Initiator 1's disk is write-protected (sd sees the WP bit;
# a WRITE sent past the block layer with SG_IO gets the target's DATA PROTECT sense) and reads what
# initiator 2 writes. Initiator 2 then asks for mutual CHAP: logs in checking the target's credentials, and with a
# wrong target secret refuses the target. A restart and a rebuild from the records (the LIO side removed
# by hand, as after a reboot) keep each ACL's write_protect and credentials.
INI1=$VM_INI
INI2=iqn.2004-10.org.example:second
FILE=/tmp/v21.img
cleanup_scenario() {
	[ -n "${TGT:-}" ] && iscsi_logout "$TGT"
	iscsiadm -m iface -I second -o delete >/dev/null 2>&1
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f "$FILE"
}
# connect MODE INITIATOR NAME [initialize-connection options]: reserve with MODE, initialize-connection
# (its output in $VM_WORK/c-NAME), attach
connect() {
	local mode=$1 ini=$2 name=$3 att
	shift 3
	att=$(actl reserve "$VOL" --mode "$mode" 2>"$VM_WORK/err") &&
		actl initialize-connection "$VOL" --initiator "$ini" --host "h-$name" --ip 127.0.0.1 "$@" \
			>"$VM_WORK/c-$name" 2>>"$VM_WORK/err" &&
		actl attach "$VOL" --instance "$(new_uuid)" --host "h-$name" --mountpoint /dev/vdb --attachment "$att" \
			>/dev/null 2>>"$VM_WORK/err" && ATTS="${ATTS:-} $att"
}
wp() { cat "$CFG/target/iscsi/$TGT/tpgt_1/acls/$1/lun_0/write_protect" 2>/dev/null; }
# mutual_node USER_IN PASS_IN: initiator 2's node record checks the target with these
mutual_node() {
	local n="-m node -T $TGT -p $VM_PORTAL -I second -o update -n node.session.auth"
	iscsiadm $n.username_in -v "$1" && iscsiadm $n.password_in -v "$2"
}
disks() {
	SD1=$(session_disk "$TGT" "$INI1")
	SD2=$(session_disk "$TGT" "$INI2")
	[ -n "$SD1" ] && [ -n "$SD2" ]
}

attachd_start || bail "attachd did not start"
LOOP=$(backing $FILE 64)
VOL=$(actl volume-create --device "$LOOP" --name v21 --multiattach 2>"$VM_WORK/err") ||
	{ VM_DIAG=$VM_WORK/err not_ok "volume-create --multiattach"; bail "no volume"; }
connect ro "$INI1" one && ok "initiator 1: reserve --mode ro, initialize-connection, attach" ||
	{ VM_DIAG=$VM_WORK/err not_ok "initiator 1 read-only"; bail "no first connection"; }
check_eq "initiator 1's connection info says access_mode=ro" ro "$(kv access_mode "$VM_WORK/c-one")"
TGT=$(kv target_iqn "$VM_WORK/c-one")
check_eq "its mapped LUN is write-protected in configfs" 1 "$(wp "$INI1")"
connect rw "$INI2" two && ok "initiator 2: reserve --mode rw, initialize-connection, attach" ||
	{ VM_DIAG=$VM_WORK/err not_ok "initiator 2 read-write"; bail "no second connection"; }
check_eq "initiator 2's connection info says access_mode=rw" rw "$(kv access_mode "$VM_WORK/c-two")"
check_eq "initiator 2's mapped LUN is writable" 0 "$(wp "$INI2")"
check_fails "attach --mode rw of a read-only reservation is refused" sh -c \
	". /vm/lib.sh; a=\$(actl reserve $VOL --mode ro) && actl attach $VOL --instance \$(new_uuid) --host h --mountpoint m --mode rw --attachment \$a"
actl unreserve "$VOL" >/dev/null 2>&1

check "initiator 1 logs in" iscsi_login "$TGT" "$VM_PORTAL" "$(kv auth_username "$VM_WORK/c-one")" \
	"$(kv auth_password "$VM_WORK/c-one")"
iface_new second "$INI2"
check "initiator 2 logs in" iscsi_login "$TGT" "$VM_PORTAL" "$(kv auth_username "$VM_WORK/c-two")" \
	"$(kv auth_password "$VM_WORK/c-two")" second
disks && ok "a disk per session ($SD1 read-only, $SD2 read-write)" || { not_ok "a disk per session"; bail "no disks"; }
check_eq "initiator 1's disk is read-only (sd saw the write-protect bit)" 1 "$(cat /sys/block/$SD1/ro)"
check_eq "initiator 2's disk is writable" 0 "$(cat /sys/block/$SD2/ro)"
check "initiator 2 writes" roundtrip /dev/$SD2 0
check "initiator 1 reads what initiator 2 wrote" same_bytes /dev/$SD1 0
check_fails "initiator 1 cannot open its disk for writing" write_direct "$VM_WORK/pat" /dev/$SD1 8
# past the block layer's read-only flag: a WRITE(10) through SG_IO reaches LIO, which refuses it
if have_python; then
	W1=$(python3 -S /vm/scsi-write.py /dev/$SD1 100000 2>&1)
	check_eq "initiator 1's WRITE, sent past the block layer, gets DATA PROTECT / WRITE PROTECTED" \
		"SENSE key=7 asc=0x27 ascq=0x00" "$W1"
	check_eq "the same WRITE from initiator 2 is GOOD" GOOD "$(python3 -S /vm/scsi-write.py /dev/$SD2 100000 2>&1)"
else
	skip "initiator 1's WRITE past the block layer" "no python in the image"
fi

# mutual CHAP for initiator 2: the target's credentials, stable, in the ACL
actl initialize-connection "$VOL" --initiator "$INI2" --ip 127.0.0.1 --mutual-chap >"$VM_WORK/m1" 2>"$VM_WORK/err" &&
	actl initialize-connection "$VOL" --initiator "$INI2" --ip 127.0.0.1 --mutual-chap >"$VM_WORK/m2" 2>>"$VM_WORK/err" ||
	VM_DIAG=$VM_WORK/err not_ok "initialize-connection --mutual-chap"
UIN=$(kv auth_username_in "$VM_WORK/m1") PIN=$(kv auth_password_in "$VM_WORK/m1")
[ ${#UIN} = 16 ] && [ ${#PIN} = 16 ] && ok "--mutual-chap returns the target's credentials" ||
	not_ok "--mutual-chap returns the target's credentials" "got '$UIN'"
check_eq "a retry returns the same ones" "$UIN/$PIN" "$(kv auth_username_in "$VM_WORK/m2")/$(kv auth_password_in "$VM_WORK/m2")"
check_eq "the ACL authenticates the target (auth/authenticate_target)" 1 \
	"$(cat "$CFG/target/iscsi/$TGT/tpgt_1/acls/$INI2/auth/authenticate_target")"
check_eq "initiator 2's session is untouched" LOGGED_IN "$(session_state "$TGT" "$INI2")"
iscsiadm -m node -T "$TGT" -I second --logout >/dev/null 2>&1
mutual_node "$UIN" "$PIN"
check "initiator 2 logs in with mutual CHAP" iscsiadm -m node -T "$TGT" -p "$VM_PORTAL" -I second --login
disks && check "initiator 2 writes through the mutually authenticated session" roundtrip /dev/$SD2 12
iscsiadm -m node -T "$TGT" -I second --logout >/dev/null 2>&1
mutual_node "$UIN" "wrongTargetSecret"
iscsiadm -m node -T "$TGT" -p "$VM_PORTAL" -I second --login >"$VM_WORK/wrong" 2>&1
rc=$?
[ $rc != 0 ] && ok "with a wrong target secret the initiator refuses the target (iscsiadm exit $rc)" ||
	not_ok "with a wrong target secret the initiator refuses the target"
# mutual CHAP is the initiator's choice: without the target's credentials (one-way) it still logs in
iscsiadm -m node -T "$TGT" -p "$VM_PORTAL" -I second -o delete >/dev/null 2>&1
iscsi_node "$TGT" "$VM_PORTAL" "$(kv auth_username "$VM_WORK/c-two")" "$(kv auth_password "$VM_WORK/c-two")" second
check "initiator 2 logs in one-way, not checking the target" iscsiadm -m node -T "$TGT" -p "$VM_PORTAL" -I second --login
iscsiadm -m node -T "$TGT" -I second --logout >/dev/null 2>&1
mutual_node "$UIN" "$PIN"
check "initiator 2 logs in again with mutual CHAP" iscsiadm -m node -T "$TGT" -p "$VM_PORTAL" -I second --login

# a restart changes nothing; a rebuild from the records (the LIO side gone, as after a reboot) brings
# back each ACL's write_protect and credentials
check "reconcile --dry-run: nothing to do" sh -c ". /vm/lib.sh; actl reconcile --dry-run | grep -q '^nothing to do'"
attachd_stop
check "attachd restarts" attachd_start
check_eq "initiator 1 still write-protected after the restart" 1 "$(wp "$INI1")"
iscsi_logout "$TGT"
iscsi_logout "$TGT" second
attachd_stop
lio_target_rm "$TGT"
check "attachd rebuilds the export from its records" attachd_start
check_eq "initiator 1's mapped LUN is write-protected again" 1 "$(wp "$INI1")"
check_eq "initiator 2's is writable" 0 "$(wp "$INI2")"
check_eq "initiator 2's ACL has its mutual credentials again" "$UIN" \
	"$(cat "$CFG/target/iscsi/$TGT/tpgt_1/acls/$INI2/auth/userid_mutual")"
check "reconcile --dry-run: nothing to do after the rebuild" sh -c ". /vm/lib.sh; actl reconcile --dry-run | grep -q '^nothing to do'"
check "initiator 1 logs in again" iscsi_login "$TGT" "$VM_PORTAL" "$(kv auth_username "$VM_WORK/c-one")" \
	"$(kv auth_password "$VM_WORK/c-one")"
iscsi_node "$TGT" "$VM_PORTAL" "$(kv auth_username "$VM_WORK/c-two")" "$(kv auth_password "$VM_WORK/c-two")" second
mutual_node "$UIN" "$PIN"
check "initiator 2 logs in again with mutual CHAP" iscsiadm -m node -T "$TGT" -p "$VM_PORTAL" -I second --login
disks && ok "both disks back" || not_ok "both disks back"
check_eq "initiator 1's disk is read-only again" 1 "$(cat /sys/block/$SD1/ro)"
check "initiator 2 writes, initiator 1 reads it" sh -c ". /vm/lib.sh; roundtrip /dev/$SD2 16 && same_bytes /dev/$SD1 16"

iscsi_logout "$TGT"
iscsi_logout "$TGT" second
check "begin-detaching, terminate-connection of each initiator" sh -c \
	". /vm/lib.sh; actl begin-detaching $VOL && actl terminate-connection $VOL --initiator $INI1 && actl terminate-connection $VOL --initiator $INI2"
check_fails "the export is gone" test -e "$CFG/target/iscsi/$TGT"
for a in $ATTS; do # detaching already for the first; in-use again after it, while the other remains
	actl begin-detaching "$VOL" >/dev/null 2>&1
	actl detach "$VOL" --attachment "$a" >/dev/null 2>&1
done
check "volume-delete" actl volume-delete "$VOL"
check_clean "nothing of ours left"
cleanup_scenario
LOOP=
