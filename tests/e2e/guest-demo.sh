#!/bin/sh
# Guest side of the demo that `scripts/run` plays (run by the guest's /init,
# busybox sh, as /test.sh). Not a test: it narrates what it does on the
# console, which scripts/run shows prefixed with "guest: ", next to its live
# view of the daemon's lines.
#
#   1. drives output line 0 with gpioset: 1, 0, 1 (each held for a second,
#      then released, as gpioset does when it exits)
#   2. watches input line 1 while the host drives it 1 0 1 0:
#      VDG_DEMO_IRQ=1 (QEMU 10, which offers interrupts): gpiomon, i.e. the
#      line's interrupt, prints each edge as it comes;
#      otherwise (QEMU 7.2 never offers VIRTIO_GPIO_F_IRQ): gpioget every
#      0.1 s, printing each change it reads
#
# The host acts when the guest prints "VDG-SYNC <line1-watched>" on the
# console (see tests/e2e/README.md for why the closing bracket). Every wait is
# bounded (VDG_WAIT seconds, default 20), so a host that never acts ends the
# demo with an error instead of a hang. Exits non-zero when something failed.
set -u
# shellcheck source=tests/e2e/guest-lib.sh
. "${0%/*}/guest-lib.sh"

edges=4

say() { echo "$*"; }

if ! find_chip 'virtio*'; then
  say "no virtio GPIO chip: the gpio-virtio driver found no device"
  gpiodetect
  exit 1
fi
say "found $(gpiodetect | grep "^$chip ")"

rc=0
for v in 1 0 1; do
  say "gpioset $chip 0=$v (output line 0, held 1 s)"
  gpioset --mode=time --sec=1 "$chip" 0="$v" || rc=1
done
say "line 0 released"

if [ "${VDG_DEMO_IRQ:-0}" = 1 ]; then
  say "gpiomon $chip 1: waiting for $edges edges on input line 1 (interrupts)"
  # On the console directly: a tty, so each event line comes out at once.
  timeout "$wait_s" gpiomon --num-events=$edges "$chip" 1 &
  mon=$!
  if ! wait_irqs $mon 1; then
    say "gpiomon did not get line 1's interrupt"
    rc=1
  fi
  sync_point line1-watched
  wait $mon || rc=1
  say "gpiomon saw $edges edges"
else
  say "no interrupts with this QEMU: polling input line 1 with gpioget"
  sync_point line1-watched
  last=$(gpioget "$chip" 1)
  seen=0
  tries=$((wait_s * 10))
  while [ $seen -lt $edges ] && [ $tries -gt 0 ]; do
    v=$(gpioget "$chip" 1)
    if [ "$v" != "$last" ]; then
      say "gpioget $chip 1: input line 1 reads $v"
      last=$v
      seen=$((seen + 1))
    fi
    sleep 0.1
    tries=$((tries - 1))
  done
  if [ $seen -lt $edges ]; then
    say "saw only $seen of $edges changes of line 1"
    rc=1
  fi
fi
say "done, powering off"
exit $rc
