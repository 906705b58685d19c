#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/ (committed; run again after
changing an input format).  Each seed is a small valid scenario in the
format its harness's header comment describes."""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- device_list ----
for i, text in enumerate([
    "s8", "s1", "s65535", "s8:s2:s3", "0", "0[3,5-7]", "0[7,0]",
    "0[3,5-7]:@gpio-sim.0-node0[LED_A,BTN_1(ro)]:s8", "/dev/gpiochip3(ro)",
    "@INTC1056\\:00", "0[\\7]", "1[LED\\,A,3(ro),0-2](ro)", "4095",
    "@a\\ b[x\\]y,\\(z]", "s0", "0[]", "0[5-3]", "01", "/dev/gpio\\",
    # Line settings and joined chips (issue 16).
    "@pinctrl-bcm2711[GPIO17(pull-up,debounce=10ms,name=button),"
    "GPIO27(active-low,name=reset),GPIO22(open-drain,name=alert)]",
    "2[0(ro),1-6,7(pull-down)](active-low,pull-up)",
    "0[1(bias-disabled,open-source,debounce=4294967295us),2(push-pull,"
    "active-high,debounce=0ms,name=)](debounce=1ms)",
    "0[3,5]+@pinctrl-bcm2711[GPIO17]", "0[1,2](ro)+1[4]+/dev/a\\+b:s8",
    "0[1(name=a\\,b\\)c)]", "0[1(pull-up,pull-down)]", "0(name=x)",
    "0[1-2(name=x)]", "0(debounce=10)", "0+", "0[1(pullup)]",
    # Settings errors name the chip and line as written, quoted.
    "@pinctrl-bcm2711[GPIO17(pull-up),GPIO27(activelow)]",
    "/dev/gpio/by-name/a-path-longer-than-32-bytes[0-3\\,x(ro,ro)]",
]):
    write("device_list", "seed-%02d" % i, text)

# ---- sim_control ----
for i, (n, cfg, text) in enumerate([
    (7, 0x00, "get 0\nset 1 1\nget 1\nlist\n"),
    (2, 0x39, "list\nget 0\nget 1\nget 2\nget 3\n"),
    (0, 0x00, "set 0 0\nset 0 1\nset 0 2\nset 1 1\nget\n\nbogus\n"),
    (255, 0xff, "get 255\nset 255 1\nget 256\nset 00 1\nset 1  1 x\n"),
    (3, 0x02, "get\t1\r\nset 2 1\nlist extra\n  list  \n"),
    (7, 0x00, "set 2 1\0garbage\nget 2\n\0\nset 1 1\x1b\nget \xc3\xa9\n"),
    (3, 0x00, "trace\nwatch\ntrace 1\n trace\t\ntrace\0\n"),
    (7, 0x00, "play-step 0 1 1\nplay-step 0 2 1\nplay-step 5 1 0\n"
              "play-start 1 5\nplay-step 0 9 1\nplay-start 0 0\n"
              "play-step 3 1 2\nplay-step 01 1 1\nplay-start 2 10\n"),
    (7, 0x00, "wire 1 2\nwire 2 1\nwire 0:1 3\nset 2 1\nunwire 2\n"
              "set 2 1\nwire 1:1 2\nwire sim-3 4\nunwire 9\nlist\n"),
]):
    write("sim_control", "seed-%02d" % i, bytes([n, cfg]) + text.encode())

# ---- virtqueue ----
F_NEXT, F_WRITE, F_INDIRECT = 1, 2, 4


def desc(addr, length, flags, nxt):
    return struct.pack("<QIHH", addr, length, flags, nxt)


def vq_seed(num_exp, flags, chains_desc, heads, ops, indirect=b"",
            ind_off=0x4000, used_event=0, last_avail=0, avail_flags=0):
    num = 1 << num_exp
    img = bytearray(0x5000)
    d = b"".join(chains_desc)
    img[0:len(d)] = d
    ring = struct.pack("<HH", avail_flags, len(heads))
    ring += b"".join(struct.pack("<H", h) for h in heads)
    ring += b"\0" * (2 * (num - len(heads)))
    ring += struct.pack("<H", used_event)
    img[0x1000:0x1000 + len(ring)] = ring
    img[ind_off:ind_off + len(indirect)] = indirect
    hdr = bytes([num_exp, flags]) + struct.pack("<H", last_avail)
    hdr += struct.pack("<HHH", 0, 0x1000, 0x2000)
    assert len(ops) == 16
    return hdr + bytes(ops) + bytes(img)


POP, PUSH_HELD, PUSH_LAST, READ, NOTIFY, SHOULD, DISABLE, ENABLE, MORE = \
    0, 3, 0x0b, 4, 5, 0x0d, 0x0e, 6, 0x0f
OPS = [POP, POP, READ, PUSH_HELD, NOTIFY, POP, PUSH_LAST, SHOULD,
       DISABLE, POP, ENABLE, PUSH_HELD, MORE, POP, PUSH_HELD, NOTIFY]
# Request-shaped chains: 8 readable bytes, then 2 writable.
req = [desc(0x3000, 8, F_NEXT, 1), desc(0x3100, 2, F_WRITE, 0),
       desc(0x3200, 8, F_NEXT, 3), desc(0x3300, 2, F_WRITE, 0)]
write("virtqueue", "seed-requests", vq_seed(3, 0, req, [0, 2], OPS))
write("virtqueue", "seed-event-idx",
      vq_seed(3, 3, req, [0, 2], OPS, used_event=1))
# A buffer that crosses from region A (GPA 0..0x7fff) into region B.
cross = [desc(0x7ff0, 0x20, F_NEXT, 1), desc(0x8000 + 0x100, 4, F_WRITE, 0)]
write("virtqueue", "seed-cross-region", vq_seed(2, 0, cross, [0], OPS))
# An indirect table of three descriptors.
ind = desc(0x3000, 8, F_NEXT, 1) + desc(0x3100, 8, F_NEXT | F_WRITE, 2) + \
    desc(0x3200, 1, F_WRITE, 0)
write("virtqueue", "seed-indirect",
      vq_seed(4, 2, [desc(0x4000, 48, F_INDIRECT, 0)], [0], OPS, ind))
# Broken: a loop in the chain, a head out of range.
write("virtqueue", "seed-loop",
      vq_seed(1, 0, [desc(0x3000, 8, F_NEXT, 1), desc(0x3000, 8, F_NEXT, 0)],
              [0], OPS))
write("virtqueue", "seed-bad-head", vq_seed(1, 0, req[:2], [7], OPS))
write("virtqueue", "seed-ring-offsets",
      bytes([3, 4, 0, 0]) + struct.pack("<HHH", 0x8000, 0x9000, 0xa000) +
      bytes(OPS) + bytes(0x100))

# ---- gpio_device ----


def r(typ, gpio, value, cap=64):
    return bytes([0, 8]) + struct.pack("<HHI", typ, gpio, value) + bytes([cap])


GET_NAMES, GET_DIR, SET_DIR, GET_VAL, SET_VAL, IRQ_TYPE = 1, 2, 3, 4, 5, 6
UNMASK, LEVEL, FLUSH, RESET, SUSPEND, RESUME, FEATURE, FAULT, CONFIG = \
    1, 2, 3, 4, 5, 6, 7, 8, 9
write("gpio_device", "seed-requests", bytes([7, 0, 1]) +
      r(GET_NAMES, 0, 0, 255) + r(GET_DIR, 0, 0) + r(SET_DIR, 1, 1) +
      r(SET_VAL, 1, 1) + r(GET_VAL, 1, 0) + r(SET_DIR, 1, 2) +
      r(GET_VAL, 1, 0) + r(SET_DIR, 1, 0) + r(GET_VAL, 9, 0) +
      bytes([CONFIG]))
write("gpio_device", "seed-edge-irq", bytes([3, 0, 1]) +
      r(SET_DIR, 0, 2) + r(IRQ_TYPE, 0, 1) + bytes([UNMASK, 0]) +
      bytes([LEVEL, 0, 1]) + bytes([UNMASK, 0]) + bytes([LEVEL, 0, 0]) +
      bytes([LEVEL, 0, 1]) + bytes([UNMASK, 0]) + r(IRQ_TYPE, 0, 0) +
      bytes([UNMASK, 0, FLUSH]))
write("gpio_device", "seed-level-irq", bytes([3, 0, 1]) +
      r(SET_DIR, 2, 2) + r(IRQ_TYPE, 2, 4) + bytes([LEVEL, 2, 1]) +
      bytes([UNMASK, 2, UNMASK, 2, UNMASK, 1]) + r(IRQ_TYPE, 2, 8) +
      bytes([UNMASK, 2, LEVEL, 2, 0, FLUSH]))
write("gpio_device", "seed-suspend-resume", bytes([3, 0, 1]) +
      r(SET_DIR, 0, 1, 2) + r(SET_DIR, 1, 2) + r(IRQ_TYPE, 1, 3) +
      bytes([UNMASK, 1, SUSPEND, LEVEL, 1, 1, RESUME, UNMASK, 1, LEVEL, 1,
             0, SUSPEND, SUSPEND, RESET, RESUME]))
write("gpio_device", "seed-read-only-faults", bytes([5, 0x05, 0x03]) +
      r(SET_DIR, 0, 1) + r(SET_VAL, 0, 1) + r(SET_DIR, 0, 2) +
      r(IRQ_TYPE, 0, 1) + bytes([UNMASK, 0, FAULT, 0x3f]) +
      r(SET_DIR, 1, 1) + r(IRQ_TYPE, 1, 3) + bytes([UNMASK, 1]) +
      bytes([FEATURE, 0]) + r(IRQ_TYPE, 1, 1) + bytes([FAULT, 0]) +
      r(GET_NAMES, 0, 0, 3) + bytes([0, 3, 1, 0, 0, 64]))

# ---- vu_protocol ----
UVA = 0x7f0000000000
V, NEED_REPLY = 1, 8


def msg(req, payload=b"", flags=V, nfds=0, kinds=0):
    return bytes([req, flags]) + struct.pack("<H", len(payload)) + \
        bytes([nfds, kinds]) + payload


def ram(off, data):
    out = b""
    while data:
        chunk, data = data[:255], data[255:]
        out += bytes([0xff]) + struct.pack("<H", off) + bytes([len(chunk)]) \
            + chunk
        off += len(chunk)
    return out


u64 = lambda v: struct.pack("<Q", v)
state = lambda i, n: struct.pack("<II", i, n)
region = lambda gpa, size, uva, off: struct.pack("<QQQQ", gpa, size, uva, off)
FEATURES = (1 << 0) | (1 << 32) | (1 << 30) | (1 << 24) | (1 << 28)
PROTO = (1 << 0) | (1 << 3) | (1 << 9) | (1 << 13) | (1 << 15) | (1 << 16)


def vu_session(features=FEATURES, event_idx=False, extra=b""):
    f = features | ((1 << 29) if event_idx else 0)
    s = msg(1) + msg(2, u64(f)) + msg(15) + msg(16, u64(PROTO)) + msg(3)
    s += msg(5, struct.pack("<II", 1, 0) + region(0, 0x10000, UVA, 0),
             nfds=1, kinds=0)
    s += ram(0, b"".join(req)) + ram(0x1000, struct.pack("<HHHH", 0, 2, 0, 2))
    for q in (0, 1):
        base = q * 0x4000
        s += msg(8, state(q, 8))
        s += msg(9, struct.pack("<IIQQQQ", q, 0, UVA + base,
                                UVA + base + 0x2000, UVA + base + 0x1000, 0))
        s += msg(10, state(q, 0))
        s += msg(13, u64(q), nfds=1, kinds=2)
        s += msg(12, u64(q), nfds=1, kinds=1)
        s += msg(18, state(q, 1), flags=V | NEED_REPLY)
    s += bytes([0xfe]) + extra
    return s


write("vu_protocol", "seed-session", vu_session() + bytes([0xfe]) +
      msg(11, state(0, 0)) + msg(11, state(1, 0)))
write("vu_protocol", "seed-event-idx", vu_session(event_idx=True) +
      ram(0x1000, struct.pack("<HHHH", 0, 2, 0, 2)) + bytes([0xfe]))
write("vu_protocol", "seed-config-status", msg(1) +
      msg(2, u64(FEATURES)) + msg(16, u64(PROTO)) +
      msg(24, struct.pack("<III", 0, 8, 0) + bytes(8)) +
      msg(24, struct.pack("<III", 4, 8, 0) + bytes(8)) +
      msg(25, struct.pack("<III", 0, 1, 0) + bytes(1), flags=V | NEED_REPLY) +
      msg(39, u64(0x0f), flags=V | NEED_REPLY) + msg(40) + msg(36) + msg(17) +
      msg(99, flags=V | NEED_REPLY) + msg(34) + msg(4))
write("vu_protocol", "seed-mem-slots", msg(2, u64(FEATURES)) +
      msg(16, u64(PROTO)) +
      msg(37, u64(0) + region(0, 0x10000, UVA, 0), nfds=1, kinds=0) +
      msg(37, u64(0) + region(0x100000, 0x1000, UVA + 0x100000, 0),
          nfds=1, kinds=3, flags=V | NEED_REPLY) +
      msg(37, u64(0) + region(0x200000, 0x2000, UVA + 0x200000, 0),
          nfds=1, kinds=3, flags=V | NEED_REPLY) +
      msg(38, u64(0) + region(0x100000, 0x1000, UVA + 0x100000, 0), nfds=1,
          kinds=3) +
      msg(38, u64(0) + region(0, 0x10000, UVA, 0), flags=V | NEED_REPLY))
write("vu_protocol", "seed-bad-frames", msg(1, flags=V | 4) +
      msg(5, struct.pack("<II", 2, 0) + region(0, 0x1000, UVA, 0), nfds=1))
# The guest memory file truncated under the daemon, then a ring access.
write("vu_protocol", "seed-shrunk-memory", vu_session() + bytes([0xfd]) +
      msg(18, state(0, 1)) + bytes([0xfe]) + msg(11, state(0, 0)))
# Kick, call and error fds of every kind (FDSPEC 23: one fd, bit 4 set,
# so kinds 4..7).
write("vu_protocol", "seed-hostile-fds", vu_session() +
      b"".join(msg(req, u64(0), nfds=23 if k >= 4 else 1, kinds=k & 3)
               for req in (12, 13, 14) for k in range(8)) +
      bytes([0xfe]) + msg(5, struct.pack("<II", 1, 0) +
                          region(0, 0x1000, UVA, 0), nfds=23, kinds=3))
write("vu_protocol", "seed-truncated",
      bytes([2, 1]) + struct.pack("<H", 8) + bytes([0, 0]) + b"\1\2\3")
