"""A legitimate client during a SYN flood: connects to HOST PORT again and again for SECONDS.

Each attempt connects (3 s patience, as the issue's bar is "within 3 s"), sends 4 bytes, reads their echo
and closes. Prints one JSON line: attempts, how many succeeded, how many within 3 s, the slowest success.
"""

import json
import socket
import sys
import time

PATIENCE_S = 3.0


def attempt(host, port):
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=PATIENCE_S) as sock:
            sock.settimeout(max(0.1, PATIENCE_S - (time.monotonic() - started)))
            sock.sendall(b"ping")
            echoed = b""
            while len(echoed) < 4:
                chunk = sock.recv(4 - len(echoed))
                if not chunk:
                    break
                echoed += chunk
            if echoed != b"ping":
                return None
    except OSError:
        return None
    return time.monotonic() - started


def main():
    host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    end = time.monotonic() + seconds
    results = []
    while time.monotonic() < end:
        results.append(attempt(host, port))
        time.sleep(0.05)
    ok = [r for r in results if r is not None]
    print(
        json.dumps(
            {
                "attempts": len(results),
                "succeeded": len(ok),
                "within3s": len([r for r in ok if r <= PATIENCE_S]),
                "slowest": round(max(ok), 3) if ok else None,
            }
        ),
        flush=True,
    )


main()
