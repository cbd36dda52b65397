# rig self-test: a two-boot scenario (run.sh: last in the first boot, then alone in a second boot with
# the same persistent disk). Boot 1 leaves a stamp on the disk and cuts the power; boot 2 finds it.
# vm-boots: 2
persist_mount || { not_ok "the persistent disk mounts"; exit 0; }
if [ "$VM_BOOT" = 1 ]; then
	cat /proc/sys/kernel/random/boot_id >$VM_PERSIST/stamp && sync $VM_PERSIST/stamp $VM_PERSIST
	ok "boot 1 leaves its stamp on the disk"
	power_cut
else
	check "boot 2 finds boot 1's stamp on the disk" test -s $VM_PERSIST/stamp
	check_fails "... written by another boot" grep -qxF "$(cat /proc/sys/kernel/random/boot_id)" $VM_PERSIST/stamp
	umount $VM_PERSIST
fi
