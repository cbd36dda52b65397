# 11 live restart: attachd is killed with SIGKILL and started again while an initiator is logged in
# with I/O running. The initiator must not notice: the same session (open-iscsi's SID, the target's
# LIO session id and TSIH, the same TCP connection), LOGGED_IN after every round of the I/O loop, no
# I/O error. The restart must not touch the kernel either: reconcile (at start, then --dry-run and
# for real) finds nothing to do; the configfs tree, the values attachd writes and the dm devices are as
# before; no object was made again (configfs inode numbers); and kprobes on every function that changes
# configfs or dm, and on the module-loading system calls, saw no call at all, from anyone, from the kill
# to the end of the reconciles.
cleanup_scenario() {
	io_stop
	trace_off
	[ -n "${TGT:-}" ] && iscsi_logout "$TGT"
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f /tmp/v11.img
}
W=$VM_WORK
attachd_start || bail "attachd did not start"

# the probes' positive control: the export does change the kernel, and they see it
trace_start || { not_ok "kprobes on configfs and dm (tracefs)"; bail "no tracing"; }
vol_export v11 "$VM_INI" || bail "no export"
trace_stop >$W/t-export
n_w=$(grep -c ' configfs_write_iter$' $W/t-export) n_m=$(grep -c ' configfs_mkdir$' $W/t-export)
n_l=$(grep -c ' configfs_symlink$' $W/t-export) n_d=$(grep -cE ' (dev_create|table_load|dev_suspend)$' $W/t-export)
[ "$n_w" -gt 0 ] && [ "$n_m" -gt 0 ] && [ "$n_l" -gt 0 ] && [ "$n_d" -gt 0 ] &&
	ok "the probes see the export being made ($n_m mkdir, $n_w attribute writes, $n_l symlinks, $n_d dm calls)" ||
	VM_DIAG=$W/t-export not_ok "the probes see the export being made" "mkdir $n_m, writes $n_w, symlinks $n_l, dm $n_d"
# and a module load is seen even when the module is live: insmod of dm_mod again (the kernel reads and
# checks the file before it answers EEXIST), which attachd's start once did for every module it needs
trace_start || not_ok "tracing restarted"
insmod "$(modinfo -n dm_mod)" 2>$W/insmod && not_ok "insmod of a live dm_mod fails (EEXIST)"
trace_stop >$W/t-insmod
VM_DIAG=$W/t-insmod check "the probes see a module load of a live module ($(cat $W/insmod))" \
	grep -qE '^insmod-[0-9]+ __x64_sys_f?init_module$' $W/t-insmod

check "login" iscsi_login "$TGT" "$PORTAL" "$CHAP_USER" "$CHAP_PASS" || bail "no login"
SD=$(session_disk "$TGT") || { not_ok "the disk appears"; bail "no disk"; }
S=$(session_of "$TGT")
CONN=$(ls -d $S/device/connection*/iscsi_connection/connection* 2>/dev/null | head -n 1)
INFO=$CFG/target/iscsi/$TGT/tpgt_1/acls/$VM_INI/info
# session_identity: what would change with any re-login, on both sides
session_identity() {
	echo "initiator: ${S##*/} $(cat $S/state), connection ${CONN##*/} $(cat $CONN/state 2>&1), local port $(cat $CONN/local_port 2>&1)"
	echo "target: $(grep -o 'LIO Session ID: [0-9]*.*TSIH: [0-9]*' $INFO), $(grep -o 'Session State: [A-Z_]*' $INFO)," \
		"$(grep -o 'Connection State: [A-Z_]*' $INFO)"
	iscsiadm -m session -P 3 | grep -E 'SID:|Connection State:|Session State:' | sed 's/^[[:space:]]*/iscsiadm: /'
}
session_identity >$W/id0
cat $W/id0
grep -q 'iscsiadm: iSCSI Session State: LOGGED_IN' $W/id0 && grep -q 'TSIH: [0-9]' $W/id0 &&
	ok "session identity read on both sides ($(sed -n 's/^target: \(LIO Session ID: [0-9]*\).*/\1/p' $W/id0))" ||
	VM_DIAG=$W/id0 not_ok "session identity read on both sides"
records "$VOL" >$W/r0

io_start /dev/$SD "$S"
io_more 3 && ok "I/O loop running on /dev/$SD (O_DIRECT write, read back, compare: $(io_rounds) rounds)" ||
	{ not_ok "I/O loop running on /dev/$SD"; bail "no I/O"; }
kernel_state >$W/k0
cfs_inodes >$W/i0
dmesg | wc -l >$W/dmesg0

trace_start || not_ok "tracing restarted"
kill -KILL "$ATTACHD_PID"
wait "$ATTACHD_PID"
rc=$?
rm -f /run/vm/attachd.pid
check_eq "attachd killed with SIGKILL (status 137)" 137 "$rc"
r0=$(io_rounds)
io_more 3 && ok "I/O goes on while attachd is dead ($(($(io_rounds) - r0)) rounds)" || not_ok "I/O goes on while attachd is dead"
t0=$(vm_uptime)
check "attachd starts again on the same database (reconciling before its socket appears)" attachd_start
echo "restart: $t0 -> $(vm_uptime)"
actl reconcile --dry-run >$W/rec 2>&1
grep -q '^nothing to do' $W/rec && ok "reconcile --dry-run: $(head -n 1 $W/rec)" || VM_DIAG=$W/rec not_ok "reconcile --dry-run finds nothing to do"
actl reconcile >$W/rec 2>&1
grep -q '^nothing to do' $W/rec && ok "reconcile (not a dry run) finds nothing to do either" ||
	VM_DIAG=$W/rec not_ok "reconcile (not a dry run) finds nothing to do either"
io_more 3 && ok "I/O goes on after the restart ($(($(io_rounds) - r0)) rounds since the kill)" || not_ok "I/O goes on after the restart"
trace_stop >$W/t-window
[ -s $W/t-window ] && VM_DIAG=$W/t-window not_ok "no configfs write/mkdir/rmdir/symlink/unlink, no dm change, no module load from the kill to here" \
	"$(wc -l <$W/t-window) calls, by: $(awk '{print $1}' $W/t-window | sort -u | tr '\n' ' ')" ||
	ok "no configfs write/mkdir/rmdir/symlink/unlink, no dm change, no module load from the kill to here (kprobes: 0 calls)"
kernel_state >$W/k1
same_state "configfs tree, the values attachd writes (TPG enable, CHAP userid/password, ...) and dm devices as before" $W/k0 $W/k1
cfs_inodes >$W/i1
same_state "no configfs object made again: inode numbers of all $(wc -l <$W/i1) directories and links unchanged" $W/i0 $W/i1
records "$VOL" >$W/r1
same_state "the records (volume-show --secrets) as before" $W/r0 $W/r1

io_stop
if [ -s $W/io/errors ]; then
	VM_DIAG=$W/io/errors not_ok "the I/O loop saw no error and the session LOGGED_IN after every round ($(io_rounds) rounds)"
else
	ok "the I/O loop saw no error and the session LOGGED_IN after every round ($(io_rounds) rounds)"
fi
session_identity >$W/id1
same_state "the same session on both sides: same SID, LIO session id, TSIH, connection and local port" $W/id0 $W/id1
dmesg | tail -n +$(($(cat $W/dmesg0) + 1)) | grep -iE 'iscsi|connection[0-9]|session[0-9]|conn error|recovery' >$W/dmesg1
[ -s $W/dmesg1 ] && VM_DIAG=$W/dmesg1 not_ok "no kernel message about the session or connection since the kill" ||
	ok "no kernel message about the session or connection since the kill"
check "I/O after the loop" roundtrip /dev/$SD 0

iscsi_logout "$TGT"
vol_unexport "$VM_INI"
check_clean "nothing of ours left"
check "attachd exits 0 on SIGTERM" attachd_stop
cleanup_scenario
