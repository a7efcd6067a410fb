#!/bin/sh
# ustack and the kernel see the same packets: tcpdump captures on ustack0 in the namespace while ustack
# captures inside itself (--pcap); the two captures print the same lines.
. "$(dirname "$0")/lab.sh"
start_ustack --echo 50007 --pcap "$LAB_OUT/ustack.pcap"
inns tcpdump -nn -U --immediate-mode -Z root -i ustack0 -w "$LAB_OUT/kernel.pcap" 2>"$LAB_OUT/tcpdump.txt" &
LAB_PIDS="$LAB_PIDS $!"
TCPDUMP_PID=$!
sleep 1
inns python3 "$LAB_DIR/../python/echo_client.py"
sleep 0.5
kill "$TCPDUMP_PID"
wait "$TCPDUMP_PID" || true
stop_ustack
# The time stamps differ (two clocks, a few µs apart); the packets do not.
tcpdump -nn -r "$LAB_OUT/kernel.pcap" 2>/dev/null | cut -d' ' -f2- >"$LAB_OUT/kernel.txt"
$USTACK trace "$LAB_OUT/ustack.pcap" | grep -E '^[0-9]{2}:' | cut -d' ' -f2- >"$LAB_OUT/ustack.txt"
diff "$LAB_OUT/kernel.txt" "$LAB_OUT/ustack.txt" && echo "identical: $(wc -l <"$LAB_OUT/kernel.txt") packets"
