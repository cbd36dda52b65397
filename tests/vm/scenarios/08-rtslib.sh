# 08 rtslib: a live export built by attachd, read back through python3-rtslib-fb (RTSRoot), the library
# targetcli and Cinder's LIO driver use: target, TPG 1, LUN 0 on a block storage object whose
# udev_path is the dm device, the node ACL with its mapped LUN and CHAP userid, the portal.
have_python || { skip "rtslib reads the export back" "image built without python (ATTACHD_VM_PYTHON=0)"; exit 0; }
INI=iqn.2004-10.org.example:rtslib
cleanup_scenario() {
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
	rm -f /tmp/v08.img
}
attachd_start || bail "attachd did not start"
vol_export v08 "$INI" || bail "no export"
py_checks rtslib-read.py "$TGT" "$VOL" "$INI" "$CHAP_USER" "$PORTAL"
vol_unexport "$INI"
check_clean "nothing of ours left"
cleanup_scenario
