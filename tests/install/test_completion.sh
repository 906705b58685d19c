#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The bash completions, sourced alone in a bare bash (TAP): each case sets
# COMP_WORDS/COMP_CWORD as bash would for a command line and checks
# COMPREPLY.  $1: the completions/ directory.
dir=$1
n=0
failed=0

# check NAME EXPECTED WORD...: the last WORD is the one being completed.
check()
{
	local name=$1 expected=$2 got
	shift 2
	n=$((n + 1))
	got=$(bash --norc --noprofile -c '
		source "$1/$2" || exit 1
		func=$(complete -p "$2" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		shift 1
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		"$func" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" \
			"${COMP_WORDS[COMP_CWORD - 1]}"
		((${#COMPREPLY[@]})) &&
			printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
	' bash "$dir" "$@")
	if [[ "$got" == "$expected" ]]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name: got '$got', want '$expected'"
		failed=1
	fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
touch "$tmp/guest1.sock.sim" "$tmp/guest1.sock" "$tmp/other"
mkdir "$tmp/sub"
group=$(id -gn)

d=vhost-device-gpio
check "options starting --sock" \
	"--socket-count --socket-group --socket-mode --socket-path " \
	$d --sock
check "options starting --p" "--poll-us --print-capabilities " $d --p
check "--poll-us offers microseconds" "0 " $d --poll-us = 0
check "--poll-us values starting 5" "50 " $d --poll-us 5
check "--socket-group completes groups" "$group " \
	$d --socket-group "$group"
check "--socket-group=GROUP too" "$group " \
	$d --socket-group = "$group"
check "--fd completes nothing" "" $d --fd ""
check "--wire completes nothing" "" $d --wire ""
check "options starting --w" "--wire " $d --w
check "--socket-count completes nothing" "" $d -c ""
check "--device-list offers a simulated chip" "s8 " $d -l s
check "the next device-list entry too" "s8 " \
	$d --device-list = 0 : s
check "--socket-path completes files" "$tmp/guest1.sock $tmp/guest1.sock.sim " \
	$d -s "$tmp/gu"
check "no option values after a finished option" "" $d -l s8 ""
check "line settings after a line" "0[3(pull-down 0[3(pull-up 0[3(push-pull " \
	$d -l "0[3(pu"
check "the next setting of a group" "0[3(ro,active-high 0[3(ro,active-low " \
	$d -l "0[3(ro,a"
check "settings of a chip" "0[3](debounce= " $d -l "0[3](de"
check "no setting after a closed group" "" $d -l "0[3(ro),4"

s=vhost-device-gpio-sim
check "sim: socket argument is a .sim file or a directory" \
	"$tmp/guest1.sock.sim $tmp/sub " $s "$tmp/"
check "sim: commands" "get list play record set watch " $s "$tmp/guest1.sock.sim" ""
check "sim: record FILE completes files" "$tmp/other " $s "$tmp/guest1.sock.sim" record "$tmp/ot"
check "sim: play FILE --loop" "--loop " $s "$tmp/guest1.sock.sim" play x ""
check "sim: command starting s" "set " $s "$tmp/guest1.sock.sim" s
check "sim: set LINE level" "0 1 " $s "$tmp/guest1.sock.sim" set 5 ""
check "sim: get LINE has nothing more" "" $s "$tmp/guest1.sock.sim" get 5 ""
check "sim: command starting w" "watch " $s "$tmp/guest1.sock.sim" w
check "sim: options" "--help --version " $s --

echo "1..$n"
exit $failed
