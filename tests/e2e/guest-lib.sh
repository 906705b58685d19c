# shellcheck shell=sh disable=SC3043 # local: busybox sh, dash and bash have it
# What the guest scripts share (guest-gpio-basic.sh, guest-gpio-irq.sh,
# guest-hostchip.sh, guest-demo.sh, and any guest of another architecture
# with busybox and the libgpiod 1.6 tools or guest-gpiod-v1.sh). lib.sh's
# guest_files puts it, and tap.sh, next to the scenario (/test.sh) in the
# initramfs; a scenario starts with
#
#   . "${0%/*}/guest-lib.sh"
#
# which also gives it tap.sh's TAP helpers. Only functions and variables.
#
#   retry SECONDS CMD...          CMD every 0.1 s until it succeeds
#   find_chip GLOB                $chip, $nlines of the chip labelled GLOB
#   expect_chip NLINES            the chip under test, as TAP check 1
#   make_sim_chip DIR LABEL NAME...   a gpio-sim chip, through configfs
#   line_held, irqs_requested, wait_irqs   what gpioinfo and
#                                 /proc/interrupts say about lines
#   sync_point NAME               tell the host the guest reached NAME
#   hc_chips_checked, hc_lines_free, no_daemon_left
#                                 the host-chip scenarios' gpio-sim chips
#                                 (guest-hostchip.sh, arm64/guest-hostchip.sh)
#
# Environment (NAME=value words on the kernel command line):
#   VDG_WAIT        seconds for each bounded wait (default 20)
#   VDG_CHIP_LABEL  glob for the label of the chip under test (default
#                   virtio*, the daemon's chip through gpio-virtio)
#   VDG_SELFTEST    "gpio-sim": test an in-guest gpio-sim chip shaped like the
#                   daemon's s8 instead (see expect_chip)

# shellcheck source=tests/e2e/tap.sh
. "${0%/*}/tap.sh"

wait_s=${VDG_WAIT:-20}

# retry SECONDS CMD...: run CMD every 0.1 s until it succeeds; false after
# SECONDS.
retry() {
  local tries=$(($1 * 10))
  shift
  while [ "$tries" -gt 0 ]; do
    "$@" && return 0
    sleep 0.1
    tries=$((tries - 1))
  done
  return 1
}

# find_chip GLOB: $chip (gpiochipN) and $nlines of the first chip whose
# label matches GLOB; false if none. gpiodetect prints "gpiochipN [label]
# (N lines)", the same in libgpiod 1.6 and 2.x.
find_chip() {
  local c l nl
  chip="" nlines=""
  # A here-document, so that the loop runs in this shell.
  while read -r c l nl; do
    # shellcheck disable=SC2254 # the label is matched against a glob
    case $l in
    $1)
      chip=$c nlines=$nl
      return 0
      ;;
    esac
  done <<EOF
$(gpiodetect 2>/dev/null |
    sed -n 's/^\(gpiochip[0-9]*\) \[\(.*\)\] (\([0-9]*\) lines)$/\1 \2 \3/p')
EOF
  return 1
}

# expect_chip NLINES: the chip under test in $chip, and a TAP check that
# gpiodetect lists it with NLINES lines: the chip labelled $VDG_CHIP_LABEL
# (default virtio*); with VDG_SELFTEST=gpio-sim, an in-guest gpio-sim chip
# shaped like the daemon's sNLINES (lines sim-0 .. sim-N-1), made first.
# Without a chip nothing else can run: the script exits 1 (the harness
# notices the missing results).
expect_chip() {
  local glob="${VDG_CHIP_LABEL:-virtio*}" i=0 names=""
  if [ "${VDG_SELFTEST:-}" = gpio-sim ]; then
    echo "# self-test: testing an in-guest gpio-sim chip, not the daemon"
    while [ $i -lt "$1" ]; do
      names="$names sim-$i"
      i=$((i + 1))
    done
    # shellcheck disable=SC2086 # one name per word
    make_sim_chip vdg "" $names || echo "# could not create the gpio-sim chip"
    glob=${VDG_CHIP_LABEL:-gpio-sim*}
  fi
  tap_diag "gpiodetect: $(gpiodetect 2>&1)"
  if find_chip "$glob" && [ "$nlines" = "$1" ]; then
    tap_ok "gpiodetect lists a chip labelled '$glob' with $1 lines ($chip)"
  else
    tap_not_ok "gpiodetect lists a chip labelled '$glob' with $1 lines"
  fi
  if [ -z "$chip" ]; then
    echo "# no chip labelled '$glob': stopping"
    exit 1
  fi
}

# make_sim_chip DIR LABEL NAME...: a gpio-sim chip in configfs
# (/sys/kernel/config/gpio-sim/DIR), one bank labelled LABEL (empty: the
# kernel's default label, gpio-sim.N-node0), one line per NAME ("-" for an
# unnamed line). Inputs are driven through
# /sys/devices/platform/DEV/CHIP/sim_gpioN/pull, outputs read through .../value,
# DEV and CHIP being the files dev_name and gpio-bank0/chip_name in DIR.
make_sim_chip() {
  local d="/sys/kernel/config/gpio-sim/$1" label="$2" i=0 name
  shift 2
  mkdir "$d" "$d/gpio-bank0" || return 1
  echo $# >"$d/gpio-bank0/num_lines" || return 1
  if [ -n "$label" ]; then
    echo "$label" >"$d/gpio-bank0/label" || return 1
  fi
  for name in "$@"; do
    if [ "$name" != - ]; then
      mkdir "$d/gpio-bank0/line$i" &&
        echo "$name" >"$d/gpio-bank0/line$i/name" || return 1
    fi
    i=$((i + 1))
  done
  echo 1 >"$d/live"
}

# line_held CHIP LINE CONSUMER DIRECTION: gpioinfo shows LINE of CHIP held
# by CONSUMER as DIRECTION (input|output).
line_held() {
  gpioinfo "$1" 2>/dev/null |
    grep -q "^[[:space:]]*line *$2:.*\"$3\"[[:space:]]*$4"
}

# irqs_requested LINE...: gpiomon holds the interrupt of every LINE.
# /proc/interrupts: "IRQ: counts... CHIPNAME HWIRQ [Edge] ACTION", the hwirq
# of a GPIO chip's interrupt being the line offset and the action named
# after the consumer label.
irqs_requested() {
  local l
  for l in "$@"; do
    grep -Eq "[[:space:]]${l}[[:space:]]+([A-Za-z]+[[:space:]]+)?gpiomon[[:space:]]*\$" \
      /proc/interrupts || return 1
  done
  return 0
}

# wait_irqs "PID..." "LINE...": wait (up to $wait_s) until gpiomon holds
# the interrupt of every LINE, or one of the gpiomon processes PID... has
# exited. True when it holds them all, after half a second more for the
# IRQ_TYPE request and the eventq buffer to reach the device.
wait_irqs() {
  local tries=$((wait_s * 10)) p
  # shellcheck disable=SC2086 # the lists are split on purpose
  while [ "$tries" -gt 0 ] && ! irqs_requested $2; do
    for p in $1; do
      kill -0 "$p" 2>/dev/null || break 2
    done
    sleep 0.1
    tries=$((tries - 1))
  done
  # shellcheck disable=SC2086 # as above
  irqs_requested $2 || return 1
  sleep 0.5
}

# sync_point NAME: tell the host that the guest reached NAME and waits for
# its action: "VDG-SYNC <NAME>" on the console (lib.sh's qemu_run reads it;
# the closing bracket marks the end of the name). Then $sync_hook NAME, if
# set (a self-test playing the host's part in the guest).
sync_hook=""
sync_point() {
  echo "VDG-SYNC <$1>"
  [ -z "$sync_hook" ] || $sync_hook "$1"
}

# --- the host-chip scenarios (guest-hostchip.sh, arm64/guest-hostchip.sh) ---
# The chips test_cdev.c finds by label and checks names and sizes:
#   vdg-hc-a  8 lines named hc-a0 .. hc-a7, except line 6 (unnamed)
#   vdg-hc-b  4 lines named LED_A, BTN_1, LED_B, BTN_2

# sim_chip DIR LABEL NAME...: make_sim_chip, then print the device and chip
# it became: /sys/devices/platform/DEV/CHIP.
sim_chip() {
  local cfg=/sys/kernel/config/gpio-sim
  make_sim_chip "$@" || return 1
  echo "$2: $(cat "$cfg/$1/dev_name")/$(cat "$cfg/$1/gpio-bank0/chip_name")"
}

# hc_make_chips: both chips, through configfs.
hc_make_chips() {
  sim_chip hc-a vdg-hc-a hc-a0 hc-a1 hc-a2 hc-a3 hc-a4 hc-a5 - hc-a7 &&
    sim_chip hc-b vdg-hc-b LED_A BTN_1 LED_B BTN_2
}

# hc_chips_listed: gpiodetect ("gpiochipN [label] (N lines)") lists both.
hc_chips_listed() {
  local out
  out=$(gpiodetect) || return 1
  echo "$out"
  echo "$out" | grep -q '\[vdg-hc-a\] (8 lines)' &&
    echo "$out" | grep -q '\[vdg-hc-b\] (4 lines)'
}

# hc_chips_checked: both chips made, as two TAP checks (made; listed).
hc_chips_checked() {
  local out
  if out=$(hc_make_chips 2>&1); then
    tap_ok "gpio-sim chips vdg-hc-a (8 lines) and vdg-hc-b (4 lines) created"
  else
    tap_not_ok "gpio-sim chips vdg-hc-a (8 lines) and vdg-hc-b (4 lines) created"
  fi
  tap_diag "$out"
  tap_check "gpiodetect lists both chips" hc_chips_listed
}

# hc_lines_free: gpioinfo shows no line of either chip held by the daemon
# or the test program.
hc_lines_free() {
  local out
  out=$(gpioinfo vdg-hc-a && gpioinfo vdg-hc-b) || return 1
  if echo "$out" | grep -q '"vhost-gpio\|"vdg-test'; then
    echo "$out"
    return 1
  fi
}

# no_daemon_left: no vhost-device-gpio process is running.
no_daemon_left() {
  local p
  for p in /proc/[0-9]*; do
    if [ "$(cat "$p/comm" 2>/dev/null)" = vhost-device-gp ]; then
      echo "daemon still running: pid ${p#/proc/}"
      return 1
    fi
  done
}
