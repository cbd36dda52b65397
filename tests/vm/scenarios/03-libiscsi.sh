# 03 libiscsi (a userspace initiator, no iscsid): the returned credentials work; a wrong secret,
# no CHAP at all, and a foreign initiator IQN are refused; the foreign initiator cannot even see the
# target in a SendTargets discovery (attachd sets demo_mode_discovery=0), by libiscsi or open-iscsi.
FOREIGN=iqn.2004-10.org.example:foreign
INI=iqn.2004-10.org.example:libiscsi
cleanup_scenario() {
	iscsiadm -m iface -I foreign -o delete >/dev/null 2>&1
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f /tmp/v03.img
}
attachd_start || bail "attachd did not start"
vol_export v03 "$INI" || bail "no export"

check "iscsi-inq logs in with the returned credentials" iscsi-inq -i "$INI" "$(libiscsi_url "$CHAP_USER" "$CHAP_PASS")"
check "iscsi-readcapacity16 logs in and reads the capacity" \
	iscsi-readcapacity16 -i "$INI" "$(libiscsi_url "$CHAP_USER" "$CHAP_PASS")"
size=$(sed -n 's/^Total size:\([0-9]*\).*/\1/p' "$VM_WORK/out")
check_eq "the capacity is the backing device's 64 MiB" $((64 << 20)) "$size"
check_fails "a wrong CHAP secret is refused" iscsi-inq -i "$INI" "$(libiscsi_url "$CHAP_USER" wrongsecret12345)"
check_fails "a wrong CHAP username is refused" iscsi-inq -i "$INI" "$(libiscsi_url nobody "$CHAP_PASS")"
check_fails "a login without CHAP is refused" iscsi-inq -i "$INI" "$(libiscsi_url "" "")"
check_fails "a foreign initiator IQN (no ACL) is refused, even with the right secret" \
	iscsi-inq -i "$FOREIGN" "$(libiscsi_url "$CHAP_USER" "$CHAP_PASS")"

# discovery: the positive control first, so that "shows nothing" means something
check "iscsi-ls: our initiator discovers the target" sh -c \
	"iscsi-ls -i $INI -s iscsi://$VM_PORTAL | grep -F 'Target:$TGT'"
iscsi-ls -i "$FOREIGN" -s "iscsi://$VM_PORTAL" >"$VM_WORK/ls" 2>&1
grep -qF "$TGT" "$VM_WORK/ls" && VM_DIAG=$VM_WORK/ls not_ok "iscsi-ls: the foreign initiator does not see the target" ||
	ok "iscsi-ls: the foreign initiator does not see the target"
iface_new foreign "$FOREIGN"
iscsiadm -m discovery -t sendtargets -p "$VM_PORTAL" -I foreign >"$VM_WORK/st" 2>&1
grep -qF "$TGT" "$VM_WORK/st" && VM_DIAG=$VM_WORK/st not_ok "open-iscsi sendtargets as the foreign initiator shows nothing" ||
	ok "open-iscsi sendtargets as the foreign initiator shows nothing"
check "the target's demo_mode_discovery is 0" grep -qx 0 $CFG/target/iscsi/$TGT/tpgt_1/attrib/demo_mode_discovery
vol_unexport "$INI"
check_clean "nothing of ours left"
cleanup_scenario
