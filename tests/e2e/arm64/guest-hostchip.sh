#!/bin/sh
# Guest side of the arm64 host-chip run (run-hostchip.sh), run by the init as
# /test.sh in an arm64 guest whose initramfs holds the arm64 build under
# /vdg: vhost-device-gpio, test_cdev and unit/test_*.
#
# As ../guest-hostchip.sh on x86, minus the 9p share: it makes the same two
# gpio-sim chips through configfs, checks that the daemon runs under its
# seccomp filter here, runs test_cdev (which starts the daemon on those
# chips and drives it as a VMM), then every unit test program. One TAP
# stream: set-up checks, the programs' results renumbered ("cdev: ...",
# "unit test_x: ..."), then the plan.
#
#   vdg-hc-a  8 lines named hc-a0 .. hc-a7, except line 6 (unnamed)
#   vdg-hc-b  4 lines named LED_A, BTN_1, LED_B, BTN_2
#
# Environment (kernel command line): VDG_HC_FILTER (cmocka filter for
# test_cdev), VDG_TIME_SCALE, VDG_HC_TIMEOUT (seconds test_cdev may run,
# default 400).
set -u
# TAP and the chips are guest-lib.sh's (with tap.sh: run-hostchip.sh puts
# them beside /test.sh, through lib.sh's guest_files).
# shellcheck source=tests/e2e/guest-lib.sh
. "${0%/*}/guest-lib.sh"

uptime_s() { cut -d' ' -f1 /proc/uptime; }

bin=/vdg
# The account files every system has (the unit tests look group root up by
# name); the initramfs has none.
mkdir -p /etc
[ -e /etc/passwd ] || echo 'root:x:0:0:root:/root:/bin/sh' >/etc/passwd
[ -e /etc/group ] || echo 'root:x:0:' >/etc/group
echo "# guest-hostchip (arm64): $(uname -m), start at uptime $(uptime_s) s"
tap_check "the arm64 daemon starts here (--version)" "$bin/vhost-device-gpio" --version

# --- the gpio-sim chips (as ../guest-hostchip.sh: guest-lib.sh's hc_*) ---
hc_chips_checked

# --- the daemon under its filter, on arm64 ---
# Serving vdg-hc-b's lines: Seccomp 2 (filter) in its status once it
# serves, and SIGTERM still ends it with status 0 (the calls of shutting
# down are on the arm64 list too).
filtered_daemon() {
  "$bin/vhost-device-gpio" --socket-path=/tmp/sc.sock --socket-count=1 \
    --device-list=@vdg-hc-b >/tmp/sc.log 2>&1 &
  pid=$!
  i=0
  while [ $i -lt 100 ] && ! [ -S /tmp/sc.sock0 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  # The filter goes on once the sockets are bound and the serving threads
  # started, a moment after the socket file appears.
  i=0
  while [ $i -lt 100 ]; do
    mode=$(sed -n 's/^Seccomp:[[:space:]]*//p' "/proc/$pid/status")
    [ "$mode" = 2 ] && break
    sleep 0.1
    i=$((i + 1))
  done
  echo "Seccomp: $mode"
  kill -TERM "$pid"
  wait "$pid"
  rc=$?
  echo "exit status $rc"
  cat /tmp/sc.log
  [ "$mode" = 2 ] && [ "$rc" = 0 ]
}
tap_check "the daemon serves a host chip under its seccomp filter (Seccomp: 2) and exits 0 on SIGTERM" \
  filtered_daemon
echo "# guest-hostchip: set-up done at uptime $(uptime_s) s"

# run_tap PREFIX LIMIT CMD...: CMD's TAP results renumbered into ours,
# prefixed; its plan must be complete and its status 0 (LIMIT seconds at
# most).
run_tap() {
  prefix=$1 limit=$2
  shift 2
  status_file=/tmp/vdg-tap-status
  rm -f "$status_file"
  start=$(uptime_s)
  {
    timeout -k 5 "$limit" env CMOCKA_MESSAGE_OUTPUT=TAP "$@" 2>&1
    echo $? >"$status_file"
  } >/tmp/vdg-tap.out
  relay_results=0 relay_failures=0 relay_plan=""
  while IFS= read -r line; do
    tap_relay_line "$prefix" "$line" || [ -z "$line" ] || echo "# $line"
  done </tmp/vdg-tap.out
  plan=$relay_plan results=$relay_results
  status=$(cat "$status_file" 2>/dev/null || echo "?")
  if [ -n "$plan" ] && [ "$plan" = "$results" ] && [ "$status" = 0 ]; then
    tap_ok "${prefix}all $plan planned results, exit 0 ($(awk "BEGIN { print $(uptime_s) - $start }") s)"
  else
    tap_not_ok "${prefix}all planned results, exit 0 ($results of ${plan:-no plan}, status $status)"
    [ "$status" = 124 ] && echo "# killed after $limit s"
  fi
}

# --- test_cdev ---
run_tap "cdev: " "${VDG_HC_TIMEOUT:-400}" \
  VDG_TIME_SCALE="${VDG_TIME_SCALE:-1}" \
  ${VDG_HC_FILTER:+VDG_TEST_FILTER="$VDG_HC_FILTER"} \
  "$bin/test_cdev" "$bin/vhost-device-gpio"

tap_check "no daemon process left running" no_daemon_left
tap_check "gpioinfo shows no line left requested" hc_lines_free

# --- the unit tests ---
cd /tmp || true
for t in "$bin"/unit/test_*; do
  [ -x "$t" ] || continue
  run_tap "unit ${t##*/}: " 120 "$t"
done
echo "# guest-hostchip: end at uptime $(uptime_s) s"
tap_done
