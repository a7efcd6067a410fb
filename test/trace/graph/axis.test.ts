import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteUnit, formatTick, makeAxis, niceStep, timeUnit } from '../../../src/trace/graph/axis.ts';

describe('axis ticks', () => {
  it('steps by 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(10, 10)).toBe(1);
    expect(niceStep(0.25, 8)).toBeCloseTo(0.02, 12);
    expect(niceStep(300_000, 8)).toBe(50_000);
    expect(niceStep(0, 8)).toBe(1);
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 1e12, noNaN: true }),
        fc.integer({ min: 2, max: 20 }),
        (span, n) => {
          const step = niceStep(span, n);
          const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-12);
          expect([1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-6)).toBe(true);
          expect(span / step).toBeGreaterThan(n / 3);
          expect(span / step).toBeLessThan(n * 2);
        },
      ),
    );
  });

  it('picks units for the range: µs, ms or s; bytes, KB, MB or GB', () => {
    expect(timeUnit(0.0005).name).toBe('µs');
    expect(timeUnit(0.25).name).toBe('ms');
    expect(timeUnit(12).name).toBe('s');
    expect(byteUnit(6001).name).toBe('bytes');
    expect(byteUnit(300_000).name).toBe('KB');
    expect(byteUnit(40_000_000).name).toBe('MB');
    expect(byteUnit(5e10).name).toBe('GB');
  });

  it('covers the range with whole steps and labels ticks in the unit', () => {
    const time = makeAxis(0, 0.248259, timeUnit(0.248259));
    expect(time.step).toBeCloseTo(0.02, 12);
    expect(time.ticks.map((t) => formatTick(t, time)).join(' ')).toBe(
      '0 20 40 60 80 100 120 140 160 180 200 220 240 260',
    );
    const bytes = makeAxis(-1, 6001, byteUnit(6001));
    expect(bytes.min).toBe(-1000);
    expect(bytes.max).toBe(7000);
    expect(bytes.ticks.map((t) => formatTick(t, bytes))).toEqual([
      '-1000',
      '0',
      '1000',
      '2000',
      '3000',
      '4000',
      '5000',
      '6000',
      '7000',
    ]);
    const fine = makeAxis(0, 0.0511, timeUnit(0.0511));
    expect(fine.ticks.slice(0, 3).map((t) => formatTick(t, fine))).toEqual(['0', '5', '10']);
    const fractional = makeAxis(0, 2.2, timeUnit(2.2));
    expect(fractional.ticks.map((t) => formatTick(t, fractional)).join(' ')).toBe(
      '0.0 0.2 0.4 0.6 0.8 1.0 1.2 1.4 1.6 1.8 2.0 2.2',
    );
    // A single value still gets an axis one step wide.
    const flat = makeAxis(5, 5, byteUnit(5));
    expect(flat.max).toBeGreaterThan(flat.min);
  });
});
