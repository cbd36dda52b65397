#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_install.sh: the "install" stage of make check. `make install` into a temporary DESTDIR: the tree
# (every file, its mode and content, the library's soname, symbols and links); a client built from the
# installed header and `pkg-config --cflags --libs attach` only (and statically, with --static), run
# against a real agent (build/attachd-sim, as the integration tests start it); `make uninstall` leaving
# nothing install made. Also: GNU's directory variables, an existing attachd.conf never overwritten
# (nor removed), directories that were there before kept. TAP on stdout.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
. tests/integration/lib.sh

T=$(mktemp -d "${TMPDIR:-/tmp}/attachd-install-XXXXXX")
world_new
trap 'world_free; rm -rf "$T"' EXIT

# make, as a user runs it (not as part of this make: no jobserver, no MAKEFLAGS)
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$ROOT" B="$BUILD" "$@"; }
# tree DIR: every entry under DIR with its type, mode and link target
tree() { (cd "$1" && find . -mindepth 1 \( -type l -printf 'l %P -> %l\n' \) -o -printf '%y %m %P\n' | sort); }

# the directories the Makefile takes from pkg-config, by the same rule
UNITDIR=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
UNITDIR=${UNITDIR:-/usr/local/lib/systemd/system}
COMPDIR=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null)
COMPDIR=${COMPDIR:-/usr/local/share/bash-completion/completions}
DRACUTDIR=$(pkg-config --variable=dracutmodulesdir dracut 2>/dev/null)
DRACUTDIR=${DRACUTDIR:-/usr/lib/dracut/modules.d}/90attachd

# --- the defaults: PREFIX=/usr/local
D=$T/dest
mkdir "$D"
check "make install DESTDIR=... succeeds" mk install DESTDIR="$D"
L=usr/local/lib
want="f 644 ${COMPDIR#/}/attachctl
f 644 etc/attachd.conf
f 644 usr/local/include/attach.h
f 644 usr/local/include/attach_proto.h
f 644 $L/libattach.a
f 644 $L/pkgconfig/attach.pc
f 644 usr/local/share/man/man3/libattach.3
f 644 usr/local/share/man/man5/attachd.conf.5
f 644 usr/local/share/man/man8/attachctl.8
f 644 usr/local/share/man/man8/attachd.8
f 644 ${UNITDIR#/}/attachd.service
f 644 ${UNITDIR#/}/attachd.socket
f 755 $L/libattach.so.1.0.0
f 755 usr/local/bin/attachctl
f 755 usr/local/sbin/attachd
f 755 usr/local/libexec/attachd/attachd-initramfs
f 755 usr/share/initramfs-tools/hooks/attachd
f 755 usr/share/initramfs-tools/scripts/init-bottom/attachd
f 755 usr/share/initramfs-tools/scripts/init-premount/attachd
f 755 ${DRACUTDIR#/}/module-setup.sh
f 755 ${DRACUTDIR#/}/attachd-start.sh
f 755 ${DRACUTDIR#/}/attachd-stop.sh
f 644 ${DRACUTDIR#/}/attachd-initrd.service
l libattach.so -> libattach.so.1
l libattach.so.1 -> libattach.so.1.0.0"
got=$(tree "$D" | grep -v '^d' | sed 's|^l [^ ]*/|l |' | sort)
check "the installed files, their modes and the library's links" [ "$got" = "$(sort <<<"$want")" ]
[ "$got" = "$(sort <<<"$want")" ] || diff <(sort <<<"$want") <(echo "$got") | diag
check "every directory is 0755" [ -z "$(tree "$D" | grep '^d' | grep -v '^d 755 ')" ]
check "the programs, library, header and pages are the tree's" bash -c '
	cmp "$1/attachd" "$2/usr/local/sbin/attachd" && cmp "$1/attachctl" "$2/usr/local/bin/attachctl" &&
	cmp "$1/libattach.so.1" "$2/'$L'/libattach.so.1.0.0" && cmp "$1/libattach.a" "$2/'$L'/libattach.a" &&
	cmp proto/attach.h "$2/usr/local/include/attach.h" && cmp man/attachd.8 "$2/usr/local/share/man/man8/attachd.8" &&
	cmp tools/attachctl.bash "$2/'"${COMPDIR#/}"'/attachctl" && cmp etc/attachd.conf "$2/etc/attachd.conf"' _ "$BUILD" "$D"
# attachctl is static unless built with ATTACHCTL_STATIC=0 (the Makefile exports the variable)
if [ "${ATTACHCTL_STATIC:-1}" != 0 ]; then
	check "the installed attachctl is static: no program interpreter, no shared library" bash -c '
		! readelf -l "$1" | grep -q "INTERP" && ! readelf -d "$1" | grep -q "(NEEDED)"' _ "$D/usr/local/bin/attachctl"
fi
check "the initramfs-tools hook and the dracut module name the installed attachd, attachctl and helper" bash -c '
	for f in "$1/usr/share/initramfs-tools/hooks/attachd" "$1/$2/module-setup.sh"; do
		grep -qx "ATTACHD_BIN=/usr/local/sbin/attachd" "$f" && grep -qx "ATTACHCTL_BIN=/usr/local/bin/attachctl" "$f" &&
			grep -qx "HELPER=/usr/local/libexec/attachd/attachd-initramfs" "$f" && ! grep -q "@[a-z]*@" "$f" || exit 1
	done
	cmp initramfs/attachd-initramfs "$1/usr/local/libexec/attachd/attachd-initramfs" &&
	cmp initramfs/initramfs-tools/init-premount "$1/usr/share/initramfs-tools/scripts/init-premount/attachd"' _ "$D" "${DRACUTDIR#/}"
check "the library's soname is libattach.so.1" \
	bash -c 'readelf -d "$1" | grep -q "(SONAME).*\[libattach.so.1\]$"' _ "$D/$L/libattach.so.1.0.0"
SYMS=$(readelf --dyn-syms -W "$D/$L/libattach.so.1.0.0" | awk '$7 != "UND" && $5 == "GLOBAL" { print $8 }')
check "the library exports attach_* at ATTACH_1 only" \
	[ -n "$SYMS" -a -z "$(grep -v '^attach_[a-z_]*@@ATTACH_1$' <<<"$SYMS" | grep -v '^ATTACH_1$')" ]
check "the archive holds the client calls" bash -c 'nm -g --defined-only "$1" | grep -q " T attach_connect$"' _ "$D/$L/libattach.a"

# --- a client of the installed library, built with pkg-config's word only
export PKG_CONFIG_PATH=$D/$L/pkgconfig PKG_CONFIG_SYSROOT_DIR=$D
CFLAGS_PC=$(pkg-config --cflags attach) && LIBS_PC=$(pkg-config --libs attach)
# shellcheck disable=SC2086 # one blank between the words
PC=$(echo $CFLAGS_PC $LIBS_PC)
check "pkg-config: the installed header and library, nothing else (\"$PC\")" \
	[ "$PC" = "-I$D/usr/local/include -L$D/$L -lattach" ]
check "pkg-config: the version is attachctl's" \
	[ "attachctl $(pkg-config --modversion attach)" = "$("$CTL" --version | cut -d' ' -f1-2)" ]
# shellcheck disable=SC2086 # pkg-config's words
check "a client compiles and links against them" \
	cc -std=c99 -Wall -Werror $CFLAGS_PC -o "$T/client" tests/install/client.c $LIBS_PC
check "it needs libattach.so.1, found in DESTDIR" bash -c '
	readelf -d "$1" | grep -q "(NEEDED).*\[libattach.so.1\]$" &&
	LD_LIBRARY_PATH="$2" ldd "$1" | grep -q "libattach.so.1 => $2/libattach.so.1 "' _ "$T/client" "$D/$L"
LIBS_STATIC=$(pkg-config --static --libs attach | sed 's/-lattach\b/-l:libattach.a/')
# shellcheck disable=SC2086
check "a static client links with pkg-config --static (\"$LIBS_STATIC\")" \
	cc -std=c99 -Wall -Werror $CFLAGS_PC -o "$T/client-static" tests/install/client.c $LIBS_STATIC
check "it does not need libattach.so" bash -c '! readelf -d "$1" | grep -q "libattach"' _ "$T/client-static"
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

check "agent starts" agent_start
for c in client client-static; do
	out=$(LD_LIBRARY_PATH=$D/$L "$T/$c" "$SOCK" "$W/disk0" iqn.2004-10.org.example:installed 2>&1)
	check "$c: the attach and detach cycle against the agent" \
		bash -c 'grep -q "^volume-delete$" <<<"$1" && grep -q "^target iqn.2026-11.org.attachd:.* lun 0 portals 1$" <<<"$1" &&
			 grep -q "^state in-use attachments 1$" <<<"$1"' _ "$out"
	grep -q "^volume-delete$" <<<"$out" || diag <<<"$out"
done
check "the installed attachctl talks to the agent" bash -c '"$1" -s "$2" volume-list | grep -q "^ID"' _ "$D/usr/local/bin/attachctl" "$SOCK"
check "the installed completion completes the installed attachctl" bash -c '
	. "$1" && COMP_WORDS=("$2" volume-s) COMP_CWORD=1 && _attachctl && [ "${COMPREPLY[*]}" = volume-show ]' \
	_ "$D/${COMPDIR#/}/attachctl" "$D/usr/local/bin/attachctl"

before=$(tree "$D")
check "make install again succeeds" mk install DESTDIR="$D"
check "and changes nothing" [ "$(tree "$D")" = "$before" ]
check "make uninstall succeeds" mk uninstall DESTDIR="$D"
check "uninstall leaves nothing behind" [ -z "$(tree "$D")" ]
tree "$D" | diag

# --- GNU's directory variables, as a distribution sets them
D2=$T/dest2
mkdir "$D2"
VARS=(PREFIX=/usr libdir=/usr/lib/x86_64-linux-gnu mandir=/usr/share/man sysconfdir=/etc/xattachd
      systemdsystemunitdir=/usr/lib/systemd/system bashcompletiondir=/usr/share/bash-completion/completions
      libexecdir=/usr/lib initramfstoolsdir=/usr/share/xinitramfs-tools dracutmodulesdir=/usr/lib/xdracut/modules.d)
check "make install with the directory variables" mk install DESTDIR="$D2" "${VARS[@]}"
check "each file where its variable says" bash -c 'cd "$1" && [ -x usr/sbin/attachd ] && [ -x usr/bin/attachctl ] &&
	[ -L usr/lib/x86_64-linux-gnu/libattach.so.1 ] && [ -f usr/lib/x86_64-linux-gnu/libattach.a ] &&
	[ -f usr/include/attach.h ] && [ -f usr/share/man/man8/attachd.8 ] && [ -f etc/xattachd/attachd.conf ] &&
	[ -f usr/lib/systemd/system/attachd.service ] && [ -f usr/share/bash-completion/completions/attachctl ] &&
	[ -x usr/lib/attachd/attachd-initramfs ] && [ -x usr/share/xinitramfs-tools/hooks/attachd ] &&
	[ -x usr/lib/xdracut/modules.d/90attachd/module-setup.sh ] &&
	grep -qx HELPER=/usr/lib/attachd/attachd-initramfs usr/share/xinitramfs-tools/hooks/attachd' _ "$D2"
check "attach.pc names them" bash -c 'grep -qx "libdir=/usr/lib/x86_64-linux-gnu" "$1" && grep -qx "includedir=/usr/include" "$1" &&
	grep -qx "prefix=/usr" "$1"' _ "$D2/usr/lib/x86_64-linux-gnu/pkgconfig/attach.pc"
check "make uninstall with them" mk uninstall DESTDIR="$D2" "${VARS[@]}"
check "leaves nothing" [ -z "$(tree "$D2")" ]

# --- what was there before: an edited attachd.conf, a directory, another program's file
D3=$T/dest3
mkdir -p "$D3/etc" "$D3/usr/local/include" "$D3/usr/local/bin"
echo "socket = /run/mine.sock" >"$D3/etc/attachd.conf"
echo other >"$D3/usr/local/bin/other"
before=$(tree "$D3")
out=$(mk install DESTDIR="$D3" 2>&1)
check "install keeps an existing attachd.conf, and says so" bash -c '
	[ "$(cat "$1/etc/attachd.conf")" = "socket = /run/mine.sock" ] && grep -q "keeping the existing .*/etc/attachd.conf" <<<"$2"' \
	_ "$D3" "$out"
out=$(mk uninstall DESTDIR="$D3" 2>&1)
check "uninstall keeps it too, and what was there before, and removes the rest" [ "$(tree "$D3")" = "$before" ]
check "and says why it keeps attachd.conf" grep -q "keeping .*/etc/attachd.conf: it is not the example" <<<"$out"

echo "1..$T_NUM"
[ "$T_FAIL" = 0 ]
