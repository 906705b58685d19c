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
# Environment: QEMU (default qemu-system-x86_64), VDG_QEMU_TIMEOUT (seconds,
# default 120), VDG_CACHE_DIR (see build-guest.sh), VDG_DAEMON_WRAPPER (a
# command line the daemon runs under, e.g. valgrind's).
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
guest_script=$here/guest-gpio-basic.sh
extra_append=""
keep=${VDG_E2E_KEEP:-0}
no_device=0
daemon=""
qemu=${QEMU:-qemu-system-x86_64}
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

# tap_check DESC CMD...: ok if CMD succeeds.
tap_check() {
  local desc=$1
  shift
  if "$@"; then tap_ok "$desc"; else tap_not_ok "$desc"; fi
}

# Show the last N lines of a file as TAP diagnostics.
tap_diag_tail() {
  local file=$1 lines=$2 label=$3
  echo "# last $lines lines of $label:"
  if [[ -s $file ]]; then
    tail -n "$lines" "$file" | tr -d '\r' | sed 's/^/#   /'
  else
    echo "#   (empty)"
  fi
}

bail_out() {
  echo "Bail out! $*"
  exit 1
}

# --- temporary files and processes, always cleaned up ---
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vdg-e2e.XXXXXX")
daemon_pid=""
qemu_pid=""

cleanup() {
  # QEMU runs under timeout(1): TERM reaches QEMU through it, KILL would
  # orphan QEMU.
  if [[ -n $qemu_pid ]]; then
    kill -TERM "$qemu_pid" 2>/dev/null || true
    wait "$qemu_pid" 2>/dev/null || true
  fi
  if [[ -n $daemon_pid ]]; then
    kill -KILL "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  if [[ $keep == 1 ]]; then
    echo "# kept $tmp"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
# Turn signals into a normal exit so the EXIT trap runs.
trap 'echo "Bail out! interrupted by a signal"; exit 130' INT TERM HUP

# True while process $1 exists and is not a zombie.
process_alive() {
  [[ -e /proc/$1 ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# --- guest kernel and initramfs ---
guest=$("$here/build-guest.sh") || bail_out "could not build the guest (see stderr)"
kernel=$(sed -n 's/^KERNEL=//p' <<<"$guest")
initrd=$(sed -n 's/^INITRD=//p' <<<"$guest")
[[ -f $kernel && -f $initrd ]] || bail_out "build-guest.sh gave no kernel/initrd"

# The kernel unpacks concatenated cpio archives in order, so appending a tiny
# archive with /test.sh adds the scenario without rebuilding the cached one.
mkdir "$tmp/extra"
install -m 0755 "$guest_script" "$tmp/extra/test.sh"
(cd "$tmp/extra" && echo test.sh | cpio -o -H newc -R 0:0 --quiet) >"$tmp/extra.cpio"
cat "$initrd" "$tmp/extra.cpio" >"$tmp/initrd.cpio"

# --- daemon ---
sock=$tmp/gpio.sock0
if ((!no_device)); then
  # shellcheck disable=SC2086 # the wrapper is a command line
  ${VDG_DAEMON_WRAPPER:-} "$daemon" --socket-path="$tmp/gpio.sock" --socket-count=1 \
    --device-list=s8 </dev/null >"$tmp/daemon.log" 2>&1 &
  daemon_pid=$!
  # Bounded wait (10 s) for the listening socket; stop early if it died.
  for _ in $(seq 100); do
    [[ -S $sock ]] && break
    process_alive "$daemon_pid" || break
    sleep 0.1
  done
  if [[ -S $sock ]]; then
    tap_ok "daemon created socket gpio.sock0"
  else
    tap_not_ok "daemon created socket gpio.sock0"
    if ! process_alive "$daemon_pid"; then
      rc=0
      wait "$daemon_pid" || rc=$?
      daemon_pid=""
      echo "# the daemon exited with status $rc"
    fi
    tap_diag_tail "$tmp/daemon.log" 30 "the daemon log"
    bail_out "no daemon socket, cannot boot the guest"
  fi
fi

# --- guest run ---
# shellcheck disable=SC2054 # the commas are inside QEMU option values
qemu_args=(
  -accel tcg
  -machine q35,memory-backend=mem
  -object memory-backend-memfd,id=mem,size=256M,share=on
  -m 256M
  -nodefaults -no-user-config -display none
  -serial "file:$tmp/console.log"
  -no-reboot
  -kernel "$kernel"
  -initrd "$tmp/initrd.cpio"
  -append "console=ttyS0 quiet panic=-1 oops=panic $extra_append"
)
if ((!no_device)); then
  # shellcheck disable=SC2054 # as above
  qemu_args+=(
    -chardev "socket,id=gpio0,path=$sock"
    -device vhost-user-gpio-pci,chardev=gpio0,id=gpio0
  )
fi

echo "booting the guest (timeout ${qemu_timeout} s)" >&2
start=$SECONDS
# In the background so that a signal to this script is handled at once.
timeout "$qemu_timeout" "$qemu" "${qemu_args[@]}" \
  </dev/null >"$tmp/qemu.log" 2>&1 &
qemu_pid=$!
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=""
echo "QEMU exited with $qemu_rc after $((SECONDS - start)) s" >&2

# --- the guest's results, from the serial console ---
# Between the init's begin and end markers: TAP results are renumbered into
# ours, the plan is remembered, comments pass through. Any other console line
# becomes a comment: with `quiet` those are kernel errors and warnings (a
# failed gpio-virtio probe shows up before the begin marker).
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

# A guest that printed nothing must not pass quietly.
if ((guest_results == 0)); then
  tap_not_ok "guest reported test results"
  echo "# THE GUEST PRINTED NO TAP RESULTS: its script did not run or died"
  [[ -n $guest_end ]] && tap_diag_tail "$tmp/console.log" 30 "the console"
elif [[ $guest_plan != "$guest_results" ]]; then
  tap_not_ok "guest reported all planned results (${guest_results} of ${guest_plan:-no plan})"
else
  tap_ok "guest reported all planned results ($guest_results)"
fi
# A script that exits non-zero with every result ok hides a failure somewhere.
if [[ -n $guest_end && $guest_end != 0 ]]; then
  echo "# the guest script exited with status $guest_end"
  ((guest_failures)) || tap_not_ok "guest script exited 0"
fi

# --- daemon after the guest ---
if ((!no_device)); then
  tap_check "daemon still running after guest exit" process_alive "$daemon_pid"
  kill -TERM "$daemon_pid" 2>/dev/null || true
  # Bounded wait (5 s, 60 s under a wrapper such as valgrind, whose leak
  # check runs at exit), then SIGKILL so that a stuck daemon fails, not hangs.
  tenths=50
  [[ -z ${VDG_DAEMON_WRAPPER:-} ]] || tenths=600
  for _ in $(seq "$tenths"); do
    process_alive "$daemon_pid" || break
    sleep 0.1
  done
  if process_alive "$daemon_pid"; then
    kill -KILL "$daemon_pid" 2>/dev/null || true
  fi
  daemon_rc=0
  wait "$daemon_pid" || daemon_rc=$?
  daemon_pid=""
  if ((daemon_rc == 0)); then
    tap_ok "daemon exited 0 on SIGTERM"
  else
    tap_not_ok "daemon exited 0 on SIGTERM"
    echo "# exit status $daemon_rc (137: killed after the wait)"
  fi
  tap_check "socket file removed" test ! -e "$sock"
  if ((tap_failures)); then
    tap_diag_tail "$tmp/daemon.log" 30 "the daemon log"
  fi
fi

echo "1..$tap_n"
((tap_failures == 0))
