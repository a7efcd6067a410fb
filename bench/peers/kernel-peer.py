"""The kernel side of every benchmark path: one client for all paths, and the kernel's own server for the
kernel-against-kernel (veth) reference. Each client mode prints one JSON object on stdout.

  kernel-peer.py serve                      discard 9, source 19, TCP+UDP echo 7 (until killed)
  kernel-peer.py send HOST SECONDS          bulk to discard: bytes up to the server's close after our FIN
  kernel-peer.py recv HOST SECONDS          bulk from source, which sends for SECONDS and closes
  kernel-peer.py rr-tcp HOST SECONDS        1-byte ping-pong on echo, TCP_NODELAY
  kernel-peer.py rr-udp HOST SECONDS        1-byte ping-pong on UDP echo
  kernel-peer.py connrate HOST SECONDS C    connect + 1 byte + echo + close both ways, C at a time
  kernel-peer.py scale HOST SECONDS N       N connections to discard at once; prints 'connected' first

The server is the same single-threaded event loop shape as the clients, so a Python cost shows on both
sides of the reference as it does on the kernel side of the others.
"""

import errno
import json
import selectors
import socket
import struct
import sys
import time

DISCARD_PORT, SOURCE_PORT, ECHO_PORT = 9, 19, 7
CHUNK = b"\x5a" * (1024 * 1024)
SCALE_CHUNK = memoryview(CHUNK)[: 64 * 1024]
KEEPALIVE = (
    (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
    (socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 3),
    (socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1),
    (socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3),
)
# The scaling rate is taken after this share of the run, once every socket buffer has filled: before
# that, sends land in buffers faster than the path carries them.
SCALE_WARM_UP = 0.3


def report(**fields):
    print(json.dumps(fields), flush=True)


def send(host, seconds):
    with socket.create_connection((host, DISCARD_PORT)) as s:
        sent = 0
        start = time.perf_counter()
        deadline = start + seconds
        while time.perf_counter() < deadline:
            s.sendall(CHUNK)
            sent += len(CHUNK)
        s.shutdown(socket.SHUT_WR)
        # The discard server closes only after reading everything: the transfer ends at its FIN.
        while s.recv(65536):
            pass
        elapsed = time.perf_counter() - start
    report(bytes=sent, seconds=elapsed, gbps=sent * 8 / elapsed / 1e9)


def recv(host, seconds):
    buffer = bytearray(1024 * 1024)
    with socket.create_connection((host, SOURCE_PORT)) as s:
        received = 0
        start = time.perf_counter()
        # The source sends for as long as we ask, then closes: the server ends it, so no reset.
        s.sendall(b"%d\n" % int(seconds * 1000))
        while n := s.recv_into(buffer):
            received += n
        elapsed = time.perf_counter() - start
    report(bytes=received, seconds=elapsed, gbps=received * 8 / elapsed / 1e9)


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(p * len(sorted_values)))]


def ping_pong(s, seconds):
    samples = []
    lost = 0
    clock = time.perf_counter_ns
    end = clock() + int(seconds * 1e9)
    start = clock()
    while True:
        t0 = clock()
        if t0 >= end:
            break
        s.send(b"x")
        try:
            if not s.recv(16):
                break
        except socket.timeout:
            lost += 1
            continue
        samples.append(clock() - t0)
    elapsed = (clock() - start) / 1e9
    samples.sort()
    report(
        rtps=len(samples) / elapsed,
        p50us=percentile(samples, 0.5) / 1e3,
        p99us=percentile(samples, 0.99) / 1e3,
        lost=lost,
    )


def rr_tcp(host, seconds):
    with socket.create_connection((host, ECHO_PORT)) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        ping_pong(s, seconds)


def rr_udp(host, seconds):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((host, ECHO_PORT))
        s.settimeout(0.2)
        ping_pong(s, seconds)


def connrate(host, seconds, concurrency):
    """A connection counts once the echo came back and the server's FIN after ours: the close is part of
    the cycle on every path. (It also keeps lwIPv6 alive with one client: its lwip_close holds the socket
    table's lock across a round trip to its TCP thread, which needs that lock to accept, so a close that
    overlaps the next handshake deadlocks the stack; see lwip-peer.c.)"""
    selector = selectors.DefaultSelector()
    done = failed = 0

    def open_one():
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((host, ECHO_PORT))
        selector.register(s, selectors.EVENT_WRITE, "connecting")

    def finish(s, ok):
        nonlocal done, failed
        selector.unregister(s)
        s.close()
        if ok:
            done += 1
        else:
            failed += 1
        open_one()

    start = time.perf_counter()
    deadline = start + seconds
    for _ in range(concurrency):
        open_one()
    while time.perf_counter() < deadline:
        for key, _ in selector.select(0.1):
            s = key.fileobj
            try:
                if key.data == "connecting":
                    if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        finish(s, False)
                        continue
                    s.send(b"x")
                    selector.modify(s, selectors.EVENT_READ, "waiting")
                    continue
                data = s.recv(16)
                if key.data == "waiting" and data == b"x":
                    s.shutdown(socket.SHUT_WR)
                    selector.modify(s, selectors.EVENT_READ, "closing")
                else:
                    finish(s, key.data == "closing" and data == b"")
            except OSError:
                finish(s, False)
    elapsed = time.perf_counter() - start
    for key in list(selector.get_map().values()):
        key.fileobj.close()
    report(cps=done / elapsed, failed=failed)


def scale(host, seconds, count):
    selector = selectors.DefaultSelector()
    sockets = [socket.create_connection((host, DISCARD_PORT)) for _ in range(count)]
    print("connected", flush=True)
    time.sleep(0.5)
    for s in sockets:
        s.setblocking(False)
        selector.register(s, selectors.EVENT_WRITE)
    start = time.perf_counter()
    measure_from = start + seconds * SCALE_WARM_UP
    deadline = start + seconds
    counted = 0
    while True:
        now = time.perf_counter()
        if now >= deadline:
            break
        for key, _ in selector.select(0.1):
            try:
                n = key.fileobj.send(SCALE_CHUNK)
            except BlockingIOError:
                continue
            if now >= measure_from:
                counted += n
    elapsed = time.perf_counter() - measure_from
    # Reset, not close: a close would leave the kernel draining megabytes per socket as orphans, at the
    # crawl its congestion control settles on after the run's drops, and the server held those
    # connections for tens of seconds into the next step.
    for s in sockets:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    report(gbps=counted * 8 / elapsed / 1e9, connections=count)


def serve():
    selector = selectors.DefaultSelector()
    buffer = bytearray(1024 * 1024)
    deadlines = {}
    for port, role in ((DISCARD_PORT, "discard"), (SOURCE_PORT, "source"), (ECHO_PORT, "echo")):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Keepalive as ustack-services.ts sets it (accepted sockets inherit it): a connection whose
        # client's RST was dropped on the way is let go after 3 s of silence and a probe.
        for level, option, value in KEEPALIVE:
            listener.setsockopt(level, option, value)
        listener.bind(("", port))
        listener.listen(1024)
        listener.setblocking(False)
        selector.register(listener, selectors.EVENT_READ, ("listen", role))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("", ECHO_PORT))
    selector.register(udp, selectors.EVENT_READ, ("udp", None))
    print("ready", flush=True)
    while True:
        for key, _ in selector.select():
            kind, role = key.data
            s = key.fileobj
            try:
                if kind == "listen":
                    conn, _ = s.accept()
                    conn.setblocking(False)
                    if role == "echo":
                        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    selector.register(conn, selectors.EVENT_READ, ("conn", role))
                elif kind == "udp":
                    data, peer = s.recvfrom(65535)
                    s.sendto(data, peer)
                elif role == "source" and s in deadlines:
                    if time.perf_counter() < deadlines[s]:
                        s.send(CHUNK)
                    else:
                        del deadlines[s]
                        selector.unregister(s)
                        s.close()
                elif role == "source":
                    request = s.recv(32)
                    deadlines[s] = time.perf_counter() + int(request or b"0") / 1000
                    selector.modify(s, selectors.EVENT_WRITE, key.data)
                else:
                    n = s.recv_into(buffer)
                    if n == 0:
                        selector.unregister(s)
                        s.close()
                    elif role == "echo":
                        s.sendall(buffer[:n])
            except BlockingIOError:
                pass
            except OSError as error:
                if error.errno not in (errno.EPIPE, errno.ECONNRESET):
                    raise
                deadlines.pop(s, None)
                selector.unregister(s)
                s.close()


def main(argv):
    mode = argv[0]
    if mode == "serve":
        return serve()
    host, seconds = argv[1], float(argv[2])
    if mode in ("connrate", "scale"):
        return {"connrate": connrate, "scale": scale}[mode](host, seconds, int(argv[3]))
    return {"send": send, "recv": recv, "rr-tcp": rr_tcp, "rr-udp": rr_udp}[mode](host, seconds)


if __name__ == "__main__":
    main(sys.argv[1:])
