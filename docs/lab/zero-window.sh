#!/bin/sh
# Zero window and persist probes (RFC 9293 §3.8.6.1): a kernel client with a small SO_RCVBUF connects to
# ustack's chargen and stops reading; its window closes, ustack probes it, and reading reopens the flow.
. "$(dirname "$0")/lab.sh"
start_ustack --chargen 19 --trace=explain
inns python3 -c "
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(('198.18.0.2', 19))
time.sleep(5)
got = sum(len(s.recv(4096)) for _ in range(20))
print('read', got, 'bytes after the pause')
s.close()"
stop_ustack
grep -E 'win 0,|persist' "$LAB_OUT/serve.txt" | head -8
