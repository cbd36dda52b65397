# 25 nvme-os-brick: what Nova runs, and NVMe/TCP beside iSCSI. os-brick's NVMe-oF connector (python3-os-brick,
# NVMEOF, no multipath) connects with attachctl's JSON connection info unchanged: it runs `nvme connect`
# with the host NQN of the info, finds the namespace by vol_uuid, data passes; the volume grows under the
# connected host (backing file, loop device, attachctl volume-extend) and os-brick's extend_volume returns
# the new size (nvmet's revalidate_size: the host rescans); disconnect_volume leaves no controller. Then an
# iSCSI volume and an NVMe/TCP volume live side by side, each read and written by its own initiator, and
# the same agent times an iSCSI export against an NVMe/TCP one, alternating (attachd-bench --transports;
# numbers to the console and to build/vm/<suite>/transports.txt). Last, an agent with an IPv6 port alone
# ([::1]:4420): the connection info's portal, nvmet's port, a host connecting over ::1. Nothing left.
HN=nqn.2014-08.org.nvmexpress:uuid:7a1c2e3f-4b5d-4e6f-8a7b-9c0d1e2f3a4b
NV=$CFG/nvmet
INST=6f1c9d7e-1111-4222-8333-944455556666
cleanup_scenario() {
	nvme disconnect-all >/dev/null 2>&1
	[ -n "${TGT:-}" ] && iscsi_logout "$TGT"
	for l in ${LOOP:-} ${LN:-} ${LB1:-} ${LB2:-}; do losetup -d "$l" 2>/dev/null; done
	rm -f /tmp/v25*.img /etc/nvme/hostnqn /etc/nvme/hostid
}
json() { sed -n "s/.*\"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\}[,}].*/\1/p" "$2"; }
# nvme_export DEV NAME: an nvme-tcp volume on DEV exported to $HN (reserve, initialize-connection --json
# into $VM_WORK/NAME.json, attach); prints the volume id
nvme_export() {
	local v
	v=$(actl volume-create --device "$1" --transport nvme-tcp 2>"$VM_WORK/err") && actl reserve "$v" >/dev/null 2>>"$VM_WORK/err" &&
		actl --json initialize-connection "$v" --nqn "$HN" >"$VM_WORK/$2.json" 2>>"$VM_WORK/err" &&
		actl attach "$v" --instance "$INST" --host guest --mountpoint /dev/vdc >/dev/null 2>>"$VM_WORK/err" && echo "$v"
}
nvme_unexport() { # VOL: begin-detaching, terminate-connection, detach, volume-delete
	actl begin-detaching "$1" && actl terminate-connection "$1" --nqn "$HN" && actl detach "$1" && actl volume-delete "$1"
}
ours_nvmet() { ls $NV/subsystems $NV/hosts $NV/ports 2>/dev/null | grep -v -e '^$' -e ':$'; }

modprobe -a nvme_tcp || bail "nvme_tcp"
attachd_start --nvme-port 127.0.0.1:4420 || bail "attachd with --nvme-port did not start"

# ---- os-brick's NVMe-oF connector
if have_python; then
	# the host as Debian's nvme-cli package leaves it (its postinst writes both): os-brick reports
	# hostnqn as the connector's nqn, and nvme connect sends hostid with it
	mkdir -p /etc/nvme && echo "$HN" >/etc/nvme/hostnqn && echo "${HN##*:}" >/etc/nvme/hostid
	LN=$(backing /tmp/v25n.img 64) || bail "no loop device"
	VN=$(nvme_export "$LN" osbrick) && ok "an nvme-tcp volume exported to $HN (attachctl --json)" ||
		{ VM_DIAG=$VM_WORK/err not_ok "an nvme-tcp volume exported"; bail "no export"; }
	cat "$VM_WORK/osbrick.json"
	py_checks osbrick-nvme.py "$VM_WORK/osbrick.json" sh -c \
		"truncate -s 96M /tmp/v25n.img && losetup -c $LN && attachctl -s $ATTACHD_SOCK volume-extend $VN" \
		"backing file 96 MiB, losetup -c, attachctl volume-extend"
	check_eq "the dm device grew to 96 MiB" 196608 "$(dmsetup table "attachd-$VN" | awk '{print $2}')"
	nvme_unexport "$VN" >"$VM_WORK/out" 2>&1 && ok "begin-detaching, terminate-connection, detach, volume-delete" ||
		VM_DIAG=$VM_WORK/out not_ok "nvme-tcp volume taken down"
	check_eq "no subsystem, host or port of ours left" "" "$(ours_nvmet)"
else
	skip "os-brick's NVMe-oF connector" "image built without python (ATTACHD_VM_PYTHON=0)"
fi

# ---- iSCSI and NVMe/TCP side by side
vol_export v25i "$VM_INI" || bail "no iSCSI export"
VI=$VOL
LB1=$(backing /tmp/v25b.img 64) || bail "no loop device"
VB=$(nvme_export "$LB1" side) && ok "beside it, an nvme-tcp volume exported to $HN" ||
	{ VM_DIAG=$VM_WORK/err not_ok "an nvme-tcp volume beside the iSCSI one"; bail "no export"; }
check "the iSCSI initiator logs in" iscsi_login "$TGT" "$PORTAL" "$CHAP_USER" "$CHAP_PASS"
SD=$(session_disk "$TGT") || not_ok "the iSCSI disk appears"
NQN=$(json target_nqn "$VM_WORK/side.json")
check "the NVMe host connects" nvme connect -t tcp -a 127.0.0.1 -s 4420 -n "$NQN" --hostnqn="$HN" \
	--hostid="${HN##*:}"
ND=
wait_for 10 nvme_ns_dev "$VB" && ND=$(nvme_ns_dev "$VB")
[ -n "$ND" ] && ok "the NVMe namespace appears as /dev/$ND" || not_ok "no namespace with uuid $VB"
[ -n "${SD:-}" ] && check "iSCSI: 4 MiB round trip" roundtrip /dev/$SD 0 && check "... the bytes on its loop device" same_bytes "$LOOP"
[ -n "$ND" ] && check "NVMe/TCP: 4 MiB round trip" roundtrip /dev/$ND 0 && check "... the bytes on its loop device" same_bytes "$LB1"
check "both exports in the kernel at once: a LIO target with its LUN, an nvmet subsystem with its namespace" sh -c \
	"test -d $CFG/target/iscsi/$TGT/tpgt_1/lun/lun_0 && test -d $NV/subsystems/$NQN/namespaces/1"
nvme disconnect -n "$NQN" >/dev/null 2>&1
iscsi_logout "$TGT"
TGT=
nvme_unexport "$VB" >"$VM_WORK/out" 2>&1 && ok "the NVMe/TCP volume taken down" || VM_DIAG=$VM_WORK/out not_ok "NVMe down"
VOL=$VI
vol_unexport "$VM_INI"

# ---- the same agent, an iSCSI export against an NVMe/TCP one
LB2=$(backing /tmp/v25c.img 64) || bail "no loop device"
if command -v attachd-bench >/dev/null; then
	attachd-bench -s "$ATTACHD_SOCK" --transports "$LOOP" "$LB2" --rounds 10 >"$VM_WORK/tr.out" 2>&1
	rc=$?
	cat "$VM_WORK/tr.out"
	{ echo "# 25-nvme-os-brick, $(uname -r), $(nproc) vCPU, $(vm_accel)"; cat "$VM_WORK/tr.out"; } | capture transports.txt
	[ $rc = 0 ] && ok "attachd-bench --transports ran to its end" || VM_DIAG=$VM_WORK/tr.out not_ok "attachd-bench --transports"
else
	not_ok "attachd-bench in the image" "make build/tests/bench/bench"
fi

# ---- an IPv6 port alone
check "attachd exits 0 on SIGTERM" attachd_stop
attachd_start --nvme-port '[::1]:4420' || bail "attachd with an IPv6 --nvme-port did not start"
VB=$(nvme_export "$LB1" v6) && ok "an nvme-tcp volume exported through [::1]:4420" ||
	VM_DIAG=$VM_WORK/err not_ok "an export through an IPv6 port"
check_eq "the port in the connection info: the address without brackets" '[["::1", "4420", "tcp"]]' \
	"$(sed -n 's/.*"portals": \(\[\[[^]]*\]\]\).*/\1/p' "$VM_WORK/v6.json")"
check_eq "nvmet's port: ipv6 ::1 4420 tcp" "ipv6 ::1 4420 tcp" \
	"$(cat $NV/ports/*/addr_adrfam $NV/ports/*/addr_traddr $NV/ports/*/addr_trsvcid $NV/ports/*/addr_trtype | tr '\n' ' ' | sed 's/ $//')"
NQN=$(json target_nqn "$VM_WORK/v6.json")
check "the host connects over ::1" nvme connect -t tcp -a ::1 -s 4420 -n "$NQN" --hostnqn="$HN" --hostid="${HN##*:}"
ND=
wait_for 10 nvme_ns_dev "$VB" && ND=$(nvme_ns_dev "$VB")
[ -n "$ND" ] && check "4 MiB round trip over IPv6" roundtrip /dev/$ND 0 || not_ok "no namespace over IPv6"
nvme disconnect -n "$NQN" >/dev/null 2>&1
nvme_unexport "$VB" >"$VM_WORK/out" 2>&1 && ok "taken down" || VM_DIAG=$VM_WORK/out not_ok "IPv6 export taken down"
check_clean "nothing of ours left (LIO, dm)"
check_eq "nothing of ours left (nvmet)" "" "$(ours_nvmet)"
check "attachd exits 0 on SIGTERM" attachd_stop
cleanup_scenario
