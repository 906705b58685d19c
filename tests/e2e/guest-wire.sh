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

n=0
failures=0
wait_s=${VDG_WAIT:-60}
role=${VDG_ROLE:-}

ok() {
  n=$((n + 1))
  echo "ok $n - $role: $1"
}

not_ok() {
  n=$((n + 1))
  failures=$((failures + 1))
  echo "not ok $n - $role: $1"
}

diag() {
  printf '%s\n' "$1" | sed 's/^/#   /'
}

retry() {
  tries=$(($1 * 10))
  shift
  while [ "$tries" -gt 0 ]; do
    "$@" && return 0
    sleep 0.1
    tries=$((tries - 1))
  done
  return 1
}

line_reads() {
  [ "$(gpioget "$1" "$2" 2>/dev/null)" = "$3" ]
}

# As guest-gpio-irq.sh: gpiomon holds line $1's interrupt (its hwirq).
irq_requested() {
  grep -Eq "[[:space:]]${1}[[:space:]]+([A-Za-z]+[[:space:]]+)?gpiomon[[:space:]]*\$" \
    /proc/interrupts
}

# monitor LINE FILE: gpiomon for two events (both edges); $! its pid.
monitor() {
  timeout "$wait_s" gpiomon -b --num-events=2 --format='%o %e' "$chip" "$1" \
    >"$2" 2>&1 &
}

armed() {
  if retry "$wait_s" irq_requested "$1"; then
    ok "gpiomon has the interrupt of line $1"
    sleep 0.5 # the IRQ_TYPE request and the eventq buffer reach the device
  else
    not_ok "gpiomon has the interrupt of line $1"
    diag "$(grep -i -E 'gpio|virtio' /proc/interrupts)"
  fi
}

events_are() {
  got=$(cat "$2" 2>&1)
  if [ "$got" = "$3" ]; then
    ok "$1"
  else
    not_ok "$1"
    diag "gpiomon printed: $got"
  fi
}

wait_go() {
  if retry "$wait_s" line_reads "$chip" 7 1; then
    ok "the host's go (line 7 high)"
  else
    not_ok "the host's go (line 7 high)"
  fi
}

# drive LINE: high for a second, then released (it falls back to 0).
drive() {
  if gpioset --mode=time --sec=1 "$chip" "$1"=1; then
    ok "gpioset drove line $1 high for a second"
  else
    not_ok "gpioset drove line $1 high for a second"
  fi
}

echo "1..4"
chip=$(gpiodetect 2>/dev/null | sed -n 's/^\(gpiochip[0-9]*\) \[virtio.*/\1/p' |
  head -n 1)
if [ -z "$chip" ]; then
  echo "# no virtio GPIO chip: $(gpiodetect 2>&1)"
  exit 1
fi
case $role in
b)
  monitor 5 /tmp/mon
  mon=$!
  armed 5
  echo "VDG-SYNC <b-armed>"
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
  armed 6
  echo "VDG-SYNC <a-armed>"
  wait "$mon"
  events_are "guest B's output 2 rose then fell on wired line 6" /tmp/mon \
    "$(printf '6 1\n6 0')"
  ;;
*)
  echo "# VDG_ROLE must be a or b"
  exit 1
  ;;
esac
[ "$failures" -eq 0 ]
