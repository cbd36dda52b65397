#!/bin/sh
# /vm/demo-nvme.sh: the narrated NVMe/TCP demo of `make demo-nvme` (tests/vm/demo.sh --nvme), run by
# /init when the kernel command line has vm.demo=nvme: the same six calls as demo.sh, for a volume
# exported over NVMe/TCP to one host NQN (nvme-cli as the host), with DH-HMAC-CHAP where the kernel has
# it (Debian's 6.12; on 6.1 attachd refuses the request and the demo goes on without keys). Between the
# lines "ATTACHD-DEMO begin" and "ATTACHD-DEMO end rc=N". Exit status: 0 when every step did what it should.
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
. /vm/lib.sh
export ATTACHD_SOCKET=/run/attachd.sock
DB=/var/lib/attachd
LOG=/run/attachd.log
OUT=/run/demo.out
T0=$(vm_uptime)
HOST=nqn.2014-08.org.nvmexpress:uuid:0d3e6f1a-5b2c-4d7e-9f80-a1b2c3d4e5f6
NV=$CFG/nvmet
. /vm/demo-lib.sh
# ours: attachd's nvmet objects (subsystems with their namespace and hosts, hosts, ports) and dm devices
ours() {
	local s p
	for s in $NV/subsystems/*; do
		[ -d "$s" ] || continue
		say "    subsystem ${s##*/}: attr_allow_any_host = $(cat "$s/attr_allow_any_host")"
		(cd "$s" && find namespaces allowed_hosts -mindepth 1 -maxdepth 1) | sed 's/^/      /'
		[ -d "$s/namespaces/1" ] && say "      namespaces/1/device_uuid = $(cat "$s/namespaces/1/device_uuid")"
	done
	for p in $NV/ports/*; do
		[ -d "$p" ] && say "    port ${p##*/}: $(cat "$p/addr_trtype") $(cat "$p/addr_traddr"):$(cat "$p/addr_trsvcid"), subsystems: $(ls "$p/subsystems")"
	done
	for p in $NV/hosts/*; do [ -d "$p" ] && say "    host ${p##*/}"; done
	dmsetup table 2>/dev/null | grep '^attachd-' | sed 's/^/    dm /'
	return 0
}

echo # the firmware's last line has no newline
echo "ATTACHD-DEMO begin"
say "attachd on Debian's $(uname -r) kernel, in a throwaway VM: a block volume exported over NVMe/TCP by"
say "the kernel's own target (nvmet), to one host NQN only, for Cinder's attach/detach calls."

step "1. Start attachd with an NVMe/TCP port. attachd loads nvmet and nvmet_tcp itself."
run modprobe nvme_tcp
printf '  $ %s\n' "attachd --socket $ATTACHD_SOCKET --db $DB --portal $VM_PORTAL --nvme-port 127.0.0.1:4420 &"
mkdir -p -m 0700 $DB
attachd --socket $ATTACHD_SOCKET --db $DB --portal $VM_PORTAL --nvme-port 127.0.0.1:4420 --foreground >$LOG 2>&1 &
APID=$!
wait_for 10 test -S $ATTACHD_SOCKET || fail "attachd did not open its socket"
sed 's/^[^ ]* attachd /    /' $LOG
run_sh "grep -E '^(nvmet|nvmet_tcp) ' /proc/modules | cut -d ' ' -f 1"

step "2. A volume for NVMe/TCP: the transport is chosen when the volume is created."
run truncate -s 64M /tmp/demo.img
run losetup -f /tmp/demo.img
LOOP=$(losetup -a | grep /tmp/demo.img | cut -d: -f1)
say "  ($LOOP)"
run attachctl volume-create --device "$LOOP" --name demo-nvme --transport nvme-tcp
VOL=$(cat $OUT)

step "3. reserve."
run attachctl reserve "$VOL"
ATT=$(cat $OUT)

step "4. initialize-connection for the host's NQN, asking for bidirectional DH-HMAC-CHAP."
printf '  $ %s\n' "attachctl --json initialize-connection $VOL --nqn $HOST --dhchap-bidirectional --dhchap-dhgroup ffdhe2048"
if attachctl --json initialize-connection "$VOL" --nqn "$HOST" --dhchap-bidirectional --dhchap-dhgroup ffdhe2048 \
	>/run/conn.json 2>$OUT; then
	AUTH=1
else
	sed 's/^/    /' $OUT
	grep -q CONFIG_NVME_TARGET_AUTH $OUT || fail "initialize-connection failed"
	AUTH=0
	say "   This kernel has no DH-HMAC-CHAP in nvmet: attachd refuses rather than export without keys."
	say "   Without them, then (access is still limited to the host's NQN):"
	printf '  $ %s\n' "attachctl --json initialize-connection $VOL --nqn $HOST"
	attachctl --json initialize-connection "$VOL" --nqn "$HOST" >/run/conn.json 2>$OUT ||
		{ sed 's/^/    /' $OUT; fail "initialize-connection failed"; }
fi
say "   The connection info, in os-brick's nvmeof form$([ $AUTH = 1 ] && echo ', with the keys for nvme-cli'):"
json_pp </run/conn.json | sed 's/^/    /'
field() { sed -n "s/.*\"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\}[,}].*/\1/p" /run/conn.json; }
NQN=$(field target_nqn)
[ -n "$NQN" ] || fail "no target_nqn in the connection info"
say "   What the kernel now holds:"
ours

step "5. attach."
run attachctl attach "$VOL" --instance "$(new_uuid)" --host demo --mountpoint /dev/vdb --attachment "$ATT"

step "6. The host (nvme-cli) connects with the returned values."
KEYS=
[ $AUTH = 1 ] && KEYS="--dhchap-secret=$(field dhchap_secret) --dhchap-ctrl-secret=$(field dhchap_ctrl_secret)"
# shellcheck disable=SC2086
run nvme connect -t tcp -a 127.0.0.1 -s 4420 -n "$NQN" --hostnqn="$HOST" --hostid="${HOST##*:}" $KEYS
wait_for 10 nvme_ns_dev "$VOL" || fail "no namespace with the volume's uuid appeared"
D=$(nvme_ns_dev "$VOL")
say "   The namespace is /dev/$D; its uuid is the volume id, which is how os-brick finds it:"
run cat /sys/block/$D/uuid

step "7. Data: write 4 MiB to /dev/$D, read it back, compare, and find it on the volume's own device."
run dd if=/dev/urandom of=/tmp/data bs=1M count=4
run dd if=/tmp/data of=/dev/$D bs=1M oflag=direct
run_sh "dd if=/dev/$D bs=1M count=4 iflag=direct 2>/dev/null | cmp - /tmp/data && echo identical"
run_sh "dd if=$LOOP bs=1M count=4 iflag=direct 2>/dev/null | cmp - /tmp/data && echo identical on $LOOP"

step "8. Detach: begin-detaching, then terminate-connection cuts the host off (a live controller survives"
say "   leaving allowed_hosts, so attachd takes the subsystem off its port and, for the last host, the"
say "   namespace down)."
run attachctl begin-detaching "$VOL"
run attachctl terminate-connection "$VOL" --nqn "$HOST"
CTRL=$(grep -l "$NQN" /sys/class/nvme/nvme*/subsysnqn 2>/dev/null | head -n 1)
sleep 2
say "   The host's controller: $([ -n "$CTRL" ] && cat "${CTRL%/subsysnqn}/state" 2>/dev/null || echo gone)."
run nvme disconnect -n "$NQN"
run attachctl detach "$VOL" --attachment "$ATT"

step "9. Teardown: delete the volume. Nothing of attachd's is left in nvmet or device-mapper."
run attachctl volume-delete "$VOL"
run_sh "ls $NV/subsystems $NV/ports $NV/hosts"
left=$(ours)
[ -z "$left" ] || { printf '%s\n' "$left"; fail "something of attachd's is left in the kernel"; }
printf '  $ %s\n' "kill -TERM $APID"
kill -TERM $APID && wait $APID || fail "attachd did not exit 0 on SIGTERM"
losetup -d "$LOOP"

printf '\nDone: every step as expected, %s s in the VM.\n' "$(awk -v a="$T0" -v b="$(vm_uptime)" 'BEGIN { printf "%.1f", b - a }')"
echo "ATTACHD-DEMO end rc=0"
exit 0
