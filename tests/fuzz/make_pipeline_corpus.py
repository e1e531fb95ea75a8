#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_pipeline (tests/fuzz/corpus/pipeline/): records in the format of
tests/fuzz/pipeline_harness.hpp with untagged, 802.1Q, QinQ, truncated and oversized frames on the
harness's ports (0 a, 1 b, 2 trunk, 3 qinq, 4 acc20, 5 loner, 6 acc30, 7 solo)."""
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus", "pipeline")
os.makedirs(out, exist_ok=True)

BCAST = bytes([0xff] * 6)
PINNED = bytes([2, 0, 0, 0, 0, 1])


def mac(n):
    return bytes([2, 0, 0, 0, 1, n])


def tag(tpid, vid):
    return struct.pack(">HH", tpid, vid)


def frame(dst, src, tags=b"", payload=46):
    return dst + src + tags + b"\x88\xb5" + bytes(i & 0xff for i in range(payload))


def rec(port, data, new_burst=False, advance=0):
    head = (port & 7) | (8 if new_burst else 0) | ((advance & 15) << 4)
    return bytes([head]) + struct.pack("<H", len(data)) + data


seeds = {
    "access-flood": rec(0, frame(BCAST, mac(1))) + rec(1, frame(mac(1), mac(2))),
    "trunk-vlans": rec(2, frame(BCAST, mac(3), tag(0x8100, 10))) + rec(2, frame(BCAST, mac(3), tag(0x8100, 20)))
    + rec(4, frame(mac(3), mac(4))) + rec(0, frame(mac(3), mac(1))),
    "qinq": rec(3, frame(BCAST, mac(5), tag(0x88a8, 100) + tag(0x8100, 10)))
    + rec(3, frame(BCAST, mac(5), tag(0x88a8, 200) + tag(0x8100, 30))) + rec(6, frame(mac(5), mac(6)))
    + rec(3, frame(BCAST, mac(5), tag(0x8100, 100) + tag(0x8100, 20))),
    "truncated": rec(0, frame(BCAST, mac(1))[:13]) + rec(2, (BCAST + mac(1) + b"\x81\x00\x00")) +
    rec(3, BCAST + mac(1) + tag(0x88a8, 100) + b"\x81\x00"),
    "unknown-vlan": rec(2, frame(BCAST, mac(1))) + rec(0, frame(BCAST, mac(1), tag(0x8100, 10)))
    + rec(3, frame(BCAST, mac(1), tag(0x88a8, 100) + tag(0x8100, 10) + tag(0x8100, 5))) + rec(5, frame(BCAST, mac(1))),
    "static-and-hairpin": rec(0, frame(BCAST, PINNED)) + rec(1, frame(PINNED, mac(2))) + rec(4, frame(PINNED, mac(7)))
    + rec(0, frame(mac(1), mac(8))) + rec(0, frame(mac(8), mac(1)), new_burst=True),
    "limits-and-ageing": b"".join(rec(2, frame(BCAST, mac(10 + i), tag(0x8100, 10))) for i in range(6))
    + b"".join(rec(1, frame(BCAST, mac(20 + i)), advance=15) for i in range(4)),
    "mtu": rec(2, frame(BCAST, mac(1), tag(0x8100, 10), payload=1000)) + rec(0, frame(BCAST, mac(1), payload=1487))
    + rec(0, frame(BCAST, mac(1), payload=986)),
    "priority-tag": rec(0, frame(BCAST, mac(1), tag(0x8100, 0xe000))) + rec(7, frame(BCAST, mac(1))),
}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print(f"wrote {len(seeds)} seeds to {out}")
