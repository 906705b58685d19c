#!/usr/bin/env bash
# Build (once) and cache a Debian 13 (trixie) root holding QEMU 10's
# qemu-system-aarch64 (package qemu-system-arm), so that the arm64 guests run
# under QEMU 10 on a Debian 12 machine with `chroot ROOT qemu-system-aarch64
# ...`: the arm64 twin of ../debian13-root.sh (TCG with a memfd memory
# backend needs no bind mounts; the socket and the guest files go inside
# ROOT). On Debian 13 the system's QEMU is used instead.
#
# Usage: debian13-arm-root.sh [--print-dir | --force]; caching, locking, the
# mirror and the options are ../debian-root.sh's. About 40 s on an idle
# machine (4 minutes measured beside 5 other builds) and 250 MB.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/debian-root.sh
source "$here/../debian-root.sh"

# --- root part begin (hashed into the cache key) ---
root_name=debian13-arm
suite=trixie
variant=minbase
packages=(qemu-system-arm)
about="about 40 s"
qemu_major=10

finish_root() {
  local root=$1 work=$2 version
  version=$(chroot "$root" qemu-system-aarch64 --version | head -n 1) ||
    die "qemu-system-aarch64 does not run inside the new root"
  [[ $version =~ ^QEMU\ emulator\ version\ ${qemu_major}\. ]] ||
    die "expected QEMU $qemu_major.x in the root, got: $version"
  chroot "$root" qemu-system-aarch64 -device help 2>&1 |
    grep -q '"vhost-user-gpio-device"' ||
    die "this QEMU has no vhost-user-gpio-device"
  printf '%s\n' "$version" >"$work/out/version"
}
# --- root part end ---

debian_root_main "$@"
