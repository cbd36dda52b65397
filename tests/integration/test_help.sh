#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_help.sh: attachctl's help. --help, -h and `help` print the same list of subcommands; for each,
# `help SUBCOMMAND` and `SUBCOMMAND --help` print the same usage, summary, options and an example,
# without connecting to anything. The options listed are exactly those the parser takes: each listed one
# gets past the parser (up to a --help after it), every other subcommand's option is refused. Unknown
# subcommands are usage errors (exit 2) that name them. TAP on stdout.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

VOL=0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b
NOSOCK=/nonexistent/attachd.sock # help must not need the agent

TOP=$("$CTL" -s "$NOSOCK" --help); rc=$?
check "--help exits 0 without an agent" [ "$rc" = 0 ]
check "-h and help print the same" bash -c '[ "$("$1" -h)" = "$2" ] && [ "$("$1" help)" = "$2" ]' _ "$CTL" "$TOP"
# the subcommands: the entries at two spaces' indent under "Subcommands:"
SUBS=$(sed -n '/^Subcommands:/,/^$/p' <<<"$TOP" | sed -n 's/^  \([a-z][a-z-]*\).*/\1/p' | grep -vx help)
check "--help lists the 15 subcommands, and help" \
	[ "$(wc -l <<<"$SUBS")" = 15 -a "$(grep -c '^  help \[SUBCOMMAND\]$' <<<"$TOP")" = 1 ]
check "every line of --help fits 79 columns" bash -c '! awk "length > 79" <<<"$1" | grep -q .' _ "$TOP"

# the options of every subcommand's help, and all of them together
declare -A OPTS
ALL=""
for s in $SUBS; do
	OPTS[$s]=$("$CTL" help "$s" | sed -n '/^Options:/,/^$/p' | sed -n 's/^  \(--[a-z-]*\).*/\1/p')
	ALL+=" ${OPTS[$s]}"
done
ALL=$(tr ' ' '\n' <<<"$ALL" | sort -u | grep .)

for s in $SUBS; do
	H=$("$CTL" -s "$NOSOCK" help "$s"); rc=$?
	check "help $s exits 0 without an agent" [ "$rc" = 0 ]
	check "$s --help prints the same as help $s" [ "$("$CTL" -s "$NOSOCK" "$s" --help)" = "$H" ]
	check "help $s: usage, summary, options, example" bash -c '
		head -1 <<<"$1" | grep -q "^usage: attachctl .* $2\( \|$\)" &&
		grep -q "^Options:$" <<<"$1" && grep -A1 "^Example:$" <<<"$1" | grep -q "^  attachctl .*$2"' _ "$H" "$s"
	vol=""
	grep -q '^VOL is the volume id' <<<"$H" && vol=$VOL
	bad=""
	for o in ${OPTS[$s]}; do
		v=$(sed -n "s/^  $o \([^ ]*\).*/\1/p" <<<"$H")
		case $v in *'|'*) v=${v%%|*} ;; esac
		# shellcheck disable=SC2086 # $vol and $v are single words or nothing
		"$CTL" -s "$NOSOCK" "$s" $vol "$o" $v --help >/dev/null 2>&1 || bad+=" $o"
	done
	check "$s takes each option its help lists${bad:+ (not:$bad)}" [ -z "$bad" ]
	bad=""
	for o in $ALL; do
		grep -qx -- "$o" <<<"${OPTS[$s]}" && continue
		# shellcheck disable=SC2086
		err=$("$CTL" -s "$NOSOCK" "$s" $vol "$o" x 2>&1 >/dev/null); rc=$?
		[[ $rc = 2 && $err == *"unknown option $o"* ]] || bad+=" $o"
	done
	check "$s refuses the options its help does not list${bad:+ (took:$bad)}" [ -z "$bad" ]
done

expect_fail 2 "help of an unknown subcommand is a usage error" "^attachctl: help: unknown subcommand 'frobnicate'$" \
	"$CTL" help frobnicate
expect_fail 2 "--help after an unknown subcommand is a usage error" "unknown subcommand 'frobnicate'" \
	"$CTL" frobnicate --help
expect_fail 2 "help takes one subcommand" "help: unexpected argument 'detach'" "$CTL" help reserve detach
expect_fail 2 "help of a protocol call that is not a subcommand" "unknown subcommand 'hello'" "$CTL" help hello
check "help help is the general help" [ "$("$CTL" help help)" = "$TOP" ]

echo "1..$T_NUM"
[ "$T_FAIL" = 0 ]
