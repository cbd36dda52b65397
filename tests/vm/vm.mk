# The real-kernel stage of `make check` (included by the top-level Makefile): boots Debian's 6.1 and
# 6.12 kernels under qemu and runs tests/vm/scenarios against build/attachd and build/attachctl.
# First run downloads ~150 MB into ~/.cache/attachd-vm; later runs cost ~1.5 min a kernel under TCG.
#   make check VM=0                      leave the stage out (it then does not appear in the summary)
#   make check ATTACHD_VM_SUITES=bookworm  one kernel only
#   make check-vm                        this stage alone
ifneq ($(VM),0)
EXTRA_STAGES += vm
EXTRA_STAGE_vm := tests/vm/run.sh
check: $(B)/attachd $(B)/attachctl
endif

check-vm: $(B)/attachd $(B)/attachctl
	$(Q)tests/vm/run.sh

.PHONY: check-vm
