// Two StackCores on one ManualClock, wired back to back with no driver: the client at 198.18.0.1 and the
// server at 198.18.0.2. Packets in flight pass a tap that may record or drop them, and the attacker's
// packets go straight into a core's ingress. Deterministic: fixed seeds, time moves only when told.

import { isErrno } from '../../src/base/errno.ts';
import { SeededRng } from '../../src/base/rng.ts';
import { type Duration, type Instant, ManualClock } from '../../src/base/time.ts';
import { StackCore } from '../../src/stack.ts';
import type { TcpConfig } from '../../src/tcp/config.ts';
import type { TcpListener } from '../../src/tcp/listener.ts';
import type { Tcb } from '../../src/tcp/tcb.ts';
import { PEER, US } from './wire.ts';

/** What the tap says about a packet in flight from `from` ('client' or 'server'). */
export type Tap = (from: 'client' | 'server', packet: Uint8Array, now: Instant) => 'deliver' | 'drop';

export interface CorePairOptions {
  tcp?: Partial<TcpConfig>;
  seed?: number;
  mtu?: number;
}

export class CorePair {
  readonly clock = new ManualClock(1_000_000);
  readonly client: StackCore;
  readonly server: StackCore;
  tap: Tap = () => 'deliver';

  constructor(options: CorePairOptions = {}) {
    const seed = options.seed ?? 1;
    const make = (addr: number, s: number): StackCore =>
      new StackCore({
        interfaces: [{ addr, prefixLen: 24, mtu: options.mtu ?? 1500 }],
        rng: new SeededRng(s),
        secret: new Uint8Array(16).fill(s & 0xff),
        tcp: options.tcp,
      });
    this.client = make(PEER, seed);
    this.server = make(US, seed + 1);
  }

  get now(): Instant {
    return this.clock.now();
  }

  /** Polls both cores and delivers what they emit until neither has anything more to say at this instant. */
  settle(): void {
    for (let round = 0; round < 10_000; round++) {
      const inFlight: Array<['client' | 'server', Uint8Array]> = [];
      const now = this.now;
      this.client.poll(now, (_i, p) => inFlight.push(['client', p.slice()]));
      this.server.poll(now, (_i, p) => inFlight.push(['server', p.slice()]));
      if (inFlight.length === 0) return;
      for (const [from, packet] of inFlight) {
        if (this.tap(from, packet, now) === 'drop') continue;
        (from === 'client' ? this.server : this.client).ingress(now, 0, packet);
      }
    }
    throw new Error('the two cores never went quiet (a packet storm)');
  }

  /** Runs timers and exchanges for `duration`, jumping from one pollAt() to the next. */
  run(duration: Duration): void {
    const end = this.now + duration;
    this.settle();
    for (;;) {
      const next = Math.min(this.client.pollAt() ?? end, this.server.pollAt() ?? end, end);
      this.clock.set(Math.max(next, this.now));
      this.settle();
      if (this.now >= end) return;
    }
  }

  /** Advances by `step` repeatedly until `done()` or `limit` elapsed; true if it got done. */
  runUntil(done: () => boolean, limit: Duration, step: Duration = 1000): boolean {
    const end = this.now + limit;
    this.settle();
    while (!done()) {
      if (this.now >= end) return false;
      this.run(step);
    }
    return true;
  }

  listen(port: number, backlog = 128): TcpListener {
    const listener = this.server.tcp.listen(US, port, backlog);
    if (isErrno(listener)) throw new Error(`listen: ${listener.errno}`);
    return listener;
  }

  /** A client connection to the server's `port`, established and accepted: [client side, server side]. */
  connect(listener: TcpListener): [Tcb, Tcb] {
    const client = this.client.tcp.connect(this.now, PEER, 0, US, listener.localPort);
    if (isErrno(client)) throw new Error(`connect: ${client.errno}`);
    this.settle();
    const server = listener.accept();
    if (isErrno(server)) throw new Error(`accept: ${server.errno} (client in ${client.state})`);
    return [client, server];
  }
}

/** Moves everything `from` can send to `to`'s receive side: writes what fits, reads what arrived. */
export function pump(pair: CorePair, sender: Tcb, data: Uint8Array, receiver: Tcb, sink: number[]): void {
  let sent = 0;
  const buffer = new Uint8Array(65536);
  const done = pair.runUntil(
    () => {
      if (sent < data.length) {
        const n = sender.send(data.subarray(sent));
        if (!isErrno(n)) sent += n;
      }
      for (;;) {
        const n = receiver.recv(buffer);
        if (isErrno(n) || n === 0) break;
        for (let i = 0; i < n; i++) sink.push(buffer[i]!);
      }
      return sink.length >= data.length;
    },
    600_000_000,
    10_000,
  );
  if (!done) throw new Error(`transfer stalled at ${sink.length} of ${data.length} bytes`);
}
