# shellcheck shell=bash
# What run-fresh.sh (the fresh suite) and in-clean-root.sh (the by-hand
# first-run proofs) share: a throw-away machine made of a cached clean root
# (clean-root.sh) under an overlay, with a copy of the project's committed
# files, and commands run in it with chroot.
#
#   fresh_tree SRC TARBALL       `git archive HEAD` of SRC (committed files
#                                only: an uncommitted file cannot make a
#                                run pass; VDG_FRESH_REV: another revision)
#   fresh_machine_up RELEASE DIR the overlay on the clean root at DIR/merged
#                                (upper layer DIR/upper), /proc, /sys, /dev
#                                and /dev/pts mounted, the host's resolv.conf
#   fresh_machine_copy RELEASE DIR  the same with a copy of the clean root
#   fresh_machine_down DIR       unmounts all of it (also after a crash)
#   fresh_in DIR CMD...          CMD as root in the machine, clean environment
#   fresh_as DIR USER CMD...     CMD as USER (setpriv), clean environment
#   fresh_argv DIR [USER]        the prefix of both, for background commands
#
# Needs root (debootstrap, mount, chroot).

fresh_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fresh_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# VDG_FRESH_REV: another revision than HEAD (e.g. `git stash create` while
# debugging).
fresh_tree() {
  local src=$1 out=$2 rev=${VDG_FRESH_REV:-HEAD}
  git -C "$src" rev-parse --verify -q "$rev^{commit}" >/dev/null ||
    {
      echo "fresh: $src is not a git work tree with a commit $rev" >&2
      return 1
    }
  git -C "$src" archive --format=tar --prefix=vhost-device-gpio/ -o "$out" "$rev"
}

# fresh_machine_up RELEASE DIR [APT_CACHE [LAYER]]: with APT_CACHE (a
# directory on the host), downloaded .debs and package lists are kept there
# between runs (bind mounts), and dpkg skips fsync (force-unsafe-io):
# faster, and the packages installed are the same. LAYER: the upper layer
# of an earlier machine, laid over the clean root (read-only).
fresh_machine_up() {
  local release=$1 dir=$2 apt_cache=${3:-} layer=${4:-} lower merged
  lower=$("$fresh_lib_dir/clean-root.sh" "$release") || return 1
  [[ -z $layer ]] || lower=$layer:$lower
  merged=$dir/merged
  mkdir -p "$dir/upper" "$dir/work" "$merged"
  mount -t overlay overlay \
    -o "lowerdir=$lower,upperdir=$dir/upper,workdir=$dir/work" "$merged" ||
    return 1
  fresh_mount_api "$dir" || return 1
  if [[ -n $apt_cache ]]; then
    mkdir -p "$apt_cache/archives/partial" "$apt_cache/lists/partial"
    mount --bind "$apt_cache/archives" "$merged/var/cache/apt/archives" &&
      mount --bind "$apt_cache/lists" "$merged/var/lib/apt/lists" || return 1
    echo force-unsafe-io >"$merged/etc/dpkg/dpkg.cfg.d/vdg-fresh-unsafe-io"
  fi
}

# fresh_machine_copy RELEASE DIR: a plain copy of the clean root at
# DIR/merged instead of an overlay (what runs in it can mount overlays of
# its own, which an overlay as upper layer refuses), with the same mounts.
# The copy is bind-mounted on itself: its / must be a mount point, as a
# machine's is (systemd-nspawn, which the package test runs, makes it a
# slave mount and fails on a plain directory).
fresh_machine_copy() {
  local release=$1 dir=$2 lower
  lower=$("$fresh_lib_dir/clean-root.sh" "$release") || return 1
  mkdir -p "$dir"
  cp -a "$lower" "$dir/merged" || return 1
  mount --bind "$dir/merged" "$dir/merged" || return 1
  fresh_mount_api "$dir"
}

# fresh_mount_api DIR: /proc, /sys, /dev, /dev/pts and a private /dev/shm
# in DIR/merged, and the host's resolv.conf.
fresh_mount_api() {
  local merged=$1/merged
  mount -t proc proc "$merged/proc" &&
    mount --rbind /sys "$merged/sys" && mount --make-rslave "$merged/sys" &&
    mount --bind /dev "$merged/dev" &&
    mount --bind /dev/pts "$merged/dev/pts" || return 1
  # A private /dev/shm and /tmp, as on a machine of its own.
  mount -t tmpfs -o mode=1777 tmpfs "$merged/dev/shm" || return 1
  cp -L /etc/resolv.conf "$merged/etc/resolv.conf" 2>/dev/null || true
}

fresh_machine_down() {
  local dir=$1 mnt p
  [[ -d $dir ]] || return 0
  dir=$(realpath "$dir")
  # Nothing may outlive the machine: processes whose root is in it go first.
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/root" 2>/dev/null) == "$dir/merged"* ]] &&
      kill -KILL "${p#/proc/}" 2>/dev/null
  done
  # Everything mounted below DIR, deepest first.
  while read -r mnt; do
    umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
  done < <(awk -v d="$dir/" 'substr($5 "/", 1, length(d)) == d { print $5 }' \
    /proc/self/mountinfo | sort -r)
}

# fresh_argv DIR [USER]: in $fresh_argv, the command prefix that runs a
# command in the machine as root or as USER, with a clean environment. Every
# stage execs the next (chroot, env, setpriv), so a command started in the
# background with it has the pid of the command itself: signals reach it.
fresh_argv() {
  local dir=$1 user=${2:-root}
  if [[ $user == root ]]; then
    fresh_argv=(chroot "$dir/merged" /usr/bin/env -i PATH="$fresh_path"
      HOME=/root LANG=C.UTF-8 TERM=dumb)
  else
    fresh_argv=(chroot "$dir/merged" /usr/bin/env -i PATH="$fresh_path"
      HOME="/home/$user" USER="$user" LOGNAME="$user" LANG=C.UTF-8 TERM=dumb
      setpriv --reuid="$user" --regid="$user" --init-groups --)
  fi
}

fresh_in() {
  local dir=$1
  shift
  fresh_argv "$dir"
  "${fresh_argv[@]}" "$@"
}

fresh_as() {
  local dir=$1 user=$2
  shift 2
  fresh_argv "$dir" "$user"
  "${fresh_argv[@]}" "$@"
}
