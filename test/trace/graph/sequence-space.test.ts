import { describe, expect, it } from 'vitest';
import { readPcap } from '../../../src/link/pcap.ts';
import { groupFlows } from '../../../src/trace/graph/connections.ts';
import { decodeTransport } from '../../../src/trace/graph/packets.ts';
import { annotateConnection } from '../../../src/trace/graph/sequence-space.ts';
import { buildCapture, LOSSY_TRANSFER, type Scripted } from './synthetic.ts';

function annotate(script: Scripted[]) {
  const capture = readPcap(buildCapture(script));
  if (typeof capture === 'string') throw new Error(capture);
  const packets = capture.records.map((r) => decodeTransport(r.timestampMicros, r.packet)!);
  return annotateConnection(groupFlows(packets).tcp[0]!);
}

describe('annotateConnection', () => {
  it('numbers each direction from its first data byte: the SYN at −1, a FIN after the data', () => {
    const annotated = annotate(LOSSY_TRANSFER);
    const spans = annotated.map((a) => [a.fromClient ? 'c' : 's', a.start, a.end]);
    expect(spans.slice(0, 4)).toEqual([
      ['c', -1, 0],
      ['s', -1, 0],
      ['c', 0, 0],
      ['c', 0, 1000],
    ]);
    expect(spans.at(-3)).toEqual(['c', 6000, 6001]);
    expect(spans.at(-2)).toEqual(['s', 0, 1]);
  });

  it('keeps counting past 2^32 (the client ISN is 2^32 − 4096, its last data byte beyond the wrap)', () => {
    const ends = annotate(LOSSY_TRANSFER)
      .filter((a) => a.fromClient)
      .map((a) => a.end);
    expect(Math.max(...ends)).toBe(6001);
    expect(ends.every((e) => e >= 0)).toBe(true);
  });

  it('turns ACKs and SACK blocks into offsets of the peer’s numbering', () => {
    const dupAck = annotate(LOSSY_TRANSFER)[13]!;
    expect(dupAck.fromClient).toBe(false);
    expect(dupAck.ackOffset).toBe(2000);
    expect(dupAck.sackBlocks).toEqual([[3000, 6000]]);
    expect(annotate(LOSSY_TRANSFER)[0]!.ackOffset).toBeUndefined();
  });

  it('flags what repeats sequence space already sent: data, a SYN, a FIN — not pure ACKs', () => {
    const script: Scripted[] = [
      LOSSY_TRANSFER[0]!,
      { ...LOSSY_TRANSFER[0]!, at: 1000 },
      ...LOSSY_TRANSFER,
      { at: 60_000, fromClient: true, flags: 'F.', seq: 6001, ack: 2 },
      { at: 60_100, fromClient: true, flags: '.', seq: 6002, ack: 2 },
    ];
    const retransmitted = annotate(script)
      .filter((a) => a.retransmit)
      .map((a) => [a.start, a.end]);
    expect(retransmitted).toEqual([
      [-1, 0],
      [-1, 0],
      [2000, 3000],
      [6000, 6001],
    ]);
  });

  it('starts the numbering at the first number seen when the capture begins mid-connection', () => {
    const annotated = annotate(LOSSY_TRANSFER.slice(7));
    expect(annotated[0]!.start).toBe(0);
    expect(annotated[0]!.end).toBe(1000);
    // The receiver's ACK of that same byte gets the same offset: one numbering per direction.
    expect(annotated.find((a) => !a.fromClient)!.ackOffset).toBe(0);
  });
});
