#!/bin/sh
# Retransmission under loss: nftables in the namespace drops every 25th of ustack's HTTP segments (4%,
# deterministic so every run loses some) before the kernel's TCP sees them (the input hook: the loss
# happens "in the network", after ustack sent). curl
# fetches 2 MB; ustack repairs every hole (SACK recovery, fast retransmit, RTO) and the file arrives whole.
. "$(dirname "$0")/lab.sh"
mkdir -p "$LAB_OUT/www"
head -c 2000000 /dev/urandom >"$LAB_OUT/www/blob"
inns nft -f - <<'NFT'
table ip lab {
  chain input {
    type filter hook input priority 0;
    iifname "ustack0" tcp sport 8080 numgen inc mod 25 == 24 counter drop
  }
}
NFT
start_ustack --http 8080 --root "$LAB_OUT/www" --pcap "$LAB_OUT/loss.pcap" --trace=json --stats
inns curl -s -o "$LAB_OUT/blob.got" http://198.18.0.2:8080/blob
stop_ustack
cmp "$LAB_OUT/www/blob" "$LAB_OUT/blob.got" && echo 'file intact'
inns nft list table ip lab | grep counter
$USTACK trace "$LAB_OUT/loss.pcap" | tail -3
grep -v '^{' "$LAB_OUT/serve.txt" | grep -E 'retrans|sack' | head -5
