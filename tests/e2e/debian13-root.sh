#!/usr/bin/env bash
# Build (once) and cache a Debian 13 (trixie) root holding QEMU 10, so that the
# end-to-end tests can run QEMU 10 on a Debian 12 machine with
# `chroot ROOT qemu-system-x86_64 ...` (TCG with a memfd memory backend needs
# no bind mounts; put the vhost-user socket and the guest files inside ROOT).
#
# Usage: debian13-root.sh [--print-dir | --force]; caching, locking and the
# options are debian-root.sh's (see there). About 40 s and 310 MB.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/debian-root.sh
source "$here/debian-root.sh"

# --- root part begin (hashed into the cache key) ---
root_name=debian13
suite=trixie
variant=minbase
packages=(qemu-system-x86)
about="about 40 s"
# The QEMU major version the tests were written for.
qemu_major=10

finish_root() {
  local root=$1 work=$2 version
  version=$(chroot "$root" qemu-system-x86_64 --version | head -n 1) ||
    die "qemu-system-x86_64 does not run inside the new root"
  [[ $version =~ ^QEMU\ emulator\ version\ ${qemu_major}\. ]] ||
    die "expected QEMU $qemu_major.x in the root, got: $version"
  chroot "$root" qemu-system-x86_64 -device help 2>&1 |
    grep -q '"vhost-user-gpio-pci"' ||
    die "this QEMU has no vhost-user-gpio-pci device"
  printf '%s\n' "$version" >"$work/out/version"
}
# --- root part end ---

debian_root_main "$@"
