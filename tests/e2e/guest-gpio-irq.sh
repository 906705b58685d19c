#!/bin/sh
# Guest side of the "irq" scenario (QEMU 10, which passes VIRTIO_GPIO_F_IRQ
# through), run by the guest's /init (busybox sh) as /test.sh.
#
# The host daemon serves the simulated chip "s8" and the host script
# (run-qemu10.sh) drives its input lines and reads its lines back through the
# chip's control socket. The two sides meet at sync points: the guest prints
# "VDG-SYNC <name>" (with the angle brackets) on the console once it is
# ready, the host waits for it in the console log and then acts; the closing
# bracket tells the host that the name is complete, since the console file
# fills a byte at a time. The guest never waits for the host without a
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

n=0
failures=0
wait_s=${VDG_WAIT:-20}

ok() {
  n=$((n + 1))
  echo "ok $n - $1"
}

not_ok() {
  n=$((n + 1))
  failures=$((failures + 1))
  echo "not ok $n - $1"
}

# Print text as TAP diagnostics.
diag() {
  printf '%s\n' "$1" | sed 's/^/#   /'
}

# Tell the host that the guest reached sync point $1.
sync_point() {
  echo "VDG-SYNC <$1>"
  if [ "${VDG_SELFTEST:-}" = gpio-sim ]; then
    selftest_host "$1"
  fi
}

# --- self-test only: an in-guest gpio-sim chip and the host's part ---

# The same chip layout as the daemon's s8, made with gpio-sim (configfs).
make_sim_chip() {
  d=/sys/kernel/config/gpio-sim/vdg
  mkdir "$d" "$d/gpio-bank0" || return 1
  echo 8 >"$d/gpio-bank0/num_lines" || return 1
  i=0
  while [ $i -lt 8 ]; do
    mkdir "$d/gpio-bank0/line$i" &&
      echo "sim-$i" >"$d/gpio-bank0/line$i/name" || return 1
    i=$((i + 1))
  done
  echo 1 >"$d/live"
}

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
      sim_set 1 $v
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

# retry SECONDS CMD...: run CMD every 0.1 s until it succeeds; false after
# SECONDS.
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

# True if gpioinfo shows line $2 of chip $1 held by consumer $3 as $4
# (input|output).
line_held() {
  gpioinfo "$1" 2>/dev/null |
    grep -q "^[[:space:]]*line *$2:.*\"$3\"[[:space:]]*$4"
}

# True if gpioget reads value $3 on line $2 of chip $1.
line_reads() {
  [ "$(gpioget "$1" "$2" 2>/dev/null)" = "$3" ]
}

# True if every line number given has an interrupt requested by gpiomon.
# /proc/interrupts: "IRQ: counts... CHIPNAME HWIRQ [Edge] ACTION", the hwirq
# of a GPIO chip's interrupt being the line offset.
irqs_requested() {
  for l in "$@"; do
    grep -Eq "[[:space:]]${l}[[:space:]]+([A-Za-z]+[[:space:]]+)?gpiomon[[:space:]]*\$" \
      /proc/interrupts || return 1
  done
  return 0
}

# True if no interrupt is requested by gpiomon any more.
no_gpiomon_irq() {
  ! grep -q 'gpiomon[[:space:]]*$' /proc/interrupts
}

# True while every pid given is alive.
all_alive() {
  for p in "$@"; do
    kill -0 "$p" 2>/dev/null || return 1
  done
  return 0
}

# armed DESC LINES PIDS: wait until gpiomon holds the interrupt of each line
# in LINES (space-separated) or one of PIDS (the gpiomon processes) exits.
armed() {
  desc=$1 lines=$2 pids=$3
  tries=$((wait_s * 10))
  # shellcheck disable=SC2086 # word splitting of the lists is wanted
  while [ "$tries" -gt 0 ] && all_alive $pids && ! irqs_requested $lines; do
    sleep 0.1
    tries=$((tries - 1))
  done
  # shellcheck disable=SC2086 # as above
  if irqs_requested $lines; then
    ok "$desc"
    # Let the IRQ_TYPE request and the eventq buffer reach the device.
    sleep 0.5
    return 0
  fi
  not_ok "$desc"
  diag "$(grep -i -E 'gpio|virtio' /proc/interrupts)"
  return 1
}

# events_are DESC FILE EXPECTED: the gpiomon output in FILE is EXPECTED.
events_are() {
  desc=$1 got=$(cat "$2" 2>&1) expected=$3
  if [ "$got" = "$expected" ]; then
    ok "$desc"
  else
    not_ok "$desc"
    diag "gpiomon printed:"
    diag "$got"
    diag "expected:"
    diag "$expected"
  fi
}

# Start gpiomon in the background; $! is its pid (busybox timeout execs).
monitor() {
  out=$1
  shift
  timeout "$wait_s" gpiomon -b --format='%o %e' "$@" >"$out" 2>&1 &
}

echo "1..14"

# 1: the chip, by label; gpiodetect prints "gpiochipN [label] (N lines)".
label_glob=${VDG_CHIP_LABEL:-virtio*}
if [ "${VDG_SELFTEST:-}" = gpio-sim ]; then
  echo "# self-test: testing an in-guest gpio-sim chip, not the daemon"
  make_sim_chip || echo "# could not create the gpio-sim chip"
  label_glob=${VDG_CHIP_LABEL:-gpio-sim*}
fi
detect=$(gpiodetect 2>&1)
diag "gpiodetect: $detect"
chip="" nlines=""
while read -r c l nl; do
  # shellcheck disable=SC2254 # the label is matched against a glob on purpose
  case $l in
  $label_glob)
    chip=$c nlines=$nl
    break
    ;;
  esac
done <<EOF
$(printf '%s\n' "$detect" |
  sed -n 's/^\(gpiochip[0-9]*\) \[\(.*\)\] (\([0-9]*\) lines)$/\1 \2 \3/p')
EOF
if [ -n "$chip" ] && [ "$nlines" = 8 ]; then
  ok "gpiodetect lists a chip labelled '$label_glob' with 8 lines ($chip)"
else
  not_ok "gpiodetect lists a chip labelled '$label_glob' with 8 lines"
fi
if [ -z "$chip" ]; then
  # Nothing else can run; the host notices the missing sync points.
  echo "# no chip labelled '$label_glob': stopping"
  exit 1
fi

# 2-3: the guest drives an output, the host reads it and answers on line 7.
gpioset --mode=signal "$chip" 3=1 &
holder=$!
if retry "$wait_s" line_held "$chip" 3 gpioset output; then
  ok "gpioset holds line 3 as an output driven high"
else
  not_ok "gpioset holds line 3 as an output driven high"
  diag "$(gpioinfo "$chip" 2>&1)"
fi
sync_point out3-held
if retry "$wait_s" line_reads "$chip" 7 1; then
  ok "the host answered by driving input line 7 high"
else
  not_ok "the host answered by driving input line 7 high"
  diag "gpioget $chip 7: $(gpioget "$chip" 7 2>&1)"
fi
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
sync_point out3-released

# 4-5: both edges on line 1, in order.
monitor /tmp/mon1 --num-events=4 "$chip" 1
mon=$!
armed "gpiomon has the interrupt of line 1 (both edges)" 1 "$mon"
sync_point mon1-armed
wait "$mon"
events_are "gpiomon saw line 1 rise, fall, rise, fall" /tmp/mon1 \
  "$(printf '1 1\n1 0\n1 1\n1 0')"

# 6-7: the same line monitored again after its release, rising edges only.
monitor /tmp/mon2 --num-events=2 --rising-edge "$chip" 1
mon=$!
armed "gpiomon has the interrupt of line 1 again (rising edges)" 1 "$mon"
sync_point mon2-armed
wait "$mon"
events_are "gpiomon saw only the two rising edges of line 1" /tmp/mon2 \
  "$(printf '1 1\n1 1')"

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
  ok "no interrupt is left requested after gpiomon exits"
else
  not_ok "no interrupt is left requested after gpiomon exits"
  diag "$(grep gpiomon /proc/interrupts)"
fi
expect="$(for i in 0 1 2 3 4 5 6 7; do echo "$i"; done)"
unused=$(gpioinfo "$chip" 2>&1 |
  sed -n 's/^[[:space:]]*line *\([0-9]*\):.*unused.*/\1/p')
if [ "$unused" = "$expect" ]; then
  ok "all 8 lines are unused at the end"
else
  not_ok "all 8 lines are unused at the end"
  diag "$(gpioinfo "$chip" 2>&1)"
fi

[ "$failures" -eq 0 ]
