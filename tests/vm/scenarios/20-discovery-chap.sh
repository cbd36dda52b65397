# 20 discovery CHAP: attachd --discovery-chap makes SendTargets discovery require CHAP
# (target/iscsi/discovery_auth) with credentials it keeps in its database and returns in every
# initialize-connection reply (discovery_auth_*). Two volumes, one exported to the guest's initiator, one
# to another initiator name: discovery without credentials and with wrong ones is refused; with the
# returned ones it lists exactly the guest's target (and, under the other name, exactly the other
# target); os-brick's own discovery path uses the keys; the session login with the ACL's CHAP works as
# before. A restart keeps the credentials; a start without the option opens discovery again; another
# tool's discovery credentials are left alone.
OTHER=iqn.2004-10.org.example:other
D=$CFG/target/iscsi/discovery_auth
cleanup_scenario() {
	[ -n "${TGT_A:-}" ] && iscsi_logout "$TGT_A"
	iscsiadm -m discoverydb -t sendtargets -p "$VM_PORTAL" -o delete >/dev/null 2>&1
	iscsiadm -m iface -I other -o delete >/dev/null 2>&1
	disc_reset
	[ -n "${LOOP_A:-}" ] && losetup -d "$LOOP_A"
	[ -n "${LOOP_B:-}" ] && losetup -d "$LOOP_B"
	rm -f /tmp/v20a.img /tmp/v20b.img
}
disc_reset() {
	[ -d "$D" ] || return 0
	printf 0 >$D/enforce_discovery_auth; printf NULL >$D/userid; printf NULL >$D/password
}
# disc_plain [IFACE]: discovery as open-iscsi does it without credentials; output and rc in $VM_WORK
disc_plain() {
	iscsiadm -m discoverydb -t sendtargets -p "$VM_PORTAL" ${1:+-I $1} -o delete >/dev/null 2>&1
	iscsiadm -m discovery -t sendtargets -p "$VM_PORTAL" ${1:+-I $1} >"$VM_WORK/disc" 2>&1
	echo $? >"$VM_WORK/disc.rc"
}
# disc_chap USER PASS [IFACE]: discovery with CHAP through a discoverydb record (as os-brick does it)
disc_chap() {
	local d="-m discoverydb -t sendtargets -p $VM_PORTAL ${3:+-I $3}"
	iscsiadm $d -o delete >/dev/null 2>&1
	iscsiadm $d -o new >/dev/null 2>&1
	iscsiadm $d -o update -n discovery.sendtargets.auth.authmethod -v CHAP &&
		iscsiadm $d -o update -n discovery.sendtargets.auth.username -v "$1" &&
		iscsiadm $d -o update -n discovery.sendtargets.auth.password -v "$2" || { echo 99 >"$VM_WORK/disc.rc"; return; }
	iscsiadm $d --discover >"$VM_WORK/disc" 2>&1
	echo $? >"$VM_WORK/disc.rc"
}
disc_rc() { cat "$VM_WORK/disc.rc"; }
# disc_mark: remember where the kernel log is; show_disc prints what the target logged since
# listed: the target names the last discovery printed, sorted, one line
listed() { awk '$2 ~ /^iqn\./ {print $2}' "$VM_WORK/disc" | sort | tr '\n' ' ' | sed 's/ $//'; }
show_disc() {
	echo "$1: rc $(disc_rc), $(ms_since "$T0") ms; iscsiadm said, then the kernel:"
	sed 's/^/    /' "$VM_WORK/disc"
	dmesg | tail -n +$((DM0 + 1)) | sed 's/^/    /'
}
disc_mark() { T0=$(vm_uptime); DM0=$(dmesg | wc -l); }

attachd_start --discovery-chap || bail "attachd --discovery-chap did not start"
vol_export v20a "$VM_INI" || bail "no export for the guest"
VOL_A=$VOL ATT_A=$ATT LOOP_A=$LOOP TGT_A=$TGT
cp "$VM_WORK/conn" "$VM_WORK/conn-a"
DU=$(kv discovery_auth_username "$VM_WORK/conn-a") DP=$(kv discovery_auth_password "$VM_WORK/conn-a")
vol_export v20b "$OTHER" || bail "no export for the other initiator"
VOL_B=$VOL ATT_B=$ATT LOOP_B=$LOOP TGT_B=$TGT
check_eq "the reply says discovery_auth_method=CHAP" CHAP "$(kv discovery_auth_method "$VM_WORK/conn-a")"
check "the reply has a discovery user name and secret of 16 letters and digits" \
	sh -c "echo '$DU $DP' | grep -qE '^[A-Za-z0-9]{16} [A-Za-z0-9]{16}\$'"
check_eq "both initiators get the same discovery credentials (one discovery ACL per fabric)" "$DU $DP" \
	"$(kv discovery_auth_username "$VM_WORK/conn") $(kv discovery_auth_password "$VM_WORK/conn")"
check_eq "the kernel enforces them: enforce_discovery_auth, userid, password, authenticate_target" \
	"1 $DU $DP 0" "$(cat $D/enforce_discovery_auth) $(cat $D/userid) $(cat $D/password) $(cat $D/authenticate_target)"
grep -q "$DP" "$ATTACHD_LOG" && not_ok "the discovery secret is not in attachd's log" || ok "the discovery secret is not in attachd's log"

disc_mark; disc_plain; show_disc "discovery without credentials"
check_fails "discovery without credentials is refused" [ "$(disc_rc)" = 0 ]
check_eq "... and lists nothing" "" "$(listed)"
disc_mark; disc_chap "$DU" wrongwrongwrong1; show_disc "discovery with a wrong secret"
check_fails "discovery with a wrong secret is refused" [ "$(disc_rc)" = 0 ]
disc_mark; disc_chap wronguser "$DP"; show_disc "discovery with a wrong user name"
check_fails "discovery with a wrong user name is refused" [ "$(disc_rc)" = 0 ]
disc_mark; disc_chap "$DU" "$DP"; show_disc "discovery with the returned credentials"
check_eq "discovery with the returned credentials succeeds" 0 "$(disc_rc)"
check_eq "... and lists exactly the guest's target" "$TGT_A" "$(listed)"
iface_new other "$OTHER"
disc_mark; disc_chap "$DU" "$DP" other; show_disc "discovery as $OTHER"
check_eq "as $OTHER (iface 'other') it lists exactly that initiator's target" "0 $TGT_B" "$(disc_rc) $(listed)"
iscsiadm -m discoverydb -t sendtargets -p "$VM_PORTAL" -I other -o delete >/dev/null 2>&1
iscsiadm -m iface -I other -o delete >/dev/null 2>&1 # a plain discovery would use it instead of the default
iscsiadm -m node -o delete >/dev/null 2>&1

if have_python; then
	actl --json initialize-connection "$VOL_A" --initiator "$VM_INI" --host guest --ip 127.0.0.1 \
		>"$VM_WORK/conn.json" 2>"$VM_WORK/err" || VM_DIAG=$VM_WORK/err not_ok "--json initialize-connection"
	check "the JSON has discovery_auth_method/username/password as returned" python3 -c '
import json, sys
x = json.load(open(sys.argv[1]))["data"]
assert (x["discovery_auth_method"], x["discovery_auth_username"], x["discovery_auth_password"]) == ("CHAP", sys.argv[2], sys.argv[3]), x
' "$VM_WORK/conn.json" "$DU" "$DP"
	py_checks osbrick-discovery.py "$VM_WORK/conn.json"
else
	skip "os-brick discovery" "image built without python (ATTACHD_VM_PYTHON=0)"
fi

iscsiadm -m node -o delete >/dev/null 2>&1
check "the session login with the ACL's CHAP works as before" \
	iscsi_login "$TGT_A" "$PORTAL" "$(kv auth_username "$VM_WORK/conn-a")" "$(kv auth_password "$VM_WORK/conn-a")"
SD=$(session_disk "$TGT_A" "$VM_INI")
check "4 MiB round trip through the session (/dev/$SD)" roundtrip "/dev/$SD"
iscsi_logout "$TGT_A"

# a restart keeps the credentials and writes nothing
attachd_stop
attachd_start --discovery-chap || bail "attachd --discovery-chap did not start again"
actl initialize-connection "$VOL_A" --initiator "$VM_INI" --host guest --ip 127.0.0.1 >"$VM_WORK/conn2" 2>"$VM_WORK/err"
check_eq "after a restart the reply has the same discovery credentials" "$DU $DP" \
	"$(kv discovery_auth_username "$VM_WORK/conn2") $(kv discovery_auth_password "$VM_WORK/conn2")"
check_eq "... and the kernel still enforces them" "1 $DU $DP" "$(cat $D/enforce_discovery_auth) $(cat $D/userid) $(cat $D/password)"
check "reconcile --dry-run: nothing to do" sh -c "attachctl -s $ATTACHD_SOCK reconcile --dry-run | grep -q '^nothing to do'"

# started without the option: discovery is open again (and still lists only the initiator's targets)
attachd_stop
attachd_start || bail "attachd without --discovery-chap did not start"
check_eq "without --discovery-chap the kernel no longer enforces attachd's credentials" "0 NULL NULL" \
	"$(cat $D/enforce_discovery_auth) $(cat $D/userid) $(cat $D/password)"
actl initialize-connection "$VOL_A" --initiator "$VM_INI" --host guest --ip 127.0.0.1 >"$VM_WORK/conn3" 2>"$VM_WORK/err"
check_fails "... and its replies carry no discovery_auth_*" grep -q '^discovery_auth' "$VM_WORK/conn3"
disc_mark; disc_plain; show_disc "discovery without credentials, enforcement off"
check_eq "discovery without credentials then works and lists exactly the guest's target" "0 $TGT_A" "$(disc_rc) $(listed)"
iscsiadm -m node -o delete >/dev/null 2>&1
attachd_stop

# another tool's discovery credentials: left alone, and not handed out
printf othertooluser >$D/userid; printf othertoolsecret1 >$D/password; printf 1 >$D/enforce_discovery_auth
attachd_start --discovery-chap || bail "attachd --discovery-chap did not start over another tool's credentials"
check_eq "another tool's discovery credentials are left alone" "1 othertooluser othertoolsecret1" \
	"$(cat $D/enforce_discovery_auth) $(cat $D/userid) $(cat $D/password)"
actl reconcile --dry-run >"$VM_WORK/rec" 2>&1
check "reconcile --dry-run names them" grep -q "discovery_auth holds credentials attachd did not write" "$VM_WORK/rec"
actl initialize-connection "$VOL_A" --initiator "$VM_INI" --host guest --ip 127.0.0.1 >"$VM_WORK/conn4" 2>"$VM_WORK/err"
check "initialize-connection still works" grep -q "^target_iqn=$TGT_A" "$VM_WORK/conn4"
check_fails "... without discovery_auth_* (they would not work)" grep -q '^discovery_auth' "$VM_WORK/conn4"
attachd_stop
attachd_start || bail "attachd did not start for the teardown"
check_eq "without the option too, another tool's discovery credentials are left alone" "1 othertooluser" \
	"$(cat $D/enforce_discovery_auth) $(cat $D/userid)"
VOL=$VOL_A ATT=$ATT_A; vol_unexport "$VM_INI"
VOL=$VOL_B ATT=$ATT_B; vol_unexport "$OTHER"
check_clean "nothing of ours left"
attachd_stop
# a kernel fact: discovery_auth is the module's, not target/iscsi's (the values outlive its rmdir)
if rmdir $CFG/target/iscsi 2>/dev/null; then
	mkdir $CFG/target/iscsi
	check_eq "discovery_auth outlives rmdir and mkdir of target/iscsi" "1 othertooluser" \
		"$(cat $D/enforce_discovery_auth) $(cat $D/userid)"
else
	echo "target/iscsi could not be removed: the persistence of discovery_auth is not checked"
fi
cleanup_scenario
