#!/usr/bin/env bash
# Build (once) and cache a clean Debian root: `debootstrap --variant=minbase`
# of Debian 12 (bookworm) or Debian 13 (trixie) and nothing else, the
# "freshly installed machine" the fresh suite (run-fresh.sh) and the by-hand
# first-run proofs (README.md here) start from. Users of it never change it:
# they mount an overlay on it.
#
# Usage: clean-root.sh bookworm|trixie [--print-dir | --force]; caching,
# locking, the mirror (this machine's apt sources', or VDG_DEBIAN_MIRROR)
# and the options are tests/e2e/debian-root.sh's. About 30 s and 200 MB
# each.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
release=${1:-}
shift || true
# shellcheck source=tests/e2e/debian-root.sh
source "$here/../e2e/debian-root.sh"

# --- root part begin (hashed into the cache key) ---
case $release in
bookworm) root_name=fresh-debian12 ;;
trixie) root_name=fresh-debian13 ;;
*) die "usage: $0 bookworm|trixie [--print-dir | --force]" ;;
esac
suite=$release
variant=minbase
# Nothing beyond minbase: what the project needs, scripts/install-deps must
# install.
packages=()
about="about 30 s"

finish_root() {
  local root=$1 work=$2
  [[ -s $root/etc/debian_version ]] || die "no /etc/debian_version in the root"
  printf 'Debian %s (%s, minbase)\n' "$(cat "$root/etc/debian_version")" \
    "$suite" >"$work/out/version"
}
# --- root part end ---

debian_root_main "$@"
