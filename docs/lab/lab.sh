# Sourced by the lab scripts: a network namespace of their own with ustack behind a TUN device in it
# (ustack 198.18.0.2, the kernel 198.18.0.1: RFC 2544's lab range only), removed at exit with every
# process started here (killed by PID). Results go to $LAB_OUT (default: a fresh directory under /tmp).
set -eu
LAB_DIR=$(cd "$(dirname "$0")" && pwd)
USTACK="node $LAB_DIR/../../bin/ustack.js"
NS=ustack-lab-$$
LAB_OUT=${LAB_OUT:-$(mktemp -d /tmp/ustack-lab.XXXXXX)}
LAB_PIDS=''

lab_cleanup() {
  for pid in $LAB_PIDS; do kill "$pid" 2>/dev/null || true; done
  for pid in $LAB_PIDS; do wait "$pid" 2>/dev/null || true; done
  ip netns delete "$NS" 2>/dev/null || true
}
trap lab_cleanup EXIT INT TERM

ip netns add "$NS"
ip -n "$NS" link set lo up
# A new device in an IPv6-enabled namespace sends router solicitations: noise in an IPv4 lab.
ip netns exec "$NS" sysctl -q -w net.ipv6.conf.default.disable_ipv6=1

# Runs a command inside the namespace.
inns() { ip netns exec "$NS" "$@"; }

# Starts `ustack serve ARGS…` on device ustack0 in the namespace (stdout → serve.out, stderr → serve.txt)
# and waits until it prints 'ready'.
start_ustack() {
  $USTACK serve --netns "$NS" --tun ustack0 "$@" >"$LAB_OUT/serve.out" 2>"$LAB_OUT/serve.txt" &
  LAB_PIDS="$LAB_PIDS $!"
  USTACK_PID=$!
  for _ in $(seq 100); do
    grep -q ready "$LAB_OUT/serve.out" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "ustack serve did not start: $(cat "$LAB_OUT/serve.txt")" >&2
  return 1
}

# Stops ustack serve (SIGTERM: it prints --stats and closes its capture) and waits for it.
stop_ustack() {
  kill "$USTACK_PID"
  wait "$USTACK_PID" || true
}
