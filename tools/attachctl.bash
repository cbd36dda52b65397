# SPDX-License-Identifier: Apache-2.0
# bash completion for attachctl: subcommands, their options, --mode's values, files for --device and
# --socket, and volume ids (from the agent, when it answers) for VOL.
#
# Everything offered is read from the help of the attachctl being completed (attachctl --help and
# attachctl help SUBCOMMAND, printed from the tables of tools/attachctl_args.c), so the completion
# follows that program and cannot drift from it. Their layout (tools/attachctl_help.h): an entry at two
# spaces' indent, its text after two or more spaces. Needs bash only, not the bash-completion package.

# _attachctl_entries SECTION < HELP: the entries of SECTION ("Global options", "Subcommands", "Options"),
# one a line: the name and its placeholder ("--mode rw|ro", "-s, --socket SOCKET", "reserve VOL ...").
_attachctl_entries()
{
	local line in=0
	while IFS= read -r line; do
		if [[ $line == "$1"* ]]; then
			in=1
		elif [[ -z $line ]]; then
			in=0
		elif ((in)) && [[ $line == "  "[!\ ]* ]]; then
			line=${line#  }
			printf '%s\n' "${line%%  *}"
		fi
	done
}

# _attachctl_volumes PROG [SOCKET]: the ids of the agent's volumes (nothing when it does not answer).
_attachctl_volumes()
{
	local id rest
	local -a sock=()
	[[ -n ${2-} ]] && sock=(-s "$2")
	"$1" "${sock[@]}" volume-list 2>/dev/null | while read -r id rest; do
		[[ $id == ????????-????-????-????-???????????? ]] && printf '%s\n' "$id"
	done
}

# File names for $cur, shown and quoted as file names (compopt works only inside a completion).
_attachctl_files()
{
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

_attachctl()
{
	local prog=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} prev='' sub='' at=0 sock='' word i
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	# the global options before the subcommand, then the subcommand
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		case $word in
		-s | --socket) ((i++)); sock=${COMP_WORDS[i]-} ;;
		--socket=*) sock=${word#--socket=} ;;
		-s?*) sock=${word#-s} ;;
		-*) ;;
		*) sub=$word at=$i; break ;;
		esac
	done
	if [[ -n $sub && $sub != help ]]; then
		_attachctl_subcommand
		return 0
	fi
	local help words=''
	help=$("$prog" --help 2>/dev/null) || return 0
	if [[ $sub == help ]]; then
		((COMP_CWORD == at + 1)) || return 0
		words=$(_attachctl_entries Subcommands <<<"$help" | cut -d' ' -f1)
	elif [[ $prev == -s || $prev == --socket ]]; then
		_attachctl_files
		return 0
	elif [[ $cur == -* ]]; then
		# "-s, --socket SOCKET" gives -s and --socket
		for word in $(_attachctl_entries "Global options" <<<"$help"); do
			[[ $word == -* ]] && words+=" ${word%,}"
		done
	else
		words=$(_attachctl_entries Subcommands <<<"$help" | cut -d' ' -f1)
	fi
	mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
	return 0
}

# The words after the subcommand; uses _attachctl's prog, sub, at, sock, cur and prev.
_attachctl_subcommand()
{
	local help entry name operand='' i word
	local -a opts=() valued=() given=()
	help=$("$prog" help "$sub" 2>/dev/null) || return 0 # not a subcommand of this attachctl
	while IFS= read -r entry; do
		name=${entry%% *}
		opts+=("$name")
		[[ $entry == *' '* ]] && valued+=("$name ${entry#* }")
	done < <(_attachctl_entries Options <<<"$help")
	# the value of an option that takes one: a choice ("rw|ro"), a file for --device, else nothing
	for entry in "${valued[@]}"; do
		[[ $prev == "${entry%% *}" ]] || continue
		word=${entry#* }
		if [[ $word == *'|'* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "${word//|/ }" -- "$cur")
		elif [[ $prev == --device ]]; then
			_attachctl_files
		fi
		return 0
	done
	# what is given already: options (each is offered once), and the VOL operand
	for ((i = at + 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if [[ $word == -* ]]; then
			given+=("${word%%=*}")
			for entry in "${valued[@]}"; do
				[[ $word == "${entry%% *}" ]] && ((i++))
			done
		else
			operand=$word
		fi
	done
	if [[ $cur == -* ]]; then
		local words=''
		for name in "${opts[@]}" --help; do
			[[ " ${given[*]} " == *" $name "* ]] || words+=" $name"
		done
		mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
	elif [[ -z $operand ]] && grep -q '^VOL is the volume id' <<<"$help"; then
		mapfile -t COMPREPLY < <(compgen -W "$(_attachctl_volumes "$prog" "$sock")" -- "$cur")
	fi
	return 0
}

complete -F _attachctl attachctl
