# The classic TCP echo client (examples/echo-client.ts is its ustack translation).
import socket

HOST = '198.18.0.2'
PORT = 50007

with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.connect((HOST, PORT))
    s.sendall(b'Hello, world')
    data = s.recv(1024)
print('Received', repr(data))
