# 54 tools: make bench's "one export, the same boot, every tool" (issue 11, item 6). One iSCSI export
# (a block storage object on a dm slice, a target with TPG 1, a portal, LUN 0, an ACL with CHAP and its
# mapped LUN, authentication on, enabled) built and torn down by:
#   - the raw-syscall floor (attachd-lio-floor, tests/tools/lio-floor.c, which also makes the dm device
#     on the slice, as attachd does), M exports in one process: its mean per export;
#   - attachd: initialize-connection of a new export and terminate-connection of its last ACL
#     (attachd-bench -s SOCKET DEV..., one connection, M volumes): p50 (the dm device included);
#   - rtslib-fb in one python process (guest/rtslib-scale.py, M times): p50, the import apart;
#   - targetcli-fb the way a shell script drives it, one process per command (7 to build, 2 to tear
#     down), then `saveconfig` (what keeps it over a reboot, as attachd's records do): the median of
#     R runs with no other export, one run with K (each of its starts reads the whole tree). PyGObject is not in the image: guest/pyshim answers targetcli's D-Bus question as a node
#     without tcmu-runner (gi/__init__.py there says why).
# All of it with no other export, then with K other exports live (vm.bench.others, default 100; made by
# the floor under other names): attachd, the floor and rtslib-fb touch only their own objects,
# targetcli reads the whole tree at every start. vm.bench.tools picks the tools (default all: floor,
# attachd, rtslib, targetcli); e.g. vm.bench.others=1000 vm.bench.tools=floor,attachd shows whether one
# more export costs the kernel or attachd more beside 1000 others (docs/PERFORMANCE.md). Prints the table (console and
# build/vm/<suite>/bench-tools.txt); the checks are that each tool ran to its end and left nothing.
K=100 M=10 R=3 TOOLS=floor,attachd,rtslib,targetcli
for w in $(cat /proc/cmdline); do
	case $w in
	vm.bench.others=*) K=${w#*=} ;;
	vm.bench.tools=*) TOOLS=${w#*=} ;; # e.g. floor,attachd with vm.bench.others=1000
	esac
done
want() { case ,$TOOLS, in *,$1,*) return 0 ;; esac; return 1; }
OTHERS=iqn.2024-01.org.example:others
FLOOR=iqn.2024-01.org.example:toolsfloor
RT_IQN=iqn.2024-01.org.example:rtslib-tools
TC_IQN=iqn.2024-01.org.example:targetcli-tools
INI=iqn.2004-10.org.example:tools
export TARGETCLI_HOME=/tmp/targetcli-home PYTHONPATH=/vm/pyshim
cleanup_scenario() {
	attachd_stop >/dev/null 2>&1
	lio_target_rm $RT_IQN
	lio_target_rm $TC_IQN
	for v in $CFG/target/core/*/rtsbench $CFG/target/core/*/tclibench; do [ -d "$v" ] && rmdir "$v"; done
	dmsetup ls 2>/dev/null | awk '$1 ~ /^(tools|other|floor)-/ { print $1 }' >$VM_WORK/slices
	[ -s $VM_WORK/slices ] && xargs -n1 dmsetup remove <$VM_WORK/slices
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f /tmp/tools.img
}
attachd_start --max-volumes $((M + 10)) --max-exports $((M + 10)) || bail "attachd did not start"
LOOP=$(backing /tmp/tools.img $((K + 2 * M + 4))) || bail "no loop device"
# tools-0..M-1 the floor's, tools-M..2M-1 attachd's, tools-2M rtslib-fb's, tools-2M+1 targetcli-fb's;
# other-1000.. the other exports' (the floor numbers them from 1000: -o 1000)
check "$((2 * M + 2)) + $K dm slices" eval 'dm_slices tools $((2 * M + 2)) "$LOOP" && dm_slices other "$K" "$LOOP" 1000' ||
	bail "no slices"
: >$VM_WORK/rows

# t_ms: milliseconds since boot (/proc/uptime: 10 ms steps, enough for targetcli's seconds)
t_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
median() { sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "" }'; }
row() { echo "$*" >>$VM_WORK/rows; } # TOOL K BUILD TEARDOWN [NOTE]

floor_at() {
	attachd-lio-floor $FLOOR /dev/mapper/tools-%d "$M" >$VM_WORK/fb.out 2>&1 &&
		attachd-lio-floor -d $FLOOR "$M" >$VM_WORK/fd.out 2>&1 || { cat $VM_WORK/fb.out $VM_WORK/fd.out; return 1; }
	row floor "$1" "$(awk '/^floor:/ { gsub(/\(/, "", $7); print $7 }' $VM_WORK/fb.out)" \
		"$(awk '/^floor:/ { gsub(/\(/, "", $7); print $7 }' $VM_WORK/fd.out)" "mean of $M"
}

# the call table of attachd-bench (tests/bench/bench.c), which leaves its last pass's exports live:
# removed after it (terminate-connection --force, unreserve, volume-delete), untimed
attachd_at() {
	local devs="" i v
	for i in $(seq "$M" $((2 * M - 1))); do devs="$devs /dev/mapper/tools-$i"; done
	# shellcheck disable=SC2086
	attachd-bench -s "$ATTACHD_SOCK" $devs >$VM_WORK/ab.out 2>&1 || { tail -n 12 $VM_WORK/ab.out; return 1; }
	for v in $(actl volume-list | awk 'NR > 1 { print $1 }'); do
		actl terminate-connection "$v" --force && actl unreserve "$v" && actl volume-delete "$v" || return 1
	done
	# the call table's rows (call, mean, p50, p99); not the K table's title after it
	row attachd "$1" \
		"$(awk '$1 == "initialize-connection" && $3 == "export)" && $5 ~ /^[0-9.]+$/ { print $5; exit }' $VM_WORK/ab.out)" \
		"$(awk '$1 == "terminate-connection" && $2 == "(teardown)" && $4 ~ /^[0-9.]+$/ { print $4; exit }' $VM_WORK/ab.out)" \
		"p50 of $M"
}

rtslib_at() {
	have_python || return 0
	python3 /vm/rtslib-scale.py /dev/mapper/tools-$((2 * M)) $RT_IQN $INI 127.0.0.1 3260 "$M" \
		>$VM_WORK/rt.out 2>>$VM_WORK/rt.err || { tail -n 12 $VM_WORK/rt.err; return 1; }
	local l
	l=$(grep '^RTSLIB ' $VM_WORK/rt.out) || return 1
	row rtslib-fb "$1" "$(echo "$l" | sed 's/.*build_p50=\([0-9.]*\).*/\1/')" \
		"$(echo "$l" | sed 's/.*teardown_p50=\([0-9.]*\).*/\1/')" \
		"p50 of $M, one process (import $(echo "$l" | sed 's/.*import_ms=\([0-9]*\).*/\1/') ms apart)"
}

# targetcli-fb: one run; appends "BUILD SAVE TEARDOWN SAVE2" (ms) to $VM_WORK/tc.runs
tc() { targetcli "$@" >>$VM_WORK/tc.log 2>&1 || { echo "targetcli $* failed"; tail -n 8 $VM_WORK/tc.log; return 1; }; }
tc_once() {
	local dev=/dev/mapper/tools-$((2 * M + 1)) tpg=/iscsi/$TC_IQN/tpg1 a b c d e
	a=$(t_ms)
	tc /backstores/block create name=tclibench dev=$dev &&
		tc /iscsi create $TC_IQN &&
		tc $tpg/portals create 127.0.0.1 3260 &&
		tc $tpg/luns create /backstores/block/tclibench &&
		tc $tpg/acls create $INI &&
		tc $tpg/acls/$INI set auth userid=tclibenchuser password=tclibenchpass12 &&
		tc $tpg set attribute authentication=1 generate_node_acls=0 || return 1
	b=$(t_ms)
	tc saveconfig || return 1
	c=$(t_ms)
	tc /iscsi delete $TC_IQN && tc /backstores/block delete tclibench || return 1
	d=$(t_ms)
	tc saveconfig || return 1
	e=$(t_ms)
	echo "$((b - a)) $((c - b)) $((d - c)) $((e - d))" >>$VM_WORK/tc.runs
}
targetcli_at() {
	have_python && command -v targetcli >/dev/null || return 0
	: >$VM_WORK/tc.runs
	local runs=$R
	[ "$1" = 0 ] || runs=1 # with K others each of its starts reads them all: ~10 s a command at 100
	for _ in $(seq "$runs"); do tc_once || return 1; done
	# the export as built: what the others have (enabled TPG, the ACL's mapped LUN 0, CHAP)
	local b s t s2
	b=$(cut -d' ' -f1 $VM_WORK/tc.runs | median)
	s=$(cut -d' ' -f2 $VM_WORK/tc.runs | median)
	t=$(cut -d' ' -f3 $VM_WORK/tc.runs | median)
	s2=$(cut -d' ' -f4 $VM_WORK/tc.runs | median)
	row targetcli-fb "$1" "$b" "$t" "median of $runs, a process per command (7 to build, 2 to tear down)"
	row "targetcli-fb+saveconfig" "$1" "$((b + s))" "$((t + s2))" "the same, then saveconfig after each"
}

# targetcli's first start writes its preferences; the default portal 0.0.0.0:3260 would clash with the
# agent's 127.0.0.1:3260, so it is turned off as an operator would
if want targetcli && have_python && command -v targetcli >/dev/null; then
	mkdir -p $TARGETCLI_HOME
	check "targetcli-fb starts (set global auto_add_default_portal=false)" \
		tc set global auto_add_default_portal=false
fi

at_level() {
	local k=$1
	! want floor || check "K=$k: the floor built and tore down $M exports" floor_at "$k"
	! want attachd || check "K=$k: attachd exported and tore down $M volumes" attachd_at "$k"
	! want rtslib || check "K=$k: rtslib-fb built and tore down its export $M times" rtslib_at "$k"
	! want targetcli || check "K=$k: targetcli-fb built and tore down its export" targetcli_at "$k"
}
at_level 0
if [ "$K" -gt 0 ]; then
	t0=$(t_ms)
	check "$K other exports built by the floor" \
		attachd-lio-floor -o 1000 $OTHERS /dev/mapper/other-%d $K
	echo "$K other exports in $(($(t_ms) - t0)) ms"
	at_level "$K"
	check "$K other exports torn down" \
		attachd-lio-floor -d -o 1000 $OTHERS $K
fi

# the table: each tool at each K, and against the floor at the same K
awk -v kern="$VM_KERNEL" -v accel="$(vm_accel)" -v cpus="$(nproc)" -v k="$K" '
{ tool[NR] = $1; kk[NR] = $2; b[NR] = $3; t[NR] = $4; $1 = $2 = $3 = $4 = ""; note[NR] = substr($0, 5)
  if (tool[NR] == "floor") { fb[kk[NR]] = b[NR]; ft[kk[NR]] = t[NR] } }
END {
	printf "one iSCSI export built and torn down by each tool, %s (%s, %d vCPU), ms; x = against the floor at the same K\n", kern, accel, cpus
	printf "| made by | K | build | teardown | build x | teardown x | how |\n|---|---|---|---|---|---|---|\n"
	for (i = 1; i <= NR; i++)
		printf "| %s | %s | %.1f | %.1f | %.1f | %.1f | %s |\n", tool[i], kk[i], b[i], t[i],
			fb[kk[i]] ? b[i] / fb[kk[i]] : 0, ft[kk[i]] ? t[i] / ft[kk[i]] : 0, note[i]
}' $VM_WORK/rows >$VM_WORK/tools.txt
capture bench-tools.txt <$VM_WORK/tools.txt
check_eq "no floor, rtslib-fb or targetcli-fb target left" "" \
	"$(ls $CFG/target/iscsi | grep -e "^$FLOOR:" -e "^$OTHERS:" -e "^$RT_IQN\$" -e "^$TC_IQN\$")"
check_clean "nothing of attachd's left"
cleanup_scenario
