# shellcheck shell=bash
# What the end-to-end harness scripts share: run-qemu72.sh, run-qemu10.sh,
# run-hostchip.sh and run-demo.sh here, tests/package/test-package.sh,
# tests/fresh/run-fresh.sh and scripts/run. They source it (`source
# "$here/lib.sh"`) after `set -euo pipefail`; it only defines functions and
# the variables they use.
#
#   TAP          tap.sh's: tap_ok, tap_not_ok, tap_check, tap_diag_tail,
#                bail_out, tap_done, ...
#   processes    process_alive, term_wait, stop_process
#   exit trap    e2e_traps: stops QEMU and the daemon, removes or keeps the
#                run's directory
#   options      e2e_options (the guest scenarios' command line),
#                e2e_parse_options (any harness's options)
#   guest        guest_build (build-guest.sh's kernel and initramfs),
#                guest_files (those with the scenario added as /test.sh)
#   daemon       daemon_launch; daemon_start, daemon_stop (with their TAP
#                lines)
#   QEMU         qemu_select (7.2 or 10, the system's or a Debian root's),
#                qemu_rundir, qemu_args_guest, qemu_args_vhost, qemu_run
#                (under timeout(1); the guest's console as it comes, and the
#                host's part at each sync point), guest_tap (the guest's
#                results, renumbered)
#   host's part  sim, sim_set, sim_get_until, edges (the control client),
#                irq_host_action (guest-gpio-irq.sh's sync points), on_sync,
#                sync_points_check, sim_sets_check, e2e_failure_tails

e2e_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/tap.sh
source "$e2e_lib_dir/tap.sh"

# e2e_log TEXT: progress, on stderr (scripts/run, whose transcript says it
# its own way, defines it away).
e2e_log() {
  echo "$*" >&2
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
# daemon ($daemon_pid) SIGKILL; then the command HOOK runs, with the exit
# status as its argument, and DIR is removed, or kept and its path printed
# if KEEP is 1. INT, TERM and HUP become a normal exit so that this runs.
e2e_traps() {
  e2e_dir=$1
  e2e_keep=$2
  e2e_hook=${3:-}
  trap e2e_cleanup EXIT
  trap 'echo "Bail out! interrupted by a signal"; exit 130' INT TERM HUP
}

e2e_cleanup() {
  local rc=$?
  term_wait "$qemu_pid"
  if [[ -n $daemon_pid ]]; then
    kill -KILL "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  [[ -z $e2e_hook ]] || $e2e_hook "$rc"
  if [[ $e2e_keep == 1 ]]; then
    echo "# kept $e2e_dir"
  else
    rm -rf --one-file-system "$e2e_dir"
  fi
}

# --- the command line of the guest scenarios ---
# e2e_options N ARG...: the command line run-qemu72.sh and run-qemu10.sh
# share: options --guest-script FILE, --append WORDS, --keep and --no-device
# into $guest_script (the script sets the default), $extra_append, $keep
# (default $VDG_E2E_KEEP, else 0) and $no_device (which adds
# VDG_SELFTEST=gpio-sim to $extra_append), and N more arguments (none with
# --no-device) into $e2e_args; else `usage` (the script's).
# shellcheck disable=SC2034 # guest_script, keep: the script's
e2e_options() {
  local n=$1
  shift
  e2e_args=()
  extra_append=""
  keep=${VDG_E2E_KEEP:-0}
  no_device=0
  while (($#)); do
    case $1 in
    --guest-script | --append)
      (($# >= 2)) || usage
      if [[ $1 == --append ]]; then
        extra_append=$2
      else
        guest_script=$2
      fi
      shift
      ;;
    --keep) keep=1 ;;
    --no-device) no_device=1 ;;
    -*) usage ;;
    *) e2e_args+=("$1") ;;
    esac
    shift
  done
  if ((no_device)); then
    n=0
    extra_append="VDG_SELFTEST=gpio-sim $extra_append"
  fi
  ((${#e2e_args[@]} == n)) || usage
}

# e2e_parse_options SPEC ARG...: a harness's command line, its options
# given by SPEC's words: NAME=VAR (--NAME VALUE sets VAR) or NAME:VAR=VALUE
# (the flag --NAME sets VAR to VALUE); the other arguments into $e2e_args.
# An unknown option or a missing value calls `usage` (the script's).
e2e_parse_options() {
  local spec=$1 word found
  shift
  e2e_args=()
  while (($#)); do
    case $1 in
    --?*)
      found=0
      for word in $spec; do
        if [[ $word == "${1#--}:"* ]]; then
          word=${word#*:}
          printf -v "${word%%=*}" '%s' "${word#*=}"
          found=1
          shift
          break
        elif [[ $word == "${1#--}="* ]]; then
          (($# >= 2)) || usage
          printf -v "${word#*=}" '%s' "$2"
          found=1
          shift 2
          break
        fi
      done
      ((found)) || usage
      ;;
    -*) usage ;;
    *)
      e2e_args+=("$1")
      shift
      ;;
    esac
  done
}

# --- the guest's kernel and initramfs ---
# guest_build: $kernel and $initrd, the files VDG_KERNEL and VDG_INITRD name
# (debugging) or build-guest.sh's cached guest (built first if missing,
# which takes minutes). False if there is none (build-guest.sh says why on
# stderr).
guest_build() {
  local guest
  if [[ -n ${VDG_KERNEL:-} || -n ${VDG_INITRD:-} ]]; then
    kernel=${VDG_KERNEL:-}
    initrd=${VDG_INITRD:-}
  else
    guest=$("$e2e_lib_dir/build-guest.sh") || return 1
    kernel=$(sed -n 's/^KERNEL=//p' <<<"$guest")
    initrd=$(sed -n 's/^INITRD=//p' <<<"$guest")
  fi
  [[ -f $kernel && -f $initrd ]]
}

# guest_files DIR SCRIPT: in DIR, bzImage ($kernel) and initrd.cpio:
# $initrd with SCRIPT added as /test.sh, and beside it guest-lib.sh and
# tap.sh, which the scenarios source. The kernel unpacks concatenated cpio
# archives in order, so appending a small archive adds the scenario without
# rebuilding the cached one.
guest_files() {
  local dir=$1
  cp "$kernel" "$dir/bzImage"
  mkdir "$dir/extra"
  install -m 0755 "$2" "$dir/extra/test.sh"
  install -m 0644 "$e2e_lib_dir/guest-lib.sh" "$e2e_lib_dir/tap.sh" "$dir/extra/"
  (cd "$dir/extra" && printf '%s\n' test.sh guest-lib.sh tap.sh |
    cpio -o -H newc -R 0:0 --quiet) >"$dir/extra.cpio"
  cat "$initrd" "$dir/extra.cpio" >"$dir/initrd.cpio"
}

# --- the daemon ---
# daemon_launch DIR [OPTION...]: start $daemon (under $VDG_DAEMON_WRAPPER, a
# command line, if set; with the options in $VDG_DAEMON_ARGS first, split on
# blanks: the *-poll tests set --poll-us) on DIR/gpio.sock0 with one simulated 8-line chip and
# the OPTIONs, its output in DIR/daemon.log, its pid in $daemon_pid; wait
# boundedly for the listening socket (10 s, stopping early if the daemon
# died) and then for its control socket gpio.sock0.sim (2 s more). False
# without the socket.
daemon_launch() {
  local dir=$1
  shift
  # shellcheck disable=SC2086,SC2154 # the wrapper is a command line; $daemon
  # is the script's
  ${VDG_DAEMON_WRAPPER:-} "$daemon" ${VDG_DAEMON_ARGS:-} --socket-path="$dir/gpio.sock" \
    --socket-count=1 --device-list=s8 "$@" </dev/null >"$dir/daemon.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 100); do
    [[ -S $dir/gpio.sock0 ]] && break
    process_alive "$daemon_pid" || break
    sleep 0.1
  done
  for _ in $(seq 20); do
    [[ ! -S $dir/gpio.sock0 || -S $dir/gpio.sock0.sim ]] && break
    sleep 0.1
  done
  [[ -S $dir/gpio.sock0 ]]
}

# daemon_start DIR N: daemon_launch DIR, as a TAP check: "daemon created
# socket gpio.sock0" (and with --poll-us, "daemon polls"); without the
# socket, the last N lines of its log, and a bail out.
daemon_start() {
  local dir=$1 lines=$2 rc
  if daemon_launch "$dir"; then
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
# through chroot, that root in $qemu_root (else empty). $QEMU (a binary)
# when set; else this system's qemu-system-x86_64 when it is that version
# (7.2 on Debian 12, 10 on Debian 13); else the other release's from a
# cached root (debian13-root.sh on Debian 12, debian12-qemu-root.sh on
# Debian 13), built first if missing. False if that fails (the root's
# script says why on stderr).
qemu_select() {
  local want=$1 script
  qemu_root=""
  if [[ -n ${QEMU:-} ]]; then
    qemu_cmd=("$QEMU")
    return 0
  fi
  if (($(qemu_major qemu-system-x86_64) == want)); then
    qemu_cmd=(qemu-system-x86_64)
    return 0
  fi
  case $want in
  7) script=debian12-qemu-root.sh ;;
  10) script=debian13-root.sh ;;
  *) bail_out "qemu_select: no QEMU $want" ;;
  esac
  qemu_root=$("$e2e_lib_dir/$script") || return 1
  # shellcheck disable=SC2034 # the script's
  qemu_cmd=(chroot "$qemu_root" qemu-system-x86_64)
}

# qemu_rundir NAME: a new run directory for a guest run: $run on the host,
# $grun the same directory as QEMU sees it (inside $qemu_root when QEMU runs
# there, which must hold every file QEMU opens).
qemu_rundir() {
  if [[ -n ${qemu_root:-} ]]; then
    run=$(mktemp -d "$qemu_root/run/$1-XXXXXX")
    grun=/run/${run##*/}
  else
    run=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    # shellcheck disable=SC2034 # the script's
    grun=$run
  fi
}

# qemu_args_guest KERNEL INITRD APPEND: $qemu_args for a TCG guest (never
# KVM: it hangs on these machines) with its serial console on QEMU's stdout
# (qemu_run reads it), no reboot (the guest's `reboot -f` ends QEMU),
# kernel command line "console=ttyS0 quiet panic=-1 oops=panic
# no_timer_check APPEND". no_timer_check: on a loaded machine a TCG guest's
# early IO-APIC timer check can miss its ticks and panic ("IO-APIC + timer
# doesn't work!"), as the demo did once under a load average of 9.
# The machine, memory and devices are the caller's to add.
qemu_args_guest() {
  qemu_args=(
    -accel tcg
    -nodefaults -no-user-config -display none
    -serial stdio
    -no-reboot
    -kernel "$1"
    -initrd "$2"
    -append "console=ttyS0 quiet panic=-1 oops=panic no_timer_check $3"
  )
}

# qemu_args_vhost [SOCKET]: adds to $qemu_args a q35 machine with 256 MB of
# shared memory (a memfd, which vhost-user needs) and, with SOCKET, a
# vhost-user-gpio-pci device on it.
qemu_args_vhost() {
  # shellcheck disable=SC2054 # the commas are inside QEMU option values
  qemu_args+=(
    -machine q35,memory-backend=mem
    -object memory-backend-memfd,id=mem,size=256M,share=on
    -m 256M
  )
  if [[ -n ${1:-} ]]; then
    # shellcheck disable=SC2054 # as above
    qemu_args+=(
      -chardev "socket,id=gpio0,path=$1"
      -device vhost-user-gpio-pci,chardev=gpio0,id=gpio0
    )
  fi
}

# qemu_run CONSOLE LOG CMD...: boot the guest: CMD (QEMU with qemu_args_guest's
# console on stdout) under timeout(1), $qemu_timeout seconds, its stderr in
# LOG. The console is read as it comes, one line at a time, until QEMU
# exits: each line is appended to CONSOLE and, if $on_guest_line is set,
# given to that command, except a line holding "VDG-SYNC <NAME>" (the
# guest's sync_point, guest-lib.sh): that one goes to the command
# $on_guest_sync as NAME, if set. This is how host and guest meet: the
# guest prints the sync point once it is ready and waits (boundedly) for
# the host's action, which the host does in $on_guest_sync, or starts there
# in the background. Then $qemu_rc (124: killed by the timeout) and
# $qemu_elapsed; progress through e2e_log.
on_guest_line=""
on_guest_sync=""
qemu_run() {
  local console=$1 log=$2 line start fd
  shift 2
  # shellcheck disable=SC2154 # the script's
  e2e_log "booting the guest with $("$@" --version | head -n 1)" \
    "(timeout $qemu_timeout s): $*"
  start=$SECONDS
  : >"$console"
  # chroot and timeout(1) exec QEMU, so the TERM that e2e_cleanup sends
  # reaches QEMU.
  exec {fd}< <(exec timeout "$qemu_timeout" "$@" </dev/null 2>"$log")
  qemu_pid=$!
  while IFS= read -r line <&"$fd" || [[ -n $line ]]; do
    line=${line%$'\r'}
    printf '%s\n' "$line" >>"$console"
    # The closing bracket is required: the name is complete (a kernel
    # message may share the marker's line).
    if [[ $line =~ VDG-SYNC\ \<([A-Za-z0-9_-]+)\> ]]; then
      [[ -z $on_guest_sync ]] || $on_guest_sync "${BASH_REMATCH[1]}"
    elif [[ -n $on_guest_line ]]; then
      $on_guest_line "$line"
    fi
  done
  exec {fd}<&-
  qemu_rc=0
  wait "$qemu_pid" || qemu_rc=$?
  qemu_pid=""
  qemu_elapsed=$((SECONDS - start))
  e2e_log "QEMU exited with $qemu_rc after $qemu_elapsed s"
}

# guest_tap CONSOLE QEMU_LOG N: the guest's results, from its serial console.
# Between the init's begin and end markers TAP results are renumbered into
# ours ("guest: ..."), the plan is remembered and comments pass through;
# sync points are dropped. Any other console line becomes a comment: with
# `quiet` those are kernel errors and warnings (a failed gpio-virtio probe
# shows up before the begin marker). Then the checks "guest finished"
# (QEMU's rc in $qemu_rc), "guest reported all planned results" and, if its
# script exited non-zero with every result ok, "guest script exited 0". On
# failure, N > 0 adds the last N console lines.
guest_tap() {
  local console=$1 qemu_log=$2 lines=$3 line end="" in_guest=0
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%$'\r'}
    if ((!in_guest)); then
      if [[ $line == VDG-E2E-BEGIN ]]; then
        in_guest=1
      elif [[ -n $line ]]; then
        echo "# console: $line"
      fi
    elif [[ $line =~ ^VDG-E2E-END\ rc=([0-9]+) ]]; then
      end=${BASH_REMATCH[1]}
      break
    elif ! tap_relay_line "guest: " "$line" &&
      [[ -n $line && $line != VDG-SYNC\ * ]]; then
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
  tap_relay_done guest
  if ((relay_results == 0)); then
    echo "# THE GUEST PRINTED NO TAP RESULTS: its script did not run or died"
    if [[ -n $end ]] && ((lines > 0)); then
      tap_diag_tail "$console" "$lines" "the console"
    fi
  fi
  # A script that exits non-zero with every result ok hides a failure somewhere.
  if [[ -n $end && $end != 0 ]]; then
    echo "# the guest script exited with status $end"
    ((relay_failures)) || tap_not_ok "guest script exited 0"
  fi
  return 0
}

# --- the host's part: the control client at the guest's sync points ---
# For the scenarios whose guest stops at sync points (run-qemu10.sh,
# arm64/run-arm64.sh). They set $sim_client, $sim_sock (the daemon's
# control socket), $run, $edge_gap, $qemu_pid and define hlog TEXT (the
# host's timeline) and host_action NAME (what to do at sync point NAME).

# sim ARGS...: run the control client; its output (stdout and stderr, one
# line) is left in $sim_out, its status is returned. A poll repeating the
# previous `get` and its answer is not logged again.
sim_out=""
sim_last=""
sim() {
  local rc=0 entry
  # shellcheck disable=SC2154 # the script's
  sim_out=$(timeout 10 "$sim_client" "$sim_sock" "$@" 2>&1) || rc=$?
  sim_out=${sim_out//$'\n'/ | }
  entry="sim $* -> [$sim_out] status $rc"
  [[ $1 == get && $entry == "$sim_last" ]] || hlog "$entry"
  sim_last=$entry
  return "$rc"
}

# sim_set LINE VALUE: drive a simulated input; it must answer "ok"
# (sim_sets_check).
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
    # shellcheck disable=SC2154 # the script's
    sleep "$edge_gap"
  done
}

# irq_host_action NAME: the host's part at guest-gpio-irq.sh's sync point
# NAME (its list: run-qemu10.sh's sync_points); false for any other name.
irq_host_action() {
  local k script=$run/play4.txt rc=0
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
    for ((k = 0; k < 20; k++)); do
      echo "$((k * 150 + k % 3 * 20))ms 4 $(((k + 1) % 2))"
    done >"$script"
    sim_out=$(timeout 20 "$sim_client" "$sim_sock" play "$script" 2>&1) || rc=$?
    hlog "sim play $script -> [$sim_out] status $rc"
    tap_check "control client played 20 edges into line 4 ($sim_out)" \
      test "$rc" = 0
    ;;
  *) return 1 ;;
  esac
}

# on_sync NAME: the guest reached sync point NAME (set on_guest_sync=on_sync
# for qemu_run): recorded in $synced, then host_action NAME unless QEMU has
# exited or $no_device is 1 (no daemon to act through).
synced=()
on_sync() {
  synced+=("$1")
  hlog "guest reached sync point $1"
  tap_ok "guest reached sync point $1"
  if ! process_alive "$qemu_pid"; then
    echo "# QEMU had exited: no host action for $1"
  elif ((!${no_device:-0})); then
    host_action "$1"
  fi
}

# sync_points_check NAME...: the guest went through exactly these sync
# points, in order (none given: no check).
sync_points_check() {
  (($#)) || return 0
  if [[ ${synced[*]} == "$*" ]]; then
    tap_ok "guest went through the sync points $*"
  else
    tap_not_ok "guest went through the sync points $*"
    echo "# seen: ${synced[*]:-none}"
  fi
}

# sim_sets_check: every sim_set was answered "ok".
sim_sets_check() {
  if ((${#sim_set_errors[@]} == 0)); then
    tap_ok "control client answered 'ok' to all $sim_sets set commands"
  else
    tap_not_ok "control client answered 'ok' to all $sim_sets set commands"
    printf '# %s\n' "${sim_set_errors[@]}"
  fi
}

# e2e_failure_tails N: when a check failed, the last lines of $console and
# $host_log (40) and of the daemon's log (N, none if 0).
e2e_failure_tails() {
  ((tap_failures)) || return 0
  tap_diag_tail "$console" 40 "the console"
  # shellcheck disable=SC2154 # the script's
  tap_diag_tail "$host_log" 40 "the host's timeline"
  (($1 == 0)) || tap_diag_tail "$run/daemon.log" "$1" "the daemon log"
}
