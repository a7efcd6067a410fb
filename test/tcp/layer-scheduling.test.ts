// TcpLayer scheduling: poll() visits only the connections that are active or whose deadline has come, and
// pollAt() is read from a heap, yet both must behave exactly as the old definition did — poll every
// connection whose pollAt() ≤ now, and pollAt() = the earliest pollAt() of all connections.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { SeededRng } from '../../src/base/rng.ts';
import { type Instant, millis, seconds } from '../../src/base/time.ts';
import { Tcb } from '../../src/tcp/tcb.ts';
import type { TcpLayer } from '../../src/tcp/tcp-layer.ts';
import { LayerPair, open, type Poller } from './layer-pair.ts';

/** The old definition: the earliest pollAt() of every connection, found by visiting them all. */
function scannedPollAt(layer: TcpLayer): Instant | undefined {
  let at: Instant | undefined;
  for (const tcb of layer.connections()) {
    const t = tcb.pollAt();
    if (t !== undefined && (at === undefined || t < at)) at = t;
  }
  return at;
}

/** pollAt() as the scan gives it: exactly when in the future, at or before `now` when something is due. */
function expectScanned(layer: TcpLayer, now: Instant): void {
  const scanned = scannedPollAt(layer);
  if (scanned !== undefined && scanned <= now) expect(layer.pollAt()).toBeLessThanOrEqual(now);
  else expect(layer.pollAt()).toBe(scanned);
}

/**
 * Around each poll: pollAt() agrees with the scan (before the poll only unless it says "now", which a
 * queued reset may explain); the poll visits exactly the connections that were due.
 */
const checkAgainstScan: Poller = (layer, now, emit) => {
  const fast = layer.pollAt();
  if (fast === undefined || fast > now) expectScanned(layer, now);
  const due = new Set<Tcb>();
  for (const tcb of layer.connections()) {
    const at = tcb.pollAt();
    if (at !== undefined && at <= now) due.add(tcb);
  }
  const polled = vi.spyOn(Tcb.prototype, 'poll');
  layer.poll(now, emit);
  const visited = new Set(polled.mock.contexts as Tcb[]);
  polled.mockRestore();
  expect([...visited].filter((tcb) => !due.has(tcb))).toEqual([]);
  expect([...due].filter((tcb) => !visited.has(tcb))).toEqual([]);
  expectScanned(layer, now);
};

type Op =
  | { kind: 'send'; conn: number; bytes: number; server: boolean }
  | { kind: 'recv'; conn: number; server: boolean }
  | { kind: 'close'; conn: number; server: boolean }
  | { kind: 'shutdown'; conn: number; server: boolean }
  | { kind: 'abort'; conn: number; server: boolean }
  | { kind: 'keepalive'; conn: number; server: boolean }
  | { kind: 'wait'; micros: number };

const CONNECTIONS = 6;
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('send' as const),
    conn: fc.nat(CONNECTIONS - 1),
    bytes: fc.integer({ min: 1, max: 40_000 }),
    server: fc.boolean(),
  }),
  ...(['recv', 'close', 'shutdown', 'abort', 'keepalive'] as const).map((kind) =>
    fc.record({ kind: fc.constant(kind), conn: fc.nat(CONNECTIONS - 1), server: fc.boolean() }),
  ),
  fc.record({ kind: fc.constant('wait' as const), micros: fc.integer({ min: 0, max: seconds(3) }) }),
);

function apply(op: Op, conns: Array<[Tcb, Tcb]>, pair: LayerPair): void {
  if (op.kind === 'wait') {
    pair.runUntil(pair.now + op.micros);
    return;
  }
  const tcb = conns[op.conn]![op.server ? 1 : 0];
  switch (op.kind) {
    case 'send':
      tcb.send(new Uint8Array(op.bytes));
      return;
    case 'recv':
      tcb.recv(new Uint8Array(65536));
      return;
    case 'close':
      tcb.close();
      return;
    case 'shutdown':
      tcb.shutdown('write');
      return;
    case 'abort':
      tcb.abort();
      return;
    case 'keepalive':
      tcb.setOptions({ keepAlive: true, keepIdle: seconds(1), keepIntvl: millis(500), keepCnt: 2 });
      return;
  }
}

describe('TcpLayer scheduling', () => {
  it('polls exactly the due connections and reports the earliest deadline, under random user operations and loss (property)', () => {
    fc.assert(
      fc.property(
        fc.array(opArbitrary, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 0, max: 0xffff }),
        (ops, lossSeed) => {
          const lossRng = new SeededRng(lossSeed);
          // A small receive buffer: sends fill the window, so a recv() has a window update to announce.
          const pair = new LayerPair({ timeWait: seconds(2), delayedAck: millis(40), recvBuffer: 16384 });
          const conns = open(pair, CONNECTIONS);
          // One packet in eight lost once the connections are up: retransmission timers come into play.
          pair.lose = () => lossRng.nextU32() % 8 === 0;
          for (const op of ops) {
            apply(op, conns, pair);
            pair.runUntil(pair.now + millis(50), checkAgainstScan);
          }
          pair.runUntil(pair.now + seconds(120), checkAgainstScan);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('an idle connection costs nothing per poll: 2,000 of them, one busy, a handful of pollAt() calls per step', () => {
    const pair = new LayerPair({ delayedAck: millis(40) });
    const conns = open(pair, 2000);
    pair.runUntil(pair.now + seconds(1));
    expect(pair.client.pollAt()).toBeUndefined();
    expect(pair.server.pollAt()).toBeUndefined();
    const [client, server] = conns[0]!;
    const asked = vi.spyOn(Tcb.prototype, 'pollAt');
    client.send(new Uint8Array(100_000));
    let steps = 0;
    while (server.recvQueued < 100_000 && steps < 1000) {
      pair.step();
      server.recv(new Uint8Array(100_000));
      const next = pair.next();
      if (next === undefined) break;
      pair.now = next;
      steps++;
    }
    const calls = asked.mock.calls.length;
    asked.mockRestore();
    expect(steps).toBeGreaterThan(5);
    // Every step asks only the two busy ends (a few times each), never the 3,998 idle ones.
    expect(calls / steps).toBeLessThan(20);
  });

  it('a deadline that moves leaves a stale heap entry behind, skipped and eventually compacted', () => {
    const pair = new LayerPair({ delayedAck: millis(40) });
    const [[client]] = open(pair, 1) as [[Tcb, Tcb]];
    pair.runUntil(pair.now + seconds(1));
    // Each keepalive setting moves the connection's only deadline; pollAt() always follows the last one.
    for (let i = 1; i <= 500; i++) {
      client.setOptions({ keepAlive: true, keepIdle: seconds(1000 - i), keepIntvl: seconds(1), keepCnt: 1 });
      pair.step();
      expect(pair.client.pollAt()).toBe(client.lastReceiveAt + seconds(1000 - i));
    }
    client.setOptions({ keepAlive: false });
    pair.step();
    expect(pair.client.pollAt()).toBeUndefined();
  });
});
