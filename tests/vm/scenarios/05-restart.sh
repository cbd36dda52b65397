# 05 restart: with a live export and a logged-in session, SIGTERM attachd and start it again on the
# same database: the records are intact, the session never notices, and a detach cycle still works.
cleanup_scenario() {
	[ -n "${TGT:-}" ] && iscsi_logout "$TGT"
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f /tmp/v05.img
}
attachd_start || bail "attachd did not start"
vol_export v05 "$VM_INI" || bail "no export"
check "login" iscsi_login "$TGT" "$PORTAL" "$CHAP_USER" "$CHAP_PASS"
SD=$(session_disk "$TGT") || { not_ok "the disk appears"; bail "no disk"; }
check "I/O before the restart" roundtrip /dev/$SD 0
actl volume-show "$VOL" >"$VM_WORK/before" 2>&1

check "attachd exits 0 on SIGTERM" attachd_stop
check "the export stays while attachd is down" test -d "$CFG/target/iscsi/$TGT/tpgt_1/acls/$VM_INI"
check "I/O passes while attachd is down" roundtrip /dev/$SD 4
check "attachd starts again on the same database" attachd_start
check "volume-show after the restart" actl volume-show "$VOL"
cp "$VM_WORK/out" "$VM_WORK/after"
grep -qi 'in.use' "$VM_WORK/after" && ok "the volume is still in-use" ||
	VM_DIAG=$VM_WORK/after not_ok "the volume is still in-use"
grep -qF "$ATT" "$VM_WORK/after" && ok "the attachment is still recorded" ||
	VM_DIAG=$VM_WORK/after not_ok "the attachment is still recorded"
check_eq "volume-show says the same as before the restart" "$(cat "$VM_WORK/before")" "$(cat "$VM_WORK/after")"
check "volume-list still lists it" sh -c "attachctl -s $ATTACHD_SOCK volume-list | grep -qF $VOL"
check_eq "the session is still logged in" LOGGED_IN "$(session_state "$TGT")"
check "I/O after the restart" roundtrip /dev/$SD 8
iscsi_logout "$TGT"
vol_unexport "$VM_INI"
check_clean "nothing of ours left"
check "attachd exits 0 on SIGTERM" attachd_stop
cleanup_scenario
