#!/usr/bin/env bash
# The arm64 build on an arm64 system, as a Raspberry Pi user runs it: the
# arm64 daemon, under its arm64 seccomp filter, serves host lines of gpio-sim
# chips inside an arm64 guest (QEMU -M virt, TCG), checked by the arm64
# build of tests/integration/test_cdev.c (the x86 `hostchip` scenario); then
# the arm64 unit tests run there too. qemu-user cannot stand in for this:
# on these machines qemu-aarch64 hangs in an arm64 program's first
# pthread_create.
#
# The guest is build-guest.sh's (kernel with gpio-sim, initramfs with arm64
# busybox, glibc, libseccomp and cmocka); the build's programs go in per run,
# appended as a second cpio archive under /vdg with the scenario as
# /test.sh (guest-hostchip.sh). No vhost-user device: inside the guest the
# test program plays the VMM through the daemon's socket.
#
# Prints TAP on stdout (the guest's results renumbered, then the plan);
# progress goes to stderr.
#
# Usage: run-hostchip.sh [--keep] [--filter PATTERN] [--no-unit] BUILD_DIR
#   BUILD_DIR         an arm64 build (meson setup --cross-file
#                     cross/aarch64-linux-gnu.ini -Dtests=enabled): its
#                     vhost-device-gpio, tests/integration/test_cdev and
#                     tests/unit/test_*
#   --keep            keep the run directory and print its path (also
#                     VDG_E2E_KEEP=1)
#   --filter PATTERN  only the test_cdev tests matching the cmocka pattern
#   --no-unit         not the unit tests
# Environment: QEMU (default qemu-system-aarch64, the system's: 7.2 or 10,
# either will do), VDG_QEMU_TIMEOUT (seconds, default 600), VDG_TIME_SCALE
# (passed to the test program, see tests/integration/fixture.h),
# VDG_HC_TIMEOUT (seconds test_cdev may run in the guest, default 400),
# VDG_CACHE_DIR (see build-guest.sh).
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/../lib.sh"
keep=${VDG_E2E_KEEP:-0}
filter=${VDG_HC_FILTER:-}
unit=1
qemu=${QEMU:-qemu-system-aarch64}
qemu_timeout=${VDG_QEMU_TIMEOUT:-600}

usage() {
  echo "usage: $0 [--keep] [--filter PATTERN] [--no-unit] BUILD_DIR" >&2
  exit 2
}
e2e_parse_options 'keep:keep=1 filter=filter no-unit:unit=0' "$@"
((${#e2e_args[@]} == 1)) || usage
build=$(realpath -e "${e2e_args[0]}") || bail_out "${e2e_args[0]}: no such directory"
[[ -z $filter || $filter != *[[:space:]]* ]] || bail_out "--filter: no spaces"

# --- the arm64 programs ---
is_arm64() {
  aarch64-linux-gnu-readelf -h "$1" 2>/dev/null | grep -q 'Machine:.*AArch64'
}
programs=("$build/vhost-device-gpio" "$build/tests/integration/test_cdev")
units=()
((!unit)) || mapfile -t units < <(find "$build/tests/unit" -maxdepth 1 \
  -type f -name 'test_*' -perm -u+x | LC_ALL=C sort)
for p in "${programs[@]}" "${units[@]}"; do
  [[ -x $p ]] || bail_out "$p: missing (build $build first)"
  is_arm64 "$p" || bail_out "$p: not an arm64 program (is $build a cross/aarch64-linux-gnu.ini build?)"
done
((!unit || ${#units[@]})) || bail_out "no unit test programs in $build/tests/unit"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vdg-hostchip-arm64.XXXXXX")
e2e_traps "$tmp" "$keep"

guest=$("$here/build-guest.sh") || bail_out "could not build the arm64 guest (see stderr)"
kernel=$(sed -n 's/^KERNEL=//p' <<<"$guest")
initrd=$(sed -n 's/^INITRD=//p' <<<"$guest")
[[ -f $kernel && -f $initrd ]] || bail_out "no arm64 guest kernel/initrd"

# The scenario with guest-lib.sh and tap.sh (lib.sh's guest_files), then the
# programs, appended to the cached initramfs.
guest_files "$tmp" "$here/guest-hostchip.sh"
progs=$tmp/programs
mkdir -p "$progs/vdg/unit"
install -m 0755 "${programs[@]}" "$progs/vdg/"
((${#units[@]} == 0)) || install -m 0755 "${units[@]}" "$progs/vdg/unit/"
(cd "$progs" && find . -mindepth 1 | LC_ALL=C sort |
  cpio -o -H newc -R 0:0 --quiet) >>"$tmp/initrd.cpio"

append="console=ttyAMA0 quiet panic=-1 oops=panic"
append+=" VDG_TIME_SCALE=${VDG_TIME_SCALE:-1}"
[[ -z $filter ]] || append+=" VDG_HC_FILTER=$filter"
[[ -z ${VDG_HC_TIMEOUT:-} ]] || append+=" VDG_HC_TIMEOUT=$VDG_HC_TIMEOUT"

# shellcheck disable=SC2054 # the commas are inside QEMU option values
qemu_args=(
  -accel tcg
  -machine virt
  -cpu max,pauth-impdef=on
  -smp 2
  -m 512M
  -nodefaults -no-user-config -display none
  -serial stdio
  -no-reboot
  -kernel "$kernel"
  -initrd "$tmp/initrd.cpio"
  -append "$append"
)
qemu_run "$tmp/console.log" "$tmp/qemu.log" "$qemu" "${qemu_args[@]}"
guest_tap "$tmp/console.log" "$tmp/qemu.log" 30
echo "# the guest ran $qemu_elapsed s ($("$qemu" --version | head -n 1))"
tap_done
