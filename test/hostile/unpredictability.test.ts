// Statistical checks that an off-path attacker cannot predict initial sequence numbers (RFC 6528) or
// ephemeral ports (RFC 6056 algorithm 4) of connections it is not party to. Fixed seeds keep the checks
// deterministic; the thresholds are the 0.1% tail of the distributions a uniform source would give.

import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/base/rng.ts';
import { DEFAULT_EPHEMERAL_RANGE, EphemeralPorts } from '../../src/tcp/ephemeral-ports.ts';
import { IsnGenerator } from '../../src/tcp/isn.ts';
import { PEER, US } from './wire.ts';

const SAMPLES = 20_000;
/** χ² with 15 degrees of freedom exceeds 37.70 with probability 0.1%. */
const CHI2_15_P001 = 37.7;

function secret(seed: number): Uint8Array {
  const rng = new SeededRng(seed);
  return Uint8Array.from({ length: 16 }, () => rng.nextU32() & 0xff);
}

/** χ² of `values` (each in [0, range)) over 16 equal bins. */
function chiSquare16(values: number[], range: number): number {
  const bins = new Array<number>(16).fill(0);
  for (const v of values) bins[Math.floor((v / range) * 16)]!++;
  const expected = values.length / 16;
  return bins.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
}

/** The largest deviation of any of the 32 bits from a 50% one-rate, in standard deviations. */
function worstBitBias(values: number[]): number {
  let worst = 0;
  const sigma = Math.sqrt(values.length / 4);
  for (let bit = 0; bit < 32; bit++) {
    let ones = 0;
    for (const v of values) ones += (v >>> bit) & 1;
    worst = Math.max(worst, Math.abs(ones - values.length / 2) / sigma);
  }
  return worst;
}

describe('ISNs (RFC 6528)', () => {
  const isn = new IsnGenerator(secret(1));
  // Successive connections from one client, one every millisecond, each from the next source port: what an
  // attacker observing its own connections sees.
  const series = Array.from({ length: SAMPLES }, (_, i) =>
    isn.isn(1000 * i, US, 80, PEER, 40000 + (i % 25000)),
  );

  it('are uniform over 2^32 and no bit is biased', () => {
    const chi2 = chiSquare16(series, 2 ** 32);
    const bias = worstBitBias(series);
    console.log(`ISN: χ²(15) = ${chi2.toFixed(1)}, worst bit bias ${bias.toFixed(2)} σ over ${SAMPLES}`);
    expect(chi2).toBeLessThan(CHI2_15_P001);
    // 32 bits at 4 σ: a uniform source crosses it with probability ~0.2%.
    expect(bias).toBeLessThan(4);
  });

  it('successive connections give unrelated ISNs: the increments are uniform too', () => {
    const deltas = series.slice(1).map((v, i) => (v - series[i]!) >>> 0);
    expect(chiSquare16(deltas, 2 ** 32)).toBeLessThan(CHI2_15_P001);
    expect(new Set(deltas).size).toBeGreaterThan(deltas.length * 0.99);
  });

  it('the same 4-tuple advances with the 4 µs clock (RFC 6528 M), another secret gives another ISN', () => {
    const a = isn.isn(0, US, 80, PEER, 40000);
    expect((isn.isn(4_000_000, US, 80, PEER, 40000) - a) >>> 0).toBe(1_000_000);
    const other = new IsnGenerator(secret(2));
    const same = series.filter((v, i) => v === other.isn(1000 * i, US, 80, PEER, 40000 + (i % 25000)));
    expect(same.length).toBe(0);
  });
});

describe('ephemeral ports (RFC 6056 algorithm 4)', () => {
  const { min, max } = DEFAULT_EPHEMERAL_RANGE;
  const count = max - min + 1;

  it('first ports towards many destinations are uniform over the range and unrelated to each other', () => {
    const ports = new EphemeralPorts(secret(3), new SeededRng(3));
    const picked = Array.from({ length: SAMPLES }, (_, i) =>
      ports.pick(US, 0xc6120000 + (i % 250) + 1, 1000 + Math.floor(i / 250), () => false),
    ) as number[];
    for (const p of picked) expect(p >= min && p <= max).toBe(true);
    const chi2 = chiSquare16(
      picked.map((p) => p - min),
      count,
    );
    const sequential = picked.slice(1).filter((p, i) => Math.abs(p - picked[i]!) <= 1).length;
    console.log(`ports: χ²(15) = ${chi2.toFixed(1)}, ${sequential} of ${SAMPLES - 1} neighbours sequential`);
    expect(chi2).toBeLessThan(CHI2_15_P001);
    // A uniform source puts consecutive picks within ±1 of each other with probability 3/28232.
    expect(sequential).toBeLessThan(10);
  });

  it('two stacks (two secrets) choose unrelated ports for the same destination', () => {
    const a = new EphemeralPorts(secret(4), new SeededRng(4));
    const b = new EphemeralPorts(secret(5), new SeededRng(5));
    let equal = 0;
    for (let i = 0; i < 2000; i++)
      if (a.pick(US, PEER, 1000 + i, () => false) === b.pick(US, PEER, 1000 + i, () => false)) equal++;
    expect(equal).toBeLessThan(5);
  });
});
