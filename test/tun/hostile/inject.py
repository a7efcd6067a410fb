"""Malformed IPv4 packets for the hostile-input suite, written straight onto the TUN device.

Usage: inject.py DEVICE COUNT. Builds one packet per malformation class with scapy, breaks exactly one
thing in it, and sends it COUNT times through an AF_PACKET socket bound to DEVICE, so the kernel's IP layer
never sees (or repairs) it: the bytes reach the userspace stack as written. Prints one JSON line mapping
each class to the number of packets sent. Addresses: 198.18.0.1 -> 198.18.0.2 only (lab rule).
"""

import json
import socket
import sys

from scapy.all import IP, TCP, UDP, Raw, raw

SRC = "198.18.0.1"
DST = "198.18.0.2"
PORT = 7
ETH_P_IP = 0x0800


def ip_bytes(packet):
    return bytearray(raw(packet))


def set_ip_checksum(data):
    data[10:12] = b"\x00\x00"
    ihl = (data[0] & 0x0F) * 4
    total = 0
    for i in range(0, ihl, 2):
        total += (data[i] << 8) | data[i + 1]
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    data[10:12] = (~total & 0xFFFF).to_bytes(2, "big")
    return data


def tcp(**fields):
    return IP(src=SRC, dst=DST) / TCP(sport=40000, dport=PORT, **fields)


def single_packet_classes():
    """(class name, packet bytes) for the classes where one broken packet is one drop."""
    good = ip_bytes(tcp(flags="S", seq=1))

    bad_version = bytearray(good)
    bad_version[0] = 0x55
    yield "bad-version", set_ip_checksum(bad_version)

    short_ihl = bytearray(good)
    short_ihl[0] = 0x44
    yield "ihl-below-5", short_ihl

    long_total = bytearray(good)
    long_total[2:4] = (len(good) + 100).to_bytes(2, "big")
    yield "total-length-past-buffer", set_ip_checksum(long_total)

    short_total = bytearray(good)
    short_total[2:4] = (12).to_bytes(2, "big")
    yield "total-length-below-header", set_ip_checksum(short_total)

    bad_ip_sum = bytearray(good)
    bad_ip_sum[10] ^= 0x5A
    yield "bad-ip-checksum", bad_ip_sum

    bad_tcp_sum = ip_bytes(tcp(flags="S", seq=1))
    bad_tcp_sum[20 + 16] ^= 0x5A
    yield "bad-tcp-checksum", bad_tcp_sum

    bad_udp_sum = ip_bytes(IP(src=SRC, dst=DST) / UDP(sport=40000, dport=PORT) / Raw(b"hostile"))
    bad_udp_sum[20 + 6] ^= 0x5A
    yield "bad-udp-checksum", bad_udp_sum

    yield "data-offset-below-5", ip_bytes(tcp(flags="S", seq=1, dataofs=4))
    yield "data-offset-past-end", ip_bytes(tcp(flags="S", seq=1, dataofs=15))
    # Data offset 6 makes 4 option bytes: NOP, NOP, then an MSS option (length 4) cut off after 2 bytes.
    yield "truncated-options", ip_bytes(tcp(flags="S", seq=1, dataofs=6) / Raw(b"\x01\x01\x02\x04"))
    yield "syn-fin", ip_bytes(tcp(flags="SF", seq=1))
    yield "zero-source-port", ip_bytes(IP(src=SRC, dst=DST) / TCP(sport=0, dport=PORT, flags="S"))



def fragment_classes(copy):
    """(class name, packets) for fragment classes, with a fresh identification per copy."""
    payload = Raw(b"\x00" * 16)
    first = IP(src=SRC, dst=DST, proto=17, id=1000 + copy, flags="MF", frag=0) / payload
    # Offset 8 overlaps the first fragment's bytes 8..15: the second fragment drops the datagram.
    overlapping = IP(src=SRC, dst=DST, proto=17, id=1000 + copy, flags="MF", frag=1) / payload
    yield "overlapping-fragments", [raw(first), raw(overlapping)]
    # Offset 65528 (8191 units) plus 16 bytes ends past octet 65535: the ping-of-death shape.
    yield "fragment-past-65535", [raw(IP(src=SRC, dst=DST, proto=17, id=5000 + copy, frag=8191) / payload)]


def main():
    device, count = sys.argv[1], int(sys.argv[2])
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    sock.bind((device, ETH_P_IP))
    sent = {}
    for name, data in single_packet_classes():
        for _ in range(count):
            sock.send(bytes(data))
        sent[name] = count
    for copy in range(count):
        for name, packets in fragment_classes(copy):
            for packet in packets:
                sock.send(packet)
            sent[name] = sent.get(name, 0) + 1
    sock.close()
    print(json.dumps(sent), flush=True)


main()
