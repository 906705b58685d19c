#!/usr/bin/env bash
# Runs a command the way a new user would, on a freshly installed Debian 12
# or Debian 13 machine: a copy of the cached clean root (clean-root.sh,
# debootstrap minbase and nothing else) with /proc, /sys and /dev mounted,
# holding a clone of the source tree at HEAD in /root/vhost-device-gpio (the
# user's clone: committed files only), entered with chroot as root. Prints the command's output
# (also kept in the log), its exit status, how long it took, and how much
# the machine grew (packages installed, caches filled). The by-hand
# first-run proofs of README.md (see README.md here).
#
# Usage: in-clean-root.sh [--keep] [--log FILE] RELEASE SOURCE_DIR COMMAND...
#   RELEASE   bookworm or trixie
#   COMMAND   run by bash in /root/vhost-device-gpio, e.g. scripts/run
#   --keep    keep the machine (its path is printed; unmount with
#             `tests/fresh/in-clean-root.sh --down DIR`)
#   --log     the log file (default: in-clean-root-RELEASE-DATE.log in the
#             current directory)
# Environment: VDG_FRESH_REV (a revision other than HEAD), VDG_FRESH_WORK
# (where the machine goes; default /var/tmp), VDG_DEBIAN_MIRROR.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/fresh/lib.sh
source "$here/lib.sh"

keep=0
logf=""
if [[ ${1:-} == --down ]]; then
  fresh_machine_down "$2"
  rm -rf --one-file-system "$2"
  exit 0
fi
while [[ ${1:-} == --* ]]; do
  case $1 in
  --keep) keep=1 ;;
  --log)
    logf=$2
    shift
    ;;
  *) break ;;
  esac
  shift
done
(($# >= 3)) || {
  echo "usage: $0 [--keep] [--log FILE] bookworm|trixie SOURCE_DIR COMMAND..." >&2
  exit 2
}
release=$1 src=$2
shift 2
[[ $(id -u) == 0 ]] || {
  echo "in-clean-root: needs root (debootstrap, mount, chroot)" >&2
  exit 1
}
logf=${logf:-$PWD/in-clean-root-$release-$(date +%Y%m%d-%H%M%S).log}

dir=$(mktemp -d "${VDG_FRESH_WORK:-/var/tmp}/vdg-clean-$release.XXXXXX")
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  fresh_machine_down "$dir"
  if ((keep)); then
    echo "in-clean-root: kept $dir (remove: $0 --down $dir)" >&2
  else
    rm -rf --one-file-system "$dir"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

fresh_machine_copy "$release" "$dir"
# The user's clone: committed files only, and a git work tree (the fresh
# suite copies git archive HEAD of it).
rev=$(git -C "$src" rev-parse --short "${VDG_FRESH_REV:-HEAD}")
git clone -q --no-hardlinks --no-checkout "$src" "$dir/merged/root/vhost-device-gpio"
git -C "$dir/merged/root/vhost-device-gpio" checkout -q --detach "$rev"
size0=$(du -sm --one-file-system "$dir/merged" | cut -f1)
{
  echo "in-clean-root: a clean $release machine ($(cat "$dir/merged/etc/debian_version"), minbase, ${size0} MB)"
  echo "in-clean-root: a clone of $src at $rev in /root/vhost-device-gpio"
  echo "in-clean-root: \$ $*   (as root, started $(date -u '+%F %T') UTC)"
} | tee "$logf"
start=$SECONDS
rc=0
fresh_argv "$dir"
"${fresh_argv[@]}" bash -c 'cd /root/vhost-device-gpio && exec "$@"' bash "$@" \
  </dev/null 2>&1 | tee -a "$logf" || rc=${PIPESTATUS[0]}
elapsed=$((SECONDS - start))
size1=$(du -sm --one-file-system "$dir/merged" | cut -f1)
cachemb=$(du -sm "$dir/merged/root/.cache" 2>/dev/null | cut -f1 || echo 0)
{
  echo "in-clean-root: exit status $rc after ${elapsed} s ($((elapsed / 60)) min $((elapsed % 60)) s)"
  echo "in-clean-root: the machine grew from ${size0} MB to ${size1} MB (~/.cache/vhost-device-gpio: ${cachemb:-0} MB)"
} | tee -a "$logf"
exit "$rc"
