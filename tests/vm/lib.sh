# lib.sh: helpers for the guest scenarios (sourced by runner.sh and by every scenario; busybox sh).
#
# Scenario contract: a scenario file is a plain sh fragment run in its own process. It reports with
# ok / not_ok / skip / check / check_fails (one TAP line each, on fd 3 = the console), cleans up what it
# made, and never relies on what an earlier scenario left (the runner sweeps between scenarios anyway).
# Its other output goes to the console prefixed with "| " (by the runner), so the host never mistakes
# it for a result.
#
# The contract with the agent these helpers assume is in tests/vm/README.md.

export PATH=/sbin:/usr/sbin:/bin:/usr/bin
CFG=/sys/kernel/config
VM_KERNEL=$(uname -r)
VM_PORTAL=127.0.0.1:3260
VM_PREFIX=iqn.2026-11.org.attachd                # attachd's default IQN prefix
VM_INI=$(sed -n 's/^InitiatorName=//p' /etc/iscsi/initiatorname.iscsi 2>/dev/null)  # open-iscsi's name
VM_WORK=/run/vm/work                              # per-scenario scratch (wiped by the sweep)
ATTACHD_SOCK=/run/vm/attachd.sock
ATTACHD_DB=/run/vm/attachd-db
ATTACHD_LOG=/run/vm/attachd.log
mkdir -p "$VM_WORK"
# TAP goes to fd 3; the runner opens it on the console. By hand (vm.shell=1) it may not be open yet.
{ true >&3; } 2>/dev/null || exec 3>&1
# no udevd in the guest: libdevmapper (dmsetup here; attachd sets it itself) makes /dev/mapper nodes
export DM_DISABLE_UDEV=1

vm_uptime() { cut -d' ' -f1 /proc/uptime; }
# ms_since T0 [N]: milliseconds from uptime T0 to now, divided by N (a mean over N runs); /proc/uptime
# counts in 10 ms steps (busybox date has no %N)
ms_since() { awk -v a="$1" -v b="$(vm_uptime)" -v n="${2:-1}" 'BEGIN { printf "%.0f", (b - a) * 1000 / n }'; }
vm_accel() { dmesg | grep -q 'Hypervisor detected: KVM' && echo kvm || echo tcg; }

# ---- reporting --------------------------------------------------------------------------------
# TAP lines go to fd 3 (the console, opened by the runner) so the "| " prefixing never touches them.
# Numbering runs over the whole boot; the host renumbers across boots anyway.
# VM_BOOT: which boot of a two-boot scenario this is (vm.boot= on the kernel command line, set by the
# runner; 1 otherwise); the second boot's lines read "<scenario> (boot 2): ...".
VM_BOOT=${VM_BOOT:-1}
_tap() { # STATUS DESC [DIRECTIVE]
	local label=${VM_SCENARIO:-?}
	[ "$VM_BOOT" = 1 ] || label="$label (boot $VM_BOOT)"
	echo x >>/run/vm/tapno
	echo "$2" >>/run/vm/checks
	echo "TIME check $(vm_uptime) $label: $2" >&3 # where the time goes (console only)
	printf '%s %d - %s %s: %s%s\n' "$1" "$(wc -l </run/vm/tapno)" "$VM_KERNEL" "$label" \
		"$2" "${3:+ # $3}" >&3
}
ok() { _tap ok "$*"; }
skip() { # DESC REASON
	_tap ok "$1" "SKIP $2"
}
not_ok() { # DESC [DETAIL...]: DETAIL lines (or the file named by $VM_DIAG) become TAP diagnostics
	_tap "not ok" "$1"
	echo "$1" >>/run/vm/failed
	shift
	{
		[ $# -gt 0 ] && printf '%s\n' "$@"
		[ -n "${VM_DIAG:-}" ] && [ -s "$VM_DIAG" ] && tail -n 12 "$VM_DIAG"
	} | sed 's/^/#   /' >&3
	return 0
}
# check DESC CMD...: ok when CMD exits 0; its output is kept in $VM_WORK/out and shown on failure
check() {
	local desc=$1
	shift
	if "$@" >"$VM_WORK/out" 2>&1; then
		ok "$desc"
	else
		VM_DIAG=$VM_WORK/out not_ok "$desc" "command: $* (rc=$?)"
		return 1
	fi
}
# check_fails DESC CMD...: ok when CMD fails (a refusal we expect)
check_fails() {
	local desc=$1
	shift
	if "$@" >"$VM_WORK/out" 2>&1; then
		VM_DIAG=$VM_WORK/out not_ok "$desc" "command succeeded but should fail: $*"
		return 1
	fi
	ok "$desc"
}
check_eq() { # DESC EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: '$2'" "got:      '$3'"; return 1; fi
}
# bail REASON: end the scenario here (after a failed step the rest would only repeat the failure)
bail() {
	echo "scenario stopped: $*"
	cleanup_scenario 2>/dev/null
	exit 0
}
# scenarios may redefine this; bail calls it
cleanup_scenario() { :; }

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds (never a bare sleep)
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# ---- the agent --------------------------------------------------------------------------------
# attachd_start [ARGS...]: start attachd in the foreground (backgrounded here, so we know its pid) on
# $ATTACHD_SOCK / $ATTACHD_DB with one portal; wait until its socket is there. A socket left by an
# earlier run does not count: readiness is a socket with a new inode. ATTACHD_BIN=attachd-faults
# starts the crash-injecting build instead (with ATTACHD_CRASH_AT in the environment).
# ATTACHD_START_LIMIT: seconds to wait for the socket (default 10).
attachd_start() {
	local old= bin=${ATTACHD_BIN:-attachd}
	command -v "$bin" >/dev/null || { echo "$bin is not in the image"; return 1; }
	[ -e "$ATTACHD_SOCK" ] && old=$(stat -c %i "$ATTACHD_SOCK")
	mkdir -p -m 0700 "$ATTACHD_DB"
	echo "--- $bin start $(vm_uptime)${ATTACHD_CRASH_AT:+ (ATTACHD_CRASH_AT=$ATTACHD_CRASH_AT)}" >>"$ATTACHD_LOG"
	"$bin" --socket "$ATTACHD_SOCK" --db "$ATTACHD_DB" --portal "$VM_PORTAL" --foreground "$@" \
		>>"$ATTACHD_LOG" 2>&1 &
	ATTACHD_PID=$!
	echo "$ATTACHD_PID" >/run/vm/attachd.pid
	local n=$((${ATTACHD_START_LIMIT:-10} * 10))
	while [ $n -gt 0 ]; do
		if [ -S "$ATTACHD_SOCK" ] && [ "$(stat -c %i "$ATTACHD_SOCK")" != "$old" ]; then return 0; fi
		kill -0 "$ATTACHD_PID" 2>/dev/null || {
			wait "$ATTACHD_PID"
			echo "attachd exited (rc=$?) before its socket appeared"
			tail -n 5 "$ATTACHD_LOG"
			return 1
		}
		sleep 0.1
		n=$((n - 1))
	done
	echo "no socket at $ATTACHD_SOCK after ${ATTACHD_START_LIMIT:-10} s"
	return 1
}
# attachd_stop: SIGTERM, wait; returns attachd's exit status (0 = the clean exit the contract asks for)
attachd_stop() {
	local pid=${ATTACHD_PID:-$(cat /run/vm/attachd.pid 2>/dev/null)}
	[ -n "$pid" ] || return 1
	kill -TERM "$pid" 2>/dev/null || return 1
	wait "$pid"
	local rc=$?
	rm -f /run/vm/attachd.pid
	ATTACHD_PID=
	return $rc
}
actl() { attachctl -s "$ATTACHD_SOCK" "$@"; }
# kv KEY FILE: the value of KEY in attachctl's key=value output
kv() { sed -n "s/^$1=//p" "$2" | head -n 1; }
new_uuid() { cat /proc/sys/kernel/random/uuid; }

# dm_slices NAME N DEV [FIRST]: N dm linear devices of 1 MiB, NAME-FIRST .. NAME-(FIRST+N-1) (FIRST
# default 0), one after the other on DEV from its start, by one `dmsetup create --concise` (make bench's
# volumes, outside attachd's names)
dm_slices() {
	awk -v name="$1" -v n="$2" -v dev="$3" -v first="${4:-0}" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "%s%s-%d,,,rw,0 2048 linear %s %d", i ? ";" : "", name, first + i, dev, i * 2048
		print ""
	}' >$VM_WORK/concise && dmsetup create --concise <$VM_WORK/concise
}

# backing FILE MiB: a sparse file on a loop device; prints the loop device
backing() {
	truncate -s "$2M" "$1" || return 1
	local dev
	dev=$(losetup -f) && losetup "$dev" "$1" && echo "$dev"
}

# vol_export NAME INITIATOR [volume-create options...]: the whole Cinder attach path for one initiator
# (volume-create on a fresh 64 MiB loop device, reserve, initialize-connection, attach). One check.
# Sets VOL ATT LOOP FILE TGT PORTAL LUN CHAP_USER CHAP_PASS; the connection info is in $VM_WORK/conn.
vol_export() {
	local name=$1 ini=$2 step
	shift 2
	FILE=/tmp/$name.img
	LOOP=$(backing "$FILE" 64) || { not_ok "export $name: backing loop device"; return 1; }
	step="volume-create" && VOL=$(actl volume-create --device "$LOOP" --name "$name" "$@" 2>"$VM_WORK/err") &&
		step="reserve" && ATT=$(actl reserve "$VOL" 2>"$VM_WORK/err") &&
		step="initialize-connection" &&
		actl initialize-connection "$VOL" --initiator "$ini" --host guest --ip 127.0.0.1 \
			>"$VM_WORK/conn" 2>"$VM_WORK/err" &&
		step="attach" && actl attach "$VOL" --instance "$(new_uuid)" --host guest --mountpoint /dev/vdb \
			--attachment "$ATT" >/dev/null 2>"$VM_WORK/err" || {
		VM_DIAG=$VM_WORK/err not_ok "export $name for $ini: $step failed"
		return 1
	}
	TGT=$(kv target_iqn "$VM_WORK/conn")
	PORTAL=$(kv target_portal "$VM_WORK/conn")
	LUN=$(kv target_lun "$VM_WORK/conn")
	CHAP_USER=$(kv auth_username "$VM_WORK/conn")
	CHAP_PASS=$(kv auth_password "$VM_WORK/conn")
	ok "export $name for $ini: volume-create, reserve, initialize-connection, attach"
}
# vol_unexport INITIATOR: begin-detaching, terminate-connection, detach, volume-delete for $VOL. One check.
vol_unexport() {
	local step
	step=begin-detaching && actl begin-detaching "$VOL" 2>"$VM_WORK/err" &&
		step=terminate-connection && actl terminate-connection "$VOL" --initiator "$1" 2>"$VM_WORK/err" &&
		step=detach && actl detach "$VOL" --attachment "$ATT" 2>"$VM_WORK/err" &&
		step=volume-delete && actl volume-delete "$VOL" 2>"$VM_WORK/err" || {
		VM_DIAG=$VM_WORK/err not_ok "unexport $VOL: $step failed"
		return 1
	}
	ok "unexport: begin-detaching, terminate-connection, detach, volume-delete"
}

# ---- what the kernel holds of ours ------------------------------------------------------------
# lio_ours: our targets and every storage object, one per line (empty = nothing left)
lio_ours() {
	[ -d $CFG/target ] || return 0
	ls -1 $CFG/target/iscsi 2>/dev/null | grep "^$VM_PREFIX:" | sed 's/^/target /'
	for so in $CFG/target/core/*/*; do
		[ -d "$so" ] && [ -f "$so/udev_path" ] && echo "storage-object ${so#$CFG/}"
	done
	return 0
}
dm_ours() { dmsetup ls 2>/dev/null | grep '^attachd-' || true; }
# check_clean DESC: nothing of ours in configfs, nothing in dm
check_clean() {
	local left
	left="$(lio_ours)$(dm_ours)"
	if [ -z "$left" ]; then ok "$1"; else not_ok "$1" "left behind:" "$left"; return 1; fi
}

# ---- initiators -------------------------------------------------------------------------------
# iscsi_node IQN PORTAL USER PASS [IFACE]: a node record with CHAP, without discovery (as os-brick
# makes them); USER empty = no CHAP at all.
iscsi_node() {
	local n="-m node -T $1 -p $2 ${5:+-I $5}"
	iscsiadm $n -o new >/dev/null || return 1
	if [ -n "$3" ]; then
		iscsiadm $n -o update -n node.session.auth.authmethod -v CHAP &&
			iscsiadm $n -o update -n node.session.auth.username -v "$3" &&
			iscsiadm $n -o update -n node.session.auth.password -v "$4"
	fi
}
# iscsi_login IQN PORTAL USER PASS [IFACE]
iscsi_login() {
	iscsi_node "$@" && iscsiadm -m node -T "$1" -p "$2" ${5:+-I $5} --login && return 0
	local rc=$? a
	# 11, "iSCSI PDU timed out": the login's reply came too late (under emulation on one vCPU, seen once
	# in 23-initramfs's second boot on 6.12: the target's send failed EPIPE, the initiator had given up).
	# A transport timeout, not a refusal (a wrong secret or a missing ACL is 24): one more try, said so.
	if [ "$rc" = 11 ]; then
		echo "login to $1 timed out (rc 11): trying once more" >&2
		sleep 1
		iscsiadm -m node -T "$1" -p "$2" ${5:+-I $5} --login && return 0
		rc=$?
	fi
	# what each side held (on stderr): the node record's CHAP user, the target's ACLs' (the rig's own secrets)
	echo "login to $1 failed (rc $rc): the node record's user $(iscsiadm -m node -T "$1" -p "$2" ${5:+-I $5} 2>/dev/null |
		sed -n 's/^node.session.auth.username = //p'), the initiator passed $3" >&2
	for a in "$CFG/target/iscsi/$1"/tpgt_1/acls/*/; do
		[ -d "$a" ] && echo "ACL $(basename "$a"): auth/userid $(cat "$a/auth/userid" 2>&1)" >&2
	done
	return $rc
}
iscsi_logout() { # IQN [IFACE]: log out and forget the node record(s)
	iscsiadm -m node -T "$1" ${2:+-I $2} --logout >/dev/null 2>&1
	iscsiadm -m node -T "$1" ${2:+-I $2} -o delete >/dev/null 2>&1
	return 0
}
# iface_new NAME INITIATOR-IQN: an open-iscsi iface logging in under another initiator name
iface_new() {
	iscsiadm -m iface -I "$1" -o new >/dev/null &&
		iscsiadm -m iface -I "$1" -o update -n iface.initiatorname -v "$2" >/dev/null
}
# session_of IQN [IFACE-INITIATOR-IQN]: the sysfs session dir (iscsi_session/sessionN) for a target
session_of() {
	local s
	for s in /sys/class/iscsi_session/session*; do
		[ -e "$s/targetname" ] || continue
		[ "$(cat "$s/targetname")" = "$1" ] || continue
		[ -z "${2:-}" ] || [ "$(cat "$s/initiatorname" 2>/dev/null)" = "$2" ] || continue
		echo "$s"
		return 0
	done
	return 1
}
# session_via IQN ADDR: the sysfs session of IQN whose connection goes to ADDR (127.0.0.2, ::1): one
# of several sessions to the same target over different portals (multipath)
session_via() {
	local s c
	for s in /sys/class/iscsi_session/session*; do
		[ "$(cat "$s/targetname" 2>/dev/null)" = "$1" ] || continue
		for c in "$s"/device/connection*/iscsi_connection/connection*; do
			[ "$(cat "$c/persistent_address" 2>/dev/null)" = "$2" ] && echo "$s" && return 0
		done
	done
	return 1
}
# disk_of_session SESSION-DIR: its LUN 0's sdX, waiting up to 10 s
disk_of_session() {
	local n=100 b
	while [ $n -gt 0 ]; do
		for b in "$1"/device/target*/*:0/block/*; do
			[ -e "$b" ] && [ -b "/dev/${b##*/}" ] && echo "${b##*/}" && return 0
		done
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# lio_session IQN INITIATOR: the target's "LIO Session ID: N TSIH: M" of the initiator's session
# (a new login gets a new session id), or "none"
lio_session() {
	local i
	i=$(grep -o 'LIO Session ID: [0-9]*.*TSIH: [0-9]*' "$CFG/target/iscsi/$1/tpgt_1/acls/$2/info" 2>/dev/null)
	echo "${i:-none}" | sed 's/ISID: .*TSIH/TSIH/; s/  */ /g'
}
# session_state IQN [INITIATOR]: LOGGED_IN, FAILED, FREE, ... or "none"
session_state() {
	local s
	s=$(session_of "$@") || { echo none; return 0; }
	cat "$s/state" 2>/dev/null || echo unknown
}
# session_disk IQN [INITIATOR]: the sdX of LUN 0 of that session, waiting up to 10 s for it
_session_disk() {
	local s b
	s=$(session_of "$@") || return 1
	for b in "$s"/device/target*/*:0/block/*; do
		[ -e "$b" ] && [ -b "/dev/${b##*/}" ] && echo "${b##*/}" && return 0
	done
	return 1
}
session_disk() {
	local n=100
	while [ $n -gt 0 ]; do
		_session_disk "$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# multipath_conf: /etc/multipath.conf for the multipath scenarios (19): every SCSI disk is a path (no
# find_multipaths heuristics), maps named by their wwid; multipathd adds a second path to a new map only
# once udev's event for the map came, or after missing_uev_wait_timeout (30 s): the guest has no udevd
multipath_conf() {
	mkdir -p /etc/multipath
	printf 'defaults {\n\tuser_friendly_names no\n\tfind_multipaths no\n\tmissing_uev_wait_timeout 1\n}\n' \
		>/etc/multipath.conf
}
# libiscsi_url USER PASS [LUN]: iscsi:// URL for $TGT on $PORTAL (USER empty = no CHAP)
libiscsi_url() {
	echo "iscsi://${1:+$1%$2@}${PORTAL:-$VM_PORTAL}/$TGT/${3:-0}"
}

# ---- data -------------------------------------------------------------------------------------
# pattern FILE: 4 MiB of fresh random data
pattern() { dd if=/dev/urandom of="$1" bs=1M count=4 2>/dev/null; }
# write_direct PATTERN DEV [OFFSET-MiB] / read_direct DEV OUT [OFFSET-MiB]: 4 MiB with O_DIRECT
write_direct() { dd if="$1" of="$2" bs=1M count=4 seek="${3:-0}" oflag=direct conv=notrunc 2>&1; }
read_direct() { dd if="$1" of="$2" bs=1M count=4 skip="${3:-0}" iflag=direct 2>&1; }
# roundtrip DEV [OFFSET-MiB]: write a new pattern, read it back, compare (pattern left in $VM_WORK/pat)
roundtrip() {
	pattern "$VM_WORK/pat" && write_direct "$VM_WORK/pat" "$1" "${2:-0}" &&
		read_direct "$1" "$VM_WORK/back" "${2:-0}" && cmp "$VM_WORK/pat" "$VM_WORK/back"
}
# same_bytes DEV [OFFSET-MiB]: DEV holds $VM_WORK/pat at OFFSET (read with O_DIRECT, no stale cache)
same_bytes() { read_direct "$1" "$VM_WORK/back2" "${2:-0}" && cmp "$VM_WORK/pat" "$VM_WORK/back2"; }

# lio_target_rm IQN: remove an iSCSI target by hand, in the kernel's teardown order (disable, mapped
# LUNs, ACLs, LUNs, portals, TPG, target); its storage objects stay
lio_target_rm() {
	local t=$CFG/target/iscsi/$1 tpg acl l lun
	[ -d "$t" ] || return 0
	for tpg in "$t"/tpgt_*; do
		[ -d "$tpg" ] || continue
		echo 0 >"$tpg/enable" 2>/dev/null
		for acl in "$tpg"/acls/*; do
			[ -d "$acl" ] || continue
			for l in "$acl"/lun_*; do
				[ -d "$l" ] || continue
				find "$l" -maxdepth 1 -type l -exec rm {} \;
				rmdir "$l"
			done
			rmdir "$acl"
		done
		for lun in "$tpg"/lun/lun_*; do
			[ -d "$lun" ] || continue
			find "$lun" -maxdepth 1 -type l -exec rm {} \;
			rmdir "$lun"
		done
		for l in "$tpg"/np/*; do [ -d "$l" ] && rmdir "$l"; done
		rmdir "$tpg"
	done
	rmdir "$t"
}

# nvme_ns_dev UUID: the name of the NVMe namespace device whose uuid is UUID (the head nvmeXnY that has a
# device node; the path devices nvmeXcYnZ of native multipath carry the same uuid but have none)
nvme_ns_dev() {
	local b
	for b in /sys/block/nvme*; do
		case ${b##*/} in *c*) continue ;; esac
		[ -b "/dev/${b##*/}" ] && [ "$(cat "$b/uuid" 2>/dev/null)" = "$1" ] && { echo "${b##*/}"; return 0; }
	done
	return 1
}

# nvmet_sweep: NVMe-oF hosts disconnected, then every nvmet object (22-nvmet) in the kernel's teardown
# order: port links, ports, allowed hosts, namespaces (disabled), subsystems, hosts
nvmet_sweep() {
	local nv=$CFG/nvmet p l s n h
	if ls /sys/class/nvme-fabrics/ctl/nvme* >/dev/null 2>&1 || ls -d /sys/class/nvme/nvme* >/dev/null 2>&1; then
		echo "NVMe controllers left: disconnected"
		nvme disconnect-all >/dev/null 2>&1
	fi
	[ -d $nv ] || return 0
	for p in $nv/ports/*; do
		[ -d "$p" ] || continue
		echo "nvmet port left: ${p##*/}"
		for l in "$p"/subsystems/*; do [ -L "$l" ] && rm "$l"; done
		rmdir "$p"
	done
	for s in $nv/subsystems/*; do
		[ -d "$s" ] || continue
		echo "nvmet subsystem left: ${s##*/}"
		for l in "$s"/allowed_hosts/*; do [ -L "$l" ] && rm "$l"; done
		for n in "$s"/namespaces/*; do
			[ -d "$n" ] || continue
			printf 0 >"$n/enable"
			rmdir "$n"
		done
		rmdir "$s"
	done
	for h in $nv/hosts/*; do [ -d "$h" ] && echo "nvmet host left: ${h##*/}" && rmdir "$h"; done
	return 0
}

# ---- the sweep between scenarios --------------------------------------------------------------
# Remove whatever a scenario left: the agent, sessions, node records, ifaces, every LIO object,
# attachd's dm devices, loop devices, scratch files. Only prints what it had to remove.
vm_sweep() {
	local pid t tpg acl l lun so hba
	trace_off
	pid=$(cat /run/vm/attachd.pid 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		echo "attachd still running: stopped"
		kill -TERM "$pid"
		wait_for 5 sh -c "! kill -0 $pid" || kill -KILL "$pid"
	fi
	rm -f /run/vm/attachd.pid
	# dm-multipath (19): multipathd, its maps (they hold the sessions' disks), the second address
	if pidof multipathd >/dev/null; then
		echo "multipathd still running: stopped"
		kill $(pidof multipathd)
	fi
	for t in $(dmsetup ls --target multipath 2>/dev/null | awk '$1 != "No" {print $1}'); do
		echo "multipath map left: $t"
		dmsetup remove --retry "$t"
	done
	rm -rf /run/udev /etc/multipath /etc/multipath.conf
	ip -4 addr show dev lo 2>/dev/null | grep -q "inet 127.0.0.2/" && echo "127.0.0.2 left on lo: removed" &&
		ip addr del 127.0.0.2/8 dev lo
	if [ -n "$(iscsiadm -m session 2>/dev/null)" ]; then
		echo "iSCSI sessions left: logged out"
		iscsiadm -m node --logoutall=all >/dev/null 2>&1
	fi
	iscsiadm -m node -o delete >/dev/null 2>&1
	for t in /etc/iscsi/ifaces/*; do [ -f "$t" ] && iscsiadm -m iface -I "${t##*/}" -o delete >/dev/null 2>&1; done
	rm -rf /etc/iscsi/send_targets/* /var/lib/iscsi/* 2>/dev/null
	pidof iscsid >/dev/null || { echo "iscsid had died: restarted"; iscsid; }
	# LIO, in the kernel's teardown order (see docs: mapped LUNs, ACLs, LUNs, portals, TPG, target)
	for t in $CFG/target/iscsi/*/; do
		[ -d "$t" ] || continue
		t=${t%/}
		[ "${t##*/}" = discovery_auth ] && continue
		echo "LIO target left: ${t##*/}"
		lio_target_rm "${t##*/}"
	done
	# discovery authentication (20-discovery-chap): enforcement off, credentials unset
	if [ "$(cat $CFG/target/iscsi/discovery_auth/enforce_discovery_auth 2>/dev/null)" = 1 ]; then
		echo "discovery authentication left enforced: opened"
		printf 0 >$CFG/target/iscsi/discovery_auth/enforce_discovery_auth
		printf NULL >$CFG/target/iscsi/discovery_auth/userid
		printf NULL >$CFG/target/iscsi/discovery_auth/password
	fi
	nvmet_sweep
	for so in $CFG/target/core/*/*; do
		[ -f "$so/udev_path" ] || continue
		echo "storage object left: ${so#$CFG/target/core/}"
		rmdir "$so"
	done
	for hba in $CFG/target/core/*_*; do
		case ${hba##*/} in alua) continue ;; esac
		[ -d "$hba" ] && rmdir "$hba" 2>/dev/null
	done
	for t in $(dmsetup ls 2>/dev/null | awk '$1 ~ /^attachd-/ {print $1}'); do
		echo "dm device left: $t"
		dmsetup remove --retry "$t"
	done
	if [ -n "$(losetup -a 2>/dev/null)" ]; then
		echo "loop devices left: detached"
		for l in /dev/loop[0-9]*; do losetup -d "$l" 2>/dev/null; done
	fi
	if grep -q " $VM_PERSIST " /proc/mounts; then
		echo "persistent disk left mounted: unmounted"
		umount "$VM_PERSIST"
	fi
	rm -rf "$ATTACHD_DB" "$ATTACHD_SOCK" "$VM_WORK" /tmp/*.img 2>/dev/null
	mkdir -p "$VM_WORK"
	return 0
}

# ---- python checks ----------------------------------------------------------------------------
have_python() { [ -x /usr/bin/python3 ]; }
# py_checks SCRIPT ARGS...: run a /vm/*.py check script; its "PASS what" / "FAIL what: detail" lines
# become TAP lines, anything else it prints is passed through. No line at all is a failure.
py_checks() {
	local script=$1 line n=0
	shift
	python3 "/vm/$script" "$@" >"$VM_WORK/py.out" 2>&1
	local rc=$?
	while IFS= read -r line; do
		case $line in
		"PASS "*) ok "${line#PASS }"; n=$((n + 1)) ;;
		"FAIL "*) not_ok "${line#FAIL }"; n=$((n + 1)) ;;
		*) echo "$line" ;;
		esac
	done <"$VM_WORK/py.out"
	[ $n -gt 0 ] && [ $rc = 0 ] || VM_DIAG=$VM_WORK/py.out not_ok "$script ran to its end (rc=$rc)"
}

# ---- captures for the host --------------------------------------------------------------------
# capture NAME < lines: the host (run.sh) writes them to build/vm/<suite>/NAME-capture.txt, or to
# build/vm/<suite>/NAME when NAME ends in .txt; the same NAME captured again in a boot appends.
# The lines also reach the console as they are (no "| "): none may look like a TAP line.
capture() {
	echo "ATTACHD-VM capture-begin $1" >&3
	cat >&3
	echo "ATTACHD-VM capture-end $1" >&3
}
# configfs_dump [SUBTREE]: the canonical listing the configfs simulator is compared with: one line
# per entry under $CFG/SUBTREE (default "target"), paths relative to $CFG, sorted by path in byte order
# (LC_ALL=C, on the path field alone: D/F/L entries interleave as their paths do):
#   D <path>   directory     F <path>   attribute (regular file)
#   L <path> -> <link target, relative to $CFG>
# (One find per kind rather than a test per entry: under TCG a shell loop over a few hundred entries
# costs a second.)
configfs_dump() {
	(
		cd $CFG || exit 1
		find "${1:-target}" -type d | sed 's/^/D /'
		find "${1:-target}" -type f | sed 's/^/F /'
		find "${1:-target}" -type l | while IFS= read -r p; do
			t=$(readlink -f "$CFG/$p")
			echo "L $p -> ${t#$CFG/}"
		done
	) | LC_ALL=C sort -t ' ' -k 2,2
}

# ---- state snapshots for before/after comparisons ---------------------------------------------
# cfs_values: the value of every attribute attachd writes (configfs/lio.c), one "V path = value"
# line each, in a fixed order: TPG enable and attrib/*, ACL CHAP userid/password, mapped LUN
# write_protect, storage object udev_path/enable/serial.
cfs_values() {
	local f
	for f in $CFG/target/iscsi/*/tpgt_*/enable $CFG/target/iscsi/*/tpgt_*/attrib/authentication \
		$CFG/target/iscsi/*/tpgt_*/attrib/generate_node_acls $CFG/target/iscsi/*/tpgt_*/attrib/demo_mode_discovery \
		$CFG/target/iscsi/*/tpgt_*/acls/*/auth/userid $CFG/target/iscsi/*/tpgt_*/acls/*/auth/password \
		$CFG/target/iscsi/*/tpgt_*/acls/*/lun_*/write_protect \
		$CFG/target/core/*/*/udev_path $CFG/target/core/*/*/enable $CFG/target/core/*/*/wwn/vpd_unit_serial; do
		[ -f "$f" ] && printf 'V %s = %s\n' "${f#$CFG/}" "$(cat "$f" 2>&1)"
	done
	return 0
}
# kernel_state: what the kernel holds, to compare before and after: the configfs tree (configfs_dump),
# the attribute values (cfs_values), and attachd's dm devices: name, uuid, attributes (live/suspended
# table) and table.
kernel_state() {
	configfs_dump target
	cfs_values
	dmsetup info -c --noheadings -o name,uuid,attr --separator ' ' 2>/dev/null | grep '^attachd-' | sort | sed 's/^/dm /'
	dmsetup table 2>/dev/null | grep '^attachd-' | sort | sed 's/^/dm-table /'
	return 0
}
# cfs_inodes: inode number and path of every configfs directory and link under target/. configfs keeps
# these inodes for the object's life (attributes get a new inode at each lookup, so their times and
# numbers say nothing): an object removed and made again has a new number.
cfs_inodes() { (cd $CFG && find target \( -type d -o -type l \) -exec stat -c '%i %n' {} +) | LC_ALL=C sort -k 2; }
# records VOL...: every record of these volumes, secrets included
records() {
	local v
	for v; do actl --json volume-show "$v" --secrets 2>&1; done
}
# same_state DESC BEFORE AFTER: ok when the two files are equal, otherwise the diff as diagnostics
same_state() {
	if cmp -s "$2" "$3"; then ok "$1"; else
		diff "$2" "$3" >"$VM_WORK/state.diff" 2>&1
		VM_DIAG=$VM_WORK/state.diff not_ok "$1" "differences (- before, + after):"
		return 1
	fi
}

# ---- kernel tracing: did anything change the kernel's objects? ----------------------------------
# kprobes on the kernel functions behind every change to configfs and device-mapper: configfs attribute
# writes, mkdir, rmdir, symlink, unlink; dm device create, remove, rename, suspend/resume, table
# load/clear, message; and module loading (the init_module and finit_module system calls: a start with
# the modules live loads none). Reads (configfs reads, dm list/info/table/status) pass through none.
VM_TRACEFS=/sys/kernel/tracing
VM_PROBES="configfs:configfs_write_iter configfs:configfs_mkdir configfs:configfs_rmdir configfs:configfs_symlink
	configfs:configfs_unlink dm_mod:dev_create dm_mod:dev_remove dm_mod:dev_rename dm_mod:dev_suspend
	dm_mod:table_load dm_mod:table_clear dm_mod:target_message __x64_sys_init_module __x64_sys_finit_module"
# trace_start: from now on, record every call of those functions (configfs and dm_mod must be loaded)
trace_start() {
	local p
	grep -q " $VM_TRACEFS tracefs" /proc/mounts || mount -t tracefs tracefs $VM_TRACEFS || return 1
	if [ ! -d $VM_TRACEFS/events/vmprobe ]; then
		for p in $VM_PROBES; do echo "p:vmprobe/${p#*:} $p" >>$VM_TRACEFS/kprobe_events || return 1; done
	fi
	echo 0 >$VM_TRACEFS/tracing_on && : >$VM_TRACEFS/trace &&
		echo 1 >$VM_TRACEFS/events/vmprobe/enable && echo 1 >$VM_TRACEFS/tracing_on
}
# trace_stop: stop; print what was recorded since trace_start, one "<comm>-<pid> <function>" a line
trace_stop() {
	echo 0 >$VM_TRACEFS/events/vmprobe/enable
	grep -v '^#' $VM_TRACEFS/trace | awk '{ f = $5; sub(/:$/, "", f); print $1, f }'
}
# trace_off: remove the probes (the sweep does it too)
trace_off() {
	[ -d $VM_TRACEFS/events/vmprobe ] || return 0
	echo 0 >$VM_TRACEFS/events/vmprobe/enable
	local p
	for p in $VM_PROBES; do echo "-:vmprobe/${p#*:}" >>$VM_TRACEFS/kprobe_events; done 2>/dev/null
	return 0
}

# ---- I/O running in the background -------------------------------------------------------------
# io_start DEV SESSION: a loop writing 1 MiB with O_DIRECT to DEV at 40..47 MiB (two random patterns in
# turn, so a write that never happened shows), reading it back with O_DIRECT and comparing, and
# reading the session's state (SESSION = its /sys/class/iscsi_session/sessionN) after every round,
# until io_stop. Any failure, difference or state other than LOGGED_IN is appended to
# $VM_WORK/io/errors; $VM_WORK/io/rounds counts the rounds done.
io_start() {
	local d=$VM_WORK/io
	mkdir -p $d && rm -f $d/stop $d/errors && echo 0 >$d/rounds
	dd if=/dev/urandom of=$d/p0 bs=1M count=1 2>/dev/null && dd if=/dev/urandom of=$d/p1 bs=1M count=1 2>/dev/null
	(
		i=0
		while [ ! -e $d/stop ]; do
			p=$d/p$((i % 2)) off=$((40 + i % 8))
			timeout 30 dd if=$p of="$1" bs=1M count=1 seek=$off oflag=direct conv=notrunc 2>$d/err ||
				echo "round $i ($(vm_uptime)): write at $off MiB failed: $(tail -n 1 $d/err)" >>$d/errors
			timeout 30 dd if="$1" of=$d/back bs=1M count=1 skip=$off iflag=direct 2>$d/err ||
				echo "round $i ($(vm_uptime)): read at $off MiB failed: $(tail -n 1 $d/err)" >>$d/errors
			cmp -s $p $d/back || echo "round $i ($(vm_uptime)): read back differs at $off MiB" >>$d/errors
			st=$(cat "$2/state" 2>&1)
			[ "$st" = LOGGED_IN ] || echo "round $i ($(vm_uptime)): session state $st" >>$d/errors
			i=$((i + 1))
			echo $i >$d/rounds
			sleep 0.2 # under TCG a busy loop would slow everything else down
		done
	) </dev/null >/dev/null 2>&1 &
	IO_PID=$!
}
io_rounds() { cat $VM_WORK/io/rounds 2>/dev/null || echo 0; }
# io_more N: wait (up to 60 s) until the loop has done N more rounds
io_more() {
	local want=$(($(io_rounds) + $1)) n=600
	while [ $n -gt 0 ]; do
		[ "$(io_rounds)" -ge $want ] && return 0
		kill -0 "$IO_PID" 2>/dev/null || return 1
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# io_stop: end the loop after its current round; its errors are in $VM_WORK/io/errors
io_stop() {
	[ -n "${IO_PID:-}" ] || return 0
	touch $VM_WORK/io/stop
	wait "$IO_PID"
	IO_PID=
}

# ---- crash injection (build/attachd-faults, agent/calls/fault.h) -------------------------------------
# crash_test POINT "VOL..." ATTACHCTL-ARGS...: with the plain attachd running and everything prepared
# for the call, snapshot the kernel (kernel_state) and the records of VOL..., restart as attachd-faults
# with ATTACHD_CRASH_AT=<call>:POINT, make the call (the agent kills itself with SIGKILL at POINT),
# start the plain attachd again (it reconciles before its socket appears), and check: the agent died
# there; kernel and records equal the snapshot; reconcile --dry-run finds nothing to do; the retried
# call succeeds and reconcile still finds nothing (crash_retry). Five checks; ${CRASH_CTX} prefixes them.
crash_test() {
	local point=$1 vols=$2 call=$3 d=$VM_WORK/crash why= rc
	shift 2
	local tag="${CRASH_CTX:+$CRASH_CTX, }crash at $call:$point"
	mkdir -p $d
	kernel_state >$d/k0
	records $vols >$d/r0
	attachd_stop || why="the plain attachd did not exit 0 on SIGTERM; "
	ATTACHD_BIN=attachd-faults
	ATTACHD_CRASH_AT=$call:$point
	export ATTACHD_CRASH_AT
	attachd_start >$d/start 2>&1
	rc=$?
	unset ATTACHD_BIN ATTACHD_CRASH_AT
	[ $rc = 0 ] || { VM_DIAG=$d/start not_ok "$tag: attachd-faults starts"; return 1; }
	actl "$@" >$d/call 2>&1 && why="${why}the call succeeded; "
	if wait_for 10 sh -c "! kill -0 $ATTACHD_PID"; then wait "$ATTACHD_PID"; rc=$?; else
		why="${why}the agent was still running 10 s after the call; "
		kill -KILL "$ATTACHD_PID"
		wait "$ATTACHD_PID"
	fi
	tail -n 3 "$ATTACHD_LOG" | grep -qF "crash injected at $call:$point" || why="${why}no 'crash injected at $call:$point' in its log; "
	echo "$tag: the call says: $(tail -n 1 $d/call)"
	if [ -z "$why" ]; then ok "$tag: the agent dies there (status $rc), the call fails"; else
		VM_DIAG=$ATTACHD_LOG not_ok "$tag: the agent dies there" "$why"
	fi
	attachd_start >$d/start 2>&1 || { VM_DIAG=$d/start not_ok "$tag: attachd starts again"; return 1; }
	kernel_state >$d/k1
	records $vols >$d/r1
	same_state "$tag: restarted, the kernel is as before the call (configfs tree and values, dm)" $d/k0 $d/k1
	same_state "$tag: restarted, the records are as before the call (volume-show --secrets)" $d/r0 $d/r1
	actl reconcile --dry-run >$d/rec 2>&1
	grep -q '^nothing to do' $d/rec && ok "$tag: reconcile --dry-run: nothing to do" ||
		VM_DIAG=$d/rec not_ok "$tag: reconcile --dry-run finds nothing to do"
	CRASH_TAG=$tag
	[ "${CRASH_NO_RETRY:-0}" = 1 ] || crash_retry "$@"
}
# crash_retry ATTACHCTL-ARGS...: crash_test's last check (CRASH_NO_RETRY=1 crash_test leaves it to the
# caller, to check something in between): the call succeeds; reconcile still finds nothing to do.
# The call's output is in $VM_WORK/crash/retry.
crash_retry() {
	local d=$VM_WORK/crash
	if actl "$@" >$d/retry 2>&1; then
		actl reconcile --dry-run >$d/rec 2>&1
		grep -q '^nothing to do' $d/rec && ok "$CRASH_TAG: the retry succeeds; reconcile --dry-run: nothing to do" ||
			VM_DIAG=$d/rec not_ok "$CRASH_TAG: after the retried call, reconcile --dry-run finds nothing to do"
	else
		VM_DIAG=$d/retry not_ok "$CRASH_TAG: the retry succeeds"
		return 1
	fi
}
# crash_middle N: the fault point in the middle of N kernel steps: step-(N+1)/2, or step-2 of two
crash_middle() { [ "$1" -le 2 ] && echo "step-$1" || echo "step-$((($1 + 1) / 2))"; }
# crash_volume NAME [volume-create options...]: a reserved volume on a fresh 64 MiB loop device
# (/tmp/NAME.img); sets V, adds the loop device to CRASH_LOOPS
crash_volume() {
	local l
	l=$(backing "/tmp/$1.img" 64) || return 1
	CRASH_LOOPS="${CRASH_LOOPS:-} $l"
	V=$(actl volume-create --device "$l" --name "$@") && actl reserve "$V" >/dev/null
}
# kernel_steps ATTACHCTL-ARGS...: how many kernel steps the call plans (its dry run's lines that are
# not "record:"): the N of the last "step-N" point
kernel_steps() { actl --dry-run "$@" 2>/dev/null | grep -vc '^record:'; }

# ---- two-boot scenarios: the persistent disk and the power cut ---------------------------------
# A scenario with the line "# vm-boots: 2" runs twice (tests/vm/run.sh): last in the ordinary boot,
# with $VM_BOOT = 1, ending with power_cut; then alone in a second boot of the same kernel with
# $VM_BOOT = 2. Both boots have the same persistent disk: an ext4 image as /dev/vda.
VM_PERSIST=/mnt/persist
persist_mount() {
	modprobe -a virtio_pci virtio_blk ext4 || return 1
	wait_for 10 test -b /dev/vda || { echo "no /dev/vda: no persistent disk attached (run.sh --disk)"; return 1; }
	mkdir -p $VM_PERSIST && mount -t ext4 /dev/vda $VM_PERSIST
}
# power_cut: end this boot right after the scenario, as a power cut: the runner reports the result and
# resets the machine at once (no sync, no sweep, no unmount, no logout; qemu exits on the reset).
power_cut() { : >/run/vm/power-cut; }
