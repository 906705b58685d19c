#!/bin/sh
# shellcheck disable=SC2317 # functions called through tap_check, sync_point
# Guest side of the "irq" scenario (QEMU 10, which passes VIRTIO_GPIO_F_IRQ
# through), run by the guest's /init (busybox sh) as /test.sh.
#
# The host daemon serves the simulated chip "s8" and the host script
# (run-qemu10.sh) drives its input lines and reads its lines back through the
# chip's control socket. The two sides meet at sync points: the guest prints
# "VDG-SYNC <name>" on the console once it is ready (guest-lib.sh's
# sync_point), the host reads the console as it comes (lib.sh's qemu_run)
# and acts there and then. The guest never waits for the host without a
# bound, so a missing host action fails a check instead of hanging.
#
#   out3-held      the guest holds line 3 high as an output (gpioset); the
#                  host checks it reads "3 out 1", then drives input line 7
#                  high as its answer, which the guest polls with gpioget
#   out3-released  gpioset has exited; the host checks line 3 reads "none"
#   mon1-armed     gpiomon (both edges) has the interrupt of line 1; the host
#                  makes line 1 go 1 0 1 0, the guest must see
#                  rising, falling, rising, falling
#   mon2-armed     line 1 again after its release (rising edges only); the host
#                  makes it go 1 0 1 0, the guest must see two rising edges
#   mon3-armed     two lines at once: line 2 falling edges only, line 5 both
#                  edges; the host makes 2:1 5:1 2:0 5:0, the guest must see
#                  one falling edge on 2 and rising, falling on 5
#   mon4-armed     line 4, both edges; the host plays a timed pattern of 20
#                  edges, 130 to 170 ms apart (`vhost-device-gpio-sim play`,
#                  the daemon's timerfd keeping the time): the guest must
#                  see all 20, rising and falling in turn
#
# gpiomon 1.6 is run as `gpiomon -b --num-events=N [-r|-f] --format='%o %e'
# CHIP LINE`: one line "OFFSET TYPE" per event, TYPE 1 = rising and
# 0 = falling edge. It exits 0 even when killed, so only its output counts.
# "Armed" means the interrupt shows up in /proc/interrupts with gpiomon as
# its action (the kernel names it after the consumer label), plus half a
# second for the IRQ_TYPE request and the eventq buffer to reach the device.
#
# Environment (from NAME=value words on the kernel command line):
#   VDG_CHIP_LABEL  glob for the chip label to test (default: virtio*)
#   VDG_WAIT        seconds for each bounded wait (default 20)
#   VDG_SELFTEST    "gpio-sim": test an in-guest gpio-sim chip shaped like s8
#                   instead, the host's part being played in the guest at each
#                   sync point (pulls and values in sysfs); checks this script,
#                   the guest kernel and the harness without any daemon
#                   (run-qemu10.sh --no-device)
#
# Only `set -u`: a failed check must print "not ok" and go on, not stop.
set -u
# shellcheck source=tests/e2e/guest-lib.sh
. "${0%/*}/guest-lib.sh"

# --- self-test only: the host's part, played in the guest ---

# sim_set LINE 0|1: drive an input of the gpio-sim chip, like the host's
# `set LINE 0|1`.
sim_set() {
  if [ "$2" = 1 ]; then p=pull-up; else p=pull-down; fi
  echo "$p" >"$(ls -d /sys/devices/platform/gpio-sim.*/"$chip"/sim_gpio"$1")/pull"
}

# What run-qemu10.sh does at each sync point, with the same 0.5 s gaps.
selftest_host() {
  case $1 in
  out3-held)
    v=$(cat /sys/devices/platform/gpio-sim.*/"$chip"/sim_gpio3/value)
    echo "# self-test host: line 3 value $v"
    sim_set 7 1
    ;;
  mon1-armed | mon2-armed)
    for v in 1 0 1 0; do
      sim_set 1 "$v"
      sleep 0.5
    done
    ;;
  mon3-armed)
    for lv in "2 1" "5 1" "2 0" "5 0"; do
      # shellcheck disable=SC2086 # "line value"
      sim_set $lv
      sleep 0.5
    done
    ;;
  mon4-armed)
    k=0
    while [ $k -lt 20 ]; do
      sim_set 4 $(((k + 1) % 2))
      sleep 0.15
      k=$((k + 1))
    done
    ;;
  esac
}
[ "${VDG_SELFTEST:-}" != gpio-sim ] || sync_hook=selftest_host

# True if gpioget reads value $3 on line $2 of chip $1.
line_reads() {
  [ "$(gpioget "$1" "$2" 2>/dev/null)" = "$3" ]
}

# The offsets of the lines of chip $1 that nobody uses, one a line.
unused_lines() {
  gpioinfo "$1" 2>&1 | sed -n 's/^[[:space:]]*line *\([0-9]*\):.*unused.*/\1/p'
}

# True if no interrupt is requested by gpiomon any more.
no_gpiomon_irq() {
  ! grep -q 'gpiomon[[:space:]]*$' /proc/interrupts
}

# armed DESC "LINE..." "PID...": the check that gpiomon (the processes PID...)
# holds the interrupt of every LINE, waited for.
armed() {
  if wait_irqs "$3" "$2"; then
    tap_ok "$1"
  else
    tap_not_ok "$1"
    tap_diag "$(grep -i -E 'gpio|virtio' /proc/interrupts)"
  fi
}

# events_are DESC FILE EXPECTED: the gpiomon output in FILE is EXPECTED.
events_are() {
  tap_check "$1" output_is "$3" cat "$2"
}

# Start gpiomon in the background; $! is its pid (busybox timeout execs).
monitor() {
  out=$1
  shift
  timeout "$wait_s" gpiomon -b --format='%o %e' "$@" >"$out" 2>&1 &
}

# watch_line1 SYNC ARMED EVENTS EXPECTED GPIOMON-OPTION...: one gpiomon on
# line 1; once it holds the interrupt (check ARMED), sync point SYNC, where
# the host makes the edges; then it must have printed EXPECTED (check
# EVENTS).
watch_line1() {
  sync=$1 armed_desc=$2 events_desc=$3 expected=$4
  shift 4
  monitor "/tmp/$sync" "$@" "$chip" 1
  mon=$!
  armed "$armed_desc" 1 "$mon"
  sync_point "$sync"
  wait "$mon"
  events_are "$events_desc" "/tmp/$sync" "$expected"
}

tap_plan 14

# 1: the chip, by label.
expect_chip 8

# 2-3: the guest drives an output, the host reads it and answers on line 7.
gpioset --mode=signal "$chip" 3=1 &
holder=$!
if retry "$wait_s" line_held "$chip" 3 gpioset output; then
  tap_ok "gpioset holds line 3 as an output driven high"
else
  tap_not_ok "gpioset holds line 3 as an output driven high"
  tap_diag "$(gpioinfo "$chip" 2>&1)"
fi
sync_point out3-held
if retry "$wait_s" line_reads "$chip" 7 1; then
  tap_ok "the host answered by driving input line 7 high"
else
  tap_not_ok "the host answered by driving input line 7 high"
  tap_diag "gpioget $chip 7: $(gpioget "$chip" 7 2>&1)"
fi
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
sync_point out3-released

# 4-5: both edges on line 1, in order.
watch_line1 mon1-armed "gpiomon has the interrupt of line 1 (both edges)" \
  "gpiomon saw line 1 rise, fall, rise, fall" \
  "$(printf '1 1\n1 0\n1 1\n1 0')" --num-events=4

# 6-7: the same line monitored again after its release, rising edges only.
watch_line1 mon2-armed \
  "gpiomon has the interrupt of line 1 again (rising edges)" \
  "gpiomon saw only the two rising edges of line 1" \
  "$(printf '1 1\n1 1')" --num-events=2 --rising-edge

# 8-10: two lines at once, with different edge types.
monitor /tmp/mon3a --num-events=1 --falling-edge "$chip" 2
mon_a=$!
monitor /tmp/mon3b --num-events=2 "$chip" 5
mon_b=$!
armed "gpiomon has the interrupts of lines 2 (falling) and 5 (both)" \
  "2 5" "$mon_a $mon_b"
sync_point mon3-armed
wait "$mon_a"
wait "$mon_b"
events_are "gpiomon saw the falling edge of line 2 only" /tmp/mon3a "2 0"
events_are "gpiomon saw line 5 rise, then fall" /tmp/mon3b \
  "$(printf '5 1\n5 0')"

# 11-12: a timed pattern the host plays: 20 edges, none lost, in order.
monitor /tmp/mon4 --num-events=20 "$chip" 4
mon=$!
armed "gpiomon has the interrupt of line 4 (both edges)" 4 "$mon"
sync_point mon4-armed
wait "$mon"
events_are "gpiomon saw the 20 played edges of line 4, in order" /tmp/mon4 \
  "$(k=0; while [ $k -lt 20 ]; do echo "4 $(((k + 1) % 2))"; k=$((k + 1)); done)"

# 13-14: everything released.
if retry "$wait_s" no_gpiomon_irq; then
  tap_ok "no interrupt is left requested after gpiomon exits"
else
  tap_not_ok "no interrupt is left requested after gpiomon exits"
  tap_diag "$(grep gpiomon /proc/interrupts)"
fi
tap_check "all 8 lines are unused at the end" \
  output_is "$(printf '%s\n' 0 1 2 3 4 5 6 7)" unused_lines "$chip"

tap_done
