# rig self-test: a second two-boot scenario, which gets its own pair of boots and its own disk (run.sh)
# Boot 1 checks the disk is fresh (no stamp of 06), leaves a stamp and cuts the power; boot 2 finds it.
# vm-boots: 2
persist_mount || { not_ok "the persistent disk mounts"; exit 0; }
if [ "$VM_BOOT" = 1 ]; then
	check_fails "its disk is not 06's" test -e $VM_PERSIST/stamp
	cat /proc/sys/kernel/random/boot_id >$VM_PERSIST/stamp7 && sync $VM_PERSIST/stamp7 $VM_PERSIST
	ok "boot 1 leaves its stamp on the disk"
	power_cut
else
	check "boot 2 finds boot 1's stamp on the disk" test -s $VM_PERSIST/stamp7
	check_fails "... written by another boot" grep -qxF "$(cat /proc/sys/kernel/random/boot_id)" $VM_PERSIST/stamp7
	umount $VM_PERSIST
fi
