# 50 scale: make bench's scenario (tests/vm/bench/, never in make check; see tests/bench/bench.mk).
# attachd with K = 1, 10, 100, 1000 exports live (vm.bench.levels), each volume a dm linear slice of
# 1 MiB (benchslice-N, made here by one `dmsetup create --concise`, outside attachd's names) of one
# sparse file on one loop device: tests/bench/bench_scale.c times initialize-connection and
# terminate-connection of one more export (vm.bench.samples of them, on benchspare-N), volume-list and
# volume-show, reads the agent's VmRSS, Pss, open fds and LMDB file size, and runs rtslib-fb's export
# and teardown (guest/rtslib-scale.py) at each K while the time limit allows; then it tears everything
# down, measuring each K a second time on the way. The time limit of the
# scenario (vm.timeout, make bench's BENCH_SECONDS) is the bench's budget: a K that would not fit is left
# out and the table says so. Prints numbers; the one check is that the bench ran to its end.
LEVELS=1,10,100,1000 M=20
for w in $(cat /proc/cmdline); do
	case $w in
	vm.bench.levels=*) LEVELS=${w#*=} ;;
	vm.bench.samples=*) M=${w#*=} ;;
	vm.timeout=*) LIMIT=${w#*=} ;;
	esac
done
T0=$(vm_uptime)
MAXK=${LEVELS##*,}
RT_IQN=iqn.2024-01.org.example:rtslib-scale
BINI=iqn.2004-10.org.example:rtslib-scale
cleanup_scenario() {
	attachd_stop >/dev/null 2>&1
	lio_target_rm $RT_IQN
	for v in $CFG/target/core/*/rtsbench; do [ -d "$v" ] && rmdir "$v"; done
	dmsetup ls 2>/dev/null | awk '$1 ~ /^bench(slice|spare)-/ { print $1 }' >$VM_WORK/slices
	[ -s $VM_WORK/slices ] && xargs dmsetup remove <$VM_WORK/slices
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f /tmp/scale.img
}
attachd_start || bail "attachd did not start"
LOOP=$(backing /tmp/scale.img $((MAXK + M + 1))) || bail "no loop device"
# the slices: 2048 sectors each, the live ones first, then the spares
awk -v k="$MAXK" -v m="$M" -v dev="$LOOP" 'BEGIN {
	for (i = 0; i < k + m; i++) {
		name = i < k ? "benchslice-" i : "benchspare-" (i - k)
		printf "%s%s,,,rw,0 2048 linear %s %d", i ? ";" : "", name, dev, i * 2048
	}
	print ""
}' >$VM_WORK/concise
t0=$(vm_uptime)
dmsetup create --concise <$VM_WORK/concise || bail "dmsetup create --concise of $((MAXK + M)) slices"
SLICE_MS=$(ms_since $t0)
[ -b /dev/mapper/benchspare-$((M - 1)) ] || bail "no /dev/mapper/benchspare-$((M - 1))"

# the bench's budget: the scenario's limit, less what went by and a minute for the cleanup
USED=$(awk -v a="$T0" -v b="$(vm_uptime)" 'BEGIN { printf "%d", b - a }')
BUDGET=$((${LIMIT:-120} - USED - 60))
RTS=
# (python's own complaints, e.g. about the image's trimmed *-nspkg.pth, go to rtslib.err)
have_python &&
	RTS="timeout \$BENCH_TIMEOUT python3 /vm/rtslib-scale.py \$BENCH_DEV $RT_IQN $BINI 127.0.0.1 3260 $M 2>>$VM_WORK/rtslib.err"
t0=$(vm_uptime)
attachd-bench -s "$ATTACHD_SOCK" --scale --pid "$ATTACHD_PID" --db "$ATTACHD_DB" --levels "$LEVELS" \
	--samples "$M" --live /dev/mapper/benchslice-%d --spare /dev/mapper/benchspare-%d --budget "$BUDGET" \
	${RTS:+--rtslib "$RTS"} >$VM_WORK/scale.out 2>&1
rc=$?
BENCH_S=$(awk -v a="$t0" -v b="$(vm_uptime)" 'BEGIN { printf "%.0f", b - a }')
# where the agent's Pss goes once every export is gone: by mapping (a library by its file name, the
# heap, the stack, anonymous), largest first
PSS_MAP=$(awk '/^[0-9a-f]+-[0-9a-f]+ / { n = NF >= 6 ? $6 : "anonymous"; sub(/.*\//, "", n) }
	/^Pss:/ { p[n] += $2 } END { for (k in p) if (p[k]) printf "%d %s\n", p[k], k }' /proc/$ATTACHD_PID/smaps |
	sort -rn | awk '{ printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1 }')
{
	echo "make bench on $VM_KERNEL ($(vm_accel), $(nproc) vCPU), levels $LEVELS, $M samples, budget $BUDGET s:" \
		"$((MAXK + M)) dm slices of 1 MiB made in ${SLICE_MS} ms (one dmsetup); the bench took $BENCH_S s, exit $rc"
	have_python || echo "(image without python: no rtslib-fb)"
	cat $VM_WORK/scale.out
	echo "the agent's Pss by mapping after the teardown (KiB): $PSS_MAP"
	grep -h -e '^[A-Za-z]*Error' -e '^Exception' $VM_WORK/rtslib.err 2>/dev/null | sort | uniq -c | sed 's/^/rtslib-scale.py stderr: /'
} >$VM_WORK/scale.txt
# (capture's lines reach the console too, unprefixed: a cat here would interleave with them)
capture bench-scale.txt <$VM_WORK/scale.txt
LAST=$(awk '/^  +K +init p50/ { s = 1; next } s && /^  +[0-9]+ / { k = $1; next } { s = 0 } END { print k }' $VM_WORK/scale.out)
[ $rc = 0 ] && [ -n "$LAST" ] &&
	ok "the scale bench ran to its end in $BENCH_S s (largest K measured: $LAST)" ||
	VM_DIAG=$VM_WORK/scale.out not_ok "the scale bench ran to its end (exit $rc)"
check_clean "nothing of attachd's left"
cleanup_scenario
