# 00 rig: the rig itself, without attachd. Builds an iSCSI export by hand (configfs + dm, as the
# reference recipe does), logs in with open-iscsi and libiscsi, moves data, tears it down, and puts
# the kernel back as /init left it (configfs unmounted, LIO and dm modules unloaded) for scenario 01.
# When this fails, the rig is broken; when only the others fail, look at the agent.
I=iqn.2004-10.org.example:rig-target
U=riguser
P=rigpassword1234
SO=$CFG/target/core/iblock_9/rig
T=$CFG/target/iscsi/$I
TPG=$T/tpgt_1
ACL=$TPG/acls/$VM_INI
cleanup_scenario() {
	iscsi_logout $I
	rm -f $ACL/lun_0/l $TPG/lun/lun_0/l 2>/dev/null
	rmdir $ACL/lun_0 $ACL $TPG/lun/lun_0 $TPG/np/$VM_PORTAL $TPG $T $SO $CFG/target/core/iblock_9 2>/dev/null
	dmsetup remove rig 2>/dev/null
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP"
}
w() { printf '%s' "$1" >"$2"; }  # configfs: no trailing newline (CHAP breaks on one)

for t in iscsiadm iscsid iscsi-inq iscsi-ls iscsi-readcapacity16 dmsetup modprobe; do
	command -v $t >/dev/null || not_ok "tool $t in the image"
done
ok "initiator tools in the image"
check "iscsid running" pidof iscsid
check "modprobe loads the LIO and dm modules by name (libkmod + depmod data)" \
	modprobe -a configfs target_core_mod target_core_iblock iscsi_target_mod dm_mod
grep -q " $CFG configfs" /proc/mounts || mount -t configfs configfs $CFG
[ -d $CFG/target/iscsi ] || mkdir $CFG/target/iscsi
LOOP=$(backing /tmp/rig.img 64)
check "dm linear device on a loop device" dmsetup create rig --table "0 131072 linear $LOOP 0" || bail "no dm"
check "LIO export by hand" sh -e -c "
	mkdir -p $CFG/target/core/iblock_9; mkdir $SO
	printf udev_path=/dev/mapper/rig > $SO/control; printf 1 > $SO/enable
	mkdir $T $TPG $TPG/np/$VM_PORTAL $TPG/lun/lun_0; ln -s $SO $TPG/lun/lun_0/l
	mkdir $ACL; printf $U > $ACL/auth/userid; printf $P > $ACL/auth/password
	mkdir $ACL/lun_0; ln -s $TPG/lun/lun_0 $ACL/lun_0/l
	printf 1 > $TPG/attrib/authentication; printf 0 > $TPG/attrib/generate_node_acls
	printf 1 > $TPG/enable" || bail "no export"
TGT=$I
check "libiscsi iscsi-inq with CHAP" iscsi-inq -i "$VM_INI" "$(libiscsi_url $U $P)"
check "open-iscsi login with CHAP" iscsi_login $I $VM_PORTAL $U $P
SD=$(session_disk $I) && ok "the session's disk appears: $SD" || not_ok "the session's disk appears"
[ -n "$SD" ] && check "4 MiB O_DIRECT round trip" roundtrip /dev/$SD
[ -n "$SD" ] && check "the same bytes on the dm device" same_bytes /dev/mapper/rig
if [ -x /usr/bin/python3 ]; then
	check "python3 imports rtslib_fb" python3 -c 'import rtslib_fb'
	check "python3 imports os_brick's iSCSI connector" python3 -c 'import os_brick.initiator.connector'
else
	skip "python3 imports rtslib_fb and os_brick" "image built without python"
fi
cleanup_scenario
rmdir $CFG/target/iscsi
umount $CFG
modprobe -r iscsi_target_mod target_core_iblock dm_mod configfs 2>/dev/null
check "configfs unmounted, LIO/dm modules unloaded (pristine for 01)" \
	sh -c "! grep -q ' $CFG ' /proc/mounts && ! grep -qE '^(target_core_mod|dm_mod|configfs) ' /proc/modules"
