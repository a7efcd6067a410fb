import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Assembler } from '../../src/tcp/assembler.ts';

type Op =
  | { kind: 'add'; offset: number; length: number }
  | { kind: 'removeFront' }
  | { kind: 'shift'; n: number }
  | { kind: 'clear' };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('add' as const), offset: fc.nat(60), length: fc.nat(12) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('removeFront' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('shift' as const), n: fc.nat(15) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const) }) },
);

/** Maximal runs of set bits as [start, end) pairs, in offset order. */
function runs(bitmap: boolean[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < bitmap.length; i++) {
    if (!bitmap[i]) continue;
    const start = i;
    while (bitmap[i]) i++;
    out.push([start, i]);
  }
  return out;
}

function byOffset(ranges: Array<[number, number]>): Array<[number, number]> {
  return [...ranges].sort((a, b) => a[0] - b[0]);
}

describe('Assembler', () => {
  it('matches a bitmap model, never exceeds maxRanges, and reports the latest range first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 50 }), (maxRanges, ops) => {
        const asm = new Assembler(maxRanges);
        let bitmap: boolean[] = [];
        for (const o of ops) {
          if (o.kind === 'add') {
            const next = [...bitmap];
            for (let i = o.offset; i < o.offset + o.length; i++) next[i] = true;
            const fits = runs(next).length <= maxRanges;
            expect(asm.add(o.offset, o.length)).toBe(fits);
            if (fits) bitmap = next;
            // RFC 2018 §4: the first SACK block covers the most recently received segment.
            if (fits && o.length > 0) {
              const [start, end] = asm.ranges()[0]!;
              expect(start <= o.offset && o.offset + o.length <= end).toBe(true);
            }
          } else if (o.kind === 'removeFront') {
            let run = 0;
            while (bitmap[run]) run++;
            expect(asm.removeFront()).toBe(run);
            bitmap = bitmap.slice(run);
          } else if (o.kind === 'shift') {
            asm.shift(o.n);
            bitmap = bitmap.slice(o.n);
          } else {
            asm.clear();
            bitmap = [];
          }
          expect(byOffset(asm.ranges())).toEqual(runs(bitmap));
          expect(asm.ranges().length).toBeLessThanOrEqual(maxRanges);
          expect(asm.isEmpty).toBe(runs(bitmap).length === 0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('merges overlapping and touching ranges and delivers the front run', () => {
    const asm = new Assembler(4);
    expect(asm.add(10, 5)).toBe(true);
    expect(asm.add(20, 5)).toBe(true);
    expect(asm.ranges()).toEqual([
      [20, 25],
      [10, 15],
    ]);
    // [15, 20) touches both neighbours: one range remains.
    expect(asm.add(15, 5)).toBe(true);
    expect(asm.ranges()).toEqual([[10, 25]]);
    expect(asm.removeFront()).toBe(0);
    expect(asm.add(0, 12)).toBe(true);
    expect(asm.removeFront()).toBe(25);
    expect(asm.isEmpty).toBe(true);
  });

  it('refuses a range that would need one range too many, recording nothing', () => {
    const asm = new Assembler(2);
    asm.add(10, 2);
    asm.add(20, 2);
    expect(asm.add(30, 2)).toBe(false);
    expect(asm.add(0, 2)).toBe(false);
    // Ranges that merge into existing ones still fit.
    expect(asm.add(12, 8)).toBe(true);
    expect(asm.ranges()).toEqual([[10, 22]]);
  });

  it('orders SACK blocks by recency, re-stamping a range that grows', () => {
    const asm = new Assembler(4);
    asm.add(10, 1);
    asm.add(20, 1);
    asm.add(30, 1);
    asm.add(11, 1);
    expect(asm.ranges()).toEqual([
      [10, 12],
      [30, 31],
      [20, 21],
    ]);
  });

  it('shift() trims a range that straddles the new front and keeps offsets relative to it', () => {
    const asm = new Assembler(4);
    asm.add(5, 10);
    asm.add(20, 2);
    asm.shift(8);
    expect(asm.ranges()).toEqual([
      [12, 14],
      [0, 7],
    ]);
    expect(asm.removeFront()).toBe(7);
    expect(asm.ranges()).toEqual([[5, 7]]);
  });

  it('firstOverlap() gives the first already recorded part of a range (for D-SACK, RFC 2883)', () => {
    const asm = new Assembler(4);
    asm.add(10, 10);
    asm.add(30, 10);
    expect(asm.firstOverlap(0, 10)).toBeUndefined();
    expect(asm.firstOverlap(5, 40)).toEqual([10, 20]);
    expect(asm.firstOverlap(25, 10)).toEqual([30, 35]);
    expect(asm.firstOverlap(20, 10)).toBeUndefined();
  });

  it('rejects negative or fractional ranges (a caller bug) and a zero-length add records nothing', () => {
    const asm = new Assembler(1);
    expect(() => asm.add(-1, 2)).toThrow(RangeError);
    expect(() => asm.add(0, 1.5)).toThrow(RangeError);
    expect(() => new Assembler(0)).toThrow(RangeError);
    expect(asm.add(3, 0)).toBe(true);
    expect(asm.isEmpty).toBe(true);
  });
});
