# The classic UDP echo client (udpEchoClient in examples/udp-echo.ts is its ustack translation).
import socket

HOST = '198.18.0.2'
PORT = 9999

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
replies = []
for message in ['a', 'bb', 'ccc']:
    s.sendto(message.encode(), (HOST, PORT))
    data, addr = s.recvfrom(1024)
    replies.append(data.decode())
s.close()
print('Replies', replies)
