# shellcheck shell=bash
# shellcheck disable=SC2154 # suite, mirror, ...: set by the sourcing script
# Sourced by debian13-root.sh, debian12-qemu-root.sh,
# tests/package/system-root.sh and tests/fresh/clean-root.sh: builds
# (once) and caches a debootstrap'ed Debian root.
#
# The sourcing script sets, between "# --- root part begin" and
# "# --- root part end" lines (that text, with this file, is hashed into the
# cache key): root_name (e.g. debian13), suite, variant, packages (array), about (the build's rough duration for the progress line) and a
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
#
# The mirror is the one this machine's apt sources use (debian_mirror below),
# or $VDG_DEBIAN_MIRROR; it is not part of the cache key (every mirror
# serves the same packages). apt's HTTP proxy (Acquire::http::Proxy), if
# set, is given to debootstrap as http_proxy.

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

# debian_mirror: print the Debian mirror to debootstrap from: $VDG_DEBIAN_MIRROR
# if set, else the first URI of this machine's apt sources (one-line
# sources.list and *.list files, deb822 *.sources files) that serves a
# Debian release suite (bookworm, trixie, stable, ...; not -security,
# -updates or -backports). Fails with a message when there is none (e.g. on
# Ubuntu, whose mirrors have no Debian suites).
debian_mirror() {
  if [[ -n ${VDG_DEBIAN_MIRROR:-} ]]; then
    printf '%s\n' "${VDG_DEBIAN_MIRROR%/}"
    return 0
  fi
  local files=() f uri
  local etc=${VDG_APT_ETC:-/etc/apt}
  for f in "$etc"/sources.list "$etc"/sources.list.d/*.list \
    "$etc"/sources.list.d/*.sources; do
    [[ -f $f ]] && files+=("$f")
  done
  # mawk (Debian's default awk) has no ENDFILE: one awk per file.
  uri=""
  for f in "${files[@]}"; do
    if [[ $f == *.sources ]]; then
      uri=$(awk "$debian_suite_awk"'
        function stanza_end(   n, u, s, k, j) {
          if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled) {
            n = split(suites, s, /[ \t]+/)
            for (k = 1; k <= n; k++)
              if (debian_suite(s[k])) {
                split(uris, u, /[ \t]+/)
                for (j = 1; j in u; j++) if (u[j] != "") { print u[j]; found = 1; exit }
              }
          }
          types = ""; uris = ""; suites = ""; enabled = 1
        }
        BEGIN { enabled = 1 }
        /^[ \t]*$/ { stanza_end(); next }
        /^#/ { next }
        tolower($1) == "types:" { $1 = ""; types = $0 }
        tolower($1) == "uris:" { $1 = ""; uris = $0 }
        tolower($1) == "suites:" { $1 = ""; suites = $0 }
        tolower($1) == "enabled:" { enabled = (tolower($2) != "no") }
        END { if (!found) stanza_end() }
      ' "$f" 2>/dev/null) || uri=""
    else
      # deb [options] URI SUITE COMPONENT...
      uri=$(awk "$debian_suite_awk"'
        $1 != "deb" { next }
        {
          i = 2
          if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
          if (debian_suite($(i + 1))) { print $i; exit }
        }
      ' "$f" 2>/dev/null) || uri=""
    fi
    [[ -n $uri ]] && break
  done
  if [[ -z $uri ]]; then
    log "error: no Debian mirror in this machine's apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d/)"
    log "set VDG_DEBIAN_MIRROR to one, e.g. VDG_DEBIAN_MIRROR=http://YOUR-MIRROR/debian"
    return 1
  fi
  printf '%s\n' "${uri%/}"
}

debian_suite_awk='
  function debian_suite(s) {
    return s ~ /^(bookworm|trixie|forky|duke|sid|stable|testing|unstable|oldstable)$/
  }'

# apt's HTTP proxy, if one is configured, for debootstrap (which does not
# read apt's configuration).
apt_proxy_env() {
  local proxy=""
  if [[ -z ${http_proxy:-} ]] && command -v apt-config >/dev/null; then
    eval "$(apt-config shell proxy Acquire::http::Proxy)"
    if [[ -n $proxy && $proxy != DIRECT ]]; then
      log "using apt's proxy $proxy"
      export http_proxy=$proxy
    fi
  fi
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
  local work=$1 root=$1/root blog=$1/debootstrap.log mirror
  mirror=$(debian_mirror) || die "no Debian mirror to debootstrap from"
  apt_proxy_env
  # debootstrap follows Depends and Pre-Depends only, never Recommends.
  local include=()
  ((${#packages[@]} == 0)) || include=("--include=$(
    IFS=,
    echo "${packages[*]}"
  )")
  log "debootstrap --variant=$variant ${include[*]} $suite $mirror" \
    "($about)"
  run_logged "$blog" debootstrap --variant="$variant" "${include[@]}" \
    "$suite" "$root" "$mirror"
  # Downloaded .debs and the package lists are not needed by the tests.
  run_logged "$blog" chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/log/*.log \
    "$root"/var/cache/debconf/*-old
  finish_root "$root" "$work"
}

key() {
  {
    # One script may build several roots (tests/fresh/clean-root.sh).
    echo "$root_name $suite"
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
