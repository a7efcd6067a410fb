// RACK-TLP (RFC 8985), PRR (RFC 6937) and limited transmit (RFC 3042) in scripted exchanges: one
// connection with a 20 ms RTT, segments lost by leaving them out of the peer's ACKs and SACK blocks.
import { describe, expect, it } from 'vitest';
import type { Instant } from '../../src/base/time.ts';
import { millis } from '../../src/base/time.ts';
import type { TcpConfig } from '../../src/tcp/config.ts';
import { seqAdd } from '../../src/tcp/seq.ts';
import type { Tcb } from '../../src/tcp/tcb.ts';
import { Harness, PLAIN, REMOTE_ISN } from './harness/harness.ts';

const R = REMOTE_ISN;
const MSS = 1460;
const RTT = millis(20);
/** When the first flight leaves: one RTT after the SYN, which gave the RTT sample. */
const T0 = RTT;
const SACK: Partial<TcpConfig> = { ...PLAIN, sack: true };

/** An established SACK connection whose handshake measured RTT, with `segments` full segments queued. */
function connection(config: Partial<TcpConfig>, segments: number) {
  const h = new Harness(config);
  const tcb = h.connect();
  const [syn] = h.expect(0, { control: 'syn' });
  h.send(
    {
      control: 'syn',
      seqNumber: R,
      ackNumber: seqAdd(syn!.seqNumber, 1),
      windowLen: 65535,
      maxSegSize: MSS,
      sackPermitted: config.sack === true,
    },
    T0,
  );
  h.expect(undefined, { control: 'none' });
  const s = tcb.sndNxt;
  tcb.send(new Uint8Array(MSS * segments).map((_, i) => i & 0xff));
  const sent = h.recv(T0);
  /** An ACK of `ack` (segments from s) SACKing segments [from, to). */
  const ack = (at: Instant, cumulative: number, ...blocks: Array<[number, number]>) =>
    h.send(
      {
        seqNumber: R + 1,
        ackNumber: s + cumulative * MSS,
        windowLen: 65535,
        sackRanges: blocks.map(([from, to]) => [s + from * MSS, s + to * MSS]),
      },
      at,
    );
  return { h, tcb, s, sent, ack };
}

function retransmits(h: Harness, reason?: string) {
  return h.events.filter((e) => e.kind === 'retransmit' && (reason === undefined || e.reason === reason));
}

function timerAt(tcb: Tcb): Instant {
  return tcb.timer.kind === 'idle' ? Number.POSITIVE_INFINITY : tcb.timer.at;
}

describe('RACK loss detection (RFC 8985 §6)', () => {
  it('one SACKed segment: the reordering timer (min_RTT/4) retransmits the earlier one, not the RTO', () => {
    const { h, tcb, s, sent, ack } = connection(SACK, 4);
    expect(sent).toHaveLength(4);
    // Segments 0–2 lost; the last one arrives and is SACKed one RTT later.
    ack(T0 + RTT, 0, [3, 4]);
    h.expectNothing();
    expect(tcb.timer.kind).toBe('reorder');
    // remaining = xmit_ts + RACK.rtt + reo_wnd − now = reo_wnd = min_RTT / 4.
    expect(timerAt(tcb)).toBe(T0 + RTT + RTT / 4);
    h.expect(T0 + RTT + RTT / 4, { seqNumber: s, payload: new Uint8Array(MSS).map((_, i) => i & 0xff) });
    expect(tcb.recovery.inRecovery).toBe(true);
    expect(h.events.some((e) => e.kind === 'rto')).toBe(false);
  });

  it('without RACK the same ACK waits for the RTO (RFC 6675 needs DupThresh SACKed segments)', () => {
    const { h, tcb, s, ack } = connection({ ...SACK, rack: false, tlp: false }, 4);
    ack(T0 + RTT, 0, [3, 4]);
    expect(tcb.timer.kind).toBe('retransmit');
    const out = h.runUntil(T0 + millis(150));
    expect(out).toEqual([]);
    h.expect(timerAt(tcb), { seqNumber: s });
    expect(h.events.some((e) => e.kind === 'rto')).toBe(true);
  });

  it('DupThresh SACKed segments without reordering: the reordering window is 0, retransmit at once', () => {
    const { h, s, ack } = connection(SACK, 10);
    ack(T0 + RTT, 0, [1, 2]);
    ack(T0 + RTT, 0, [1, 3]);
    h.expectNothing();
    ack(T0 + RTT, 0, [1, 4]);
    const out = h.recv();
    expect(out[0]).toMatchObject({ seqNumber: s });
    expect(retransmits(h, 'sack-recovery')).toHaveLength(1);
  });

  it('a lost retransmission is found when data sent after it is SACKed, long before the RTO', () => {
    const { h, tcb, s, ack } = connection(SACK, 20);
    for (let k = 2; k <= 4; k++) ack(T0 + RTT, 0, [1, k]);
    expect(h.recv().map((seg) => seg.seqNumber)).toEqual([s]);
    // The retransmission of segment 0 is lost. The rest of the flight is SACKed and PRR sends new data.
    let next = 10;
    for (let k = 5; k <= 10; k++) {
      ack(T0 + RTT + k, 0, [1, k]);
      next += h.recv().length;
    }
    expect(next).toBeGreaterThan(10);
    // One RTT later the new data, sent after the retransmission, is SACKed: RACK marks it lost again.
    ack(T0 + 2 * RTT + 10, 0, [1, next]);
    expect(h.recv()[0]).toMatchObject({ seqNumber: s });
    expect(retransmits(h).filter((e) => e.kind === 'retransmit' && e.seq === s)).toHaveLength(2);
    expect(h.events.some((e) => e.kind === 'rto')).toBe(false);
    ack(T0 + 3 * RTT, (tcb.sndMax - s) / MSS);
    expect(tcb.recovery.inRecovery).toBe(false);
  });

  it('a D-SACK widens the reordering window, once per round trip (§6.2 step 4)', () => {
    const { tcb, s, h } = connection(SACK, 4);
    const dsack = (at: Instant) =>
      h.send({ seqNumber: R + 1, ackNumber: s + 2 * MSS, windowLen: 65535, sackRanges: [[s, s + MSS]] }, at);
    dsack(T0 + RTT);
    expect(tcb.recovery.rack.reoWndMult).toBe(2);
    dsack(T0 + RTT + 1);
    expect(tcb.recovery.rack.reoWndMult).toBe(2);
  });

  it('after an RTO only the segment at SND.UNA is resent when the rest was SACKed (no go-back-N)', () => {
    const { h, tcb, s, ack } = connection(SACK, 4);
    ack(T0 + RTT, 0, [1, 4]);
    expect(h.recv().map((seg) => seg.seqNumber)).toEqual([s]);
    // That retransmission is lost and nothing was sent after it: only the RTO can tell.
    const rtoAt = timerAt(tcb);
    expect(h.runUntil(rtoAt - 1)).toEqual([]);
    expect(h.recv(rtoAt).map((seg) => seg.seqNumber)).toEqual([s]);
    ack(rtoAt + RTT, 4);
    expect(tcb.sndUna).toBe(s + 4 * MSS);
    expect(retransmits(h)).toHaveLength(2);
  });
});

describe('tail loss probe (RFC 8985 §7)', () => {
  it('a lost tail draws a probe of the last segment after 2·SRTT, then the RTO is re-armed', () => {
    const { h, tcb, s } = connection(SACK, 4);
    expect(tcb.timer.kind).toBe('loss-probe');
    const pto = timerAt(tcb);
    expect(pto).toBe(T0 + 2 * RTT);
    h.expect(pto, { seqNumber: s + 3 * MSS });
    expect(retransmits(h, 'probe')).toHaveLength(1);
    expect(tcb.timer).toEqual({ kind: 'retransmit', at: pto + tcb.rtt.rto });
  });

  it('probes with new data when the window allows it, whatever cwnd says', () => {
    const { h, tcb, s, sent } = connection(SACK, 12);
    expect(sent).toHaveLength(10);
    h.expect(timerAt(tcb), { seqNumber: s + 10 * MSS });
    expect(retransmits(h)).toHaveLength(0);
    expect(tcb.recovery.rack.probeEndSeq).toBe(s + 11 * MSS);
  });

  it('one segment in flight: the probe also waits out a delayed ACK (WCDelAckT)', () => {
    const { tcb } = connection(SACK, 1);
    expect(timerAt(tcb)).toBe(Math.min(T0 + 2 * RTT + millis(200), T0 + tcb.rtt.rto));
  });

  it('is off with tlp: false', () => {
    const { tcb } = connection({ ...SACK, tlp: false }, 4);
    expect(tcb.timer.kind).toBe('retransmit');
  });
});

describe('PRR (RFC 6937)', () => {
  it('spreads the reduction over the recovery: about ssthresh/RecoverFS of each delivery goes out', () => {
    const { h, tcb, ack } = connection(SACK, 40);
    // Segment 0 lost; SACKs for segments 1..9 arrive one by one.
    let sentInRecovery = 0;
    for (let k = 2; k <= 10; k++) {
      ack(T0 + RTT + k, 0, [1, k]);
      if (tcb.recovery.inRecovery) sentInRecovery += h.recv().length;
      else h.recv();
    }
    // RecoverFS = 12 segments (two went out on the first duplicate ACKs), ssthresh = 6 (NewReno): the 7
    // deliveries in recovery release about 7·6/12 segments, where cwnd − pipe would have released none
    // until pipe fell below ssthresh.
    expect(tcb.cc.ssthresh).toBe(6 * MSS);
    expect(sentInRecovery).toBeGreaterThanOrEqual(3);
    expect(sentInRecovery).toBeLessThanOrEqual(5);
  });

  it('leaves recovery with cwnd = ssthresh', () => {
    const { h, tcb, ack } = connection(SACK, 10);
    for (let k = 2; k <= 4; k++) ack(T0 + RTT, 0, [1, k]);
    h.recv();
    ack(T0 + 2 * RTT, 10);
    expect(tcb.recovery.inRecovery).toBe(false);
    expect(tcb.cc.cwnd).toBe(tcb.cc.ssthresh);
  });
});

describe('limited transmit (RFC 3042)', () => {
  it('without SACK, each of the first two duplicate ACKs sends one new segment', () => {
    const { h, s, sent, ack } = connection(PLAIN, 14);
    expect(sent).toHaveLength(10);
    ack(T0 + RTT, 0);
    h.expect(undefined, { seqNumber: s + 10 * MSS });
    ack(T0 + RTT + 1, 0);
    h.expect(undefined, { seqNumber: s + 11 * MSS });
    // The third starts fast retransmit (RFC 5681 §3.2).
    ack(T0 + RTT + 2, 0);
    expect(h.recv()[0]).toMatchObject({ seqNumber: s });
  });

  it('with SACK, each duplicate ACK SACKs a segment and pipe lets exactly one new segment out', () => {
    const { h, s, ack } = connection(SACK, 14);
    ack(T0 + RTT, 0, [1, 2]);
    h.expect(undefined, { seqNumber: s + 10 * MSS });
    ack(T0 + RTT + 1, 0, [1, 3]);
    h.expect(undefined, { seqNumber: s + 11 * MSS });
  });
});
