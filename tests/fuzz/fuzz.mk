# SPDX-License-Identifier: Apache-2.0
# tests/fuzz/fuzz.mk: libFuzzer targets, included by the top-level Makefile (see tests/fuzz/README.md).
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_JOBS=2]  build, then run every target for FUZZ_SECONDS seconds
#   make fuzz-build                           only build build/fuzz/fuzz_<target>
#   make fuzz-merge                           fold what `make fuzz` found into tests/fuzz/corpus/ (minimised)
#   make fuzz-corpus                          regenerate the seed corpora from real messages (needs root)
#   make check                                adds the "fuzz" stage (tests/fuzz/check.sh)
# The whole tree is rebuilt with clang, ASan, UBSan and coverage into build/fuzz/: sanitized objects must
# never end up in build/'s gcc archives, and the unsanitized ones would hide the bugs we look for.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_B := $(B)/fuzz
FUZZ_TARGETS := request reply record args names
FUZZ_BINS := $(patsubst %,$(FUZZ_B)/fuzz_%,$(FUZZ_TARGETS))

# UBSan must abort, or libFuzzer never sees the report as a crash.
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# The Makefile's flags and include paths, minus _FORTIFY_SOURCE: its __*_chk wrappers bypass ASan's
# interceptors, so an overflow through a fortified memcpy would go unnoticed.
# Warnings only clang gives (the tree is -Werror with gcc) are not fatal here, except in our own targets.
FUZZ_CFLAGS = $(filter-out -D_FORTIFY_SOURCE=%,$(BASE_CFLAGS)) -U_FORTIFY_SOURCE \
	$(call pc_cflags,$(AGENT_PKGS)) -O1 -g $(FUZZ_SAN) $(FUZZ_WERROR)
FUZZ_WERROR := -Wno-error
$(FUZZ_B)/tests/fuzz/%.o: FUZZ_WERROR := -Werror
FUZZ_LD = $(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $(ALL_LDFLAGS)

# Without clang's libFuzzer runtime (libclang-rt-14-dev) the stage reports a skip instead of breaking check.
FUZZ_RT := $(wildcard $(shell $(FUZZ_CC) -print-resource-dir 2>/dev/null)/lib/linux/libclang_rt.fuzzer-$(shell uname -m).a)

fuzz_obj = $(patsubst %.c,$(FUZZ_B)/%.o,$(1))
FUZZ_PROTO_OBJS := $(call fuzz_obj,$(PROTO_SRCS))
FUZZ_AGENT_OBJS := $(call fuzz_obj,$(AGENT_SRCS))
FUZZ_SIM_OBJS := $(call fuzz_obj,$(SIM_SRCS))

# Shorter stem than the Makefile's $(B)/%.o, so make picks this rule for build/fuzz/.
$(FUZZ_B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$<)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_B)/libattach.a: $(FUZZ_PROTO_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_B)/libagent.a: $(FUZZ_AGENT_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# dispatch.o pulls every handler, hence the whole agent: linked like attachd-sim, so no kernel is touched.
$(FUZZ_B)/fuzz_request: $(FUZZ_B)/tests/fuzz/fuzz_request.o $(FUZZ_SIM_OBJS) $(FUZZ_B)/libagent.a \
		$(FUZZ_B)/libattach.a
	$(call say,LD,$@)
	$(Q)$(FUZZ_LD) $(SIM_LDFLAGS) -o $@ $^ $(AGENT_LIBS)

$(FUZZ_B)/fuzz_reply: $(FUZZ_B)/tests/fuzz/fuzz_reply.o $(FUZZ_B)/libattach.a
	$(call say,LD,$@)
	$(Q)$(FUZZ_LD) -o $@ $^ $(CLIENT_LIBS)

$(FUZZ_B)/fuzz_record: $(FUZZ_B)/tests/fuzz/fuzz_record.o $(FUZZ_B)/agent/store/record.o
	$(call say,LD,$@)
	$(Q)$(FUZZ_LD) -o $@ $^ $(CLIENT_LIBS)

# the grammar asks libattach for each call's protocol row
$(FUZZ_B)/fuzz_args: $(FUZZ_B)/tests/fuzz/fuzz_args.o $(FUZZ_B)/tools/attachctl_args.o $(FUZZ_B)/libattach.a
	$(call say,LD,$@)
	$(Q)$(FUZZ_LD) -o $@ $^ $(CLIENT_LIBS)

# NVMe over TCP's text checks: DHHC-1 secrets and NQNs
$(FUZZ_B)/fuzz_names: $(FUZZ_B)/tests/fuzz/fuzz_names.o $(FUZZ_B)/configfs/nvmet_secret.o $(FUZZ_B)/libattach.a
	$(call say,LD,$@)
	$(Q)$(FUZZ_LD) -o $@ $^ $(CLIENT_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/check.sh --long

fuzz-merge: fuzz-build
	$(Q)for t in $(FUZZ_TARGETS); do [ -d $(FUZZ_B)/corpus/$$t ] || continue; \
		$(FUZZ_B)/fuzz_$$t -merge=1 tests/fuzz/corpus/$$t $(FUZZ_B)/corpus/$$t 2>&1 | tail -1; done

# The seed generator: a host tool linked with the ordinary gcc objects and the simulator. Its wraps make
# ids, times and CHAP secrets deterministic, so regenerating the corpus changes no file.
FUZZ_GEN := $(B)/tests/fuzz/gen_corpus
FUZZ_GEN_WRAPS := $(foreach f,call_new_uuid call_now chap_random stats_now_us nvmet_secret_generate,-Wl,--wrap=$(f))
$(FUZZ_GEN): $(B)/tests/fuzz/gen_corpus.o $(B)/tools/attachctl_args.o $(SIM_OBJS) $(AGENT_A) $(LIBATTACH_A)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $(SIM_LDFLAGS) $(FUZZ_GEN_WRAPS) -o $@ $^ $(AGENT_LIBS)

# Overwrites the generator's own seeds only: inputs added by fuzz-merge (named by their SHA-1) stay.
fuzz-corpus: $(FUZZ_GEN)
	$(Q)$(FUZZ_GEN) tests/fuzz/corpus

ifneq ($(FUZZ_RT),)
check: fuzz-build
endif
EXTRA_STAGES += fuzz
EXTRA_STAGE_fuzz := tests/fuzz/check.sh

.PHONY: fuzz fuzz-build fuzz-merge fuzz-corpus
