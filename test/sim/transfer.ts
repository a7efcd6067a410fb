// One bulk transfer between two TcpLayers over simulated paths: the client connects, writes `bytes` of a
// seeded pattern and closes; the server accepts, reads and checks every byte in order, and closes at EOF.
// Time is a ManualClock moved from event to event (packet arrivals and the layers' pollAt()).

import { isErrno } from '../../src/base/errno.ts';
import { SeededRng } from '../../src/base/rng.ts';
import { Stats } from '../../src/base/stats.ts';
import { ManualClock, seconds } from '../../src/base/time.ts';
import type { TcpConfig } from '../../src/tcp/config.ts';
import type { TcpEvent } from '../../src/tcp/events.ts';
import { blankTcpRepr, emitTcp, parseTcp, type TcpRepr, tcpBufferLen } from '../../src/tcp/segment.ts';
import type { Tcb } from '../../src/tcp/tcb.ts';
import { TcpLayer } from '../../src/tcp/tcp-layer.ts';
import { EventHeap } from './event-heap.ts';
import { type Impairments, SimPath } from './network.ts';

const CLIENT = 0xc6120001;
const SERVER = 0xc6120002;
const PORT = 5001;

export interface TransferOptions {
  seed: number;
  bytes: number;
  forward: Impairments;
  reverse: Impairments;
  config?: Partial<TcpConfig>;
  /** Give up after this much simulated time. */
  limit?: number;
  /** Receives the sending (client) side's trace events. */
  trace?: (event: TcpEvent) => void;
}

export interface TransferResult {
  delivered: number;
  /** Every delivered byte matched the sent pattern at its position. */
  inOrder: boolean;
  /** Simulated time when the server read EOF. */
  completedAt: number | undefined;
  clientState: string;
  serverState: string;
  clientError: string | undefined;
  serverError: string | undefined;
  /** Both layers idle (no timer armed, no connection left) once TIME_WAIT has run out. */
  quiescent: boolean;
  retransmits: number;
  /** Packets the client → server path dropped (loss or a full bottleneck queue). */
  forwardDropped: number;
}

/** The byte at position i of the stream for this seed: a mix, so misplaced data never matches by chance. */
export function patternByte(seed: number, i: number): number {
  return Math.imul(i ^ seed, 0x9e3779b1) >>> 24;
}

export function runTransfer(o: TransferOptions): TransferResult {
  const clock = new ManualClock(0);
  const rng = new SeededRng(o.seed);
  const heap = new EventHeap<{ to: 'client' | 'server'; packet: Uint8Array }>();
  const stats = new Stats();
  const secret = new Uint8Array(16).map((_, i) => (o.seed * 31 + i) & 0xff);
  const make = (salt: number, trace?: (event: TcpEvent) => void) =>
    new TcpLayer(o.config ?? {}, {
      rng: new SeededRng(o.seed ^ salt),
      secret,
      stats,
      routeMtu: () => 1500,
      trace,
    });
  const client = make(0x1111, o.trace);
  const server = make(0x2222);
  const toServer = new SimPath(rng, o.forward, (at, packet) => heap.push(at, { to: 'server', packet }));
  const toClient = new SimPath(rng, o.reverse, (at, packet) => heap.push(at, { to: 'client', packet }));
  const emitFrom =
    (path: SimPath) =>
    (src: number, dst: number, seg: TcpRepr): void => {
      const wire = new Uint8Array(tcpBufferLen(seg));
      emitTcp(seg, wire, 0, src, dst);
      path.send(clock.now(), wire);
    };
  const clientEmit = emitFrom(toServer);
  const serverEmit = emitFrom(toClient);
  const parsed = blankTcpRepr();

  const listener = server.listen(SERVER, PORT, 16);
  if (isErrno(listener)) throw new Error(listener.errno);
  const conn = client.connect(0, CLIENT, 0, SERVER, PORT);
  if (isErrno(conn)) throw new Error(conn.errno);
  let accepted: Tcb | undefined;

  const chunk = new Uint8Array(65536);
  const readBuf = new Uint8Array(65536);
  let sent = 0;
  let delivered = 0;
  let inOrder = true;
  let completedAt: number | undefined;
  const limit = o.limit ?? seconds(3600);

  const app = (): void => {
    while (sent < o.bytes && (conn.state === 'ESTABLISHED' || conn.state === 'CLOSE_WAIT')) {
      // Fill only what the send buffer can take: regenerating a whole chunk per tiny send would dominate.
      const n = Math.min(chunk.length, o.bytes - sent, conn.sendBuffer.free);
      if (n === 0) break;
      for (let i = 0; i < n; i++) chunk[i] = patternByte(o.seed, sent + i);
      const r = conn.send(chunk.subarray(0, n));
      if (isErrno(r)) break;
      sent += r;
    }
    if (sent === o.bytes && !conn.finQueued && conn.state === 'ESTABLISHED') conn.close();
    if (accepted === undefined) {
      const a = listener.accept();
      if (!isErrno(a)) accepted = a;
    }
    if (accepted !== undefined && completedAt === undefined) {
      for (;;) {
        const r = accepted.recv(readBuf);
        if (isErrno(r)) break;
        if (r === 0) {
          completedAt = clock.now();
          accepted.close();
          break;
        }
        for (let i = 0; i < r; i++) if (readBuf[i] !== patternByte(o.seed, delivered + i)) inOrder = false;
        delivered += r;
      }
    }
  };

  let spins = 0;
  for (;;) {
    const now = clock.now();
    for (let t = heap.peekTime(); t !== undefined && t <= now; t = heap.peekTime()) {
      const { to, packet } = heap.pop()!.value;
      const [layer, src, dst] = to === 'server' ? [server, CLIENT, SERVER] : [client, SERVER, CLIENT];
      // A corrupted packet fails the checksum and is dropped, as the IP layer would.
      if (parseTcp(packet, 0, packet.length, src, dst, parsed) === undefined)
        layer.ingress(now, src, dst, parsed);
    }
    client.poll(now, clientEmit);
    server.poll(now, serverEmit);
    app();
    const next = [heap.peekTime(), client.pollAt(), server.pollAt()].filter((t) => t !== undefined);
    if (next.length === 0) break;
    const at = Math.min(...next);
    if (at <= now) {
      if (++spins > 10_000) throw new Error(`no progress at ${now}: a layer keeps asking for poll`);
      continue;
    }
    spins = 0;
    if (at > limit) break;
    clock.set(at);
  }
  const quiescent =
    client.pollAt() === undefined &&
    server.pollAt() === undefined &&
    [...client.connections()].length === 0 &&
    [...server.connections()].length === 0;
  return {
    delivered,
    inOrder,
    completedAt,
    clientState: conn.state,
    serverState: accepted?.state ?? 'never accepted',
    clientError: conn.takeError(),
    serverError: accepted?.takeError(),
    quiescent,
    retransmits: stats.get('tcp.retransmits'),
    forwardDropped: toServer.dropped,
  };
}
