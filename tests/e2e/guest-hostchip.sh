#!/bin/sh
# Guest side of the "hostchip" test, run by the guest's /init (busybox sh) as
# /test.sh; tests/e2e/run-hostchip.sh boots the guest.
#
# The guest kernel has gpio-sim, which the host has not: here the daemon's
# host character-device back-end meets real kernel GPIO chips. The host's
# root is shared read-only over 9p (mount tag "hostroot"); this script mounts
# it on /mnt, makes the gpio-sim chips through configfs, mounts proc, sysfs,
# devtmpfs, configfs and a tmpfs inside it and runs the project's test program
# (tests/integration/test_cdev.c) in a chroot there, so the host's build and
# shared libraries are used unchanged. It prints one TAP stream: its own
# set-up checks, then the test program's results renumbered (prefixed
# "cdev: "), then the plan.
#
# The chips (test_cdev.c finds them by label and checks names and sizes):
#   vdg-hc-a  8 lines named hc-a0 .. hc-a7, except line 6 (unnamed)
#   vdg-hc-b  4 lines named LED_A, BTN_1, LED_B, BTN_2
#
# Environment (NAME=value words on the kernel command line):
#   VDG_HC_DAEMON  absolute host path of the daemon binary
#   VDG_HC_TEST    absolute host path of the test_cdev binary
#   VDG_HC_FILTER  optional cmocka test filter (e.g. "test_busy*")
#   VDG_TIME_SCALE optional, passed to the test program (fixture.h)
#   VDG_HC_TIMEOUT seconds the test program may run (default 240)
#   VDG_HC_WRAPPER optional command line the daemon runs under, its blanks
#                  written as '+' (run-hostchip.sh's VDG_DAEMON_WRAPPER)
#
# The two binaries are copied into the guest's tmpfs before it is mounted on
# /mnt/tmp: a build directory under the host's /tmp would be hidden by it.
#
# Only `set -u`: a failed check must print "not ok" and go on.
set -u
# shellcheck source=tests/e2e/guest-lib.sh
. "${0%/*}/guest-lib.sh"

uptime_s() { cut -d' ' -f1 /proc/uptime; }

root=/mnt
bin=/tmp/vdg-hc-bin
echo "# guest-hostchip: start at uptime $(uptime_s) s"

# --- the host's root over 9p ---
mount_host() {
  mkdir -p "$root" &&
    mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro \
      hostroot "$root"
}
tap_check "host root mounted read-only over 9p on $root" mount_host
if [ ! -d "$root/usr/lib" ]; then
  echo "# nothing to test without the host's root"
  tap_done
fi

daemon=${VDG_HC_DAEMON:-}
prog=${VDG_HC_TEST:-}
binaries_visible() {
  if [ -z "$daemon" ] || [ -z "$prog" ]; then
    echo "VDG_HC_DAEMON or VDG_HC_TEST not set"
    return 1
  fi
  [ -f "$root$daemon" ] || {
    echo "no $daemon under $root"
    return 1
  }
  [ -f "$root$prog" ] || {
    echo "no $prog under $root"
    return 1
  }
}
tap_check "daemon and test program visible through 9p" binaries_visible

# --- the gpio-sim chips, through configfs (guest-lib.sh's hc_*) ---
hc_chips_checked
# Every simulated line has its pull and value attributes in sysfs.
sim_attrs() {
  count=0
  for a in /sys/bus/gpio/devices/gpiochip*/sim_gpio*; do
    if [ ! -w "$a/pull" ] || [ ! -r "$a/value" ]; then
      echo "$a: no pull/value"
      return 1
    fi
    count=$((count + 1))
  done
  [ "$count" = 12 ] || {
    echo "$count sim_gpio* directories"
    return 1
  }
}
tap_check "sysfs has pull and value for the 12 simulated lines" sim_attrs

# --- the chroot ---
prepare_root() {
  # Copies first: the tmpfs mounted on $root/tmp hides the host's /tmp.
  mkdir -p "$bin" &&
    cp "$root$daemon" "$bin/vhost-device-gpio" &&
    cp "$root$prog" "$bin/test_cdev" &&
    mount -t proc proc "$root/proc" &&
    mount -t sysfs sysfs "$root/sys" &&
    mount -t configfs configfs "$root/sys/kernel/config" &&
    mount -t devtmpfs devtmpfs "$root/dev" &&
    mount -t tmpfs -o mode=1777 tmpfs "$root/tmp" &&
    mkdir -p "$root$bin" &&
    cp "$bin/vhost-device-gpio" "$bin/test_cdev" "$root$bin/"
}
tap_check "proc, sysfs, configfs, devtmpfs and tmpfs mounted in $root" prepare_root
chroot_works() {
  chroot "$root" /bin/sh -c \
    "$bin/vhost-device-gpio --version && test -c /dev/gpiochip0 &&
     test -d /sys/kernel/config/gpio-sim/hc-a && test -w /tmp"
}
tap_check "chroot into the host root runs the daemon" chroot_works
# The host's own libgpiod tools, through the chroot, see the chips too
# (gpiodetect: its output is the same in libgpiod 1.6 and 2.x).
tap_check "gpiodetect in the chroot sees both chips" \
  chroot "$root" sh -c 'out=$(gpiodetect) && echo "$out" &&
    echo "$out" | grep -q "\[vdg-hc-a\] (8 lines)" &&
    echo "$out" | grep -q "\[vdg-hc-b\] (4 lines)"'
echo "# guest-hostchip: set-up done at uptime $(uptime_s) s"

# --- the test program ---
# Its TAP lines are renumbered into ours; its plan is remembered; anything
# else (cmocka's error lines, the daemon logs printed on failure) becomes a
# comment. The pipeline's last stage does all the counting, and the program's
# exit status comes through a file.
# Bounded below QEMU's timeout, so that a hang still ends with a summary.
limit=${VDG_HC_TIMEOUT:-240}
start=$(uptime_s)
status_file=/tmp/vdg-hc-status
rm -f "$status_file"
{
  chroot "$root" /usr/bin/timeout -k 5 "$limit" \
    /usr/bin/env CMOCKA_MESSAGE_OUTPUT=TAP \
    VDG_TIME_SCALE="${VDG_TIME_SCALE:-1}" \
    ${VDG_HC_FILTER:+VDG_TEST_FILTER="$VDG_HC_FILTER"} \
    ${VDG_HC_WRAPPER:+VDG_DAEMON_WRAPPER="$(echo "$VDG_HC_WRAPPER" | tr + ' ')"} \
    "$bin/test_cdev" "$bin/vhost-device-gpio" 2>&1
  echo $? >"$status_file"
} | {
  while IFS= read -r line; do
    tap_relay_line "cdev: " "$line" || [ -z "$line" ] || echo "# $line"
  done
  status=$(cat "$status_file" 2>/dev/null || echo "?")
  tap_relay_done "test program"
  if [ "$status" = 0 ]; then
    tap_ok "test program exited 0"
  else
    tap_not_ok "test program exited 0 (status $status)"
    [ "$status" = 124 ] && echo "# killed after $limit s (VDG_HC_TIMEOUT)"
  fi
  echo "# guest-hostchip: test program ran $(awk "BEGIN { print $(uptime_s) - $start }") s"

  tap_check "no daemon process left running" no_daemon_left
  tap_check "gpioinfo shows no line left requested" hc_lines_free
  echo "# guest-hostchip: end at uptime $(uptime_s) s"
  tap_done
}
