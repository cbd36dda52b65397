#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_completion.sh: the bash completion of attachctl (tools/attachctl.bash), sourced and driven as bash
# drives it: COMP_WORDS and COMP_CWORD set, _attachctl called, COMPREPLY compared with what a user must
# be offered. Subcommands, global and subcommand options (each offered once), --mode's values, files,
# `help SUBCOMMAND`, and volume ids from a real attachd (linked with the configfs simulator) for VOL.
# TAP on stdout.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

# shellcheck source=../../tools/attachctl.bash
. tools/attachctl.bash
check "sourcing registers _attachctl for attachctl" bash -c '. tools/attachctl.bash && complete -p attachctl | grep -q -- "-F _attachctl attachctl$"'

# offers WORDS... :: EXPECTED...: ok when completing the last of WORDS offers exactly EXPECTED (any order)
offers() {
	local -a words=() want=()
	while [ "$1" != "::" ]; do words+=("$1"); shift; done
	shift
	want=("$@")
	COMP_WORDS=("$CTL" "${words[@]}")
	COMP_CWORD=${#words[@]}
	COMPREPLY=()
	_attachctl 2>"$W/stderr"
	local got want_s
	got=$(printf '%s\n' "${COMPREPLY[@]}" | grep . | sort)
	want_s=$(printf '%s\n' "${want[@]}" | grep . | sort)
	if [ "$got" = "$want_s" ] && [ ! -s "$W/stderr" ]; then
		ok "attachctl ${words[*]}<TAB>"
	else
		not_ok "attachctl ${words[*]}<TAB>: got [$(echo $got)] wanted [$(echo $want_s)] $(cat "$W/stderr")"
	fi
}

world_new
trap 'world_free' EXIT

SUBS="volume-create volume-list volume-show volume-delete volume-extend reconcile reserve unreserve
      initialize-connection attach begin-detaching roll-detaching terminate-connection detach stats"
# shellcheck disable=SC2086
offers "" :: $SUBS help
offers volume- :: volume-create volume-list volume-show volume-delete volume-extend
offers re :: reconcile reserve
offers --json -s "$SOCK" ter :: terminate-connection
offers - :: -s --socket --json --dry-run -h --help --version
offers --j :: --json
offers frobnicate "" ::
offers help "" :: $SUBS help
offers help in :: initialize-connection
offers help reserve "" ::

# subcommand options: exactly the subcommand's, --help, and none given already
offers volume-create -- :: --device --name --multiattach --id --transport --help
offers initialize-connection VOL -- :: --initiator --host --ip --multipath --mutual-chap --nqn --dhchap --dhchap-bidirectional --dhchap-dhgroup --help
offers initialize-connection VOL --initiator iqn.2004-10.org.example:a --m :: --multipath --mutual-chap
offers attach VOL --instance I --host H --mountpoint M -- :: --mode --attachment --help
offers terminate-connection VOL --initiator I --attachment A -- :: --force --nqn --help
offers volume-list - :: --help
offers reconcile -- :: --purge-unowned --help
offers stats -- :: --prometheus --help
offers st :: stats
offers volume-show VOL --secrets -- :: --help
offers frobnicate -- ::

# option values
offers reserve VOL --mode "" :: rw ro
offers volume-create --transport "" :: iscsi nvme-tcp
offers attach VOL --mode r :: rw ro
offers attach VOL --mode ro --host "" ::
offers initialize-connection VOL --initiator "" ::
mkdir "$W/devs" && : >"$W/devs/disk-a" && : >"$W/devs/disk-b" && : >"$W/devs/other"
offers volume-create --device "$W/devs/disk" :: "$W/devs/disk-a" "$W/devs/disk-b"
offers -s "$W/devs/o" :: "$W/devs/other"
offers --socket "$W/devs/d" :: "$W/devs/disk-a" "$W/devs/disk-b"

# VOL: the agent's volume ids, once, and only where the subcommand takes one
offers -s "$SOCK" reserve "" :: # no agent yet: nothing, and no error
check "agent starts" agent_start
V1=$(ctl volume-create --device "$W/disk0") && V2=$(ctl volume-create --device "$W/disk1")
check "two volumes" [ -n "$V1" -a -n "$V2" ]
offers -s "$SOCK" reserve "" :: "$V1" "$V2"
offers --socket="$SOCK" volume-show "${V2:0:4}" :: "$V2"
offers -s"$SOCK" --json initialize-connection "" :: "$V1" "$V2"
offers -s "$SOCK" reserve "$V1" "" ::
offers -s "$SOCK" detach --attachment A "" :: "$V1" "$V2"
offers -s "$SOCK" volume-create "" ::
offers -s "$SOCK" volume-list "" ::
ATTACHD_SOCKET=$SOCK
export ATTACHD_SOCKET
offers unreserve "" :: "$V1" "$V2" # the socket from the environment, as attachctl takes it
unset ATTACHD_SOCKET

echo "1..$T_NUM"
[ "$T_FAIL" = 0 ]
