#!/usr/bin/python3
"""Writes the two pcaps the switch benchmark replays: switch_pcap.py OUTDIR SIZE FLOWS.

OUTDIR/a.pcap is sent into switch port a, OUTDIR/b.pcap into port b. Host i on side a has source MAC
02:aa:00:00:HH:LL and talks to host i on side b (02:bb:00:00:HH:LL) and back, so after one pass over
both files every destination has been learnt on the other port and a learning switch forwards unicast
instead of flooding. SIZE is the Ethernet frame size including the 4-byte FCS (64 or 1518): the pcap
records hold SIZE - 4 bytes. FLOWS is the number of MAC pairs (1 or 10000). Needs Debian's
python3-scapy (run with /usr/bin/python3).
"""
import sys

from scapy.all import IP, UDP, Ether, Raw, wrpcap


def mac(side: int, i: int) -> str:
    return "02:%02x:00:00:%02x:%02x" % (side, (i >> 8) & 0xFF, i & 0xFF)


def frames(src_side: int, dst_side: int, size: int, flows: int):
    out = []
    for i in range(flows):
        p = (Ether(src=mac(src_side, i), dst=mac(dst_side, i)) /
             IP(src="10.%d.%d.%d" % (src_side & 0x7F, (i >> 8) & 0xFF, i & 0xFF),
                dst="10.%d.%d.%d" % (dst_side & 0x7F, (i >> 8) & 0xFF, i & 0xFF)) /
             UDP(sport=1024 + (i % 50000), dport=9))
        pad = size - 4 - len(p)
        if pad > 0:
            p = p / Raw(b"\x00" * pad)
        out.append(p)
    return out


def main() -> None:
    outdir, size, flows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if flows < 1 or flows > 65536 or size < 64 or size > 1518:
        sys.exit("switch_pcap.py: FLOWS 1..65536, SIZE 64..1518")
    wrpcap(f"{outdir}/a.pcap", frames(0xAA, 0xBB, size, flows))
    wrpcap(f"{outdir}/b.pcap", frames(0xBB, 0xAA, size, flows))


if __name__ == "__main__":
    main()
