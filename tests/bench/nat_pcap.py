#!/usr/bin/python3
"""Traffic and output check of the NAT benchmark (tests/bench/nat). Needs Debian's python3-scapy.

nat_pcap.py write OUTDIR SIZE SESSIONS
    OUTDIR/a.pcap, sent into port a (the NAT network "lan"): one UDP frame per session, from an
    inside host to the server 192.0.2.10 on the uplink network "wan", addressed to lan's router MAC.
    Endpoint-independent mapping gives every inside (address, port) one external port of the
    uplink's 64512, so more than 50000 sessions use several server ports: SESSIONS sessions are
    ENDPOINTS inside endpoints x DESTS server ports (9000, 9001, ...), ENDPOINTS <= 50000.
    The endpoints are spread over at most 1000 inside hosts (10.0.0.2 ...), 1024 + k as source
    ports. SIZE is the Ethernet frame size including the 4-byte FCS: records hold SIZE - 4 bytes.
    OUTDIR/b.pcap, sent into port b once: ARP requests from the server for the wan gateway, so
    that the router learns the server's MAC.

nat_pcap.py check FILE SESSIONS
    Checks the frames captured leaving port b (pcap or pcapng): every IPv4 frame goes from the wan
    router's MAC to the server's, from 192.0.2.1 (the uplink address) and a dynamic port to one of
    the server ports, TTL decremented, IP and UDP checksums valid. Prints a summary; exit status 1
    when a frame is wrong or none was captured.
"""
import struct
import sys

from scapy.all import ARP, IP, UDP, Ether, Raw, rdpcap, wrpcap

LAN_ROUTER_MAC = "02:e9:00:00:00:01"
WAN_ROUTER_MAC = "02:e9:00:00:00:02"
INSIDE_MAC = "02:aa:00:00:00:01"
SERVER_MAC = "02:bb:00:00:00:0a"
SERVER_IP = "192.0.2.10"
UPLINK_IP = "192.0.2.1"
SERVER_PORT = 9000
MAX_ENDPOINTS = 50000
MAX_HOSTS = 1000
TTL = 64


def shape(sessions: int):
    """(endpoints, dests): sessions = the first `sessions` of endpoints x dests."""
    dests = -(-sessions // MAX_ENDPOINTS)
    return -(-sessions // dests), dests


def pad(p, size: int):
    n = size - 4 - len(p)
    return p / Raw(b"\x00" * n) if n > 0 else p


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def udp_frame(src_ip: bytes, sport: int, dport: int, size: int) -> bytes:
    """Ethernet/IPv4/UDP of SIZE - 4 bytes to the server, checksums filled in (built by hand:
    scapy takes minutes for 100000 frames)."""
    payload = b"\x00" * (size - 4 - 14 - 20 - 8)
    dst_ip = bytes(map(int, SERVER_IP.split(".")))
    udp_len = 8 + len(payload)
    pseudo = src_ip + dst_ip + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xFFFF) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0, TTL, 17, 0, src_ip, dst_ip)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = mac_bytes(LAN_ROUTER_MAC) + mac_bytes(INSIDE_MAC) + b"\x08\x00"
    return eth + ip + udp


def mac_bytes(mac: str) -> bytes:
    return bytes(int(x, 16) for x in mac.split(":"))


def write(outdir: str, size: int, sessions: int) -> None:
    endpoints, _ = shape(sessions)
    hosts = min(endpoints, MAX_HOSTS)
    with open(f"{outdir}/a.pcap", "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # pcap, Ethernet
        for i in range(sessions):
            e = i % endpoints
            h = 2 + e % hosts
            frame = udp_frame(bytes([10, 0, h >> 8, h & 0xFF]), 1024 + e // hosts, SERVER_PORT + i // endpoints, size)
            out.write(struct.pack("<IIII", 0, i, len(frame), len(frame)) + frame)
    arp = (Ether(src=SERVER_MAC, dst="ff:ff:ff:ff:ff:ff") /
           ARP(op=1, hwsrc=SERVER_MAC, psrc=SERVER_IP, hwdst="00:00:00:00:00:00", pdst=UPLINK_IP))
    wrpcap(f"{outdir}/b.pcap", [pad(arp, 64)] * 4)


def check(path: str, sessions: int) -> None:
    _, dests = shape(sessions)
    ip_frames = arp_frames = 0
    ports = set()
    for n, f in enumerate(rdpcap(path)):
        if ARP in f:
            arp_frames += 1
            continue
        ip_frames += 1
        why = ""
        if IP not in f or UDP not in f:
            why = "not IPv4/UDP"
        elif (f[Ether].src, f[Ether].dst) != (WAN_ROUTER_MAC, SERVER_MAC):
            why = f"MACs {f[Ether].src} -> {f[Ether].dst}"
        elif (f[IP].src, f[IP].dst) != (UPLINK_IP, SERVER_IP):
            why = f"addresses {f[IP].src} -> {f[IP].dst}"
        elif f[IP].ttl != TTL - 1:
            why = f"TTL {f[IP].ttl}"
        elif f[UDP].sport < 1024 or not SERVER_PORT <= f[UDP].dport < SERVER_PORT + dests:
            why = f"ports {f[UDP].sport} -> {f[UDP].dport}"
        else:
            ip_sum, udp_sum = f[IP].chksum, f[UDP].chksum
            fresh = Ether(bytes(f))
            del fresh[IP].chksum
            del fresh[UDP].chksum
            fresh = Ether(bytes(fresh))
            if (fresh[IP].chksum, fresh[UDP].chksum) != (ip_sum, udp_sum):
                why = f"checksums {ip_sum:#06x}/{udp_sum:#06x}, expected {fresh[IP].chksum:#06x}/{fresh[UDP].chksum:#06x}"
        if why:
            sys.exit(f"frame {n + 1} leaving port b is wrong ({why}): {f.summary()}")
        ports.add(f[UDP].sport)
    if ip_frames == 0:
        sys.exit(f"no IPv4 frame captured leaving port b ({arp_frames} ARP)")
    print(f"{ip_frames} frames out of port b: all {UPLINK_IP} -> {SERVER_IP}, {len(ports)} distinct external "
          f"ports, TTL {TTL - 1}, checksums valid ({arp_frames} ARP)")


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "write":
        size, sessions = int(sys.argv[3]), int(sys.argv[4])
        if size < 64 or size > 1518 or sessions < 1 or sessions > 1048576:
            sys.exit("nat_pcap.py: SIZE 64..1518, SESSIONS 1..1048576")
        write(sys.argv[2], size, sessions)
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        check(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
