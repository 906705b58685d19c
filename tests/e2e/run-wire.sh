#!/usr/bin/env bash
# End-to-end test of wires across guests: one daemon serves two simulated
# 8-line chips wired with --wire=0:3=1:5 --wire=1:2=0:6 to two Linux guests
# booted together by QEMU 10 (Debian 13's, TCG). Guest A's gpioset on its
# line 3 must make guest B's gpiomon report both edges on line 5, and guest
# B's gpioset on line 2 guest A's gpiomon on line 6 (guest-wire.sh), while
# the control client records device 1; its trace must show both of B's
# lines (5 driven by the wire, 2 by B). Prints TAP on stdout.
#
# Usage: run-wire.sh DAEMON_BINARY SIM_CLIENT_BINARY
# Environment: VDG_QEMU_TIMEOUT (seconds, default 240), VDG_CACHE_DIR (see
# build-guest.sh), VDG_DAEMON_WRAPPER (a command line the daemon runs
# under).
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/lib.sh"

(($# == 2)) || {
  echo "usage: $0 DAEMON_BINARY SIM_CLIENT_BINARY" >&2
  exit 2
}
daemon=$(realpath "$1")
sim_client=$(realpath "$2")
qemu_timeout=${VDG_QEMU_TIMEOUT:-240}

qemu_select 10 || bail_out "no QEMU 10 (see stderr)"
guest_build || bail_out "no guest kernel and initramfs (see stderr)"
qemu_rundir vdgw
qemu_b_pid="" record_pid=""
stop_others() {
  term_wait "$qemu_b_pid"
  [[ -z $record_pid ]] || kill -KILL "$record_pid" 2>/dev/null || true
}
e2e_traps "$run" "${VDG_E2E_KEEP:-0}" stop_others

guest_files "$run" "$here/guest-wire.sh"

# --- the daemon: two chips, wired both ways ---
# shellcheck disable=SC2086 # the wrapper is a command line
${VDG_DAEMON_WRAPPER:-} "$daemon" --socket-path="$run/gpio.sock" \
  --socket-count=2 --device-list=s8:s8 --wire=0:3=1:5 --wire=1:2=0:6 \
  </dev/null >"$run/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do
  [[ -S $run/gpio.sock1.sim ]] && break
  process_alive "$daemon_pid" || break
  sleep 0.1
done
if [[ ! -S $run/gpio.sock1.sim ]]; then
  tap_diag_tail "$run/daemon.log" 20 "the daemon log"
  bail_out "the daemon did not start"
fi
tap_ok "daemon serves two chips wired 0:3=1:5 and 1:2=0:6"
"$sim_client" "$run/gpio.sock1.sim" record "$run/b.vcd" 2>"$run/record.log" &
record_pid=$!

# --- the two guests, booted together ---
boot() { # ROLE SOCKET: its console (QEMU's stdout) in console-ROLE.log
  qemu_args_guest "$grun/bzImage" "$grun/initrd.cpio" "VDG_ROLE=$1"
  qemu_args_vhost "$grun/$2"
  timeout "$qemu_timeout" "${qemu_cmd[@]}" "${qemu_args[@]}" \
    </dev/null >"$run/console-$1.log" 2>"$run/qemu-$1.log" &
}
boot a gpio.sock0
qemu_pid=$!
boot b gpio.sock1
qemu_b_pid=$!
echo "booting two guests with $("${qemu_cmd[@]}" --version | head -n 1)" >&2

# The host's part: each guest's sync point gets the other's go.
done_a=0 done_b=0
while process_alive "$qemu_pid" || process_alive "$qemu_b_pid"; do
  if ((!done_b)) && grep -aq 'VDG-SYNC <b-armed>' "$run/console-b.log" 2>/dev/null; then
    done_b=1
    tap_check "host's go to guest A (device 0 line 7)" \
      test "$("$sim_client" "$run/gpio.sock0.sim" set 7 1)" = ok
  fi
  if ((!done_a)) && grep -aq 'VDG-SYNC <a-armed>' "$run/console-a.log" 2>/dev/null; then
    done_a=1
    tap_check "host's go to guest B (device 1 line 7)" \
      test "$("$sim_client" "$run/gpio.sock1.sim" set 7 1)" = ok
  fi
  sleep 0.1
done
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=""
rc_a=$qemu_rc
rc_b=0
wait "$qemu_b_pid" || rc_b=$?
qemu_b_pid=""
tap_check "both guests reached their sync points" test "$done_a$done_b" = 11

kill -INT "$record_pid"
rec_rc=0
wait "$record_pid" || rec_rc=$?
record_pid=""
tap_check "the recording of device 1 ended cleanly (status $rec_rc)" \
  test "$rec_rc" = 0

qemu_rc=$rc_a
guest_tap "$run/console-a.log" "$run/qemu-a.log" 20
# tap.sh's relay counts one guest's results: start again for the second.
qemu_rc=$rc_b relay_results=0 relay_failures=0 relay_plan=""
guest_tap "$run/console-b.log" "$run/qemu-b.log" 20

# The trace of device 1: line 5 (sim_5, identifier code "0") and line 2
# (sim_2, code "'") each go 0, 1, 0 after $dumpvars (vcd_writer.h).
changes() { # CODE
  awk -v c="$1" 'p && substr($0, 2) == c && /^[01]/ { printf "%s", substr($0, 1, 1) }
    /^\$end$/ { p = 1 }' "$run/b.vcd"
}
l5=$(changes 0)
l2=$(changes "'")
tap_check "the trace shows wired line 5 go 0 1 0 (got ${l5:-nothing})" \
  test "$l5" = 010
tap_check "the trace shows guest B's line 2 go 0 1 0 (got ${l2:-nothing})" \
  test "$l2" = 010

daemon_stop
if ((tap_failures)); then
  tap_diag_tail "$run/daemon.log" 20 "the daemon log"
  tap_diag_tail "$run/record.log" 5 "the recorder"
fi
tap_done
