"""IPv6 packets as bytes for the fuzz corpus generators: ICMPv6 (neighbor discovery, echo) with a valid
checksum unless asked otherwise, and UDP."""
import socket
import struct

from ipv4_packets import csum


def ip6(text):
    return socket.inet_pton(socket.AF_INET6, text)


def solicited_node(address):
    return ip6("ff02::1:ff00:0")[:13] + address[13:]


def multicast_mac(group):
    return b"\x33\x33" + group[12:]


def ipv6(src, dst, next_header, payload, hop=64, length=None, version=6):
    n = len(payload) if length is None else length
    return struct.pack(">IHBB", version << 28, n, next_header, hop) + src + dst + payload


def icmp6(src, dst, type_, code, body, hop=64, bad_sum=False):
    msg = struct.pack(">BBH", type_, code, 0) + body
    c = csum(src + dst + struct.pack(">IxxxB", len(msg), 58) + msg) ^ (0x5555 if bad_sum else 0)
    return ipv6(src, dst, 58, msg[:2] + struct.pack(">H", c) + msg[4:], hop)


def lla(option_type, mac):
    return bytes([option_type, 1]) + mac


def solicit(src, target, mac=None, hop=255, dst=None, option=None):
    body = bytes(4) + target + (option if option is not None else (lla(1, mac) if mac else b""))
    return icmp6(src, dst or solicited_node(target), 135, 0, body, hop)


def advertise(src, dst, target, mac, flags=0x60):
    return icmp6(src, dst, 136, 0, bytes([flags, 0, 0, 0]) + target + lla(2, mac), 255)


def echo6(src, dst, ident=0x4242, seq=1, body=b"ping" * 8):
    return icmp6(src, dst, 128, 0, struct.pack(">HH", ident, seq) + body)


def udp6(src, sport, dst, dport, payload=b"u" * 16, hop=64):
    n = 8 + len(payload)
    head = struct.pack(">HHHH", sport, dport, n, 0)
    c = csum(src + dst + struct.pack(">IxxxB", n, 17) + head + payload) or 0xffff
    return ipv6(src, dst, 17, head[:6] + struct.pack(">H", c) + payload, hop)
