# 19 multipath, os-brick: Nova's library with use_multipath=True and multipathd running, given
# attachctl's JSON connection info for a volume exported on two portals (127.0.0.1:3260 and
# 127.0.0.2:3260, the second address added to lo), unchanged: connect_volume logs in over both
# portals and returns the multipath device over both disks, data passes through it, and
# disconnect_volume flushes the map and leaves no session. The guest has no udevd: osbrick.py stands
# in for it (the /dev/disk/by-id links, the udev database entries multipathd reads, and the uevent
# that tells multipathd of each new disk: `multipathd add path`). ~40 s under TCG (python's import: 18 s).
have_python || { skip "os-brick use_multipath=True" "image built without python (ATTACHD_VM_PYTHON=0)"; exit 0; }
P2=127.0.0.2:3260
cleanup_scenario() {
	[ -n "${MPD:-}" ] && kill "$MPD" 2>/dev/null && wait "$MPD"
	for m in $(dmsetup ls --target multipath 2>/dev/null | awk '$1 != "No" { print $1 }'); do
		dmsetup remove --retry "$m" >/dev/null 2>&1
	done
	[ -n "${TGT:-}" ] && iscsi_logout "$TGT"
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f /tmp/v19b.img /etc/multipath.conf
	rm -rf /run/udev /etc/multipath
	ip addr del 127.0.0.2/8 dev lo 2>/dev/null
}
ip -4 addr show dev lo | grep -q 'inet 127.0.0.2/' || ip addr add 127.0.0.2/8 dev lo || bail "no second address"
attachd_start --portal $P2 || bail "attachd did not start"
vol_export v19b "$VM_INI" || bail "no export"
check "attachctl --json initialize-connection: two portals" \
	actl --json initialize-connection "$VOL" --initiator "$VM_INI" --host guest --ip 127.0.0.1
cp "$VM_WORK/out" "$VM_WORK/conn.json"
cat "$VM_WORK/conn.json"
check "modprobe dm_multipath dm_round_robin dm_service_time" modprobe -a dm_multipath dm_round_robin dm_service_time
multipath_conf
multipathd -d -s >$VM_WORK/multipathd.log 2>&1 &
MPD=$!
wait_for 10 multipathd show status && ok "multipathd runs (no udevd)" ||
	VM_DIAG=$VM_WORK/multipathd.log not_ok "multipathd runs"
py_checks osbrick.py "$VM_WORK/conn.json" --multipath
sed 's/^/multipathd: /' $VM_WORK/multipathd.log
mpd_stop() { kill "$MPD" && wait "$MPD"; }
check "multipathd exits 0 on SIGTERM" mpd_stop
MPD=
check_eq "no multipath map left" "" "$(dmsetup ls --target multipath 2>/dev/null | awk '$1 != "No"')"
check_eq "no session left" "" "$(iscsiadm -m session 2>/dev/null)"
iscsi_logout "$TGT"
vol_unexport "$VM_INI"
check_clean "nothing of ours left"
cleanup_scenario
