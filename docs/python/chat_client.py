# A chat-room member: joins, then either says one line or waits to hear one, and leaves.
#   python3 chat_client.py listen          prints the first line the room relays
#   python3 chat_client.py say 'hello'     sends one line
import socket
import sys
import time

HOST = '198.18.0.2'
PORT = 5555

role = sys.argv[1]
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.connect((HOST, PORT))
    print('joined', flush=True)
    if role == 'say':
        s.sendall(sys.argv[2].encode())
        # Stay until the room has relayed the line, so leaving does not race with it.
        time.sleep(0.2)
    else:
        print('heard', s.recv(1024).decode(), flush=True)
