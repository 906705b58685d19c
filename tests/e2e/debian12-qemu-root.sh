#!/usr/bin/env bash
# Build (once) and cache a Debian 12 (bookworm) root holding QEMU 7.2, so that
# the end-to-end tests can run QEMU 7.2 on a Debian 13 machine (whose own QEMU
# is 10) with `chroot ROOT qemu-system-x86_64 ...`: the mirror image of
# debian13-root.sh on Debian 12. TCG with a memfd memory backend needs no
# bind mounts; put the vhost-user socket and the guest files inside ROOT.
# Only built where the system's QEMU is not 7.2 (lib.sh: qemu_select).
#
# Usage: debian12-qemu-root.sh [--print-dir | --force]; caching, locking,
# the mirror and the options are debian-root.sh's (see there). About 40 s
# and 300 MB.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/debian-root.sh
source "$here/debian-root.sh"

# --- root part begin (hashed into the cache key) ---
root_name=debian12-qemu
suite=bookworm
variant=minbase
packages=(qemu-system-x86)
about="about 40 s"
# The QEMU version the tests were written for.
qemu_version=7.2

finish_root() {
  local root=$1 work=$2 version
  version=$(chroot "$root" qemu-system-x86_64 --version | head -n 1) ||
    die "qemu-system-x86_64 does not run inside the new root"
  [[ $version =~ ^QEMU\ emulator\ version\ ${qemu_version//./\\.}\. ]] ||
    die "expected QEMU $qemu_version.x in the root, got: $version"
  chroot "$root" qemu-system-x86_64 -device help 2>&1 |
    grep -q '"vhost-user-gpio-pci"' ||
    die "this QEMU has no vhost-user-gpio-pci device"
  printf '%s\n' "$version" >"$work/out/version"
}
# --- root part end ---

debian_root_main "$@"
