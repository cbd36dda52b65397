# 53 storm: make bench's boot storm (issue 11, item 3), one boot. N = 50 volumes (vm.bench.storm=N),
# each a dm linear slice of 1 MiB (stormslice-N, outside attachd's names) of one sparse file. First the
# kernel's own floor, to see what overlapping calls could gain at best: attachd-lio-floor builds the
# N exports and tears them down, in series (one thread), then by N threads at once, each time with
# the time of each step summed over the exports (where a teardown's time goes). Then attachd:
# attachd-bench --storm (tests/bench/bench_storm.c): N volumes attached (reserve,
# initialize-connection, attach) by N concurrent clients and detached the same way (begin-detaching,
# terminate-connection, detach), against the same N in series through one client, two rounds; attachd
# logs at debug level, and its "apply:"/"done:" lines give the time of each kernel step of each
# volume's first initialize-connection and terminate-connection (the series ones, one call at a time),
# to set beside the floor's. The numbers go to the console and build/vm/<suite>/bench-storm.txt; the
# checks are that each part ran to its end and left nothing behind.
N=50
for w in $(cat /proc/cmdline); do
	case $w in vm.bench.storm=*) N=${w#*=} ;; esac
done
FLOOR=iqn.2024-01.org.example:stormfloor
cleanup_scenario() {
	attachd_stop >/dev/null 2>&1
	dmsetup ls 2>/dev/null | awk '$1 ~ /^(stormslice|floor)-/ { print $1 }' >$VM_WORK/slices
	[ -s $VM_WORK/slices ] && xargs -n1 dmsetup remove <$VM_WORK/slices
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f /tmp/storm.img
}
attachd_start --max-volumes $((N + 10)) --max-exports $((N + 10)) --log-level debug || bail "attachd did not start"
LOOP=$(backing /tmp/storm.img $((N + 1))) || bail "no loop device"
check "$N dm slices (one dmsetup create --concise)" dm_slices stormslice "$N" "$LOOP" || bail "no slices"

# floor: FLAGS... (the build, then its teardown)
floor() {
	attachd-lio-floor "$@" "$FLOOR" /dev/mapper/stormslice-%d "$N" >$VM_WORK/floor-b.out 2>&1 &&
		attachd-lio-floor -d "$@" "$FLOOR" "$N" >$VM_WORK/floor-d.out 2>&1 &&
		cat $VM_WORK/floor-b.out $VM_WORK/floor-d.out >>$VM_WORK/floor.out
}
: >$VM_WORK/floor.out
VM_DIAG=$VM_WORK/floor-d.out check "the floor: $N exports built and torn down in series" floor
VM_DIAG=$VM_WORK/floor-d.out check "the floor: $N exports built and torn down by $N threads" floor -t "$N"
check_eq "the floor left no target" "" "$(ls $CFG/target/iscsi | grep "^$FLOOR:")"

attachd-bench -s "$ATTACHD_SOCK" --storm "$N" --live /dev/mapper/stormslice-%d --rounds 2 >$VM_WORK/storm.out 2>&1
VM_DIAG=$VM_WORK/storm.out check "attachd: $N attaches and detaches in series and by $N clients, two rounds" \
	test $? = 0
check_eq "attachd left no target" "" "$(ls $CFG/target/iscsi | grep "^$VM_PREFIX:")"
# attachd's kernel steps: for each volume's first call of each kind, the time from its "apply:" line
# (or its previous step's "done:") to each "done:", by the step's words before its first name
awk '
BEGIN { h = "[0-9a-f]"; h4 = h h h h; uuid = h4 h4 "-" h4 "-" h4 "-" h4 "-" h4 h4 h4 }
function secs(ts, a) { split(substr(ts, 12, 12), a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
/ debug: apply: / { v = $6; sub(/,$/, "", v); seen[$5, v]++; cur[v] = seen[$5, v] == 1 ? $5 : ""; last[v] = secs($1); next }
/ debug: done: / {
	if (!match($0, uuid)) next
	v = substr($0, RSTART, RLENGTH); c = cur[v]
	if (c == "") next
	t = secs($1); w = ""
	for (i = 5; i <= NF && $i !~ /[0-9:\/.(-]/; i++) w = w (w == "" ? "" : " ") $i
	sub(/ (of|for)$/, "", w)
	if (!((c, w) in ms)) { k[c]++; step[c, k[c]] = w }
	ms[c, w] += (t - last[v]) * 1000; n[c, w]++; last[v] = t
}
END {
	split("initialize-connection terminate-connection", calls, " ")
	for (j = 1; j <= 2; j++) {
		c = calls[j]; tot = 0
		printf "%s, each step'"'"'s mean over the first call of each volume (ms):\n", c
		for (i = 1; i <= k[c]; i++) {
			w = step[c, i]; m = ms[c, w] / n[c, w]; tot += m
			printf "  %-40s %8.2f  (%d calls)\n", w, m, n[c, w]
		}
		printf "  %-40s %8.2f\n", "all kernel steps", tot
	}
}' "$ATTACHD_LOG" >$VM_WORK/steps.out
{
	echo "boot storm, N = $N, $VM_KERNEL ($(vm_accel), $(nproc) vCPU)"
	echo "the raw-syscall floor (attachd-lio-floor): build, then teardown; in series, then $N threads"
	sed 's/^/  /' $VM_WORK/floor.out
	echo "attachd (attachd-bench --storm): $N clients at once against one client in series"
	sed 's/^/  /' $VM_WORK/storm.out
	echo "attachd's kernel steps, from its debug log (series: one call at a time)"
	sed 's/^/  /' $VM_WORK/steps.out
} >$VM_WORK/storm.txt
capture bench-storm.txt <$VM_WORK/storm.txt
