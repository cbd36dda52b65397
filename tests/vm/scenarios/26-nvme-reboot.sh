# 26 nvme-reboot: an NVMe/TCP export survives a power cut, its DH-HMAC-CHAP keys included. Boot 1:
# attachd's database and the backing file on the persistent disk; an nvme-tcp volume exported to one
# host NQN, with bidirectional DH-HMAC-CHAP (ffdhe2048) where the kernel has it (6.12; on 6.1 without
# keys); the host connects with the returned values and writes 4 MiB, flushed; the connection info and
# nvmet's state (every object and value attachd writes, keys included) noted on the disk; the power is cut
# with the host connected. Boot 2: nothing of nvmet before attachd; the loop device set up again on the
# same file; attachd starts and rebuilds the export from its records before its socket appears: the same
# subsystem, namespace (device_uuid, nguid), host with the same keys, port and links; reconcile finds
# nothing to do; the host connects with boot 1's values (no key is refused on 6.12) and reads its data
# intact, then writes; everything taken down through attachd.
# vm-boots: 2
HN=nqn.2014-08.org.nvmexpress:uuid:26262626-aaaa-4bbb-8ccc-dddddddddddd
HI=26262626-aaaa-4bbb-8ccc-dddddddddddd
P=$VM_PERSIST
N=$P/notes26
NV=$CFG/nvmet
ATTACHD_DB=$P/db26
cleanup_scenario() {
	nvme disconnect-all >/dev/null 2>&1
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP" 2>/dev/null
	grep -q " $P " /proc/mounts && umount $P
}
check "the persistent disk mounts (virtio_blk, ext4)" persist_mount || bail "no persistent disk"
json() { sed -n "s/.*\"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\}[,}].*/\1/p" "$N/conn.json"; }
# nvmet_state: every nvmet object under configfs and the value of each attribute attachd writes
nvmet_state() {
	local f
	(cd $CFG && find nvmet -mindepth 1 \( -type d -o -type l \) | LC_ALL=C sort)
	for f in $(cd $CFG && find nvmet -type f \( -name 'attr_allow_any_host' -o -name 'device_*' -o -name enable \
		-o -name 'dhchap_*' -o -name 'addr_*' \) | LC_ALL=C sort); do
		echo "$f=$(cat "$CFG/$f" 2>&1)"
	done
}
# connect [nvme connect options]: the host connects with the noted connection info
connect() {
	nvme connect -t tcp -a "$(sed -n 's/.*"portals": \[\["\([^"]*\)".*/\1/p' $N/conn.json)" -s 4420 \
		-n "$(json target_nqn)" --hostnqn="$HN" --hostid="$HI" "$@"
}
keys() { [ -n "$(json dhchap_secret)" ] && echo --dhchap-secret="$(json dhchap_secret)" --dhchap-ctrl-secret="$(json dhchap_ctrl_secret)"; }

if [ "$VM_BOOT" = 1 ]; then
	rm -rf "$N" "$ATTACHD_DB" "$P"/v26.img && mkdir -p "$N"
	modprobe -a nvme_tcp || bail "nvme_tcp"
	attachd_start --nvme-port 127.0.0.1:4420 || bail "attachd did not start on the persistent database"
	LOOP=$(backing $P/v26.img 64) || bail "no loop device"
	VOL=$(actl volume-create --device "$LOOP" --transport nvme-tcp --name reboot-nvme 2>"$VM_WORK/err") &&
		actl reserve "$VOL" >/dev/null 2>>"$VM_WORK/err" || { VM_DIAG=$VM_WORK/err not_ok "volume-create, reserve"; bail "no volume"; }
	AUTH=1
	actl --json initialize-connection "$VOL" --nqn "$HN" --dhchap-bidirectional --dhchap-dhgroup ffdhe2048 \
		>"$N/conn.json" 2>"$VM_WORK/err" || {
		AUTH=0
		grep -q CONFIG_NVME_TARGET_AUTH "$VM_WORK/err" && echo "this kernel has no DH-HMAC-CHAP: exported without keys"
		actl --json initialize-connection "$VOL" --nqn "$HN" >"$N/conn.json" 2>"$VM_WORK/err"
	} && actl attach "$VOL" --instance "$(new_uuid)" --host guest --mountpoint /dev/vdb >/dev/null 2>>"$VM_WORK/err" &&
		ok "exported to $HN ($([ $AUTH = 1 ] && echo 'bidirectional DH-HMAC-CHAP, ffdhe2048' || echo 'no keys'))" ||
		{ VM_DIAG=$VM_WORK/err not_ok "initialize-connection, attach"; bail "no export"; }
	# shellcheck disable=SC2046
	check "the host connects with the returned values" connect $(keys)
	D=
	wait_for 10 nvme_ns_dev "$VOL" && D=$(nvme_ns_dev "$VOL")
	[ -n "$D" ] && ok "the namespace appears as /dev/$D" || { not_ok "no namespace with uuid $VOL"; bail "no disk"; }
	dd if=/dev/urandom of=$N/data bs=1M count=4 2>/dev/null
	check "the host writes 4 MiB (O_DIRECT, fsync)" dd if=$N/data of=/dev/$D bs=1M count=4 oflag=direct conv=notrunc,fsync
	printf 'VOL=%s\nLOOP=%s\nAUTH=%s\n' "$VOL" "$LOOP" "$AUTH" >$N/ids
	nvmet_state >$N/nvmet
	records "$VOL" >$N/records
	dmsetup table "attachd-$VOL" >$N/dm
	sync $N/* && sync $N
	power_cut
	ok "boot 1 done: attachd running, the host connected; the power is cut now"
	exit 0
fi

# ---- boot 2
[ -s $N/ids ] && . $N/ids && ok "boot 1's notes are on the disk (volume $VOL)" ||
	{ not_ok "boot 1's notes are on the disk" "none: boot 1 did not get to its power cut"; bail "nothing to check"; }
check_eq "nothing of nvmet before attachd starts (configfs not mounted)" "" "$(grep " $CFG configfs" /proc/mounts)"
check "the loop device set up again on the same file" losetup "$LOOP" $P/v26.img
modprobe -a nvme_tcp || bail "nvme_tcp"
T0=$(vm_uptime)
attachd_start --nvme-port 127.0.0.1:4420 || bail "attachd did not start on the database of boot 1"
ok "attachd starts on the database of boot 1 and rebuilds before its socket appears ($(ms_since "$T0") ms)"
nvmet_state >$VM_WORK/nvmet
same_state "nvmet's state is as in boot 1 (objects, links, device_uuid, nguid, keys, port)" $N/nvmet $VM_WORK/nvmet
[ "$AUTH" = 1 ] && check_eq "the host's key in configfs is the one returned in boot 1" "$(json dhchap_secret)" \
	"$(cat $NV/hosts/$HN/dhchap_key 2>&1)"
check_eq "the dm device as in boot 1" "$(cat $N/dm)" "$(dmsetup table "attachd-$VOL" 2>&1)"
records "$VOL" >$VM_WORK/records
same_state "the records are as in boot 1 (volume-show --secrets)" $N/records $VM_WORK/records
actl reconcile --dry-run >$VM_WORK/rec 2>&1
grep -q '^nothing to do' $VM_WORK/rec && ok "reconcile --dry-run: nothing to do" ||
	VM_DIAG=$VM_WORK/rec not_ok "reconcile --dry-run: nothing to do"
if [ "$AUTH" = 1 ]; then
	connect >"$VM_WORK/o" 2>&1 && { not_ok "no key: refused"; nvme disconnect -n "$(json target_nqn)"; } ||
		ok "no key: refused"
fi
# shellcheck disable=SC2046
check "the host connects with boot 1's values$([ "$AUTH" = 1 ] && echo ', keys included')" connect $(keys)
D=
wait_for 10 nvme_ns_dev "$VOL" && D=$(nvme_ns_dev "$VOL")
[ -n "$D" ] && ok "the namespace appears as /dev/$D" || not_ok "no namespace with uuid $VOL"
[ -n "$D" ] && check "the data of boot 1 is intact" sh -c "dd if=/dev/$D bs=1M count=4 iflag=direct 2>/dev/null | cmp - $N/data"
[ -n "$D" ] && check "the host writes and reads after the reboot" roundtrip /dev/$D 16
nvme disconnect -n "$(json target_nqn)" >/dev/null 2>&1
actl begin-detaching "$VOL" >/dev/null 2>"$VM_WORK/err" && actl terminate-connection "$VOL" --nqn "$HN" >/dev/null 2>>"$VM_WORK/err" &&
	actl detach "$VOL" >/dev/null 2>>"$VM_WORK/err" && actl volume-delete "$VOL" >/dev/null 2>>"$VM_WORK/err" &&
	ok "begin-detaching, terminate-connection, detach, volume-delete" || VM_DIAG=$VM_WORK/err not_ok "taken down"
check_eq "no subsystem, host or port of ours left" "" "$(ls $NV/subsystems $NV/hosts $NV/ports 2>/dev/null | grep -v -e '^$' -e ':$')"
check "attachd exits 0 on SIGTERM" attachd_stop
cleanup_scenario
