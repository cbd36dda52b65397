# 15 reboot: exports survive a power cut. Boot 1: attachd's database and the volumes' backing files on
# the persistent disk (/dev/vda, ext4); two volumes exported to two initiators (volume 1 multiattach to
# initiator 1 = open-iscsi's default iface and initiator 2 = iface "second", volume 2 to initiator 2
# only); data written by each through its session and flushed (conv=fsync, as a filesystem would);
# what the exports look like (target names, CHAP credentials, the kernel's state, the records) noted on
# the disk too; then the power is cut with attachd running and the sessions logged in. Boot 2: the same
# disk; the loop devices set up again on the same files; attachd starts and rebuilds the exports from
# its records: the same targets, ACLs, credentials and kernel state, reconcile finds nothing to do,
# both initiators log in again with what they had (open-iscsi and libiscsi), and the data is intact.
# vm-boots: 2
INI1=$VM_INI
INI2=iqn.2004-10.org.example:second
P=$VM_PERSIST
N=$P/notes
ATTACHD_DB=$P/db
cleanup_scenario() {
	for t in ${TGT1:-} ${TGT2:-} ${TGT3:-}; do iscsi_logout "$t"; done
	iscsiadm -m iface -I second -o delete >/dev/null 2>&1
	[ -n "${LOOP1:-}" ] && losetup -d "$LOOP1"
	[ -n "${LOOP2:-}" ] && losetup -d "$LOOP2"
	[ -n "${LOOP3:-}" ] && losetup -d "$LOOP3" 2>/dev/null
	[ -n "${NEW3:-}" ] && losetup -d "$NEW3" 2>/dev/null
	grep -q " $P " /proc/mounts && umount $P
}
check "the persistent disk mounts (virtio_blk, ext4)" persist_mount || bail "no persistent disk"
# connect VOL INITIATOR NAME: reserve, initialize-connection, attach; the connection info in $N/conn-NAME
connect() {
	local att
	att=$(actl reserve "$1" 2>"$VM_WORK/err") &&
		actl initialize-connection "$1" --initiator "$2" --host "host-$3" --ip 127.0.0.1 >"$N/conn-$3" 2>"$VM_WORK/err" &&
		actl attach "$1" --instance "$(new_uuid)" --host "host-$3" --mountpoint /dev/vdb --attachment "$att" \
			>/dev/null 2>"$VM_WORK/err"
}
# login_as NAME [IFACE]: open-iscsi login with the connection info noted as NAME; prints the disk
login_as() {
	local c=$N/conn-$1 t
	t=$(kv target_iqn "$c")
	iscsi_login "$t" "$(kv target_portal "$c")" "$(kv auth_username "$c")" "$(kv auth_password "$c")" ${2:-} \
		>/dev/null 2>"$VM_WORK/err" && session_disk "$t" "$3"
}

if [ "$VM_BOOT" = 1 ]; then
	rm -rf "$N" "$ATTACHD_DB" "$P"/*.img && mkdir -p "$N"
	attachd_start || bail "attachd did not start on the persistent database"
	LOOP1=$(backing $P/vol1.img 64) && LOOP2=$(backing $P/vol2.img 64) && LOOP3=$(backing $P/vol3.img 64) ||
		bail "no loop devices"
	mkdir -p $P/links && ln -sfn "$LOOP3" $P/links/vol3
	V1=$(actl volume-create --device "$LOOP1" --name reboot-1 --multiattach) &&
		V2=$(actl volume-create --device "$LOOP2" --name reboot-2) &&
		V3=$(actl volume-create --device $P/links/vol3 --name reboot-3) &&
		connect "$V1" "$INI1" v1-ini1 && connect "$V1" "$INI2" v1-ini2 && connect "$V2" "$INI2" v2-ini2 &&
		connect "$V3" "$INI1" v3-ini1 &&
		ok "three volumes exported: volume 1 to initiators 1 and 2, volume 2 to initiator 2, volume 3 to 1" ||
		{ VM_DIAG=$VM_WORK/err not_ok "three volumes exported to two initiators"; bail "no exports"; }
	TGT1=$(kv target_iqn "$N/conn-v1-ini1") TGT2=$(kv target_iqn "$N/conn-v2-ini2") TGT3=$(kv target_iqn "$N/conn-v3-ini1")
	iface_new second "$INI2"
	D11=$(login_as v1-ini1 "" "$INI1") && D12=$(login_as v1-ini2 second "$INI2") && D22=$(login_as v2-ini2 second "$INI2") &&
		D31=$(login_as v3-ini1 "" "$INI1") &&
		ok "four sessions log in ($D11, $D12, $D22, $D31)" || { VM_DIAG=$VM_WORK/err not_ok "four sessions log in"; bail "no sessions"; }
	# data, flushed to the backing files through the target (SYNCHRONIZE CACHE): what survives a power cut
	for x in a b c d; do dd if=/dev/urandom of=$N/data-$x bs=1M count=4 2>/dev/null; done
	check "initiator 1 writes 4 MiB to volume 1 at 0 (O_DIRECT, fsync)" \
		dd if=$N/data-a of=/dev/$D11 bs=1M count=4 oflag=direct conv=notrunc,fsync
	check "initiator 2 writes 4 MiB to volume 1 at 8 MiB (O_DIRECT, fsync)" \
		dd if=$N/data-b of=/dev/$D12 bs=1M count=4 seek=8 oflag=direct conv=notrunc,fsync
	check "initiator 2 writes 4 MiB to volume 2 at 0 (O_DIRECT, fsync)" \
		dd if=$N/data-c of=/dev/$D22 bs=1M count=4 oflag=direct conv=notrunc,fsync
	check "initiator 1 writes 4 MiB to volume 3 at 0 (O_DIRECT, fsync)" \
		dd if=$N/data-d of=/dev/$D31 bs=1M count=4 oflag=direct conv=notrunc,fsync
	check "initiator 2 reads initiator 1's data on volume 1" sh -c "dd if=/dev/$D12 bs=1M count=4 iflag=direct 2>/dev/null | cmp - $N/data-a"
	# notes for boot 2: ids, devices, targets, credentials (in the conn-* files), kernel state, records
	printf 'V1=%s\nV2=%s\nV3=%s\nLOOP1=%s\nLOOP2=%s\nLOOP3=%s\nTGT1=%s\nTGT2=%s\nTGT3=%s\n' "$V1" "$V2" "$V3" \
		"$LOOP1" "$LOOP2" "$LOOP3" "$TGT1" "$TGT2" "$TGT3" >$N/ids
	kernel_state | grep -v "$V3" >$N/kernel
	records "$V1" "$V2" >$N/records
	records "$V3" >$N/records3
	for t in $TGT1 $TGT2; do ls -1 "$CFG/target/iscsi/$t/tpgt_1/acls"; done >$N/acls
	echo "targets $TGT1 $TGT2; ACLs: $(tr '\n' ' ' <$N/acls)"
	sync $N/* && sync $N
	power_cut
	ok "boot 1 done: attachd running, four sessions logged in; the power is cut now"
	exit 0
fi

# ---- boot 2
[ -s $N/ids ] && . $N/ids && ok "boot 1's notes are on the disk (volumes $V1, $V2)" ||
	{ not_ok "boot 1's notes are on the disk" "none: boot 1 did not get to its power cut"; bail "nothing to check"; }
check_eq "nothing of LIO before attachd starts (configfs not mounted)" "" "$(grep " $CFG configfs" /proc/mounts)"
# the disks come back in another order: each of volumes 1 and 2 now has the other's file under its
# kernel name; volume 3's file on a loop device it never had, its link following it
check "the loop devices come back swapped: $LOOP1 reads vol2.img, $LOOP2 vol1.img" \
	sh -c "losetup $LOOP1 $P/vol2.img && losetup $LOOP2 $P/vol1.img"
for d in /dev/loop7 /dev/loop6 /dev/loop5; do [ "$d" != "$LOOP3" ] && losetup "$d" $P/vol3.img 2>/dev/null && NEW3=$d && break; done
[ -n "${NEW3:-}" ] && ln -sfn "$NEW3" $P/links/vol3 && ok "volume 3's file on $NEW3 (was $LOOP3), its link following it" ||
	not_ok "volume 3's file on another loop device"
attachd_start || bail "attachd did not start on the database of boot 1"
ok "attachd starts on the database of boot 1 (and rebuilds before its socket appears)"
grep -E 'reconcile|rebuil|recreat|missing|down' "$ATTACHD_LOG" | tail -n 16
for v in 1 2; do
	eval "vol=\$V$v tgt=\$TGT$v"
	other=vol$((3 - v)).img
	check_fails "volume $v's export is not built: its path leads to the other volume's disk" test -e "$CFG/target/iscsi/$tgt"
	check_fails "... no dm device for it" dmsetup info "attachd-$vol"
	actl volume-show "$vol" >$VM_WORK/show 2>&1
	VM_DIAG=$VM_WORK/show check "volume-show $v says its export is down, and why" \
		grep -q "^  down: its device /dev/loop[0-9]* (7:[0-9]*) is loop:$P/$other, not the registered disk loop:$P/vol$v.img" $VM_WORK/show
	VM_DIAG=$ATTACHD_LOG check "the log says it, as an error" grep -q "attachd error: volume $vol: export down" "$ATTACHD_LOG"
done
check_fails "initiator 1 cannot log in to volume 1 (no target)" \
	iscsi-inq -i "$INI1" "iscsi://$(kv auth_username $N/conn-v1-ini1)%$(kv auth_password $N/conn-v1-ini1)@$VM_PORTAL/$TGT1/0"
actl initialize-connection "$V1" --initiator iqn.2004-10.org.example:third >$VM_WORK/init 2>&1
check_eq "initialize-connection of volume 1 for a new initiator is refused (exit 1)" 1 $?
VM_DIAG=$VM_WORK/init check "... saying its export is down" grep -q "its export is down" $VM_WORK/init
actl reconcile --dry-run >$VM_WORK/rec 2>&1
VM_DIAG=$VM_WORK/rec check "reconcile --dry-run: volumes 1 and 2 would stay down" sh -c \
	"grep -q 'volume $V1: export would stay down' $VM_WORK/rec && grep -q 'volume $V2: export would stay down' $VM_WORK/rec"
check "volume 3 is back, through its link, on $NEW3" test -d "$CFG/target/iscsi/$TGT3/tpgt_1/lun/lun_0"
check_eq "... its dm device maps $NEW3" "0 131072 linear 7:${NEW3#/dev/loop} 0" "$(dmsetup table "attachd-$V3")"
records "$V3" >$VM_WORK/records3
same_state "volume 3's records as in boot 1" $N/records3 $VM_WORK/records3
# the operator puts the disks back where they belong
check "the loop devices set up again in the right order" \
	sh -c "losetup -d $LOOP1 && losetup -d $LOOP2 && losetup $LOOP1 $P/vol1.img && losetup $LOOP2 $P/vol2.img"
actl reconcile >$VM_WORK/rec 2>&1
VM_DIAG=$VM_WORK/rec check "reconcile brings volumes 1 and 2 back up" sh -c \
	"grep -q 'volume $V1: its disk is back' $VM_WORK/rec && grep -q 'volume $V2: its disk is back' $VM_WORK/rec"
for t in $TGT1 $TGT2; do
	check "target $t is back" test -d "$CFG/target/iscsi/$t/tpgt_1"
done
for t in $TGT1 $TGT2; do ls -1 "$CFG/target/iscsi/$t/tpgt_1/acls" 2>/dev/null; done >$VM_WORK/acls
same_state "the same ACLs on both targets" $N/acls $VM_WORK/acls
for c in v1-ini1 v1-ini2 v2-ini2; do
	t=$(kv target_iqn $N/conn-$c) ini=$INI1
	[ $c = v1-ini1 ] || ini=$INI2
	a=$CFG/target/iscsi/$t/tpgt_1/acls/$ini/auth
	check_eq "$c: CHAP userid as returned in boot 1" "$(kv auth_username $N/conn-$c)" "$(cat $a/userid 2>&1)"
	check_eq "$c: CHAP password as returned in boot 1" "$(kv auth_password $N/conn-$c)" "$(cat $a/password 2>&1)"
done
kernel_state | grep -v "$V3" >$VM_WORK/kernel
same_state "the kernel's state is as in boot 1 (configfs tree, every value attachd writes, dm devices and tables)" \
	$N/kernel $VM_WORK/kernel
records "$V1" "$V2" >$VM_WORK/records
same_state "the records are as in boot 1 (volume-show --secrets)" $N/records $VM_WORK/records
actl reconcile --dry-run >$VM_WORK/rec 2>&1
grep -q '^nothing to do' $VM_WORK/rec && ok "reconcile --dry-run: nothing to do" ||
	VM_DIAG=$VM_WORK/rec not_ok "reconcile --dry-run: nothing to do"

iface_new second "$INI2"
D11=$(login_as v1-ini1 "" "$INI1") && ok "initiator 1 logs in to volume 1 with the credentials of boot 1 ($D11)" ||
	VM_DIAG=$VM_WORK/err not_ok "initiator 1 logs in to volume 1 with the credentials of boot 1"
D12=$(login_as v1-ini2 second "$INI2") && ok "initiator 2 logs in to volume 1 with the credentials of boot 1 ($D12)" ||
	VM_DIAG=$VM_WORK/err not_ok "initiator 2 logs in to volume 1 with the credentials of boot 1"
D22=$(login_as v2-ini2 second "$INI2") && ok "initiator 2 logs in to volume 2 with the credentials of boot 1 ($D22)" ||
	VM_DIAG=$VM_WORK/err not_ok "initiator 2 logs in to volume 2 with the credentials of boot 1"
same_at() { dd if="/dev/$1" bs=1M count=4 skip="$2" iflag=direct 2>/dev/null | cmp - "$3"; }
[ -n "$D11" ] && check "volume 1 via initiator 1: initiator 1's data intact" same_at "$D11" 0 $N/data-a
[ -n "$D11" ] && check "volume 1 via initiator 1: initiator 2's data intact" same_at "$D11" 8 $N/data-b
[ -n "$D12" ] && check "volume 1 via initiator 2: initiator 1's data intact" same_at "$D12" 0 $N/data-a
[ -n "$D22" ] && check "volume 2 via initiator 2: its data intact" same_at "$D22" 0 $N/data-c
D31=$(login_as v3-ini1 "" "$INI1") && ok "initiator 1 logs in to volume 3 with the credentials of boot 1 ($D31)" ||
	VM_DIAG=$VM_WORK/err not_ok "initiator 1 logs in to volume 3 with the credentials of boot 1"
[ -n "$D31" ] && check "volume 3 via initiator 1: its data intact" same_at "$D31" 0 $N/data-d
check "libiscsi as initiator 2 reads volume 2's capacity with the credentials of boot 1" \
	iscsi-readcapacity16 -i "$INI2" "iscsi://$(kv auth_username $N/conn-v2-ini2)%$(kv auth_password $N/conn-v2-ini2)@$VM_PORTAL/$TGT2/0"
check_fails "initiator 1 (no ACL on volume 2) is still refused there, even with initiator 2's secret" \
	iscsi-inq -i "$INI1" "iscsi://$(kv auth_username $N/conn-v2-ini2)%$(kv auth_password $N/conn-v2-ini2)@$VM_PORTAL/$TGT2/0"
[ -n "$D11" ] && check "initiator 1 writes and reads volume 1 after the reboot" roundtrip "/dev/$D11" 16

# take it all down through attachd: the rebuilt exports are ordinary ones
for t in $TGT1 $TGT2 $TGT3; do iscsi_logout "$t"; done
actl terminate-connection "$V1" --initiator "$INI1" >/dev/null && actl terminate-connection "$V1" --initiator "$INI2" >/dev/null &&
	actl terminate-connection "$V2" --initiator "$INI2" >/dev/null && actl terminate-connection "$V3" --initiator "$INI1" >/dev/null &&
	ok "terminate-connection for all four" || not_ok "terminate-connection for all four"
: >"$VM_WORK/err"
for v in $V1 $V2 $V3; do
	for a in $(actl --json volume-show "$v" | grep -o '"attachment_id": "[^"]*"' | cut -d '"' -f 4); do
		# a multiattach volume is in-use again after each detach but the last
		actl begin-detaching "$v" >/dev/null 2>>"$VM_WORK/err" && actl detach "$v" --attachment "$a" >/dev/null 2>>"$VM_WORK/err"
	done
	actl volume-delete "$v" >/dev/null 2>>"$VM_WORK/err"
done
[ -s "$VM_WORK/err" ] && VM_DIAG=$VM_WORK/err not_ok "begin-detaching, detach of the four attachments, volume-delete of all three" ||
	ok "begin-detaching, detach of the four attachments, volume-delete of all three"
check_clean "nothing of ours left"
check "attachd exits 0 on SIGTERM" attachd_stop
cleanup_scenario
