#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks of what `meson install` installs (suite "install").

  files  installs into a temporary --destdir and compares the file list with
         expected-files.txt: a missing or an unexpected file fails
  units  installs, then `systemd-analyze verify` on the installed units,
         with the temporary tree as root (so ExecStart= must name the
         installed binary) and MANPATH on the installed man pages (so
         Documentation= must resolve)
  json   installs, then the vhost-user discovery file must parse and name
         the installed daemon, which must answer --print-capabilities
  man    renders a built man page with `man --warnings -l`: no warning, the
         sections given, and every long option of the program's --help
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def parse_dirs(pairs):
    dirs = {}
    for pair in pairs or []:
        key, _, value = pair.partition("=")
        dirs[key] = value
    return dirs


def meson_install(build_dir, destdir):
    meson = shutil.which("meson")
    if not meson:
        fail("meson not in PATH")
    proc = subprocess.run(
        [meson, "install", "-C", build_dir, "--no-rebuild", "--quiet",
         "--destdir", destdir],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        fail(f"meson install failed:\n{proc.stdout}")


def in_destdir(destdir, path):
    return os.path.join(destdir, path.lstrip("/"))


def installed_files(destdir):
    found = set()
    for root, _, names in os.walk(destdir):
        for name in names:
            full = os.path.join(root, name)
            found.add("/" + os.path.relpath(full, destdir))
    return found


def check_files(args, dirs, destdir):
    expected = set()
    with open(args.expected) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            path = line
            for key, value in dirs.items():
                path = path.replace("{" + key + "}", value)
            if "{" in path:
                fail(f"expected-files.txt: unknown directory in {line}")
            expected.add(os.path.normpath(path))
    found = installed_files(destdir)
    missing = sorted(expected - found)
    unexpected = sorted(found - expected)
    for path in missing:
        print(f"missing: {path}")
    for path in unexpected:
        print(f"unexpected: {path}")
    if missing or unexpected:
        fail("the installed files are not those of expected-files.txt")
    for path in sorted(found):
        print(f"ok {path}")
    for prog in ("vhost-device-gpio", "vhost-device-gpio-sim"):
        if not os.access(in_destdir(destdir, dirs["bindir"] + "/" + prog),
                         os.X_OK):
            fail(f"{prog} is not executable")


def check_units(args, dirs, destdir):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        fail("systemd-analyze not found (scripts/install-deps --test)")
    unitdir = in_destdir(destdir, dirs["systemdunitdir"])
    units = [os.path.join(unitdir, u) for u in
             ("vhost-device-gpio@.service", "vhost-device-gpio@.socket")]
    env = dict(os.environ)
    env["MANPATH"] = in_destdir(destdir, dirs["mandir"])
    # The temporary root holds no sysinit.target & co: errors of the units
    # ours depend on are not ours.
    proc = subprocess.run(
        [analyze, "verify", "--recursive-errors=no", "--root=" + destdir]
        + units, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    print(proc.stdout, end="")
    if proc.returncode != 0 or proc.stdout.strip():
        fail(f"systemd-analyze verify: status {proc.returncode}, output "
             "above")
    with open(units[0]) as f:
        service = f.read()
    want = [
        "Type=notify",
        f"EnvironmentFile={dirs['sysconfdir']}/vhost-device-gpio/%i.conf",
        f"ExecStart={dirs['bindir']}/vhost-device-gpio "
        "--device-list=${DEVICE_LIST}",
        "DeviceAllow=char-gpiochip rw",
    ]
    with open(units[1]) as f:
        socket = f.read()
    want_socket = [
        "ListenStream=/run/vhost-device-gpio/%i.sock\n",
        "ListenStream=/run/vhost-device-gpio/%i.sock.sim\n",
        "SocketMode=0660", "RemoveOnStop=yes",
    ]
    for line in want:
        if line not in service:
            fail(f"the service has no {line}")
    for line in want_socket:
        if line not in socket:
            fail(f"the socket unit has no {line.strip()}")
    print("ok systemd-analyze verify, ExecStart, EnvironmentFile, sockets")


def check_json(args, dirs, destdir):
    path = in_destdir(destdir, dirs["datadir"] +
                      "/qemu/vhost-user/50-vhost-device-gpio.json")
    try:
        with open(path) as f:
            desc = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
    binary = dirs["bindir"] + "/vhost-device-gpio"
    if desc.get("type") != "gpio":
        fail(f"type is {desc.get('type')!r}, not 'gpio'")
    if desc.get("binary") != binary:
        fail(f"binary is {desc.get('binary')!r}, not {binary!r}")
    if not desc.get("description"):
        fail("no description")
    proc = subprocess.run([in_destdir(destdir, binary),
                           "--print-capabilities"],
                          stdout=subprocess.PIPE, text=True)
    try:
        caps = json.loads(proc.stdout)
    except ValueError as e:
        fail(f"--print-capabilities is not JSON: {e}")
    if proc.returncode != 0 or caps.get("type") != "gpio":
        fail(f"--print-capabilities: status {proc.returncode}, {caps}")
    print(f"ok {binary} installed, named by the discovery file")


def check_man(args):
    man = shutil.which("man")
    if not man:
        fail("man not found (scripts/install-deps --test)")
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    env.pop("MANPAGER", None)
    env.pop("PAGER", None)
    proc = subprocess.run([man, "--warnings", "-l", args.page], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    if proc.returncode != 0 or proc.stderr.strip():
        fail(f"man: status {proc.returncode}:\n{proc.stderr}")
    text = proc.stdout
    headings = set(re.findall(r"^([A-Z][A-Z ]+)$", text, re.M))
    for section in args.sections.split(","):
        if section not in headings:
            fail(f"no section {section} (sections: {sorted(headings)})")
    # Every long option the program documents in --help is in the page.
    if args.help_of:
        helptext = subprocess.run([args.help_of, "--help"],
                                  stdout=subprocess.PIPE, text=True).stdout
        flat = re.sub(r"\s+", " ", text.replace("\u2010\n", ""))
        for opt in sorted(set(re.findall(r"--[a-z][a-z-]+", helptext))):
            if opt not in flat:
                fail(f"{opt} (in --help) is not in the man page")
    print(f"ok {os.path.basename(args.page)}: no warnings, "
          f"{len(headings)} sections")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["files", "units", "json", "man"])
    p.add_argument("page", nargs="?")
    p.add_argument("--build-dir")
    p.add_argument("--dir", action="append")
    p.add_argument("--expected")
    p.add_argument("--help-of")
    p.add_argument("--sections", default="NAME")
    args = p.parse_args()

    if args.mode == "man":
        check_man(args)
        return
    dirs = parse_dirs(args.dir)
    with tempfile.TemporaryDirectory(prefix="vdg-install-") as destdir:
        meson_install(args.build_dir, destdir)
        {"files": check_files, "units": check_units,
         "json": check_json}[args.mode](args, dirs, destdir)


if __name__ == "__main__":
    main()
