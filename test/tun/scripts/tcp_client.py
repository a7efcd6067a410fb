"""Kernel-side TCP client for the kernel-peer suite.

Connects to HOST PORT (retrying while the ustack side is still coming up), sends SEND_BYTES of random
data from one thread while another reads until EOF, half-closes after the last byte, and prints one JSON
line: the SHA-256 and length of what it sent and of what it received, plus the seconds it took.
"""

import hashlib
import json
import os
import socket
import sys
import threading
import time

CHUNK = 256 * 1024
CONNECT_PATIENCE_S = 20.0


def connect(host, port):
    # The ustack peer may not be listening yet (nc -l starts its stack after we do): refused or
    # unreachable means "not yet", until the patience runs out.
    deadline = time.monotonic() + CONNECT_PATIENCE_S
    while True:
        try:
            return socket.create_connection((host, port), timeout=CONNECT_PATIENCE_S)
        except (ConnectionRefusedError, OSError) as error:
            if time.monotonic() > deadline:
                raise error
            time.sleep(0.1)


def main():
    host, port, send_bytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    started = time.monotonic()
    sock = connect(host, port)
    sock.settimeout(None)
    sent = hashlib.sha256()

    def send():
        left = send_bytes
        while left > 0:
            chunk = os.urandom(min(CHUNK, left))
            sent.update(chunk)
            sock.sendall(chunk)
            left -= len(chunk)
        sock.shutdown(socket.SHUT_WR)

    sender = threading.Thread(target=send)
    sender.start()
    received = hashlib.sha256()
    received_bytes = 0
    while True:
        chunk = sock.recv(CHUNK)
        if not chunk:
            break
        received.update(chunk)
        received_bytes += len(chunk)
    sender.join()
    sock.close()
    print(
        json.dumps(
            {
                "sent": send_bytes,
                "sentSha256": sent.hexdigest(),
                "received": received_bytes,
                "receivedSha256": received.hexdigest(),
                "seconds": round(time.monotonic() - started, 3),
            }
        ),
        flush=True,
    )


main()
