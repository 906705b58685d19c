#!/usr/bin/env bash
# End-to-end test of the host character-device back-end: the daemon serves
# real kernel GPIO chips (gpio-sim) inside a QEMU 7.2 guest (TCG), driven by
# the project's integration test program tests/integration/test_cdev.c.
#
# This machine's kernel has no GPIO chips and no gpio-sim; the cached guest
# kernel (build-guest.sh) has both. The host's root is shared read-only with
# the guest over 9p, so the guest runs the host's build of the daemon and of
# the test program, with the host's shared libraries, in a chroot
# (guest-hostchip.sh). No vhost-user device is involved: inside the guest the
# test program plays the VMM through the daemon's socket.
#
# Prints TAP on stdout (the guest's results renumbered, then this script's
# own checks, then the plan); progress goes to stderr.
#
# Usage: run-hostchip.sh [--keep] [--filter PATTERN] DAEMON_BINARY TEST_CDEV_BINARY
#   --keep            keep the temporary directory (console.log, qemu.log)
#                     and print its path; also VDG_E2E_KEEP=1
#   --filter PATTERN  run only the test_cdev tests matching the cmocka
#                     pattern (e.g. 'test_busy*'); also VDG_HC_FILTER
# Environment: QEMU (default qemu-system-x86_64), VDG_QEMU_TIMEOUT (seconds,
# default 300), VDG_TIME_SCALE (passed to the test program, see
# tests/integration/fixture.h), VDG_CACHE_DIR (see build-guest.sh),
# VDG_DAEMON_WRAPPER (the daemon runs under it inside the guest, e.g.
# valgrind's command line; arguments must not contain '+'), VDG_HC_TIMEOUT
# (seconds the test program may run in the guest, default 240).
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"
guest_script=$here/guest-hostchip.sh
keep=${VDG_E2E_KEEP:-0}
filter=${VDG_HC_FILTER:-}
qemu=${QEMU:-qemu-system-x86_64}
qemu_timeout=${VDG_QEMU_TIMEOUT:-300}
# The guest run should stay well under this; slower is reported, not failed.
budget_s=120

usage() {
  echo "usage: $0 [--keep] [--filter PATTERN] DAEMON_BINARY TEST_CDEV_BINARY" >&2
  exit 2
}

e2e_parse_options 'keep:keep=1 filter=filter' "$@"
((${#e2e_args[@]} == 2)) || usage

# The guest sees the host's files at the same absolute paths (inside its
# chroot), and receives them as kernel command line words: no spaces.
abs_binary() {
  local p
  p=$(realpath -e -- "$1" 2>/dev/null) || bail_out "$1: no such file"
  [[ -x $p ]] || bail_out "$p: not executable"
  [[ $p != *[[:space:]]* ]] || bail_out "$p: a path with spaces cannot be passed to the guest"
  printf '%s\n' "$p"
}
daemon=$(abs_binary "${e2e_args[0]}")
test_prog=$(abs_binary "${e2e_args[1]}")
[[ -z $filter || $filter != *[[:space:]]* ]] || bail_out "--filter: no spaces"

# --- temporary files and QEMU, always cleaned up; the guest's files ---
qemu_rundir vdg-hostchip
e2e_traps "$run" "$keep"
guest_build || bail_out "no guest kernel and initramfs (see stderr)"
grep -qx 'CONFIG_GPIO_SIM=y' "$(dirname "$kernel")/config" ||
  bail_out "the cached guest kernel has no CONFIG_GPIO_SIM"
grep -qx 'CONFIG_9P_FS=y' "$(dirname "$kernel")/config" ||
  bail_out "the cached guest kernel has no CONFIG_9P_FS"

guest_files "$run" "$guest_script"

# NAME=value words without a dot in NAME become the init's environment.
append="VDG_HC_DAEMON=$daemon VDG_HC_TEST=$test_prog"
append+=" VDG_TIME_SCALE=${VDG_TIME_SCALE:-1}"
[[ -z $filter ]] || append+=" VDG_HC_FILTER=$filter"
[[ -z ${VDG_HC_TIMEOUT:-} ]] || append+=" VDG_HC_TIMEOUT=$VDG_HC_TIMEOUT"
# The wrapper (valgrind's command line) crosses the kernel command line as
# one word: its blanks become '+', which none of its arguments contain.
if [[ -n ${VDG_DAEMON_WRAPPER:-} ]]; then
  wrapper_word=$(printf '%s' "$VDG_DAEMON_WRAPPER" | tr -s ' ' '+')
  append+=" VDG_HC_WRAPPER=$wrapper_word"
fi

# --- guest run ---
qemu_args_guest "$run/bzImage" "$run/initrd.cpio" "$append"
# shellcheck disable=SC2054 # the commas are inside QEMU option values
qemu_args+=(
  -machine q35
  -smp 2
  -m 512M
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
)
qemu_run "$run/console.log" "$run/qemu.log" "$qemu" "${qemu_args[@]}"
guest_tap "$run/console.log" "$run/qemu.log" 30
if ((qemu_elapsed > budget_s)); then
  echo "# the guest run took $qemu_elapsed s, over the ${budget_s} s budget"
else
  echo "# the guest run took $qemu_elapsed s (budget ${budget_s} s)"
fi

tap_done
