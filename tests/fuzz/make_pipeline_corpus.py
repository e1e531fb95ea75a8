#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_pipeline (tests/fuzz/corpus/pipeline/): records in the format of
tests/fuzz/pipeline_harness.hpp on the harness's ports (0 a, 1 b, 2 trunk, 3 qinq, 4 acc20, 5 loner,
6 acc30, 7 solo; 8 wan0, 9 wan1, 10 far0, 11 g0, 12 g1, 13 iot0, 14 farq, 15 wanq).

L2 seeds: untagged, 802.1Q, QinQ, truncated and oversized frames. Routed seeds: ARP for the gateways
(and malformed ARP), pings, IPv4 between wan and far (options, odd IHL, bad checksums, truncation,
TTL 1, DF and oversize, static routes, no route), NAT out of guests and iot through the wan uplink
10.0.0.1 (UDP, TCP, ICMP echo, ICMP errors both ways), replies and port forwards in, hairpin, the
inside addresses from outside. The NAT table's seed is 0, so each protocol's dynamic ports start at 1024.
IPv6 seeds (wan fd00:10::1/64, iot fd00:70::1/64 on iot0 with MTU 1280): neighbor discovery for the
gateways (and malformed), pings, routing between them and along 2001:db8:100::/48, hop limit 1, packet
too big, no route, link-local sources, router solicitations punted in iot and bridged in wan."""
import os
import struct

from ipv4_packets import ACK, SYN, icmp, tcp, udp
from ipv6_packets import advertise, echo6, icmp6, ip6, ipv6, lla, multicast_mac, solicit, solicited_node, udp6

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus", "pipeline")

BCAST = bytes([0xff] * 6)
PINNED = bytes([2, 0, 0, 0, 0, 1])
A, B, TRUNK, QINQ, ACC20, LONER, ACC30, SOLO = range(8)
WAN0, WAN1, FAR0, G0, G1, IOT0, FARQ, WANQ = range(8, 16)


def mac(n):
    return bytes([2, 0, 0, 0, 1, n])


def gw_mac(n):
    return bytes([2, 0xe9, 0, 0, 0, n])


def ip(text):
    return bytes(int(x) for x in text.split("."))


WAN_GW, FAR_GW, GUESTS_GW, IOT_GW = gw_mac(0x10), gw_mac(0x17), gw_mac(0x60), gw_mac(0x70)
UPLINK = ip("10.0.0.1")
UPSTREAM, UPSTREAM_MAC = ip("10.0.0.254"), mac(0x54)      # next hop of 198.51.100.0/24
WAN_HOST, WAN_HOST_MAC = ip("10.0.0.5"), mac(0x05)
FAR_HOST, FAR_HOST_MAC = ip("172.16.0.5"), mac(0x15)
FAR_ROUTER, FAR_ROUTER_MAC = ip("172.16.0.254"), mac(0x16)  # next hop of 203.0.113.0/24
GUEST, GUEST_MAC = ip("192.168.60.10"), mac(0x60)           # TCP 8080 is forwarded to it (port 80)
GUEST2, GUEST2_MAC = ip("192.168.60.12"), mac(0x62)
IOT, IOT_MAC = ip("192.168.70.5"), mac(0x70)                # TCP 2222 is forwarded to it (port 22)
REMOTE = ip("198.51.100.7")
FAR_NET_HOST = ip("203.0.113.9")
DF = 0x4000


def tag(tpid, vid):
    return struct.pack(">HH", tpid, vid)


def frame(dst, src, tags=b"", payload=46):
    return dst + src + tags + b"\x88\xb5" + bytes(i & 0xff for i in range(payload))


def eth(dst, src, ethertype, payload, tags=b""):
    return dst + src + tags + struct.pack(">H", ethertype) + payload


def arp(op, sha, spa, tpa, tha=bytes(6), htype=1, hlen=6):
    return struct.pack(">HHBBH", htype, 0x0800, hlen, 4, op) + sha + spa + tha + tpa + bytes(18)


def echo(src, dst, ident=0x4242, seq=1, body=b"ping" * 8, **kw):
    return icmp(src, dst, 8, 0, ident << 16 | seq, body, **kw)


def rec(port, data, new_burst=False, advance=0, fix_ip=False, fix_l4=False):
    head = (port & 7) | (8 if new_burst else 0) | ((advance & 15) << 4)
    word = len(data) | ((port >> 3) & 1) << 11 | (0x1000 if fix_ip else 0) | (0x2000 if fix_l4 else 0)
    return bytes([head]) + struct.pack("<H", word) + data


def ip_frame(port_mac, gw, packet, tags=b""):
    return eth(gw, port_mac, 0x0800, packet, tags)


# Teaching the gateways where hosts are: an ARP reply to each gateway.
def learn(port, host_mac, host_ip, gw, gw_ip, tags=b""):
    return rec(port, eth(gw, host_mac, 0x0806, arp(2, host_mac, host_ip, gw_ip, gw), tags), new_burst=True)


NEIGHBORS = (learn(WAN0, UPSTREAM_MAC, UPSTREAM, WAN_GW, UPLINK) + learn(WAN1, WAN_HOST_MAC, WAN_HOST, WAN_GW, UPLINK)
             + learn(FAR0, FAR_HOST_MAC, FAR_HOST, FAR_GW, ip("172.16.0.1"))
             + learn(FARQ, FAR_ROUTER_MAC, FAR_ROUTER, FAR_GW, ip("172.16.0.1"), tag(0x88a8, 300) + tag(0x8100, 50))
             + learn(G0, GUEST_MAC, GUEST, GUESTS_GW, ip("192.168.60.1"))
             + learn(G1, GUEST2_MAC, GUEST2, GUESTS_GW, ip("192.168.60.1"))
             + learn(IOT0, IOT_MAC, IOT, IOT_GW, ip("192.168.70.1")))


def udp_out(sport, dport):  # guest -> remote, through the static route and SNAT
    return rec(G0, ip_frame(GUEST_MAC, GUESTS_GW, udp(GUEST, sport, REMOTE, dport)), new_burst=True)


l2_seeds = {
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
    + b"".join(rec(1, frame(BCAST, mac(20 + i)), advance=14) for i in range(4)),
    "mtu": rec(2, frame(BCAST, mac(1), tag(0x8100, 10), payload=1000)) + rec(0, frame(BCAST, mac(1), payload=1487))
    + rec(0, frame(BCAST, mac(1), payload=986)),
    "priority-tag": rec(0, frame(BCAST, mac(1), tag(0x8100, 0xe000))) + rec(7, frame(BCAST, mac(1))),
}

wan_arp = lambda payload, dst=BCAST, port=WAN0, tags=b"": rec(port, eth(dst, WAN_HOST_MAC, 0x0806, payload, tags))
routed_seeds = {
    "arp-gateway": wan_arp(arp(1, WAN_HOST_MAC, WAN_HOST, UPLINK)) + wan_arp(arp(2, WAN_HOST_MAC, WAN_HOST, UPLINK), WAN_GW)
    + wan_arp(arp(1, WAN_HOST_MAC, WAN_HOST, UPLINK), port=TRUNK, tags=tag(0x8100, 40))
    + wan_arp(arp(1, WAN_HOST_MAC, WAN_HOST, UPLINK), port=WANQ, tags=tag(0x88a8, 400) + tag(0x8100, 41))
    + wan_arp(arp(1, WAN_HOST_MAC, ip("0.0.0.0"), UPLINK)) + wan_arp(arp(1, WAN_HOST_MAC, FAR_HOST, UPLINK))
    + rec(FAR0, eth(BCAST, FAR_HOST_MAC, 0x0806, arp(1, FAR_HOST_MAC, FAR_HOST, ip("172.16.0.1"))))
    + wan_arp(arp(1, WAN_HOST_MAC, WAN_HOST, ip("10.0.0.77"))),
    "arp-malformed": wan_arp(arp(1, WAN_HOST_MAC, WAN_HOST, UPLINK)[:20], WAN_GW)
    + wan_arp(arp(1, WAN_HOST_MAC, WAN_HOST, UPLINK, htype=6), WAN_GW)
    + wan_arp(arp(1, WAN_HOST_MAC, WAN_HOST, UPLINK, hlen=8), WAN_GW)
    + wan_arp(arp(3, WAN_HOST_MAC, WAN_HOST, UPLINK)) + wan_arp(arp(1, BCAST, WAN_HOST, UPLINK))
    + wan_arp(arp(1, WAN_HOST_MAC, WAN_HOST, UPLINK)[:27]),
    "neighbors-full": b"".join(learn(WAN0 + (i & 1), mac(0x80 + i), ip("10.0.0.%d" % (100 + i)), WAN_GW, UPLINK)
                               for i in range(10)),
    "ping-gateways": rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, echo(WAN_HOST, UPLINK)))
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, echo(WAN_HOST, ip("172.16.0.1"))))
    + rec(G1, ip_frame(GUEST2_MAC, GUESTS_GW, echo(GUEST2, UPLINK)), new_burst=True)
    + rec(G1, ip_frame(GUEST2_MAC, GUESTS_GW, echo(GUEST2, ip("192.168.60.1"), bad_sum=True)))
    + rec(G1, ip_frame(GUEST2_MAC, GUESTS_GW, echo(GUEST2, ip("192.168.60.1"))[:40]))
    + rec(G1, ip_frame(GUEST2_MAC, GUESTS_GW, echo(GUEST2, ip("192.168.60.1"), body=b"x" * 1300)))
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 5, UPLINK, 7)), new_burst=True)
    + rec(WAN1, eth(WAN_GW, WAN_HOST_MAC, 0x86dd, bytes(40))),
    "routed-wan-far": NEIGHBORS
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 4000, FAR_HOST, 53)), new_burst=True)
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, tcp(WAN_HOST, 4001, FAR_HOST, 80, SYN)))
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 4002, FAR_NET_HOST, 53)))
    + rec(FAR0, ip_frame(FAR_HOST_MAC, FAR_GW, udp(FAR_HOST, 53, REMOTE, 4000)), new_burst=True)
    + rec(FAR0, ip_frame(FAR_HOST_MAC, FAR_GW, udp(FAR_HOST, 53, ip("10.0.0.200"), 4000)))
    + rec(FAR0, ip_frame(FAR_HOST_MAC, FAR_GW, udp(FAR_HOST, 53, ip("8.8.8.8"), 4000))),
    "ipv4-odd": NEIGHBORS
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 1, FAR_HOST, 2, options=b"\x01\x01\x01\x00")), new_burst=True)
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 1, FAR_HOST, 2, options=b"\x07\x0b\x04" + bytes(9))))
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 1, FAR_HOST, 2, ihl=4)))
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 1, FAR_HOST, 2, ihl=15)))
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 1, FAR_HOST, 2, bad_sum=True)))
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 1, FAR_HOST, 2, total=900)))
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 1, FAR_HOST, 2, total=10)))
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 1, FAR_HOST, 2))[:30])
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 1, FAR_HOST, 2, frag=0x2000 | 100)))
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, b"\x65" + udp(WAN_HOST, 1, FAR_HOST, 2)[1:])),
    "ttl-and-mtu": NEIGHBORS
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 9, FAR_HOST, 9, ttl=1)), new_burst=True)
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 9, FAR_HOST, 9, ttl=0)))
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 9, FAR_HOST, 9, b"m" * 1200, frag=DF)))
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 9, FAR_HOST, 9, b"m" * 1200)))
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, icmp(WAN_HOST, FAR_HOST, 3, 3, 0, udp(FAR_HOST, 9, WAN_HOST, 9)[:28], ttl=1)))
    + rec(FAR0, ip_frame(FAR_HOST_MAC, FAR_GW, udp(ip("0.0.0.0"), 9, WAN_HOST, 9, ttl=1)), new_burst=True)
    + rec(FAR0, ip_frame(FAR_HOST_MAC, FAR_GW, udp(ip("224.0.0.9"), 9, WAN_HOST, 9, ttl=1))),
    # 100 ICMP errors saved up at most: 128 TTL-1 packets at one instant exhaust them.
    "icmp-rate": NEIGHBORS + b"".join(rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, i, FAR_HOST, 9, ttl=1)))
                                      for i in range(128)),
    # 16 sessions per table, 6 per inside host: the seventh flow of a guest is refused.
    "nat-limit": NEIGHBORS + b"".join(udp_out(5000 + i, 53) for i in range(8)),
    "nat-out": NEIGHBORS + udp_out(5000, 53)
    + rec(WAN0, ip_frame(UPSTREAM_MAC, WAN_GW, udp(REMOTE, 53, UPLINK, 1024)), new_burst=True)
    + rec(G0, ip_frame(GUEST_MAC, GUESTS_GW, echo(GUEST, REMOTE, ident=77)), new_burst=True)
    + rec(WAN0, ip_frame(UPSTREAM_MAC, WAN_GW, icmp(REMOTE, UPLINK, 0, 0, 1024 << 16 | 1, b"ping" * 8)), new_burst=True)
    + rec(G0, ip_frame(GUEST_MAC, GUESTS_GW, tcp(GUEST, 5001, REMOTE, 443, SYN)), new_burst=True)
    + rec(WAN0, ip_frame(UPSTREAM_MAC, WAN_GW, tcp(REMOTE, 443, UPLINK, 1024, SYN | ACK)), new_burst=True)
    + rec(WAN0, ip_frame(UPSTREAM_MAC, WAN_GW, icmp(REMOTE, UPLINK, 3, 3, 0, udp(UPLINK, 1024, REMOTE, 53))), new_burst=True)
    + rec(IOT0, ip_frame(IOT_MAC, IOT_GW, udp(IOT, 7000, FAR_HOST, 7)), new_burst=True)
    + rec(IOT0, ip_frame(IOT_MAC, IOT_GW, udp(IOT, 7001, GUEST, 7))),
    "nat-in": NEIGHBORS
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, tcp(WAN_HOST, 6000, UPLINK, 8080, SYN)), new_burst=True)
    + rec(G0, ip_frame(GUEST_MAC, GUESTS_GW, tcp(GUEST, 80, WAN_HOST, 6000, SYN | ACK)), new_burst=True)
    + rec(G0, ip_frame(GUEST_MAC, GUESTS_GW, icmp(GUEST, WAN_HOST, 3, 3, 0, tcp(WAN_HOST, 6000, GUEST, 80, SYN)[:28])))
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 6001, UPLINK, 5353)), new_burst=True)
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, tcp(WAN_HOST, 6002, UPLINK, 2222, SYN)))
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, tcp(WAN_HOST, 6003, UPLINK, 8080, SYN, b"d" * 1300, frag=DF)))
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 6004, UPLINK, 9999)))
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 6005, GUEST, 80)))
    + rec(G1, ip_frame(GUEST2_MAC, GUESTS_GW, tcp(GUEST2, 6100, UPLINK, 8080, SYN)), new_burst=True)
    + rec(G1, ip_frame(GUEST2_MAC, GUESTS_GW, tcp(GUEST2, 6101, UPLINK, 8080, SYN, b"h" * 1300, frag=DF))),
    # DHCP to the guests' gateway is punted (a ring of 4: the last two of six are dropped as
    # punt_full); a renewal to the gateway too; DHCP in far (no server there) is bridged.
    "dhcp-punt": rec(G0, eth(BCAST, GUEST_MAC, 0x0800, udp(ip("0.0.0.0"), 68, ip("255.255.255.255"), 67,
                                                           bytes(240))), new_burst=True)
    + b"".join(rec(G1, eth(BCAST, GUEST2_MAC, 0x0800, udp(ip("0.0.0.0"), 68, ip("255.255.255.255"), 67,
                                                         bytes([n]) * 240))) for n in range(5))
    + rec(G0, ip_frame(GUEST_MAC, GUESTS_GW, udp(GUEST, 68, ip("192.168.60.1"), 67, bytes(240))), new_burst=True)
    + rec(FAR0, eth(BCAST, FAR_HOST_MAC, 0x0800, udp(ip("0.0.0.0"), 68, ip("255.255.255.255"), 67, bytes(240))),
          new_burst=True),
    "fixups": NEIGHBORS
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 1, FAR_HOST, 2, bad_sum=True)), new_burst=True, fix_ip=True)
    + rec(G0, ip_frame(GUEST_MAC, GUESTS_GW, echo(GUEST, REMOTE, bad_sum=True)), new_burst=True, fix_l4=True)
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, tcp(WAN_HOST, 7, UPLINK, 8080, SYN, ttl=2)), new_burst=True,
          fix_ip=True, fix_l4=True),
}

WAN6_GW, IOT6_GW = ip6("fd00:10::1"), ip6("fd00:70::1")
WAN6_HOST, IOT6_HOST, UPSTREAM6 = ip6("fd00:10::5"), ip6("fd00:70::5"), ip6("fd00:10::fe")
LL_HOST = ip6("fe80::5")
v6 = lambda port, src_mac, dst_mac, packet: rec(port, eth(dst_mac, src_mac, 0x86dd, packet))
to_wan_gw = lambda packet, port=WAN1: v6(port, WAN_HOST_MAC, WAN_GW, packet)
NEIGHBORS6 = (rec(WAN0, eth(WAN_GW, UPSTREAM_MAC, 0x86dd, advertise(UPSTREAM6, WAN6_GW, UPSTREAM6, UPSTREAM_MAC)),
                  new_burst=True)
              + rec(WAN1, eth(WAN_GW, WAN_HOST_MAC, 0x86dd, advertise(WAN6_HOST, WAN6_GW, WAN6_HOST, WAN_HOST_MAC)))
              + rec(IOT0, eth(IOT_GW, IOT_MAC, 0x86dd, advertise(IOT6_HOST, IOT6_GW, IOT6_HOST, IOT_MAC)),
                    new_burst=True))
ALL_ROUTERS = ip6("ff02::2")
ipv6_seeds = {
    "nd-gateway": v6(WAN1, WAN_HOST_MAC, multicast_mac(solicited_node(WAN6_GW)), solicit(WAN6_HOST, WAN6_GW, WAN_HOST_MAC))
    + v6(WAN1, WAN_HOST_MAC, multicast_mac(solicited_node(WAN6_GW)), solicit(ip6("::"), WAN6_GW))
    + v6(WAN1, WAN_HOST_MAC, WAN_GW, solicit(LL_HOST, ip6("fe80::e9:ff:fe00:10"), WAN_HOST_MAC, dst=ip6("fe80::e9:ff:fe00:10")))
    + v6(WAN1, WAN_HOST_MAC, multicast_mac(solicited_node(ip6("fd00:10::9"))), solicit(WAN6_HOST, ip6("fd00:10::9"), WAN_HOST_MAC))
    + v6(WAN1, WAN_HOST_MAC, multicast_mac(solicited_node(WAN6_GW)), solicit(WAN6_HOST, WAN6_GW, WAN_HOST_MAC, hop=64))
    + v6(WAN1, WAN_HOST_MAC, WAN_GW, solicit(WAN6_HOST, WAN6_GW, option=b"\x01\x00" + bytes(6), dst=WAN6_GW))
    + v6(WAN1, WAN_HOST_MAC, WAN_GW, advertise(WAN6_HOST, WAN6_GW, WAN6_HOST, WAN_HOST_MAC))
    + v6(WAN1, WAN_HOST_MAC, WAN_GW, advertise(WAN6_HOST, ip6("ff02::1"), WAN6_HOST, WAN_HOST_MAC, flags=0x60))
    + v6(WAN1, WAN_HOST_MAC, WAN_GW, icmp6(WAN6_HOST, WAN6_GW, 134, 0, bytes(12), 255))
    + to_wan_gw(echo6(WAN6_HOST, WAN6_GW)) + to_wan_gw(echo6(LL_HOST, ip6("fe80::e9:ff:fe00:10")))
    + to_wan_gw(echo6(WAN6_HOST, IOT6_GW)),
    "routed6": NEIGHBORS6
    + rec(IOT0, eth(IOT_GW, IOT_MAC, 0x86dd, udp6(IOT6_HOST, 7000, ip6("2001:db8:100::7"), 53)), new_burst=True)
    + to_wan_gw(udp6(WAN6_HOST, 7001, IOT6_HOST, 53)) + to_wan_gw(udp6(WAN6_HOST, 7002, IOT6_HOST, 53, hop=1))
    + to_wan_gw(udp6(WAN6_HOST, 7003, IOT6_HOST, 53, b"big" * 440))
    + to_wan_gw(udp6(WAN6_HOST, 7004, ip6("2001:db8:999::1"), 53)) + to_wan_gw(udp6(LL_HOST, 7005, IOT6_HOST, 53))
    + to_wan_gw(udp6(WAN6_HOST, 7006, ip6("fd00:70::99"), 53)) + to_wan_gw(udp6(WAN6_HOST, 7007, ip6("ff05::1"), 53))
    + to_wan_gw(udp6(WAN6_HOST, 7008, ip6("fe80::77"), 53))
    + to_wan_gw(icmp6(WAN6_HOST, IOT6_HOST, 1, 0, bytes(4) + udp6(IOT6_HOST, 53, WAN6_HOST, 7001)[:48], hop=1))
    + to_wan_gw(ipv6(WAN6_HOST, IOT6_HOST, 17, bytes(16), length=400)) + to_wan_gw(ipv6(WAN6_HOST, IOT6_HOST, 17, bytes(16), version=4)),
    "rs-punt": rec(IOT0, eth(multicast_mac(ALL_ROUTERS), IOT_MAC, 0x86dd,
                             icmp6(LL_HOST, ALL_ROUTERS, 133, 0, bytes(4) + lla(1, IOT_MAC), 255)), new_burst=True)
    + rec(WAN0, eth(multicast_mac(ALL_ROUTERS), UPSTREAM_MAC, 0x86dd,
                    icmp6(LL_HOST, ALL_ROUTERS, 133, 0, bytes(4) + lla(1, UPSTREAM_MAC), 255)), new_burst=True),
}

# The harness's slices (pipeline_harness.cpp harness_slices): an EF ping routed wan -> far (remarked
# to AF41 on the way), a burst of UDP to port 9000 beyond the policer's 1600-byte committed burst
# (routed and bridged), and VXLAN frames of VNI 150 and 250 bridged in lan.
def vxlan(vni, inner):
    return struct.pack(">BBHI", 0x08, 0, 0, vni << 8) + inner


EF = 46 << 2
slice_seeds = {
    "slices": NEIGHBORS
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, echo(WAN_HOST, FAR_HOST, tos=EF)), new_burst=True)
    + rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, echo(WAN_HOST, FAR_HOST, tos=EF | 1)))
    + b"".join(rec(WAN1, ip_frame(WAN_HOST_MAC, WAN_GW, udp(WAN_HOST, 5000 + i, FAR_HOST, 9000, payload=bytes(600))),
                   new_burst=i == 0) for i in range(4))
    + b"".join(rec(0, eth(mac(2), mac(1), 0x0800, udp(ip("10.9.0.1"), 4000, ip("10.9.0.2"), 9050, payload=bytes(700))),
                   new_burst=i == 0, advance=15 if i == 0 else 0) for i in range(3))
    + rec(0, eth(mac(2), mac(1), 0x0800, udp(ip("10.9.0.1"), 4000, ip("10.9.0.2"), 4789,
                                           payload=vxlan(150, frame(mac(30), mac(31))))), new_burst=True)
    + rec(0, eth(mac(2), mac(1), 0x0800, udp(ip("10.9.0.1"), 4000, ip("10.9.0.2"), 4789,
                                           payload=vxlan(250, frame(mac(30), mac(31)))))),
}

if __name__ == "__main__":
    os.makedirs(out, exist_ok=True)
    seeds = {**l2_seeds, **routed_seeds, **ipv6_seeds, **slice_seeds}
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(seeds)} seeds to {out}")
