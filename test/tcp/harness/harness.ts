// Scripted TCP tests in smoltcp's style: one TcpLayer on a ManualClock, segments fed at explicit times,
// emitted segments checked with partial matching (a field left out matches anything, as gVisor's checkers
// and packetimpact layers do). Every emitted segment is serialized and parsed back, so what the tests see
// is exactly what would go on the wire.

import { expect } from 'vitest';
import { isErrno } from '../../../src/base/errno.ts';
import { SeededRng } from '../../../src/base/rng.ts';
import { Stats } from '../../../src/base/stats.ts';
import { type Instant, ManualClock } from '../../../src/base/time.ts';
import type { TcpConfig, TcpSocketOptions } from '../../../src/tcp/config.ts';
import type { TcpEvent } from '../../../src/tcp/events.ts';
import type { TcpListener } from '../../../src/tcp/listener.ts';
import { blankTcpRepr, emitTcp, parseTcp, type TcpRepr, tcpBufferLen } from '../../../src/tcp/segment.ts';
import { seqAdd } from '../../../src/tcp/seq.ts';
import type { Tcb } from '../../../src/tcp/tcb.ts';
import { TcpLayer } from '../../../src/tcp/tcp-layer.ts';

/** 198.18.0.2, the stack under test, and 198.18.0.1, the scripted peer (RFC 2544 benchmarking range). */
export const LOCAL_ADDR = 0xc6120002;
export const REMOTE_ADDR = 0xc6120001;
export const LOCAL_PORT = 80;
export const REMOTE_PORT = 49500;
/** The scripted peer's ISN. */
export const REMOTE_ISN = 10_000;

export type SegmentPattern = Partial<Omit<TcpRepr, 'payload' | 'timestamp'>> & {
  payload?: Uint8Array | string;
  timestamp?: { tsVal?: number; tsEcr?: number } | undefined;
};

/** A simple configuration for scripts: no options unless a test turns them on, small numbers to read. */
export const PLAIN: Partial<TcpConfig> = {
  timestamps: false,
  sack: false,
  windowScaling: false,
  recvBuffer: 64 * 1024,
  sendBuffer: 64 * 1024,
  congestion: 'newreno',
};

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export class Harness {
  readonly clock = new ManualClock(0);
  readonly stats = new Stats();
  readonly events: TcpEvent[] = [];
  readonly layer: TcpLayer;

  constructor(config: Partial<TcpConfig> = PLAIN, mtu = 1500) {
    this.layer = new TcpLayer(config, {
      rng: new SeededRng(1),
      secret: new Uint8Array(16).fill(7),
      stats: this.stats,
      trace: (e) => this.events.push(e),
      routeMtu: () => mtu,
    });
  }

  at(time: Instant): this {
    this.clock.set(time);
    return this;
  }

  /** Feeds one segment from the scripted peer (defaults: its ports, no flags, empty payload). */
  send(pattern: SegmentPattern, time?: Instant): void {
    if (time !== undefined) this.clock.set(time);
    const seg = blankTcpRepr();
    Object.assign(seg, { srcPort: REMOTE_PORT, dstPort: LOCAL_PORT }, pattern);
    if (typeof pattern.payload === 'string') seg.payload = bytes(pattern.payload);
    if (pattern.timestamp !== undefined) seg.timestamp = { tsVal: 0, tsEcr: 0, ...pattern.timestamp };
    // Through the codec, as a real segment would arrive.
    const wire = new Uint8Array(tcpBufferLen(seg));
    emitTcp(seg, wire, 0, REMOTE_ADDR, LOCAL_ADDR);
    const parsed = blankTcpRepr();
    expect(parseTcp(wire, 0, wire.length, REMOTE_ADDR, LOCAL_ADDR, parsed)).toBeUndefined();
    this.layer.ingress(this.clock.now(), REMOTE_ADDR, LOCAL_ADDR, parsed);
  }

  /** Polls at `time` (default: now) and returns every segment emitted, parsed back from the wire. */
  recv(time?: Instant): TcpRepr[] {
    if (time !== undefined) this.clock.set(time);
    const out: TcpRepr[] = [];
    this.layer.poll(this.clock.now(), (src, dst, segment) => {
      expect([src, dst]).toEqual([LOCAL_ADDR, REMOTE_ADDR]);
      const wire = new Uint8Array(tcpBufferLen(segment)).fill(0xa5);
      emitTcp(segment, wire, 0, src, dst);
      const parsed = blankTcpRepr();
      expect(parseTcp(wire, 0, wire.length, src, dst, parsed)).toBeUndefined();
      parsed.payload = parsed.payload.slice();
      out.push(parsed);
    });
    return out;
  }

  /** Expects exactly the given segments (partially matched) from a poll at `time`. */
  expect(time: Instant | undefined, ...patterns: SegmentPattern[]): TcpRepr[] {
    const got = this.recv(time);
    expect(got.map(describe)).toHaveLength(patterns.length);
    for (const [i, p] of patterns.entries()) expectSegment(got[i]!, p);
    return got;
  }

  expectNothing(time?: Instant): void {
    expect(this.recv(time).map(describe)).toEqual([]);
  }

  /** Runs poll at each deadline up to `until`, collecting everything emitted. */
  runUntil(until: Instant): TcpRepr[] {
    const out: TcpRepr[] = [];
    for (;;) {
      const at = this.layer.pollAt();
      if (at === undefined || at > until) break;
      out.push(...this.recv(Math.max(at, this.clock.now())));
    }
    this.clock.set(Math.max(until, this.clock.now()));
    return out;
  }

  connect(options?: Partial<TcpSocketOptions>): Tcb {
    const tcb = this.layer.connect(
      this.clock.now(),
      LOCAL_ADDR,
      LOCAL_PORT,
      REMOTE_ADDR,
      REMOTE_PORT,
      options,
    );
    if (isErrno(tcb)) throw new Error(`connect failed: ${tcb.errno}`);
    return tcb;
  }

  /** An active open completed by the script: returns the TCB in ESTABLISHED, all output consumed. */
  established(options?: Partial<TcpSocketOptions>, synAck: SegmentPattern = {}): Tcb {
    const tcb = this.connect(options);
    const [syn] = this.expect(undefined, { control: 'syn' });
    this.send({
      control: 'syn',
      seqNumber: REMOTE_ISN,
      ackNumber: seqAdd(syn!.seqNumber, 1),
      windowLen: 65535,
      maxSegSize: 1460,
      ...synAck,
    });
    this.expect(undefined, { control: 'none', ackNumber: seqAdd(synAck.seqNumber ?? REMOTE_ISN, 1) });
    expect(tcb.state).toBe('ESTABLISHED');
    return tcb;
  }

  listen(backlog = 8): TcpListener {
    const l = this.layer.listen(LOCAL_ADDR, LOCAL_PORT, backlog);
    if (isErrno(l)) throw new Error(`listen failed: ${l.errno}`);
    return l;
  }

  /** A passive open completed by the script: SYN in, SYN-ACK out, ACK in, accepted. */
  accepted(syn: SegmentPattern = {}): Tcb {
    const listener = this.listen();
    this.send({ control: 'syn', seqNumber: REMOTE_ISN, windowLen: 65535, maxSegSize: 1460, ...syn });
    const [synAck] = this.expect(undefined, { control: 'syn', ackNumber: REMOTE_ISN + 1 });
    this.send({ seqNumber: REMOTE_ISN + 1, ackNumber: seqAdd(synAck!.seqNumber, 1), windowLen: 65535 });
    const tcb = listener.accept();
    if (isErrno(tcb)) throw new Error(`accept failed: ${tcb.errno}`);
    return tcb;
  }

  stateChanges(): string[] {
    return this.events.filter((e) => e.kind === 'state').map((e) => (e.kind === 'state' ? e.to : ''));
  }
}

export function expectSegment(actual: TcpRepr, pattern: SegmentPattern): void {
  const want: Record<string, unknown> = { ...pattern };
  if (typeof pattern.payload === 'string') want.payload = bytes(pattern.payload);
  expect(actual, describe(actual)).toMatchObject(want);
}

/** A tcpdump-like one-liner for failure messages. */
export function describe(s: TcpRepr): string {
  const ack = s.ackNumber === undefined ? '' : ` ack ${s.ackNumber}`;
  return `${s.control}${s.push ? '+psh' : ''} seq ${s.seqNumber}${ack} win ${s.windowLen} len ${s.payload.length}`;
}
