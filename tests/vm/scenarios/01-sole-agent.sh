# 01 sole agent: one agent per kernel, its own database, no shell: what a careless start must not do to
# live exports.
# 1. modprobe.d's "install" command for a module attachd loads is never run: attachd refuses to start and
#    says so; with the command gone it loads the module itself.
# 2. One agent per kernel: agent A starts while configfs is not mounted (it loads the modules and mounts
#    it); an export is made and an initiator logs in. Agent B, with its own socket and an empty database,
#    is refused (naming A's pid) through the usual path, through a bind mount of configfs, and through a
#    second mount of configfs in another mount namespace; the kernel and the session are untouched.
# 3. A database made at this start removes nothing: A stopped (its exports stay), C started on an empty
#    --db directory, then on one holding an empty data.mdb: the kernel is untouched, the session goes on,
#    the log says what was found and what to do, reconcile --dry-run names the objects it leaves alone.
#    A again on its own database: nothing to do.
cleanup_scenario() {
	rm -f /run/modprobe.d/attachd-test.conf
	[ -n "${TGT:-}" ] && iscsi_logout "$TGT"
	grep -q " /run/vm/cfs2 " /proc/mounts && umount /run/vm/cfs2
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f /tmp/v18.img
}
W=$VM_WORK
A_DB=$ATTACHD_DB
# pristine: a kernel without LIO and without configfs mounted, as after boot (0 when it is)
# (target/iscsi holds a reference on iscsi_target_mod while it exists; the kernel lets go of the module
# a moment after the last session and portal: try for 10 s)
unload() {
	grep -q " $CFG configfs" /proc/mounts && rmdir $CFG/target/iscsi 2>/dev/null
	umount $CFG 2>/dev/null
	modprobe -r iscsi_target_mod target_core_iblock target_core_mod 2>/dev/null
	! grep -q " $CFG configfs" /proc/mounts && ! grep -q '^target_core_mod ' /proc/modules
}
pristine() { wait_for 10 unload; }
# what keeps LIO or configfs: for the diagnostics of a kernel that is not pristine
holders() {
	grep -E '^(target_core|iscsi_target|configfs)' /proc/modules
	grep configfs /proc/mounts
	grep -q " $CFG configfs" /proc/mounts || mount -t configfs configfs $CFG
	find $CFG/target -maxdepth 4 -type d 2>&1 | grep -v '/alua\|/statistics\|/attrib\|/param\|/auth' | head -n 40
	umount $CFG 2>/dev/null
}
if pristine; then
	ok "no LIO, configfs not mounted (as after boot)"
	# ---- 1. no install command is run
	mkdir -p /run/modprobe.d
	echo "install iscsi_target_mod /bin/touch /run/vm/install-ran" >/run/modprobe.d/attachd-test.conf
	timeout 30 attachd --socket $W/k.sock --db $W/k-db --portal $VM_PORTAL --foreground >$W/k.log 2>&1
	check_eq "attachd refuses to start when a module it loads has an install command (exit 1)" 1 $?
	VM_DIAG=$W/k.log check "... and says so: the module, the command, what to do" \
		grep -q 'kernel module iscsi_target_mod has an "install" command in modprobe.d (/bin/touch /run/vm/install-ran): attachd does not run commands' $W/k.log
	check_fails "the install command did not run" test -e /run/vm/install-ran
	check_fails "... nor was the module loaded around it" grep -q '^iscsi_target_mod ' /proc/modules
	rm -f /run/modprobe.d/attachd-test.conf
	[ -S $W/k.sock ] && not_ok "no socket after the refusal"
	pristine && ok "no LIO, configfs not mounted again" || { holders >$W/holders; VM_DIAG=$W/holders not_ok "no LIO, configfs not mounted again"; }
else
	holders
	skip "the install command of modprobe.d, and agent A mounting configfs" "LIO or configfs are still held (see above)"
fi

# ---- 2. agent A mounts configfs; B is refused however it reaches configfs
attachd_start || bail "attachd did not start"
check "agent A loaded the modules and mounted configfs" grep -q " $CFG configfs" /proc/mounts
A_PID=$ATTACHD_PID
vol_export v18 "$VM_INI" || bail "no export"
check "login" iscsi_login "$TGT" "$PORTAL" "$CHAP_USER" "$CHAP_PASS" || bail "no login"
SD=$(session_disk "$TGT") || bail "no disk"
check "I/O through the session" roundtrip /dev/$SD
kernel_state >$W/k0
S0=$(lio_session "$TGT" "$VM_INI")
# second_agent NAME ARGS...: another attachd, its own socket and empty database; its exit status and log
second_agent() {
	local name=$1
	shift
	timeout 30 attachd --socket $W/$name.sock --db $W/$name-db --portal $VM_PORTAL --foreground "$@" >$W/$name.log 2>&1
}
second_agent b
check_eq "agent B (started after the mount, empty database) is refused (exit 1)" 1 $?
VM_DIAG=$W/b.log check "... naming agent A's pid" grep -q "another attachd (pid $A_PID) manages this kernel's targets" $W/b.log
mkdir -p /run/vm/cfs2 && mount --bind $CFG /run/vm/cfs2
second_agent b2 --configfs-root /run/vm/cfs2
check_eq "agent B through a bind mount of configfs is refused" 1 $?
umount /run/vm/cfs2
if command -v unshare >/dev/null; then
	unshare -m sh -c "mount -t configfs configfs /run/vm/cfs2 && exec timeout 30 attachd --socket $W/b3.sock \
		--db $W/b3-db --portal $VM_PORTAL --foreground --configfs-root /run/vm/cfs2" >$W/b3.log 2>&1
	check_eq "agent B in another mount namespace, its own mount of configfs, is refused" 1 $?
else
	skip "agent B in another mount namespace" "no unshare in the image"
fi
check_fails "no database made by the refused agents" sh -c "ls -d $W/b-db $W/b2-db $W/b3-db 2>/dev/null | grep ."
kernel_state >$W/k1
same_state "the kernel as before: A's export untouched" $W/k0 $W/k1
check_eq "the same session (LIO session id, TSIH)" "$S0" "$(lio_session "$TGT" "$VM_INI")"
check_eq "the session is logged in" LOGGED_IN "$(session_state "$TGT")"

# ---- 3. a database made at this start
check "agent A stops (its exports stay)" attachd_stop
for db in empty zero; do
	mkdir -p -m 0700 $W/c-$db
	[ $db = zero ] && : >$W/c-$db/data.mdb
	ATTACHD_DB=$W/c-$db
	attachd_start || { ATTACHD_DB=$A_DB; not_ok "agent C starts on the $db database"; continue; }
	ok "agent C starts on the $db database"
	kernel_state >$W/k2
	same_state "$db database: nothing of the live export removed" $W/k0 $W/k2
	check_eq "$db database: the session goes on" LOGGED_IN "$(session_state "$TGT")"
	want="no data.mdb"
	[ $db = zero ] && want="an empty data.mdb (0 bytes)"
	VM_DIAG=$ATTACHD_LOG check "$db database: the log says the database was made now and what to do" \
		grep -q "was created at this start (it had $want), but the kernel holds 3 object(s) with attachd's names: they are left alone" $ATTACHD_LOG
	actl reconcile --dry-run >$W/rec 2>&1
	VM_DIAG=$W/rec check "$db database: reconcile --dry-run names what it leaves alone" \
		grep -q "this database did not make it: left alone" $W/rec
	check "agent C stops" attachd_stop
	ATTACHD_DB=$A_DB
done
check "I/O through the session all along" roundtrip /dev/$SD
attachd_start || bail "agent A did not start again"
actl reconcile --dry-run >$W/rec 2>&1
grep -q '^nothing to do' $W/rec && ok "agent A on its own database: reconcile --dry-run finds nothing to do" ||
	VM_DIAG=$W/rec not_ok "agent A on its own database: reconcile --dry-run finds nothing to do"
kernel_state >$W/k3
same_state "the kernel as it was" $W/k0 $W/k3
iscsi_logout "$TGT"
vol_unexport "$VM_INI"
check_clean "nothing of ours left"
check "attachd exits 0 on SIGTERM" attachd_stop
cleanup_scenario
