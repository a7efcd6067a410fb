import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Duration, type Instant, millis, seconds } from '../../src/base/time.ts';
import {
  type CongestionConfig,
  type CongestionControl,
  createCongestionControl,
} from '../../src/tcp/congestion/congestion.ts';
import { Cubic } from '../../src/tcp/congestion/cubic.ts';
import { INITIAL_SSTHRESH } from '../../src/tcp/congestion/loss-based.ts';
import { NewReno } from '../../src/tcp/congestion/newreno.ts';

const MSS = 1000;
const CONFIG: CongestionConfig = {
  mss: MSS,
  initialWindowSegments: 10,
  restartAfterIdle: true,
  slowStartLimitSegments: 2,
};

/**
 * One round trip of a sender that keeps its whole window in flight: the window sent at `start` is
 * acknowledged in `ackSize` pieces spread evenly over the next `rtt`. Returns the time the round ends.
 */
function round(cc: CongestionControl, start: Instant, rtt: Duration, ackSize = 2 * MSS): Instant {
  const window = cc.cwnd;
  const acks = Math.ceil(window / ackSize);
  let remaining = window;
  for (let i = 1; i <= acks; i++) {
    const acked = Math.min(ackSize, remaining);
    remaining -= acked;
    // After each ACK the sender refills its window, so before the next ACK cwnd − acked is in flight.
    cc.onAck(start + (i * rtt) / acks, acked, cc.cwnd - acked, rtt);
  }
  return start + rtt;
}

function segments(cc: CongestionControl): number {
  return cc.cwnd / MSS;
}

describe('createCongestionControl', () => {
  it('builds the named algorithm with IW = initialWindowSegments·SMSS and a huge ssthresh (RFC 5681 §3.1)', () => {
    const reno = createCongestionControl('newreno', CONFIG);
    const cubic = createCongestionControl('cubic', CONFIG);
    expect(reno).toBeInstanceOf(NewReno);
    expect(cubic).toBeInstanceOf(Cubic);
    expect([reno.name, cubic.name]).toEqual(['newreno', 'cubic']);
    for (const cc of [reno, cubic]) {
      expect(cc.cwnd).toBe(10 * MSS);
      expect(cc.ssthresh).toBe(INITIAL_SSTHRESH);
    }
    expect(INITIAL_SSTHRESH).toBe(65535 << 14);
    expect(() => createCongestionControl('cubic', { ...CONFIG, mss: 0 })).toThrow(RangeError);
  });
});

describe.each(['newreno', 'cubic'] as const)('%s: the parts shared with Reno', (name) => {
  it('slow start doubles per RTT with delayed ACKs, growing at most 2·SMSS per ACK (RFC 3465 L=2)', () => {
    const cc = createCongestionControl(name, CONFIG);
    let now = 0;
    for (const expected of [20, 40, 80, 160]) {
      now = round(cc, now, millis(50));
      expect(segments(cc)).toBe(expected);
    }
    // A stretch ACK for 10 segments still adds only 2·SMSS.
    cc.onAck(now, 10 * MSS, cc.cwnd - 10 * MSS, millis(50));
    expect(segments(cc)).toBe(162);
  });

  it('with slowStartLimitSegments unbounded (the Linux profile) a stretch ACK adds every segment it covers', () => {
    const cc = createCongestionControl(name, { ...CONFIG, slowStartLimitSegments: Number.POSITIVE_INFINITY });
    cc.onAck(0, 10 * MSS, 0, millis(50));
    expect(segments(cc)).toBe(20);
  });

  it('does not grow while application- or receiver-limited (RFC 7661, RFC 9438 §5.8)', () => {
    const cc = createCongestionControl(name, CONFIG);
    // Two segments in flight out of a ten-segment window.
    for (let i = 0; i < 50; i++) cc.onAck(millis(i), MSS, MSS, millis(10));
    expect(segments(cc)).toBe(10);
  });

  it('on loss sets ssthresh from FlightSize with a 2·SMSS floor and cwnd = ssthresh', () => {
    const cc = createCongestionControl(name, CONFIG);
    const beta = name === 'cubic' ? 0.7 : 0.5;
    cc.onLossDetected(0, 40 * MSS);
    expect(cc.ssthresh).toBe(40 * MSS * beta);
    expect(cc.cwnd).toBe(cc.ssthresh);
    cc.onLossDetected(0, MSS);
    expect(cc.ssthresh).toBe(2 * MSS);
    expect(cc.cwnd).toBe(2 * MSS);
  });

  it('ends recovery with min(ssthresh, max(FlightSize, SMSS) + SMSS) (RFC 6582 §3.2 step 3)', () => {
    const cc = createCongestionControl(name, CONFIG);
    cc.onLossDetected(0, 40 * MSS);
    const ssthresh = cc.ssthresh;
    cc.onRecoveryEnd(0, 3 * MSS);
    expect(cc.cwnd).toBe(4 * MSS);
    cc.onRecoveryEnd(0, 0);
    expect(cc.cwnd).toBe(2 * MSS);
    cc.onRecoveryEnd(0, 100 * MSS);
    expect(cc.cwnd).toBe(ssthresh);
  });

  it('on RTO drops to the loss window and holds ssthresh across repeated timeouts (RFC 5681 §3.1)', () => {
    const cc = createCongestionControl(name, CONFIG);
    cc.onRetransmitTimeout(0, 20 * MSS);
    const ssthresh = cc.ssthresh;
    expect(ssthresh).toBe(name === 'cubic' ? 14 * MSS : 10 * MSS);
    expect(cc.cwnd).toBe(MSS);
    cc.onRetransmitTimeout(seconds(1), MSS);
    expect(cc.ssthresh).toBe(ssthresh);
    expect(cc.cwnd).toBe(MSS);
    // Slow start back to ssthresh, stopping exactly there.
    let now = seconds(3);
    while (cc.cwnd < ssthresh) {
      now += millis(5);
      cc.onAck(now, 2 * MSS, cc.cwnd - 2 * MSS, millis(50));
    }
    expect(cc.cwnd).toBe(ssthresh);
    // A new ACK arrived, so the next timeout computes ssthresh afresh.
    cc.onRetransmitTimeout(now, 6 * MSS);
    expect(cc.ssthresh).toBe(name === 'cubic' ? 4200 : 3000);
  });

  it('restarts from min(IW, cwnd) after idle only when configured (RFC 5681 §4.1)', () => {
    const restarting = createCongestionControl(name, CONFIG);
    const keeping = createCongestionControl(name, { ...CONFIG, restartAfterIdle: false });
    for (const cc of [restarting, keeping]) {
      round(cc, 0, millis(50));
      round(cc, millis(50), millis(50));
      cc.onIdle(seconds(10), seconds(1));
    }
    expect(segments(restarting)).toBe(10);
    expect(segments(keeping)).toBe(40);
    const small = createCongestionControl(name, CONFIG);
    small.onRetransmitTimeout(0, 20 * MSS);
    small.onIdle(seconds(10), seconds(1));
    expect(small.cwnd).toBe(MSS);
  });

  it('keeps windows in segments when the MSS changes', () => {
    const cc = createCongestionControl(name, { ...CONFIG, mss: 536 });
    cc.setMss(1460);
    expect(cc.cwnd).toBe(14600);
    expect(cc.ssthresh).toBe(INITIAL_SSTHRESH);
    cc.onLossDetected(0, 20 * 1460);
    const ssthreshSegments = cc.ssthresh / 1460;
    cc.setMss(1000);
    expect(cc.ssthresh).toBe(Math.floor(ssthreshSegments * 1000));
    expect(() => cc.setMss(-5)).toThrow(RangeError);
  });

  it('keeps cwnd ≥ 1 SMSS and ssthresh ≥ 2 SMSS through any event sequence', () => {
    const event = fc.oneof(
      fc.record({ kind: fc.constant('ack' as const), acked: fc.integer({ min: 1, max: 20 * MSS }) }),
      fc.record({ kind: fc.constant('loss' as const), flight: fc.nat(100 * MSS) }),
      fc.record({ kind: fc.constant('recovered' as const), flight: fc.nat(100 * MSS) }),
      fc.record({ kind: fc.constant('rto' as const), flight: fc.nat(100 * MSS) }),
      fc.record({ kind: fc.constant('idle' as const) }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(event, fc.nat(millis(500))), { maxLength: 80 }), (events) => {
        const cc = createCongestionControl(name, CONFIG);
        let now = 0;
        for (const [e, gap] of events) {
          now += gap;
          if (e.kind === 'ack') cc.onAck(now, e.acked, cc.cwnd, millis(20));
          else if (e.kind === 'loss') cc.onLossDetected(now, e.flight);
          else if (e.kind === 'recovered') cc.onRecoveryEnd(now, e.flight);
          else if (e.kind === 'rto') cc.onRetransmitTimeout(now, e.flight);
          else cc.onIdle(now, seconds(1));
          expect(cc.cwnd).toBeGreaterThanOrEqual(MSS);
          expect(cc.ssthresh).toBeGreaterThanOrEqual(2 * MSS);
          expect(Number.isInteger(cc.cwnd)).toBe(true);
        }
      }),
    );
  });
});

describe('NewReno', () => {
  it('grows about one SMSS per RTT in congestion avoidance (RFC 5681 §3.1, RFC 3465 §2.1)', () => {
    const cc = new NewReno(CONFIG);
    cc.onLossDetected(0, 40 * MSS);
    expect(segments(cc)).toBe(20);
    let now = 0;
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      now = round(cc, now, millis(50));
      seen.push(segments(cc));
    }
    expect(seen).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
  });

  it('counts bytes, not ACKs: one ACK per segment grows the same as one per two', () => {
    const perSegment = new NewReno(CONFIG);
    const perTwo = new NewReno(CONFIG);
    for (const cc of [perSegment, perTwo]) cc.onLossDetected(0, 40 * MSS);
    let a = 0;
    let b = 0;
    for (let i = 0; i < 10; i++) {
      a = round(perSegment, a, millis(50), MSS);
      b = round(perTwo, b, millis(50), 2 * MSS);
    }
    expect(perSegment.cwnd).toBe(perTwo.cwnd);
  });
});

describe('CUBIC (RFC 9438)', () => {
  /** A CUBIC flow whose first loss happens at a window of `segmentsAtLoss`, left in congestion avoidance. */
  function afterLoss(segmentsAtLoss: number): Cubic {
    const cc = new Cubic({ ...CONFIG, initialWindowSegments: segmentsAtLoss });
    cc.onLossDetected(0, segmentsAtLoss * MSS);
    cc.onRecoveryEnd(0, cc.cwnd);
    return cc;
  }

  const W = (t: number, k: number, wMax: number): number => 0.4 * (t - k) ** 3 + wMax;

  it('reduces by β = 0.7 and computes K = ∛(W_max·(1 − β)/C) (eq. 2)', () => {
    const cc = afterLoss(100);
    expect(segments(cc)).toBe(70);
    expect(cc.wMax).toBe(100);
    // The stage starts at the first ACK in congestion avoidance.
    cc.onAck(0, MSS, cc.cwnd - MSS, millis(100));
    expect(cc.k).toBeCloseTo(Math.cbrt(75), 12);
    expect(cc.k).toBeCloseTo(4.2172, 4);
  });

  it('follows W_cubic(t) = C·(t − K)³ + W_max: concave up to W_max at t = K, convex beyond', () => {
    // W_max = 1000 segments and a 100 ms RTT keep W_est (about 5 segments/s) below the curve for 15 s.
    const cc = afterLoss(1000);
    const rtt = millis(100);
    const k = Math.cbrt(750);
    let now = 0;
    let worst = 0;
    while (now < seconds(15)) {
      now = round(cc, now, rtt);
      // Each ACK aims at W_cubic(t + RTT), so by the end of a round cwnd has reached about W_cubic(t).
      const expected = W(now / 1e6, k, 1000);
      worst = Math.max(worst, Math.abs(segments(cc) - expected) / expected);
      expect(cc.wEst).toBeLessThan(segments(cc));
    }
    expect(worst).toBeLessThan(0.002);
    expect(segments(cc)).toBeGreaterThan(1080);
  });

  it('never grows more than 1.5× per RTT (the target bound of §4.2)', () => {
    // With a 5 s RTT, W_cubic(t + RTT) runs far ahead of cwnd: the bound is what limits growth.
    const cc = afterLoss(100);
    let now = 0;
    let fastest = 0;
    for (let i = 0; i < 8; i++) {
      const before = cc.cwnd;
      now = round(cc, now, seconds(5));
      // cwnd reads whole bytes, so `before` may be up to a byte below the window the bound applied to.
      expect(cc.cwnd).toBeLessThanOrEqual(1.5 * (before + 1));
      fastest = Math.max(fastest, cc.cwnd / before);
    }
    expect(fastest).toBeGreaterThan(1.49);
  });

  it('applies fast convergence: a loss below W_max sets W_max = cwnd·(1 + β)/2 (§4.7)', () => {
    const cc = afterLoss(100);
    let now = 0;
    for (let i = 0; i < 10; i++) now = round(cc, now, millis(100));
    const cwnd = cc.cwnd / MSS;
    expect(cwnd).toBeLessThan(100);
    cc.onLossDetected(now, cc.cwnd);
    // cwnd reads whole bytes; inside, CUBIC keeps the fraction.
    expect(cc.wMax).toBeCloseTo((cwnd * 1.7) / 2, 2);
    // A loss above W_max remembers cwnd itself.
    const grown = afterLoss(20);
    now = 0;
    while (grown.cwnd < 25 * MSS) now = round(grown, now, millis(10));
    const at = grown.cwnd / MSS;
    grown.onLossDetected(now, grown.cwnd);
    expect(grown.wMax).toBeCloseTo(at, 2);
  });

  it('grows like Reno in the Reno-friendly region: α_cubic ≈ 0.53 per RTT up to cwnd_prior, then 1 (§4.3)', () => {
    // With a 1 ms RTT, W_cubic barely moves while W_est grows per ACK.
    const cc = afterLoss(20);
    expect(segments(cc)).toBe(14);
    let now = 0;
    for (let i = 0; i < 10; i++) now = round(cc, now, millis(1));
    expect(segments(cc)).toBeGreaterThan(14 + 10 * 0.529 - 0.3);
    expect(segments(cc)).toBeLessThan(14 + 10 * 0.529 + 0.3);
    while (cc.wEst < 20) now = round(cc, now, millis(1));
    const at = cc.wEst;
    for (let i = 0; i < 10; i++) now = round(cc, now, millis(1));
    expect(cc.wEst - at).toBeGreaterThan(9.5);
    expect(cc.wEst - at).toBeLessThan(10.5);
    expect(cc.cwnd).toBe(Math.floor(cc.wEst * MSS));
  });

  it('after a timeout starts congestion avoidance with K = 0 and W_max = cwnd_epoch (§4.8)', () => {
    const cc = afterLoss(100);
    cc.onRetransmitTimeout(0, 100 * MSS);
    expect(cc.cwnd).toBe(MSS);
    expect(cc.wMax).toBeUndefined();
    let now = 0;
    while (cc.cwnd < cc.ssthresh) {
      now += millis(5);
      cc.onAck(now, 2 * MSS, cc.cwnd - 2 * MSS, millis(100));
    }
    const epochWindow = segments(cc);
    cc.onAck(now, MSS, cc.cwnd - MSS, millis(100));
    expect(cc.k).toBe(0);
    expect(cc.wMax).toBe(epochWindow);
  });

  it('leaves application-limited and idle time out of t (§4.2, §5.8)', () => {
    const busy = afterLoss(100);
    const paused = new Cubic({ ...CONFIG, initialWindowSegments: 100, restartAfterIdle: false });
    paused.onLossDetected(0, 100 * MSS);
    paused.onRecoveryEnd(0, paused.cwnd);
    const rtt = millis(100);
    let a = 0;
    let b = 0;
    for (let i = 0; i < 5; i++) {
      a = round(busy, a, rtt);
      b = round(paused, b, rtt);
    }
    // The paused flow sends little for 3 s (ACKs arrive, its window is unused), then idles for 20 s.
    for (let i = 1; i <= 30; i++) paused.onAck(b + i * rtt, MSS, 0, rtt);
    b += seconds(23);
    paused.onIdle(b, seconds(1));
    expect(paused.cwnd).toBe(busy.cwnd);
    // Had those 23 s counted, W_cubic would be far past the 1.5×-per-RTT bound; instead the curve continues
    // exactly where it paused.
    for (let i = 0; i < 5; i++) {
      a = round(busy, a, rtt);
      b = round(paused, b, rtt);
    }
    expect(Math.abs(paused.cwnd - busy.cwnd)).toBeLessThanOrEqual(1);
  });
});
