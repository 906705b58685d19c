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
# default 120), VDG_CACHE_DIR (see build-guest.sh), VDG_DAEMON_WRAPPER (a
# command line the daemon runs under, e.g. valgrind's).
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"
guest_script=$here/guest-gpio-basic.sh
extra_append=""
keep=${VDG_E2E_KEEP:-0}
no_device=0
daemon=""
qemu_timeout=${VDG_QEMU_TIMEOUT:-120}

usage() {
  echo "usage: $0 [--guest-script FILE] [--append WORDS] [--keep]" \
    "DAEMON_BINARY | --no-device" >&2
  exit 2
}

while (($#)); do
  case $1 in
  --guest-script)
    (($# >= 2)) || usage
    guest_script=$2
    shift 2
    ;;
  --append)
    (($# >= 2)) || usage
    extra_append=$2
    shift 2
    ;;
  --keep)
    keep=1
    shift
    ;;
  --no-device)
    no_device=1
    shift
    ;;
  -*) usage ;;
  *)
    [[ -z $daemon ]] || usage
    daemon=$1
    shift
    ;;
  esac
done
if ((no_device)); then
  [[ -z $daemon ]] || usage
  extra_append="VDG_SELFTEST=gpio-sim $extra_append"
else
  [[ -n $daemon ]] || usage
fi

# --- QEMU 7.2: this system's (Debian 12) or a Debian 12 root's (Debian 13) ---
if [[ -n ${QEMU:-} ]]; then
  qemu_cmd=("$QEMU")
  qemu_root=""
else
  qemu_select 7
fi

# --- temporary files and processes, always cleaned up ---
# Inside the Debian 12 root when QEMU runs there: $tmp on the host, $gtmp
# as QEMU sees it.
qemu_rundir vdg-e2e
tmp=$run
gtmp=$grun
e2e_traps "$tmp" "$keep"

# --- guest kernel and initramfs ---
guest_build
[[ -f $kernel && -f $initrd ]] || bail_out "build-guest.sh gave no kernel/initrd"
guest_initrd "$tmp" "$guest_script" "$initrd"
cp "$kernel" "$tmp/bzImage"

# --- daemon ---
sock=""
if ((!no_device)); then
  sock=$tmp/gpio.sock0
  daemon_start "$tmp" 30
fi

# --- guest run ---
qemu_args_vhost "$gtmp/console.log" "$gtmp/bzImage" "$gtmp/initrd.cpio" \
  "$extra_append" "${sock:+$gtmp/gpio.sock0}"
echo "QEMU: ${qemu_cmd[*]} ($("${qemu_cmd[@]}" --version | head -n 1))" >&2
qemu_run "$tmp/qemu.log" "${qemu_cmd[@]}" "${qemu_args[@]}"
guest_tap "$tmp/console.log" "$tmp/qemu.log" 30

# --- daemon after the guest ---
if ((!no_device)); then
  daemon_stop
  tap_check "socket file removed" test ! -e "$sock"
  if ((tap_failures)); then
    tap_diag_tail "$tmp/daemon.log" 30 "the daemon log"
  fi
fi

tap_done
