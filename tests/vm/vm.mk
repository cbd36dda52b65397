# The real-kernel stage of `make check` (included by the top-level Makefile): boots Debian's 6.1 and
# 6.12 kernels under qemu and runs tests/vm/scenarios against build/attachd, build/attachctl,
# build/attachd-faults (crash injection), build/tests/bench/bench (scenario 16) and build/tests/nvmet-export
# (scenario 22), then compares each kernel's configfs and nvmet captures with the simulator
# (build/attachd-sim, build/tests/sim-setup, build/tests/test_nvmet_golden). First run
# downloads ~150 MB into ~/.cache/attachd-vm (and ~60 MB more for tests/vm/toolroot.sh: initramfs-tools
# and dracut); later runs cost ~6 min a kernel under TCG (seven boots each: the scenarios, then a pair of
# boots for each two-boot test, 15-reboot, 18-pr and 23-initramfs, whose second boot is an image
# Debian's mkinitramfs built with attachd's hook).
#   make check VM=0                      leave the stage out (it then does not appear in the summary)
#   make check ATTACHD_VM_SUITES=bookworm  one kernel only
#   make check-vm                        this stage alone
VM_BINS := $(B)/attachd $(B)/attachctl $(B)/attachd-faults $(B)/attachd-sim $(B)/tests/sim-setup $(B)/tests/nvmet-export \
	$(B)/tests/test_nvmet_golden \
	$(B)/tests/bench/bench $(B)/tests/attachctl-dynamic $(B)/tests/attachctl-static-pie $(B)/tests/lio-floor
ifneq ($(VM),0)
EXTRA_STAGES += vm
EXTRA_STAGE_vm := tests/vm/run.sh
check: $(VM_BINS)
endif

check-vm: $(VM_BINS)
	$(Q)tests/vm/run.sh

.PHONY: check-vm

# make bench: attachd at scale on the real kernel, never part of check: the scenarios of tests/vm/bench,
# on each kernel (ATTACHD_VM_SUITES, default both): 50-scale in one boot, then 51-restore-100 and
# 52-restore-1000 (restore at boot against the raw-syscall floor, two boots each), 53-storm (the boot
# storm) and 54-tools (one export by every tool). BENCH_LEVELS: the numbers of live exports;
# BENCH_SAMPLES: exports timed at each; BENCH_SECONDS: the scenario's time limit, which is the bench's
# budget (a level that would not fit is left out, and the table says so); the boot may take 300 s more.
# The tables: build/vm/<suite>/bench-*.txt (scale, restore-K, storm, tools), printed at the end.
BENCH_LEVELS ?= 1,10,100,1000
BENCH_SAMPLES ?= 20
BENCH_SECONDS ?= 1500
bench: $(VM_BINS)
	$(Q)rm -f build/vm/*/bench-*.txt
	$(Q)ATTACHD_VM_SCENARIO_DIR=$(CURDIR)/tests/vm/bench ATTACHD_VM_SCENARIO_TIMEOUT=$(BENCH_SECONDS) \
		ATTACHD_VM_TIMEOUT=$$(($(BENCH_SECONDS) + 300)) \
		ATTACHD_VM_APPEND="$${ATTACHD_VM_APPEND:-} vm.bench.levels=$(BENCH_LEVELS) vm.bench.samples=$(BENCH_SAMPLES)" \
		tests/vm/run.sh; rc=$$?; \
	for f in build/vm/*/bench-*.txt; do [ ! -f "$$f" ] || { echo "== $$f"; cat "$$f"; }; done; exit $$rc

.PHONY: bench

# lio-floor: the raw-syscall floor of N iSCSI exports (make bench's restore scenarios)
$(B)/tests/lio-floor: $(call obj,tests/tools/lio-floor.c)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pc_libs,devmapper) -lpthread

# nvmet-export: one NVMe/TCP export by configfs/nvmet*.c alone (scenario 22), the real cfs (no simulator)
NVMET_EXPORT_OBJS := $(call obj,tests/tools/nvmet-export.c configfs/cfs.c configfs/nvmet.c configfs/nvmet_host.c \
	configfs/nvmet_port.c configfs/nvmet_state.c configfs/nvmet_secret.c)
$(B)/tests/nvmet-export: $(NVMET_EXPORT_OBJS)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^
