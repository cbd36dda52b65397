# 18 persistent reservations survive (SCSI-3 PR with APTPL, sg_persist from sg3-utils). Boot 1: attachd
# on the persistent disk points LIO's dbroot at <db>/dbroot; a multiattach volume exported to initiator 1
# (open-iscsi's default iface) and initiator 2 (iface "second"); both register a key with APTPL, initiator
# 1 takes a WRITE EXCLUSIVE reservation: the kernel writes <dbroot>/pr/aptpl_<volume id>, initiator 2's
# writes fail with a reservation conflict, initiator 1's go through. attachd is killed and started again:
# no configfs or dm change at all (kprobes), reconcile finds nothing, the reservation holds. Power cut.
# Boot 2: attachd rebuilds the export from its records and feeds the registrations back to the new
# storage object before its LUN (the kernel never reads the file itself); the registrations and the
# reservation are there before anyone logs in, both initiators log in again, sg_persist shows both keys
# and initiator 1's reservation, initiator 2 is still fenced, initiator 1 writes. PR OUT CLEAR then
# empties the file; everything is taken down through attachd.
# vm-boots: 2
INI1=$VM_INI
INI2=iqn.2004-10.org.example:second
P=$VM_PERSIST
N=$P/notes18
ATTACHD_DB=$P/db
K1=0x1111 K2=0x2222
cleanup_scenario() {
	trace_off
	[ -n "${TGT:-}" ] && iscsi_logout "$TGT"
	iscsiadm -m iface -I second -o delete >/dev/null 2>&1
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP" 2>/dev/null
	grep -q " $P " /proc/mounts && umount $P
}
check "the persistent disk mounts (virtio_blk, ext4)" persist_mount || bail "no persistent disk"
# connect INITIATOR NAME: reserve, initialize-connection, attach; the connection info in $N/conn-NAME
connect() {
	local att
	att=$(actl reserve "$VOL" 2>"$VM_WORK/err") &&
		actl initialize-connection "$VOL" --initiator "$1" --host "host-$2" --ip 127.0.0.1 >"$N/conn-$2" 2>"$VM_WORK/err" &&
		actl attach "$VOL" --instance "$(new_uuid)" --host "host-$2" --mountpoint /dev/vdb --attachment "$att" \
			>/dev/null 2>"$VM_WORK/err"
}
# login_as NAME INITIATOR [IFACE]: open-iscsi login with the connection info noted as NAME; prints the disk
login_as() {
	local c=$N/conn-$1
	iscsi_login "$TGT" "$(kv target_portal "$c")" "$(kv auth_username "$c")" "$(kv auth_password "$c")" ${3:-} \
		>/dev/null 2>"$VM_WORK/err" && session_disk "$TGT" "$2"
}
# pr DISK ARGS...: sg_persist, its output in $VM_WORK/pr
pr() { local d=$1; shift; sg_persist "$@" "/dev/$d" >"$VM_WORK/pr" 2>&1; }
# fenced DISK: a 4 KiB O_DIRECT write fails with RESERVATION CONFLICT (the block layer's EBADE,
# "Invalid exchange"; the kernel logs "critical nexus error")
fenced() {
	! dd if=/dev/zero of="/dev/$1" bs=4k count=1 seek=100 oflag=direct conv=notrunc >"$VM_WORK/dd" 2>&1 &&
		grep -q 'Invalid exchange' "$VM_WORK/dd"
}
writes() { dd if=/dev/urandom of="/dev/$1" bs=4k count=1 seek=100 oflag=direct conv=notrunc >"$VM_WORK/dd" 2>&1; }
# the reservation as both initiators see it, and the kernel's view of it
pr_seen() { # DISK1 DISK2
	pr "$1" --in --read-keys && grep -qi "$K1" "$VM_WORK/pr" && grep -qi "$K2" "$VM_WORK/pr" &&
		pr "$2" --in --read-reservation && grep -qi "Key=$K1" "$VM_WORK/pr" &&
		grep -q 'type: Write Exclusive$' "$VM_WORK/pr"
}
SO_PR=""

if [ "$VM_BOOT" = 1 ]; then
	rm -rf "$N" "$ATTACHD_DB" "$P"/v18.img && mkdir -p "$N"
	attachd_start || bail "attachd did not start on the persistent database"
	check_eq "LIO's dbroot is attachd's: <db>/dbroot on the persistent disk" "$ATTACHD_DB/dbroot" "$(cat $CFG/target/dbroot)"
	VM_DIAG=$ATTACHD_LOG check "the log says so" grep -q "LIO's dbroot set to $ATTACHD_DB/dbroot (was /etc/target)" "$ATTACHD_LOG"
	check_eq "<db>/dbroot/pr: a directory of root's, 0700" "drwx------ 0" "$(stat -c '%A %u' $ATTACHD_DB/dbroot/pr)"
	LOOP=$(backing $P/v18.img 64) || bail "no loop device"
	VOL=$(actl volume-create --device "$LOOP" --name pr-18 --multiattach 2>"$VM_WORK/err") &&
		connect "$INI1" ini1 && connect "$INI2" ini2 &&
		ok "a multiattach volume exported to initiators 1 and 2" ||
		{ VM_DIAG=$VM_WORK/err not_ok "a multiattach volume exported to initiators 1 and 2"; bail "no export"; }
	TGT=$(kv target_iqn "$N/conn-ini1")
	actl --dry-run initialize-connection "$VOL" --initiator iqn.2004-10.org.example:third >"$VM_WORK/dry" 2>&1
	iface_new second "$INI2"
	D1=$(login_as ini1 "$INI1") && D2=$(login_as ini2 "$INI2" second) &&
		ok "both initiators log in ($D1, $D2)" || { VM_DIAG=$VM_WORK/err not_ok "both initiators log in"; bail "no sessions"; }
	SO_PR=$CFG/target/core/iblock_1000/$VOL/pr
	VM_DIAG=$VM_WORK/pr check "initiator 1 registers key $K1 with APTPL" pr "$D1" --out --register --param-sark=$K1 --param-aptpl
	VM_DIAG=$VM_WORK/pr check "initiator 2 registers key $K2 with APTPL" pr "$D2" --out --register --param-sark=$K2 --param-aptpl
	VM_DIAG=$VM_WORK/pr check "initiator 1 reserves: WRITE EXCLUSIVE (type 1)" pr "$D1" --out --reserve --param-rk=$K1 --prout-type=1
	VM_DIAG=$VM_WORK/pr check "sg_persist: both keys registered, initiator 1 holds the reservation" pr_seen "$D1" "$D2"
	F=$ATTACHD_DB/dbroot/pr/aptpl_$VOL
	tr -d '\0' <"$F" >"$VM_WORK/aptpl" 2>&1
	cat "$VM_WORK/aptpl"
	VM_DIAG=$VM_WORK/aptpl check "the kernel wrote $F: two registrations, initiator 1's the holder (type 01)" sh -c \
		"grep -c '^PR_REG_START' $VM_WORK/aptpl | grep -qx 2 && grep -q '^res_holder=1' $VM_WORK/aptpl && grep -q '^res_type=01' $VM_WORK/aptpl"
	check_eq "... mode 0600, root's" "-rw------- 0" "$(stat -c '%A %u' "$F")"
	VM_DIAG=$VM_WORK/dd check "initiator 2 is fenced: its write fails with a reservation conflict" fenced "$D2"
	VM_DIAG=$VM_WORK/dd check "initiator 1 writes" writes "$D1"

	# attachd killed and started again: nothing changes in the kernel, the reservation holds
	kernel_state >$VM_WORK/k0
	trace_start || not_ok "kprobes on configfs and dm (tracefs)"
	kill -KILL "$ATTACHD_PID"
	wait "$ATTACHD_PID" 2>/dev/null
	rm -f /run/vm/attachd.pid
	check "attachd killed and started again (reconciling before its socket appears)" attachd_start
	actl reconcile --dry-run >$VM_WORK/rec 2>&1
	grep -q '^nothing to do' $VM_WORK/rec && ok "reconcile --dry-run: nothing to do" || VM_DIAG=$VM_WORK/rec not_ok "reconcile --dry-run: nothing to do"
	trace_stop >$VM_WORK/t-window
	[ -s $VM_WORK/t-window ] && VM_DIAG=$VM_WORK/t-window not_ok "no configfs or dm change from the kill to here" \
		"$(wc -l <$VM_WORK/t-window) calls" || ok "no configfs or dm change from the kill to here (kprobes: 0 calls)"
	kernel_state >$VM_WORK/k1
	same_state "the kernel's state as before the restart" $VM_WORK/k0 $VM_WORK/k1
	VM_DIAG=$VM_WORK/pr check "after the restart: both keys, initiator 1's reservation" pr_seen "$D1" "$D2"
	VM_DIAG=$VM_WORK/dd check "after the restart: initiator 2 still fenced" fenced "$D2"

	# the dry run of a new export of this volume shows where the reservations would be fed
	VM_DIAG=$VM_WORK/dry check "dry run of an initiator added to the live export: no restore step (the storage object is live)" \
		sh -c "! grep -q 'restore the persistent reservations' $VM_WORK/dry"
	printf 'VOL=%s\nLOOP=%s\nTGT=%s\n' "$VOL" "$LOOP" "$TGT" >$N/ids
	cp "$F" $N/aptpl-boot1
	sync $N/* && sync $N
	power_cut
	ok "boot 1 done: attachd running, both sessions logged in, the reservation held; the power is cut now"
	exit 0
fi

# ---- boot 2
[ -s $N/ids ] && . $N/ids && ok "boot 1's notes are on the disk (volume $VOL)" ||
	{ not_ok "boot 1's notes are on the disk" "none: boot 1 did not get to its power cut"; bail "nothing to check"; }
F=$ATTACHD_DB/dbroot/pr/aptpl_$VOL
check "the kernel's file survived the power cut as it was" cmp "$F" $N/aptpl-boot1
check "the loop device set up again on the same file" losetup "$LOOP" $P/v18.img
t0=$(vm_uptime)
attachd_start || bail "attachd did not start on the database of boot 1"
ok "attachd starts on the database of boot 1 and rebuilds the export ($(ms_since $t0) ms to its socket)"
grep -E 'dbroot|reservation|reconcile' "$ATTACHD_LOG" | tail -n 12
check_eq "LIO's dbroot is attachd's again" "$ATTACHD_DB/dbroot" "$(cat $CFG/target/dbroot)"
VM_DIAG=$ATTACHD_LOG check "the log: initiator 1's registration restored" \
	grep -q "volume $VOL: 1 persistent reservation registration(s) of $INI1 restored" "$ATTACHD_LOG"
VM_DIAG=$ATTACHD_LOG check "the log: initiator 2's registration restored" \
	grep -q "volume $VOL: 1 persistent reservation registration(s) of $INI2 restored" "$ATTACHD_LOG"
SO_PR=$CFG/target/core/iblock_1000/$VOL/pr
cat $SO_PR/res_pr_registered_i_pts $SO_PR/res_holder $SO_PR/res_pr_type >$VM_WORK/kpr 2>&1
cat $VM_WORK/kpr
VM_DIAG=$VM_WORK/kpr check "before any login the kernel holds both registrations (mapped LUNs matched them)" sh -c \
	"grep -q 'Node: $INI1,i,0x[0-9a-f]* Key: 0x0*1111' $VM_WORK/kpr && grep -q 'Node: $INI2,i,0x[0-9a-f]* Key: 0x0*2222' $VM_WORK/kpr"
VM_DIAG=$VM_WORK/kpr check "... and initiator 1's WRITE EXCLUSIVE reservation" sh -c \
	"grep -q 'SPC-3 Reservation: iSCSI Initiator: $INI1' $VM_WORK/kpr && grep -q 'Reservation Type: Write Exclusive Access$' $VM_WORK/kpr"
actl reconcile --dry-run >$VM_WORK/rec 2>&1
grep -q '^nothing to do' $VM_WORK/rec && ok "reconcile --dry-run: nothing to do" || VM_DIAG=$VM_WORK/rec not_ok "reconcile --dry-run: nothing to do"
iface_new second "$INI2"
D1=$(login_as ini1 "$INI1") && D2=$(login_as ini2 "$INI2" second) &&
	ok "both initiators log in again with the credentials of boot 1 ($D1, $D2)" ||
	{ VM_DIAG=$VM_WORK/err not_ok "both initiators log in again"; bail "no sessions"; }
VM_DIAG=$VM_WORK/pr check "sg_persist after the reboot: both keys registered, initiator 1 holds the reservation" pr_seen "$D1" "$D2"
VM_DIAG=$VM_WORK/dd check "initiator 2 is still fenced (reservation conflict)" fenced "$D2"
VM_DIAG=$VM_WORK/dd check "initiator 1 writes" writes "$D1"
# the reservation is live again: PR OUT CLEAR through the holder ends it, and the kernel writes the file
VM_DIAG=$VM_WORK/pr check "initiator 1 clears every registration and the reservation (PR OUT CLEAR)" \
	pr "$D1" --out --clear --param-rk=$K1
VM_DIAG=$VM_WORK/dd check "initiator 2 writes again" writes "$D2"
check_eq "the kernel's file now says so" "No Registrations or Reservations" "$(tr -d '\0' <"$F" | head -n 1)"

iscsi_logout "$TGT"
actl terminate-connection "$VOL" --initiator "$INI1" >/dev/null && actl terminate-connection "$VOL" --initiator "$INI2" >/dev/null &&
	ok "terminate-connection for both" || not_ok "terminate-connection for both"
: >"$VM_WORK/err"
for a in $(actl --json volume-show "$VOL" | grep -o '"attachment_id": "[^"]*"' | cut -d '"' -f 4); do
	# a multiattach volume is in-use again after each detach but the last
	actl begin-detaching "$VOL" >/dev/null 2>>"$VM_WORK/err" && actl detach "$VOL" --attachment "$a" >/dev/null 2>>"$VM_WORK/err"
done
actl volume-delete "$VOL" >/dev/null 2>>"$VM_WORK/err"
[ -s "$VM_WORK/err" ] && VM_DIAG=$VM_WORK/err not_ok "begin-detaching, detach of both attachments, volume-delete" ||
	ok "begin-detaching, detach of both attachments, volume-delete"
check_clean "nothing of ours left"
check "attachd exits 0 on SIGTERM" attachd_stop
cleanup_scenario
