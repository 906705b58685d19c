#!/bin/sh
# Guest side of the arm64 "consumers" scenario (run-arm64.sh), run by the
# init as /test.sh: kernel drivers that the device tree (dt/*.dtsi) wires to
# the virtio GPIO chip, with the host playing the lines through the daemon's
# control socket.
#
#   line 0  gpio-keys button "vdg-button", BTN_0, both edges (QEMU 10)
#   line 1  gpio-keys interrupt-only key "vdg-level-key", BTN_1, level-high
#           interrupt, debounce-interval 200 ms (QEMU 10)
#   line 2  gpio-keys-polled button "vdg-polled-button", BTN_2, 20 ms polls
#   line 3  gpio-leds LED "vdg-led"
#   line 7  the host's answers: it flips the line when the guest may go on
#
# Environment (kernel command line): VDG_ARM64_IRQ=1 with QEMU 10 (the
# interrupt consumers are in the device tree), VDG_WAIT (seconds any wait
# on the host may take, default 20).
#
# Only `set -u`: a failed check prints "not ok" and the script goes on.
# TAP, sync_point and $wait_s are guest-lib.sh's (with tap.sh, beside
# /test.sh in the initramfs: lib.sh's guest_files).
set -u

# shellcheck source=tests/e2e/guest-lib.sh
. "${0%/*}/guest-lib.sh"

irq=${VDG_ARM64_IRQ:-0}

# Milliseconds since boot (10 ms resolution).
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# The host's answers on line 7: each flips it; wait for the next.
ack_level=0
wait_ack() {
  ack_level=$((1 - ack_level))
  end=$(($(now_ms) + wait_s * 1000))
  while [ "$(now_ms)" -lt "$end" ]; do
    [ "$(gpioget "$chip" 7 2>/dev/null)" = "$ack_level" ] && return 0
    sleep 0.05
  done
  echo "# no answer from the host on line 7 within $wait_s s"
  return 1
}

# The input device named $1: /dev/input/eventN.
input_dev() {
  for d in /sys/class/input/event*; do
    if [ "$(cat "$d/device/name" 2>/dev/null)" = "$1" ]; then
      echo "/dev/input/${d##*/}"
      return 0
    fi
  done
  return 1
}

# start_reader DEV FILE: vdg-evdev reading two key events from DEV into
# FILE, in the background ($reader); returns once it has DEV open.
start_reader() {
  vdg-evdev read "$1" "$wait_s" 2 >"$2" 2>&1 &
  reader=$!
  i=0
  while [ $i -lt 100 ] && ! grep -q '^ready' "$2"; do
    sleep 0.05
    i=$((i + 1))
  done
}

# press_release DESC FILE CODE: FILE holds CODE's press then its release.
press_release() {
  wait "$reader"
  events=$(grep ' key ' "$2")
  if [ "$(echo "$events" | awk '{ print $3, $4 }' | tr '\n' ' ')" = "$3 1 $3 0 " ]; then
    held=$(echo "$events" | awk 'NR == 1 { p = $1 } NR == 2 { print $1 - p }')
    tap_ok "$1 (press, then release $held ms later)"
  else
    tap_not_ok "$1"
    tap_diag "$(cat "$2")"
  fi
}

echo "# guest-consumers: QEMU interrupts: $irq"

# --- the chip and its device-tree node ---
chip=$(gpiodetect | sed -n 's/^\(gpiochip[0-9]*\) \[virtio[0-9]*\] (8 lines)$/\1/p' |
  head -n 1)
if [ -n "$chip" ]; then
  tap_ok "gpiodetect lists the virtio chip ($chip, 8 lines)"
else
  tap_not_ok "gpiodetect lists the virtio chip"
  tap_diag "$(gpiodetect 2>&1)"
  tap_done
fi
of_node_ok() {
  node=$(readlink -f "/sys/bus/gpio/devices/$chip/of_node") || return 1
  echo "$chip: $node"
  [ "${node#/sys/firmware/devicetree/base}" = /virtio_mmio@a003e00/gpio ] &&
    [ "$(tr -d '\0' <"$node/compatible")" = virtio,device29 ]
}
tap_check "the chip is the device-tree node /virtio_mmio@a003e00/gpio (virtio,device29)" \
  of_node_ok

# gpioinfo: "line N: "NAME" "CONSUMER" DIRECTION ..."
held_by() {
  gpioinfo "$chip" | grep -q "^[[:space:]]*line *$1:.*\"$2\" *$3"
}
info=$(gpioinfo "$chip" 2>&1)
held() {
  if held_by "$1" "$2" "$3"; then
    tap_ok "gpioinfo: line $1 is held by \"$2\" as an $3"
  else
    tap_not_ok "gpioinfo: line $1 is held by \"$2\" as an $3"
    tap_diag "$info"
  fi
}
held 2 vdg-polled-button input
held 3 vdg-led output
if [ "$irq" = 1 ]; then
  held 0 vdg-button input
  # An interrupt-only key requests no line, only its interrupt.
  tap_check "gpioinfo: line 1 is used as an interrupt" held_by 1 interrupt input
fi

# --- the LED ---
led=/sys/class/leds/vdg-led
tap_check "LED vdg-led exists, off, max_brightness 1" \
  sh -c "[ \"\$(cat $led/brightness)\" = 0 ] && [ \"\$(cat $led/max_brightness)\" = 1 ]"
sync_point leds-probed
wait_ack || tap_not_ok "the host answered after leds-probed"
for level in 1 0; do
  tap_check "brightness $level written" sh -c "echo $level >$led/brightness"
  if [ $level = 1 ]; then sync_point led-on; else sync_point led-off; fi
  wait_ack || tap_not_ok "the host answered after brightness $level"
done
tap_check "the timer trigger blinks the LED, 100 ms on, 100 ms off" sh -c "
  grep -q timer $led/trigger && echo timer >$led/trigger &&
  echo 100 >$led/delay_on && echo 100 >$led/delay_off"
sync_point led-blink-start
sleep 2.5
tap_check "trigger none stops it" sh -c "echo none >$led/trigger"
sync_point led-blink-stop
wait_ack || tap_not_ok "the host answered after the blinking"

# --- the polled button ---
if dev=$(input_dev vdg-polled-keys); then
  tap_ok "input device vdg-polled-keys is $dev"
  start_reader "$dev" /tmp/polled.ev
  sync_point polled-armed
  press_release "gpio-keys-polled: BTN_2 pressed and released as the host set line 2" \
    /tmp/polled.ev 258
else
  tap_not_ok "input device vdg-polled-keys exists"
  sync_point polled-armed
fi

if [ "$irq" != 1 ]; then
  tap_check "no gpio-keys input device without interrupts" \
    sh -c '! grep -qx vdg-keys /sys/class/input/event*/device/name'
  tap_done
fi

# --- the edge button (QEMU 10) ---
if ! dev=$(input_dev vdg-keys); then
  tap_not_ok "input device vdg-keys exists"
  tap_diag "$(cat /sys/class/input/event*/device/name 2>&1)"
  sync_point button-armed
  tap_done
fi
tap_ok "input device vdg-keys is $dev"
start_reader "$dev" /tmp/button.ev
sync_point button-armed
press_release "gpio-keys: BTN_0 pressed and released on the host's edges on line 0" \
  /tmp/button.ev 256

# --- the level-high interrupt-only key (QEMU 10) ---
# Its interrupt's count in /proc/interrupts (summed over the CPUs).
irq_count() {
  awk '/vdg-level-key/ {
    s = 0
    for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i
    print s; found = 1 }
    END { if (!found) print -1 }' /proc/interrupts
}
key1() { vdg-evdev key "$dev" 257; }
c0=$(irq_count)
if [ "$c0" -ge 0 ] && [ "$(key1)" = 0 ]; then
  tap_ok "level key: interrupt in /proc/interrupts ($c0 so far), key up"
  tap_diag "$(grep vdg-level-key /proc/interrupts)"
else
  tap_not_ok "level key: interrupt in /proc/interrupts, key up"
  tap_diag "$(cat /proc/interrupts)"
fi
start_reader "$dev" /tmp/level.ev
sync_point level-armed
end=$(($(now_ms) + wait_s * 1000))
while [ "$(key1)" != 1 ] && [ "$(now_ms)" -lt "$end" ]; do
  sleep 0.02
done
t1=$(now_ms)
c1=$(irq_count)
sleep 1
t2=$(now_ms)
c2=$(irq_count)
fired=$((c2 - c1))
rate=$((fired * 1000 / (t2 - t1 > 0 ? t2 - t1 : 1)))
if [ "$fired" -ge 5 ] && [ "$(key1)" = 1 ]; then
  tap_ok "level key: while line 1 is high the interrupt keeps firing ($fired in $((t2 - t1)) ms, $rate/s) and the key is down"
else
  tap_not_ok "level key: while line 1 is high the interrupt keeps firing ($fired in $((t2 - t1)) ms) and the key is down"
fi
echo "# level interrupt re-fire rate: $rate per second"
# The guest stays responsive: another line's request goes through.
ta=$(now_ms)
v=$(gpioget "$chip" 5 2>&1)
tb=$(now_ms)
if [ "$v" = 0 ] && [ $((tb - ta)) -lt 2000 ]; then
  tap_ok "gpioget of line 5 during the level interrupts reads 0 ($((tb - ta)) ms)"
else
  tap_not_ok "gpioget of line 5 during the level interrupts reads 0 ([$v], $((tb - ta)) ms)"
fi
sync_point level-measured
# Until the key is released: when did the count last change?
last=$(irq_count)
last_t=$(now_ms)
end=$((last_t + wait_s * 1000))
while [ "$(now_ms)" -lt "$end" ]; do
  c=$(irq_count)
  if [ "$c" != "$last" ]; then
    last=$c
    last_t=$(now_ms)
  fi
  [ "$(key1)" = 0 ] && break
done
rel_t=$(now_ms)
c3=$(irq_count)
sleep 1
c4=$(irq_count)
if [ "$(key1)" = 0 ] && [ "$c3" = "$c4" ]; then
  tap_ok "level key: once line 1 is low the count stops ($c3, and $c4 a second later)"
else
  tap_not_ok "level key: once line 1 is low the count stops ($c3, then $c4 a second later; key $(key1))"
fi
gap=$((rel_t - last_t))
if [ "$gap" -ge 100 ] && [ "$gap" -le 2000 ]; then
  tap_ok "level key: released $gap ms after its last interrupt was seen (debounce-interval 200 ms)"
else
  tap_not_ok "level key: released $gap ms after its last interrupt was seen (debounce-interval 200 ms)"
fi
press_release "level key: BTN_1 pressed once and released once" /tmp/level.ev 257

tap_done
