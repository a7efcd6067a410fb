// For any impairment schedule, what the receiver reads is a prefix of what was sent, and all of it once
// both sides closed cleanly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { millis } from '../../src/base/time.ts';
import type { Impairments } from './network.ts';
import { runTransfer } from './transfer.ts';

const impairments: fc.Arbitrary<Impairments> = fc.record({
  loss: fc.double({ min: 0, max: 0.3, noNaN: true }),
  duplicate: fc.double({ min: 0, max: 0.1, noNaN: true }),
  reorder: fc.double({ min: 0, max: 0.2, noNaN: true }),
  corrupt: fc.double({ min: 0, max: 0.05, noNaN: true }),
  delay: fc.integer({ min: millis(1), max: millis(50) }),
  jitter: fc.integer({ min: 0, max: millis(20) }),
  rateBps: fc.constantFrom(0, 10e6, 100e6),
  queueBytes: fc.integer({ min: 8 * 1024, max: 256 * 1024 }),
});

describe('delivery property', () => {
  it('delivered bytes are a prefix of the sent bytes, and all of them after a clean close', () => {
    let clean = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0x7fffffff }),
        fc.integer({ min: 0, max: 256 * 1024 }),
        impairments,
        impairments,
        fc.constantFrom<'cubic' | 'newreno'>('cubic', 'newreno'),
        fc.boolean(),
        (seed, bytes, forward, reverse, congestion, options) => {
          const config = { congestion, sack: options, timestamps: options, windowScaling: options };
          const r = runTransfer({ seed, bytes, forward, reverse, config });
          expect(r.inOrder).toBe(true);
          expect(r.delivered).toBeLessThanOrEqual(bytes);
          if (r.clientError === undefined && r.serverError === undefined && r.serverState === 'CLOSED') {
            expect(r.delivered).toBe(bytes);
            clean++;
          }
        },
      ),
      { numRuns: 100, seed: 20261122 },
    );
    // The property is not vacuous: most schedules let the connection finish.
    expect(clean).toBeGreaterThan(80);
  });
});
