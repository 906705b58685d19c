#!/usr/bin/env bash
# End-to-end tests on an arm64 guest: the daemon (this machine's build)
# serves a simulated chip to an arm64 Linux guest on QEMU's `-M virt`
# machine (TCG, `-cpu max`), where the device is a vhost-user-gpio-device on
# a virtio-mmio transport and a device tree made from QEMU's own (dumpdtb,
# dtc) names it a GPIO controller for in-kernel consumers.
# Prints TAP on stdout (the host's checks, the guest's results renumbered,
# the host's final checks, then the plan); progress goes to stderr.
#
# Usage: run-arm64.sh [OPTIONS] --qemu 7|10 SCENARIO DAEMON SIM_CLIENT
# Scenarios:
#   basic      ../guest-gpio-basic.sh (gpiodetect, names, get, set, busy)
#   irq        ../guest-gpio-irq.sh (gpiomon; QEMU 10), the host's part
#              as in ../run-qemu10.sh
#   consumers  guest-consumers.sh: gpio-keys-polled and gpio-leds (both
#              QEMUs); with QEMU 10 also gpio-keys with an edge button and a
#              level-high interrupt-only key (dt/*.dtsi)
# Options:
#   --keep          keep the run directory and print its path (also
#                   VDG_E2E_KEEP=1)
#   --append WORDS  extra kernel command line words (NAME=value words become
#                   the guest script's environment)
# Environment: VDG_QEMU_TIMEOUT (seconds, default 240), VDG_EDGE_GAP
# (seconds between two host-made edges, default 0.5), VDG_CACHE_DIR (see
# build-guest.sh), VDG_DAEMON_WRAPPER (as in ../lib.sh).
#
# QEMU: this system's qemu-system-aarch64 when it is the version asked for
# (7.2 on Debian 12, 10 on Debian 13), else the other release's from a
# cached root through chroot (debian-arm-root.sh 13|12).
# Host and guest meet as in ../run-qemu10.sh: the guest prints
# "VDG-SYNC <name>" on its console, this script polls the console file and
# acts on each new one; when the guest must wait for the host, the host
# answers by flipping line 7 (the guest polls it with gpioget).
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/../lib.sh"
keep=${VDG_E2E_KEEP:-0}
extra_append=""
qemu_want=""
qemu_timeout=${VDG_QEMU_TIMEOUT:-240}
edge_gap=${VDG_EDGE_GAP:-0.5}
# The virtio-mmio transport the device is pinned to, and its node in the
# device tree (dt/virtio-gpio.dtsi names it).
mmio_bus=31
mmio_node=virtio_mmio@a003e00

usage() {
  echo "usage: $0 [--keep] [--append WORDS] --qemu 7|10" \
    "basic|irq|consumers DAEMON_BINARY SIM_CLIENT_BINARY" >&2
  exit 2
}

e2e_parse_options 'qemu=qemu_want append=extra_append keep:keep=1' "$@"
((${#e2e_args[@]} == 3)) || usage
[[ $qemu_want == 7 || $qemu_want == 10 ]] || usage
scenario=${e2e_args[0]}
daemon=$(realpath "${e2e_args[1]}")
sim_client=$(realpath "${e2e_args[2]}")

dt_fragments=("$here/dt/virtio-gpio.dtsi")
case $scenario in
basic)
  guest_script=$here/../guest-gpio-basic.sh
  sync_points=()
  ;;
irq)
  ((qemu_want == 10)) || bail_out "the irq scenario needs QEMU 10"
  guest_script=$here/../guest-gpio-irq.sh
  sync_points=(out3-held out3-released mon1-armed mon2-armed mon3-armed
    mon4-armed)
  ;;
consumers)
  guest_script=$here/guest-consumers.sh
  dt_fragments+=("$here/dt/consumers-polled.dtsi")
  sync_points=(leds-probed led-on led-off led-blink-start led-blink-stop
    polled-armed)
  if ((qemu_want == 10)); then
    dt_fragments+=("$here/dt/consumers-irq.dtsi")
    sync_points+=(button-armed level-armed level-measured)
    extra_append="VDG_ARM64_IRQ=1 $extra_append"
  fi
  ;;
*) usage ;;
esac

# --- QEMU: arm64_qemu_select MAJOR, as ../lib.sh's qemu_select ---
arm64_qemu_select() {
  local want=$1 release
  qemu_root=""
  if (($(qemu_major qemu-system-aarch64) == want)); then
    qemu_cmd=(qemu-system-aarch64)
    return 0
  fi
  release=13
  ((want == 10)) || release=12
  qemu_root=$("$here/debian-arm-root.sh" "$release") ||
    bail_out "this system has no qemu-system-aarch64 $want and debian-arm-root.sh $release could not build a root with it (see stderr)"
  qemu_cmd=(chroot "$qemu_root" qemu-system-aarch64)
}
arm64_qemu_select "$qemu_want"

guest=$("$here/build-guest.sh") || bail_out "could not build the arm64 guest (see stderr)"
kernel=$(sed -n 's/^KERNEL=//p' <<<"$guest")
initrd=$(sed -n 's/^INITRD=//p' <<<"$guest")
[[ -f $kernel && -f $initrd ]] || bail_out "no arm64 guest kernel/initrd"

qemu_rundir vdg-arm64
console=$run/console.log
host_log=$run/host.log
watch_log=$run/watch.log
watch_pid=""
# shellcheck disable=SC2317 # run by the exit trap
stop_watch() {
  [[ -z $watch_pid ]] || kill "$watch_pid" 2>/dev/null || true
}
e2e_traps "$run" "$keep" stop_watch

start_time=$SECONDS
hlog() {
  printf '+%3d s  %s\n' "$((SECONDS - start_time))" "$*" >>"$host_log"
}

# The kernel (an arm64 Image, whatever guest_files names it) and the
# initramfs with the scenario and guest-lib.sh, tap.sh.
guest_files "$run" "$guest_script"

# The machine, as both dumpdtb and the boot see it: the device tree QEMU
# makes depends on the machine, the CPU and the memory, not on the devices
# plugged into its virtio-mmio transports (all 32 are always in it).
# pauth-impdef: -cpu max's pointer authentication with an implementation
# defined algorithm, much faster under TCG than the architected QARMA.
# shellcheck disable=SC2054 # the commas are inside QEMU option values
machine=(
  -accel tcg
  -machine virt,memory-backend=mem
  -cpu max,pauth-impdef=on
  -object memory-backend-memfd,id=mem,size=256M,share=on
  -m 256M
  -nodefaults -no-user-config -display none
)

# --- the device tree: QEMU's own plus the fragments ---
make_dtb() {
  "${qemu_cmd[@]}" "${machine[@]}" -machine "dumpdtb=$grun/virt.dtb" \
    >"$run/dumpdtb.log" 2>&1 || return 1
  {
    dtc -q -I dtb -O dts "$run/virt.dtb"
    cat "${dt_fragments[@]}"
  } >"$run/guest.dts" &&
    dtc -q -I dts -O dtb -o "$run/guest.dtb" "$run/guest.dts" 2>"$run/dtc.log"
}
if make_dtb; then
  tap_ok "device tree made from QEMU's (dumpdtb) with $(basename -a "${dt_fragments[@]}" | tr '\n' ' ')"
else
  tap_not_ok "device tree made from QEMU's (dumpdtb) with the fragments"
  tap_diag_tail "$run/dumpdtb.log" 5 "QEMU's output"
  [[ ! -f $run/dtc.log ]] || tap_diag_tail "$run/dtc.log" 10 "dtc's output"
  bail_out "no device tree"
fi
grep -q "$mmio_node {" "$run/guest.dts" ||
  bail_out "QEMU's device tree has no $mmio_node"

# --- daemon ---
sock=$run/gpio.sock0
sim_sock=$sock.sim
((${#sim_sock} <= 107)) ||
  bail_out "socket path too long (${#sim_sock} > 107): $sim_sock; set VDG_CACHE_DIR to a shorter directory"
daemon_start "$run" 40
for _ in $(seq 20); do
  [[ -S $sim_sock ]] && break
  sleep 0.1
done
tap_check "daemon created the control socket gpio.sock0.sim" test -S "$sim_sock"

# Every change of a line the daemon reports, with this machine's time, for
# the whole run (the LED's levels are read from it).
"$sim_client" "$sim_sock" watch 2>&1 | while IFS= read -r line; do
  printf '%s %s\n' "$EPOCHREALTIME" "$line"
done >"$watch_log" &
watch_pid=$!

# --- the host's part (lib.sh's sim, irq_host_action, on_sync) ---
# The guest waits on line 7 for the host: each answer flips it.
ack_level=0
ack() {
  ack_level=$((1 - ack_level))
  sim_set 7 "$ack_level"
}

# watch_mark: the number of lines in the watch log now.
watch_mark() { wc -l <"$watch_log"; }
# watch_until MARK REGEX SECONDS: a watch line after line MARK matches
# REGEX (on the line without its time stamp) within SECONDS.
watch_until() {
  local mark=$1 re=$2 tries=$(($3 * 10))
  while ((tries-- > 0)); do
    tail -n "+$((mark + 1))" "$watch_log" | cut -d' ' -f2- | grep -qE "$re" &&
      return 0
    sleep 0.1
  done
  return 1
}

# The LED's blinking, read from the watch log between two marks: the
# period between rising edges of line 3 (the trigger was set to 100 ms on,
# 100 ms off: 200 ms).
blink_set_ms=200
blink_report() {
  local from=$1 to=$2 stats
  stats=$(sed -n "$((from + 1)),${to}p" "$watch_log" | awk '
    $2 == 3 && $3 == "out" {
      if ($4 == 1 && last != 1) { r[n++] = $1 }
      last = $4; changes++
    }
    END {
      if (n < 3) { printf "%d %d 0 0 0\n", changes, n; exit }
      for (i = 1; i < n; i++) p[i] = (r[i] - r[i - 1]) * 1000
      # sort the n-1 periods (insertion sort) for the median
      for (i = 2; i < n; i++) {
        v = p[i]; j = i - 1
        while (j >= 1 && p[j] > v) { p[j + 1] = p[j]; j-- }
        p[j + 1] = v
      }
      printf "%d %d %.0f %.0f %.0f\n", changes, n, p[int(n / 2)], p[1], p[n - 1]
    }')
  read -r blink_changes blink_rises blink_median blink_min blink_max <<<"$stats"
  echo "# LED blink: $blink_changes level changes, $blink_rises rising," \
    "period median ${blink_median} ms (min $blink_min, max $blink_max)," \
    "set ${blink_set_ms} ms"
  ((blink_rises >= 5 && blink_median >= blink_set_ms / 2 &&
    blink_median <= blink_set_ms * 3 / 2))
}

blink_mark=0
host_action() {
  local t0 t1 worst
  # irq: ../run-qemu10.sh's host part.
  ! irq_host_action "$1" || return 0
  case $1 in
  # --- consumers ---
  leds-probed)
    # gpio-leds made line 3 an output at its default state, off.
    if sim_get_until 3 '^3 out 0$' 5; then
      tap_ok "host: gpio-leds holds line 3 as an output at 0 ('3 out 0')"
    else
      tap_not_ok "host: gpio-leds holds line 3 as an output at 0 ('3 out 0')"
      echo "# last answer to 'get 3': [$sim_out]"
    fi
    sim_get_until 2 '^2 in 0$' 5 &&
      tap_ok "host: gpio-keys-polled holds line 2 as an input ('2 in 0')" ||
      tap_not_ok "host: gpio-keys-polled holds line 2 as an input (got [$sim_out])"
    ack
    ;;
  led-on | led-off)
    local want=1
    [[ $1 == led-on ]] || want=0
    if watch_until "$mark_before_led" "^3 out $want\$" 5; then
      tap_ok "host: watch shows line 3 at $want after the guest's brightness $want"
    else
      tap_not_ok "host: watch shows line 3 at $want after the guest's brightness $want"
    fi
    mark_before_led=$(watch_mark)
    ack
    ;;
  led-blink-start) blink_mark=$(watch_mark) ;;
  led-blink-stop)
    if blink_report "$blink_mark" "$(watch_mark)"; then
      tap_ok "host: watch shows the LED blinking with the timer trigger's period (${blink_median} ms, set ${blink_set_ms} ms)"
    else
      tap_not_ok "host: watch shows the LED blinking with the timer trigger's period (${blink_median:-?} ms, set ${blink_set_ms} ms)"
    fi
    ack
    ;;
  polled-armed) edges 2 1 2 0 ;;
  button-armed) edges 0 1 0 0 ;;
  level-armed)
    # The line goes high and stays: the level interrupt keeps firing. The
    # daemon must keep answering meanwhile.
    sim_set 1 1
    worst=0
    for _ in 1 2 3 4 5; do
      sleep 0.2
      t0=${EPOCHREALTIME/./}
      sim get 1 || true
      t1=${EPOCHREALTIME/./}
      (((t1 - t0) / 1000 > worst)) && worst=$(((t1 - t0) / 1000))
      [[ $sim_out == '1 in 1' ]] || break
    done
    if [[ $sim_out == '1 in 1' ]] && ((worst < 2000)); then
      tap_ok "host: the daemon answers 'get 1' during the level interrupts (slowest ${worst} ms)"
    else
      tap_not_ok "host: the daemon answers 'get 1' during the level interrupts ([$sim_out], slowest ${worst} ms)"
    fi
    ;;
  level-measured) sim_set 1 0 ;;
  *) echo "# no host action for sync point $1" ;;
  esac
}
mark_before_led=0

# --- the guest ---
# shellcheck disable=SC2054 # the commas are inside QEMU option values
qemu_args=(
  "${machine[@]}"
  -serial stdio
  -no-reboot
  -kernel "$grun/bzImage"
  -initrd "$grun/initrd.cpio"
  -dtb "$grun/guest.dtb"
  -append "console=ttyAMA0 quiet panic=-1 oops=panic $extra_append"
  -chardev "socket,id=gpio0,path=$grun/gpio.sock0"
  -device "vhost-user-gpio-device,chardev=gpio0,id=gpio0,bus=virtio-mmio-bus.$mmio_bus"
)
hlog "starting QEMU"
on_guest_sync=on_sync
qemu_run "$console" "$run/qemu.log" "${qemu_cmd[@]}" "${qemu_args[@]}"
sync_points_check "${sync_points[@]}"
hlog "QEMU exited with $qemu_rc"
echo "# the guest ran $qemu_elapsed s"

((!sim_sets)) || sim_sets_check

guest_tap "$console" "$run/qemu.log" 0

daemon_stop
tap_check "socket files gpio.sock0 and gpio.sock0.sim removed" \
  test ! -e "$sock" -a ! -e "$sim_sock"

e2e_failure_tails 20
tap_done
