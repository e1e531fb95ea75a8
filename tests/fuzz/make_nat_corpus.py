#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_nat (tests/fuzz/corpus/nat/): records in the format of
tests/fuzz/nat_fuzz_harness.hpp: IPv4 TCP/UDP/ICMP packets between inside hosts (10.0.0.x), the
external address 198.51.100.1 and a remote 203.0.113.9, with ICMP errors quoting translated packets.
With seed 0 the first dynamic port is 1024, then 1025, 1027 (1026 is forwarded)."""
import os

from ipv4_packets import ACK, FIN, RST, SYN, icmp, ipv4, tcp, udp

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus", "nat")
os.makedirs(out, exist_ok=True)

EXT = bytes([198, 51, 100, 1])
HOST = bytes([10, 0, 0, 2])
SERVER = bytes([10, 0, 0, 5])
REMOTE = bytes([203, 0, 113, 9])
ROUTER = bytes([192, 0, 2, 254])


def rec(packet, inbound=False, advance=1, sweep=False, big=False):
    ctl = (1 if inbound else 0) | (2 if sweep else 0) | (4 if big else 0) | ((advance & 31) << 3)
    return bytes([ctl, len(packet)]) + packet


CONFIG = bytes([0x4F])  # 16 sessions, per-host limit 0 (none), 8 dynamic ports

seeds = {
    "tcp-handshake-close": [
        rec(tcp(HOST, 40000, REMOTE, 80, SYN)),
        rec(tcp(REMOTE, 80, EXT, 1024, SYN | ACK), inbound=True),
        rec(tcp(HOST, 40000, REMOTE, 80, ACK, b"GET /")),
        rec(tcp(HOST, 40000, REMOTE, 80, FIN | ACK)),
        rec(tcp(REMOTE, 80, EXT, 1024, FIN | ACK), inbound=True),
        rec(tcp(HOST, 40000, REMOTE, 80, ACK), advance=6, sweep=True),
    ],
    "udp-dns": [
        rec(udp(HOST, 5000, REMOTE, 53)),
        rec(udp(REMOTE, 53, EXT, 1024, b"\x09" * 12), inbound=True),
        rec(udp(HOST, 5000, bytes([203, 0, 113, 10]), 53)),
        rec(udp(HOST, 5001, REMOTE, 53), advance=31, sweep=True, big=True),
    ],
    "icmp-echo": [
        rec(icmp(HOST, REMOTE, 8, 0, 0x42420001, b"ping")),
        rec(icmp(REMOTE, EXT, 0, 0, 0x04000001, b"ping"), inbound=True),
        rec(icmp(REMOTE, EXT, 8, 0, 0x00050001, b"ping"), inbound=True),
    ],
    "icmp-error-inbound": [
        rec(udp(HOST, 5000, REMOTE, 53)),
        rec(icmp(ROUTER, EXT, 3, 3, 0, udp(EXT, 1024, REMOTE, 53)[:28]), inbound=True),
        rec(tcp(HOST, 40000, REMOTE, 443, SYN)),
        rec(icmp(ROUTER, EXT, 11, 0, 0, tcp(EXT, 1025, REMOTE, 443, SYN)), inbound=True),
    ],
    "forward-and-icmp-error-outbound": [
        rec(udp(REMOTE, 7777, EXT, 53), inbound=True),
        rec(icmp(bytes([10, 0, 0, 6]), REMOTE, 3, 3, 0, udp(REMOTE, 7777, bytes([10, 0, 0, 6]), 53)[:28])),
        rec(tcp(REMOTE, 50000, EXT, 1026, SYN), inbound=True),
        rec(tcp(SERVER, 22, REMOTE, 50000, SYN | ACK)),
        rec(tcp(REMOTE, 50000, EXT, 1026, RST), inbound=True),
    ],
    "hairpin": [
        rec(tcp(HOST, 40000, EXT, 8080, SYN)),
        rec(tcp(SERVER, 80, EXT, 1024, SYN | ACK)),
        rec(tcp(HOST, 40000, EXT, 8080, ACK)),
    ],
    "fragments-and-junk": [
        rec(ipv4(6, HOST, REMOTE, tcp(HOST, 1, REMOTE, 2, ACK, b"x" * 16)[20:], frag=0x2000)),
        rec(ipv4(6, HOST, REMOTE, b"y" * 16, frag=0x0003)),
        rec(ipv4(47, HOST, REMOTE, b"\0" * 8)),
        rec(tcp(HOST, 40000, REMOTE, 80, SYN)[:30]),
        rec(b"\x46" + tcp(HOST, 40000, REMOTE, 80, SYN)[1:]),
    ],
}

for name, records in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(CONFIG + b"".join(records))
