# shellcheck shell=bash
# shellcheck disable=SC2154 # suite, mirror, ...: set by the sourcing script
# Sourced by debian13-root.sh and tests/package/debian12-root.sh: builds
# (once) and caches a debootstrap'ed Debian root.
#
# The sourcing script sets, between "# --- root part begin" and
# "# --- root part end" lines (that text, with this file, is hashed into the
# cache key): root_name (e.g. debian13), suite, mirror, variant, packages
# (array), about (the build's rough duration for the progress line) and a
# function finish_root ROOT WORK that completes and checks the root and
# writes a one-line description to WORK/out/version. Then it calls
# `debian_root_main "$@"`.
#
# Usage of such a script: [--print-dir | --force]
#   (no option)  build the root if it is missing, then print its path
#   --print-dir  print the path the root has (or will have) and exit, without
#                building anything
#   --force      rebuild the root even if it is cached
#
# The root lives in the end-to-end tests' cache directory ($VDG_CACHE_DIR,
# else $XDG_CACHE_HOME/vhost-device-gpio, else ~/.cache/vhost-device-gpio),
# as NAME-<hash>/root. Editing the root part selects a new entry; a point
# release of the suite does not: use --force for that. It is built in a
# tmp.NAME.* directory and renamed into place only when complete and
# checked, under a lock, so an interrupted or concurrent build never leaves
# a broken entry. Needs root (debootstrap, chroot); installs debootstrap
# with apt-get if it is missing. Progress goes to stderr; stdout carries
# only the root's path.

debian_root_lib=${BASH_SOURCE[0]}
cache=${VDG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vhost-device-gpio}

log() { printf '%s-root: %s\n' "${root_name:-debian}" "$*" >&2; }
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
  local work=$1 root=$1/root blog=$1/debootstrap.log
  # debootstrap follows Depends and Pre-Depends only, never Recommends.
  local include
  include=$(
    IFS=,
    echo "${packages[*]}"
  )
  log "debootstrap --variant=$variant --include=$include $suite $mirror" \
    "($about)"
  run_logged "$blog" debootstrap --variant="$variant" --include="$include" \
    "$suite" "$root" "$mirror"
  # Downloaded .debs and the package lists are not needed by the tests.
  run_logged "$blog" chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/log/*.log \
    "$root"/var/cache/debconf/*-old
  finish_root "$root" "$work"
}

key() {
  {
    sed -n '/^# --- root part begin/,/^# --- root part end/p' "$0"
    cat "$debian_root_lib"
  } | sha256sum | cut -c1-16
}

debian_root_main() {
  local force=0 final tmp lockfd start
  case ${1:-} in
  --print-dir)
    printf '%s\n' "$cache/$root_name-$(key)/root"
    return 0
    ;;
  --force) force=1 ;;
  '') ;;
  *) die "usage: $0 [--print-dir | --force]" ;;
  esac
  final=$cache/$root_name-$(key)
  if [[ $force == 0 && -d $final ]]; then
    printf '%s\n' "$final/root"
    return 0
  fi
  [[ $(id -u) == 0 ]] || die "building the root needs root (debootstrap, chroot)"
  mkdir -p "$cache"
  # Not build-guest.sh's lock: a kernel build there must not hold this up.
  exec {lockfd}>"$cache/lock.$root_name"
  flock "$lockfd"
  if [[ $force == 0 && -d $final ]]; then
    printf '%s\n' "$final/root"
    return 0
  fi
  ensure_debootstrap
  # Under the lock, leftovers of killed builds are safe to remove.
  local old
  for old in "$cache/tmp.$root_name".*; do
    [[ -e $old ]] && remove_tree "$old"
  done
  tmp=$(mktemp -d "$cache/tmp.$root_name.XXXXXX")
  # shellcheck disable=SC2064 # expand $tmp now: it is local
  trap "remove_tree '$tmp'" EXIT
  # Make a signal run the EXIT trap too (after the running child exits).
  trap 'exit 130' INT TERM HUP
  mkdir "$tmp/out"
  start=$SECONDS
  build_root "$tmp"
  mv -T "$tmp/root" "$tmp/out/root"
  log "$(cat "$tmp/out/version"), $(du -sh --one-file-system \
    "$tmp/out/root" | cut -f1), built in $((SECONDS - start)) s"
  remove_tree "$final"
  mv -T "$tmp/out" "$final"
  remove_tree "$tmp"
  trap - EXIT
  exec {lockfd}>&-
  printf '%s\n' "$final/root"
}
