# shellcheck shell=bash
# What the end-to-end harness scripts share: run-qemu72.sh, run-qemu10.sh,
# run-hostchip.sh and run-demo.sh here, and tests/package/test-package.sh.
# They source it (`source "$here/lib.sh"`) after `set -euo pipefail`; it only
# defines functions and the variables they use.
#
#   TAP          tap_ok, tap_not_ok, tap_check, tap_diag_tail, bail_out,
#                tap_done (the plan, then exit 0 or 1)
#   processes    process_alive, term_wait, stop_process
#   exit trap    e2e_traps: stops QEMU and the daemon, removes or keeps the
#                run's directory
#   guest        guest_build (build-guest.sh's kernel and initramfs),
#                guest_initrd (the scenario added as /test.sh)
#   daemon       daemon_start, daemon_stop (with their TAP lines)
#   QEMU         qemu_select (7.2 or 10, the system's or a Debian root's),
#                qemu_rundir, qemu_args_vhost, qemu_start, qemu_wait, qemu_run
#                (under timeout(1)), guest_tap (the guest's results,
#                renumbered)

e2e_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

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

# tap_diag_tail FILE N LABEL: the last N lines of FILE as TAP diagnostics.
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

# tap_done: print the plan and exit, 0 if every test passed, else 1.
tap_done() {
  echo "1..$tap_n"
  exit $((tap_failures > 0))
}

# --- processes ---
# True while process $1 exists and is not a zombie.
process_alive() {
  [[ -e /proc/$1 ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# term_wait PID: SIGTERM to PID and wait for it, whatever happens; nothing
# if PID is empty.
term_wait() {
  [[ -n $1 ]] || return 0
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# stop_process PID SIGNAL TENTHS: send SIGNAL, wait up to TENTHS tenths of a
# second for PID to exit, then SIGKILL it, so that a stuck process fails
# rather than hangs. Its exit status is left in $stop_rc (137: killed after
# the wait).
stop_process() {
  local pid=$1
  kill -"$2" "$pid" 2>/dev/null || true
  for _ in $(seq "$3"); do
    process_alive "$pid" || break
    sleep 0.1
  done
  if process_alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  stop_rc=0
  wait "$pid" || stop_rc=$?
}

# --- the exit trap: processes and files are always cleaned up ---
qemu_pid=""
daemon_pid=""
e2e_dir=""
e2e_keep=0
e2e_hook=""

# e2e_traps DIR KEEP [HOOK]: at exit, QEMU ($qemu_pid) gets SIGTERM (it runs
# under timeout(1), which passes TERM on; KILL would orphan QEMU) and the
# daemon ($daemon_pid) SIGKILL; then the command HOOK runs, and DIR is
# removed, or kept and its path printed if KEEP is 1. INT, TERM and HUP
# become a normal exit so that this runs.
e2e_traps() {
  e2e_dir=$1
  e2e_keep=$2
  e2e_hook=${3:-}
  trap e2e_cleanup EXIT
  trap 'echo "Bail out! interrupted by a signal"; exit 130' INT TERM HUP
}

e2e_cleanup() {
  term_wait "$qemu_pid"
  if [[ -n $daemon_pid ]]; then
    kill -KILL "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  [[ -z $e2e_hook ]] || $e2e_hook
  if [[ $e2e_keep == 1 ]]; then
    echo "# kept $e2e_dir"
  else
    rm -rf --one-file-system "$e2e_dir"
  fi
}

# --- the guest's kernel and initramfs ---
# guest_build: $kernel and $initrd, build-guest.sh's cached guest (built
# first if missing, which takes minutes).
guest_build() {
  local guest
  guest=$("$e2e_lib_dir/build-guest.sh") ||
    bail_out "could not build the guest (see stderr)"
  # shellcheck disable=SC2034 # for the script
  kernel=$(sed -n 's/^KERNEL=//p' <<<"$guest")
  # shellcheck disable=SC2034 # for the script
  initrd=$(sed -n 's/^INITRD=//p' <<<"$guest")
}

# guest_initrd DIR SCRIPT INITRD: DIR/initrd.cpio, INITRD with SCRIPT added
# as /test.sh. The kernel unpacks concatenated cpio archives in order, so
# appending a one-file archive adds the scenario without rebuilding the
# cached one.
guest_initrd() {
  local dir=$1
  mkdir "$dir/extra"
  install -m 0755 "$2" "$dir/extra/test.sh"
  (cd "$dir/extra" && echo test.sh | cpio -o -H newc -R 0:0 --quiet) >"$dir/extra.cpio"
  cat "$3" "$dir/extra.cpio" >"$dir/initrd.cpio"
}

# --- the daemon ---
# daemon_start DIR N: start $daemon (under $VDG_DAEMON_WRAPPER, a command
# line, if set; with the options in $VDG_DAEMON_ARGS first, split on blanks:
# the *-poll tests set --poll-us) on DIR/gpio.sock0 with one simulated 8-line
# chip, its output in DIR/daemon.log, and wait boundedly (10 s) for the
# listening socket, stopping early if it died. TAP: "daemon created socket
# gpio.sock0" (and with --poll-us, "daemon polls"); without the socket, the
# last N lines of its log, and a bail out.
daemon_start() {
  local dir=$1 lines=$2 rc
  # shellcheck disable=SC2086,SC2154 # the wrapper is a command line; $daemon
  # is the script's
  ${VDG_DAEMON_WRAPPER:-} "$daemon" ${VDG_DAEMON_ARGS:-} --socket-path="$dir/gpio.sock" \
    --socket-count=1 --device-list=s8 </dev/null >"$dir/daemon.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 100); do
    [[ -S $dir/gpio.sock0 ]] && break
    process_alive "$daemon_pid" || break
    sleep 0.1
  done
  if [[ -S $dir/gpio.sock0 ]]; then
    tap_ok "daemon created socket gpio.sock0"
    if [[ ${VDG_DAEMON_ARGS:-} == *--poll-us=* ]]; then
      tap_check "daemon polls ($VDG_DAEMON_ARGS)" \
        grep -q "polling the rings" "$dir/daemon.log"
    fi
    return 0
  fi
  tap_not_ok "daemon created socket gpio.sock0"
  if ! process_alive "$daemon_pid"; then
    rc=0
    wait "$daemon_pid" || rc=$?
    daemon_pid=""
    echo "# the daemon exited with status $rc"
  fi
  tap_diag_tail "$dir/daemon.log" "$lines" "the daemon log"
  bail_out "no daemon socket, cannot boot the guest"
}

# daemon_stop: after the guest, the daemon still runs, and exits 0 on
# SIGTERM within 5 s (60 s under a wrapper such as valgrind, whose leak check
# runs at exit; then SIGKILL). TAP: "daemon still running after guest exit",
# "daemon exited 0 on SIGTERM".
daemon_stop() {
  local tenths=50
  [[ -z ${VDG_DAEMON_WRAPPER:-} ]] || tenths=600
  tap_check "daemon still running after guest exit" process_alive "$daemon_pid"
  stop_process "$daemon_pid" TERM "$tenths"
  daemon_pid=""
  if ((stop_rc == 0)); then
    tap_ok "daemon exited 0 on SIGTERM"
  else
    tap_not_ok "daemon exited 0 on SIGTERM"
    echo "# exit status $stop_rc (137: killed after the wait)"
  fi
}

# --- QEMU ---
# qemu_major CMD...: the major version of the QEMU that CMD runs, 0 if none.
qemu_major() {
  local v
  v=$("$@" --version 2>/dev/null |
    sed -n '1s/^QEMU emulator version \([0-9]*\)\..*/\1/p') || true
  echo "${v:-0}"
}

# qemu_select MAJOR: the QEMU of that major version (7 or 10) in $qemu_cmd
# (an array: the command that runs it) and, when it runs from a Debian root
# through chroot, that root in $qemu_root (else empty). This system's
# qemu-system-x86_64 when it is that version (7.2 on Debian 12, 10 on
# Debian 13); else the other release's from a cached root
# (debian13-root.sh on Debian 12, debian12-qemu-root.sh on Debian 13).
qemu_select() {
  local want=$1 script
  qemu_root=""
  if (($(qemu_major qemu-system-x86_64) == want)); then
    qemu_cmd=(qemu-system-x86_64)
    return 0
  fi
  case $want in
  7) script=debian12-qemu-root.sh ;;
  10) script=debian13-root.sh ;;
  *) bail_out "qemu_select: no QEMU $want" ;;
  esac
  qemu_root=$("$e2e_lib_dir/$script") ||
    bail_out "this system has no QEMU $want and $script could not build a root with it (see stderr)"
  qemu_cmd=(chroot "$qemu_root" qemu-system-x86_64)
}

# qemu_rundir NAME: a new run directory for a guest run: $run on the host,
# $grun the same directory as QEMU sees it (inside $qemu_root when QEMU runs
# there, which must hold every file QEMU opens).
qemu_rundir() {
  if [[ -n $qemu_root ]]; then
    run=$(mktemp -d "$qemu_root/run/$1-XXXXXX")
    grun=/run/${run##*/}
  else
    run=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    grun=$run
  fi
}

# qemu_args_vhost CONSOLE KERNEL INITRD APPEND [SOCKET]: $qemu_args for a
# TCG guest with 256 MB of shared memory (a memfd, which vhost-user needs),
# its console in the file CONSOLE, no reboot, kernel command line
# "console=ttyS0 quiet panic=-1 oops=panic APPEND", and with SOCKET, a
# vhost-user-gpio-pci device on it.
qemu_args_vhost() {
  # shellcheck disable=SC2054 # the commas are inside QEMU option values
  qemu_args=(
    -accel tcg
    -machine q35,memory-backend=mem
    -object memory-backend-memfd,id=mem,size=256M,share=on
    -m 256M
    -nodefaults -no-user-config -display none
    -serial "file:$1"
    -no-reboot
    -kernel "$2"
    -initrd "$3"
    -append "console=ttyS0 quiet panic=-1 oops=panic $4"
  )
  if [[ -n ${5:-} ]]; then
    # shellcheck disable=SC2054 # as above
    qemu_args+=(
      -chardev "socket,id=gpio0,path=$5"
      -device vhost-user-gpio-pci,chardev=gpio0,id=gpio0
    )
  fi
}

# qemu_start LOG CMD...: run CMD (QEMU) under timeout(1), $qemu_timeout
# seconds, in the background so that a signal to the script is handled at
# once; its output in LOG, its pid in $qemu_pid.
qemu_start() {
  local log=$1
  shift
  # shellcheck disable=SC2154 # the script's
  timeout "$qemu_timeout" "$@" </dev/null >"$log" 2>&1 &
  qemu_pid=$!
}

# qemu_wait: wait for it; its status in $qemu_rc (124: killed by timeout).
qemu_wait() {
  qemu_rc=0
  wait "$qemu_pid" || qemu_rc=$?
  qemu_pid=""
}

# qemu_run LOG CMD...: qemu_start and qemu_wait, with progress on stderr;
# the time it took in $qemu_elapsed.
qemu_run() {
  local start
  echo "booting the guest (timeout ${qemu_timeout} s)" >&2
  start=$SECONDS
  qemu_start "$@"
  qemu_wait
  qemu_elapsed=$((SECONDS - start))
  echo "QEMU exited with $qemu_rc after $qemu_elapsed s" >&2
}

# guest_tap CONSOLE QEMU_LOG N [sync]: the guest's results, from its serial
# console. Between the init's begin and end markers TAP results are
# renumbered into ours, the plan is remembered and comments pass through
# (with "sync", VDG-SYNC lines are dropped). Any other console line becomes
# a comment: with `quiet` those are kernel errors and warnings (a failed
# gpio-virtio probe shows up before the begin marker). Then the checks
# "guest finished" (QEMU's rc in $qemu_rc), "guest reported all planned
# results" and, if its script exited non-zero with every result ok, "guest
# script exited 0". On failure, N > 0 adds the last N console lines.
guest_tap() {
  local console=$1 qemu_log=$2 lines=$3 sync=${4:-} line
  local plan="" results=0 failures=0 end="" in_guest=0
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
      end=${BASH_REMATCH[1]}
      break
    fi
    if [[ $line =~ ^(not\ ok|ok)([[:space:]]+[0-9]+)?([[:space:]]+-)?[[:space:]]*(.*)$ ]]; then
      results=$((results + 1))
      if [[ ${BASH_REMATCH[1]} == ok ]]; then
        tap_ok "guest: ${BASH_REMATCH[4]}"
      else
        tap_not_ok "guest: ${BASH_REMATCH[4]}"
        failures=$((failures + 1))
      fi
    elif [[ $line =~ ^1\.\.([0-9]+) ]]; then
      plan=${BASH_REMATCH[1]}
    elif [[ -n $sync && $line == VDG-SYNC\ * ]]; then
      :
    elif [[ $line == \#* ]]; then
      echo "$line"
    elif [[ -n $line ]]; then
      echo "# console: $line"
    fi
  done <"$console"

  if [[ -n $end ]]; then
    tap_ok "guest finished"
  else
    tap_not_ok "guest finished"
    if ((qemu_rc == 124)); then
      echo "# QEMU was killed after ${qemu_timeout} s"
    else
      echo "# QEMU exited with $qemu_rc before the guest's end marker"
    fi
    ((lines == 0)) || tap_diag_tail "$console" "$lines" "the console"
    tap_diag_tail "$qemu_log" 10 "QEMU's output"
  fi

  # A guest that printed nothing must not pass quietly.
  if ((results == 0)); then
    tap_not_ok "guest reported test results"
    echo "# THE GUEST PRINTED NO TAP RESULTS: its script did not run or died"
    if [[ -n $end ]] && ((lines > 0)); then
      tap_diag_tail "$console" "$lines" "the console"
    fi
  elif [[ $plan != "$results" ]]; then
    tap_not_ok "guest reported all planned results (${results} of ${plan:-no plan})"
  else
    tap_ok "guest reported all planned results ($results)"
  fi
  # A script that exits non-zero with every result ok hides a failure somewhere.
  if [[ -n $end && $end != 0 ]]; then
    echo "# the guest script exited with status $end"
    ((failures)) || tap_not_ok "guest script exited 0"
  fi
  return 0
}
