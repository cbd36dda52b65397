# The real-kernel stage of `make check` (included by the top-level Makefile): boots Debian's 6.1 and
# 6.12 kernels under qemu and runs tests/vm/scenarios against build/attachd, build/attachctl,
# build/attachd-faults (crash injection) and build/tests/bench/bench (scenario 16), then compares each
# kernel's configfs capture with the simulator (build/attachd-sim, build/tests/sim-setup). First run
# downloads ~150 MB into ~/.cache/attachd-vm (and ~60 MB more for tests/vm/toolroot.sh: initramfs-tools
# and dracut); later runs cost ~5 min a kernel under TCG (seven boots each: the scenarios, then a pair of
# boots for each two-boot test, 15-reboot, 18-pr and 22-initramfs, whose second boot is an image
# Debian's mkinitramfs built with attachd's hook).
#   make check VM=0                      leave the stage out (it then does not appear in the summary)
#   make check ATTACHD_VM_SUITES=bookworm  one kernel only
#   make check-vm                        this stage alone
VM_BINS := $(B)/attachd $(B)/attachctl $(B)/attachd-faults $(B)/attachd-sim $(B)/tests/sim-setup \
	$(B)/tests/bench/bench
ifneq ($(VM),0)
EXTRA_STAGES += vm
EXTRA_STAGE_vm := tests/vm/run.sh
check: $(VM_BINS)
endif

check-vm: $(VM_BINS)
	$(Q)tests/vm/run.sh

.PHONY: check-vm
