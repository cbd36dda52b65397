# 07 volume-extend: grow the backing file and the loop device, volume-extend, and the initiator sees
# the new size after a rescan (the dm device grows under the live export).
cleanup_scenario() {
	[ -n "${TGT:-}" ] && iscsi_logout "$TGT"
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f /tmp/v07.img
}
attachd_start || bail "attachd did not start"
vol_export v07 "$VM_INI" || bail "no export"
check "login" iscsi_login "$TGT" "$PORTAL" "$CHAP_USER" "$CHAP_PASS"
SD=$(session_disk "$TGT") || { not_ok "the disk appears"; bail "no disk"; }
check_eq "the initiator sees 64 MiB" 131072 "$(cat /sys/block/$SD/size)"
check "I/O before" roundtrip /dev/$SD 0
cp "$VM_WORK/pat" "$VM_WORK/before"

truncate -s 128M /tmp/v07.img && losetup -c "$LOOP"
check_eq "the loop device grew to 128 MiB" 262144 "$(cat /sys/block/${LOOP#/dev/}/size)"
check "volume-extend" actl volume-extend "$VOL"
dm=$(dmsetup table "attachd-$VOL" 2>&1)
check_eq "the dm device grew (table: $dm)" 262144 "$(echo "$dm" | awk '{print $2}')"
check "iscsiadm --rescan" iscsiadm -m session -r "$(basename "$(session_of "$TGT")" | sed 's/session//')" --rescan
wait_for 10 sh -c "[ \$(cat /sys/block/$SD/size) = 262144 ]"
check_eq "the initiator sees 128 MiB after the rescan" 262144 "$(cat /sys/block/$SD/size)"
check "libiscsi's READ CAPACITY(16) says 128 MiB too" sh -c \
	"iscsi-readcapacity16 -i $VM_INI '$(libiscsi_url "$CHAP_USER" "$CHAP_PASS")' | grep -qx 'Total size:134217728'"
check "I/O in the new space (at 100 MiB)" roundtrip /dev/$SD 100
check "the old data is intact" sh -c \
	"dd if=/dev/$SD bs=1M count=4 iflag=direct 2>/dev/null | cmp - $VM_WORK/before"
iscsi_logout "$TGT"
vol_unexport "$VM_INI"
check_clean "nothing of ours left"
cleanup_scenario
