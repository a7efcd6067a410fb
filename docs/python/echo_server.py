# The classic TCP echo server (examples/echo-server.ts is its ustack translation).
import socket

HOST = ''
PORT = 50007

with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.bind((HOST, PORT))
    s.listen(1)
    conn, addr = s.accept()
    with conn:
        print(f'Connected by {addr[0]}:{addr[1]}')
        while True:
            data = conn.recv(1024)
            if not data:
                break
            conn.sendall(data)
