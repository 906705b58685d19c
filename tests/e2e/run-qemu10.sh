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

# --- the host's part (lib.sh's sim, irq_host_action, on_sync) ---
host_action() {
  irq_host_action "$1" || echo "# no host action for sync point $1"
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
sync_points_check "${sync_points[@]}"
((no_device)) || sim_sets_check

# --- the guest's results, from the serial console ---
guest_tap "$console" "$run/qemu.log" 0

# --- daemon after the guest ---
if ((!no_device)); then
  daemon_stop
  tap_check "socket files gpio.sock0 and gpio.sock0.sim removed" \
    test ! -e "$sock" -a ! -e "$sim_sock"
fi

e2e_failure_tails "$((no_device ? 0 : 40))"

tap_done
