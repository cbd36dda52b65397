# 10 capture: the configfs tree of a live export, fixed inputs (volume id, initiator, portal), in the
# canonical format of configfs_dump (lib.sh). The host writes it to build/vm/<suite>/configfs-capture.txt;
# the configfs simulator (tests/sim) produces the same format and is checked against it.
ID=11111111-2222-3333-4444-555555555555
INI=iqn.2004-10.org.example:capture
cleanup_scenario() {
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f /tmp/v10.img
}
attachd_start || bail "attachd did not start"
vol_export v10 "$INI" --id "$ID" || bail "no export"
check_eq "volume-create --id keeps the given id" "$ID" "$VOL"
configfs_dump target >"$VM_WORK/capture"
T=target/iscsi/$VM_PREFIX:$ID/tpgt_1
for want in "D target/iscsi/$VM_PREFIX:$ID" "D $T/lun/lun_0" "D $T/acls/$INI" "D $T/acls/$INI/lun_0" \
	"D $T/np/$VM_PORTAL" "F $T/enable" "F $T/acls/$INI/auth/userid"; do
	grep -qxF "$want" "$VM_WORK/capture" && ok "capture has: $want" || not_ok "capture has: $want"
done
grep -qE "^L $T/lun/lun_0/[^ ]+ -> target/core/iblock_[0-9]+/$ID\$" "$VM_WORK/capture" &&
	ok "capture has: the LUN's link to target/core/iblock_N/$ID" || not_ok "capture has the LUN's link"
grep -qE "^L $T/acls/$INI/lun_0/[^ ]+ -> $T/lun/lun_0\$" "$VM_WORK/capture" &&
	ok "capture has: the mapped LUN's link to $T/lun/lun_0" || not_ok "capture has the mapped LUN's link"
LC_ALL=C sort -c -t ' ' -k 2,2 "$VM_WORK/capture" && ok "capture sorted by path in byte order ($(wc -l <"$VM_WORK/capture") lines)" ||
	not_ok "capture sorted by path in byte order"
capture configfs <"$VM_WORK/capture"
vol_unexport "$INI"
check_clean "nothing of ours left"
cleanup_scenario
