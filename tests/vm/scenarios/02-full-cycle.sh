# 02 full cycle through attachctl, one initiator (open-iscsi), every call checked on its own:
# volume-create, reserve, initialize-connection, attach, discovery + CHAP login, I/O, then
# begin-detaching, terminate-connection (the session drops, re-login refused), detach, volume-delete,
# and nothing of ours left in configfs or dm.
FILE=/tmp/v02.img
cleanup_scenario() {
	[ -n "${TGT:-}" ] && iscsi_logout "$TGT"
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f "$FILE"
}
attachd_start || bail "attachd did not start"
LOOP=$(backing $FILE 64)

VOL=$(actl volume-create --device "$LOOP" --name v02 2>"$VM_WORK/err")
echo "$VOL" | grep -qE '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' &&
	ok "volume-create prints a volume id ($VOL)" ||
	{ VM_DIAG=$VM_WORK/err not_ok "volume-create prints a volume id" "got: '$VOL'"; bail "no volume"; }
ATT=$(actl reserve "$VOL" 2>"$VM_WORK/err") && [ -n "$ATT" ] && ok "reserve prints an attachment id" ||
	{ VM_DIAG=$VM_WORK/err not_ok "reserve"; bail "no reservation"; }
C=$VM_WORK/conn
check "initialize-connection" actl initialize-connection "$VOL" --initiator "$VM_INI" --host guest --ip 127.0.0.1 ||
	bail "no connection info"
cp "$VM_WORK/out" "$C"
cat "$C" | sed 's/^auth_password=.*/auth_password=<secret>/'
TGT=$(kv target_iqn "$C")
CHAP_USER=$(kv auth_username "$C")
CHAP_PASS=$(kv auth_password "$C")
check_eq "driver_volume_type=iscsi" iscsi "$(kv driver_volume_type "$C")"
check_eq "target_iqn=<prefix>:<volume id>" "$VM_PREFIX:$VOL" "$TGT"
check_eq "target_portal=$VM_PORTAL" "$VM_PORTAL" "$(kv target_portal "$C")"
check_eq "target_portals lists the one portal" "$VM_PORTAL" "$(kv target_portals "$C")"
check_eq "target_lun=0" 0 "$(kv target_lun "$C")"
check_eq "auth_method=CHAP" CHAP "$(kv auth_method "$C")"
[ -n "$CHAP_USER" ] && [ ${#CHAP_PASS} -ge 12 ] && ok "CHAP username and a password of 12+ characters" ||
	not_ok "CHAP username and a password of 12+ characters" "user '$CHAP_USER', password length ${#CHAP_PASS}"
check_eq "access_mode=rw" rw "$(kv access_mode "$C")"
check_eq "volume_id" "$VOL" "$(kv volume_id "$C")"
A2=$(actl attach "$VOL" --instance "$(new_uuid)" --host guest --mountpoint /dev/vdb --attachment "$ATT" 2>"$VM_WORK/err")
check_eq "attach prints the reserved attachment id" "$ATT" "$A2"

check "sendtargets discovery lists the target" sh -c \
	"iscsiadm -m discovery -t sendtargets -p $VM_PORTAL | grep -F ' $TGT'"
iscsiadm -m node -o delete >/dev/null 2>&1 # discovery's records carry no CHAP: start from clean ones
check "open-iscsi login with the returned CHAP credentials" iscsi_login "$TGT" "$VM_PORTAL" "$CHAP_USER" "$CHAP_PASS"
SD=$(session_disk "$TGT") && ok "the disk appears ($SD, $(($(cat /sys/block/$SD/size) / 2048)) MiB)" ||
	not_ok "the disk appears"
if [ -n "$SD" ]; then
	check "4 MiB written with O_DIRECT and read back identical" roundtrip /dev/$SD
	check "the same bytes are on the backing loop device" same_bytes "$LOOP"
fi

check "begin-detaching" actl begin-detaching "$VOL"
check "terminate-connection" actl terminate-connection "$VOL" --initiator "$VM_INI"
st=$(session_state "$TGT")
wait_for 10 sh -c "[ \"\$(. /vm/lib.sh; session_state $TGT)\" != LOGGED_IN ]" && st=$(session_state "$TGT")
[ "$st" != LOGGED_IN ] && ok "the session drops (state: $st)" || not_ok "the session drops" "state: $st"
iscsiadm -m node -T "$TGT" --logout >/dev/null 2>&1
check_fails "re-login is refused" iscsiadm -m node -T "$TGT" -p "$VM_PORTAL" --login
iscsi_logout "$TGT"
check "detach" actl detach "$VOL" --attachment "$ATT"
check "volume-delete" actl volume-delete "$VOL"
check_fails "volume-show of the deleted volume fails" actl volume-show "$VOL"
check_clean "nothing of ours left in configfs (target, storage object) or dm (attachd-*)"
check "attachd exits 0 on SIGTERM" attachd_stop
cleanup_scenario
