#!/usr/bin/env bash
# The Debian package cross-built for arm64: `dpkg-buildpackage -aarm64 -b
# -us -uc` on a copy of the source tree (as ../../package/test-package.sh
# copies it), with Debian's cross compiler and the :arm64 build
# dependencies scripts/install-deps --test installs. Checks the result:
# an arm64 .deb whose programs are arm64 ELF files and whose Depends name
# the arm64 libraries they link. Built as Debian's cross builders do, with
# the cross and nocheck profiles: the arm64 unit tests cannot run here
# (they run in an arm64 guest, run-hostchip.sh).
#
# Prints TAP on stdout; progress goes to stderr.
# Usage: package-arm64.sh [--keep] [SOURCE_DIR]
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/package/source-tree.sh
source "$here/../../package/source-tree.sh"
package_options "$here/../../.." "$@"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vdg-package-arm64.XXXXXX")
e2e_traps "$tmp" "$keep"

# The source tree as a user has it (../../package/source-tree.sh).
source_tree_copy "$src" "$tmp/src"

# The build dependencies for arm64.
profiles=cross,nocheck
if (cd "$tree" && dpkg-checkbuilddeps -aarm64 -P"$profiles") >"$tmp/bdeps.log" 2>&1; then
  tap_ok "dpkg-checkbuilddeps -aarm64: the cross build dependencies are installed"
else
  tap_not_ok "dpkg-checkbuilddeps -aarm64: the cross build dependencies are installed"
  tap_diag_tail "$tmp/bdeps.log" 10 "its output"
fi

log=$tmp/build.log
echo "dpkg-buildpackage -aarm64 in $tree (log: $log)" >&2
start=$SECONDS
rc=0
(cd "$tree" && DEB_BUILD_OPTIONS="noautodbgsym nocheck" \
  dpkg-buildpackage -aarm64 -P"$profiles" -b -us -uc) \
  >"$log" 2>&1 || rc=$?
if ((rc == 0)); then
  tap_ok "dpkg-buildpackage -aarm64 -P$profiles -b -us -uc builds ($((SECONDS - start)) s)"
else
  tap_not_ok "dpkg-buildpackage -aarm64 -P$profiles -b -us -uc builds (status $rc)"
  tap_diag_tail "$log" 40 "the build log"
  tap_done
fi

debs=("$tmp/src/vhost-device-gpio_$version"*_arm64.deb)
if [[ -f ${debs[0]} ]]; then
  deb=${debs[0]}
  tap_ok "the package is ${deb##*/}"
else
  tap_not_ok "an arm64 .deb was made"
  ls -l "$tmp/src" | sed 's/^/# /'
  tap_done
fi
tap_check "its Architecture is arm64" \
  test "$(dpkg-deb -f "$deb" Architecture)" = arm64
depends=$(dpkg-deb -f "$deb" Depends)
echo "# Depends: $depends"
tap_check "its Depends name libc6 and libseccomp2 (from the arm64 libraries' shlibs)" \
  grep -q 'libc6 .*libseccomp2\|libseccomp2 .*libc6' <<<"$depends"
dpkg-deb -x "$deb" "$tmp/root"
for prog in usr/bin/vhost-device-gpio usr/bin/vhost-device-gpio-sim; do
  if aarch64-linux-gnu-readelf -h "$tmp/root/$prog" 2>/dev/null |
    grep -q 'Machine:.*AArch64'; then
    tap_ok "/$prog is an arm64 program"
  else
    tap_not_ok "/$prog is an arm64 program"
    file "$tmp/root/$prog" 2>&1 | sed 's/^/# /'
  fi
done
tap_check "the seccomp-using daemon links libseccomp.so.2" sh -c \
  "aarch64-linux-gnu-readelf -d '$tmp/root/usr/bin/vhost-device-gpio' | grep -q 'NEEDED.*libseccomp.so.2'"
tap_done
