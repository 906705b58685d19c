#!/usr/bin/env bash
# Build (once) and cache the arm64 guest of the end-to-end tests: a kernel
# cross-built from this release's kernel source package (the x86 guest's,
# tests/e2e/build-guest.sh) for QEMU's `-M virt`, and an arm64 initramfs.
#
# Usage: build-guest.sh [--print-dir | --force | --check]
#   (no option)  build what is missing, then print KERNEL=<path> and
#                INITRD=<path> on stdout
#   --print-dir  print the cache directory and exit
#   --force      rebuild both entries even if they are cached
#   --check      only check that everything both builds need is there
#
# The kernel is `make ARCH=arm64 tinyconfig` plus guest-kernel.fragment,
# built with Debian's cross compiler (gcc-aarch64-linux-gnu) into an Image.
# The initramfs holds arm64 user space taken from Debian's arm64 packages:
# busybox-static, gpiod and its library, downloaded with `apt-get download`
# and unpacked with `dpkg-deb -x` (they cannot be installed beside their
# amd64 twins); glibc, libseccomp and cmocka from the installed :arm64
# packages (scripts/install-deps --test installs them, for the arm64
# build); vdg-evdev (vdg-evdev.c, built here static); /init is init-arm64,
# which installs busybox's applet links and runs the x86 guest's
# tests/e2e/guest-init unchanged.
#
# Caching is build-guest.sh's: each entry is named after a hash of its
# inputs (the fragment, the source package's and cross compiler's versions,
# the arm64 packages' versions, the files and this script's parts), built
# in a tmp directory and renamed into place, under a lock of its own
# (lock.arm64), in the same cache directory. Progress goes to stderr.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
e2e=$(cd "$here/.." && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"
cache=${VDG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vhost-device-gpio}
fragment="$here/guest-kernel.fragment"
guest_init="$e2e/guest-init"
init_arm64="$here/init-arm64"
gpiod_v1="$e2e/guest-gpiod-v1.sh"
evdev_src="$here/vdg-evdev.c"
cross=aarch64-linux-gnu-

log() { printf 'build-guest-arm64: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

pkg_version() {
  dpkg-query -W -f='${Version}' "$1" 2>/dev/null ||
    die "package $1 is not installed (scripts/install-deps --test)"
}

script_part() {
  sed -n "/^# --- $1 part begin/,/^# --- $1 part end/p" "$self"
}

key_of() { sha256sum | cut -c1-16; }

run_logged() {
  local logfile=$1
  shift
  if ! "$@" >>"$logfile" 2>&1; then
    tail -n 40 "$logfile" >&2
    cp "$logfile" "$cache/failed-build-arm64.log"
    die "failed: $* (full log: $cache/failed-build-arm64.log)"
  fi
}

# This release's kernel source package: the x86 guest's (scripts/install-deps
# --list --demo names it).
kernel_source_pkg() {
  local list
  list=$("$e2e/../../scripts/install-deps" --list --demo) ||
    die "scripts/install-deps --list --demo failed"
  grep -m1 '^linux-source-' <<<"$list" ||
    die "scripts/install-deps --list --demo names no linux-source package"
}

# --- kernel part begin (hashed into the kernel cache key) ---
kernel_pkg=${VDG_KERNEL_SOURCE:-$(kernel_source_pkg)}
kernel_tarball=/usr/src/$kernel_pkg.tar.xz
kmake=(make ARCH=arm64 CROSS_COMPILE="$cross")

check_kernel_config() {
  local config=$1 opt missing=()
  while read -r opt; do
    grep -qx "$opt" "$config" || missing+=("$opt")
  done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=y$' "$fragment")
  if ((${#missing[@]})); then
    die "not =y after olddefconfig: ${missing[*]}"
  fi
}

check_kernel_inputs() {
  local tool header
  for tool in gcc make bc bison flex xz perl "${cross}gcc" "${cross}ld"; do
    command -v "$tool" >/dev/null ||
      die "$tool is needed to build the arm64 guest kernel (scripts/install-deps --test)"
  done
  for header in gelf.h openssl/ssl.h; do
    [[ -f /usr/include/$header ]] ||
      die "/usr/include/$header is needed to build the guest kernel (scripts/install-deps --test)"
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
  log "configuring (ARCH=arm64 tinyconfig + $(basename "$fragment"))"
  run_logged "$blog" "${kmake[@]}" -C "$src" tinyconfig
  run_logged "$blog" "$src/scripts/kconfig/merge_config.sh" -m \
    -O "$src" "$src/.config" "$fragment"
  run_logged "$blog" "${kmake[@]}" -C "$src" olddefconfig
  check_kernel_config "$src/.config"
  log "compiling Image with $(nproc) jobs (about 6 minutes on 2 cores)"
  run_logged "$blog" "${kmake[@]}" -C "$src" -j"$(nproc)" Image
  cp "$src/arch/arm64/boot/Image" "$out/Image"
  cp "$src/.config" "$out/config"
}
# --- kernel part end ---

# --- initramfs part begin (hashed into the initramfs cache key) ---
# Downloaded (not installable beside the amd64 ones) and installed :arm64
# packages; gpiod's library is libgpiod2 (Debian 12) or libgpiod3 (13).
download_pkgs=(busybox-static gpiod)
installed_pkgs=(libc6:arm64 libseccomp2:arm64 libcmocka0:arm64
  gcc-aarch64-linux-gnu)
gpiod_tools=(gpiodetect gpioinfo gpioget gpioset gpiomon)
libdir=usr/lib/aarch64-linux-gnu

# The versions apt would download of busybox-static:arm64 and gpiod:arm64,
# and gpiod's library package (libgpiod<N>, built from gpiod's source
# package, with its version). apt-cache reads all of apt's lists (seconds
# where apt keeps no binary cache), so its answer is remembered in
# $cache/arm64-apt-versions for as long as the arm64 lists are unchanged.
apt_arm64_versions() {
  apt-cache show --no-all-versions busybox-static:arm64 gpiod:arm64 2>/dev/null |
    awk -F': ' '/^Package: /{ p = $2; v = ""; d = "" } /^Version: /{ v = $2 }
      /^Depends: /{ d = $2 } /^$/{ if (p != "") print p "\t" v "\t" d; p = "" }
      END { if (p != "") print p "\t" v "\t" d }'
}
arm64_lists_stamp() {
  find /var/lib/apt/lists -maxdepth 1 -name '*binary-arm64_Packages*' \
    -printf '%f %s %T@\n' 2>/dev/null | LC_ALL=C sort | key_of
}
declare -A arm64_version=()
gpiod_lib=""
versions_memo=$cache/arm64-apt-versions
stamp=$(arm64_lists_stamp)
if [[ $(head -n 1 "$versions_memo" 2>/dev/null) != "$stamp" ]]; then
  versions=$(apt_arm64_versions)
  if [[ $versions == *gpiod* ]] && mkdir -p "$cache"; then
    printf '%s\n%s\n' "$stamp" "$versions" >"$versions_memo.$$" &&
      mv "$versions_memo.$$" "$versions_memo"
  fi
else
  versions=$(tail -n +2 "$versions_memo")
fi
while IFS=$'\t' read -r pkg version depends; do
  [[ -n $pkg ]] || continue
  arm64_version[$pkg]=$version
  [[ $pkg != gpiod ]] ||
    gpiod_lib=$(grep -o 'libgpiod[0-9][0-9]*' <<<"$depends" | head -n 1) || true
done <<<"$versions"
if [[ -n $gpiod_lib && -n ${arm64_version[gpiod]:-} ]]; then
  arm64_version[$gpiod_lib]=${arm64_version[gpiod]}
  download_pkgs+=("$gpiod_lib")
fi
candidate() { printf '%s\n' "${arm64_version[$1]:-}"; }

check_initramfs_inputs() {
  local pkg
  dpkg --print-foreign-architectures | grep -qx arm64 ||
    die "arm64 is not one of dpkg's architectures (scripts/install-deps --test adds it)"
  for pkg in "${download_pkgs[@]}"; do
    [[ -n $(candidate "$pkg") ]] ||
      die "apt knows no $pkg:arm64 (apt-get update after dpkg --add-architecture arm64; scripts/install-deps --test)"
  done
  [[ ${#download_pkgs[@]} -ge 3 ]] ||
    die "apt knows no library package for gpiod:arm64"
  for pkg in "${installed_pkgs[@]}"; do
    pkg_version "$pkg" >/dev/null
  done
  command -v cpio >/dev/null || die "cpio is needed (apt-get install cpio)"
  command -v "${cross}readelf" >/dev/null ||
    die "${cross}readelf is needed (apt-get install gcc-aarch64-linux-gnu)"
}

# copy_with_libs ROOT FILE: FILE's NEEDED libraries (recursively, read with
# readelf: nothing arm64 runs here), from the unpacked packages in ROOT or
# the installed :arm64 ones, into ROOT's $libdir.
copy_with_libs() {
  local root=$1 file=$2 need src
  while read -r need; do
    [[ -e $root/$libdir/$need ]] && continue
    src=""
    for src in "$root/$libdir/$need" "$root/lib/aarch64-linux-gnu/$need" \
      "/$libdir/$need" "/lib/aarch64-linux-gnu/$need"; do
      [[ -e $src ]] && break
      src=""
    done
    [[ -n $src ]] || die "$file needs $need, found nowhere"
    cp -L "$src" "$root/$libdir/$need"
    copy_with_libs "$root" "$root/$libdir/$need"
  done < <("${cross}readelf" -d "$file" |
    sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]/\1/p')
}

build_initramfs() {
  local work=$1 out=$2 root=$1/root debs=$1/debs pkg deb dir tool
  check_initramfs_inputs
  mkdir -p "$root" "$debs"
  log "downloading ${download_pkgs[*]} (arm64)"
  local wanted=()
  for pkg in "${download_pkgs[@]}"; do
    wanted+=("$pkg:arm64=$(candidate "$pkg")")
  done
  (cd "$debs" && apt-get download -q "${wanted[@]}" >>"$work/download.log" 2>&1) ||
    die "apt-get download ${wanted[*]} failed: $(tail -n 3 "$work/download.log")"
  mkdir -p "$work/unpacked"
  for deb in "$debs"/*.deb; do
    dpkg-deb -x "$deb" "$work/unpacked"
  done
  for dir in bin sbin usr/bin usr/sbin "$libdir" proc sys dev tmp; do
    mkdir -p "$root/$dir"
  done
  # Debian's merged /usr: /lib/ld-linux-aarch64.so.1 is the programs'
  # interpreter.
  ln -s usr/lib "$root/lib"
  install -m 0755 "$work/unpacked/bin/busybox" "$root/bin/busybox"
  "${cross}readelf" -h "$root/bin/busybox" | grep -q 'Machine:.*AArch64' ||
    die "busybox-static:arm64's /bin/busybox is not an arm64 program"
  # The library of gpiod (from the unpacked package) beside its tools.
  cp -a "$work/unpacked/$libdir/." "$root/$libdir/"
  for tool in "${gpiod_tools[@]}"; do
    install -m 0755 "$work/unpacked/usr/bin/$tool" "$root/usr/bin/$tool"
    copy_with_libs "$root" "$root/usr/bin/$tool"
  done
  cp -L "/lib/ld-linux-aarch64.so.1" "$root/$libdir/ld-linux-aarch64.so.1"
  ln -s aarch64-linux-gnu/ld-linux-aarch64.so.1 "$root/usr/lib/ld-linux-aarch64.so.1"
  # What the arm64 build's daemon and test programs link (the host-chip
  # run brings them along per run).
  for tool in libseccomp.so.2 libcmocka.so.0; do
    cp -L "/$libdir/$tool" "$root/$libdir/$tool"
    copy_with_libs "$root" "$root/$libdir/$tool"
  done
  # gpiod 2.x (Debian 13) under libgpiod 1.6's command line, as on x86.
  if [[ $gpiod_lib != libgpiod2 ]]; then
    log "gpiod is libgpiod 2: the guest gets libgpiod 1.6's command line (guest-gpiod-v1.sh)"
    mkdir -p "$root/usr/lib/gpiod2"
    for tool in gpioinfo gpioget gpioset gpiomon; do
      mv "$root/usr/bin/$tool" "$root/usr/lib/gpiod2/$tool"
      install -m 0755 "$gpiod_v1" "$root/usr/bin/$tool"
    done
    ln -s /usr/bin/gpiodetect "$root/usr/lib/gpiod2/gpiodetect"
  fi
  log "compiling vdg-evdev (static, arm64)"
  "${cross}gcc" -static -O2 -Wall -Wextra -Werror -o "$root/usr/bin/vdg-evdev" \
    "$evdev_src" 2>>"$work/cc.log" ||
    die "${cross}gcc vdg-evdev.c failed: $(cat "$work/cc.log")"
  install -m 0755 "$init_arm64" "$root/init"
  install -m 0755 "$guest_init" "$root/init.common"
  (cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
    cpio -o -H newc -R 0:0 --reproducible --quiet) >"$out/initramfs.cpio"
}
# --- initramfs part end ---

kernel_key() {
  {
    echo "arm64 $kernel_pkg $(pkg_version "$kernel_pkg")"
    echo "gcc-aarch64-linux-gnu $(pkg_version gcc-aarch64-linux-gnu)"
    cat "$fragment"
    script_part kernel
  } | key_of
}

initramfs_key() {
  local pkg
  {
    for pkg in "${download_pkgs[@]}"; do
      echo "$pkg:arm64 $(candidate "$pkg")"
    done
    for pkg in "${installed_pkgs[@]}"; do
      echo "$pkg $(pkg_version "$pkg")"
    done
    cat "$guest_init" "$init_arm64" "$gpiod_v1" "$evdev_src"
    script_part initramfs
  } | key_of
}

# Build entry $1 (arm64-kernel|arm64-initramfs, built by build_$2) into
# $cache/$1-$3 unless it exists.
ensure_entry() {
  local name=$1 what=$2 key=$3 force=$4 final="$cache/$1-$3" tmp lockfd
  if [[ $force == 0 && -d $final ]]; then
    return 0
  fi
  mkdir -p "$cache"
  exec {lockfd}>"$cache/lock.arm64"
  flock "$lockfd"
  if [[ $force == 0 && -d $final ]]; then
    exec {lockfd}>&-
    return 0
  fi
  rm -rf "$cache"/tmp."$name".*
  tmp=$(mktemp -d "$cache/tmp.$name.XXXXXX")
  # shellcheck disable=SC2064 # expand $tmp now: it is local
  trap "rm -rf '$tmp'" EXIT
  mkdir "$tmp/out"
  log "building $name $key in $tmp"
  local start=$SECONDS
  "build_$what" "$tmp" "$tmp/out"
  rm -rf "$final"
  mv -T "$tmp/out" "$final"
  rm -rf "$tmp"
  trap - EXIT
  log "built $name $key in $((SECONDS - start)) s"
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
    check_kernel_inputs
    check_initramfs_inputs
    log "everything the arm64 kernel ($kernel_pkg) and initramfs need is there"
    return 0
    ;;
  '') ;;
  *) die "usage: $0 [--print-dir | --force | --check]" ;;
  esac
  local kkey ikey
  kkey=$(kernel_key)
  ikey=$(initramfs_key)
  ensure_entry arm64-kernel kernel "$kkey" "$force"
  ensure_entry arm64-initramfs initramfs "$ikey" "$force"
  printf 'KERNEL=%s\n' "$cache/arm64-kernel-$kkey/Image"
  printf 'INITRD=%s\n' "$cache/arm64-initramfs-$ikey/initramfs.cpio"
}

main "$@"
