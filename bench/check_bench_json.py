#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs the benchmark and checks its JSON: every figure issues 5 and 17 name is
there with median, p99, n and unit.  Completion and shape only, never speed.

Usage: check_bench_json.py JSON_FILE BENCH [BENCH ARGS...]
(BENCH ARGS should include --json JSON_FILE).  Prints TAP.
"""
import json
import math
import os
import subprocess
import sys

FIGURES = [
    "eventfd_rtt_us_same", "eventfd_rtt_us_cross",
    "request_rtt_us_same", "request_rtt_us_cross",
    "irq_latency_us_same", "irq_latency_us_cross",
    "throughput_get_rps", "throughput_set_rps",
    "scale_threads", "scale_rss_kb", "scale_idle_wakeups",
    "idle_rss_kb", "ready_ms",
    # issue 15: the timing error of played edges
    "play_late_us",
    # issue 17: the same daemon with --poll-us
    "request_rtt_us_cross_poll", "request_rtt_us_same_poll",
    "throughput_get_rps_cross_poll", "irq_latency_us_cross_poll",
    "kicks_per_request_poll", "poll_cpu_fraction_idle",
]
FIELDS = ["median", "p99", "n", "unit"]


def check_figure(name, fig):
    """Returns a list of problems with one figure object."""
    if not isinstance(fig, dict):
        return ["not an object"]
    problems = ["no %s" % f for f in FIELDS if f not in fig]
    if problems:
        return problems
    n = fig["n"]
    if not isinstance(n, int) or n < 0:
        problems.append("n is not a count: %r" % (n,))
    if not isinstance(fig["unit"], str) or not fig["unit"]:
        problems.append("unit is not a word")
    for f in ("median", "p99"):
        v = fig[f]
        if isinstance(n, int) and n > 0:
            if not isinstance(v, (int, float)) or isinstance(v, bool) \
                    or math.isnan(v):
                problems.append("%s is not a number with n=%d" % (f, n))
        elif v is not None and not isinstance(v, (int, float)):
            problems.append("%s is neither a number nor null" % f)
    if isinstance(n, int) and n == 0 and not fig.get("note"):
        problems.append("n=0 without a note saying why")
    return problems


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, cmd = argv[1], argv[2:]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    tests = []
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=None,
                          universal_newlines=True, timeout=600)
    sys.stdout.write("".join("# " + l + "\n"
                             for l in proc.stdout.splitlines()))
    tests.append(("bench exits 0", proc.returncode == 0,
                  "exit status %d" % proc.returncode))
    doc = None
    try:
        with open(path) as f:
            doc = json.load(f)
        tests.append(("JSON parses", True, ""))
    except (OSError, ValueError) as e:
        tests.append(("JSON parses", False, str(e)))
    if doc is not None:
        machine = doc.get("machine", {})
        tests.append(("machine has cpu_model and cores",
                      isinstance(machine, dict)
                      and isinstance(machine.get("cpu_model"), str)
                      and isinstance(machine.get("cores"), int),
                      repr(machine)))
        figures = doc.get("figures")
        if not isinstance(figures, dict):
            tests.append(("figures is an object", False, repr(figures)))
        else:
            for name in FIGURES:
                if name not in figures:
                    tests.append((name, False, "missing"))
                    continue
                problems = check_figure(name, figures[name])
                tests.append((name, not problems, "; ".join(problems)))
            for name, fig in sorted(figures.items()):
                if name in FIGURES:
                    continue
                problems = check_figure(name, fig)
                if problems:
                    tests.append((name, False, "; ".join(problems)))
    print("1..%d" % len(tests))
    failed = 0
    for i, (name, ok, why) in enumerate(tests, 1):
        print("%s %d - %s%s" % ("ok" if ok else "not ok", i, name,
                                "" if ok or not why else " # " + why))
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
