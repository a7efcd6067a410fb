# The classic UDP echo server (udpEchoServer in examples/udp-echo.ts is its ustack translation).
import socket

PORT = 9999
COUNT = 3

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('', PORT))
for _ in range(COUNT):
    data, addr = s.recvfrom(1024)
    s.sendto(data, addr)
s.close()
