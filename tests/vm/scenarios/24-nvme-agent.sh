# 24 nvme-agent: attachd's own NVMe/TCP path on the real kernel (22 proved the writer alone). A volume
# created with --transport nvme-tcp, exported by initialize-connection --nqn; nvme-cli connects with
# attachctl's values (subsystem, address, port, host NQN); the namespace's uuid is the volume id; a 4 MiB
# round trip lands on the loop device. A second host NQN on the multiattach volume: its terminate cuts it
# off (its controller cannot reconnect: not allowed) while the first reconnects and keeps working.
# attachd restarted under a connected host: nothing written, still live. The last terminate: the
# controller goes. DH-HMAC-CHAP with the keys attachctl returns (bidirectional, ffdhe2048) on 6.12, where
# no key and a wrong host key are refused by the target and a wrong controller key by the host; on 6.1
# refused as unsupported. Nothing of ours left.
HA=nqn.2014-08.org.nvmexpress:uuid:44444444-5555-6666-7777-888888888888
IA=44444444-5555-6666-7777-888888888888
HB=nqn.2014-08.org.nvmexpress:uuid:55555555-6666-7777-8888-999999999999
IB=55555555-6666-7777-8888-999999999999
NV=$CFG/nvmet
INST=6f1c9d7e-1111-4222-8333-944455556666
cleanup_scenario() {
	nvme disconnect-all >/dev/null 2>&1
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f /tmp/v24.img
}
# json KEY: a string or number of the connection info in $VM_WORK/conn.json
json() { sed -n "s/.*\"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\}[,}].*/\1/p" "$VM_WORK/conn.json"; }
# the controller of host NQN $1 on subsystem $NQN (sysfs path), and its state
ctrl_of() {
	local c
	for c in /sys/class/nvme/nvme*; do
		[ "$(cat $c/subsysnqn 2>/dev/null)" = "$NQN" ] && [ "$(cat $c/hostnqn 2>/dev/null)" = "$1" ] && { echo "$c"; return 0; }
	done
	return 1
}
state_of() { local c; c=$(ctrl_of "$1") && cat "$c/state"; }
live() { [ "$(state_of "$1")" = live ]; }
connect() { # HOSTNQN HOSTID [options]: with the connection info's values, reconnecting every second
	local h=$1 i=$2
	shift 2
	nvme connect -t tcp -a "$ADDR" -s "$SVC" -n "$NQN" --hostnqn="$h" --hostid="$i" \
		--reconnect-delay=1 --ctrl-loss-tmo=30 "$@"
}
init() { # HOSTNQN [options]: reserve, initialize-connection (JSON into conn.json), attach
	actl reserve "$VOL" >/dev/null &&
		actl --json initialize-connection "$VOL" --nqn "$@" >"$VM_WORK/conn.json" 2>"$VM_WORK/err" &&
		actl attach "$VOL" --instance "$INST" --host guest --mountpoint /dev/vdb >/dev/null 2>>"$VM_WORK/err"
}
detach_of() { # HOSTNQN: begin-detaching, terminate-connection, detach of that host's attachment
	local att
	att=$(actl --json volume-show "$VOL" | tr '{' '\n' | grep "\"initiator\": \"$1\"" | grep '"connected": true' |
		sed -n 's/.*"attachment_id": "\([^"]*\)".*/\1/p' | head -n 1)
	actl begin-detaching "$VOL" && actl terminate-connection "$VOL" --nqn "$1" && actl detach "$VOL" --attachment "$att"
}

modprobe -a nvme_tcp || bail "nvme_tcp"
attachd_start --nvme-port 127.0.0.1:4420 || bail "attachd with --nvme-port did not start"
check "attachd loaded nvmet and nvmet_tcp: nvmet/ in configfs" test -d $NV/subsystems
LOOP=$(backing /tmp/v24.img 64) || bail "no loop device"
VOL=$(actl volume-create --device "$LOOP" --multiattach --transport nvme-tcp 2>"$VM_WORK/err") ||
	{ VM_DIAG=$VM_WORK/err not_ok "volume-create --transport nvme-tcp"; bail "no volume"; }
if init "$HA"; then ok "reserve, initialize-connection --nqn, attach"; else VM_DIAG=$VM_WORK/err not_ok "export"; fi
cat "$VM_WORK/conn.json"
NQN=$(json target_nqn)
check_eq "driver_volume_type nvmeof, vol_uuid the volume id, ns_id 1" "nvmeof $VOL 1" \
	"$(json driver_volume_type) $(json vol_uuid) $(json ns_id)"
ADDR=$(sed -n 's/.*"portals": \[\["\([^"]*\)", "\([^"]*\)", "tcp"\]\].*/\1/p' "$VM_WORK/conn.json")
SVC=$(sed -n 's/.*"portals": \[\["\([^"]*\)", "\([^"]*\)", "tcp"\]\].*/\2/p' "$VM_WORK/conn.json")
check_eq "the portal: 127.0.0.1 4420 tcp" "127.0.0.1 4420" "$ADDR $SVC"
check "nvme connect with the connection info" connect "$HA" "$IA"
DEV=
wait_for 10 nvme_ns_dev "$VOL" && DEV=$(nvme_ns_dev "$VOL")
[ -n "$DEV" ] && ok "the namespace appears as /dev/$DEV, found by vol_uuid" || not_ok "no namespace with uuid $VOL"
[ -n "$DEV" ] && check "4 MiB round trip" roundtrip /dev/$DEV 0 && check "the same bytes on the loop device" same_bytes "$LOOP"
# nvme-cli 2.4 answers "already connected" for a second controller to the same subsystem and address,
# whatever its host NQN (--duplicate-connect or not): the second host goes through the kernel's
# /dev/nvme-fabrics itself, with duplicate_connect
connect_b() {
	printf 'transport=tcp,traddr=%s,trsvcid=%s,nqn=%s,hostnqn=%s,hostid=%s,duplicate_connect,reconnect_delay=1,ctrl_loss_tmo=30' \
		"$ADDR" "$SVC" "$NQN" "$HB" "$IB" >/dev/nvme-fabrics
}
connect_b 2>"$VM_WORK/o" && { not_ok "an unlisted host NQN is refused"; nvme disconnect -n "$NQN" >/dev/null 2>&1;
	connect "$HA" "$IA" >/dev/null 2>&1; } || ok "an unlisted host NQN is refused ($(head -c 60 "$VM_WORK/o"))"

# a second host on the multiattach volume, then its terminate: cut off, the first reconnects
if init "$HB"; then ok "a second host: initialize-connection --nqn $HB"; else VM_DIAG=$VM_WORK/err not_ok "second host"; fi
check "the second host connects" connect_b
check "both controllers live" sh -c "[ \"\$(cat $(ctrl_of "$HA")/state)\" = live ] && [ \"\$(cat $(ctrl_of "$HB")/state)\" = live ]"
T0=$(vm_uptime)
detach_of "$HB" >"$VM_WORK/out" 2>&1 && ok "terminate-connection --nqn $HB" || VM_DIAG=$VM_WORK/out not_ok "terminate B"
check "the first host is live again within 15 s" wait_for 15 live "$HA"
echo "first host live again after $(ms_since "$T0") ms"
sleep 3
state=$(state_of "$HB")
[ "$state" != live ] && ok "the terminated host cannot reconnect (its controller: ${state:-gone})" ||
	not_ok "the terminated host cannot reconnect (its controller is live)"
[ -n "$DEV" ] && check "I/O of the first host after the cut" roundtrip /dev/$DEV 8
nvme disconnect -n "$NQN" --hostnqn="$HB" >/dev/null 2>&1
for c in /sys/class/nvme/nvme*; do [ "$(cat $c/hostnqn 2>/dev/null)" = "$HB" ] && nvme disconnect -d "${c##*/}" >/dev/null 2>&1; done

# attachd restarted under the connected host
check "attachd exits 0 on SIGTERM" attachd_stop
MARK=$(wc -l <"$ATTACHD_LOG")
check "attachd starts again" attachd_start --nvme-port 127.0.0.1:4420
check_eq "nothing written at the restart" "" "$(tail -n +$((MARK + 1)) "$ATTACHD_LOG" | grep -E 'done:|reconcile:')"
check "the host is still live, I/O passes" sh -c "[ \"\$(cat $(ctrl_of "$HA")/state)\" = live ]"
[ -n "$DEV" ] && check "I/O after the restart" roundtrip /dev/$DEV 16

# the last host: the export goes, the controller with it
detach_of "$HA" >"$VM_WORK/out" 2>&1 && ok "terminate-connection of the last host" || VM_DIAG=$VM_WORK/out not_ok "terminate A"
sleep 2
state=$(state_of "$HA")
[ "$state" != live ] && ok "the last host is cut off (${state:-gone})" || not_ok "the last host is cut off (live)"
nvme disconnect-all >/dev/null 2>&1
check_eq "no subsystem, host or port of ours left" "" "$(ls $NV/subsystems $NV/hosts $NV/ports 2>/dev/null | grep -v -e '^$' -e ':$')"

# DH-HMAC-CHAP: bidirectional with ffdhe2048 where the kernel has it
if init "$HA" --dhchap-bidirectional --dhchap-dhgroup ffdhe2048; then
	KEY=$(json dhchap_secret)
	CKEY=$(json dhchap_ctrl_secret)
	check_eq "the host's key in configfs is the one returned" "$KEY" "$(cat $NV/hosts/$HA/dhchap_key)"
	connect "$HA" "$IA" >"$VM_WORK/o" 2>&1 && { not_ok "DH-HMAC-CHAP: no key refused"; nvme disconnect -n "$NQN"; } ||
		ok "DH-HMAC-CHAP: no key refused"
	WKEY=$(attachd-nvmet-export gen-key 0)
	connect "$HA" "$IA" --dhchap-secret="$WKEY" --dhchap-ctrl-secret="$CKEY" >"$VM_WORK/o" 2>&1 &&
		{ not_ok "DH-HMAC-CHAP: a wrong host key refused"; nvme disconnect -n "$NQN"; } ||
		ok "DH-HMAC-CHAP: a wrong host key refused"
	connect "$HA" "$IA" --dhchap-secret="$KEY" --dhchap-ctrl-secret="$WKEY" >"$VM_WORK/o" 2>&1 &&
		{ not_ok "DH-HMAC-CHAP: the host refuses a controller without the returned controller key"; nvme disconnect -n "$NQN"; } ||
		ok "DH-HMAC-CHAP: the host refuses a controller without the returned controller key"
	check "DH-HMAC-CHAP bidirectional with the returned keys" connect "$HA" "$IA" --dhchap-secret="$KEY" \
		--dhchap-ctrl-secret="$CKEY"
	nvme disconnect-all >/dev/null 2>&1
	detach_of "$HA" >/dev/null 2>&1
else
	grep -q "CONFIG_NVME_TARGET_AUTH" "$VM_WORK/err" && [ ! -f $NV/discovery_nqn ] &&
		ok "6.1: DH-HMAC-CHAP refused as unsupported ($(head -c 100 "$VM_WORK/err"))" ||
		VM_DIAG=$VM_WORK/err not_ok "DH-HMAC-CHAP"
	actl unreserve "$VOL" >/dev/null 2>&1
fi
check "volume-delete" actl volume-delete "$VOL"
check_eq "nothing of ours left" "" "$(ls $NV/subsystems $NV/hosts $NV/ports 2>/dev/null | grep -v -e '^$' -e ':$')"
check "attachd exits 0 on SIGTERM" attachd_stop
cleanup_scenario
