# The kernel side of the raw-socket link test: echoes SIZE bytes over TCP through the stack's echo server
# and checks them byte for byte, then a few UDP datagrams on a connected socket (which would report
# ECONNREFUSED had the kernel's port unreachable for the shared address got through), then sends one
# datagram to OTHER, an address of the stack's host that is not ustack's. Last, ustack's own refusals
# (its RST, its port unreachable) on the next ports, which carry its mark, must get through the guard.
# Prints one JSON line.
import json
import random
import socket
import sys
import threading
import time

host, tcp_port, udp_port, other, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
payload = random.Random(1).randbytes(size)
result = {}

tcp = socket.create_connection((host, tcp_port), timeout=20)
def send_all():
    tcp.sendall(payload)
    tcp.shutdown(socket.SHUT_WR)
sender = threading.Thread(target=send_all)
sender.start()
chunks = []
while True:
    chunk = tcp.recv(65536)
    if not chunk:
        break
    chunks.append(chunk)
sender.join()
tcp.close()
echoed = b''.join(chunks)
result['tcpBytes'] = len(echoed)
result['tcpExact'] = echoed == payload

udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.settimeout(5)
udp.connect((host, udp_port))
replies = []
for i in range(3):
    message = b'datagram %d' % i
    udp.send(message)
    replies.append(udp.recv(2048) == message)
    time.sleep(0.1)
udp.close()
result['udpEchoes'] = sum(replies)

stray = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
stray.sendto(b'not for ustack', (other, udp_port))
stray.close()
try:
    socket.create_connection((host, tcp_port + 2), timeout=5).close()
    result['tcpRefused'] = False
except ConnectionRefusedError:
    result['tcpRefused'] = True

refused = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
refused.settimeout(5)
refused.connect((host, udp_port + 2))
refused.send(b'nobody here')
try:
    refused.recv(2048)
    result['udpRefused'] = False
except ConnectionRefusedError:
    result['udpRefused'] = True
refused.close()
print(json.dumps(result), flush=True)
