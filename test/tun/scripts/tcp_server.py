"""Kernel-side TCP server for the kernel-peer suite: one connection, half-close honoured.

Listens on PORT, prints 'ready', accepts one connection, reads until the peer's FIN, and only then
sends REPLY_BYTES of random data and closes: the reply travels on a half-closed connection
(RFC 9293 §3.6, CLOSE-WAIT still sends). Prints one JSON line with lengths and SHA-256 digests.
"""

import hashlib
import json
import os
import socket
import sys

CHUNK = 256 * 1024


def main():
    port, reply_bytes = int(sys.argv[1]), int(sys.argv[2])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", port))
    listener.listen(1)
    print("ready", flush=True)
    conn, _ = listener.accept()
    received = hashlib.sha256()
    received_bytes = 0
    while True:
        chunk = conn.recv(CHUNK)
        if not chunk:
            break
        received.update(chunk)
        received_bytes += len(chunk)
    sent = hashlib.sha256()
    left = reply_bytes
    while left > 0:
        chunk = os.urandom(min(CHUNK, left))
        sent.update(chunk)
        conn.sendall(chunk)
        left -= len(chunk)
    conn.close()
    print(
        json.dumps(
            {
                "received": received_bytes,
                "receivedSha256": received.hexdigest(),
                "sent": reply_bytes,
                "sentSha256": sent.hexdigest(),
            }
        ),
        flush=True,
    )


main()
