# 51 restore-100 (and 52 restore-1000, which runs this file): make bench's restore at boot, K exports
# (K from the scenario's name). Boot 1: attachd's database and one sparse file of K+1 MiB on the
# persistent disk, K dm slices of 1 MiB (rslice-N, outside attachd's names) on its loop device, K exports
# made through attachd (attachd-bench --grow); the power is cut. Boot 2, as after a reboot: configfs
# empty; the loop device and the slices set up again; the LIO and dm modules loaded and configfs mounted
# first, so that neither side below pays for them. Then, in this order (the floor first, so that attachd
# rebuilds with the floor's K targets beside its own, the harder case): the raw-syscall floor builds the
# same K exports under other names (attachd-lio-floor: one libdevmapper create and mkdir/write/symlink,
# nothing else); attachd starts on boot 1's database and rebuilds its K exports before its socket
# appears (the time from its exec to the socket, polled every 10 ms); reconcile with K live matching
# exports (it must find nothing to do). The numbers go to the console and build/vm/<suite>/bench-restore-K.txt;
# the checks are that each step did its work. Boot 2 ends in a power cut too (a sweep of 2K exports
# would take minutes).
# vm-boots: 2
K=${VM_SCENARIO##*-}
P=$VM_PERSIST
N=$P/notes-restore-$K
ATTACHD_DB=$P/db-restore-$K
FLOOR=iqn.2024-01.org.example:floor
cleanup_scenario() { :; }
check "the persistent disk mounts (virtio_blk, ext4)" persist_mount || bail "no persistent disk"
slices() { dm_slices rslice "$K" "$1"; } # LOOP: the K slices rslice-0 .. rslice-(K-1)

if [ "$VM_BOOT" = 1 ]; then
	rm -rf "$N" "$ATTACHD_DB" "$P/restore-$K.img" && mkdir -p "$N"
	attachd_start --max-volumes $((K + 10)) --max-exports $((K + 10)) || bail "attachd did not start"
	LOOP=$(backing "$P/restore-$K.img" $((K + 1))) || bail "no loop device"
	check "$K dm slices (one dmsetup create --concise)" slices "$LOOP"
	attachd-bench -s "$ATTACHD_SOCK" --grow "$K" --live /dev/mapper/rslice-%d >$VM_WORK/grow.out 2>&1 &&
		ok "$(cat $VM_WORK/grow.out)" || { VM_DIAG=$VM_WORK/grow.out not_ok "$K exports through attachd"; bail "no exports"; }
	check_eq "$K targets of attachd's in configfs" "$K" "$(ls $CFG/target/iscsi | grep -c "^$VM_PREFIX:")"
	printf "LOOP=%s\nGROW='%s'\n" "$LOOP" "$(cat $VM_WORK/grow.out)" >$N/ids
	sync $N/* && sync $N && sync "$ATTACHD_DB"/*
	power_cut
	ok "boot 1 done: attachd running with $K exports; the power is cut now"
	exit 0
fi

# ---- boot 2
[ -s $N/ids ] && . $N/ids && ok "boot 1's notes are on the disk" || bail "boot 1 did not get to its power cut"
check "the loop device and the $K slices set up again" sh -c "losetup $LOOP $P/restore-$K.img" && slices "$LOOP" ||
	bail "no slices"
modprobe -a target_core_mod target_core_iblock iscsi_target_mod dm_mod && { grep -q " $CFG configfs" /proc/mounts ||
	mount -t configfs configfs $CFG; } && ok "LIO and dm loaded, configfs mounted (for both sides)" || bail "no LIO"
check_eq "configfs holds no target" "" "$(ls $CFG/target/iscsi 2>/dev/null)"

attachd-lio-floor "$FLOOR" /dev/mapper/rslice-%d "$K" >$VM_WORK/floor.out 2>&1 &&
	ok "$(cat $VM_WORK/floor.out)" || { VM_DIAG=$VM_WORK/floor.out not_ok "the raw-syscall floor"; bail "no floor"; }
FLOOR_MS=$(sed -n 's/^floor: [0-9]* exports in \([0-9]*\) ms.*/\1/p' $VM_WORK/floor.out)
check_eq "the floor's $K targets" "$K" "$(ls $CFG/target/iscsi | grep -c "^$FLOOR:")"

# attachd: from its exec to its socket, polled every 10 ms
echo "--- attachd start $(vm_uptime) (restore of $K)" >>"$ATTACHD_LOG"
T0=$(vm_uptime)
attachd --socket "$ATTACHD_SOCK" --db "$ATTACHD_DB" --portal "$VM_PORTAL" --foreground \
	--max-volumes $((K + 10)) --max-exports $((K + 10)) >>"$ATTACHD_LOG" 2>&1 &
ATTACHD_PID=$!
echo "$ATTACHD_PID" >/run/vm/attachd.pid
while [ ! -S "$ATTACHD_SOCK" ] && kill -0 $ATTACHD_PID 2>/dev/null; do usleep 10000; done
RESTORE_MS=$(ms_since "$T0")
[ -S "$ATTACHD_SOCK" ] && ok "attachd rebuilt its $K exports and opened its socket in $RESTORE_MS ms" ||
	{ VM_DIAG=$ATTACHD_LOG not_ok "attachd started on boot 1's database"; bail "no attachd"; }
check_eq "attachd's $K targets, each enabled" "$K $K" "$(ls $CFG/target/iscsi | grep -c "^$VM_PREFIX:") $(cat $CFG/target/iscsi/$VM_PREFIX:*/tpgt_1/enable | grep -c 1)"
T0=$(vm_uptime)
actl reconcile >$VM_WORK/rec 2>&1
RECON_MS=$(ms_since "$T0")
VM_DIAG=$VM_WORK/rec check "reconcile with $K live matching exports: nothing to do ($RECON_MS ms)" grep -q '^nothing to do' $VM_WORK/rec
RSS=$(awk '/^VmRSS/ { r = $2 } /^RssAnon/ { a = $2 } END { print r " KiB (RssAnon " a " KiB)" }' /proc/$ATTACHD_PID/status)
{
	echo "restore at boot, K = $K, $VM_KERNEL ($(vm_accel), $(nproc) vCPU); boot 1: $GROW"
	echo "  raw-syscall floor (attachd-lio-floor, the same objects): $FLOOR_MS ms"
	echo "  attachd, exec to socket, every export rebuilt:            $RESTORE_MS ms"
	awk -v a="$RESTORE_MS" -v b="$FLOOR_MS" 'BEGIN { printf "  attachd / floor:                                         %.2fx\n", a / b }'
	echo "  reconcile with $K live matching exports:                $RECON_MS ms (nothing to do)"
	echo "  attachd VmRSS after the restore:                         $RSS"
} >$VM_WORK/restore.txt
cat $VM_WORK/restore.txt
capture bench-restore-$K.txt <$VM_WORK/restore.txt
power_cut
ok "boot 2 done; the power is cut (no sweep of $((2 * K)) exports)"
