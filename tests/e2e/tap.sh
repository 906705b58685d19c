# shellcheck shell=sh disable=SC3043 # local: busybox sh, dash and bash have it
# TAP output in POSIX sh, for everything of the project that prints TAP from
# a shell: the harness on the host (bash, through lib.sh), the guest scripts
# (busybox sh, through guest-lib.sh; lib.sh's guest_files puts this file
# in the initramfs as /tap.sh) and the package test's container
# (tests/package/container-test.sh, bash). Sourced; it only defines functions
# and the variables they use, and works under `set -eu` and without it. POSIX
# sh plus `local`, which busybox sh, dash and bash have.
#
#   tap_ok DESC, tap_not_ok DESC    one result
#   tap_check DESC CMD...           ok if CMD succeeds, else its output
#   output_is EXPECTED CMD..., fails_with PATTERN CMD...   for tap_check
#   tap_diag TEXT, tap_diag_tail FILE N LABEL    diagnostics
#   tap_plan N                      the plan first (else tap_done prints it)
#   bail_out TEXT, tap_done         the end: exit 1, or 0 if all passed
#   tap_relay_line PREFIX LINE, tap_relay_done WHO
#                                   another TAP stream's results, renumbered
#                                   into this one's

tap_n=0
tap_failures=0
tap_planned=""
# tap_log: a file that tap_check appends each command and its output to.
tap_log=${tap_log:-}

tap_ok() {
  tap_n=$((tap_n + 1))
  echo "ok $tap_n - $1"
}

tap_not_ok() {
  tap_n=$((tap_n + 1))
  tap_failures=$((tap_failures + 1))
  echo "not ok $tap_n - $1"
}

# tap_diag TEXT: TEXT (any number of lines) as TAP diagnostics.
tap_diag() {
  printf '%s\n' "$1" | sed 's/^/#   /'
}

# tap_check DESC CMD...: ok if CMD succeeds; else "$ CMD" and the last 20
# lines of its output (stdout and stderr) as diagnostics. CMD runs in a
# subshell: variables it sets do not survive.
tap_check() {
  local desc="$1" out
  shift
  if out=$("$@" 2>&1); then
    tap_ok "$desc"
  else
    tap_not_ok "$desc"
    tap_diag "\$ $*"
    [ -z "$out" ] || tap_diag "$(printf '%s\n' "$out" | tail -n 20)"
  fi
  [ -z "$tap_log" ] || printf '$ %s\n%s\n' "$*" "$out" >>"$tap_log"
}

# Commands for tap_check: output_is EXPECTED CMD... is true if CMD succeeds
# and prints EXPECTED (stdout and stderr); fails_with PATTERN CMD... if CMD
# fails and its output matches the grep pattern PATTERN (case-insensitive;
# empty: any output). Otherwise they print what CMD did.
output_is() {
  local expected="$1" out
  shift
  if out=$("$@" 2>&1) && [ "$out" = "$expected" ]; then
    return 0
  fi
  printf '%s\nexpected: %s\n' "$out" "$expected"
  return 1
}

fails_with() {
  local pattern="$1" out
  shift
  if out=$("$@" 2>&1); then
    printf '%s\nsucceeded unexpectedly\n' "$out"
    return 1
  fi
  if [ -z "$pattern" ] || printf '%s\n' "$out" | grep -qi -- "$pattern"; then
    return 0
  fi
  printf "%s\nfailed, but not with '%s'\n" "$out" "$pattern"
  return 1
}

# tap_diag_tail FILE N LABEL: the last N lines of FILE as TAP diagnostics.
tap_diag_tail() {
  echo "# last $2 lines of $3:"
  if [ -s "$1" ]; then
    tail -n "$2" "$1" | tr -d '\r' | sed 's/^/#   /'
  else
    echo "#   (empty)"
  fi
}

# tap_plan N: the plan, printed first: a stream that ends early is short of
# it.
tap_plan() {
  tap_planned=$1
  echo "1..$1"
}

bail_out() {
  echo "Bail out! $*"
  exit 1
}

# tap_done: the plan (unless tap_plan printed it), then exit: 0 if every
# result was ok, else 1.
tap_done() {
  [ -n "$tap_planned" ] || echo "1..$tap_n"
  exit $((tap_failures > 0))
}

# tap_relay_line PREFIX LINE: one line of another TAP stream. A result is
# renumbered into this stream as "PREFIX DESCRIPTION" (counted in
# $relay_results, $relay_failures), a plan is kept in $relay_plan, a
# "Bail out!" becomes a failed result, a comment is printed as it is.
# Returns 1 for any other line, which the caller shows as it sees fit.
relay_results=0
relay_failures=0
relay_plan=""
tap_relay_line() {
  local rest
  case $2 in
  ok | "ok "* | "not ok" | "not ok "*)
    rest=${2#not ok}
    rest=${rest#ok}
    # " 3 - description": the number and the dash are optional.
    rest=${rest#"${rest%%[! ]*}"}
    rest=${rest#"${rest%%[!0-9]*}"}
    rest=${rest#"${rest%%[! ]*}"}
    rest=${rest#-}
    rest=${rest#"${rest%%[! ]*}"}
    relay_results=$((relay_results + 1))
    case $2 in
    ok*) tap_ok "$1$rest" ;;
    *)
      relay_failures=$((relay_failures + 1))
      tap_not_ok "$1$rest"
      ;;
    esac
    ;;
  1..*) relay_plan=${2#1..} ;;
  "Bail out!"*)
    rest=${2#Bail out!}
    relay_failures=$((relay_failures + 1))
    tap_not_ok "$1${rest# }"
    ;;
  "#"*) printf '%s\n' "$2" ;;
  *) return 1 ;;
  esac
}

# tap_relay_done WHO: the relayed stream's own check: "WHO reported all
# planned results (N)", failed when it printed no result at all, no plan or
# another number of results than planned.
tap_relay_done() {
  if [ "$relay_results" = 0 ]; then
    tap_not_ok "$1 reported test results"
  elif [ "$relay_plan" != "$relay_results" ]; then
    tap_not_ok "$1 reported all planned results ($relay_results of ${relay_plan:-no plan})"
  else
    tap_ok "$1 reported all planned results ($relay_results)"
  fi
}
