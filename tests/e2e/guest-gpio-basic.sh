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
# shellcheck source=tests/e2e/guest-lib.sh
. "${0%/*}/guest-lib.sh"

# Print "<line> <name>" for each line of gpioinfo's output for chip $1.
# shellcheck disable=SC2317 # called through tap_check
line_names() {
  gpioinfo "$1" | sed -n 's/^[[:space:]]*line *\([0-9]*\): *"\([^"]*\)".*/\1 \2/p'
}

tap_plan 11

# 1: the chip, by label.
expect_chip 8

# 2-3: the names come from the device's GET_NAMES; every line starts as an
# unused input.
expected_names=$(for i in 0 1 2 3 4 5 6 7; do echo "$i sim-$i"; done)
tap_check "gpioinfo shows the names sim-0 .. sim-7" \
  output_is "$expected_names" line_names "$chip"
tap_check "gpioinfo shows 8 unused inputs at start" \
  output_is 8 sh -c "gpioinfo $chip | grep -c 'unused *input'"

# 4-5: gpioset drives the lines as outputs and releases them when it exits.
tap_check "gpioset drives one line" gpioset "$chip" 0=1
tap_check "gpioset drives several lines at once" \
  gpioset "$chip" 1=1 2=0 5=1 7=1

# 6-7: released lines read back as inputs at the simulated level 0.
tap_check "gpioget of one released line reads 0" \
  output_is 0 gpioget "$chip" 0
tap_check "gpioget of all 8 lines reads 0 0 0 0 0 0 0 0" \
  output_is "0 0 0 0 0 0 0 0" gpioget "$chip" 0 1 2 3 4 5 6 7

# 8: libgpiod refuses offsets past ngpio before anything reaches the device.
tap_check "gpioget of line 8 (out of range) fails" \
  fails_with "" gpioget "$chip" 8

# 9-11: a line held as an output by one process is busy for another, and
# reads 0 as an input again once released.
gpioset --mode=signal "$chip" 3=1 &
holder=$!
if retry 5 line_held "$chip" 3 gpioset output; then
  tap_ok "gpioset --mode=signal holds line 3 as an output"
else
  tap_not_ok "gpioset --mode=signal holds line 3 as an output"
  tap_diag "$(gpioinfo "$chip" 2>&1)"
fi
tap_check "gpioget of a held line fails with busy" \
  fails_with busy gpioget "$chip" 3
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
tap_check "line 3 reads 0 again after gpioset exits" \
  output_is 0 gpioget "$chip" 3

tap_done
