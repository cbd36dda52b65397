# 22 nvmet: NVMe over TCP by configfs/nvmet*.c alone (attachd-nvmet-export, tests/tools/nvmet-export.c; not
# the agent). First the errno of each wrong move, probed by hand on a clean tree and captured for the
# simulator (nvmet-errno-capture.txt, replayed by tests/unit/test_nvmet_golden.c). Then one export on a loop
# device: the readers agree, the nvmet tree is captured (nvmet-capture.txt, compared with the simulator's),
# nvme-cli connects over 127.0.0.1:4420 as the allowed host, the namespace's uuid and nguid are the volume
# id, subsystem serial and model as written, 4 MiB round trip (the same bytes on the loop device), another
# host refused; a port of another tool on the address is used and left. DH-HMAC-CHAP with keys from
# nvmet_secret.c: on 6.12 no key refused, the key authenticates (hash 00 and 01), bidirectional with
# ffdhe2048; on 6.1 (no CONFIG_NVME_TARGET_AUTH) a key is refused before anything is made. Teardown by the
# tool leaves nothing.
ID=11111111-2222-3333-4444-555555555555
NQN=nqn.2026-11.org.attachd:$ID
HOSTID=22222222-3333-4444-5555-666666666666
HOST=nqn.2014-08.org.nvmexpress:uuid:$HOSTID
OTHERID=33333333-4444-5555-6666-777777777777
OTHER=nqn.2014-08.org.nvmexpress:uuid:$OTHERID
NV=$CFG/nvmet
X=attachd-nvmet-export
FILE=/tmp/v22.img
cleanup_scenario() {
	nvme disconnect -n "$NQN" >/dev/null 2>&1
	[ -n "${PORTID:-}" ] && $X unexport "$NQN" "$HOST" "$PORTID" "${MADE:-1}" >/dev/null 2>&1
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -rf "$FILE" /tmp/v22-file /tmp/v22dir
}
# the NVMe block device whose uuid is $ID, within 10 s: with native multipath the head nvmeXnY, which has
# a device node (the path device nvmeXcYnZ is in sysfs too, with the same uuid, but hidden: no node, and a
# dd to /dev/nvmeXcYnZ would only make a file)
ns_dev() {
	local b n=100
	while [ $n -gt 0 ]; do
		for b in /sys/block/nvme*; do
			case ${b##*/} in *c*) continue ;; esac
			[ -b "/dev/${b##*/}" ] && [ "$(cat "$b/uuid" 2>/dev/null)" = "$ID" ] && { echo "${b##*/}"; return 0; }
		done
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
connect() { # HOSTNQN HOSTID [nvme connect options]
	local h=$1 i=$2
	shift 2
	nvme connect -t tcp -a 127.0.0.1 -s 4420 -n "$NQN" --hostnqn="$h" --hostid="$i" "$@"
}
nothing_left() {
	local left
	left=$(cd $NV && ls -1 subsystems hosts ports 2>/dev/null | grep -v -e '^$' -e ':$')
	[ -z "$left" ] || { echo "left: $left"; return 1; }
}

modprobe -a nvmet nvmet_tcp nvme_tcp || bail "nvmet modules"
grep -qs " $CFG configfs " /proc/mounts || mount -t configfs configfs $CFG
check "nvmet, nvmet_tcp and nvme_tcp loaded; nvmet/ in configfs" test -d $NV/subsystems || bail "no nvmet"
LOOP=$(backing "$FILE" 64) || bail "no loop device"

# ---- the errno of each wrong move, on a clean tree
AUTH=0
[ -f "$NV/discovery_nqn" ] && AUTH=1 # 6.12's nvmet; the writer itself asks hosts/<nqn>/dhchap_key
S=nvmet/subsystems/nqn.2026-11.org.attachd:probe
H=nvmet/hosts/$OTHER
P=nvmet/ports/7
Q=nvmet/ports/8
mkdir -p /tmp/v22dir
export NVMET_PROBE_DEV=$LOOP NVMET_PROBE_DIR=/tmp/v22dir NVMET_PROBE_MISSING=/tmp/v22-missing NVMET_PROBE_ID=$ID \
	NVMET_PROBE_FILE=/tmp/v22-file
truncate -s 16M /tmp/v22-file
probe() { $X try "$@" >>"$VM_WORK/errno"; }
: >"$VM_WORK/errno"
probe mkdir nvmet/subsystems/nqn.2014-08.org.nvmexpress.discovery
probe mkdir $S
probe mkdir $S/namespaces/0
probe mkdir $S/namespaces/4294967295
probe mkdir $S/namespaces/x
probe mkdir $S/namespaces/1
probe write $S/namespaces/1/enable 1
probe write $S/namespaces/1/enable maybe
probe write $S/namespaces/1/device_path @MISSING@
probe write $S/namespaces/1/enable 1
probe write $S/namespaces/1/device_path @DIR@
probe write $S/namespaces/1/enable 1
probe write $S/namespaces/1/device_uuid not-a-uuid
probe write $S/namespaces/1/device_nguid 0123
probe write $S/namespaces/1/device_path @DEV@
probe write $S/namespaces/1/device_uuid @ID@
probe write $S/namespaces/1/device_nguid @ID@
probe write $S/namespaces/1/enable 1
probe write $S/namespaces/1/enable 1
probe write $S/namespaces/1/device_path @DEV@
probe write $S/namespaces/1/device_uuid @ID@
probe write $S/namespaces/1/device_nguid @ID@
probe write $S/namespaces/1/buffered_io 1
probe mkdir $S/namespaces/0x1
probe write $S/namespaces/0x1/device_path @DEV@
probe write $S/namespaces/0x1/enable 1
probe rmdir $S/namespaces/0x1
probe write $S/attr_serial 123456789012345678901
probe write $S/attr_model 12345678901234567890123456789012345678901
probe write $S/attr_serial 11111111222233334444
probe write $S/attr_model attachd
probe write $S/attr_model @EMPTY@
probe mkdir $S/namespaces/2
probe write $S/namespaces/2/device_path @DEV@
probe write $S/namespaces/2/enable 1
probe write $S/namespaces/2/enable 0
probe write $S/namespaces/2/device_path @FILE@
probe write $S/namespaces/2/buffered_io 1
probe write $S/namespaces/2/enable 1
probe write $S/namespaces/2/enable 0
probe write $S/namespaces/2/buffered_io 0
probe rmdir $S/namespaces/2
probe mkdir $H
probe write $S/attr_allow_any_host 1
probe link $H $S/allowed_hosts/h
probe write $S/attr_allow_any_host 0
probe link $S $S/allowed_hosts/s
probe link $H $S/allowed_hosts/h
probe link $H $S/allowed_hosts/h2
probe write $S/attr_allow_any_host 1
probe rmdir $H
probe mkdir nvmet/ports/65536
probe mkdir nvmet/ports/x
probe mkdir $P
probe write $P/addr_adrfam pcie
probe write $P/addr_trtype bogus
probe link $S $P/subsystems/s
probe write $P/addr_trtype tcp
probe link $S $P/subsystems/s
probe write $P/addr_adrfam ipv4
probe write $P/addr_traddr 127.0.0.1
probe write $P/addr_trsvcid x
probe link $S $P/subsystems/s
probe write $P/addr_trsvcid 4421
probe link $H $P/subsystems/h
probe link $S $P/subsystems/s
probe link $S $P/subsystems/s2
probe write $P/addr_trsvcid 4422
probe write $P/addr_traddr 127.0.0.2
probe write $P/addr_trtype tcp
probe write $P/addr_adrfam ipv4
probe mkdir $Q
probe write $Q/addr_trtype tcp
probe write $Q/addr_adrfam ipv4
probe write $Q/addr_traddr 127.0.0.1
probe write $Q/addr_trsvcid 4421
probe link $S $Q/subsystems/s
probe write $Q/addr_traddr 192.0.2.1
probe '!link' $S $Q/subsystems/s
probe rmdir $P
probe rmdir $S
probe unlink $P/subsystems/s
probe rmdir $S
probe write $H/dhchap_key secret
probe write $H/dhchap_key DHHC-1:04:AAAA:
probe write $H/dhchap_key DHHC-1:00:not-checked-here:
probe write $H/dhchap_key @EMPTY@
probe write $H/dhchap_hash 'hmac(md5)'
probe write $H/dhchap_dhgroup ffdhe1024
probe write $H/dhchap_dhgroup ffdhe2048
probe unlink $S/allowed_hosts/h
probe write $S/namespaces/1/enable 0
probe write $S/namespaces/1/device_path @DEV@
probe rmdir $S/namespaces/1
probe rmdir $S
probe rmdir $H
probe rmdir $P
probe rmdir $Q
probe rmdir $P
{ echo "# nvmet errno probes on $VM_KERNEL (tests/vm/scenarios/22-nvmet.sh): OP ARGS => result"; cat "$VM_WORK/errno"; } |
	capture nvmet-errno
check_eq "probes ran ($(wc -l <"$VM_WORK/errno") lines), the tree is clean again" "" "$(nothing_left 2>&1)"
grep -q "=> EADDRINUSE" "$VM_WORK/errno" && ok "a second port on a bound address: EADDRINUSE" ||
	not_ok "a second port on a bound address: EADDRINUSE" "$(grep 'ports/8/subsystems' "$VM_WORK/errno")"

# ---- one export by the writer
$X export "$NQN" "$LOOP" "$ID" "$HOST" 127.0.0.1 4420 >"$VM_WORK/out" 2>&1
RC=$?
PORTID=$(sed -n 's/^port=\([0-9]*\) .*/\1/p' "$VM_WORK/out")
MADE=$(sed -n 's/^port=[0-9]* made=\([01]\)$/\1/p' "$VM_WORK/out")
[ $RC = 0 ] && ok "export: host, subsystem, namespace, allowed host, port $PORTID (made=$MADE), link" ||
	{ VM_DIAG=$VM_WORK/out not_ok "export by the writer (rc=$RC)"; bail "no export"; }
check_eq "the port has attachd's first id" 40960 "$PORTID"
$X state "$NQN" "$LOOP" "$ID" "$HOST" 127.0.0.1 4420 "$PORTID" >"$VM_WORK/state" 2>&1
check_eq "the readers see the export as made" "subsystem exists=1 closed=1 serial_ok=1 model_ok=1
namespace exists=1 enabled=1 path_ok=1 uuid_ok=1 nguid_ok=1
host exists=1 auth=$AUTH keys_ok=1 allowed=1
port exists=1 addr_ok=1 linked=1" "$(cat "$VM_WORK/state")"
$X export "$NQN" "$LOOP" "$ID" "$HOST" 127.0.0.1 4420 >"$VM_WORK/out2" 2>&1 &&
	check_eq "a second export changes nothing (same port, found, not made)" "port=$PORTID made=0" \
		"$(grep '^port=' "$VM_WORK/out2")"
configfs_dump nvmet >"$VM_WORK/capture"
capture nvmet <"$VM_WORK/capture"
check_eq "device_uuid shows the volume id" "$ID" "$(cat $NV/subsystems/$NQN/namespaces/1/device_uuid)"
check_eq "device_nguid shows the same 16 bytes" "$ID" "$(cat $NV/subsystems/$NQN/namespaces/1/device_nguid)"
check_eq "attr_serial: the id's first 20 hex digits" 11111111222233334444 "$(cat $NV/subsystems/$NQN/attr_serial)"

# ---- the host's side
if connect "$OTHER" "$OTHERID" >"$VM_WORK/other" 2>&1; then
	not_ok "a host not allowed is refused"
	nvme disconnect -n "$NQN" >/dev/null 2>&1
else
	ok "a host not allowed is refused ($(head -c 80 "$VM_WORK/other"))"
fi
check "nvme connect as the allowed host" connect "$HOST" "$HOSTID"
DEV=$(ns_dev) && ok "the namespace appears as /dev/$DEV with uuid $ID" || not_ok "no NVMe namespace with uuid $ID"
if [ -n "$DEV" ]; then
	C=$(ls -d /sys/block/$DEV/device 2>/dev/null)
	echo "sysfs: nguid=$(cat /sys/block/$DEV/nguid 2>/dev/null) wwid=$(cat /sys/block/$DEV/wwid 2>/dev/null)"
	check_eq "the host reads the nguid: the volume id" "$ID" "$(cat /sys/block/$DEV/nguid 2>/dev/null)"
	CTRL=$(for c in /sys/class/nvme/nvme*; do [ "$(cat $c/subsysnqn 2>/dev/null)" = "$NQN" ] && echo "$c"; done | head -n 1)
	check_eq "the controller's serial and model" "11111111222233334444 attachd" \
		"$(cat "$CTRL/serial" 2>/dev/null | tr -d ' ') $(cat "$CTRL/model" 2>/dev/null | tr -d ' ')"
	check "4 MiB round trip through /dev/$DEV" roundtrip /dev/$DEV
	check "the same bytes on the loop device" same_bytes "$LOOP"
	check_fails "attr_serial is frozen once the host identified the subsystem (EINVAL)" \
		sh -c "printf 22222222 >$NV/subsystems/$NQN/attr_serial"
fi
check "nvme disconnect" nvme disconnect -n "$NQN"

# ---- a port of another tool on the same address: used, never removed
$X unexport "$NQN" "$HOST" "$PORTID" "$MADE" >"$VM_WORK/out" 2>&1
check_eq "unexport by the writer" "" "$(grep -v ': ok$' "$VM_WORK/out")"
PORTID=
check_eq "nothing left after the unexport" "" "$(nothing_left 2>&1)"
mkdir $NV/ports/3 && printf tcp >$NV/ports/3/addr_trtype && printf ipv4 >$NV/ports/3/addr_adrfam &&
	printf 127.0.0.1 >$NV/ports/3/addr_traddr && printf 4420 >$NV/ports/3/addr_trsvcid
$X export "$NQN" "$LOOP" "$ID" "$HOST" 127.0.0.1 4420 >"$VM_WORK/out" 2>&1
check_eq "another tool's port 3 on 127.0.0.1:4420 is used, not made" "port=3 made=0" "$(grep '^port=' "$VM_WORK/out")"
PORTID=3
MADE=0
check "a connection through the shared port" connect "$HOST" "$HOSTID"
nvme disconnect -n "$NQN" >/dev/null 2>&1
$X unexport "$NQN" "$HOST" 3 0 >"$VM_WORK/out" 2>&1
check "unexport leaves the other tool's port (unlinked)" sh -c "[ -d $NV/ports/3 ] && [ -z \"\$(ls $NV/ports/3/subsystems)\" ]"
rmdir $NV/ports/3
PORTID=

# ---- DH-HMAC-CHAP with keys from nvmet_secret.c
KEY=$($X gen-key 0)
KEY1=$($X gen-key 1)
CKEY=$($X gen-key 0)
check "nvme-cli's check-dhchap-key takes a key of ours (hash 01)" nvme check-dhchap-key --key="$KEY1"
if [ "$AUTH" = 0 ]; then
	$X export "$NQN" "$LOOP" "$ID" "$HOST" 127.0.0.1 4420 "$KEY" >"$VM_WORK/out" 2>&1
	check_eq "6.1: a key is refused (no dhchap_key attribute), nothing made" "host: EOPNOTSUPP|" \
		"$(head -n 1 "$VM_WORK/out")|$(nothing_left 2>&1)"
else
	$X export "$NQN" "$LOOP" "$ID" "$HOST" 127.0.0.1 4420 "$KEY" >"$VM_WORK/out" 2>&1 &&
		PORTID=$(sed -n 's/^port=\([0-9]*\) .*/\1/p' "$VM_WORK/out") && MADE=1
	check_eq "the key in hosts/<nqn>/dhchap_key" "$KEY" "$(cat $NV/hosts/$HOST/dhchap_key)"
	connect "$HOST" "$HOSTID" >"$VM_WORK/o" 2>&1 && { not_ok "no key: refused"; nvme disconnect -n "$NQN"; } ||
		ok "no key: refused"
	connect "$HOST" "$HOSTID" --dhchap-secret="$CKEY" >"$VM_WORK/o" 2>&1 &&
		{ not_ok "a wrong key: refused"; nvme disconnect -n "$NQN"; } || ok "a wrong key: refused"
	check "our key (hash 00) authenticates" connect "$HOST" "$HOSTID" --dhchap-secret="$KEY"
	DEV=$(ns_dev) && check "4 MiB round trip, authenticated" roundtrip /dev/$DEV
	nvme disconnect -n "$NQN" >/dev/null 2>&1
	printf '\0' >$NV/hosts/$HOST/dhchap_key
	check_eq "one NUL byte written to dhchap_key clears it" "" "$(cat $NV/hosts/$HOST/dhchap_key)"
	$X unexport "$NQN" "$HOST" "$PORTID" 1 >/dev/null 2>&1
	$X export "$NQN" "$LOOP" "$ID" "$HOST" 127.0.0.1 4420 "$KEY1" "$CKEY" ffdhe2048 >"$VM_WORK/out" 2>&1 &&
		PORTID=$(sed -n 's/^port=\([0-9]*\) .*/\1/p' "$VM_WORK/out")
	check_eq "dhchap_ctrl_key and dhchap_dhgroup as written" "$CKEY ffdhe2048" \
		"$(cat $NV/hosts/$HOST/dhchap_ctrl_key) $(cat $NV/hosts/$HOST/dhchap_dhgroup)"
	check "hash 01 key, bidirectional, ffdhe2048: authenticated" \
		connect "$HOST" "$HOSTID" --dhchap-secret="$KEY1" --dhchap-ctrl-secret="$CKEY"
	nvme disconnect -n "$NQN" >/dev/null 2>&1
	dmesg | grep -iE "nvmet.*(auth|dhchap)" | tail -n 4
	$X unexport "$NQN" "$HOST" "$PORTID" 1 >/dev/null 2>&1
	PORTID=
fi
check_eq "nothing of ours left in nvmet" "" "$(nothing_left 2>&1)"
cleanup_scenario
