# shellcheck shell=bash
# What the packages' tests share (tests/package/test-package.sh,
# tests/e2e/arm64/package-arm64.sh): tests/e2e/lib.sh, their command line
# and the source tree as a user has it. They source it after
# `set -euo pipefail`; it only defines functions and variables.

# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

# source_tree_copy SRC DIR: $version (meson.build's) and $tree, SRC's tree
# copied to DIR/vhost-device-gpio-$version (as dpkg-buildpackage wants it).
# In a git checkout (SRC its top): the tracked files as they are in the
# working tree (edits included, deleted ones skipped) and new files git does
# not ignore; else all of SRC but build* and .git. Bails out without a
# version.
source_tree_copy() {
  local src=$1 f
  version=$(sed -n "s/^[[:space:]]*version: '\([^']*\)'.*/\1/p" \
    "$src/meson.build" | head -n 1)
  [[ -n $version ]] || bail_out "no project version in $src/meson.build"
  tree=$2/vhost-device-gpio-$version
  mkdir -p "$tree"
  if git -C "$src" rev-parse --show-toplevel >/dev/null 2>&1 &&
    [[ $(git -C "$src" rev-parse --show-toplevel) == "$src" ]]; then
    git -C "$src" ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' f; do
        [[ -e $src/$f || -L $src/$f ]] && printf '%s\0' "$f"
      done |
      tar -C "$src" --null -T - -cf - | tar -C "$tree" -xf -
  else
    tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . |
      tar -C "$tree" -xf -
  fi
}

# package_options DEFAULT_SRC ARG...: their command line, [--keep]
# [SOURCE_DIR]: $keep (default $VDG_PKG_KEEP, else 0) and $src (default
# DEFAULT_SRC), absolute.
# shellcheck disable=SC2034 # keep: the script's
package_options() {
  keep=${VDG_PKG_KEEP:-0}
  src=$(cd "$1" && pwd)
  shift
  while (($#)); do
    case $1 in
    --keep) keep=1 ;;
    -*)
      echo "usage: $0 [--keep] [SOURCE_DIR]" >&2
      exit 2
      ;;
    *) src=$(cd "$1" && pwd) ;;
    esac
    shift
  done
}
