// Segment boundaries and PSH on the sending side: PSH where the written data ends (RFC 9293 §3.9.1.2),
// MSG_EOR records that no segment crosses, and the Linux profile's PSH at the end of each burst.
import { describe, expect, it } from 'vitest';
import { millis } from '../../src/base/time.ts';
import { seqAdd } from '../../src/tcp/seq.ts';
import { Harness, PLAIN, REMOTE_ISN } from './harness/harness.ts';

const R = REMOTE_ISN;

describe('PSH (RFC 9293 §3.9.1.2)', () => {
  it('only the segment that empties the send buffer carries PSH', () => {
    const h = new Harness();
    const tcb = h.established({ noDelay: true });
    const s = tcb.sndNxt;
    tcb.send(new Uint8Array(3000));
    const segs = h.recv();
    expect(segs.map((x) => [x.seqNumber - s, x.payload.length, x.push])).toEqual([
      [0, 1460, false],
      [1460, 1460, false],
      [2920, 80, true],
    ]);
  });

  it('a cwnd-limited burst ends without PSH by default, with it under pushAtBurstEnd', () => {
    for (const pushAtBurstEnd of [false, true]) {
      const h = new Harness({ ...PLAIN, pushAtBurstEnd });
      const tcb = h.established();
      tcb.send(new Uint8Array(20 * 1460));
      const segs = h.recv();
      expect(segs).toHaveLength(10);
      expect(segs.map((x) => x.push)).toEqual([...new Array(9).fill(false), pushAtBurstEnd]);
    }
  });

  it('a single segment sent alone is not a burst: no PSH under pushAtBurstEnd either', () => {
    const h = new Harness({ ...PLAIN, pushAtBurstEnd: true });
    const tcb = h.established({}, { windowLen: 1460 });
    tcb.send(new Uint8Array(5000));
    const [only] = h.expect(undefined, { payload: new Uint8Array(1460) });
    expect(only!.push).toBe(false);
  });
});

describe('MSG_EOR records', () => {
  it('later writes never share a segment with a record; its last segment has PSH despite Nagle', () => {
    const h = new Harness();
    const tcb = h.established();
    const s = tcb.sndNxt;
    tcb.send(new Uint8Array(100));
    h.expect(undefined, { seqNumber: s, push: true });
    // Data is outstanding, so Nagle would hold a short segment; a finished record goes out anyway.
    expect(tcb.send(new Uint8Array(300), true)).toBe(300);
    expect(tcb.send(new Uint8Array(200), true)).toBe(200);
    tcb.send(new Uint8Array(50));
    const segs = h.recv();
    expect(segs.map((x) => [x.seqNumber - s, x.payload.length, x.push])).toEqual([
      [100, 300, true],
      [400, 200, true],
    ]);
    // The 50 bytes after the records are an ordinary short segment: Nagle holds them until the ACK.
    h.send({ seqNumber: R + 1, ackNumber: seqAdd(s, 600), windowLen: 65535 }, millis(10));
    h.expect(undefined, { seqNumber: s + 600, payload: new Uint8Array(50), push: true });
    expect(tcb.recordEnds).toEqual([]);
  });

  it('a retransmission keeps the record boundaries', () => {
    const h = new Harness();
    const tcb = h.established();
    const s = tcb.sndNxt;
    tcb.send(new Uint8Array(400), true);
    tcb.send(new Uint8Array(400), true);
    expect(h.recv().map((x) => x.payload.length)).toEqual([400, 400]);
    const resent = h.runUntil(tcb.rtt.rto + millis(1));
    expect(resent[0]).toMatchObject({ seqNumber: s, push: true });
    expect(resent[0]!.payload.length).toBe(400);
  });

  it('a write only partly taken does not close the record', () => {
    const h = new Harness();
    const tcb = h.established({ sendBuffer: 1000 }, { windowLen: 0 });
    expect(tcb.send(new Uint8Array(1500), true)).toBe(1000);
    expect(tcb.recordEnds).toEqual([]);
  });
});
