// The benchmark's four services on a ustack, through the Python-style socket API a user would write:
// discard (RFC 863, port 9: the bulk sink), source (port 19: like chargen, RFC 864, sending one reused
// 1 MiB buffer for as long as the client asks, so that the sender, not string building, is measured), TCP echo and UDP echo
// (RFC 862, port 7: the ping-pong and connection-rate server). The same services are written in Python
// for the kernel reference (kernel-peer.py) and in C for lwIP (lwip-peer.c), so every path serves alike.

import type { Stack } from '../../src/host.ts';
import {
  AF_INET,
  IPPROTO_TCP,
  SHUT_WR,
  SO_KEEPALIVE,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  TCP_KEEPCNT,
  TCP_KEEPIDLE,
  TCP_KEEPINTVL,
  TCP_NODELAY,
} from '../../src/socket/constants.ts';
import type { Socket } from '../../src/socket/socket.ts';

export const DISCARD_PORT = 9;
export const SOURCE_PORT = 19;
export const ECHO_PORT = 7;

const RECV_BYTES = 256 * 1024;
/**
 * Keepalive on every served connection, as kernel-peer.py sets it: 3 s of silence, then 3 probes 1 s apart.
 * When a client resets 1000 bulk connections at once, the kernel's queue toward a TUN is full and some
 * RSTs are dropped; the server then holds a connection nobody will ever send on again. A probe draws a
 * fresh RST, so the server lets go within seconds, before the next measurement counts its connections.
 */
const KEEPALIVE: Array<[number, number, number]> = [
  [SOL_SOCKET, SO_KEEPALIVE, 1],
  [IPPROTO_TCP, TCP_KEEPIDLE, 3],
  [IPPROTO_TCP, TCP_KEEPINTVL, 1],
  [IPPROTO_TCP, TCP_KEEPCNT, 3],
];
const SOURCE_CHUNK = new Uint8Array(1024 * 1024).fill(0x5a);

export interface Services {
  /** TCP connections the services have accepted and are still serving. */
  readonly open: number;
  /** Closes the listeners. */
  stop(): void;
}

/** Starts the four services. */
export function startServices(stack: Stack): Services {
  let open = 0;
  const serve = (service: (conn: Socket) => Promise<void>) => (conn: Socket) => {
    open++;
    return service(conn).finally(() => {
      open--;
    });
  };
  const listeners = [
    listen(stack, DISCARD_PORT, serve(discard)),
    listen(stack, SOURCE_PORT, serve(source)),
    listen(stack, ECHO_PORT, serve(echo)),
  ];
  const udp = stack.socket(AF_INET, SOCK_DGRAM);
  udp.bind(['', ECHO_PORT]);
  void udpEcho(udp);
  return {
    get open() {
      return open;
    },
    stop: () => {
      for (const listener of listeners) listener.close();
      udp.close();
    },
  };
}

function listen(stack: Stack, port: number, serve: (conn: Socket) => Promise<void>): Socket {
  const listener = stack.socket(AF_INET, SOCK_STREAM);
  listener.bind(['', port]);
  // Accepted connections start with the listener's options.
  for (const [level, option, value] of KEEPALIVE) listener.setsockopt(level, option, value);
  listener.listen(1024);
  void (async () => {
    for (;;) {
      const [conn] = await listener.accept().catch(() => [undefined]);
      if (!conn) return;
      void serve(conn)
        .catch(() => undefined)
        .finally(() => conn.close());
    }
  })();
  return listener;
}

/**
 * What every discard connection reads into: the bytes are thrown away, so one buffer serves them all, as
 * kernel-peer.py's single buffer does (one per connection would add 256 KiB to each connection's memory).
 */
const DISCARDED = new Uint8Array(RECV_BYTES);

/** Reads until the peer's FIN, then closes: the sender times the transfer up to our close. */
async function discard(conn: Socket): Promise<void> {
  while ((await conn.recv_into(DISCARDED)) > 0);
}

/** Sends for the milliseconds the client asks (one ASCII line), then closes: the server ends the transfer. */
async function source(conn: Socket): Promise<void> {
  const request = await conn.recv(32);
  const deadline = performance.now() + Number(request.toString('latin1').trim() || '0');
  while (performance.now() < deadline) await conn.sendall(SOURCE_CHUNK);
}

async function echo(conn: Socket): Promise<void> {
  conn.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  for (;;) {
    const data = await conn.recv(RECV_BYTES);
    if (data.length === 0) break;
    await conn.sendall(data);
  }
  conn.shutdown(SHUT_WR);
}

async function udpEcho(udp: Socket): Promise<void> {
  for (;;) {
    const received = await udp.recvfrom(65535).catch(() => undefined);
    if (!received) return;
    const [data, from] = received;
    if (from) await udp.sendto(data, from);
  }
}
