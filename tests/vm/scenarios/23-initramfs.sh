# 23 initramfs: attachd started by its initramfs-tools hook and scripts rebuilds every export before the
# root file system is mounted. Disks (run.sh): /dev/vda the root file system of boot 2 (this image's
# content, ext4 "attachd-vm"; boot 1 mounts it at /mnt/persist for the notes), /dev/vdb attachd's
# database's file system (ext4 "attachd-db", mounted at /var/lib/attachd as the image's fstab says),
# /dev/vdc and /dev/vdd two disks with serials (attachd-vol1, attachd-vol2): the volumes.
# Boot 1 (this image): attachd on /var/lib/attachd/db, portal 10.0.2.15:3260 (on lo here); both volumes
# exported to open-iscsi's initiator, data written through the sessions; notes on /dev/vda; power cut.
# Boot 2: the image Debian's mkinitramfs built with attachd's hook (tests/vm/initramfs-images.sh); ip=
# gives eth0 10.0.2.15; its init-premount script mounts /dev/vdb and starts attachd, a test-only
# local-top script notes what the kernel holds before the root is mounted, init-bottom stops attachd;
# then this image's /init runs on /dev/vda. Checked here: the exports were complete before the root
# was mounted, the initramfs's attachd stopped and unmounted its file system, the kernel is as in boot
# 1; attachd started again from the root (as attachd.service would) makes no object again and changes
# no value, dm device or table, and finds nothing to do; the initiator logs in with boot 1's credentials
# and reads its data. That a start over live matching exports writes nothing at all is proved with
# kprobes by 11-live-restart; not here: arming them in this boot took 2 to 22 s and once stalled a vCPU.
# vm-boots: 2
# Boot 2 runs on one vCPU with init_on_alloc=0 (docs/KERNEL.md, 'Rig pitfalls': TCG stalls after the switch).
# vm-boot2: mkinitramfs
P=$VM_PERSIST
N=$P/notes-23
DBMNT=/var/lib/attachd
ATTACHD_DB=$DBMNT/db
VM_PORTAL=10.0.2.15:3260
cleanup_scenario() {
	for t in ${TGT1:-} ${TGT2:-}; do iscsi_logout "$t"; done
	grep -q " $DBMNT " /proc/mounts && umount $DBMNT
	grep -q " $P " /proc/mounts && umount $P
}
# connect VOL NAME: reserve, initialize-connection, attach for open-iscsi's initiator; info in $N/conn-NAME
connect() {
	local att
	att=$(actl reserve "$1" 2>"$VM_WORK/err") &&
		actl initialize-connection "$1" --initiator "$VM_INI" --host guest --ip 10.0.2.15 >"$N/conn-$2" 2>"$VM_WORK/err" &&
		actl attach "$1" --instance "$(new_uuid)" --host guest --mountpoint /dev/vdb --attachment "$att" \
			>/dev/null 2>"$VM_WORK/err"
}
# login_as NAME: open-iscsi login with the connection info noted as NAME; prints the disk
login_as() {
	local c=$N/conn-$1 t
	t=$(kv target_iqn "$c")
	iscsi_login "$t" "$(kv target_portal "$c")" "$(kv auth_username "$c")" "$(kv auth_password "$c")" \
		>/dev/null 2>"$VM_WORK/err" && session_disk "$t" "$VM_INI"
}

if [ "$VM_BOOT" = 1 ]; then
	check "the disks are there: the root of boot 2, the database's, two volumes with serials" sh -c \
		"modprobe -a virtio_pci virtio_blk ext4 && for d in vda vdb vdc vdd; do test -b /dev/\$d || exit 1; done &&
		 test \"\$(cat /sys/block/vdc/serial)\" = attachd-vol1 && test \"\$(cat /sys/block/vdd/serial)\" = attachd-vol2" ||
		bail "disks missing (run.sh attaches them)"
	check "the root of boot 2 mounts at $P" persist_mount || bail "no root disk"
	rm -rf "$N" && mkdir -p "$N"
	mkdir -p $DBMNT && check "the database's file system mounts at $DBMNT" mount -t ext4 /dev/vdb $DBMNT || bail "no database disk"
	ip addr add 10.0.2.15/32 dev lo
	attachd_start >$VM_WORK/start 2>&1 ||
		{ VM_DIAG=$VM_WORK/start not_ok "attachd starts on $ATTACHD_DB"; bail "no attachd"; }
	V1=$(actl volume-create --device /dev/vdc --name initramfs-1 2>"$VM_WORK/err") &&
		V2=$(actl volume-create --device /dev/vdd --name initramfs-2 2>>"$VM_WORK/err") &&
		connect "$V1" v1 && connect "$V2" v2 &&
		ok "two volumes on disks with serials, exported to $VM_INI over 10.0.2.15:3260" ||
		{ VM_DIAG=$VM_WORK/err not_ok "two volumes exported"; bail "no exports"; }
	TGT1=$(kv target_iqn "$N/conn-v1") TGT2=$(kv target_iqn "$N/conn-v2")
	D1=$(login_as v1) && D2=$(login_as v2) && ok "two sessions log in ($D1, $D2)" ||
		{ VM_DIAG=$VM_WORK/err not_ok "two sessions log in"; bail "no sessions"; }
	dd if=/dev/urandom of=$N/data-1 bs=1M count=4 2>/dev/null && dd if=/dev/urandom of=$N/data-2 bs=1M count=4 2>/dev/null
	check "4 MiB written to volume 1 through its session (O_DIRECT, fsync)" \
		dd if=$N/data-1 of=/dev/$D1 bs=1M count=4 oflag=direct conv=notrunc,fsync
	check "4 MiB written to volume 2 through its session (O_DIRECT, fsync)" \
		dd if=$N/data-2 of=/dev/$D2 bs=1M count=4 oflag=direct conv=notrunc,fsync
	iscsi_logout "$TGT1" && iscsi_logout "$TGT2"
	printf 'V1=%s\nV2=%s\nTGT1=%s\nTGT2=%s\n' "$V1" "$V2" "$TGT1" "$TGT2" >$N/ids
	kernel_state >$N/kernel
	records "$V1" "$V2" >$N/records
	check "attachd exits 0 on SIGTERM" attachd_stop
	check "the database's file system unmounts" umount $DBMNT
	sync $N/* && sync $N
	power_cut
	ok "boot 1 done: two exports on the database's own file system; the power is cut now"
	exit 0
fi

# ---- boot 2: / is /dev/vda, reached through the mkinitramfs image
N=/notes-23
O=/run/initramfs/attachd-vm
[ -s $N/ids ] && . $N/ids && ok "boot 1's notes are on the root file system (volumes $V1, $V2)" ||
	{ not_ok "boot 1's notes are on the root file system" "none: boot 1 did not get to its power cut"; bail "nothing to check"; }
check "the root file system is /dev/vda, ext4, read-write (root=LABEL=attachd-vm rw)" grep -q '^/dev/vda / ext4 rw' /proc/mounts
check "the initramfs came from mkinitramfs: its attachd log and its notes before the root was mounted" \
	test -s /run/initramfs/attachd.log -a -s $O/premount-state
cat $O/premount-state
VM_DIAG=$O/premount-state check "before the root was mounted: attachd was running, its database's file system mounted read-write" \
	sh -c "grep -qx 'root mounted: 0' $O/premount-state && grep -qx 'attachd running: yes' $O/premount-state &&
	       grep -qx 'database mounted: 1' $O/premount-state"
for t in $TGT1 $TGT2; do
	VM_DIAG=$O/premount-state check "before the root was mounted: $t enabled, with its ACL" \
		grep -qx "target $t enable=1 acls=$VM_INI " $O/premount-state
done
VM_DIAG=$O/premount-state check "before the root was mounted: both dm devices" \
	sh -c "grep -qx 'dm attachd-$V1' $O/premount-state && grep -qx 'dm attachd-$V2' $O/premount-state"
VM_DIAG=$O/volume-list check "before the root was mounted: attachctl volume-list through the initramfs's socket lists both" \
	sh -c "grep -q '^$V1 ' $O/volume-list && grep -q '^$V2 ' $O/volume-list"
grep -v '^$' /run/initramfs/attachd.log | tail -n 12
VM_DIAG=/run/initramfs/attachd.log check "the initramfs's attachd log: started by attachd-initramfs, stopped before the switch" \
	sh -c "grep -q '^--- attachd started by attachd-initramfs at .*database on /dev/vdb' /run/initramfs/attachd.log &&
	       grep -q '^--- attachd stopped by attachd-initramfs' /run/initramfs/attachd.log"
check_eq "no attachd process left from the initramfs" "" "$(pidof attachd)"
check_fails "the database's file system was unmounted in the initramfs" grep -q " $DBMNT " /proc/mounts
check "ip= gave eth0 10.0.2.15 (initramfs-tools' configure_networking)" sh -c "ip -4 addr show dev eth0 | grep -q 'inet 10.0.2.15/24'"
kernel_state >$VM_WORK/kernel
same_state "the kernel's state is as in boot 1 (configfs tree, every value attachd writes, dm devices and tables)" \
	$N/kernel $VM_WORK/kernel

# attachd from the root file system, as attachd.service would start it after the switch
mkdir -p $DBMNT && check "the database's file system mounts at $DBMNT (as the root's fstab would)" mount -t ext4 /dev/vdb $DBMNT
cfs_inodes >$VM_WORK/inodes
t0=$(vm_uptime)
ATTACHD_START_LIMIT=60 attachd_start >$VM_WORK/start 2>&1 ||
	{ VM_DIAG=$ATTACHD_LOG not_ok "attachd starts from the root file system" "$(cat $VM_WORK/start)"; bail "no attachd"; }
echo "attachd's start from the root: $(ms_since "$t0") ms to its socket"
cfs_inodes >$VM_WORK/inodes-after
kernel_state >$VM_WORK/kernel-after
same_state "attachd's start from the root makes no configfs object again (inode numbers)" $VM_WORK/inodes $VM_WORK/inodes-after
same_state "attachd's start from the root changes no value, dm device or table" $VM_WORK/kernel $VM_WORK/kernel-after
actl reconcile --dry-run >$VM_WORK/rec 2>&1
VM_DIAG=$VM_WORK/rec check "reconcile --dry-run: nothing to do" grep -q '^nothing to do' $VM_WORK/rec
records "$V1" "$V2" >$VM_WORK/records
same_state "the records are as in boot 1 (volume-show --secrets)" $N/records $VM_WORK/records
D1=$(login_as v1) && ok "the initiator logs in to volume 1 with boot 1's credentials ($D1)" ||
	VM_DIAG=$VM_WORK/err not_ok "the initiator logs in to volume 1 with boot 1's credentials"
D2=$(login_as v2) && ok "the initiator logs in to volume 2 with boot 1's credentials ($D2)" ||
	VM_DIAG=$VM_WORK/err not_ok "the initiator logs in to volume 2 with boot 1's credentials"
same_at() { dd if="/dev/$1" bs=1M count=4 iflag=direct 2>/dev/null | cmp - "$2"; }
[ -n "$D1" ] && check "volume 1: its data intact" same_at "$D1" $N/data-1
[ -n "$D2" ] && check "volume 2: its data intact" same_at "$D2" $N/data-2

for t in $TGT1 $TGT2; do iscsi_logout "$t"; done
: >"$VM_WORK/err"
for v in $V1 $V2; do
	a=$(actl --json volume-show "$v" | grep -o '"attachment_id": "[^"]*"' | cut -d '"' -f 4)
	actl begin-detaching "$v" >/dev/null 2>>"$VM_WORK/err" &&
		actl terminate-connection "$v" --initiator "$VM_INI" >/dev/null 2>>"$VM_WORK/err" &&
		actl detach "$v" --attachment "$a" >/dev/null 2>>"$VM_WORK/err" && actl volume-delete "$v" >/dev/null 2>>"$VM_WORK/err"
done
[ -s "$VM_WORK/err" ] && VM_DIAG=$VM_WORK/err not_ok "begin-detaching, terminate-connection, detach, volume-delete of both" ||
	ok "begin-detaching, terminate-connection, detach, volume-delete of both"
check_clean "nothing of ours left"
check "attachd exits 0 on SIGTERM" attachd_stop
cleanup_scenario
