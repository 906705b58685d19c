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
# tests/integration/fixture.h), VDG_CACHE_DIR (see build-guest.sh).
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
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

args=()
while (($#)); do
  case $1 in
  --keep)
    keep=1
    shift
    ;;
  --filter)
    (($# >= 2)) || usage
    filter=$2
    shift 2
    ;;
  -*) usage ;;
  *)
    args+=("$1")
    shift
    ;;
  esac
done
((${#args[@]} == 2)) || usage

bail_out() {
  echo "Bail out! $*"
  exit 1
}

# The guest sees the host's files at the same absolute paths (inside its
# chroot), and receives them as kernel command line words: no spaces.
abs_binary() {
  local p
  p=$(realpath -e -- "$1" 2>/dev/null) || bail_out "$1: no such file"
  [[ -x $p ]] || bail_out "$p: not executable"
  [[ $p != *[[:space:]]* ]] || bail_out "$p: a path with spaces cannot be passed to the guest"
  printf '%s\n' "$p"
}
daemon=$(abs_binary "${args[0]}")
test_prog=$(abs_binary "${args[1]}")
[[ -z $filter || $filter != *[[:space:]]* ]] || bail_out "--filter: no spaces"

# --- TAP output ---
tap_n=0
tap_failures=0

tap_ok() {
  tap_n=$((tap_n + 1))
  echo "ok $tap_n - $1"
}

tap_not_ok() {
  tap_n=$((tap_n + 1))
  tap_failures=$((tap_failures + 1))
  echo "not ok $tap_n - $1"
}

tap_diag_tail() {
  local file=$1 lines=$2 label=$3
  echo "# last $lines lines of $label:"
  if [[ -s $file ]]; then
    tail -n "$lines" "$file" | tr -d '\r' | sed 's/^/#   /'
  else
    echo "#   (empty)"
  fi
}

# --- temporary files and QEMU, always cleaned up ---
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vdg-hostchip.XXXXXX")
qemu_pid=""

cleanup() {
  # QEMU runs under timeout(1): TERM reaches QEMU through it.
  if [[ -n $qemu_pid ]]; then
    kill -TERM "$qemu_pid" 2>/dev/null || true
    wait "$qemu_pid" 2>/dev/null || true
  fi
  if [[ $keep == 1 ]]; then
    echo "# kept $tmp"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'echo "Bail out! interrupted by a signal"; exit 130' INT TERM HUP

# --- guest kernel and initramfs ---
guest=$("$here/build-guest.sh") || bail_out "could not build the guest (see stderr)"
kernel=$(sed -n 's/^KERNEL=//p' <<<"$guest")
initrd=$(sed -n 's/^INITRD=//p' <<<"$guest")
[[ -f $kernel && -f $initrd ]] || bail_out "build-guest.sh gave no kernel/initrd"
grep -qx 'CONFIG_GPIO_SIM=y' "$(dirname "$kernel")/config" ||
  bail_out "the cached guest kernel has no CONFIG_GPIO_SIM"
grep -qx 'CONFIG_9P_FS=y' "$(dirname "$kernel")/config" ||
  bail_out "the cached guest kernel has no CONFIG_9P_FS"

# The scenario goes in as /test.sh, a one-file cpio archive appended to the
# cached one (the kernel unpacks concatenated archives in order).
mkdir "$tmp/extra"
install -m 0755 "$guest_script" "$tmp/extra/test.sh"
(cd "$tmp/extra" && echo test.sh | cpio -o -H newc -R 0:0 --quiet) >"$tmp/extra.cpio"
cat "$initrd" "$tmp/extra.cpio" >"$tmp/initrd.cpio"

# NAME=value words without a dot in NAME become the init's environment.
append="console=ttyS0 quiet panic=-1 oops=panic"
append+=" VDG_HC_DAEMON=$daemon VDG_HC_TEST=$test_prog"
append+=" VDG_TIME_SCALE=${VDG_TIME_SCALE:-1}"
[[ -z $filter ]] || append+=" VDG_HC_FILTER=$filter"

# --- guest run ---
# shellcheck disable=SC2054 # the commas are inside QEMU option values
qemu_args=(
  -accel tcg
  -machine q35
  -smp 2
  -m 512M
  -nodefaults -no-user-config -display none
  -serial "file:$tmp/console.log"
  -no-reboot
  -kernel "$kernel"
  -initrd "$tmp/initrd.cpio"
  -append "$append"
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
)

echo "booting the guest (timeout ${qemu_timeout} s)" >&2
start=$SECONDS
timeout "$qemu_timeout" "$qemu" "${qemu_args[@]}" \
  </dev/null >"$tmp/qemu.log" 2>&1 &
qemu_pid=$!
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=""
elapsed=$((SECONDS - start))
echo "QEMU exited with $qemu_rc after $elapsed s" >&2

# --- the guest's results, from the serial console ---
guest_plan=""
guest_results=0
guest_failures=0
guest_end=""
in_guest=0
while IFS= read -r line || [[ -n $line ]]; do
  line=${line%$'\r'}
  if ((!in_guest)); then
    if [[ $line == VDG-E2E-BEGIN ]]; then
      in_guest=1
    elif [[ -n $line ]]; then
      echo "# console: $line"
    fi
    continue
  fi
  if [[ $line =~ ^VDG-E2E-END\ rc=([0-9]+) ]]; then
    guest_end=${BASH_REMATCH[1]}
    break
  fi
  if [[ $line =~ ^(not\ ok|ok)([[:space:]]+[0-9]+)?([[:space:]]+-)?[[:space:]]*(.*)$ ]]; then
    guest_results=$((guest_results + 1))
    if [[ ${BASH_REMATCH[1]} == ok ]]; then
      tap_ok "guest: ${BASH_REMATCH[4]}"
    else
      tap_not_ok "guest: ${BASH_REMATCH[4]}"
      guest_failures=$((guest_failures + 1))
    fi
  elif [[ $line =~ ^1\.\.([0-9]+) ]]; then
    guest_plan=${BASH_REMATCH[1]}
  elif [[ $line == \#* ]]; then
    echo "$line"
  elif [[ -n $line ]]; then
    echo "# console: $line"
  fi
done <"$tmp/console.log"

if [[ -n $guest_end ]]; then
  tap_ok "guest finished"
else
  tap_not_ok "guest finished"
  if ((qemu_rc == 124)); then
    echo "# QEMU was killed after ${qemu_timeout} s"
  else
    echo "# QEMU exited with $qemu_rc before the guest's end marker"
  fi
  tap_diag_tail "$tmp/console.log" 30 "the console"
  tap_diag_tail "$tmp/qemu.log" 10 "QEMU's output"
fi

if ((guest_results == 0)); then
  tap_not_ok "guest reported test results"
  echo "# THE GUEST PRINTED NO TAP RESULTS: its script did not run or died"
  [[ -n $guest_end ]] && tap_diag_tail "$tmp/console.log" 30 "the console"
elif [[ $guest_plan != "$guest_results" ]]; then
  tap_not_ok "guest reported all planned results (${guest_results} of ${guest_plan:-no plan})"
else
  tap_ok "guest reported all planned results ($guest_results)"
fi
if [[ -n $guest_end && $guest_end != 0 ]]; then
  echo "# the guest script exited with status $guest_end"
  ((guest_failures)) || tap_not_ok "guest script exited 0"
fi
if ((elapsed > budget_s)); then
  echo "# the guest run took $elapsed s, over the ${budget_s} s budget"
else
  echo "# the guest run took $elapsed s (budget ${budget_s} s)"
fi

echo "1..$tap_n"
((tap_failures == 0))
