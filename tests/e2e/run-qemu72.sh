#!/usr/bin/env bash
# End-to-end test: the daemon serves a simulated GPIO chip to a Linux guest
# booted by QEMU 7.2 (TCG); the guest drives it with the libgpiod tools.
# Prints TAP on stdout (the guest's results renumbered, then the harness's own
# checks, then the plan); logs and progress go to stderr.
#
# Usage: run-qemu72.sh [OPTIONS] DAEMON_BINARY
#        run-qemu72.sh [OPTIONS] --no-device
# Options:
#   --guest-script FILE  in-guest test script (default: guest-gpio-basic.sh)
#   --append WORDS       extra kernel command line words; NAME=value words
#                        become environment variables of the guest script
#   --keep               keep the temporary directory (logs, console) and
#                        print its path; also VDG_E2E_KEEP=1
#   --no-device          debugging only: no daemon and no vhost-user device;
#                        the guest script tests an in-guest gpio-sim chip
#                        instead, which checks the guest and this harness
# Environment: QEMU (a QEMU binary; default: QEMU 7.2, this system's
# qemu-system-x86_64 on Debian 12, from debian12-qemu-root.sh's root through
# chroot where the system's is another version), VDG_QEMU_TIMEOUT (seconds,
# default 120), VDG_CACHE_DIR (see build-guest.sh), VDG_KERNEL and
# VDG_INITRD (debugging: these files instead of build-guest.sh's),
# VDG_DAEMON_WRAPPER (a command line the daemon runs under, e.g.
# valgrind's).
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"
guest_script=$here/guest-gpio-basic.sh
daemon=""
qemu_timeout=${VDG_QEMU_TIMEOUT:-120}

usage() {
  echo "usage: $0 [--guest-script FILE] [--append WORDS] [--keep]" \
    "DAEMON_BINARY | --no-device" >&2
  exit 2
}

e2e_options 1 "$@"
((no_device)) || daemon=${e2e_args[0]}

# --- QEMU 7.2: this system's (Debian 12) or a Debian 12 root's (Debian 13),
# the run directory (inside that root when QEMU runs there: $run on the
# host, $grun as QEMU sees it), the guest's files ---
qemu_select 7 || bail_out "no QEMU 7.2 (see stderr)"
qemu_rundir vdg-e2e
e2e_traps "$run" "$keep"
guest_build || bail_out "no guest kernel and initramfs (see stderr)"
guest_files "$run" "$guest_script"

# --- daemon ---
sock=""
if ((!no_device)); then
  sock=$run/gpio.sock0
  daemon_start "$run" 30
fi

# --- guest run ---
qemu_args_guest "$grun/bzImage" "$grun/initrd.cpio" "$extra_append"
qemu_args_vhost "${sock:+$grun/gpio.sock0}"
qemu_run "$run/console.log" "$run/qemu.log" "${qemu_cmd[@]}" "${qemu_args[@]}"
guest_tap "$run/console.log" "$run/qemu.log" 30

# --- daemon after the guest ---
if ((!no_device)); then
  daemon_stop
  tap_check "socket file removed" test ! -e "$sock"
  if ((tap_failures)); then
    tap_diag_tail "$run/daemon.log" 30 "the daemon log"
  fi
fi

tap_done
