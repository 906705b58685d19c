#!/usr/bin/env bash
# Build (once) and cache a minimal Debian root of this machine's release that
# boots with systemd as PID 1, the throw-away system test-package.sh installs
# the .deb into (each run boots an overlay of it, so the cached root is never
# changed): Debian 12 (bookworm) on Debian 12, Debian 13 (trixie) on Debian
# 13, since the package built here depends on this release's libraries.
#
# Usage: system-root.sh bookworm|trixie [--print-dir | --force]; caching,
# locking, the mirror and the options are tests/e2e/debian-root.sh's (see
# there). About 30 s and 200 MB.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
release=${1:-}
shift || true
# shellcheck source=tests/e2e/debian-root.sh
source "$here/../e2e/debian-root.sh"

# --- root part begin (hashed into the cache key) ---
case $release in
bookworm) root_name=debian12 ;;
trixie) root_name=debian13-system ;;
*) die "usage: $0 bookworm|trixie [--print-dir | --force]" ;;
esac
suite=$release
variant=minbase
# systemd-sysv makes systemd the init; the daemon's own library (libseccomp2)
# comes with systemd, and the .deb's ${shlibs:Depends} are checked by dpkg -i
# in every run anyway.
packages=(systemd-sysv)
about="about 30 s"

finish_root() {
  local root=$1 work=$2 version
  # A machine id is made at first boot when the file is empty; a hostname
  # keeps the journal lines short.
  : >"$root/etc/machine-id"
  echo vdg-pkg >"$root/etc/hostname"
  # Nothing in the booted system needs a getty or the network; masking them
  # keeps the boot short and quiet.
  local unit
  for unit in getty.target console-getty.service systemd-networkd.service \
    systemd-resolved.service systemd-timesyncd.service apt-daily.timer \
    apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
    fstrim.timer; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
  done
  version=$(chroot "$root" /lib/systemd/systemd --version | head -n 1) ||
    die "systemd does not run inside the new root"
  [[ $(readlink -f "$root/sbin/init") == */systemd ]] ||
    die "/sbin/init in the new root is not systemd"
  printf '%s\n' "$version" >"$work/out/version"
}
# --- root part end ---

debian_root_main "$@"
