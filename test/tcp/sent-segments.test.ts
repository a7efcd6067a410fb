import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Prr } from '../../src/tcp/prr.ts';
import { sentAfter } from '../../src/tcp/rack.ts';
import { SentSegments } from '../../src/tcp/sent-segments.ts';

const BASE = 0xffff_f000; // records wrap around 2^32 in the property test

function records(s: SentSegments) {
  const out: Array<[number, number, number, string]> = [];
  for (let i = s.first; i < s.end; i++) {
    const flags = `${s.isLost(i) ? 'L' : ''}${s.isSacked(i) ? 'S' : ''}${s.isRetransmitted(i) ? 'R' : ''}`;
    out.push([s.start(i), s.endSeq(i), s.xmitTs(i), flags]);
  }
  return out;
}

describe('SentSegments', () => {
  it('appends new data, re-stamps a retransmitted range, splitting the records it cuts', () => {
    const s = new SentSegments();
    s.onSend(100, 200, 1);
    s.onSend(200, 300, 2);
    s.markLost(0);
    s.markLost(1);
    expect(s.lostBytes).toBe(200);
    s.onSend(150, 250, 5);
    expect(records(s)).toEqual([
      [100, 150, 1, 'L'],
      [150, 200, 5, 'R'],
      [200, 250, 5, 'R'],
      [250, 300, 2, 'L'],
    ]);
    expect(s.lostBytes).toBe(100);
    expect(s.firstLost()).toBe(0);
  });

  it('splits a super-segment only at whole segments for a SACK block', () => {
    const s = new SentSegments();
    s.onSend(0, 4000, 1);
    s.splitAligned(3999, 1000, true);
    expect(records(s)).toEqual([[0, 4000, 1, '']]);
    s.splitAligned(2500, 1000, true);
    s.splitAligned(3500, 1000, false);
    expect(records(s).map((r) => [r[0], r[1]])).toEqual([
      [0, 3000],
      [3000, 4000],
    ]);
  });

  it('advance drops acknowledged records, trims a straddling one and keeps the counts', () => {
    const s = new SentSegments();
    s.onSend(0, 100, 1);
    s.onSend(100, 200, 1);
    s.onSend(200, 300, 1);
    s.markSacked(1);
    s.markLost(2);
    s.advance(250);
    expect(records(s)).toEqual([[250, 300, 1, 'L']]);
    expect(s.lostBytes).toBe(50);
    expect(s.sackedCount).toBe(0);
    s.advance(300);
    expect(s.isEmpty).toBe(true);
  });

  it('keeps lostBytes and sackedCount equal to a recount under random operations (wrapping sequence)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('send' as const), len: fc.integer({ min: 1, max: 3000 }) }),
      fc.record({ kind: fc.constant('resend' as const), a: fc.nat(20_000), b: fc.nat(3000) }),
      fc.record({ kind: fc.constant('lost' as const), i: fc.nat(50) }),
      fc.record({ kind: fc.constant('sacked' as const), i: fc.nat(50) }),
      fc.record({ kind: fc.constant('advance' as const), by: fc.nat(2000) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const s = new SentSegments();
        let una = BASE;
        let max = BASE;
        let now = 0;
        for (const o of ops) {
          now++;
          const inFlight = (max - una) >>> 0;
          if (o.kind === 'send') {
            s.onSend(max, (max + o.len) >>> 0, now);
            max = (max + o.len) >>> 0;
          } else if (o.kind === 'resend' && inFlight > 0) {
            const start = (una + (o.a % inFlight)) >>> 0;
            s.onSend(start, (start + Math.min(o.b + 1, (max - start) >>> 0)) >>> 0, now);
          } else if ((o.kind === 'lost' || o.kind === 'sacked') && !s.isEmpty) {
            const i = s.first + (o.i % (s.end - s.first));
            if (o.kind === 'lost') s.markLost(i);
            else s.markSacked(i);
          } else if (o.kind === 'advance') {
            una = (una + Math.min(o.by, inFlight)) >>> 0;
            s.advance(una);
          }
          let lost = 0;
          let sacked = 0;
          let expectStart = una;
          for (let i = s.first; i < s.end; i++) {
            expect(s.start(i)).toBe(expectStart);
            expectStart = s.endSeq(i);
            if (s.isLost(i)) lost += (s.endSeq(i) - s.start(i)) >>> 0;
            if (s.isSacked(i)) sacked++;
            expect(s.isLost(i) && s.isSacked(i)).toBe(false);
          }
          if (!s.isEmpty) expect(expectStart).toBe(max);
          expect(s.lostBytes).toBe(lost);
          expect(s.sackedCount).toBe(sacked);
        }
      }),
    );
  });
});

describe('RACK_sent_after (RFC 8985 §6.2 step 1)', () => {
  it('orders by time, then by sequence number (wrapping) for the same instant', () => {
    expect(sentAfter(2, 0, 1, 100)).toBe(true);
    expect(sentAfter(1, 100, 1, 0)).toBe(true);
    expect(sentAfter(1, 5, 1, 0xffff_fff0)).toBe(true);
    expect(sentAfter(1, 0, 1, 0)).toBe(false);
  });
});

describe('PRR sndcnt (RFC 6937 §3.1)', () => {
  it('proportional while pipe > ssthresh: CEIL(prr_delivered · ssthresh / RecoverFS) − prr_out', () => {
    const prr = new Prr();
    prr.start(10_000);
    // The first retransmission goes out at once (RFC 6675 §5 (4.3)), a whole MSS.
    prr.onAck(1000, 9000, 5000, 1000, true);
    expect(prr.sendQuota).toBe(1000);
    prr.onSend(1000);
    prr.onAck(1000, 8000, 5000, 1000, true);
    expect(prr.sendQuota).toBe(0);
    prr.onAck(1000, 7000, 5000, 1000, true);
    expect(prr.sendQuota).toBe(500);
  });

  it('slow start reduction bound below ssthresh, the extra MSS only for a SafeACK', () => {
    const prr = new Prr();
    prr.start(10_000);
    prr.onSend(1000);
    prr.onAck(1000, 3000, 5000, 1000, true);
    // limit = MAX(prr_delivered − prr_out, DeliveredData) + MSS = MAX(0, 1000) + 1000.
    expect(prr.sendQuota).toBe(2000);
    prr.onSend(2000);
    prr.onAck(1000, 3000, 5000, 1000, false);
    expect(prr.sendQuota).toBe(1000);
    prr.onAck(1000, 4500, 5000, 1000, true);
    expect(prr.sendQuota).toBe(500);
  });
});
