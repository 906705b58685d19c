#!/usr/bin/env bash
# shellcheck disable=SC2317 # the host's part is called back by qemu_run
# End-to-end test of guest interrupts: the daemon serves a simulated GPIO chip
# to a Linux guest booted by QEMU 10 (Debian 13's, run from a cached trixie
# root with chroot, TCG), which passes VIRTIO_GPIO_F_IRQ through. The host
# drives the chip's input lines with the control client while the guest
# watches them with gpiomon, and reads back the output the guest drives.
# Prints TAP on stdout (the host's checks made during the run, the guest's
# results renumbered, the host's final checks, then the plan); progress goes
# to stderr.
#
# Usage: run-qemu10.sh [OPTIONS] DAEMON_BINARY SIM_CLIENT_BINARY
#        run-qemu10.sh [OPTIONS] --no-device
# Options:
#   --guest-script FILE  in-guest test script (default: guest-gpio-irq.sh)
#   --append WORDS       extra kernel command line words; NAME=value words
#                        become environment variables of the guest script
#   --keep               keep the run directory (logs, console) inside the
#                        root and print its path; also VDG_E2E_KEEP=1
#   --no-device          debugging only: no daemon and no vhost-user device;
#                        the guest script tests an in-guest gpio-sim chip and
#                        plays the host's part itself; the host only follows
#                        the sync points, which checks the guest, QEMU 10 and
#                        this harness
# Environment: QEMU (a QEMU binary instead of QEMU 10), VDG_QEMU_TIMEOUT
# (seconds, default 180), VDG_EDGE_GAP (seconds between two host-made edges,
# default 0.5), VDG_CACHE_DIR (see build-guest.sh), VDG_KERNEL and VDG_INITRD
# (debugging: use these files instead of build-guest.sh's),
# VDG_DAEMON_WRAPPER (a command line the daemon runs under, e.g. valgrind's).
#
# How host and guest meet: the guest prints "VDG-SYNC <name>" on its serial
# console when it is ready for the host (e.g. gpiomon holds the interrupt)
# and waits; lib.sh's qemu_run reads the console as it comes and this script
# acts on each sync point there and then (see guest-gpio-irq.sh for the
# list). The guest bounds its own waits, so a missing host action fails a
# check, never hangs; QEMU runs under timeout.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"
guest_script=$here/guest-gpio-irq.sh
daemon=""
sim_client=""
qemu_timeout=${VDG_QEMU_TIMEOUT:-180}
edge_gap=${VDG_EDGE_GAP:-0.5}

usage() {
  echo "usage: $0 [--guest-script FILE] [--append WORDS] [--keep]" \
    "DAEMON_BINARY SIM_CLIENT_BINARY | --no-device" >&2
  exit 2
}

e2e_options 2 "$@"
# The sync points the default guest script must reach, in order; a script
# given with --guest-script may use any of them or none.
sync_points=(out3-held out3-released mon1-armed mon2-armed mon3-armed
  mon4-armed)
[[ $guest_script == "$here/guest-gpio-irq.sh" ]] || sync_points=()
if ((!no_device)); then
  daemon=$(realpath "${e2e_args[0]}")
  sim_client=$(realpath "${e2e_args[1]}")
fi

# --- QEMU 10 (this system's on Debian 13, else the Debian 13 root's), the
# run directory (inside that root when QEMU runs there: $run on the host,
# $grun as QEMU sees it), the guest's files ---
qemu_select 10 || bail_out "no QEMU 10 (see stderr)"
qemu_rundir vdg
console=$run/console.log
host_log=$run/host.log
e2e_traps "$run" "$keep"
guest_build || bail_out "no guest kernel and initramfs (see stderr)"
guest_files "$run" "$guest_script"

start_time=$SECONDS
# The host's timeline, shown when something fails.
hlog() {
  printf '+%3d s  %s\n' "$((SECONDS - start_time))" "$*" >>"$host_log"
}

# --- daemon ---
sock=$run/gpio.sock0
sim_sock=$sock.sim
# sun_path holds 107 bytes and a NUL.
((${#sim_sock} <= 107)) ||
  bail_out "socket path too long (${#sim_sock} > 107): $sim_sock; set VDG_CACHE_DIR to a shorter directory"
if ((!no_device)); then
  daemon_start "$run" 40
  # Without it the host cannot act; the guest still runs and shows what
  # works.
  tap_check "daemon created the control socket gpio.sock0.sim" test -S "$sim_sock"
fi

# --- control client ---
# sim ARGS...: run the control client; its output (stdout and stderr, one
# line) is left in $sim_out, its status is returned. A poll repeating the
# previous `get` and its answer is not logged again.
sim_out=""
sim_last=""
sim() {
  local rc=0 entry
  sim_out=$(timeout 10 "$sim_client" "$sim_sock" "$@" 2>&1) || rc=$?
  sim_out=${sim_out//$'\n'/ | }
  entry="sim $* -> [$sim_out] status $rc"
  [[ $1 == get && $entry == "$sim_last" ]] || hlog "$entry"
  sim_last=$entry
  return "$rc"
}

# sim_set LINE VALUE: drive a simulated input; it must answer "ok".
sim_sets=0
sim_set_errors=()
sim_set() {
  sim_sets=$((sim_sets + 1))
  if ! sim set "$1" "$2" || [[ $sim_out != ok ]]; then
    sim_set_errors+=("set $1 $2: [$sim_out]")
  fi
}

# sim_get_until LINE REGEX SECONDS: poll `get LINE` every 0.1 s until its
# output matches REGEX.
sim_get_until() {
  local line=$1 re=$2 tries=$(($3 * 10))
  while ((tries-- > 0)); do
    sim get "$line" && [[ $sim_out =~ $re ]] && return 0
    sleep 0.1
  done
  return 1
}

# edges LINE VALUE [LINE VALUE...]: drive the lines in turn, $edge_gap apart.
edges() {
  while (($# >= 2)); do
    sim_set "$1" "$2"
    shift 2
    sleep "$edge_gap"
  done
}

# The host's part at each sync point.
host_action() {
  case $1 in
  out3-held)
    # The guest holds line 3 high until we answer on line 7.
    if sim_get_until 3 '^3 out 1$' 5; then
      tap_ok "control client reads '3 out 1' while the guest drives line 3"
    else
      tap_not_ok "control client reads '3 out 1' while the guest drives line 3"
      echo "# last answer to 'get 3': [$sim_out]"
    fi
    sim_set 7 1
    ;;
  out3-released)
    # gpio-virtio's free() sets the direction to NONE when gpioset exits.
    if sim_get_until 3 '^3 none [01]$' 5; then
      tap_ok "control client reads line 3 as released ('none') after gpioset exits"
    else
      tap_not_ok "control client reads line 3 as released ('none') after gpioset exits"
      echo "# last answer to 'get 3': [$sim_out]"
    fi
    sim_set 7 0
    ;;
  mon1-armed | mon2-armed) edges 1 1 1 0 1 1 1 0 ;;
  mon3-armed) edges 2 1 5 1 2 0 5 0 ;;
  mon4-armed)
    # A played pattern: 20 edges on line 4, timed by the daemon, 130 to
    # 170 ms apart (k * 150 ms + (k mod 3) * 20 ms): wider than the
    # lateness of a daemon under valgrind (up to 90 ms seen), which would
    # apply two late edges as one instant the guest sees as one.
    local k script=$run/play4.txt rc=0
    for ((k = 0; k < 20; k++)); do
      echo "$((k * 150 + k % 3 * 20))ms 4 $(((k + 1) % 2))"
    done >"$script"
    sim_out=$(timeout 20 "$sim_client" "$sim_sock" play "$script" 2>&1) || rc=$?
    hlog "sim play $script -> [$sim_out] status $rc"
    tap_check "control client played 20 edges into line 4 ($sim_out)" \
      test "$rc" = 0
    ;;
  *) echo "# no host action for sync point $1" ;;
  esac
}

# on_sync NAME: the guest reached sync point NAME (qemu_run calls it).
synced=()
on_sync() {
  synced+=("$1")
  hlog "guest reached sync point $1"
  tap_ok "guest reached sync point $1"
  if ! process_alive "$qemu_pid"; then
    echo "# QEMU had exited: no host action for $1"
  elif ((!no_device)); then
    host_action "$1"
  fi
}

# --- guest run ---
vhost_sock=""
((no_device)) || vhost_sock=$grun/gpio.sock0
qemu_args_guest "$grun/bzImage" "$grun/initrd.cpio" "$extra_append"
qemu_args_vhost "$vhost_sock"
hlog "starting QEMU"
on_guest_sync=on_sync
qemu_run "$console" "$run/qemu.log" "${qemu_cmd[@]}" "${qemu_args[@]}"
hlog "QEMU exited with $qemu_rc"
# The default scenario must have gone through all its sync points in order.
if ((${#sync_points[@]})); then
  if [[ ${synced[*]} == "${sync_points[*]}" ]]; then
    tap_ok "guest went through the sync points ${sync_points[*]}"
  else
    tap_not_ok "guest went through the sync points ${sync_points[*]}"
    echo "# seen: ${synced[*]:-none}"
  fi
fi

if ((!no_device)); then
  if ((${#sim_set_errors[@]} == 0)); then
    tap_ok "control client answered 'ok' to all $sim_sets set commands"
  else
    tap_not_ok "control client answered 'ok' to all $sim_sets set commands"
    printf '# %s\n' "${sim_set_errors[@]}"
  fi
fi

# --- the guest's results, from the serial console ---
guest_tap "$console" "$run/qemu.log" 0

# --- daemon after the guest ---
if ((!no_device)); then
  daemon_stop
  tap_check "socket files gpio.sock0 and gpio.sock0.sim removed" \
    test ! -e "$sock" -a ! -e "$sim_sock"
fi

if ((tap_failures)); then
  tap_diag_tail "$console" 40 "the console"
  tap_diag_tail "$host_log" 40 "the host's timeline"
  ((no_device)) || tap_diag_tail "$run/daemon.log" 40 "the daemon log"
fi

tap_done
