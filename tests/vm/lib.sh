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
vm_accel() { dmesg | grep -q 'Hypervisor detected: KVM' && echo kvm || echo tcg; }

# ---- reporting --------------------------------------------------------------------------------
# TAP lines go to fd 3 (the console, opened by the runner) so the "| " prefixing never touches them.
# Numbering runs over the whole boot; the host renumbers across boots anyway.
_tap() { # STATUS DESC [DIRECTIVE]
	echo x >>/run/vm/tapno
	echo "$2" >>/run/vm/checks
	echo "TIME check $(vm_uptime) ${VM_SCENARIO:-?}: $2" >&3 # where the time goes (console only)
	printf '%s %d - %s %s: %s%s\n' "$1" "$(wc -l </run/vm/tapno)" "$VM_KERNEL" "${VM_SCENARIO:-?}" \
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
# earlier run does not count: readiness is a socket with a new inode.
attachd_start() {
	local old=
	command -v attachd >/dev/null || { echo "attachd is not in the image"; return 1; }
	[ -e "$ATTACHD_SOCK" ] && old=$(stat -c %i "$ATTACHD_SOCK")
	mkdir -p -m 0700 "$ATTACHD_DB"
	echo "--- attachd start $(vm_uptime)" >>"$ATTACHD_LOG"
	attachd --socket "$ATTACHD_SOCK" --db "$ATTACHD_DB" --portal "$VM_PORTAL" --foreground "$@" \
		>>"$ATTACHD_LOG" 2>&1 &
	ATTACHD_PID=$!
	echo "$ATTACHD_PID" >/run/vm/attachd.pid
	local n=100
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
	echo "no socket at $ATTACHD_SOCK after 10 s"
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
	iscsi_node "$@" && iscsiadm -m node -T "$1" -p "$2" ${5:+-I $5} --login
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

# ---- the sweep between scenarios --------------------------------------------------------------
# Remove whatever a scenario left: the agent, sessions, node records, ifaces, every LIO object,
# attachd's dm devices, loop devices, scratch files. Only prints what it had to remove.
vm_sweep() {
	local pid t tpg acl l lun so hba
	pid=$(cat /run/vm/attachd.pid 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		echo "attachd still running: stopped"
		kill -TERM "$pid"
		wait_for 5 sh -c "! kill -0 $pid" || kill -KILL "$pid"
	fi
	rm -f /run/vm/attachd.pid
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
		for tpg in "$t"/tpgt_*; do
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
	done
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
# capture NAME < lines: the host (run.sh) writes them to build/vm/<suite>/NAME-capture.txt
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
configfs_dump() {
	(cd $CFG && find "${1:-target}") | while IFS= read -r p; do
		if [ -L "$CFG/$p" ]; then
			t=$(readlink -f "$CFG/$p")
			echo "L $p -> ${t#$CFG/}"
		elif [ -d "$CFG/$p" ]; then
			echo "D $p"
		else
			echo "F $p"
		fi
	done | LC_ALL=C sort -t ' ' -k 2,2
}
