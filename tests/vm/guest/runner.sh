#!/bin/sh
# The guest's scenario runner: runs /vm/scenarios/NN-name.sh in the order given on the kernel command
# line, each in its own process with a time limit, and prints what the host parses:
#
#   ATTACHD-VM begin <scenario>
#   ok N - <kernel> <scenario>: <check>            (TAP lines, from lib.sh, straight to the console)
#   | <anything the scenario printed>              (prefixed, so it can never pass for a TAP line)
#   ATTACHD-VM end <scenario> rc=R checks=C failed=F
#   ATTACHD-VM done rc=R                           (R = 0 only when every scenario passed)
#
# A scenario that called power_cut (lib.sh) ends the boot: after its end line the runner prints
#   ATTACHD-VM power-cut <scenario>
# and the done line, then resets the machine at once (sysrq b: no sync, no sweep, no unmount; qemu
# runs with -no-reboot, so the reset ends it). vm.boot=N (run.sh: the second boot of a two-boot
# scenario) is passed to the scenarios as $VM_BOOT.
#
# By hand (run-vm.sh --shell): sh /vm/runner.sh 02-full-cycle 07-extend
# Between scenarios it sweeps away whatever one left behind (agent, sessions, exports, dm devices,
# loop devices), so that a failure in one cannot cascade into the next.
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
. /vm/lib.sh

exec 3>&1 # lib.sh writes TAP lines to fd 3: the console, past the "| " prefixing
CMDLINE=$(cat /proc/cmdline)
arg() { for w in $CMDLINE; do case $w in "$1"=*) echo "${w#*=}"; return ;; esac; done; }
SCENARIOS=$(arg vm.scenarios | tr , ' ')
# by hand, in the guest's shell: sh /vm/runner.sh 02-full-cycle [...]
[ $# -gt 0 ] && SCENARIOS="$*"
LIMIT=$(arg vm.timeout)
: "${LIMIT:=120}"
VM_BOOT=$(arg vm.boot)
export VM_BOOT=${VM_BOOT:-1}

# What this boot is (run.sh reads the accel from this line; the empty line ends SeaBIOS's last one).
echo; echo "# kernel: $VM_KERNEL; accel: $(vm_accel); agent: $(cat /etc/attachd-vm-agent 2>/dev/null || echo ?); boot: $VM_BOOT"
echo "TIME init $(vm_uptime)"
# One iscsid for the whole boot: every open-iscsi scenario needs it, and the sweep keeps it clean.
pidof iscsid >/dev/null || iscsid || echo "# iscsid failed to start"

# run_one NAME FILE: the scenario in its own session, so that at the time limit the whole process
# group goes (a plain timeout kills only its child: a leftover "sleep" or attachd would keep the
# output pipe open and the runner waiting). Returns the scenario's status; 124 = time limit.
run_one() {
	rm -f /run/vm/timed-out /run/vm/power-cut
	VM_SCENARIO=$1 setsid sh -c ". /vm/lib.sh; . $2; exit 0" &
	local pid=$!
	(
		sleep "$LIMIT"
		touch /run/vm/timed-out
		echo "time limit of $LIMIT s reached: killing the scenario"
		kill -TERM -"$pid" 2>/dev/null
		sleep 5
		kill -KILL -"$pid" 2>/dev/null
	) >/dev/console 2>&1 &
	local dog=$!
	wait $pid
	local rc=$?
	kill $dog 2>/dev/null
	# whatever the scenario left running in its group (a background attachd, a sleep) goes too
	kill -TERM -"$pid" 2>/dev/null
	return $rc
}

all=0
for s in $SCENARIOS; do
	f=/vm/scenarios/$s.sh
	echo "ATTACHD-VM begin $s"
	: >/run/vm/checks
	: >/run/vm/failed
	if [ -f "$f" ]; then
		# set -o pipefail: the status of the scenario, not of the prefixing sed
		(
			set -o pipefail
			run_one "$s" "$f" 2>&1 </dev/null | sed 's/^/| /'
		)
		rc=$?
		[ -f /run/vm/timed-out ] && rc=124
	else
		echo "# no such scenario: $f"
		rc=127
	fi
	checks=$(wc -l </run/vm/checks)
	failed=$(wc -l </run/vm/failed)
	[ "$rc" = 0 ] && [ "$failed" = 0 ] && [ "$checks" -gt 0 ] || all=1
	if [ "$failed" != 0 ] || [ "$rc" != 0 ]; then
		# context for whoever reads the console log: the agent's log and the kernel's last words
		echo "# --- $s: attachd log (tail) / dmesg (tail)"
		tail -n 15 /run/vm/attachd.log 2>/dev/null | sed 's/^/#   /'
		dmesg | tail -n 15 | sed 's/^/#   /'
	fi
	echo "ATTACHD-VM end $s rc=$rc checks=$checks failed=$failed"
	echo "TIME $s $(vm_uptime)"
	if [ -e /run/vm/power-cut ]; then
		echo "ATTACHD-VM power-cut $s"
		echo "ATTACHD-VM done rc=$all"
		sleep 0.5 # let the serial console drain: the reset does not wait for it
		echo b >/proc/sysrq-trigger
		sleep 30
		echo "# the reset did not happen"
		exit 1
	fi
	vm_sweep 2>&1 | sed 's/^/| sweep: /'
done
echo "ATTACHD-VM done rc=$all"
