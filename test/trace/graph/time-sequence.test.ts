import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readPcap } from '../../../src/link/pcap.ts';
import { TCP_SYN } from '../../../src/tcp/segment.ts';
import { buildTimeSequence } from '../../../src/trace/graph/time-sequence.ts';
import { captureFlows } from '../../../src/trace/summary.ts';
import { buildCapture, CLIENT, LOSSY_TRANSFER, type Scripted, SERVER } from './synthetic.ts';

function connectionOf(bytes: Uint8Array, index = 0) {
  const capture = readPcap(bytes);
  if (typeof capture === 'string') throw new Error(capture);
  return captureFlows(capture.records).flows.tcp[index]!;
}

describe('time-sequence graph of a scripted transfer (loss, dup ACKs, SACK, fast retransmit)', () => {
  const graph = buildTimeSequence(connectionOf(buildCapture(LOSSY_TRANSFER)));

  it('graphs the direction that carried the data, from the client to the server', () => {
    expect(graph.sender).toEqual(CLIENT);
    expect(graph.receiver).toEqual(SERVER);
    expect(graph.connection).toBe(1);
    expect(graph.duration).toBeCloseTo(0.0511, 9);
  });

  it('draws one bar per data segment at its offset, across the 2^32 wrap, the retransmission flagged', () => {
    expect(graph.segments.map(({ t, start, end, retransmit }) => [t, start, end, retransmit])).toEqual([
      [0.0102, 0, 1000, false],
      [0.0103, 1000, 2000, false],
      [0.0204, 2000, 3000, false],
      [0.0205, 3000, 4000, false],
      [0.0206, 4000, 5000, false],
      [0.0207, 5000, 6000, false],
      [0.0308, 2000, 3000, true],
    ]);
    const retransmission = graph.segments[6]!;
    expect(retransmission.dupAcksBefore).toBe(3);
    expect(retransmission.episodeStart).toBe(true);
    expect(graph.segments.filter((s) => s.episodeStart)).toHaveLength(1);
  });

  it('steps the ACK line where the cumulative ACK advances, never for a duplicate', () => {
    expect(graph.acks).toEqual([
      { t: 0.01, y: 0 },
      { t: 0.0202, y: 1000 },
      { t: 0.0203, y: 2000 },
      { t: 0.0408, y: 6000 },
      { t: 0.051, y: 6001 },
    ]);
  });

  it('puts the window edge at ACK + window << 2 (the SYN-ACK unscaled, RFC 7323 §2.2)', () => {
    expect(graph.windowScale).toBe(2);
    expect(graph.windowEdge).toEqual([
      { t: 0.01, y: 8000 },
      { t: 0.0202, y: 9000 },
      { t: 0.0203, y: 10000 },
      { t: 0.0408, y: 14000 },
      { t: 0.051, y: 14001 },
    ]);
  });

  it('numbers the duplicate ACKs and keeps their SACK blocks', () => {
    expect(graph.dupAcks).toEqual([
      { t: 0.0305, y: 2000, count: 1 },
      { t: 0.0306, y: 2000, count: 2 },
      { t: 0.0307, y: 2000, count: 3 },
    ]);
    expect(graph.sacks).toEqual([
      { t: 0.0305, start: 3000, end: 4000 },
      { t: 0.0306, start: 3000, end: 5000 },
      { t: 0.0307, start: 3000, end: 6000 },
    ]);
  });

  it('marks SYN and FIN of both ends: the sender on its bars, the receiver on the ACK line', () => {
    expect(graph.marks.map(({ t, y, kind, bySender }) => [t, y, kind, bySender])).toEqual([
      [0, -1, 'SYN', true],
      [0.01, 0, 'SYN', false],
      [0.041, 6000, 'FIN', true],
      [0.051, 6001, 'FIN', false],
    ]);
  });

  it('graphs the other direction on request, and leaves windows unscaled unless both SYNs agree', () => {
    const reverse = buildTimeSequence(connectionOf(buildCapture(LOSSY_TRANSFER)), false);
    expect(reverse.sender).toEqual(SERVER);
    expect(reverse.segments).toEqual([]);
    // The client announced shift 0: its windows are in bytes as they stand.
    expect(reverse.windowScale).toBe(0);
    const oneSided = LOSSY_TRANSFER.map(
      (s): Scripted => (s.flags === 'S' ? { ...s, windowScale: undefined } : s),
    );
    expect(buildTimeSequence(connectionOf(buildCapture(oneSided))).windowScale).toBe(0);
    const noSyns = LOSSY_TRANSFER.filter((s) => !s.flags.includes('S'));
    expect(buildTimeSequence(connectionOf(buildCapture(noSyns))).windowScale).toBeUndefined();
  });

  it('marks an RST from the receiver at its last ACK', () => {
    const script = [...LOSSY_TRANSFER.slice(0, 7), { at: 25_000, fromClient: false, flags: 'R', seq: 1 }];
    const reset = buildTimeSequence(connectionOf(buildCapture(script)));
    expect(reset.marks.at(-1)).toEqual({
      t: 0.025,
      y: 2000,
      kind: 'RST',
      bySender: false,
      retransmit: false,
    });
  });
});

describe('time-sequence graph of a real lossy transfer (Linux sender, tbf bottleneck, random drops)', () => {
  // test/fixtures/graph/bulk-lossy.pcap, made by capture.sh there: 300000 bytes, captured at the sender
  // with a 128-byte snaplen, so the payload lengths come from the IP headers.
  const bytes = readFileSync(new URL('../../fixtures/graph/bulk-lossy.pcap', import.meta.url));
  const connection = connectionOf(bytes);
  const graph = buildTimeSequence(connection);

  it('finds every data segment, the whole transfer, and the two retransmissions where tcpdump shows them', () => {
    expect(graph.segments).toHaveLength(211);
    expect(Math.max(...graph.segments.map((s) => s.end))).toBe(300000);
    const retransmissions = graph.segments.filter((s) => s.retransmit);
    // tcpdump -nn -r sends "seq 23169:24617" a second time at 00:03:23.852528 and "seq 140457:141905" at
    // 00:03:23.951876; the SYN went at 00:03:23.833553 (tcpdump counts from 1, the graph from 0).
    expect(retransmissions.map(({ t, start, end }) => [t, start, end])).toEqual([
      [0.018975, 23168, 24616],
      [0.118323, 140456, 141904],
    ]);
    expect(retransmissions.every((s) => s.episodeStart && s.dupAcksBefore > 0)).toBe(true);
  });

  it('draws a rising ACK line and window edge, SACK blocks above the ACK, dup ACKs on it', () => {
    expect(graph.acks.length).toBe(75);
    for (let i = 1; i < graph.acks.length; i++) {
      expect(graph.acks[i]!.y).toBeGreaterThan(graph.acks[i - 1]!.y);
      expect(graph.acks[i]!.t).toBeGreaterThanOrEqual(graph.acks[i - 1]!.t);
    }
    expect(graph.acks.at(-1)!.y).toBe(300001);
    expect(graph.windowScale).toBe(1);
    expect(graph.dupAcks).toHaveLength(82);
    for (const dup of graph.dupAcks) expect(graph.acks.some((a) => a.y === dup.y && a.t <= dup.t)).toBe(true);
    expect(graph.sacks).toHaveLength(83);
    // RFC 2018 §3: a SACK block reports data above the cumulative ACK, which stays at the hole.
    for (const sack of graph.sacks) {
      const ack = graph.acks.filter((a) => a.t <= sack.t).at(-1)!;
      expect(sack.start).toBeGreaterThan(ack.y);
    }
  });

  it('marks the handshake and both FINs', () => {
    expect(graph.marks.map((m) => `${m.kind}${m.bySender ? '>' : '<'}`)).toEqual([
      'SYN>',
      'SYN<',
      'FIN>',
      'FIN<',
    ]);
    expect(connection.packets[0]!.flags & TCP_SYN).toBe(TCP_SYN);
  });
});
