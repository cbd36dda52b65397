# 06 force + fencing: terminate-connection --force on a volume with a logged-in session. attachd swaps
# the dm table to "error" first and then tears the export down, so the initiator's I/O fails (never
# reaches the backing device) and nothing of ours is left in configfs or dm.
cleanup_scenario() {
	[ -n "${TGT:-}" ] && iscsi_logout "$TGT"
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f /tmp/v06.img
}
attachd_start || bail "attachd did not start"
vol_export v06 "$VM_INI" || bail "no export"
check "login" iscsi_login "$TGT" "$PORTAL" "$CHAP_USER" "$CHAP_PASS"
SD=$(session_disk "$TGT") || { not_ok "the disk appears"; bail "no disk"; }
check "I/O before the forced terminate" roundtrip /dev/$SD 0
cp "$VM_WORK/pat" "$VM_WORK/before"

check "terminate-connection --force" actl terminate-connection "$VOL" --initiator "$VM_INI" --force
# node.session.timeo.replacement_timeout is 5 s in the image: after that the queued I/O fails
pattern "$VM_WORK/pat"
if timeout 60 dd if="$VM_WORK/pat" of=/dev/$SD bs=1M count=4 seek=4 oflag=direct >"$VM_WORK/dd" 2>&1; then
	VM_DIAG=$VM_WORK/dd not_ok "a write from the initiator fails"
else
	ok "a write from the initiator fails"
fi
timeout 60 dd if=/dev/$SD of=/dev/null bs=1M count=1 iflag=direct >"$VM_WORK/dd" 2>&1 &&
	VM_DIAG=$VM_WORK/dd not_ok "a read from the initiator fails" || ok "a read from the initiator fails"
check "the refused write never reached the backing device" sh -c \
	"dd if=$LOOP bs=1M count=4 skip=4 iflag=direct 2>/dev/null | cmp -s - $VM_WORK/pat; [ \$? = 1 ]"
check "the data written before is intact on the backing device" sh -c \
	"dd if=$LOOP bs=1M count=4 iflag=direct 2>/dev/null | cmp - $VM_WORK/before"
st=$(session_state "$TGT")
[ "$st" != LOGGED_IN ] && ok "the session is not logged in ($st)" || not_ok "the session is not logged in"
iscsiadm -m node -T "$TGT" --logout >/dev/null 2>&1
check_fails "re-login is refused" iscsiadm -m node -T "$TGT" -p "$PORTAL" --login
check_clean "nothing of ours left in configfs or dm"
iscsi_logout "$TGT"
# the records: still attached until Cinder's force-detach drops the attachment
actl begin-detaching "$VOL" >/dev/null 2>&1
check "detach after the forced terminate" actl detach "$VOL" --attachment "$ATT"
check "volume-delete" actl volume-delete "$VOL"
check_clean "still nothing of ours left"
cleanup_scenario
