# 13 crash while taking exports down, on the real kernel (attachd-faults, lib.sh crash_test: after the
# restart kernel and records are as before the call, reconcile --dry-run finds nothing, the retry
# succeeds): terminate-connection of the last ACL in the middle of its kernel steps; unreserve after
# initialize-connection in the middle; terminate-connection --force with the initiator logged in, at
# step-1 (before the fence) and step-4 (fenced, LUN unmapped, ACL and so its session removed). After
# the restart the restored export must serve the initiator again: the fence undone (I/O passes, the
# data intact) and, where the ACL had gone, open-iscsi logs in again by itself with the credentials it
# had (a new session on the target's side); at step-1 the session is the same.
cleanup_scenario() {
	[ -n "${TGT:-}" ] && iscsi_logout "$TGT"
	for l in $CRASH_LOOPS; do losetup -d "$l"; done
	rm -f /tmp/v13*.img
}
command -v attachd-faults >/dev/null || { not_ok "attachd-faults in the image (make build/attachd-faults)"; exit 0; }
attachd_start || bail "attachd did not start"

# --- terminate-connection of the last (only) ACL, no session (os-brick logs out before Cinder calls it)
vol_export v13-term "$VM_INI" || bail "no export"
CRASH_LOOPS="$LOOP"
actl begin-detaching "$VOL" >/dev/null
n=$(kernel_steps terminate-connection "$VOL" --initiator "$VM_INI")
CRASH_CTX="last ACL, $n steps" crash_test "$(crash_middle "$n")" "$VOL" terminate-connection "$VOL" --initiator "$VM_INI"
check_fails "after the retried terminate, the export is gone" test -e "$CFG/target/iscsi/$TGT"
actl detach "$VOL" --attachment "$ATT" >/dev/null && actl volume-delete "$VOL" >/dev/null || not_ok "detach, volume-delete"

# --- unreserve after initialize-connection (Cinder's rollback of a failed attach)
crash_volume v13-unres || bail "no volume"
actl initialize-connection "$V" --initiator "$VM_INI" >/dev/null || not_ok "initialize-connection before unreserve"
n=$(kernel_steps unreserve "$V")
CRASH_CTX="after initialize-connection, $n steps" crash_test "$(crash_middle "$n")" "$V" unreserve "$V"
check_fails "after the retried unreserve, the export is gone" test -e "$CFG/target/iscsi/$VM_PREFIX:$V"
actl volume-delete "$V" >/dev/null || not_ok "volume-delete after unreserve"

# --- terminate-connection --force with the initiator logged in
for p in step-1 step-4; do
	vol_export "v13-force-$p" "$VM_INI" || continue
	CRASH_LOOPS="$CRASH_LOOPS $LOOP"
	iscsi_login "$TGT" "$PORTAL" "$CHAP_USER" "$CHAP_PASS" >/dev/null 2>&1 && SD=$(session_disk "$TGT") ||
		{ not_ok "force $p: login"; continue; }
	S=$(session_of "$TGT")
	L0=$(lio_session "$TGT" "$VM_INI")
	pattern "$VM_WORK/pat" && write_direct "$VM_WORK/pat" /dev/$SD 0 >/dev/null && cp "$VM_WORK/pat" "$VM_WORK/before"
	n=$(kernel_steps terminate-connection "$VOL" --force)
	# the retry fences for good: the restored export is checked first, then crash_retry
	CRASH_NO_RETRY=1 CRASH_CTX="initiator logged in, $n steps" crash_test "$p" "$VOL" \
		terminate-connection "$VOL" --force
	case $p in
	step-4)
		# the ACL was removed (and its session with it), then made again with the same credentials:
		# open-iscsi's session recovery logs in again, a new session on the target's side
		wait_for 60 sh -c "[ \"\$(cat $S/state)\" = LOGGED_IN ] && . /vm/lib.sh && [ \"\$(lio_session $TGT $VM_INI)\" != none ]"
		L1=$(lio_session "$TGT" "$VM_INI")
		[ "$(cat $S/state)" = LOGGED_IN ] && [ "$L1" != "$L0" ] && [ "$L1" != none ] &&
			ok "force $p: open-iscsi logs in again by itself with the credentials it had (target: $L0 -> $L1)" ||
			not_ok "force $p: open-iscsi logs in again by itself with the credentials it had" \
				"state $(cat $S/state), target before: $L0, after: $L1" ;;
	*)
		L1=$(lio_session "$TGT" "$VM_INI")
		[ "$(cat $S/state)" = LOGGED_IN ] && [ "$L1" = "$L0" ] &&
			ok "force $p: the session stayed logged in, the same on the target ($L1)" ||
			not_ok "force $p: the session stayed logged in, the same on the target" \
				"state $(cat $S/state), target before: $L0, after: $L1" ;;
	esac
	SD=$(session_disk "$TGT")
	check "force $p: I/O passes again (the fence undone) and the data written before is intact" sh -c \
		". /vm/lib.sh; same_bytes /dev/$SD 0 && roundtrip /dev/$SD 4"
	crash_retry terminate-connection "$VOL" --force
	iscsiadm -m node -T "$TGT" --logout >/dev/null 2>&1
	iscsi_logout "$TGT"
	check_clean "force $p: nothing of ours left in the kernel"
done

check_clean "nothing of ours left"
check "attachd exits 0 on SIGTERM" attachd_stop
cleanup_scenario
