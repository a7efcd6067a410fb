import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteRing } from '../../src/tcp/ring.ts';

function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

function contents(ring: ByteRing): number[] {
  const out = new Uint8Array(ring.length).fill(0xa5);
  ring.peek(0, ring.length, out, 0);
  return Array.from(out);
}

type Op =
  | { kind: 'write'; data: Uint8Array }
  | { kind: 'writeUnallocated'; offset: number; data: Uint8Array }
  | { kind: 'commit'; n: number }
  | { kind: 'read'; n: number }
  | { kind: 'discard'; n: number }
  | { kind: 'peek'; offset: number; len: number }
  | { kind: 'view'; offset: number; len: number }
  | { kind: 'resize'; capacity: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), data: fc.uint8Array({ maxLength: 40 }) }),
  fc.record({
    kind: fc.constant('writeUnallocated' as const),
    offset: fc.nat(40),
    data: fc.uint8Array({ maxLength: 40 }),
  }),
  fc.record({ kind: fc.constant('commit' as const), n: fc.nat(40) }),
  fc.record({ kind: fc.constant('read' as const), n: fc.nat(40) }),
  fc.record({ kind: fc.constant('discard' as const), n: fc.nat(40) }),
  fc.record({ kind: fc.constant('peek' as const), offset: fc.nat(40), len: fc.nat(40) }),
  fc.record({ kind: fc.constant('view' as const), offset: fc.nat(40), len: fc.nat(40) }),
  fc.record({ kind: fc.constant('resize' as const), capacity: fc.nat(80) }),
);

/**
 * The model: the readable bytes as a plain array, and the unallocated space after them as a sparse array
 * (undefined where nothing was parked, so committed-but-never-written bytes match anything).
 */
class Model {
  data: Array<number | undefined> = [];
  parked: Array<number | undefined> = [];
  constructor(public capacity: number) {}
  get free(): number {
    return this.capacity - this.data.length;
  }
}

function apply(ring: ByteRing, model: Model, o: Op): void {
  switch (o.kind) {
    case 'write': {
      const n = Math.min(o.data.length, model.free);
      expect(ring.write(o.data)).toBe(n);
      model.data.push(...o.data.subarray(0, n));
      model.parked = model.parked.slice(n);
      break;
    }
    case 'writeUnallocated': {
      const n = Math.max(0, Math.min(o.data.length, model.free - o.offset));
      expect(ring.writeUnallocated(o.offset, o.data)).toBe(n);
      for (let i = 0; i < n; i++) model.parked[o.offset + i] = o.data[i]!;
      break;
    }
    case 'commit': {
      if (o.n > model.free) {
        expect(() => ring.commitUnallocated(o.n)).toThrow(RangeError);
        break;
      }
      ring.commitUnallocated(o.n);
      for (let i = 0; i < o.n; i++) model.data.push(model.parked[i]);
      model.parked = model.parked.slice(o.n);
      break;
    }
    case 'read': {
      const dst = new Uint8Array(o.n).fill(0xa5);
      const n = Math.min(o.n, model.data.length);
      expect(ring.read(dst)).toBe(n);
      const expected = model.data.splice(0, n);
      expected.forEach((b, i) => {
        if (b !== undefined) expect(dst[i]).toBe(b);
      });
      expect(Array.from(dst.subarray(n))).toEqual(new Array(o.n - n).fill(0xa5));
      break;
    }
    case 'discard': {
      if (o.n > model.data.length) {
        expect(() => ring.discard(o.n)).toThrow(RangeError);
        break;
      }
      ring.discard(o.n);
      model.data.splice(0, o.n);
      break;
    }
    case 'peek': {
      // Peek at an offset inside a larger destination so writes outside [3, 3 + len) would show.
      const dst = new Uint8Array(o.len + 6).fill(0xa5);
      if (o.offset + o.len > model.data.length) {
        expect(() => ring.peek(o.offset, o.len, dst, 3)).toThrow(RangeError);
        break;
      }
      ring.peek(o.offset, o.len, dst, 3);
      model.data.slice(o.offset, o.offset + o.len).forEach((b, i) => {
        if (b !== undefined) expect(dst[3 + i]).toBe(b);
      });
      expect(Array.from(dst.subarray(0, 3))).toEqual([0xa5, 0xa5, 0xa5]);
      expect(Array.from(dst.subarray(3 + o.len))).toEqual([0xa5, 0xa5, 0xa5]);
      break;
    }
    case 'view': {
      if (o.offset + o.len > model.data.length) {
        expect(() => ring.view(o.offset, o.len)).toThrow(RangeError);
        break;
      }
      // Undefined only where the range crosses the wrap point; a peek gives the same bytes.
      const view = ring.view(o.offset, o.len);
      const peeked = new Uint8Array(o.len);
      ring.peek(o.offset, o.len, peeked, 0);
      if (view !== undefined) expect(Array.from(view)).toEqual(Array.from(peeked));
      break;
    }
    case 'resize': {
      const accepted = o.capacity >= model.data.length;
      expect(ring.resize(o.capacity)).toBe(accepted);
      if (accepted) {
        model.capacity = o.capacity;
        model.parked = model.parked.slice(0, model.free);
      }
      break;
    }
  }
  expect(ring.capacity).toBe(model.capacity);
  expect(ring.length).toBe(model.data.length);
  expect(ring.free).toBe(model.free);
}

describe('ByteRing', () => {
  it('behaves like a plain array under random operation sequences (wrap-around included)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 64 }), fc.array(op, { maxLength: 60 }), (capacity, ops) => {
        const ring = new ByteRing(capacity);
        const model = new Model(capacity);
        for (const o of ops) apply(ring, model, o);
        contents(ring).forEach((b, i) => {
          const expected = model.data[i];
          if (expected !== undefined) expect(b).toBe(expected);
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('takes only what fits and reads back across the wrap point', () => {
    const ring = new ByteRing(8);
    expect(ring.write(bytes(1, 2, 3, 4, 5, 6))).toBe(6);
    ring.discard(5);
    expect(ring.write(bytes(7, 8, 9, 10, 11, 12, 13, 14, 15))).toBe(7);
    expect(ring.free).toBe(0);
    expect(contents(ring)).toEqual([6, 7, 8, 9, 10, 11, 12, 13]);
    const dst = new Uint8Array(5);
    expect(ring.read(dst)).toBe(5);
    expect(Array.from(dst)).toEqual([6, 7, 8, 9, 10]);
    expect(contents(ring)).toEqual([11, 12, 13]);
  });

  it('parks out-of-order data past the end and commits it once the gap fills', () => {
    const ring = new ByteRing(10);
    ring.write(bytes(1, 2));
    // Segment [4, 7) arrives before [2, 4): parked 2 bytes past the end of the data.
    expect(ring.writeUnallocated(2, bytes(5, 6, 7))).toBe(3);
    expect(ring.length).toBe(2);
    // The reader drains everything in order; the parked bytes must stay where they are.
    ring.read(new Uint8Array(2));
    expect(ring.write(bytes(3, 4))).toBe(2);
    ring.commitUnallocated(3);
    expect(contents(ring)).toEqual([3, 4, 5, 6, 7]);
    // Parked data is clipped to the free space, and nothing is parked beyond it.
    expect(ring.writeUnallocated(3, bytes(1, 2, 3))).toBe(2);
    expect(ring.writeUnallocated(5, bytes(1))).toBe(0);
  });

  it('resizes keeping data and parked bytes, and refuses to shrink below the data held', () => {
    const ring = new ByteRing(6);
    ring.write(bytes(1, 2, 3, 4, 5));
    ring.discard(4);
    ring.write(bytes(6, 7));
    ring.writeUnallocated(1, bytes(9));
    expect(ring.resize(2)).toBe(false);
    expect(ring.resize(12)).toBe(true);
    expect(ring.capacity).toBe(12);
    expect(contents(ring)).toEqual([5, 6, 7]);
    expect(ring.write(bytes(8))).toBe(1);
    ring.commitUnallocated(1);
    expect(contents(ring)).toEqual([5, 6, 7, 8, 9]);
    expect(ring.resize(5)).toBe(true);
    expect(contents(ring)).toEqual([5, 6, 7, 8, 9]);
  });

  it('rejects sizes that are not non-negative integers (a caller bug, not network input)', () => {
    expect(() => new ByteRing(-1)).toThrow(RangeError);
    expect(() => new ByteRing(1.5)).toThrow(RangeError);
    expect(() => new ByteRing(4).writeUnallocated(-1, bytes(1))).toThrow(RangeError);
  });

  it('allocates its store on demand, doubling up to the capacity, and releases what is spare', () => {
    const ring = new ByteRing(1 << 20);
    expect(ring.capacity).toBe(1 << 20);
    expect(ring.allocated).toBe(4096);
    expect(ring.write(new Uint8Array(10_000).fill(3))).toBe(10_000);
    expect(ring.allocated).toBe(10_000);
    ring.writeUnallocated(20_000, Uint8Array.of(9));
    expect(ring.allocated).toBe(30_001);
    ring.discard(9_000);
    ring.releaseSpare();
    expect(ring.allocated).toBe(1_000);
    const out = new Uint8Array(1_000);
    expect(ring.read(out)).toBe(1_000);
    expect(out.every((b) => b === 3)).toBe(true);
    expect(ring.free).toBe(1 << 20);
  });
});

describe('ByteRing.view', () => {
  it('is a view of the store while the range does not wrap, and undefined when it does', () => {
    const ring = new ByteRing(8);
    ring.write(bytes(1, 2, 3, 4, 5, 6));
    ring.discard(4);
    ring.write(bytes(7, 8, 9, 10));
    expect(Array.from(ring.view(0, 4)!)).toEqual([5, 6, 7, 8]);
    expect(ring.view(2, 4)).toBeUndefined();
    expect(Array.from(ring.view(4, 2)!)).toEqual([9, 10]);
  });
});
