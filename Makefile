# attachd: plain Makefile. Objects under build/, automatic dependencies, quiet unless V=1.
# Targets: all (default), check, demo, install, uninstall, clean. See README.md.

CC ?= cc
PKG_CONFIG ?= pkg-config
B := build
VERSION := 0.1.0
# the tests find the binaries (and write their results) under $(BUILD): `make B=build-asan check` works
export BUILD := $(B)

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
endif

# agent/ by part: server/ (socket, dispatch), calls/ (handlers, plans), store/ (LMDB, records),
# kernel/ (modules, lock, disks, reconciliation); main, options and logging at its top
AGENT_DIRS := agent agent/server agent/calls agent/store agent/kernel
AGENT_INC := $(addprefix -I,$(AGENT_DIRS))

# -Os: attachd is for initramfs and embedded images, and its own CPU time is a few percent of a call
# (the rest is the kernel's); -Os makes the stripped agent 206 KiB instead of 274 (docs/PERFORMANCE.md)
CFLAGS ?= -Os -g
WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes
# no .eh_frame (28 KiB of attachd): C without exceptions or thread cancellation never unwinds; debuggers
# and perf read the frames from -g's .debug_frame
BASE_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
	-fno-asynchronous-unwind-tables -fPIC -I. -Iproto $(AGENT_INC) -Iconfigfs -Idm -Itests/sim -Itests/unit/helpers -MMD -MP \
	-DATTACHD_VERSION='"$(VERSION)"'

CLIENT_PKGS := libnl-3.0
AGENT_PKGS := libnl-3.0 devmapper libkmod uuid lmdb
TEST_PKGS := cmocka

pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1))
pc_libs = $(shell $(PKG_CONFIG) --libs $(1))

ALL_CFLAGS = $(BASE_CFLAGS) $(call pc_cflags,$(AGENT_PKGS)) $(CFLAGS)
CLIENT_LIBS := $(call pc_libs,$(CLIENT_PKGS))
AGENT_LIBS := $(call pc_libs,$(AGENT_PKGS))
TEST_LIBS := $(call pc_libs,$(TEST_PKGS))
LDFLAGS ?=
# pack-relative-relocs: the position-independent binaries' relative relocations as DT_RELR (glibc 2.36)
ALL_LDFLAGS = -Wl,-z,relro,-z,now -Wl,--as-needed -Wl,-z,pack-relative-relocs $(LDFLAGS)

# --- sources, by module
PROTO_SRCS := $(sort $(wildcard proto/*.c))
AGENT_SRCS := $(sort $(filter-out agent/main.c,$(foreach d,$(AGENT_DIRS),$(wildcard $(d)/*.c)))) \
	$(sort $(wildcard configfs/*.c)) $(sort $(wildcard dm/*.c))
SIM_SRCS := $(sort $(wildcard tests/sim/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
TEST_HELPER_SRCS := $(sort $(wildcard tests/unit/helpers/*.c))

obj = $(patsubst %.c,$(B)/%.o,$(1))
PROTO_OBJS := $(call obj,$(PROTO_SRCS))
AGENT_OBJS := $(call obj,$(AGENT_SRCS))
SIM_OBJS := $(call obj,$(SIM_SRCS))
TEST_HELPER_OBJS := $(call obj,$(TEST_HELPER_SRCS))
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRCS))
IT_SRCS := $(sort $(wildcard tests/integration/test_*.c))
IT_BINS := $(patsubst tests/integration/%.c,$(B)/tests/integration/%,$(IT_SRCS))
IT_HELPER_OBJS := $(call obj,$(filter-out $(IT_SRCS),$(sort $(wildcard tests/integration/*.c))))
IT_SCRIPTS := $(sort $(wildcard tests/integration/test_*.sh))

# The simulator replaces the kernel's side of configfs by wrapping these cfs_ functions at link time.
SIM_WRAPS := cfs_mkdir cfs_rmdir cfs_write cfs_read cfs_symlink cfs_unlink \
	dmdev_init dmdev_node dmdev_create_linear dmdev_remove dmdev_fence dmdev_reload_linear dmdev_query \
	dmdev_table dmdev_list \
	blkdev_size blkdev_size_dev blkdev_dm blkdev_identity blkdev_claimable fault_point \
	options_default_config
SIM_LDFLAGS := $(foreach f,$(SIM_WRAPS),-Wl,--wrap=$(f))

# libattach's ABI version: the soname's number changes with an incompatible change of attach.h
LIBATTACH_MAJOR := 1
LIBATTACH_VERSION := $(LIBATTACH_MAJOR).0.0
LIBATTACH_SONAME := libattach.so.$(LIBATTACH_MAJOR)
LIBATTACH_SO := $(B)/$(LIBATTACH_SONAME)
LIBATTACH_A := $(B)/libattach.a
AGENT_A := $(B)/libagent.a

BINS := $(B)/attachd $(B)/attachctl $(LIBATTACH_SO) $(LIBATTACH_A)
TEST_BINS := $(B)/attachd-sim $(B)/attachd-faults $(B)/tests/sim-setup $(B)/tests/attachctl-shared $(UNIT_BINS) \
	$(IT_BINS)

all: $(BINS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBATTACH_A): $(PROTO_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBATTACH_SO): $(PROTO_OBJS) proto/libattach.map
	$(call say,LD,$@)
	$(Q)$(CC) -shared -Wl,-soname,$(LIBATTACH_SONAME) -Wl,--version-script=proto/libattach.map \
		$(ALL_LDFLAGS) -o $@ $(PROTO_OBJS) $(CLIENT_LIBS)

$(AGENT_A): $(AGENT_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/attachd: $(B)/agent/main.o $(AGENT_A) $(LIBATTACH_A)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(AGENT_LIBS)

# attachd linked with the configfs simulator: for integration tests only, never installed.
$(B)/attachd-sim: $(B)/agent/main.o $(SIM_OBJS) $(AGENT_A) $(LIBATTACH_A)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $(SIM_LDFLAGS) -o $@ $^ $(AGENT_LIBS)

# attachd-faults: the real attachd plus crash injection only (ATTACHD_CRASH_AT, tests/sim/sim_crash.c),
# for the crash tests on a real kernel in tests/vm. Never installed.
$(B)/attachd-faults: $(B)/agent/main.o $(B)/tests/sim/sim_crash.o $(AGENT_A) $(LIBATTACH_A)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -Wl,--wrap=fault_point -o $@ $^ $(AGENT_LIBS)

# sim-setup: makes (or dumps) a simulated configfs tree for integration tests and the demo.
$(B)/tests/sim-setup: $(B)/tests/tools/sim-setup.o $(SIM_OBJS) $(AGENT_A)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $(SIM_LDFLAGS) -o $@ $^ $(AGENT_LIBS)

# attachctl: libattach and libnl-3 only, plus the JSON writer it shares with libattach as source
# (proto/json.c: no dependencies; libattach keeps its copy hidden). Linked statically by default
# (libc.a from libc6-dev, libnl-3.a from libnl-3-dev): a caller that runs one attachctl per call pays its
# start each time, and a static start (no ld.so, no libraries to map and relocate) is the cheapest
# (docs/PERFORMANCE.md). Not -static-pie: its 1,900 relocations at each start cost more than the
# dynamic loader saves under emulation; the client holds no privilege of its own.
# ATTACHCTL_STATIC=0: the dynamic build (sanitizers and valgrind need it).
ATTACHCTL_STATIC ?= 1
export ATTACHCTL_STATIC
ATTACHCTL_OBJS := $(call obj,$(sort $(wildcard tools/attachctl*.c)) proto/json.c)
ATTACHCTL_STATIC_LIBS := $(shell $(PKG_CONFIG) --static --libs $(CLIENT_PKGS))
# libnl-3.a's addr.o and utils.o name getaddrinfo and getprotoby*, which attachctl never calls: the
# linker's warnings about them (glibc's .gnu.warning) are dropped, any other message is shown.
STATIC_LD_NOISE := -e 'in statically linked applications requires at runtime' -e ': in function `nl_'
# link_static OUT FLAGS OBJS: a static link whose known warnings are left out
link_static = $(CC) $(ALL_LDFLAGS) $(2) -o $(1) $(3) $(ATTACHCTL_STATIC_LIBS) 2>$(1).ld || \
	{ cat $(1).ld >&2; rm -f $(1).ld; exit 1; }; grep -v $(STATIC_LD_NOISE) $(1).ld >&2; rm -f $(1).ld
$(B)/attachctl: $(ATTACHCTL_OBJS) $(LIBATTACH_A)
	$(call say,LD,$@)
ifeq ($(ATTACHCTL_STATIC),0)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CLIENT_LIBS)
else
	$(Q)$(call link_static,$@,-static,$^)
endif

# The other two builds, for the command-line bench (tests/bench): dynamic, and static-pie. Never installed.
$(B)/tests/attachctl-dynamic: $(ATTACHCTL_OBJS) $(LIBATTACH_A)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CLIENT_LIBS)
$(B)/tests/attachctl-static-pie: $(ATTACHCTL_OBJS) $(LIBATTACH_A)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(call link_static,$@,-static-pie,$^)

# The proof that attachctl needs nothing but libattach's public API: it links against the shared
# library, whose version script exports attach_* only. Built by check, never installed.
$(B)/tests/attachctl-shared: $(ATTACHCTL_OBJS) $(LIBATTACH_SO)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(ATTACHCTL_OBJS) $(LIBATTACH_SO) $(CLIENT_LIBS)

# Unit tests: every __wrap_<fn> defined in the test source becomes -Wl,--wrap=<fn>.
LPAREN := (
test_wraps = $(foreach f,$(shell sed -n 's/^[a-z_ ]*[ *]__wrap_\([a-z0-9_]*\)$(LPAREN).*/\1/p' $(1) | sort -u),-Wl,--wrap=$(f))
$(B)/tests/%: $(B)/tests/unit/%.o $(TEST_HELPER_OBJS) $(SIM_OBJS) $(AGENT_A) $(LIBATTACH_A)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $(SIM_LDFLAGS) $(call test_wraps,tests/unit/$*.c) -o $@ $^ \
		$(AGENT_LIBS) $(TEST_LIBS)

# attachctl's grammar is tested on its own (it is not in libagent.a)
$(B)/tests/test_attachctl_args: $(B)/tools/attachctl_args.o

# Integration tests: clients of a real attachd process, linked like any client (libattach, libnl-3), each
# with the helpers of tests/integration (its .c files not named test_*).
$(B)/tests/integration/%: $(B)/tests/integration/%.o $(IT_HELPER_OBJS) $(LIBATTACH_A)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CLIENT_LIBS) $(TEST_LIBS) -lpthread

# --- check: every stage writes TAP to build/results/<stage>.tap; tests/summary.sh prints the one line.
check: all $(TEST_BINS)
	$(Q)rm -rf $(B)/results && mkdir -p $(B)/results
	$(Q)tests/run-stage.sh unit $(UNIT_BINS)
	$(Q)tests/run-stage.sh integration $(IT_SCRIPTS) $(IT_BINS)
	$(Q)$(foreach s,$(EXTRA_STAGES),tests/run-stage.sh $(s) $(EXTRA_STAGE_$(s)) &&) true
	$(Q)tests/summary.sh $(B)/results

# demo: Debian 12's kernel under qemu, narrating the main job on a real kernel (tests/vm/demo.sh)
# On a fresh Debian 12 machine: the packages to build first (tests/deps.sh), then the VM demo, whose
# fetch.sh installs qemu and the rig's tools.
demo:
	$(Q)tests/deps.sh build
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/vm/demo.sh

# the same over NVMe/TCP (nvme-cli as the host; DH-HMAC-CHAP with ATTACHD_DEMO_SUITE=bookworm-backports)
demo-nvme:
	$(Q)tests/deps.sh build
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/vm/demo.sh --nvme

demo-sim: all $(B)/attachd-sim $(B)/tests/sim-setup
	$(Q)tests/demo-sim.sh

# the same over NVMe/TCP: a host NQN, DH-HMAC-CHAP, nvmet's objects
demo-sim-nvme: all $(B)/attachd-sim $(B)/tests/sim-setup
	$(Q)tests/demo-sim.sh --nvme

# --- install and uninstall: GNU's directory variables, each under DESTDIR; set them on make's command
# line (PREFIX, the old spelling, also from the environment).
PREFIX ?= /usr/local
prefix = $(PREFIX)
exec_prefix = $(prefix)
bindir = $(exec_prefix)/bin
sbindir = $(exec_prefix)/sbin
libdir = $(exec_prefix)/lib
includedir = $(prefix)/include
datarootdir = $(prefix)/share
datadir = $(datarootdir)
mandir = $(datarootdir)/man
pkgconfigdir = $(libdir)/pkgconfig
# /etc, not $(prefix)/etc: attachd reads /etc/attachd.conf whatever its prefix
sysconfdir = /etc
# where systemd and bash-completion look, when they say; else their places under the prefix
systemdsystemunitdir := $(or $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null),$(prefix)/lib/systemd/system)
bashcompletiondir := $(or $(shell $(PKG_CONFIG) --variable=completionsdir bash-completion 2>/dev/null),$(datadir)/bash-completion/completions)
# attachd in an initramfs (docs/INITRAMFS.md): the helper its hook and scripts share, the
# initramfs-tools hook and boot scripts and the dracut module. The tools read only their own
# directories, whatever the prefix (as attachd reads /etc/attachd.conf).
libexecdir = $(exec_prefix)/libexec
pkglibexecdir = $(libexecdir)/attachd
initramfstoolsdir = /usr/share/initramfs-tools
dracutmodulesdir := $(or $(shell $(PKG_CONFIG) --variable=dracutmodulesdir dracut 2>/dev/null),/usr/lib/dracut/modules.d)
INSTALL ?= install

MANPAGES := $(sort $(wildcard man/*.[1-8]))
MAN_SECTIONS := $(sort $(patsubst .%,%,$(suffix $(MANPAGES))))
# the systemd units
UNITS := systemd/attachd.service systemd/attachd.socket
CONF := $(DESTDIR)$(sysconfdir)/attachd.conf
INSTALL_DIRS := $(sort $(DESTDIR)$(sbindir) $(DESTDIR)$(bindir) $(DESTDIR)$(libdir) $(DESTDIR)$(pkgconfigdir) \
	$(DESTDIR)$(includedir) $(patsubst %,$(DESTDIR)$(mandir)/man%,$(MAN_SECTIONS)) $(DESTDIR)$(sysconfdir) \
	$(DESTDIR)$(bashcompletiondir) $(DESTDIR)$(systemdsystemunitdir) $(DESTDIR)$(pkglibexecdir) \
	$(addprefix $(DESTDIR)$(initramfstoolsdir)/,hooks scripts/init-premount scripts/init-bottom) \
	$(DESTDIR)$(dracutmodulesdir)/90attachd)
# the files whose paths to attachd, attachctl and the helper are filled in at install
INITRAMFS_SUBST = sed -e 's|@sbindir@|$(sbindir)|; s|@bindir@|$(bindir)|; s|@pkglibexecdir@|$(pkglibexecdir)|'
DRACUT_FILES := attachd-start.sh attachd-stop.sh attachd-initrd.service
INSTALLED := $(DESTDIR)$(sbindir)/attachd $(DESTDIR)$(bindir)/attachctl \
	$(addprefix $(DESTDIR)$(libdir)/,libattach.so.$(LIBATTACH_VERSION) $(LIBATTACH_SONAME) libattach.so libattach.a) \
	$(DESTDIR)$(pkgconfigdir)/attach.pc $(DESTDIR)$(includedir)/attach.h $(DESTDIR)$(includedir)/attach_proto.h \
	$(foreach m,$(MANPAGES),$(DESTDIR)$(mandir)/man$(patsubst .%,%,$(suffix $(m)))/$(notdir $(m))) \
	$(DESTDIR)$(bashcompletiondir)/attachctl $(addprefix $(DESTDIR)$(systemdsystemunitdir)/,$(notdir $(UNITS))) \
	$(DESTDIR)$(pkglibexecdir)/attachd-initramfs \
	$(addsuffix /attachd,$(addprefix $(DESTDIR)$(initramfstoolsdir)/,hooks scripts/init-premount scripts/init-bottom)) \
	$(addprefix $(DESTDIR)$(dracutmodulesdir)/90attachd/,module-setup.sh $(DRACUT_FILES))
# The directories install made (they were not there), one a line: uninstall removes those that are
# empty again, and never one that was there before. Kept in the build directory, as CMake keeps its
# install manifest: after `make clean`, uninstall leaves the empty directories.
INSTALL_LOG := $(B)/installed-dirs

install: all
	$(call say,INSTALL,$(DESTDIR)$(prefix))
	$(Q)for d in $(INSTALL_DIRS); do \
		case $$d in /*) p= ;; *) p=. ;; esac; \
		for c in $$(echo "$$d" | tr / ' '); do \
			p=$$p/$$c; [ -d "$$p" ] || { mkdir -m 0755 "$$p" && echo "$$p" >>$(INSTALL_LOG); } || exit 1; \
		done; \
	done
	$(Q)$(INSTALL) -m 0755 $(B)/attachd $(DESTDIR)$(sbindir)/attachd
	$(Q)$(INSTALL) -m 0755 $(B)/attachctl $(DESTDIR)$(bindir)/attachctl
	$(Q)$(INSTALL) -m 0755 $(LIBATTACH_SO) $(DESTDIR)$(libdir)/libattach.so.$(LIBATTACH_VERSION)
	$(Q)ln -sfn libattach.so.$(LIBATTACH_VERSION) $(DESTDIR)$(libdir)/$(LIBATTACH_SONAME)
	$(Q)ln -sfn $(LIBATTACH_SONAME) $(DESTDIR)$(libdir)/libattach.so
	$(Q)$(INSTALL) -m 0644 $(LIBATTACH_A) $(DESTDIR)$(libdir)/libattach.a
	$(Q)$(INSTALL) -m 0644 proto/attach.h proto/attach_proto.h $(DESTDIR)$(includedir)/
	$(Q)sed -e 's|@prefix@|$(prefix)|; s|@libdir@|$(libdir)|; s|@includedir@|$(includedir)|' \
		-e 's|@VERSION@|$(VERSION)|; s|@CLIENT_LIBS@|$(strip $(CLIENT_LIBS))|' proto/attach.pc.in >$(B)/attach.pc
	$(Q)$(INSTALL) -m 0644 $(B)/attach.pc $(DESTDIR)$(pkgconfigdir)/attach.pc
	$(Q)$(foreach m,$(MANPAGES),$(INSTALL) -m 0644 $(m) $(DESTDIR)$(mandir)/man$(patsubst .%,%,$(suffix $(m)))/ &&) true
	$(Q)$(INSTALL) -m 0644 tools/attachctl.bash $(DESTDIR)$(bashcompletiondir)/attachctl
	$(Q)$(INSTALL) -m 0644 $(UNITS) $(DESTDIR)$(systemdsystemunitdir)/
	$(Q)$(INSTALL) -m 0755 initramfs/attachd-initramfs $(DESTDIR)$(pkglibexecdir)/attachd-initramfs
	$(Q)$(INITRAMFS_SUBST) initramfs/initramfs-tools/hook >$(B)/initramfs-hook
	$(Q)$(INSTALL) -m 0755 $(B)/initramfs-hook $(DESTDIR)$(initramfstoolsdir)/hooks/attachd
	$(Q)$(INSTALL) -m 0755 initramfs/initramfs-tools/init-premount $(DESTDIR)$(initramfstoolsdir)/scripts/init-premount/attachd
	$(Q)$(INSTALL) -m 0755 initramfs/initramfs-tools/init-bottom $(DESTDIR)$(initramfstoolsdir)/scripts/init-bottom/attachd
	$(Q)$(INITRAMFS_SUBST) initramfs/dracut/module-setup.sh >$(B)/dracut-module-setup.sh
	$(Q)$(INSTALL) -m 0755 $(B)/dracut-module-setup.sh $(DESTDIR)$(dracutmodulesdir)/90attachd/module-setup.sh
	$(Q)$(INSTALL) -m 0755 $(addprefix initramfs/dracut/,$(filter %.sh,$(DRACUT_FILES))) $(DESTDIR)$(dracutmodulesdir)/90attachd/
	$(Q)$(INSTALL) -m 0644 initramfs/dracut/attachd-initrd.service $(DESTDIR)$(dracutmodulesdir)/90attachd/
	$(Q)if [ -e $(CONF) ]; then echo "  keeping the existing $(CONF)"; \
		else $(INSTALL) -m 0644 etc/attachd.conf $(CONF); fi
	$(Q)if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

# The configuration file goes only while it is the example still; the directories install made, once empty.
uninstall:
	$(call say,RM,$(DESTDIR)$(prefix))
	$(Q)rm -f $(INSTALLED)
	$(Q)if cmp -s etc/attachd.conf $(CONF); then rm -f $(CONF); \
		elif [ -e $(CONF) ]; then echo "  keeping $(CONF): it is not the example"; fi
	$(Q)if [ -f $(INSTALL_LOG) ]; then \
		tac $(INSTALL_LOG) | while read -r d; do [ ! -d "$$d" ] || rmdir --ignore-fail-on-non-empty "$$d"; done; \
		while read -r d; do [ ! -d "$$d" ] || echo "$$d"; done <$(INSTALL_LOG) >$(INSTALL_LOG).new; \
		mv $(INSTALL_LOG).new $(INSTALL_LOG); \
	fi

clean:
	rm -rf $(B)

# More stages and targets live next to their tests (fuzzing, sanitizers, the VM rig, the Python client);
# each file may add a stage to check with: EXTRA_STAGES += name; EXTRA_STAGE_name := commands; check: their
# prerequisites.
-include $(sort $(wildcard tests/*/*.mk)) python/python.mk

.PHONY: all check demo demo-nvme demo-sim demo-sim-nvme install uninstall clean
.SECONDARY:

-include $(shell find $(B) -name '*.d' 2>/dev/null)
