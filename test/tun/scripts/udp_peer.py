"""Kernel-side UDP programs for the kernel-peer suite.

  udp_peer.py echo PORT                 echo every datagram back to its sender (prints 'ready')
  udp_peer.py client HOST PORT COUNT    a connected socket sends COUNT numbered datagrams, one at a time,
                                        and waits for each echo; prints one JSON line: how many came
                                        back intact, or the errno name that recv() raised
"""

import errno
import json
import socket
import sys

TIMEOUT_S = 2.0
TRIES = 5


def echo(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", port))
    print("ready", flush=True)
    while True:
        data, peer = sock.recvfrom(65535)
        sock.sendto(data, peer)


def client(host, port, count):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # A connected UDP socket is how Linux reports an ICMP port unreachable: the next recv() raises
    # ECONNREFUSED (ip(7), IP_RECVERR off).
    sock.connect((host, port))
    sock.settimeout(TIMEOUT_S)
    echoed = 0
    try:
        for n in range(count):
            payload = (f"datagram {n} " * (1 + n % 50)).encode()
            for _ in range(TRIES):
                sock.send(payload)
                try:
                    if sock.recv(65535) == payload:
                        echoed += 1
                        break
                except socket.timeout:
                    continue
    except OSError as error:
        print(json.dumps({"echoed": echoed, "error": errno.errorcode.get(error.errno, str(error))}))
        return
    print(json.dumps({"echoed": echoed}), flush=True)


def main():
    if sys.argv[1] == "echo":
        echo(int(sys.argv[2]))
    else:
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))


main()
