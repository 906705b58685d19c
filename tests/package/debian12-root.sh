#!/usr/bin/env bash
# Build (once) and cache a minimal Debian 12 (bookworm) root that boots with
# systemd as PID 1, the throw-away system test-package.sh installs the .deb
# into (each run boots an overlay of it, so the cached root is never changed).
#
# Usage: debian12-root.sh [--print-dir | --force]
#   (no option)  build the root if it is missing, then print its path
#   --print-dir  print the path the root has (or will have) and exit, without
#                building anything
#   --force      rebuild the root even if it is cached
#
# The root lives in the end-to-end tests' cache directory ($VDG_CACHE_DIR,
# else $XDG_CACHE_HOME/vhost-device-gpio, else ~/.cache/vhost-device-gpio),
# as debian12-<hash>/root, the hash covering the "root part" of this script
# (suite, mirror, variant, package list, build steps). Editing any of those
# selects a new entry; a bookworm point release does not: use --force for
# that. It is built by debootstrap in a tmp.debian12.* directory and renamed
# into place only when complete and checked, under a lock, so an interrupted
# or concurrent build never leaves a broken entry. Needs root (debootstrap,
# chroot). About 30 s and 200 MB.
# Progress goes to stderr; stdout carries only the root's path.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"
cache=${VDG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vhost-device-gpio}

log() { printf 'debian12-root: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# Run a long command with its output in a log file; show the log's end if it
# fails, since the temporary directory holding it is about to be removed.
run_logged() {
  local logfile=$1
  shift
  if ! "$@" >>"$logfile" 2>&1; then
    tail -n 40 "$logfile" >&2
    die "failed: $*"
  fi
}

# Remove a (possibly half-built) root. A killed debootstrap can leave /proc
# and /sys mounted inside it: unmount everything below it first, deepest
# first, and never let rm cross into another file system.
remove_tree() {
  local dir=$1 mnt
  [[ -e $dir ]] || return 0
  dir=$(realpath "$dir")
  while read -r mnt; do
    umount -l "$mnt" 2>/dev/null || true
  done < <(awk -v d="$dir/" 'substr($5 "/", 1, length(d)) == d { print $5 }' \
    /proc/self/mountinfo | sort -r)
  rm -rf --one-file-system "$dir"
}

# --- root part begin (hashed into the cache key) ---
suite=bookworm
mirror=http://deb.debian.org/debian
variant=minbase
# systemd-sysv makes systemd the init; the daemon's own library (libseccomp2)
# comes with systemd, and the .deb's ${shlibs:Depends} are checked by dpkg -i
# in every run anyway.
packages=(systemd-sysv)

ensure_debootstrap() {
  command -v debootstrap >/dev/null && return 0
  log "installing debootstrap"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends debootstrap >&2; then
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends debootstrap >&2
  fi
}

# Build the root in $1/root (work files in $1).
build_root() {
  local work=$1 root=$1/root blog=$1/debootstrap.log version
  # debootstrap follows Depends and Pre-Depends only, never Recommends.
  local include
  include=$(
    IFS=,
    echo "${packages[*]}"
  )
  log "debootstrap --variant=$variant --include=$include $suite $mirror" \
    "(about 30 s)"
  run_logged "$blog" debootstrap --variant="$variant" --include="$include" \
    "$suite" "$root" "$mirror"
  # Downloaded .debs and the package lists are not needed to boot it.
  run_logged "$blog" chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/log/*.log \
    "$root"/var/cache/debconf/*-old
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
  printf '%s\n' "$version" >"$work/out/systemd-version"
}
# --- root part end ---

key() {
  sed -n '/^# --- root part begin/,/^# --- root part end/p' "$self" |
    sha256sum | cut -c1-16
}

main() {
  local force=0 final tmp lockfd start
  case ${1:-} in
  --print-dir)
    printf '%s\n' "$cache/debian12-$(key)/root"
    return 0
    ;;
  --force) force=1 ;;
  '') ;;
  *) die "usage: $0 [--print-dir | --force]" ;;
  esac
  final=$cache/debian12-$(key)
  if [[ $force == 0 && -d $final ]]; then
    printf '%s\n' "$final/root"
    return 0
  fi
  [[ $(id -u) == 0 ]] || die "building the root needs root (debootstrap, chroot)"
  mkdir -p "$cache"
  # Not build-guest.sh's lock: a kernel build there must not hold this up.
  exec {lockfd}>"$cache/lock.debian12"
  flock "$lockfd"
  if [[ $force == 0 && -d $final ]]; then
    printf '%s\n' "$final/root"
    return 0
  fi
  ensure_debootstrap
  # Under the lock, leftovers of killed builds are safe to remove.
  local old
  for old in "$cache"/tmp.debian12.*; do
    [[ -e $old ]] && remove_tree "$old"
  done
  tmp=$(mktemp -d "$cache/tmp.debian12.XXXXXX")
  # shellcheck disable=SC2064 # expand $tmp now: it is local
  trap "remove_tree '$tmp'" EXIT
  # Make a signal run the EXIT trap too (after the running child exits).
  trap 'exit 130' INT TERM HUP
  mkdir "$tmp/out"
  start=$SECONDS
  build_root "$tmp"
  mv -T "$tmp/root" "$tmp/out/root"
  log "$(cat "$tmp/out/systemd-version"), $(du -sh --one-file-system \
    "$tmp/out/root" | cut -f1), built in $((SECONDS - start)) s"
  remove_tree "$final"
  mv -T "$tmp/out" "$final"
  remove_tree "$tmp"
  trap - EXIT
  exec {lockfd}>&-
  printf '%s\n' "$final/root"
}

main "$@"
