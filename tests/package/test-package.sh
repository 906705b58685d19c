#!/usr/bin/env bash
# The Debian package, end to end: `dpkg-buildpackage -b -us -uc` on a copy of
# the source tree, the .deb's contents, then the .deb installed into a
# throw-away system of this machine's release (Debian 12 or 13) booted with
# systemd as PID 1, where an instance
# of the template units starts on its first connection
# (container-test.sh).
#
# The system is a cached debootstrap'ed root (system-root.sh) under an
# overlay whose upper layer lives in this run's temporary directory, booted
# with `systemd-nspawn --boot`: PID 1 of this machine is not systemd, but
# nspawn needs none (--register=no --keep-unit), and it boots and powers off
# in about a second, where a QEMU guest would need a kernel with cgroups and
# more and a minute of TCG.
#
# Prints TAP on stdout (this script's checks, the container's results as
# "container: ...", then the plan); progress goes to stderr. Needs root
# (debootstrap, mount, nspawn).
#
# Usage: test-package.sh [--keep] [SOURCE_DIR]
#   SOURCE_DIR  the source tree (default: this repository); its git-tracked
#               and untracked-but-not-ignored files are copied, or, outside
#               git, everything but build*/ and .git
#   --keep      keep the temporary directory (build log, .deb, the overlay's
#               upper layer with the container's journal) and print its
#               path; also VDG_PKG_KEEP=1
# Environment: VDG_PKG_TIMEOUT (seconds for the container, default 180),
# VDG_CACHE_DIR (see tests/e2e/build-guest.sh).
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/package/source-tree.sh
source "$here/source-tree.sh"
boot_timeout=${VDG_PKG_TIMEOUT:-180}
package_options "$here/../.." "$@"

log() { printf 'test-package: %s\n' "$*" >&2; }

# --- temporary directory, the overlay and the container, always cleaned up ---
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vdg-package.XXXXXX")
merged=$tmp/merged
nspawn_pid=""
# shellcheck disable=SC2317 # run by the EXIT trap
stop_container() {
	term_wait "$nspawn_pid"
	if mountpoint -q "$merged" 2>/dev/null; then
		umount "$merged" || umount -l "$merged" || true
	fi
}
e2e_traps "$tmp" "$keep" stop_container

# --- the source tree, copied as a user would have it (source-tree.sh) ---
source_tree_copy "$src" "$tmp/src"
[[ -f $tree/debian/control ]] || bail_out "no debian/control in $src"

# --- dpkg-buildpackage ---
log "dpkg-buildpackage -b -us -uc in $tree"
start=$SECONDS
if (cd "$tree" && DEB_BUILD_OPTIONS="parallel=$(nproc)" \
	dpkg-buildpackage -b -us -uc) >"$tmp/build.log" 2>&1; then
	tap_ok "dpkg-buildpackage -b -us -uc ($((SECONDS - start)) s)"
else
	tap_not_ok "dpkg-buildpackage -b -us -uc"
	tap_diag_tail "$tmp/build.log" 40 "the build log"
	tap_done
fi
deb=$tmp/src/vhost-device-gpio_${version}_$(dpkg --print-architecture).deb
if [[ -f $deb ]]; then
	tap_ok "it made $(basename "$deb") (version $version, as in meson.build)"
else
	tap_not_ok "it made $(basename "$deb") (version $version, as in meson.build)"
	echo "# made: $(cd "$tmp/src" && echo ./*.deb)"
	tap_done
fi

# --- the .deb's contents ---
# Paths in the package, "usr/bin/x" (no leading "./", no directories).
dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -n 's|^\./||; /[^/]$/p' |
	sort >"$tmp/contents"
echo "# the package holds $(wc -l <"$tmp/contents") files:"
sed 's/^/#   /' "$tmp/contents"

# Everything `meson install` installs from the package's own build
# directory is in the package (man pages compressed by dh_compress).
builddir=$(find "$tree" -maxdepth 1 -type d -name 'obj-*' | head -n 1)
if [[ -n $builddir ]] && meson introspect --installed "$builddir" \
	>"$tmp/installed.json" 2>"$tmp/introspect.err"; then
	missing=$(python3 - "$tmp/installed.json" "$tmp/contents" <<'EOF'
import json, sys
installed = json.load(open(sys.argv[1])).values()
contents = set(open(sys.argv[2]).read().split())
for path in sorted(installed):
    rel = path.lstrip("/")
    if rel not in contents and rel + ".gz" not in contents:
        print(rel)
EOF
	)
	count=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' \
		"$tmp/installed.json")
	if [[ -z $missing ]]; then
		tap_ok "the package holds all $count files meson install installs"
	else
		tap_not_ok "the package holds all $count files meson install installs"
		sed 's/^/# missing: /' <<<"$missing"
	fi
else
	tap_not_ok "meson introspect --installed on the package's build directory"
	tap_diag_tail "$tmp/introspect.err" 5 "its errors"
fi

# The install layout the units, man pages and VMMs rely on.
expect_files() {
	local desc=$1 f missing=()
	shift
	for f in "$@"; do
		grep -qxF "$f" "$tmp/contents" || missing+=("$f")
	done
	if ((${#missing[@]} == 0)); then
		tap_ok "package has $desc"
	else
		tap_not_ok "package has $desc"
		printf '# missing: %s\n' "${missing[@]}"
	fi
}
expect_files "the daemon and the control client" \
	usr/bin/vhost-device-gpio usr/bin/vhost-device-gpio-sim
expect_files "both man pages" \
	usr/share/man/man1/vhost-device-gpio.1.gz \
	usr/share/man/man1/vhost-device-gpio-sim.1.gz
# systemd's unit directory: /lib/systemd/system on Debian 12,
# /usr/lib/systemd/system on Debian 13 (from systemd.pc).
unitdir=lib/systemd/system
grep -qx "usr/$unitdir/vhost-device-gpio@.service" "$tmp/contents" &&
	unitdir=usr/$unitdir
expect_files "the template units (in $unitdir)" \
	"$unitdir/vhost-device-gpio@.service" \
	"$unitdir/vhost-device-gpio@.socket"
expect_files "the bash completions" \
	usr/share/bash-completion/completions/vhost-device-gpio \
	usr/share/bash-completion/completions/vhost-device-gpio-sim
expect_files "the vhost-user discovery file" \
	usr/share/qemu/vhost-user/50-vhost-device-gpio.json
expect_files "the example configuration" etc/vhost-device-gpio/example.conf
if dpkg-deb -I "$deb" conffiles 2>/dev/null |
	grep -qx /etc/vhost-device-gpio/example.conf; then
	tap_ok "the example configuration is a conffile"
else
	tap_not_ok "the example configuration is a conffile"
fi

# --- a system of this machine's release with systemd as PID 1 ---
[[ $(id -u) == 0 ]] || bail_out "booting the package's system needs root"
# shellcheck disable=SC1091
release=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
case $release in
bookworm) system="Debian 12" ;;
trixie) system="Debian 13" ;;
*) bail_out "this is not Debian 12 or 13 (VERSION_CODENAME=$release): no system to install the package into" ;;
esac
root=$("$here/system-root.sh" "$release") ||
	bail_out "could not build the $system root"
mkdir "$tmp/upper" "$tmp/work" "$merged"
mount -t overlay overlay \
	-o "lowerdir=$root,upperdir=$tmp/upper,workdir=$tmp/work" "$merged" ||
	bail_out "cannot mount an overlay on the cached root"
mkdir -p "$merged/vdg-test" "$merged/var/log/journal"
cp "$deb" "$merged/vdg-test/"
install -m 0755 "$here/container-test.sh" "$merged/vdg-test/container-test.sh"
install -m 0644 "$here/../e2e/tap.sh" "$merged/vdg-test/tap.sh"
cat >"$merged/etc/systemd/system/vdg-package-test.service" <<'EOF'
[Unit]
Description=vhost-device-gpio package test
After=multi-user.target
# However the test ends, the system powers off and systemd-nspawn returns.
SuccessAction=poweroff
FailureAction=poweroff

[Service]
Type=oneshot
ExecStart=/vdg-test/container-test.sh
# append: each Exec*= line opens the file anew (a fresh overlay each run).
StandardOutput=append:/vdg-test/result.tap
StandardError=journal
TimeoutStartSec=150

[Install]
WantedBy=multi-user.target
EOF
mkdir -p "$merged/etc/systemd/system/multi-user.target.wants"
ln -s ../vdg-package-test.service \
	"$merged/etc/systemd/system/multi-user.target.wants/"

# A machine name of its own: concurrent runs (other checkouts) share
# /run/systemd/nspawn/ on this host.
log "booting the $system system (timeout $boot_timeout s)"
start=$SECONDS
timeout -k 10 "$boot_timeout" systemd-nspawn --quiet --directory="$merged" \
	--machine="vdg-package-${tmp##*.}" --boot --register=no --keep-unit \
	--private-network --console=pipe </dev/null >"$tmp/nspawn.log" 2>&1 &
nspawn_pid=$!
nspawn_rc=0
wait "$nspawn_pid" || nspawn_rc=$?
nspawn_pid=""
elapsed=$((SECONDS - start))
log "systemd-nspawn exited with $nspawn_rc after $elapsed s"

if [[ -f $merged/vdg-test/result.tap ]]; then
	while IFS= read -r line; do
		tap_relay_line "container: " "$line" || echo "# container: $line"
	done <"$merged/vdg-test/result.tap"
fi
tap_relay_done container
if ((nspawn_rc == 0)) && [[ -n $relay_plan ]]; then
	tap_ok "the system booted, ran the test and powered off ($elapsed s)"
else
	tap_not_ok "the system booted, ran the test and powered off"
	((nspawn_rc == 124)) && echo "# killed after $boot_timeout s"
	echo "# systemd-nspawn exited with $nspawn_rc; the test printed" \
		"$relay_results results, plan: ${relay_plan:-none}"
	tap_diag_tail "$tmp/nspawn.log" 20 "systemd-nspawn's output"
	journalctl -D "$merged/var/log/journal" --no-pager -n 40 \
		>"$tmp/journal.tail" 2>&1 || true
	tap_diag_tail "$tmp/journal.tail" 40 "the container's journal"
fi
tap_done
