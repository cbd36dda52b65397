# 14 crash during volume-extend, on the real kernel (attachd-faults, lib.sh crash_test), while the
# initiator is logged in with I/O running: the backing device grows, volume-extend is killed before
# its one kernel step (the dm reload) and at "applied" (dm device already at the new size, intent not
# cleared). After each restart the dm device is back at the recorded size, the retry grows it, and
# the initiator saw no I/O error and stayed logged in throughout; at the end it sees the last size.
cleanup_scenario() {
	io_stop
	[ -n "${TGT:-}" ] && iscsi_logout "$TGT"
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f /tmp/v14.img
}
command -v attachd-faults >/dev/null || { not_ok "attachd-faults in the image (make build/attachd-faults)"; exit 0; }
attachd_start || bail "attachd did not start"
vol_export v14 "$VM_INI" || bail "no export"
check "login" iscsi_login "$TGT" "$PORTAL" "$CHAP_USER" "$CHAP_PASS" || bail "no login"
SD=$(session_disk "$TGT") || { not_ok "the disk appears"; bail "no disk"; }
S=$(session_of "$TGT")
check "I/O before" roundtrip /dev/$SD 0
cp "$VM_WORK/pat" "$VM_WORK/before"
io_start "/dev/$SD" "$S"
io_more 2 || not_ok "I/O loop running"
size=64
for p in step-1 applied; do
	size=$((size + 32))
	truncate -s ${size}M /tmp/v14.img && losetup -c "$LOOP"
	n=$(kernel_steps volume-extend "$VOL")
	CRASH_CTX="to $size MiB with I/O running, $n step" crash_test "$p" "$VOL" volume-extend "$VOL"
	check_eq "extend to $size MiB, killed at $p: the retry grows the dm device" $((size * 2048)) \
		"$(dmsetup table "attachd-$VOL" | awk '{print $2}')"
done
io_more 2 || not_ok "I/O loop still running"
io_stop
[ -s "$VM_WORK/io/errors" ] &&
	VM_DIAG=$VM_WORK/io/errors not_ok "no I/O error and LOGGED_IN after every round throughout ($(io_rounds) rounds)" ||
	ok "no I/O error and LOGGED_IN after every round throughout ($(io_rounds) rounds)"
iscsiadm -m session -r "$(echo "${S##*/}" | sed 's/session//')" --rescan >/dev/null 2>&1
wait_for 10 sh -c "[ \$(cat /sys/block/$SD/size) = $((size * 2048)) ]"
check_eq "after a rescan the initiator sees $size MiB" $((size * 2048)) "$(cat /sys/block/$SD/size)"
check "the data written before is intact" same_bytes /dev/$SD 0
iscsi_logout "$TGT"
vol_unexport "$VM_INI"
check_clean "nothing of ours left"
check "attachd exits 0 on SIGTERM" attachd_stop
cleanup_scenario
