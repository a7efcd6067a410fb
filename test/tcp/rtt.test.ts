import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { millis, seconds } from '../../src/base/time.ts';
import { RttEstimator } from '../../src/tcp/rtt.ts';

const LINUX = { initialRto: seconds(1), minRto: millis(200), maxRto: seconds(120) };

describe('RttEstimator (RFC 6298)', () => {
  it('uses the initial RTO before any sample (§2.1)', () => {
    const rtt = new RttEstimator(LINUX);
    expect(rtt.rto).toBe(seconds(1));
    expect(rtt.srtt).toBeUndefined();
    expect(rtt.rttvar).toBeUndefined();
    expect(rtt.minRtt).toBeUndefined();
  });

  it('follows the §2.2/§2.3 arithmetic on a worked sequence', () => {
    const rtt = new RttEstimator(LINUX);
    // §2.2: SRTT = 100 ms, RTTVAR = 50 ms, RTO = 100 + 4·50 = 300 ms.
    rtt.sample(millis(100));
    expect([rtt.srtt, rtt.rttvar, rtt.rto]).toEqual([100_000, 50_000, 300_000]);
    // §2.3 with R' = 200 ms: RTTVAR = 3/4·50 + 1/4·|100 − 200| = 62.5 ms (from the old SRTT),
    // SRTT = 7/8·100 + 1/8·200 = 112.5 ms, RTO = 112.5 + 4·62.5 = 362.5 ms.
    rtt.sample(millis(200));
    expect([rtt.srtt, rtt.rttvar, rtt.rto]).toEqual([112_500, 62_500, 362_500]);
    // R' = 50 ms: RTTVAR = 3/4·62.5 + 1/4·62.5 = 62.5 ms, SRTT = 7/8·112.5 + 1/8·50 = 104.6875 ms.
    rtt.sample(millis(50));
    expect([rtt.srtt, rtt.rttvar, rtt.rto]).toEqual([104_687.5, 62_500, 354_687.5]);
    expect(rtt.minRtt).toBe(millis(50));
  });

  it('adds at least the clock granularity G = 1 ms when RTTVAR collapses', () => {
    const rtt = new RttEstimator({ initialRto: seconds(1), minRto: 0, maxRto: seconds(60) });
    for (let i = 0; i < 200; i++) rtt.sample(millis(10));
    expect(rtt.srtt).toBe(millis(10));
    expect(rtt.rttvar).toBeLessThan(1);
    expect(rtt.rto).toBe(millis(11));
  });

  it('clamps to minRto (§2.4) and maxRto (§2.5)', () => {
    const rtt = new RttEstimator(LINUX);
    rtt.sample(millis(1));
    expect(rtt.rto).toBe(millis(200));
    const slow = new RttEstimator({ initialRto: seconds(1), minRto: seconds(1), maxRto: seconds(60) });
    slow.sample(seconds(100));
    expect(slow.rto).toBe(seconds(60));
  });

  it('doubles on each backoff up to maxRto (§5.5) and collapses on reset', () => {
    const rtt = new RttEstimator(LINUX);
    rtt.sample(millis(100));
    const seen: number[] = [];
    for (let i = 0; i < 12; i++) {
      seen.push(rtt.rto);
      rtt.backoff();
    }
    expect(seen).toEqual([0.3, 0.6, 1.2, 2.4, 4.8, 9.6, 19.2, 38.4, 76.8, 120, 120, 120].map(seconds));
    expect(rtt.backoffCount).toBe(12);
    for (let i = 0; i < 2000; i++) rtt.backoff();
    expect(rtt.rto).toBe(seconds(120));
    rtt.resetBackoff();
    expect(rtt.backoffCount).toBe(0);
    expect(rtt.rto).toBe(millis(300));
  });

  it('backs off from the minRto clamp, not from the unclamped value', () => {
    const rtt = new RttEstimator(LINUX);
    rtt.sample(millis(10));
    rtt.backoff();
    expect(rtt.rto).toBe(millis(400));
  });

  it('re-initializes RTO to 3 s after a retransmitted handshake (§5.7)', () => {
    const rtt = new RttEstimator(LINUX);
    rtt.backoff();
    rtt.backoff();
    rtt.handshakeRetransmitted();
    expect(rtt.backoffCount).toBe(0);
    expect(rtt.rto).toBe(seconds(3));
    rtt.sample(millis(100));
    expect(rtt.rto).toBe(millis(300));
  });

  it('keeps RTO within [minRto, maxRto] and SRTT within the sample range for any samples', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: seconds(200) }), { minLength: 1, maxLength: 50 }),
        fc.nat(20),
        (samples, backoffs) => {
          const rtt = new RttEstimator(LINUX);
          for (const s of samples) rtt.sample(s);
          for (let i = 0; i < backoffs; i++) rtt.backoff();
          expect(rtt.rto).toBeGreaterThanOrEqual(LINUX.minRto);
          expect(rtt.rto).toBeLessThanOrEqual(LINUX.maxRto);
          expect(rtt.srtt).toBeGreaterThanOrEqual(Math.min(...samples));
          expect(rtt.srtt).toBeLessThanOrEqual(Math.max(...samples));
          expect(rtt.minRtt).toBe(Math.min(...samples));
        },
      ),
    );
  });

  it('rejects a negative sample and an inverted clamp (caller bugs)', () => {
    expect(() => new RttEstimator(LINUX).sample(-1)).toThrow(RangeError);
    expect(() => new RttEstimator({ initialRto: 1, minRto: 2, maxRto: 1 })).toThrow(RangeError);
  });
});
