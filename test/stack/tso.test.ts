// TSO in the core: with a link whose caps.maxSegment is above its MTU, the TCP sender emits super-segments
// of whole MSS-sized pieces (for the link to cut at the MTU), and only then. Two StackCores back to back on
// a ManualClock; the receiver has no MTU check on ingress, as with GRO on a TUN.

import { describe, expect, it } from 'vitest';
import { readU16 } from '../../src/base/bytes.ts';
import { isErrno } from '../../src/base/errno.ts';
import { SeededRng } from '../../src/base/rng.ts';
import { ManualClock } from '../../src/base/time.ts';
import type { LinkCaps } from '../../src/link/link.ts';
import { StackCore } from '../../src/stack.ts';
import type { Tcb } from '../../src/tcp/tcb.ts';

const CLIENT = 0xc6120001;
const SERVER = 0xc6120002;
const TSO: LinkCaps = {
  rxChecksumVerified: false,
  txChecksumOffload: false,
  maxSegment: 65535,
  sendCopies: false,
};
/** MSS 1460 less the 12-byte timestamps option. */
const PIECE = 1448;

interface Side {
  mtu: number;
  caps?: LinkCaps;
}

/** Runs a transfer of `data` from client to server; returns the client's TCP payload lengths and what arrived. */
function transfer(client: Side, server: Side, data: Uint8Array, nagle = true) {
  const clock = new ManualClock(1_000_000);
  const make = (addr: number, side: Side, seed: number) =>
    new StackCore({
      interfaces: [{ addr, prefixLen: 24, mtu: side.mtu, caps: side.caps }],
      rng: new SeededRng(seed),
      secret: new Uint8Array(16).fill(seed),
      tcp: { nagle },
    });
  const a = make(CLIENT, client, 1);
  const b = make(SERVER, server, 2);
  const payloads: number[] = [];
  const settle = () => {
    for (let round = 0; round < 100_000; round++) {
      const now = clock.now();
      const fromA: Uint8Array[] = [];
      const fromB: Uint8Array[] = [];
      a.poll(now, (_i, p) => fromA.push(p.slice()));
      b.poll(now, (_i, p) => fromB.push(p.slice()));
      if (fromA.length + fromB.length === 0) return;
      for (const p of fromA) {
        const tcpHeader = (p[20 + 12]! >> 4) * 4;
        const payload = readU16(p, 2) - 20 - tcpHeader;
        if (payload > 0) payloads.push(payload);
        b.ingress(now, 0, p);
      }
      for (const p of fromB) a.ingress(now, 0, p);
    }
    throw new Error('no end to the exchange');
  };
  const listener = b.tcp.listen(SERVER, 9, 16);
  if (isErrno(listener)) throw new Error('listen');
  const sender = a.tcp.connect(clock.now(), CLIENT, 0, SERVER, 9);
  if (isErrno(sender)) throw new Error('connect');
  settle();
  const receiver = listener.accept() as Tcb;
  const received: number[] = [];
  const buffer = new Uint8Array(1 << 16);
  let sent = 0;
  for (let step = 0; step < 100_000 && received.length < data.length; step++) {
    if (sent < data.length) {
      const n = sender.send(data.subarray(sent));
      if (!isErrno(n)) sent += n;
    }
    settle();
    for (;;) {
      const n = receiver.recv(buffer);
      if (isErrno(n) || n === 0) break;
      for (let i = 0; i < n; i++) received.push(buffer[i]!);
    }
    clock.advance(1000);
  }
  return { payloads, received: Uint8Array.from(received) };
}

function pattern(length: number): Uint8Array {
  return new Uint8Array(length).map((_, i) => (i * 31 + (i >> 8)) & 0xff);
}

describe('TSO super-segments', () => {
  it('carry whole MSS pieces up to the largest packet, byte-exact, when the link segments', () => {
    const data = pattern(2_000_000);
    const { payloads, received } = transfer({ mtu: 1500, caps: TSO }, { mtu: 1500 }, data);
    expect(received).toEqual(data);
    expect(Math.max(...payloads)).toBeGreaterThan(PIECE);
    // 45 pieces of 1448 with 52 bytes of headers: the most below 65535.
    expect(Math.max(...payloads)).toBeLessThanOrEqual(45 * PIECE);
    for (const length of payloads.slice(0, -1)) expect(length % PIECE).toBe(0);
  });

  it('send a short tail on its own, under Nagle, as separate segments would', () => {
    const data = pattern(10 * PIECE + 100);
    const { payloads, received } = transfer({ mtu: 1500, caps: TSO }, { mtu: 1500 }, data);
    expect(received).toEqual(data);
    expect(payloads.at(-1)).toBe(100);
    expect(payloads.slice(0, -1).every((length) => length % PIECE === 0)).toBe(true);
  });

  it('stay whole segments when the peer takes smaller ones than the MTU allows', () => {
    const data = pattern(300_000);
    const { payloads, received } = transfer({ mtu: 1500, caps: TSO }, { mtu: 1400 }, data);
    expect(received).toEqual(data);
    expect(Math.max(...payloads)).toBe(1360 - 12);
  });

  it('never appear without segmentation offload (the default path)', () => {
    const data = pattern(300_000);
    const { payloads, received } = transfer({ mtu: 1500 }, { mtu: 1500 }, data);
    expect(received).toEqual(data);
    expect(Math.max(...payloads)).toBe(PIECE);
  });
});

describe('StackCore.routeMaxSegment', () => {
  it('is the link maxSegment only for a segmenting link whose MTU is the path MTU', () => {
    const core = (caps?: LinkCaps) =>
      new StackCore({
        interfaces: [{ addr: CLIENT, prefixLen: 24, mtu: 1500, caps }],
        rng: new SeededRng(3),
        secret: new Uint8Array(16),
      });
    expect(core(TSO).routeMaxSegment(SERVER)).toBe(65535);
    expect(core().routeMaxSegment(SERVER)).toBe(1500);
    expect(core({ ...TSO, maxSegment: 1500 }).routeMaxSegment(SERVER)).toBe(1500);
  });
});
