#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# analyze.sh: cppcheck, then clang's static analyzer (clang --analyze, per file, with the build's flags),
# over the production sources; every finding is printed as file:line and counted. Exit 1 if any.
# Triaged false positives go in cppcheck.supp and clang-analyzer.supp, each with the reason.
# usage: tests/quality/analyze.sh   (from the repository root; CLANG, CPPCHECK, PKG_CONFIG may be set)
set -u
srcs=$(ls agent/*.c agent/*/*.c configfs/*.c dm/*.c proto/*.c tools/*.c)
inc="-I. -Iproto -Iagent -Iagent/server -Iagent/calls -Iagent/store -Iagent/kernel -Iconfigfs -Idm"
defs="-D_GNU_SOURCE -DATTACHD_VERSION=\"0\""
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "# cppcheck $(${CPPCHECK:-cppcheck} --version)"
${CPPCHECK:-cppcheck} --quiet --enable=warning,style,performance,portability --std=c11 --inline-suppr \
	--suppress=missingIncludeSystem --suppressions-list=tests/quality/cppcheck.supp $defs $inc \
	$(${PKG_CONFIG:-pkg-config} --cflags-only-I libnl-3.0) \
	--template='{file}:{line}: {severity}: {message} [{id}]' $srcs 2>"$out"
cat "$out"
n_cpp=$(grep -c ': ' "$out")

echo "# clang --analyze ($(${CLANG:-clang} --version | head -1))"
: >"$out"
pkgs=$(${PKG_CONFIG:-pkg-config} --cflags libnl-3.0 devmapper libkmod uuid lmdb)
for f in $srcs; do
	# the analyzer's default checkers (core, unix, deadcode, security, nullability) and POSIX API misuse
	${CLANG:-clang} --analyze --analyzer-output text -Xclang -analyzer-checker=optin.portability.UnixAPI \
		-std=gnu11 $defs $inc $pkgs -o /dev/null "$f" 2>>"$out"
done
# drop the triaged false positives (clang-analyzer.supp: "file checker")
grep -E ': (warning|error):' "$out" | while IFS= read -r w; do
	f=${w%%:*}; chk=$(sed -n 's/.*\[\([^]]*\)\]$/\1/p' <<<"$w")
	if grep -qx "$f $chk" <(grep -v '^#' tests/quality/clang-analyzer.supp); then
		echo "$w (triaged: clang-analyzer.supp)" >&2
	else
		echo "$w"
	fi
done 2>"$out.supp" | tee "$out.real"
sed 's/^/# /' "$out.supp"
n_clang=$(grep -c . "$out.real")
rm -f "$out.supp" "$out.real"
echo "# analyze: cppcheck $n_cpp finding(s), clang analyzer $n_clang finding(s)"
[ "$n_cpp" -eq 0 ] && [ "$n_clang" -eq 0 ]
