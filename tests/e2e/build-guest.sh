#!/usr/bin/env bash
# Build (once) and cache the guest kernel and initramfs of the end-to-end tests.
#
# Usage: build-guest.sh [--print-dir | --force | --check]
#   (no option)  build what is missing, then print KERNEL=<path> and
#                INITRD=<path> on stdout
#   --print-dir  print the cache directory and exit
#   --force      rebuild both entries even if they are cached
#   --check      only check that everything both builds need is installed
#
# Each entry lives in a directory named after a hash of its inputs, so editing
# the fragment, the init script or this script, or upgrading a Debian package
# that goes into the guest, selects a new entry instead of reusing a stale one.
# Builds happen in a temporary directory beside the cache and are renamed into
# place only when complete: an interrupted build never leaves a broken entry.
# Progress goes to stderr; stdout carries only the result lines.
set -euo pipefail
# Make failures inside $(...) stop the script too (pkg_version, key_of).
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"
cache=${VDG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vhost-device-gpio}
fragment="$here/guest-kernel.fragment"
guest_init="$here/guest-init"
gpiod_v1="$here/guest-gpiod-v1.sh"

log() { printf 'build-guest: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

pkg_version() {
  dpkg-query -W -f='${Version}' "$1" 2>/dev/null ||
    die "package $1 is not installed (apt-get install $1)"
}

# The text between two marker comments of this script, so that editing one
# part re-keys only the entry it builds.
script_part() {
  sed -n "/^# --- $1 part begin/,/^# --- $1 part end/p" "$self"
}

key_of() { sha256sum | cut -c1-16; }

# Run a long command with its output in a log file. On failure show the log's
# end and keep a copy, since the temporary build directory is about to go.
run_logged() {
  local logfile=$1
  shift
  if ! "$@" >>"$logfile" 2>&1; then
    tail -n 40 "$logfile" >&2
    cp "$logfile" "$cache/failed-build.log"
    die "failed: $* (full log: $cache/failed-build.log)"
  fi
}

# The kernel source package of this release, the one scripts/install-deps
# --demo installs: linux-source-6.1 on Debian 12, linux-source-6.12 on
# Debian 13. Its name is part of the kernel's cache key.
kernel_source_pkg() {
  local list
  list=$("$here/../../scripts/install-deps" --list --demo) ||
    die "scripts/install-deps --list --demo failed"
  grep -m1 '^linux-source-' <<<"$list" ||
    die "scripts/install-deps --list --demo names no linux-source package"
}

# --- kernel part begin (hashed into the kernel cache key) ---
kernel_pkg=${VDG_KERNEL_SOURCE:-$(kernel_source_pkg)}
kernel_tarball=/usr/src/$kernel_pkg.tar.xz

# Fail loudly if olddefconfig dropped any option the fragment asks for
# (usually a missing dependency, which Kconfig resolves silently).
check_kernel_config() {
  local config=$1 opt missing=()
  while read -r opt; do
    grep -qx "$opt" "$config" || missing+=("$opt")
  done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=y$' "$fragment")
  if ((${#missing[@]})); then
    die "not =y after olddefconfig: ${missing[*]}"
  fi
}

# Everything building the kernel needs (scripts/install-deps --demo installs
# it): the source tarball, the tools, libelf's headers (objtool) and
# OpenSSL's (the kernel's certificate tools).
check_kernel_inputs() {
  local tool header
  for tool in gcc make bc bison flex xz perl; do
    command -v "$tool" >/dev/null ||
      die "$tool is needed to build the guest kernel (scripts/install-deps --demo)"
  done
  for header in gelf.h openssl/ssl.h; do
    [[ -f /usr/include/$header ]] ||
      die "/usr/include/$header is needed to build the guest kernel (scripts/install-deps --demo)"
  done
  [[ -f $kernel_tarball ]] ||
    die "$kernel_tarball missing (apt-get install $kernel_pkg)"
}

build_kernel() {
  local out=$2 src=$1/linux blog=$1/kernel-build.log
  check_kernel_inputs
  mkdir -p "$src"
  log "unpacking $kernel_tarball"
  tar -xJf "$kernel_tarball" -C "$src" --strip-components=1
  log "configuring (tinyconfig + $(basename "$fragment"))"
  # ARCH=x86_64 makes 64BIT the default whatever the host's uname says.
  run_logged "$blog" make -C "$src" ARCH=x86_64 tinyconfig
  run_logged "$blog" "$src/scripts/kconfig/merge_config.sh" -m \
    -O "$src" "$src/.config" "$fragment"
  run_logged "$blog" make -C "$src" ARCH=x86_64 olddefconfig
  check_kernel_config "$src/.config"
  log "compiling bzImage with $(nproc) jobs (about 5 minutes on 2 cores)"
  run_logged "$blog" make -C "$src" ARCH=x86_64 -j"$(nproc)" bzImage
  cp "$src/arch/x86/boot/bzImage" "$out/bzImage"
  cp "$src/.config" "$out/config"
}
# --- kernel part end ---

# --- initramfs part begin (hashed into the initramfs cache key) ---
# gpiod's library: libgpiod2 (libgpiod 1.6, Debian 12) or libgpiod3
# (libgpiod 2.x, Debian 13); the guest scripts handle both tool versions.
gpiod_lib_pkg() {
  dpkg-query -W -f='${Depends}' gpiod 2>/dev/null |
    grep -o 'libgpiod[0-9][0-9]*' | head -n 1
}
initramfs_pkgs=(busybox-static gpiod libc6 cpio)
lib=$(gpiod_lib_pkg) && [[ -n $lib ]] && initramfs_pkgs+=("$lib")
gpiod_tools=(gpiodetect gpioinfo gpioget gpioset gpiomon)
# Only in libgpiod 1.6; copied when present.
gpiod_tools_optional=(gpiofind)

# Copy a dynamically linked program and every library ldd resolves for it
# (including the dynamic loader) to the same paths under the guest root.
copy_with_libs() {
  local root=$1 prog=$2 deps lib
  deps=$(ldd "$prog") || die "ldd $prog failed"
  if grep -q 'not found' <<<"$deps"; then
    die "$prog: missing libraries: $(grep 'not found' <<<"$deps")"
  fi
  install -D -m 0755 "$prog" "$root$prog"
  while read -r lib; do
    [[ -e $root$lib ]] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3; next }
		$1 ~ /^\// { print $1 }' <<<"$deps")
}

# Everything the initramfs is made of (scripts/install-deps --demo installs
# it).
check_initramfs_inputs() {
  local pkg tool
  for pkg in "${initramfs_pkgs[@]}"; do
    pkg_version "$pkg" >/dev/null
  done
  [[ -x /bin/busybox ]] || die "/bin/busybox missing (apt-get install busybox-static)"
  for tool in "${gpiod_tools[@]}"; do
    [[ -x /usr/bin/$tool ]] || die "/usr/bin/$tool missing (apt-get install gpiod)"
  done
  command -v cpio >/dev/null || die "cpio is needed (apt-get install cpio)"
}

build_initramfs() {
  local root=$1/root out=$2 dir tool applet
  check_initramfs_inputs
  for dir in bin sbin usr/bin usr/sbin proc sys dev tmp; do
    mkdir -p "$root/$dir"
  done
  install -m 0755 /bin/busybox "$root/bin/busybox"
  while read -r applet; do
    [[ -e $root/$applet || -L $root/$applet ]] && continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -s /bin/busybox "$root/$applet"
  done < <(/bin/busybox --list-full)
  for tool in "${gpiod_tools[@]}"; do
    copy_with_libs "$root" "/usr/bin/$tool"
  done
  for tool in "${gpiod_tools_optional[@]}"; do
    [[ ! -x /usr/bin/$tool ]] || copy_with_libs "$root" "/usr/bin/$tool"
  done
  # libgpiod 2's tools (Debian 13) under libgpiod 1.6's command line, which
  # the guest scripts use (guest-gpiod-v1.sh says what it translates).
  if [[ $(/usr/bin/gpioset --version 2>&1 | head -n 1) == *' v2.'* ]]; then
    log "gpiod is libgpiod 2: the guest gets libgpiod 1.6's command line (guest-gpiod-v1.sh)"
    mkdir -p "$root/usr/lib/gpiod2"
    for tool in gpioinfo gpioget gpioset gpiomon; do
      mv "$root/usr/bin/$tool" "$root/usr/lib/gpiod2/$tool"
      install -m 0755 "$gpiod_v1" "$root/usr/bin/$tool"
    done
    ln -s /usr/bin/gpiodetect "$root/usr/lib/gpiod2/gpiodetect"
  fi
  install -m 0755 "$guest_init" "$root/init"
  # Prove the tools start from the guest root alone (root needed for chroot).
  if [[ $(id -u) == 0 ]]; then
    chroot "$root" /usr/bin/gpiodetect --version >/dev/null ||
      die "gpiodetect does not run inside the initramfs root"
  fi
  # Uncompressed newc: the kernel unpacks it without any RD_* decompressor,
  # and the harness can append its per-run archive with plain cat.
  (cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
    cpio -o -H newc -R 0:0 --reproducible --quiet) >"$out/initramfs.cpio"
}
# --- initramfs part end ---

kernel_key() {
  local version
  version=$(pkg_version "$kernel_pkg")
  {
    echo "$kernel_pkg $version"
    cat "$fragment"
    script_part kernel
  } | key_of
}

initramfs_key() {
  local pkg versions=""
  for pkg in "${initramfs_pkgs[@]}"; do
    versions+="$pkg $(pkg_version "$pkg")"$'\n'
  done
  {
    printf '%s' "$versions"
    cat "$guest_init" "$gpiod_v1"
    script_part initramfs
  } | key_of
}

# Build entry $1 (kernel|initramfs) into $cache/$1-$2 unless it exists.
ensure_entry() {
  local what=$1 key=$2 force=$3 final="$cache/$1-$2" tmp lockfd
  if [[ $force == 0 && -d $final ]]; then
    return 0
  fi
  mkdir -p "$cache"
  # One builder at a time (parallel test runs share the cache); whoever
  # waited re-checks, since the other builder may have made the entry.
  exec {lockfd}>"$cache/lock"
  flock "$lockfd"
  if [[ $force == 0 && -d $final ]]; then
    exec {lockfd}>&-
    return 0
  fi
  # Under the lock, leftovers of killed builds are safe to remove.
  rm -rf "$cache"/tmp."$what".*
  tmp=$(mktemp -d "$cache/tmp.$what.XXXXXX")
  # shellcheck disable=SC2064 # expand $tmp now: it is local
  trap "rm -rf '$tmp'" EXIT
  mkdir "$tmp/out"
  log "building $what $key in $tmp"
  local start=$SECONDS
  "build_$what" "$tmp" "$tmp/out"
  rm -rf "$final"
  mv -T "$tmp/out" "$final"
  rm -rf "$tmp"
  trap - EXIT
  log "built $what $key in $((SECONDS - start)) s"
  exec {lockfd}>&-
}

main() {
  local force=0
  case ${1:-} in
  --print-dir)
    printf '%s\n' "$cache"
    return 0
    ;;
  --force) force=1 ;;
  --check)
    # What a build would need is there (no build): the fresh suite's check
    # of scripts/install-deps --test.
    check_kernel_inputs
    check_initramfs_inputs
    log "everything the kernel ($kernel_pkg) and the initramfs need is installed"
    return 0
    ;;
  '') ;;
  *) die "usage: $0 [--print-dir | --force | --check]" ;;
  esac
  local kkey ikey
  kkey=$(kernel_key)
  ikey=$(initramfs_key)
  ensure_entry kernel "$kkey" "$force"
  ensure_entry initramfs "$ikey" "$force"
  printf 'KERNEL=%s\n' "$cache/kernel-$kkey/bzImage"
  printf 'INITRD=%s\n' "$cache/initramfs-$ikey/initramfs.cpio"
}

main "$@"
