#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# run-tests.sh: run make check's unit and/or integration stages against the binaries of another build
# directory (build-asan for check-asan, build-vg for valgrind), TAP in DIR/results, then the summary line.
# The tests look for ./build (tests/run-stage.sh) or $BUILD (lib.sh, itest_world.c): both are
# pointed at DIR, the first through a symlink in a scratch working directory.
# usage: tests/quality/run-tests.sh DIR STAGE...
#   unit, integration   make check's stages
#   sanitizers          the reports in $SAN_DIR (san-report.sh), after the others
#   valgrind            the memcheck logs in $VG_LOGS (vg-report.sh), after the others
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(cd "$1" && pwd); shift
work=$(mktemp -d /tmp/attachd-q-XXXXXX)
trap 'rm -rf "$work"' EXIT
ln -s "$dir" "$work/build"
export BUILD=$dir
rm -rf "$dir/results"
mkdir -p "$dir/results"
cd "$work" || exit 1
# the executables a directory holds (a build directory also has .o and .d files)
bins() { for f in "$@"; do [ -f "$f" ] && [ -x "$f" ] && echo "$f"; done; }
for stage in "$@"; do
	case $stage in
	unit) "$repo/tests/run-stage.sh" unit $(bins "$dir"/tests/test_*) ;;
	integration) "$repo/tests/run-stage.sh" integration "$repo"/tests/integration/test_*.sh \
		$(bins "$dir"/tests/integration/test_*) ;;
	sanitizers) "$repo/tests/run-stage.sh" sanitizers "$repo/tests/quality/san-report.sh" ;;
	valgrind) "$repo/tests/run-stage.sh" valgrind "$repo/tests/quality/vg-report.sh" ;;
	*) echo "run-tests.sh: unknown stage $stage" >&2; exit 2 ;;
	esac
done
"$repo/tests/summary.sh" "$dir/results"
