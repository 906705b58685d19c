#!/bin/sh
# Guest side of the "basic" scenario, run by the guest's /init (busybox sh).
#
# The host daemon serves a simulated chip "s8": 8 lines named sim-0 .. sim-7,
# all inputs at level 0 at start; an output reads back what was driven, an
# input reads 0. These checks drive it through the gpio-virtio driver with the
# libgpiod 1.6 tools and print TAP on the console, which the host harness
# re-emits as its own.
#
# Environment (from NAME=value words on the kernel command line):
#   VDG_CHIP_LABEL  glob for the chip label to test (default: virtio*)
#   VDG_SELFTEST    "gpio-sim": first create an in-guest gpio-sim chip shaped
#                   like s8 and test that instead; checks the guest tooling and
#                   the harness without any daemon (run-qemu72.sh --no-device)
#
# Only `set -u`: a failed check must print "not ok" and go on, not stop.
set -u

n=0
failures=0

ok() {
  n=$((n + 1))
  echo "ok $n - $1"
}

not_ok() {
  n=$((n + 1))
  failures=$((failures + 1))
  echo "not ok $n - $1"
}

# Print text as TAP diagnostics.
diag() {
  printf '%s\n' "$1" | sed 's/^/#   /'
}

# expect_output DESC EXPECTED CMD...: CMD must succeed and print EXPECTED.
expect_output() {
  desc=$1 expected=$2
  shift 2
  if out=$("$@" 2>&1) && [ "$out" = "$expected" ]; then
    ok "$desc"
  else
    not_ok "$desc"
    diag "\$ $*"
    diag "$out"
    diag "expected: $expected"
  fi
}

# expect_success DESC CMD...
expect_success() {
  desc=$1
  shift
  if out=$("$@" 2>&1); then
    ok "$desc"
  else
    not_ok "$desc"
    diag "\$ $*"
    diag "$out"
  fi
}

# expect_failure DESC PATTERN CMD...: CMD must fail with output matching the
# grep pattern PATTERN (empty: any output).
expect_failure() {
  desc=$1 pattern=$2
  shift 2
  if out=$("$@" 2>&1); then
    not_ok "$desc"
    diag "\$ $* succeeded unexpectedly:"
    diag "$out"
  elif [ -n "$pattern" ] && ! printf '%s\n' "$out" | grep -qi -- "$pattern"; then
    not_ok "$desc"
    diag "\$ $* failed, but not with '$pattern':"
    diag "$out"
  else
    ok "$desc"
  fi
}

# The same chip layout as the daemon's s8, made with gpio-sim (configfs).
make_sim_chip() {
  d=/sys/kernel/config/gpio-sim/vdg
  mkdir "$d" "$d/gpio-bank0" || return 1
  echo 8 >"$d/gpio-bank0/num_lines" || return 1
  i=0
  while [ $i -lt 8 ]; do
    mkdir "$d/gpio-bank0/line$i" &&
      echo "sim-$i" >"$d/gpio-bank0/line$i/name" || return 1
    i=$((i + 1))
  done
  echo 1 >"$d/live"
}

# Print "<line> <name>" for each line of gpioinfo's output for chip $1.
line_names() {
  gpioinfo "$1" | sed -n 's/^[[:space:]]*line *\([0-9]*\): *"\([^"]*\)".*/\1 \2/p'
}

# Wait up to 5 s until gpioinfo shows line $2 of chip $1 held as an output
# by gpioset.
wait_line_held() {
  tries=0
  while [ $tries -lt 50 ]; do
    if gpioinfo "$1" | grep -q "^[[:space:]]*line *$2:.*\"gpioset\" *output"; then
      return 0
    fi
    sleep 0.1
    tries=$((tries + 1))
  done
  return 1
}

echo "1..11"

label_glob=${VDG_CHIP_LABEL:-virtio*}
if [ "${VDG_SELFTEST:-}" = gpio-sim ]; then
  echo "# self-test: testing an in-guest gpio-sim chip, not the daemon"
  make_sim_chip || echo "# could not create the gpio-sim chip"
  label_glob=${VDG_CHIP_LABEL:-gpio-sim*}
fi

# 1: find the chip by label; gpiodetect prints "gpiochipN [label] (N lines)".
detect=$(gpiodetect 2>&1)
diag "gpiodetect: $detect"
chip="" nlines=""
# "chip label lines" per chip; read from a here-document so the loop runs in
# this shell and its variables survive.
while read -r c l nl; do
  # shellcheck disable=SC2254 # the label is matched against a glob on purpose
  case $l in
  $label_glob)
    chip=$c nlines=$nl
    break
    ;;
  esac
done <<EOF
$(printf '%s\n' "$detect" |
  sed -n 's/^\(gpiochip[0-9]*\) \[\(.*\)\] (\([0-9]*\) lines)$/\1 \2 \3/p')
EOF
if [ -n "$chip" ] && [ "$nlines" = 8 ]; then
  ok "gpiodetect lists a chip labelled '$label_glob' with 8 lines ($chip)"
else
  not_ok "gpiodetect lists a chip labelled '$label_glob' with 8 lines"
fi
if [ -z "$chip" ]; then
  # Nothing else can run; the harness notices the missing results.
  echo "# no chip labelled '$label_glob': stopping"
  exit 1
fi

# 2-3: the names come from the device's GET_NAMES; every line starts as an
# unused input.
expected_names=$(for i in 0 1 2 3 4 5 6 7; do echo "$i sim-$i"; done)
expect_output "gpioinfo shows the names sim-0 .. sim-7" \
  "$expected_names" line_names "$chip"
expect_output "gpioinfo shows 8 unused inputs at start" 8 \
  sh -c "gpioinfo $chip | grep -c 'unused *input'"

# 4-5: gpioset drives the lines as outputs and releases them when it exits.
expect_success "gpioset drives one line" gpioset "$chip" 0=1
expect_success "gpioset drives several lines at once" \
  gpioset "$chip" 1=1 2=0 5=1 7=1

# 6-7: released lines read back as inputs at the simulated level 0.
expect_output "gpioget of one released line reads 0" 0 gpioget "$chip" 0
expect_output "gpioget of all 8 lines reads 0 0 0 0 0 0 0 0" \
  "0 0 0 0 0 0 0 0" gpioget "$chip" 0 1 2 3 4 5 6 7

# 8: libgpiod refuses offsets past ngpio before anything reaches the device.
expect_failure "gpioget of line 8 (out of range) fails" "" gpioget "$chip" 8

# 9-11: a line held as an output by one process is busy for another, and
# reads 0 as an input again once released.
gpioset --mode=signal "$chip" 3=1 &
holder=$!
if wait_line_held "$chip" 3; then
  ok "gpioset --mode=signal holds line 3 as an output"
else
  not_ok "gpioset --mode=signal holds line 3 as an output"
  diag "$(gpioinfo "$chip" 2>&1)"
fi
expect_failure "gpioget of a held line fails with busy" busy gpioget "$chip" 3
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
expect_output "line 3 reads 0 again after gpioset exits" 0 gpioget "$chip" 3

[ "$failures" -eq 0 ]
