#!/usr/bin/env bash
# The fresh suite: the README's front door on freshly installed Debian 12 and
# Debian 13 machines. Each is a throw-away overlay on a cached clean root
# (clean-root.sh: debootstrap minbase, nothing else) holding `git archive
# HEAD` of the source tree (committed files only). In each:
#
#   1. scripts/install-deps installs the build's packages (for real);
#   2. meson setup + ninja build it (the path scripts/run takes), and meson
#      says in one line that the tests are not built and why;
#   3. scripts/run --serve as root: the socket appears, the control client
#      sets and reads a line, SIGTERM stops it with exit 0, sockets removed;
#   4. every package of scripts/install-deps --demo and --test exists in
#      that release and installs together (apt-get install --simulate);
#   5. as a non-root account without sudo: scripts/install-deps --demo
#      (packages missing) fails saying what to run as root, and
#      scripts/run --serve builds and serves as in 3;
#   6. scripts/install-deps --test really installs every package of its
#      list (cached, see below), and in that machine the things that need
#      them start: meson setup -Dtests=enabled (cmocka, valgrind) and a
#      build with the tests, the unit suite (cmocka), dpkg-checkbuilddeps
#      (debian/control and build-essential), build-guest.sh --check (the
#      kernel source and tools, busybox, gpiod, cpio), the system's QEMU
#      (its vhost-user-gpio-pci device), debootstrap, systemd-nspawn,
#      systemd-analyze, man, git, and scripts/fuzz --check (clang with
#      libFuzzer).
#
# Step 6's machine (the clean root plus the --test packages) is cached as an
# overlay upper layer keyed by the clean root and scripts/install-deps:
# editing the package lists selects a new one, so a package removed from a
# list is missing there and a check fails.
#
# TAP on stdout (each result prefixed with the release), progress on stderr.
# Needs root (debootstrap, mount, chroot) and the Debian mirror of this
# machine's apt sources (VDG_DEBIAN_MIRROR overrides it).
#
# Usage: run-fresh.sh [--keep] [--release bookworm|trixie]... SOURCE_DIR
#   --keep     keep the temporary directory (logs, the overlays' upper
#              layers) and print its path; also VDG_FRESH_KEEP=1
#   --release  only these releases (default: bookworm and trixie)
# Environment: VDG_CACHE_DIR (see tests/e2e/build-guest.sh),
# VDG_FRESH_SERIAL=1 (one release after the other; by default they run at
# the same time, one run of this script each).
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$here/../e2e/lib.sh"
# shellcheck source=tests/fresh/lib.sh
source "$here/lib.sh"
keep=${VDG_FRESH_KEEP:-0}
releases=()
src=""
cache=${VDG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vhost-device-gpio}

usage() {
  echo "usage: $0 [--keep] [--release bookworm|trixie]... SOURCE_DIR" >&2
  exit 2
}
while (($#)); do
  case $1 in
  --keep) keep=1 ;;
  --release)
    (($# >= 2)) || usage
    releases+=("$2")
    shift
    ;;
  -*) usage ;;
  *)
    [[ -z $src ]] || usage
    src=$1
    ;;
  esac
  shift
done
[[ -n $src ]] || usage
((${#releases[@]})) || releases=(bookworm trixie)

log() { printf 'fresh: %s\n' "$*" >&2; }

[[ $(id -u) == 0 ]] || bail_out "the fresh suite needs root (debootstrap, mount, chroot)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vdg-fresh.XXXXXX")
machines=()
serve_pid=""
# shellcheck disable=SC2317 # run by the EXIT trap
stop_all() {
  local m
  if [[ -n $serve_pid ]]; then
    kill -KILL "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
  fi
  for m in "${machines[@]}"; do
    fresh_machine_down "$m"
  done
}
e2e_traps "$tmp" "$keep" stop_all

# Several releases: one run of this script per release, at the same time
# (much of each is downloading and unpacking), their TAP merged in order.
if ((${#releases[@]} > 1)) && [[ -z ${VDG_FRESH_SERIAL:-} ]]; then
  pids=()
  for release in "${releases[@]}"; do
    VDG_FRESH_KEEP=$keep "$0" --release "$release" "$src" \
      >"$tmp/$release.tap" 2> >(sed -u "s/^/[$release] /" >&2) &
    pids+=($!)
  done
  i=0
  for release in "${releases[@]}"; do
    rc=0
    wait "${pids[i]}" || rc=$?
    i=$((i + 1))
    bad=0
    while IFS= read -r line; do
      if [[ $line =~ ^(not\ ok|ok)\ [0-9]+\ -\ (.*)$ ]]; then
        if [[ ${BASH_REMATCH[1]} == ok ]]; then
          tap_ok "${BASH_REMATCH[2]}"
        else
          tap_not_ok "${BASH_REMATCH[2]}"
          bad=1
        fi
      elif [[ $line =~ ^Bail\ out!(.*)$ ]]; then
        tap_not_ok "$release:${BASH_REMATCH[1]}"
        bad=1
      elif [[ $line == \#* ]]; then
        echo "$line"
      fi
    done <"$tmp/$release.tap"
    # A run that failed without saying so must not pass.
    ((rc == 0 || bad)) || tap_not_ok "$release: the run exited with status $rc"
  done
  echo "# the fresh suite took $SECONDS s"
  tap_done
fi

fresh_tree "$src" "$tmp/tree.tar" || bail_out "no git archive of $src"
log "the tree: git archive of $src at ${VDG_FRESH_REV:-HEAD} ($(git -C "$src" rev-parse --short "${VDG_FRESH_REV:-HEAD}"))"

# step NAME LOG CMD...: run CMD, its output in LOG; TAP ok/not ok NAME, and
# on failure the end of LOG.
step() {
  local name=$1 logf=$2 t0=$SECONDS rc=0
  shift 2
  "$@" >"$logf" 2>&1 || rc=$?
  if ((rc == 0)); then
    tap_ok "$name ($((SECONDS - t0)) s)"
  else
    tap_not_ok "$name (exit status $rc)"
    tap_diag_tail "$logf" 25 "its output"
  fi
  return "$rc"
}

# serve_check LABEL DIR USER SRCDIR SOCKET: scripts/run --serve in the
# machine, as USER (root or not), from SRCDIR: the socket appears (the
# build, if any, included: 600 s), the control client sets line 5 and reads
# it back, SIGTERM stops it with exit 0 and the sockets are removed.
serve_check() {
  local label=$1 dir=$2 user=$3 tree=$4 sock=$5 logf runner answer i
  logf=$tmp/serve-${dir##*/}-$user.log
  fresh_argv "$dir" "$user"
  runner=("${fresh_argv[@]}")
  "${runner[@]}" bash -c "cd '$tree' && SOCKET='$sock' exec scripts/run --serve" \
    </dev/null >"$logf" 2>&1 &
  serve_pid=$!
  for ((i = 0; i < 6000; i++)); do
    [[ -S $dir/merged${sock}0.sim ]] && break
    process_alive "$serve_pid" || break
    sleep 0.1
  done
  if ! [[ -S $dir/merged${sock}0 && -S $dir/merged${sock}0.sim ]]; then
    tap_not_ok "$label: scripts/run --serve made ${sock}0 and its .sim"
    stop_process "$serve_pid" TERM 50
    serve_pid=""
    echo "# scripts/run exited with status $stop_rc"
    tap_diag_tail "$logf" 30 "its output"
    return 0
  fi
  tap_ok "$label: scripts/run --serve made ${sock}0 and its .sim"
  answer=$("${runner[@]}" timeout 10 "$tree/build/vhost-device-gpio-sim" \
    "${sock}0.sim" set 5 1 2>&1) || true
  tap_check "$label: the control client sets line 5 ('$answer')" \
    test "$answer" = ok
  answer=$("${runner[@]}" timeout 10 "$tree/build/vhost-device-gpio-sim" \
    "${sock}0.sim" get 5 2>&1) || true
  tap_check "$label: the control client reads it back ('$answer')" \
    test "$answer" = "5 in 1"
  stop_process "$serve_pid" TERM 50
  serve_pid=""
  tap_check "$label: SIGTERM stops it with exit status 0 (got $stop_rc)" \
    test "$stop_rc" = 0
  tap_check "$label: its socket files are removed" \
    test ! -e "$dir/merged${sock}0" -a ! -e "$dir/merged${sock}0.sim"
  if ((tap_failures)); then
    tap_diag_tail "$logf" 15 "scripts/run's output"
  fi
}

# The cached machine of step 6: the upper layer of an overlay on the clean
# root after `scripts/install-deps --test`, keyed by the clean root and the
# list of packages `install-deps --list --test` gives for the release (LIST,
# a file): a package added to or dropped from the list selects a new layer.
# Built under a lock in a tmp.* directory and renamed into place when
# complete; leftovers of killed builds, and the layers of other lists, are
# removed by the next build. Prints its directory (the layer is DIR/upper).
test_layer() {
  local release=$1 list=$2 key lower final stage lockfd old rc=0
  lower=$("$here/clean-root.sh" "$release" --print-dir)
  key=$( {
    echo "$lower"
    sort "$list"
  } | sha256sum | cut -c1-16)
  final=$cache/fresh-test-$release-$key
  mkdir -p "$cache"
  exec {lockfd}>"$cache/lock.fresh-test-$release"
  flock "$lockfd"
  if [[ -d $final/upper ]]; then
    echo "$final"
    return 0
  fi
  for old in "$cache/tmp.fresh-test-$release".* "$cache/fresh-test-$release"-*; do
    [[ -e $old ]] || continue
    fresh_machine_down "$old"
    rm -rf --one-file-system "$old"
  done
  stage=$(mktemp -d "$cache/tmp.fresh-test-$release.XXXXXX")
  fresh_machine_up "$release" "$stage" "$cache/fresh-apt-$release" >&2 || rc=1
  if ((rc == 0)); then
    tar -xf "$tmp/tree.tar" -C "$stage/merged/root"
    fresh_in "$stage" /root/vhost-device-gpio/scripts/install-deps --test >&2 || rc=$?
    rm -rf "$stage/merged/root/vhost-device-gpio"
  fi
  fresh_machine_down "$stage"
  if ((rc)); then
    rm -rf --one-file-system "$stage"
    return "$rc"
  fi
  rm -f "$stage/upper/etc/dpkg/dpkg.cfg.d/vdg-fresh-unsafe-io"
  rm -rf --one-file-system "$final"
  mkdir -p "$final"
  mv -T "$stage/upper" "$final/upper"
  rm -rf --one-file-system "$stage"
  exec {lockfd}>&-
  echo "$final"
}

for release in "${releases[@]}"; do
  case $release in
  bookworm) label=debian12 ;;
  trixie) label=debian13 ;;
  *) bail_out "unknown release $release (bookworm or trixie)" ;;
  esac
  t_release=$SECONDS
  dir=$tmp/$label
  machines+=("$dir")
  log "$label: a clean $release machine (overlay on the cached minbase root)"
  if ! fresh_machine_up "$release" "$dir" "$cache/fresh-apt-$release" \
    >"$tmp/$label-up.log" 2>&1; then
    tap_not_ok "$label: a clean $release root (debootstrap minbase) under an overlay"
    tap_diag_tail "$tmp/$label-up.log" 20 "its output"
    continue
  fi
  tap_ok "$label: a clean $release root (debootstrap minbase) under an overlay"
  tree=/root/vhost-device-gpio
  tar -xf "$tmp/tree.tar" -C "$dir/merged/root"

  # 1-2: the build, as scripts/run does it.
  log "$label: scripts/install-deps, meson setup, ninja"
  if step "$label: scripts/install-deps installs the build's packages" \
    "$tmp/$label-deps.log" fresh_in "$dir" "$tree/scripts/install-deps" &&
    step "$label: meson setup build" "$tmp/$label-setup.log" \
      fresh_in "$dir" meson setup "$tree/build" "$tree"; then
    tap_check "$label: meson says in one line the tests are not built and why" \
      grep -q 'tests: not built (missing: cmocka' "$tmp/$label-setup.log"
    step "$label: ninja builds the daemon and the control client" \
      "$tmp/$label-ninja.log" fresh_in "$dir" ninja -C "$tree/build" || true
  fi

  # 3: the daemon served by scripts/run --serve, as root.
  log "$label: scripts/run --serve as root"
  serve_check "$label root" "$dir" root "$tree" /run/vdg-fresh.sock

  # 4: every package of the demo and test lists exists in this release.
  for what in demo test; do
    pkgs=()
    mapfile -t pkgs < <(fresh_in "$dir" "$tree/scripts/install-deps" \
      --list --$what 2>&1)
    printf '%s\n' "${pkgs[@]}" >"$tmp/$label-$what.list"
    # PKG:arm64 (the arm64 build's) needs dpkg's foreign architecture arm64
    # and its lists, as install-deps --test itself arranges.
    if grep -q ':arm64$' "$tmp/$label-$what.list"; then
      fresh_in "$dir" sh -c 'dpkg --add-architecture arm64 && apt-get update -q' \
        >"$tmp/$label-arm64-$what.log" 2>&1 || true
    fi
    step "$label: apt-get install --simulate of install-deps --$what's ${#pkgs[@]} packages" \
      "$tmp/$label-sim-$what.log" \
      fresh_in "$dir" apt-get install --simulate --no-install-recommends \
      "${pkgs[@]}" || true
  done

  # 5: a non-root account without sudo, with the build's packages present.
  log "$label: as a non-root account"
  fresh_in "$dir" useradd -m -s /bin/bash vdg >"$tmp/$label-useradd.log" 2>&1 ||
    true
  tar -xf "$tmp/tree.tar" -C "$dir/merged/home/vdg"
  fresh_in "$dir" chown -R vdg:vdg /home/vdg/vhost-device-gpio
  rc=0
  fresh_as "$dir" vdg /home/vdg/vhost-device-gpio/scripts/install-deps --demo \
    >"$tmp/$label-user-demo.log" 2>&1 || rc=$?
  if ((rc != 0)) && grep -q 'not root and there is no sudo. As root, run:' \
    "$tmp/$label-user-demo.log"; then
    tap_ok "$label user: install-deps --demo without root or sudo fails, saying what to run as root"
  else
    tap_not_ok "$label user: install-deps --demo without root or sudo fails, saying what to run as root (exit status $rc)"
    tap_diag_tail "$tmp/$label-user-demo.log" 10 "its output"
  fi
  serve_check "$label user" "$dir" vdg /home/vdg/vhost-device-gpio \
    /tmp/vdg-fresh-user.sock
  fresh_machine_down "$dir"
  log "$label: steps 1-5 took $((SECONDS - t_release)) s"

  # 6: scripts/install-deps --test for real (a cached layer), and what
  # needs its packages.
  t_release=$SECONDS
  log "$label: scripts/install-deps --test (cached per install-deps)"
  if ! layer=$(test_layer "$release" "$tmp/$label-test.list" \
    2>"$tmp/$label-test-deps.log"); then
    tap_not_ok "$label: scripts/install-deps --test installs the tests' packages"
    tap_diag_tail "$tmp/$label-test-deps.log" 25 "its output"
    continue
  fi
  tap_ok "$label: scripts/install-deps --test installs the tests' packages (${layer##*/})"
  dir=$tmp/$label-test
  machines+=("$dir")
  if ! fresh_machine_up "$release" "$dir" "" "$layer/upper" \
    >"$tmp/$label-test-up.log" 2>&1; then
    tap_not_ok "$label: the machine with the tests' packages"
    tap_diag_tail "$tmp/$label-test-up.log" 20 "its output"
    continue
  fi
  tar -xf "$tmp/tree.tar" -C "$dir/merged/root"
  step "$label tests: meson setup -Dtests=enabled finds cmocka and valgrind" \
    "$tmp/$label-t-setup.log" \
    fresh_in "$dir" meson setup -Dtests=enabled "$tree/build-t" "$tree" || true
  step "$label tests: dpkg-checkbuilddeps (debian/control, build-essential)" \
    "$tmp/$label-t-bdeps.log" \
    fresh_in "$dir" sh -c "cd '$tree' && dpkg-checkbuilddeps" || true
  step "$label tests: build-guest.sh --check (kernel source and tools, busybox, gpiod)" \
    "$tmp/$label-t-guest.log" \
    fresh_in "$dir" "$tree/tests/e2e/build-guest.sh" --check || true
  step "$label tests: the system's QEMU has vhost-user-gpio-pci" \
    "$tmp/$label-t-qemu.log" fresh_in "$dir" sh -c \
    'qemu-system-x86_64 --version && qemu-system-x86_64 -device help | grep "\"vhost-user-gpio-pci\""' ||
    true
  # The programs the suites run (and which suite): e2e and package
  # (debootstrap, systemd-nspawn), install (man, systemd-analyze), fresh
  # (git), the daemonvalgrind setup (valgrind), the package (fakeroot,
  # dpkg-buildpackage), scripts/fuzz (clang).
  step "$label tests: the programs the suites run are installed" \
    "$tmp/$label-t-progs.log" fresh_in "$dir" sh -c '
      rc=0
      for p in debootstrap systemd-nspawn man systemd-analyze git valgrind \
        python3 fakeroot dpkg-buildpackage clang cpio; do
        command -v "$p" >/dev/null || { echo "missing: $p"; rc=1; }
      done
      for pc in bash-completion systemd; do
        pkg-config --exists "$pc" || { echo "missing: $pc.pc"; rc=1; }
      done
      exit $rc' || true
  step "$label tests: clang links a libFuzzer target" "$tmp/$label-t-fuzz.log" \
    fresh_in "$dir" sh -c 'printf "%s\n" "#include <stddef.h>" \
      "int LLVMFuzzerTestOneInput(const char *d, size_t n) { return 0; }" \
      >/tmp/f.c && clang -fsanitize=fuzzer,address /tmp/f.c -o /tmp/f && /tmp/f -runs=1' ||
    true
  fresh_machine_down "$dir"
  log "$label: step 6 took $((SECONDS - t_release)) s"
done

echo "# the fresh suite took $SECONDS s"
tap_done
