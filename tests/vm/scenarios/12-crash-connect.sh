# 12 crash during initialize-connection, on the real kernel: attachd-faults (agent/calls/fault.h) kills
# itself with SIGKILL at a fault point of the call; the plain attachd started again must roll the call
# back before its socket appears (lib.sh crash_test: kernel and records as before the call, reconcile
# --dry-run finds nothing, the retried call succeeds). Points: the first export of a volume in the
# middle of its kernel steps and at "applied" (kernel done, intent not cleared); a second and a third
# initiator on a volume whose first initiator stays logged in with I/O running all along: the same
# session, no I/O error, LOGGED_IN after every round.
INI2=iqn.2004-10.org.example:second
INI3=iqn.2004-10.org.example:third
cleanup_scenario() {
	io_stop
	[ -n "${TGT:-}" ] && iscsi_logout "$TGT"
	iscsiadm -m iface -I second -o delete >/dev/null 2>&1
	for l in $CRASH_LOOPS; do losetup -d "$l"; done
	rm -f /tmp/v12*.img
}
command -v attachd-faults >/dev/null || { not_ok "attachd-faults in the image (make build/attachd-faults)"; exit 0; }
attachd_start || bail "attachd did not start"

# --- the first export of a volume
FIRST_VOLS=
for p in mid applied; do
	crash_volume "v12-$p" || { not_ok "volume for the first export ($p)"; continue; }
	FIRST_VOLS="$FIRST_VOLS $V"
	n=$(kernel_steps initialize-connection "$V" --initiator "$VM_INI")
	[ $p = mid ] && p=$(crash_middle "$n")
	CRASH_CTX="first export, $n steps" crash_test "$p" "$V" \
		initialize-connection "$V" --initiator "$VM_INI" --host guest --ip 127.0.0.1
done

# --- more initiators while the first one is logged in with I/O running
vol_export v12-multi "$VM_INI" --multiattach || bail "no export"
CRASH_LOOPS="$CRASH_LOOPS $LOOP"
check "initiator 1 logs in" iscsi_login "$TGT" "$PORTAL" "$CHAP_USER" "$CHAP_PASS" || bail "no login"
SD=$(session_disk "$TGT" "$VM_INI") || { not_ok "initiator 1's disk appears"; bail "no disk"; }
S=$(session_of "$TGT" "$VM_INI")
LPORT0=$(cat "$S/device/connection"*/iscsi_connection/connection*/local_port 2>/dev/null)
io_start "/dev/$SD" "$S"
io_more 2 || not_ok "I/O loop running on initiator 1's disk"
for ini in $INI2 $INI3; do
	ATT=$(actl reserve "$VOL" 2>"$VM_WORK/err") || { VM_DIAG=$VM_WORK/err not_ok "reserve for $ini"; continue; }
	n=$(kernel_steps initialize-connection "$VOL" --initiator "$ini")
	[ "$ini" = "$INI2" ] && p=$(crash_middle "$n") || p=applied
	CRASH_CTX="initiator ${ini##*:} while initiator 1 does I/O, $n steps" crash_test "$p" "$VOL" \
		initialize-connection "$VOL" --initiator "$ini" --host "host-${ini##*:}" --ip 127.0.0.1
	cp "$VM_WORK/crash/retry" "$VM_WORK/conn-${ini##*:}"
	actl attach "$VOL" --instance "$(new_uuid)" --host "host-${ini##*:}" --mountpoint /dev/vdb --attachment "$ATT" \
		>/dev/null 2>"$VM_WORK/err" || VM_DIAG=$VM_WORK/err not_ok "attach for $ini"
done
r=$(io_rounds)
io_more 2 || not_ok "I/O loop still running"
io_stop
[ -s "$VM_WORK/io/errors" ] &&
	VM_DIAG=$VM_WORK/io/errors not_ok "initiator 1: no I/O error and LOGGED_IN after every round throughout ($(io_rounds) rounds)" ||
	ok "initiator 1: no I/O error and LOGGED_IN after every round throughout ($(io_rounds) rounds)"
check_eq "initiator 1: the same session and connection (${S##*/}, local port $LPORT0)" "$LPORT0" \
	"$(cat "$S/device/connection"*/iscsi_connection/connection*/local_port 2>/dev/null)"
# the recovered call's credentials work: initiator 2 logs in with what the retry returned
iface_new second "$INI2"
C2=$VM_WORK/conn-second
if check "initiator 2 logs in with the retried call's CHAP credentials" \
	iscsi_login "$TGT" "$PORTAL" "$(kv auth_username "$C2")" "$(kv auth_password "$C2")" second; then
	SD2=$(session_disk "$TGT" "$INI2")
	check "initiator 2 reads what initiator 1 wrote" sh -c ". /vm/lib.sh; roundtrip /dev/$SD 0 && same_bytes /dev/$SD2 0"
fi

# teardown: every export at once (the records go with the sweep's database)
iscsi_logout "$TGT"
iscsi_logout "$TGT" second
for v in $FIRST_VOLS $VOL; do actl terminate-connection "$v" --force >/dev/null 2>&1 || echo "force teardown of $v failed"; done
check_clean "nothing of ours left in the kernel after the teardown"
check "attachd exits 0 on SIGTERM" attachd_stop
cleanup_scenario
