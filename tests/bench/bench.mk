# The benchmark (tests/bench/bench.c and its parts): prints call latencies, and initialize-connection
# against the number of live exports. `make bench` runs it on the simulator (BENCH_N devices, default
# 256); build/tests/bench/bench -s SOCKET DEV... runs it against a real attachd (e.g. in tests/vm), and
# -s SOCKET --cli ... the command-line path (scenario 16).
BENCH_N ?= 256

BENCH_OBJS := $(call obj,$(sort $(wildcard tests/bench/*.c)))
$(B)/tests/bench/bench: $(BENCH_OBJS) $(LIBATTACH_A)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CLIENT_LIBS)

bench: all $(B)/attachd-sim $(B)/tests/sim-setup $(B)/tests/bench/bench
	$(Q)$(B)/tests/bench/bench --sim $(BENCH_N)

.PHONY: bench
