#!/bin/sh
# libgpiod 1.6's command line on top of libgpiod 2's tools, in the test
# guest's initramfs (busybox sh).
#
# The guest scripts (guest-*.sh) are written for libgpiod 1.6's tools,
# Debian 12's gpiod. Debian 13's gpiod is libgpiod 2.x, whose tools take
# other options and print other formats. When build-guest.sh finds libgpiod 2
# tools it puts them in /usr/lib/gpiod2/ and installs this script as
# gpioinfo, gpioget, gpioset and gpiomon (dispatching on its name); it
# translates the options and output formats the guest scripts use:
#
#   gpioinfo [CHIP...]                      1.6's line format
#   gpioget CHIP LINE...                    "0 1 ..."
#   gpioset [--mode=signal | --mode=time --sec=N] CHIP LINE=V...
#   gpiomon [-b] [--num-events=N] [-r|--rising-edge|-f|--falling-edge]
#           [--format='%o %e'] CHIP LINE...
#
# CHIP is a name (gpiochipN), a number, a path or a label, as in 1.6.
# gpiodetect prints the same in both versions and is not wrapped.
# VDG_GPIOD2_DIR: where the real tools are (for testing this script).
real=${VDG_GPIOD2_DIR:-/usr/lib/gpiod2}
tool=${0##*/}

die() {
  echo "$tool: $*" >&2
  exit 1
}

# chip ID: the chip for libgpiod 2's --chip (name, number or path); 1.6 also
# accepted a label.
chip() {
  case $1 in
  /* | gpiochip* | [0-9] | [0-9][0-9] | [0-9][0-9][0-9]) echo "$1" ;;
  *)
    c=$("$real/gpiodetect" | while read -r name label rest; do
      [ "$label" = "[$1]" ] && echo "$name" && break
    done)
    [ -n "$c" ] || die "cannot find GPIO chip character device '$1'"
    echo "$c"
    ;;
  esac
}

# The options the guest scripts use, per tool; any other is refused.
mode=exit sec=0 opts="" format=""
while [ $# -gt 0 ]; do
  case $tool:$1 in
  gpioset:--mode=*) mode=${1#--mode=} ;;
  gpioset:--sec=*) sec=${1#--sec=} ;;
  gpiomon:-b | gpiomon:--line-buffered) ;;
  gpiomon:--num-events=*) opts="$opts --num-events=${1#--num-events=}" ;;
  gpiomon:-r | gpiomon:--rising-edge) opts="$opts --edges=rising" ;;
  gpiomon:-f | gpiomon:--falling-edge) opts="$opts --edges=falling" ;;
  gpiomon:--format=*) format=${1#--format=} ;;
  *:-*) die "option $1 is not translated (guest-gpiod-v1.sh)" ;;
  *) break ;;
  esac
  shift
done
# Then CHIP LINE... (gpioinfo: CHIP...).
case $tool in
gpioget | gpioset | gpiomon)
  [ $# -ge 2 ] || die "usage: $tool [OPTION...] CHIP LINE..."
  c=$(chip "$1") || exit
  shift
  ;;
esac

case $tool in
gpioinfo)
  if [ $# -eq 0 ]; then
    out=$("$real/gpioinfo") || exit
  else
    out=$(for id in "$@"; do
      id=$(chip "$id") || exit
      "$real/gpioinfo" -c "$id" || exit
    done) || exit
  fi
  # 2.x: 'line   3:  "name"  output consumer="gpioset"', 'unnamed' for no
  # name; 1.6: name, consumer ('unused' for none), direction, active state,
  # [used].
  printf '%s\n' "$out" | awk '
    /^[ \t]*line[ \t]+[0-9]+:/ {
      s = $0
      sub(/^[ \t]*line[ \t]+/, "", s)
      off = s
      sub(/:.*/, "", off)
      sub(/^[0-9]+:[ \t]*/, "", s)
      if (substr(s, 1, 1) == "\"") {
        i = index(substr(s, 2), "\"")
        name = substr(s, 1, i + 1)
        s = substr(s, i + 2)
      } else {
        name = "unnamed"
        sub(/^unnamed/, "", s)
      }
      cons = "unused"
      if (match(s, /consumer="[^"]*"/))
        cons = substr(s, RSTART + 9, RLENGTH - 9)
      else if (match(s, /consumer=[^ \t]*/))
        cons = "\"" substr(s, RSTART + 9, RLENGTH - 9) "\""
      dir = (s ~ /(^|[ \t])output([ \t]|$)/) ? "output" : "input"
      act = (s ~ /active-low/) ? "active-low" : "active-high"
      flags = (cons != "unused") ? " [used]" : ""
      printf "\tline %3d: %12s %12s %8s %10s%s\n", off, name, cons, dir, act, flags
      next
    }
    { print }'
  ;;
gpioget) exec "$real/gpioget" --numeric -c "$c" "$@" ;;
gpioset)
  case $mode in
  # Set, then exit (the last toggle period 0 means exit).
  exit) exec "$real/gpioset" -t0 -c "$c" "$@" ;;
  # Hold until a signal: libgpiod 2's default.
  signal) exec "$real/gpioset" -c "$c" "$@" ;;
  time) exec "$real/gpioset" -p "${sec}s" -t0 -c "$c" "$@" ;;
  *) die "--mode=$mode is not translated (guest-gpiod-v1.sh)" ;;
  esac
  ;;
gpiomon)
  case $format in
  '')
    # 1.6's default line, the edge in 2.x's words ("rising", "falling").
    # shellcheck disable=SC2086 # $opts is a list of options
    exec "$real/gpiomon" $opts --format='event: %E offset: %o timestamp: [%S]' \
      -c "$c" "$@"
    ;;
  '%o %e')
    # 1.6's %e is 1 for rising, 0 for falling; 2.x's is 1 and 2. Through a
    # FIFO, so that this script's pid stands for gpiomon's (a signal to it
    # reaches gpiomon) and it ends when gpiomon does.
    fifo=/tmp/gpiomon-v1.$$
    mkfifo "$fifo" || die "mkfifo $fifo failed"
    # shellcheck disable=SC2086 # as above
    "$real/gpiomon" $opts --format='%o %e' -c "$c" "$@" >"$fifo" &
    pid=$!
    trap 'kill $pid 2>/dev/null' TERM INT
    while read -r o e; do
      [ "$e" = 2 ] && e=0
      echo "$o $e"
    done <"$fifo"
    rm -f "$fifo"
    wait $pid
    ;;
  *) die "--format=$format is not translated (guest-gpiod-v1.sh)" ;;
  esac
  ;;
*) die "not a libgpiod tool name" ;;
esac
