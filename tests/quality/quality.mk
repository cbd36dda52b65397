# SPDX-License-Identifier: Apache-2.0
# tests/quality/quality.mk: quality targets, included by the top-level Makefile. Only the "shape" stage
# (shape.sh: no function over 60 lines, a second) is part of make check; the others each rebuild, or run
# for minutes. Debian packages: valgrind, cppcheck, clang; ASan and UBSan come
# with gcc (libasan8, libubsan1, through libgcc-12-dev).
#   make check-asan  everything rebuilt with -fsanitize=address,undefined in build-asan/, the unit and
#                    integration tests run there, then one stage for the reports every process (agent,
#                    tests, attachctl) wrote; ends with make check's summary line
#   make valgrind    the integration suite with the agent under memcheck (build-vg/ holds the wrapper)
#   make analyze     cppcheck and clang's static analyzer over agent/ configfs/ dm/ proto/ tools/
#   make stress      test_stress at full size: 64 clients x 1000 calls, a cycle and 3 reads at a time
#                    (STRESS_CALLS, STRESS_READS); about 30 minutes, the simulator's tree walks dominate

QDIR := tests/quality

EXTRA_STAGES += shape
EXTRA_STAGE_shape := $(QDIR)/shape.sh

ASAN_B := build-asan
# -O2 as the normal build: at -O1 gcc cannot see the length check before agent/calls/call_volume.c:102 and
# -Wformat-truncation (an error with -Werror) stops the build.
ASAN_CFLAGS := -O2 -g -fno-omit-frame-pointer -fsanitize=address,undefined
ASAN_LDFLAGS := -fsanitize=address,undefined
# Reports go to files, not stderr: the agent's stderr is a log the tests delete with their worlds.
# Full stacks through libc (fast_unwind_on_malloc=0); the file name says which program it was. ASan's
# quarantine keeps freed memory, so test_stress's RSS bound is off (leaks are LSan's job here).
ASAN_ENV = SAN_DIR=$(CURDIR)/$(ASAN_B)/san STRESS_ANON_KB=0 \
	ASAN_OPTIONS=log_path=$(CURDIR)/$(ASAN_B)/san/asan:log_exe_name=1:detect_leaks=1:fast_unwind_on_malloc=0 \
	UBSAN_OPTIONS=log_path=$(CURDIR)/$(ASAN_B)/san/ubsan:log_exe_name=1:print_stacktrace=1

# The Makefile takes B from the command line for building; its check does not (see run-tests.sh).
# attachctl dynamic there: ASan and UBSan's runtimes do not link statically.
check-asan:
	$(Q)$(MAKE) --no-print-directory B=$(ASAN_B) CFLAGS="$(ASAN_CFLAGS)" LDFLAGS="$(ASAN_LDFLAGS)" ATTACHCTL_STATIC=0 \
		all $(patsubst $(B)/%,$(ASAN_B)/%,$(TEST_BINS))
	$(Q)rm -rf $(ASAN_B)/san && mkdir -p $(ASAN_B)/san
	$(Q)$(ASAN_ENV) $(QDIR)/run-tests.sh $(ASAN_B) unit integration sanitizers

VG_B := build-vg
# build-vg is build with the agent replaced by vg-agent.sh; the agent is slower there (IT_SLOW) and the
# stress test smaller (one cycle per client).
valgrind: all $(TEST_BINS)
	$(Q)rm -rf $(VG_B) && mkdir -p $(VG_B)/tests $(VG_B)/vg
	$(Q)ln -s $(CURDIR)/$(QDIR)/vg-agent.sh $(VG_B)/attachd-sim
	$(Q)ln -s $(CURDIR)/$(B)/attachctl $(VG_B)/attachctl
	$(Q)ln -s $(CURDIR)/$(B)/tests/sim-setup $(VG_B)/tests/sim-setup
	$(Q)ln -s $(CURDIR)/$(B)/tests/integration $(VG_B)/tests/integration
	$(Q)VG_REAL=$(CURDIR)/$(B)/attachd-sim VG_LOGS=$(CURDIR)/$(VG_B)/vg IT_SLOW=4 \
		STRESS_CALLS=30 STRESS_READS=20 STRESS_ANON_KB=0 \
		$(QDIR)/run-tests.sh $(VG_B) integration valgrind

analyze:
	$(Q)$(QDIR)/analyze.sh

STRESS_CALLS ?= 1000
STRESS_READS ?= 3
stress: $(B)/tests/integration/test_stress $(B)/attachd-sim $(B)/tests/sim-setup
	$(Q)STRESS_CALLS=$(STRESS_CALLS) STRESS_READS=$(STRESS_READS) CMOCKA_MESSAGE_OUTPUT=TAP \
		$(B)/tests/integration/test_stress

.PHONY: check-asan valgrind analyze stress
