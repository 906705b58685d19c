#!/bin/sh
# Guest side of the "wire" scenario (run-wire.sh): two guests under QEMU 10,
# each on one simulated 8-line chip of one daemon, wired with
# --wire=0:3=1:5 --wire=1:2=0:6. VDG_ROLE (from the kernel command line)
# says which guest this is:
#
#   b  (device 1) gpiomon on line 5 (both edges), then "VDG-SYNC <b-armed>";
#      guest A's output 3 must reach it: rising, then falling. Then it waits
#      for the host's go (its input line 7 high) and drives line 2 high for a
#      second with gpioset (released after: the line falls back to 0).
#   a  (device 0) waits for the host's go (its line 7 high), drives line 3
#      high for a second, then gpiomon on line 6, "VDG-SYNC <a-armed>", and
#      must see guest B's line 2: rising, then falling.
#
# The host (run-wire.sh) answers b-armed with `set 7 1` on device 0 and
# a-armed with `set 7 1` on device 1. Every wait is bounded.
set -u

# shellcheck source=tests/e2e/guest-lib.sh
. "${0%/*}/guest-lib.sh"

wait_s=${VDG_WAIT:-60}
role=${VDG_ROLE:-}

# shellcheck disable=SC2317 # called through retry
line_reads() {
  [ "$(gpioget "$1" "$2" 2>/dev/null)" = "$3" ]
}

# monitor LINE FILE: gpiomon for two events (both edges); $! its pid.
monitor() {
  timeout "$wait_s" gpiomon -b --num-events=2 --format='%o %e' "$chip" "$1" \
    >"$2" 2>&1 &
}

# armed PID LINE: gpiomon (PID) holds line LINE's interrupt (wait_irqs).
armed() {
  if wait_irqs "$1" "$2"; then
    tap_ok "$role: gpiomon has the interrupt of line $2"
  else
    tap_not_ok "$role: gpiomon has the interrupt of line $2"
    tap_diag "$(grep -i -E 'gpio|virtio' /proc/interrupts)"
  fi
}

events_are() {
  got=$(cat "$2" 2>&1)
  if [ "$got" = "$3" ]; then
    tap_ok "$role: $1"
  else
    tap_not_ok "$role: $1"
    tap_diag "gpiomon printed: $got"
  fi
}

wait_go() {
  if retry "$wait_s" line_reads "$chip" 7 1; then
    tap_ok "$role: the host's go (line 7 high)"
  else
    tap_not_ok "$role: the host's go (line 7 high)"
  fi
}

# drive LINE: high for a second, then released (it falls back to 0).
drive() {
  if gpioset --mode=time --sec=1 "$chip" "$1"=1; then
    tap_ok "$role: gpioset drove line $1 high for a second"
  else
    tap_not_ok "$role: gpioset drove line $1 high for a second"
  fi
}

tap_plan 4
if ! find_chip "virtio*"; then
  echo "# no virtio GPIO chip: $(gpiodetect 2>&1)"
  exit 1
fi
case $role in
b)
  monitor 5 /tmp/mon
  mon=$!
  armed "$mon" 5
  sync_point b-armed
  wait "$mon"
  events_are "guest A's output 3 rose then fell on wired line 5" /tmp/mon \
    "$(printf '5 1\n5 0')"
  wait_go
  drive 2
  ;;
a)
  wait_go
  drive 3
  monitor 6 /tmp/mon
  mon=$!
  armed "$mon" 6
  sync_point a-armed
  wait "$mon"
  events_are "guest B's output 2 rose then fell on wired line 6" /tmp/mon \
    "$(printf '6 1\n6 0')"
  ;;
*)
  echo "# VDG_ROLE must be a or b"
  exit 1
  ;;
esac
tap_done
