#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# deps.sh [build|all]: install the Debian 12 packages attachd needs, only those missing (apt-get, as
# root). "build": compiling attachd, attachctl and libattach; "all" (default): also every test stage of
# `make check` (cmocka, python3 for JSON checks, the man page test and the Python client, whose offline
# install test needs python3-venv, python3-setuptools and python3-wheel; mandoc to lint the man pages;
# systemd for systemd-analyze, which checks the units; clang + libFuzzer, qemu and the rig's host tools;
# prometheus for promtool, which checks `attachctl stats --prometheus`: Debian ships promtool only in the
# server's package, about 19 MB to download; the server it installs is stopped and disabled again).
# .ci/run and `make demo` call it; on a machine that has everything it does nothing.
set -euo pipefail
BUILD="build-essential pkg-config libnl-3-dev libdevmapper-dev libkmod-dev uuid-dev
       liblmdb-dev"
TEST="libcmocka-dev python3 mandoc util-linux procps clang libclang-rt-14-dev llvm ca-certificates valgrind cppcheck
      qemu-system-x86 busybox-static kmod cpio xz-utils zstd bc e2fsprogs systemd
      python3-venv python3-setuptools python3-wheel prometheus"
want=$BUILD
[ "${1:-all}" = build ] || want="$BUILD $TEST"
missing=()
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing Debian packages (run as root to install them): ${missing[*]}" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# the tests need promtool, not a Prometheus server listening on :9090
if [[ " ${missing[*]} " == *" prometheus "* ]] && [ -d /run/systemd/system ]; then
	systemctl disable --now prometheus.service >/dev/null 2>&1 || true
fi
