#!/bin/bash
# build-initramfs.sh SUITE OUT: the guest image for tests/vm, from what fetch.sh SUITE cached.
#
# The image is a concatenation of uncompressed newc cpio archives (the kernel unpacks them one after
# the other; uncompressed is faster to unpack under TCG than any decompression):
#   base    busybox, kernel modules (+ depmod data for libkmod), kmod, open-iscsi, libiscsi tools,
#           dmsetup, their libraries, /etc                                   cached per suite
#   python  python3.11 + stdlib + rtslib-fb + os-brick and its Debian deps,
#           byte-compiled on the host                                        cached per suite, optional
#   overlay /init, the runner, lib.sh, scenarios, the demo, attachd + attachctl (+ attachd-faults,
#           tests/bench/bench as attachd-bench, attachctl-dynamic and        rebuilt every time
#           attachctl-static-pie for its command-line bench)
# so a rebuild after changing a scenario or the agent costs about a second.
#
# Environment:
#   ATTACHD_VM_PYTHON=0   leave the python layer out (scenarios 08 and 09 then report SKIP)
#   ATTACHD_VM_BIN=DIR    where attachd and attachctl come from (default: <repo>/build). A missing
#                         binary does not fail the build: the scenarios that need it fail instead.
#   ATTACHD_VM_SCENARIO_DIR=DIR  scenarios to put in the image (default tests/vm/scenarios)
#   ATTACHD_VM_ROOTDIR=DIR  also unpack the image into DIR (made afresh): a root file system of the same
#                         content, for a boot with another initramfs (scenario 23; run.sh)
#   ATTACHD_VM_CACHE      as for fetch.sh
set -euo pipefail

SUITE=${1:-}
OUT=${2:-}
[ -n "$SUITE" ] && [ -n "$OUT" ] || { echo "usage: $0 SUITE OUT" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${ATTACHD_VM_CACHE:-${HOME:-/root}/.cache/attachd-vm}
DIR=$CACHE/$SUITE
WITH_PY=${ATTACHD_VM_PYTHON:-1}
BIN=${ATTACHD_VM_BIN:-$REPO/build}
say() { echo "initramfs[$SUITE]: $*" >&2; }

[ -f "$DIR/fetched" ] || { say "not fetched: run tests/vm/fetch.sh $SUITE"; exit 1; }
KVER=$(sed -n 's/^kver=//p' "$DIR/fetched")
KROOT=$DIR/kroot
STAGE=$DIR/stage
LAYERS=$DIR/initramfs
mkdir -p "$LAYERS"
# A layer is reused while both the fetched packages and this script are unchanged.
KEY=$(cat "$DIR/fetched" "$0" | sha256sum | cut -c1-16)
ARCH_LIBS=/lib/x86_64-linux-gnu

WORK=$(mktemp -d "${TMPDIR:-/tmp}/attachd-vm-initramfs.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# ---- helpers shared by the layers --------------------------------------------------------------
# Every library lands in /lib/x86_64-linux-gnu (the guest's /usr/lib/x86_64-linux-gnu is a link to
# it), whatever directory the .deb or the host kept it in. $MANIFEST lists what earlier layers hold.
MANIFEST=/dev/null
copy_file() { # SRC DST(absolute, inside $R)
	[ -e "$R$2" ] && return 0
	grep -qxF "$2" "$MANIFEST" 2>/dev/null && return 0
	mkdir -p "$R$(dirname "$2")"
	cp -L "$1" "$R$2"
}
copy_libs_of() { # ELF: copy the shared libraries ldd resolves (stage first, then the host); none for a static one
	local name arrow path rest libs
	# $STAGE/lib: multipath-tools keeps libmultipath.so.0 and libmpath*.so.0 there
	if ! libs=$(LD_LIBRARY_PATH=$STAGE/lib/x86_64-linux-gnu:$STAGE/usr/lib/x86_64-linux-gnu:$STAGE/lib ldd "$1" 2>&1); then
		# attachctl is static (ATTACHCTL_STATIC=1, the default): nothing to copy. Any other failure is
		# the function's, as before (under errexit it stops the build)
		case $libs in *"not a dynamic executable"*) return 0 ;; esac
		return 1
	fi
	echo "$libs" |
		while read -r name arrow path rest; do
			if [ "$arrow" = "=>" ] && [ -e "$path" ]; then
				copy_file "$path" "$ARCH_LIBS/$(basename "$name")"
			elif [ "$arrow" = "=>" ] && [ "$path" = "not" ]; then
				say "WARNING: $1 needs $name, found nowhere"
			fi
		done
}
copy_bin() { # SRC DST
	copy_file "$1" "$2"
	copy_libs_of "$1"
}
pack() { # DIR OUT: newc archive with entries in byte order (stable output for a stable input)
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$2.tmp"
	mv "$2.tmp" "$2"
}

# ---- base layer --------------------------------------------------------------------------------
# Modules named here, with their dependencies resolved by modprobe against the extracted kernel.
# The target side (configfs, target_core_*, iscsi_target_mod, dm_mod) is NOT loaded by /init:
# attachd loads it with libkmod, which scenario 01 checks. The initiator side is loaded by /init.
# virtio_pci, virtio_blk and ext4: the persistent disk of the reboot scenario (loaded there, on demand).
MODS="configfs target_core_mod target_core_iblock iscsi_target_mod dm_mod loop
      iscsi_tcp libiscsi scsi_transport_iscsi sd_mod crc32c_generic crc32c-intel
      virtio_pci virtio_blk ext4"
# dm-multipath over two portals (scenario 19): the target type, its path selectors, ALUA's handler
MODS="$MODS dm_multipath dm_round_robin dm_service_time dm_queue_length scsi_dh_alua"
# NVMe over TCP (scenario 22): the target (nvmet, nvmet_tcp) and the host (nvme_tcp); 6.12's DH-HMAC-CHAP
# modules (nvme_auth, nvme_keyring) come in as their dependencies
MODS="$MODS nvmet nvmet_tcp nvme_tcp nvme_fabrics"
build_base() {
	R=$WORK/base
	mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,usr/lib,etc,proc,sys,dev,run,tmp,root,var/lib,lib64,lib/x86_64-linux-gnu}
	ln -s ../run "$R/var/run"
	ln -s ../../lib/x86_64-linux-gnu "$R/usr/lib/x86_64-linux-gnu"

	cp /bin/busybox "$R/bin/busybox"
	local app ko rel m
	for app in $(/bin/busybox --list); do [ "$app" = busybox ] || ln -s busybox "$R/bin/$app"; done

	# kmod replaces busybox's module tools: the kernel's request_module() runs /sbin/modprobe, and
	# the guest should resolve names exactly as libkmod in attachd does.
	copy_bin "$STAGE/bin/kmod" /bin/kmod
	for app in modprobe insmod rmmod lsmod modinfo depmod; do
		rm -f "$R/bin/$app" "$R/sbin/$app"
		ln -s ../bin/kmod "$R/sbin/$app"
	done

	# kernel modules, stored decompressed (6.12 ships .ko.xz; xz under TCG costs boot time)
	local kos
	kos=$(for m in $MODS; do
		modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
	done | awk '!seen[$0]++')
	for ko in $kos; do
		rel=${ko#"$KROOT"}
		mkdir -p "$R$(dirname "$rel")"
		case $ko in
		*.ko.xz) xz -dc "$ko" >"$R${rel%.xz}" ;;
		*.ko.zst) zstd -qdc "$ko" >"$R${rel%.zst}" ;;
		*) cp "$ko" "$R$rel" ;;
		esac
	done
	cp "$KROOT/lib/modules/$KVER"/modules.{order,builtin,builtin.modinfo} "$R/lib/modules/$KVER/"
	sed -i 's/\.ko\.\(xz\|zst\)$/.ko/' "$R/lib/modules/$KVER/modules.order"
	depmod -b "$R" "$KVER"

	copy_bin "$STAGE/sbin/iscsiadm" /sbin/iscsiadm
	copy_bin "$STAGE/sbin/iscsid" /sbin/iscsid
	copy_bin "$STAGE/sbin/iscsi-iname" /sbin/iscsi-iname
	for app in iscsi-ls iscsi-inq iscsi-readcapacity16; do copy_bin "$STAGE/usr/bin/$app" "/usr/bin/$app"; done
	copy_bin "$STAGE/sbin/dmsetup" /sbin/dmsetup
	# persistent reservations from the initiator side (18-pr): PR IN/OUT, and the disk's identity
	for app in sg_persist sg_inq sg_turs; do copy_bin "$STAGE/usr/bin/$app" "/usr/bin/$app"; done
	copy_file "$STAGE/lib64/ld-linux-x86-64.so.2" /lib64/ld-linux-x86-64.so.2
	# dm-multipath (scenario 19): multipath, multipathd, their plugins (path checkers, prioritizers);
	# sg_inq (above) reads the VPD pages the paths are grouped by
	for app in multipath multipathd; do copy_bin "$STAGE/sbin/$app" "/sbin/$app"; done
	# nvme-cli (22): connect, disconnect, list, id-ns, check-dhchap-key
	copy_bin "$STAGE/usr/sbin/nvme" /usr/sbin/nvme
	for ko in "$STAGE"/lib/multipath/*.so; do copy_bin "$ko" "/lib/multipath/${ko##*/}"; done

	mkdir -p "$R/etc/iscsi/nodes" "$R/etc/iscsi/send_targets" "$R/etc/iscsi/ifaces" "$R/var/lib/iscsi"
	# Defaults every node record starts from (also those os-brick makes): manual start-up; a short
	# replacement timeout so I/O on a fenced session fails in seconds, not after 120 s; a short login
	# timeout so a login to a removed portal is refused in 5 s, not 15 (a good login takes 0.3 s).
	sed -e 's/^node.startup = .*/node.startup = manual/' \
		-e 's/^node.conn\[0\].timeo.login_timeout = .*/node.conn[0].timeo.login_timeout = 5/' \
		-e 's/^node.session.timeo.replacement_timeout = .*/node.session.timeo.replacement_timeout = 5/' \
		-e 's/^node.session.initial_login_retry_max = .*/node.session.initial_login_retry_max = 1/' \
		"$STAGE/etc/iscsi/iscsid.conf" >"$R/etc/iscsi/iscsid.conf"
	echo "InitiatorName=iqn.2004-10.org.example:guest" >"$R/etc/iscsi/initiatorname.iscsi"
	echo "root:x:0:0:root:/root:/bin/sh" >"$R/etc/passwd"
	echo "root:x:0:" >"$R/etc/group"
	printf '127.0.0.1 localhost\n::1 localhost\n' >"$R/etc/hosts"
	printf 'hosts: files\npasswd: files\ngroup: files\n' >"$R/etc/nsswitch.conf"
	# target_core_mod's db_root (ALUA/PR metadata) and rtslib's
	mkdir -p "$R/etc/target" "$R/etc/rtslib-fb-target"
	echo "$KVER" >"$R/etc/attachd-vm-kernel"
}

# ---- python layer ------------------------------------------------------------------------------
PYV=python3.11
build_python() {
	R=$WORK/python
	mkdir -p "$R/usr/bin" "$R/usr/lib/$PYV" "$R/usr/lib/python3/dist-packages"
	copy_bin "$STAGE/usr/bin/$PYV" "/usr/bin/$PYV"
	ln -s $PYV "$R/usr/bin/python3"
	# targetcli-fb's command (make bench times it beside attachd)
	[ ! -f "$STAGE/usr/bin/targetcli" ] || install -m 0755 "$STAGE/usr/bin/targetcli" "$R/usr/bin/targetcli"
	# stdlib without what no test imports (tests, IDLE, tkinter, ...)
	(cd "$STAGE/usr/lib/$PYV" && tar cf - --exclude=./test --exclude=idlelib --exclude=tkinter \
		--exclude=ensurepip --exclude=turtledemo --exclude=lib2to3 --exclude='./config-3*' --exclude=pydoc_data \
		--exclude=__pycache__ --exclude=site-packages --exclude=dist-packages .) |
		tar xf - -C "$R/usr/lib/$PYV"
	# minus what neither rtslib-fb nor os-brick's Linux iSCSI path imports (measured with sys.modules
	# after connector.factory('ISCSI') and RTSRoot): Windows support, web stacks, test tools, docs
	# PyGObject (a dependency of targetcli-fb, for D-Bus only) with GLib behind it: guest/pyshim stands in
	local skip=(gevent zope docutils setuptools distutils-precedence.pth testtools fixtures extras paste
		webob routes repoze tempita yappi _yappi.* os_win babel roman gi pygtkcompat)
	(cd "$STAGE/usr/lib/python3/dist-packages" && tar cf - --exclude=__pycache__ --exclude='./*/tests' \
		"${skip[@]/#/--exclude=./}" .) |
		tar xf - -C "$R/usr/lib/python3/dist-packages"
	local so
	while IFS= read -r so; do copy_libs_of "$so"; done < <(find "$R/usr/lib" -name '*.so')
	# loaded with ctypes, invisible to ldd: libudev (pyudev, imported by rtslib-fb)
	copy_file "$STAGE/lib/x86_64-linux-gnu/libudev.so.1" "$ARCH_LIBS/libudev.so.1"
	copy_libs_of "$STAGE/lib/x86_64-linux-gnu/libudev.so.1"
	# pytz (oslo.utils imports it) reads the system zone data
	mkdir -p "$R/usr/share/zoneinfo"
	(cd "$STAGE/usr/share/zoneinfo" && tar cf - --exclude=./right --exclude=./posix .) | tar xf - -C "$R/usr/share/zoneinfo"
	# byte-compile here, with the guest's own interpreter: under TCG compiling at import is slow.
	# -s/-p record guest paths in the .pyc files.
	PYTHONHOME=$STAGE/usr LD_LIBRARY_PATH=$STAGE/lib/x86_64-linux-gnu:$STAGE/usr/lib/x86_64-linux-gnu \
		"$STAGE/usr/bin/$PYV" -m compileall -q -j0 -s "$R" -p / "$R/usr/lib/$PYV" \
		"$R/usr/lib/python3/dist-packages" >/dev/null || say "WARNING: some modules did not compile"
	mkdir -p "$R/etc/os-brick" "$R/var/lib/os-brick"
}

# ---- overlay: the rig and the binaries under test ----------------------------------------------
build_overlay() {
	R=$WORK/overlay
	mkdir -p "$R/vm/scenarios" "$R/usr/sbin" "$R/usr/bin" "$R/etc"
	install -m 0755 "$HERE/guest/init" "$R/init"
	install -m 0755 "$HERE/guest/runner.sh" "$R/vm/runner.sh"
	install -m 0644 "$HERE/lib.sh" "$R/vm/lib.sh"
	install -m 0644 "$HERE"/guest/*.py "$R/vm/"
	cp -r "$HERE/guest/pyshim" "$R/vm/pyshim"
	install -m 0755 "$HERE/guest/demo.sh" "$HERE/guest/demo-nvme.sh" "$R/vm/"
	install -m 0644 "$HERE/guest/demo-lib.sh" "$R/vm/demo-lib.sh"
	install -m 0755 "${ATTACHD_VM_SCENARIO_DIR:-$HERE/scenarios}"/[0-9][0-9]-*.sh "$R/vm/scenarios/"
	local b agent=build
	for b in attachd:/usr/sbin/attachd attachctl:/usr/bin/attachctl; do
		if [ -x "$BIN/${b%%:*}" ]; then
			copy_bin "$BIN/${b%%:*}" "${b#*:}"
		else
			say "WARNING: $BIN/${b%%:*} missing: the scenarios that need it will fail"
			agent=missing
		fi
	done
	echo "$agent" >"$R/etc/attachd-vm-agent"
	# attachd with crash injection (agent/calls/fault.h) for the crash scenarios; they fail without it
	if [ -x "$BIN/attachd-faults" ]; then
		copy_bin "$BIN/attachd-faults" /usr/sbin/attachd-faults
	else
		say "WARNING: $BIN/attachd-faults missing (make build/attachd-faults): the crash scenarios will fail"
	fi
	# one NVMe/TCP export by configfs/nvmet*.c alone (tests/tools/nvmet-export.c) for scenario 22
	if [ -x "$BIN/tests/nvmet-export" ]; then
		copy_bin "$BIN/tests/nvmet-export" /usr/bin/attachd-nvmet-export
	else
		say "WARNING: $BIN/tests/nvmet-export missing (make build/tests/nvmet-export): scenario 22 will fail"
	fi
	# the raw-syscall floor of N iSCSI exports (tests/tools/lio-floor.c) for make bench's restore scenarios
	if [ -x "$BIN/tests/lio-floor" ]; then
		copy_bin "$BIN/tests/lio-floor" /usr/bin/attachd-lio-floor
	else
		say "WARNING: $BIN/tests/lio-floor missing (make build/tests/lio-floor): make bench's restore will fail"
	fi
	# the latency bench (tests/bench/bench.c) for scenario 16, as /usr/bin/attachd-bench
	if [ -x "$BIN/tests/bench/bench" ]; then
		copy_bin "$BIN/tests/bench/bench" /usr/bin/attachd-bench
	else
		say "WARNING: $BIN/tests/bench/bench missing (make build/tests/bench/bench): scenario 16 will fail"
	fi
	# attachctl's other builds, for 16's command-line bench: dynamic and static-pie (attachctl is static)
	for b in attachctl-dynamic attachctl-static-pie; do
		if [ -x "$BIN/tests/$b" ]; then
			copy_bin "$BIN/tests/$b" "/usr/bin/$b"
		else
			say "WARNING: $BIN/tests/$b missing (make build/tests/$b): scenario 16 will fail"
		fi
	done
}

layer() { # NAME BUILDER: the cached layer's path on stdout
	local f=$LAYERS/$1-$KEY.cpio
	if [ ! -f "$f" ]; then
		say "building the $1 layer"
		rm -f "$LAYERS/$1"-*.cpio
		"$2"
		pack "$R" "$f"
		(cd "$R" && find . ! -type d | sed 's/^\.//') >"$LAYERS/$1-$KEY.files"
	fi
	echo "$f"
}

BASE=$(layer base build_base)
PARTS=("$BASE")
cat "$LAYERS/base-$KEY.files" >"$WORK/manifest"
if [ "$WITH_PY" = 1 ]; then
	MANIFEST=$WORK/manifest
	PY=$(layer python build_python)
	PARTS+=("$PY")
	cat "$LAYERS/python-$KEY.files" >>"$WORK/manifest"
fi
MANIFEST=$WORK/manifest
build_overlay
pack "$R" "$WORK/overlay.cpio"
mkdir -p "$(dirname "$OUT")"
cat "${PARTS[@]}" "$WORK/overlay.cpio" >"$OUT.tmp"
if [ -n "${ATTACHD_VM_ROOTDIR:-}" ]; then
	rm -rf "$ATTACHD_VM_ROOTDIR" && mkdir -p "$ATTACHD_VM_ROOTDIR"
	for p in "${PARTS[@]}" "$WORK/overlay.cpio"; do
		(cd "$ATTACHD_VM_ROOTDIR" && cpio -id --quiet --no-absolute-filenames <"$p")
	done
fi
mv "$OUT.tmp" "$OUT"
say "$OUT: $(($(stat -c %s "$OUT") / 1048576)) MiB (python: $WITH_PY, agent: $(cat "$R/etc/attachd-vm-agent"))"
