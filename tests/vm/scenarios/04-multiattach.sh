# 04 multiattach: one volume, two initiators (open-iscsi's default name and a second open-iscsi iface
# with its own initiatorname), both attached, both read and write; terminate-connection for the first
# refuses it and leaves the second working; when the second goes too, the export is gone.
INI1=$VM_INI
INI2=iqn.2004-10.org.example:second
FILE=/tmp/v04.img
cleanup_scenario() {
	[ -n "${TGT:-}" ] && iscsi_logout "$TGT"
	iscsiadm -m iface -I second -o delete >/dev/null 2>&1
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f "$FILE"
}
# connect_for INITIATOR ATTACHMENT: initialize-connection + attach; sets U P
connect_for() {
	actl initialize-connection "$VOL" --initiator "$1" --host "host-$2" --ip 127.0.0.1 >"$VM_WORK/c-$2" 2>"$VM_WORK/err" &&
		actl attach "$VOL" --instance "$(new_uuid)" --host "host-$2" --mountpoint /dev/vdb --attachment "$2" \
			>/dev/null 2>>"$VM_WORK/err"
}
attachd_start || bail "attachd did not start"
LOOP=$(backing $FILE 64)
VOL=$(actl volume-create --device "$LOOP" --name v04 --multiattach 2>"$VM_WORK/err") ||
	{ VM_DIAG=$VM_WORK/err not_ok "volume-create --multiattach"; bail "no volume"; }
ok "volume-create --multiattach"
ATT1=$(actl reserve "$VOL" 2>"$VM_WORK/err") && connect_for "$INI1" "$ATT1" &&
	ok "first attachment: reserve, initialize-connection, attach" ||
	{ VM_DIAG=$VM_WORK/err not_ok "first attachment"; bail "no first attachment"; }
ATT2=$(actl reserve "$VOL" 2>"$VM_WORK/err") && connect_for "$INI2" "$ATT2" &&
	ok "second attachment while in-use: reserve, initialize-connection, attach" ||
	{ VM_DIAG=$VM_WORK/err not_ok "second attachment while in-use"; bail "no second attachment"; }
[ "$ATT1" != "$ATT2" ] && ok "two distinct attachment ids" || not_ok "two distinct attachment ids"
TGT=$(kv target_iqn "$VM_WORK/c-$ATT1")
check_eq "both initiators get the same target" "$TGT" "$(kv target_iqn "$VM_WORK/c-$ATT2")"
U1=$(kv auth_username "$VM_WORK/c-$ATT1") P1=$(kv auth_password "$VM_WORK/c-$ATT1")
U2=$(kv auth_username "$VM_WORK/c-$ATT2") P2=$(kv auth_password "$VM_WORK/c-$ATT2")

check "initiator 1 logs in" iscsi_login "$TGT" "$VM_PORTAL" "$U1" "$P1"
iface_new second "$INI2"
check "initiator 2 (iface 'second') logs in" iscsi_login "$TGT" "$VM_PORTAL" "$U2" "$P2" second
SD1=$(session_disk "$TGT" "$INI1")
SD2=$(session_disk "$TGT" "$INI2")
[ -n "$SD1" ] && [ -n "$SD2" ] && [ "$SD1" != "$SD2" ] && ok "two disks, one per session ($SD1, $SD2)" ||
	{ not_ok "two disks, one per session" "got '$SD1' '$SD2'"; bail "no disks"; }
check "initiator 1 writes, initiator 2 reads the same bytes" sh -c \
	". /vm/lib.sh; roundtrip /dev/$SD1 0 && same_bytes /dev/$SD2 0"
check "initiator 2 writes, initiator 1 reads the same bytes" sh -c \
	". /vm/lib.sh; roundtrip /dev/$SD2 4 && same_bytes /dev/$SD1 4"

check "begin-detaching (first attachment)" actl begin-detaching "$VOL"
check "terminate-connection for initiator 1" actl terminate-connection "$VOL" --initiator "$INI1"
check "detach the first attachment" actl detach "$VOL" --attachment "$ATT1"
wait_for 10 sh -c "[ \"\$(. /vm/lib.sh; session_state $TGT $INI1)\" != LOGGED_IN ]"
st=$(session_state "$TGT" "$INI1")
[ "$st" != LOGGED_IN ] && ok "initiator 1's session drops ($st)" || not_ok "initiator 1's session drops" "state $st"
iscsiadm -m node -T "$TGT" -I default --logout >/dev/null 2>&1
check_fails "initiator 1 is refused afterwards" iscsiadm -m node -T "$TGT" -p "$VM_PORTAL" -I default --login
check_eq "initiator 2 is still logged in" LOGGED_IN "$(session_state "$TGT" "$INI2")"
check "initiator 2 still reads and writes" roundtrip /dev/$SD2 8
check "the ACL of initiator 2 is still there, initiator 1's is gone" sh -c \
	"test -d $CFG/target/iscsi/$TGT/tpgt_1/acls/$INI2 && ! test -e $CFG/target/iscsi/$TGT/tpgt_1/acls/$INI1"

check "begin-detaching (second attachment)" actl begin-detaching "$VOL"
check "terminate-connection for initiator 2" actl terminate-connection "$VOL" --initiator "$INI2"
check "detach the second attachment" actl detach "$VOL" --attachment "$ATT2"
check_fails "the export is gone: target $TGT no longer in configfs" test -e "$CFG/target/iscsi/$TGT"
iscsi_logout "$TGT"
check "volume-delete" actl volume-delete "$VOL"
check_clean "nothing of ours left"
cleanup_scenario
