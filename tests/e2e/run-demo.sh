#!/usr/bin/env bash
# End-to-end test of scripts/run, the README's "run" command, run as a user
# would (non-interactively): TAP on stdout, the transcript as "#" lines.
#
# Usage: run-demo.sh MODE BUILD_DIR
#   qemu10   the demo with QEMU 10 (the cached Debian 13 root): the host's
#            view shows the guest's output toggles and the host's input
#            toggles, the guest's gpiomon shows each of the host's edges as
#            an interrupt, in order; exit 0; nothing left behind
#   qemu72   the same with QEMU 7.2 (no interrupts; VDG_QEMU=qemu-system-x86_64
#            on Debian 12, VDG_QEMU_ROOT=the Debian 12 root on Debian 13):
#            the guest reads the host's toggles with gpioget
#   no-qemu  VDG_QEMU=/nonexistent: scripts/run says why the guest cannot
#            run, prints the QEMU command line, serves the socket (a control
#            client gets an answer), and exits 0 on SIGINT, socket removed
# BUILD_DIR is given to scripts/run as VDG_BUILD_DIR (already built by meson).
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
mode=${1:-}
build=$(realpath "${2:-$repo/build}")
case $mode in
qemu10 | qemu72 | no-qemu) ;;
*)
  echo "usage: $0 qemu10|qemu72|no-qemu BUILD_DIR" >&2
  exit 2
  ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vdg-demo-test.XXXXXX")
run_pid=""
# shellcheck disable=SC2317 # run by the EXIT trap
stop_run() { term_wait "$run_pid"; }
e2e_traps "$tmp" 0 stop_run

out=$tmp/transcript

# in_order FILE REGEX...: lines of FILE matching the REGEXes (extended)
# appear in that order, other lines between them allowed: a grep per
# pattern, each after the line the previous one matched.
# shellcheck disable=SC2317 # run through tap_check
in_order() {
  local file=$1 from=0 re at
  shift
  for re in "$@"; do
    at=$(tail -n "+$((from + 1))" "$file" | grep -n -m 1 -E -- "$re" |
      cut -d: -f1) || return 1
    [[ -n $at ]] || return 1
    from=$((from + at))
  done
}

if [[ $mode == no-qemu ]]; then
  sock=$tmp/gpio.sock
  VDG_QEMU=/nonexistent SOCKET=$sock VDG_BUILD_DIR=$build \
    "$repo/scripts/run" </dev/null >"$out" 2>&1 &
  run_pid=$!
  for _ in $(seq 300); do
    [[ -S ${sock}0.sim ]] && grep -q 'Stop with Ctrl-C' "$out" && break
    kill -0 "$run_pid" 2>/dev/null || break
    sleep 0.1
  done
  tap_check "it says the guest cannot run, and why" \
    grep -q 'the demo guest cannot run: VDG_QEMU=/nonexistent is not an executable' "$out"
  tap_check "it prints the QEMU command line with the socket" \
    grep -q -- "-chardev socket,id=gpio0,path=${sock}0" "$out"
  tap_check "it prints the QEMU 10 command line too" \
    grep -q 'chroot ROOT qemu-system-x86_64 -machine q35' "$out"
  tap_check "it prints how to drive and watch the lines" \
    grep -q "vhost-device-gpio-sim ${sock}0.sim watch" "$out"
  tap_check "the socket and the control socket exist" \
    test -S "${sock}0" -a -S "${sock}0.sim"
  answer=$(timeout 10 "$build/vhost-device-gpio-sim" "${sock}0.sim" get 5 2>&1) || true
  tap_check "the daemon serves (control client: '5 in 0')" \
    test "$answer" = "5 in 0"
  stop_process "$run_pid" INT 50
  run_pid=""
  rc=$stop_rc
  tap_check "exit 0 on SIGINT (status $rc)" test "$rc" = 0
  tap_check "socket files removed" test ! -e "${sock}0" -a ! -e "${sock}0.sim"
else
  start=$SECONDS
  rc=0
  if [[ $mode == qemu72 ]]; then
    # This system's QEMU 7.2 (Debian 12), else a Debian 12 root's.
    qemu_select 7 || bail_out "no QEMU 7.2 (see stderr)"
    if [[ -n $qemu_root ]]; then
      qemu_env=(VDG_QEMU_ROOT="$qemu_root")
    else
      qemu_env=(VDG_QEMU="${qemu_cmd[0]}")
    fi
    env "${qemu_env[@]}" VDG_DEMO_TRACE="$tmp/demo.vcd" \
      VDG_BUILD_DIR="$build" timeout 600 \
      "$repo/scripts/run" </dev/null >"$out" 2>&1 || rc=$?
  else
    VDG_DEMO_TRACE=$tmp/demo.vcd VDG_BUILD_DIR=$build timeout 600 \
      "$repo/scripts/run" </dev/null >"$out" 2>&1 || rc=$?
  fi
  tap_check "scripts/run exited 0 (status $rc, $((SECONDS - start)) s)" \
    test "$rc" = 0
  if [[ $mode == qemu72 ]]; then
    tap_check "the guest ran under QEMU 7.2" \
      grep -q 'booting the guest with QEMU emulator version 7\.2' "$out"
    tap_check "it says interrupts need QEMU 10" \
      grep -q 'no guest interrupts with QEMU 7.2' "$out"
  else
    tap_check "the guest ran under QEMU 10" \
      grep -q 'booting the guest with QEMU emulator version 10\.' "$out"
  fi
  tap_check "the view starts with every line an input at 0" \
    grep -q '^view:  lines at start (LINE DIRECTION VALUE): 0 in 0 | 1 in 0 | 2 in 0 | 3 in 0 | 4 in 0 | 5 in 0 | 6 in 0 | 7 in 0$' "$out"
  # The guest's lines and the view's come by different paths (serial
  # console, control socket): only each one's own order is certain.
  tap_check "the guest drove output line 0 with gpioset: 1, 0, 1" \
    in_order "$out" '^guest: gpioset .* 0=1 ' '^guest: gpioset .* 0=0 ' \
    '^guest: gpioset .* 0=1 ' '^guest: line 0 released$'
  tap_check "the view shows output line 0 go 1, 0, 1, then released" \
    in_order "$out" '^view:  line 0: out 1$' '^view:  line 0: none 0$' \
    '^view:  line 0: out 0$' '^view:  line 0: none 0$' \
    '^view:  line 0: out 1$' '^view:  line 0: none 0$'
  tap_check "the view shows the host's input line 1 go 1, 0, 1, 0" \
    in_order "$out" '^host: .* set 1 1$' '^view:  line 1: (in|none) 1$' \
    '^host: .* set 1 0$' '^view:  line 1: (in|none) 0$' \
    '^host: .* set 1 1$' '^view:  line 1: (in|none) 1$' \
    '^host: .* set 1 0$' '^view:  line 1: (in|none) 0$'
  if [[ $mode == qemu72 ]]; then
    tap_check "the guest reads each host toggle with gpioget" \
      in_order "$out" '^host: .* set 1 1$' '^guest: gpioget .* reads 1$' \
      '^host: .* set 1 0$' '^guest: gpioget .* reads 0$' \
      '^host: .* set 1 1$' '^guest: gpioget .* reads 1$' \
      '^host: .* set 1 0$' '^guest: gpioget .* reads 0$'
  else
    # libgpiod 1.6 (Debian 12) says "RISING EDGE"; the guest's 1.6 command
    # line on libgpiod 2 (Debian 13) says "rising" (guest-gpiod-v1.sh).
    rising='^guest: event: +(RISING EDGE|rising) offset: 1 '
    falling='^guest: event: +(FALLING EDGE|falling) offset: 1 '
    tap_check "the guest's gpiomon gets each host edge as an interrupt" \
      in_order "$out" '^host: .* set 1 1$' "$rising" '^host: .* set 1 0$' "$falling" \
      '^host: .* set 1 1$' "$rising" '^host: .* set 1 0$' "$falling"
    n=$(grep -c '^guest: event: ' "$out" || true)
    tap_check "exactly 4 interrupts (got $n)" test "$n" = 4
  fi
  tap_check "the guest finished, powered off, the daemon stopped" \
    in_order "$out" '^guest: done, powering off$' \
    '^run: +the guest powered off; stopping the daemon$' \
    '^view:  the daemon stopped$' '^run: +demo finished in [0-9]+ s$'
  tap_check "it says where the trace is and how to open it" \
    grep -q "^run: *  open it with: gtkwave $tmp/demo.vcd" "$out"
  # sim_1's code is "$": the host's 1 0 1 0 are its changes after #0's.
  changes=$(sed -n '/^\$end$/,$p' "$tmp/demo.vcd" 2>/dev/null |
    grep -E '^[01]\$$' | tr -d '$\n' || true)
  tap_check "the trace has the host's input line 1 go 1, 0, 1, 0 (${changes:-nothing})" \
    test "${changes:-}" = 01010
  dir=$(sed -n 's/^run: *daemon: a simulated 8-line chip on \(.*\)\/gpio.sock0 .*/\1/p' "$out")
  tap_check "its run directory was removed (${dir:-none named})" \
    test -n "$dir" -a ! -e "$dir"
fi

if ((tap_failures)); then
  echo "# the transcript:"
  sed 's/^/#   /' "$out"
fi
tap_done
