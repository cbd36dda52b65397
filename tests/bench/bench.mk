# The benchmark (tests/bench/bench.c and its parts): prints numbers, asserts nothing; never in make check.
#   make bench       attachd at scale on the real kernel (tests/vm/bench/50-scale.sh, rules in tests/vm/vm.mk)
#   make bench-sim   the call table and initialize-connection against the number of live exports on the
#                    simulator (BENCH_N devices, default 256)
# build/tests/bench/bench -s SOCKET DEV... runs the call table against a real attachd (scenario 16).
BENCH_N ?= 256

BENCH_OBJS := $(call obj,$(sort $(wildcard tests/bench/*.c)))
$(B)/tests/bench/bench: $(BENCH_OBJS) $(LIBATTACH_A)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CLIENT_LIBS) -lpthread

bench-sim: all $(B)/attachd-sim $(B)/tests/sim-setup $(B)/tests/bench/bench
	$(Q)$(B)/tests/bench/bench --sim $(BENCH_N)

.PHONY: bench-sim
