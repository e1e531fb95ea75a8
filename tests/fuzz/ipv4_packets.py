"""IPv4 packets as bytes for the fuzz corpus generators (make_nat_corpus.py, make_pipeline_corpus.py):
checksums valid unless asked otherwise, identification 0x1234."""
import struct

FIN, SYN, RST, ACK = 1, 2, 4, 0x10


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(proto, src, dst, l4, ttl=64, frag=0, options=b"", ihl=None, total=None, bad_sum=False, tos=0):
    """`ihl` and `total` override the header's fields; `bad_sum` spoils the header checksum; `tos` is
    the DSCP and ECN byte."""
    n_ihl = ihl if ihl is not None else 5 + len(options) // 4
    length = total if total is not None else 20 + len(options) + len(l4)
    h = struct.pack(">BBHHHBBH4s4s", 0x40 | n_ihl, tos, length, 0x1234, frag, ttl, proto, 0, src, dst) + options
    c = csum(h) ^ (0x5555 if bad_sum else 0)
    return h[:10] + struct.pack(">H", c) + h[12:] + l4


def pseudo(src, dst, proto, n):
    return src + dst + struct.pack(">BBH", 0, proto, n)


def tcp(src, sport, dst, dport, flags, payload=b"", **kw):
    t = struct.pack(">HHIIBBHHH", sport, dport, 0x01020304, 0x0A0B0C0D if flags & ACK else 0, 0x50, flags,
                    65535, 0, 0) + payload
    c = csum(pseudo(src, dst, 6, len(t)) + t)
    return ipv4(6, src, dst, t[:16] + struct.pack(">H", c) + t[18:], **kw)


def udp(src, sport, dst, dport, payload=b"\x01\x02\x03", **kw):
    u = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = csum(pseudo(src, dst, 17, len(u)) + u) or 0xFFFF
    return ipv4(17, src, dst, u[:6] + struct.pack(">H", c) + u[8:], **kw)


def icmp(src, dst, typ, code, rest, body, bad_sum=False, **kw):
    """`bad_sum` spoils the ICMP checksum."""
    m = struct.pack(">BBHI", typ, code, 0, rest) + body
    c = csum(m) ^ (0x1111 if bad_sum else 0)
    return ipv4(1, src, dst, m[:2] + struct.pack(">H", c) + m[4:], **kw)
