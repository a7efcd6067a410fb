#!/bin/sh
# SYN cookies (RFC 4987 §3.6): fill ustack's half-open queue (511, the listen backlog of `ustack serve`)
# with SYNs from 198.18.0.100 that nobody will complete, then connect for real: the SYN-ACK carries a
# cookie and the connection still works. Needs root and hping3.
. "$(dirname "$0")/lab.sh"
start_ustack --echo 7 --stats
inns hping3 -q -S -p 7 -a 198.18.0.100 -s 1000 -c 600 -i u500 198.18.0.2 >/dev/null 2>&1 || true
inns python3 -c "
import socket
with socket.create_connection(('198.18.0.2', 7), timeout=5) as s:
    s.sendall(b'still served')
    print('echo:', s.recv(100).decode())"
stop_ustack
grep syn-cookies "$LAB_OUT/serve.txt"
