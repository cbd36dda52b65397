# 09 os-brick: Nova's own library connects with attachctl's JSON connection info, unchanged:
# connect_volume(data) returns a disk, data passes through it, disconnect_volume leaves no session.
have_python || { skip "os-brick connect/disconnect" "image built without python (ATTACHD_VM_PYTHON=0)"; exit 0; }
cleanup_scenario() {
	[ -n "${TGT:-}" ] && iscsi_logout "$TGT"
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f /tmp/v09.img
}
attachd_start || bail "attachd did not start"
vol_export v09 "$VM_INI" || bail "no export"
check "attachctl --json initialize-connection" \
	actl --json initialize-connection "$VOL" --initiator "$VM_INI" --host guest --ip 127.0.0.1
cp "$VM_WORK/out" "$VM_WORK/conn.json"
check "the JSON has os-brick's keys with their types (target_lun an integer, portal ip:port)" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["driver_volume_type"] == "iscsi", d
x = d["data"]
assert x["target_discovered"] is False and x["encrypted"] is False, x
assert type(x["target_lun"]) is int and x["target_luns"] == [x["target_lun"]], x
assert x["target_portal"].rsplit(":", 1)[1].isdigit() and x["target_portals"][0] == x["target_portal"], x
assert x["target_iqns"] == [x["target_iqn"]] and x["auth_method"] == "CHAP" and x["access_mode"] == "rw", x
assert x["auth_username"] and x["auth_password"] and x["volume_id"], x
' "$VM_WORK/conn.json"
py_checks osbrick.py "$VM_WORK/conn.json"
iscsi_logout "$TGT"
vol_unexport "$VM_INI"
check_clean "nothing of ours left"
cleanup_scenario
