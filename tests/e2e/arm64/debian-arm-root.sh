#!/usr/bin/env bash
# Build (once) and cache a Debian root holding the other release's
# qemu-system-aarch64 (package qemu-system-arm), so that the arm64 guests
# run under both QEMU 7.2 and QEMU 10 with `chroot ROOT qemu-system-aarch64
# ...`: RELEASE 12 (bookworm, QEMU 7.2) on a Debian 13 machine, 13 (trixie,
# QEMU 10) on a Debian 12 one; the arm64 twin of ../debian12-qemu-root.sh
# and ../debian13-root.sh (TCG with a memfd memory backend needs no bind
# mounts; the socket and the guest files go inside ROOT). Only built where
# the system's qemu-system-aarch64 is not that version (run-arm64.sh).
#
# Usage: debian-arm-root.sh 12|13 [--print-dir | --force]; caching, locking,
# the mirror and the options are ../debian-root.sh's. About 40 s on an idle
# machine (4 minutes measured beside 5 other builds) and 250 MB.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/debian-root.sh
source "$here/../debian-root.sh"
release=${1:-}
shift || true

# --- root part begin (hashed into the cache key) ---
# The release and the QEMU version its tests were written for.
case $release in
12) suite=bookworm qemu_version=7.2 ;;
13) suite=trixie qemu_version=10 ;;
*) die "usage: $0 12|13 [--print-dir | --force]" ;;
esac
root_name=debian$release-arm
variant=minbase
packages=(qemu-system-arm)
about="about 40 s"

finish_root() {
  local root=$1 work=$2 version
  version=$(chroot "$root" qemu-system-aarch64 --version | head -n 1) ||
    die "qemu-system-aarch64 does not run inside the new root"
  [[ $version =~ ^QEMU\ emulator\ version\ ${qemu_version//./\\.}\. ]] ||
    die "expected QEMU $qemu_version.x in the root, got: $version"
  chroot "$root" qemu-system-aarch64 -device help 2>&1 |
    grep -q '"vhost-user-gpio-device"' ||
    die "this QEMU has no vhost-user-gpio-device"
  printf '%s\n' "$version" >"$work/out/version"
}
# --- root part end ---

debian_root_main "$@"
