import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  seqAdd,
  seqDiff,
  seqGe,
  seqGt,
  seqInWindow,
  seqLe,
  seqLt,
  seqMax,
  seqMin,
} from '../../src/tcp/seq.ts';

const u32 = fc.nat(0xffff_ffff);
/** A distance strictly inside half the sequence space, where RFC 9293 §3.4 ordering is defined. */
const distance = fc.integer({ min: -0x7fff_ffff, max: 0x7fff_ffff });

describe('sequence arithmetic', () => {
  it('adds modulo 2^32 across the wrap', () => {
    expect(seqAdd(0xffff_fff0, 0x20)).toBe(0x10);
    expect(seqAdd(5, -10)).toBe(0xffff_fffb);
    expect(seqAdd(0xffff_ffff, 1)).toBe(0);
    expect(seqAdd(0, 0)).toBe(0);
  });

  it('measures signed distance across the wrap', () => {
    expect(seqDiff(0x10, 0xffff_fff0)).toBe(0x20);
    expect(seqDiff(0xffff_fff0, 0x10)).toBe(-0x20);
    expect(seqDiff(7, 7)).toBe(0);
    expect(seqDiff(0x7fff_ffff, 0)).toBe(0x7fff_ffff);
    expect(seqDiff(0x8000_0001, 0)).toBe(-0x7fff_ffff);
  });

  it('reports exactly half the space as +2^31 both ways and orders neither number first', () => {
    for (const [a, b] of [
      [0x8000_0000, 0],
      [0, 0x8000_0000],
      [0xffff_ffff, 0x7fff_ffff],
    ] as const) {
      expect(seqDiff(a, b)).toBe(0x8000_0000);
      expect(seqLt(a, b) || seqLe(a, b) || seqGt(a, b) || seqGe(a, b)).toBe(false);
    }
  });

  it('compares across the wrap', () => {
    expect(seqLt(0xffff_ffff, 0)).toBe(true);
    expect(seqGt(0, 0xffff_ffff)).toBe(true);
    expect(seqLe(3, 3)).toBe(true);
    expect(seqGe(3, 3)).toBe(true);
    expect(seqLt(3, 3)).toBe(false);
    expect(seqGt(3, 3)).toBe(false);
    expect(seqMax(0xffff_fffe, 2)).toBe(2);
    expect(seqMin(0xffff_fffe, 2)).toBe(0xffff_fffe);
  });

  it('tests windows that wrap, and an empty window contains nothing', () => {
    expect(seqInWindow(0xffff_fff0, 0xffff_fff0, 0x20)).toBe(true);
    expect(seqInWindow(0x0f, 0xffff_fff0, 0x20)).toBe(true);
    expect(seqInWindow(0x10, 0xffff_fff0, 0x20)).toBe(false);
    expect(seqInWindow(0xffff_ffef, 0xffff_fff0, 0x20)).toBe(false);
    expect(seqInWindow(5, 5, 0)).toBe(false);
    expect(seqInWindow(4, 5, 0x1_0000_0000)).toBe(true);
  });

  it('seqAdd and seqDiff are inverse', () => {
    fc.assert(
      fc.property(u32, distance, (a, n) => {
        expect(seqDiff(seqAdd(a, n), a)).toBe(n);
      }),
    );
    fc.assert(
      fc.property(u32, u32, (a, b) => {
        expect(seqAdd(b, seqDiff(a, b))).toBe(a);
      }),
    );
  });

  it('orders antisymmetrically and consistently within half the space', () => {
    fc.assert(
      fc.property(u32, distance, (a, n) => {
        const b = seqAdd(a, n);
        expect(seqLt(a, b)).toBe(n > 0);
        expect(seqLt(a, b) && seqLt(b, a)).toBe(false);
        expect(seqLt(a, b)).toBe(seqGt(b, a));
        expect(seqLe(a, b)).toBe(!seqGt(a, b));
        expect(seqGe(a, b)).toBe(!seqLt(a, b));
        expect(seqMax(a, b)).toBe(n > 0 ? b : a);
        expect(seqMin(a, b)).toBe(n > 0 ? a : b);
      }),
    );
  });

  it('seqInWindow agrees with the distance from the window start', () => {
    fc.assert(
      fc.property(u32, fc.nat(0xffff_ffff), fc.nat(0xffff_ffff), (start, offset, length) => {
        const x = seqAdd(start, offset);
        expect(seqInWindow(x, start, length)).toBe(offset < length);
      }),
    );
  });

  it('keeps every result an unsigned 32-bit integer', () => {
    fc.assert(
      fc.property(u32, u32, (a, b) => {
        for (const v of [seqAdd(a, b), seqMax(a, b), seqMin(a, b)]) {
          expect(v >>> 0).toBe(v);
        }
      }),
    );
  });
});
