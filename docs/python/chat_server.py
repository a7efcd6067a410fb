# The classic select()-based chat room (examples/chat-room.ts is its ustack translation).
import select
import socket

PORT = 5555
CLIENTS = 3

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('', PORT))
server.listen(10)
sockets = [server]
names = {}
joined = 0
while joined < CLIENTS or len(sockets) > 1:
    readable, _, _ = select.select(sockets, [], [])
    for s in readable:
        if s is server:
            conn, addr = server.accept()
            sockets.append(conn)
            names[conn] = f'{addr[0]}:{addr[1]}'
            joined += 1
            continue
        data = s.recv(1024)
        if not data:
            sockets.remove(s)
            s.close()
            continue
        line = f'[{names[s]}] {data.decode()}'
        print(line)
        for other in sockets:
            if other is not server and other is not s:
                other.sendall(line.encode())
server.close()
