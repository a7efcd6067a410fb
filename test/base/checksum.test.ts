import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksum, fold, pseudoHeaderSum, sum16, updateChecksum } from '../../src/base/checksum.ts';

/** The textbook byte-pair loop of RFC 1071 §4.1, as the reference. */
function referenceSum(bytes: Uint8Array, offset: number, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i += 2) {
    sum += (bytes[offset + i]! << 8) | (i + 1 < length ? bytes[offset + i + 1]! : 0);
  }
  return fold(sum);
}

describe('checksum', () => {
  it('matches the RFC 1071 §3 worked example', () => {
    // 00 01 f2 03 f4 f5 f6 f7 → sum ddf2, checksum 220d.
    const bytes = new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
    expect(sum16(bytes, 0, 8)).toBe(0xddf2);
    expect(checksum(bytes, 0, 8)).toBe(0x220d);
  });

  it('verifies a real IPv4 header to zero', () => {
    const header = new Uint8Array([
      0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0,
      0xa8, 0x00, 0xc7,
    ]);
    expect(checksum(header, 0, 20)).toBe(0);
  });

  it('agrees with the byte-pair reference at every offset and length into a shared buffer', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 3000 }),
        fc.nat(7),
        fc.nat(7),
        (data, shift, trim) => {
          // Place the data at an arbitrary offset inside a larger ArrayBuffer, as pooled Buffers are.
          const backing = new Uint8Array(data.length + 16);
          backing.set(data, shift);
          const view = backing.subarray(1);
          const offset = Math.max(0, shift - 1);
          const length = Math.max(0, data.length - trim);
          expect(sum16(view, offset, length)).toBe(referenceSum(view, offset, length));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('stays exact over an input of several chunks of all-ones words (the largest sums)', () => {
    const bytes = new Uint8Array(20 * 1024 * 1024 + 6).fill(0xff);
    bytes[3] = 0x12;
    expect(sum16(bytes, 1, bytes.length - 1)).toBe(referenceSum(bytes, 1, bytes.length - 1));
  });

  it('adds an initial partial sum such as the pseudo-header', () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    const pseudo = pseudoHeaderSum(0xc6120001, 0xc6120002, 6, 5);
    expect(sum16(bytes, 0, 5, pseudo)).toBe(fold(referenceSum(bytes, 0, 5) + pseudo));
  });

  it('RFC 1624 incremental update equals a full recomputation', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 60 }),
        fc.nat(9),
        fc.nat(0xffff),
        (data, field, value) => {
          const bytes = new Uint8Array(data.length & ~1);
          bytes.set(data.subarray(0, bytes.length));
          const at = field * 2;
          bytes[10] = 0;
          bytes[11] = 0;
          if (at === 10) return;
          const before = checksum(bytes, 0, bytes.length);
          const oldValue = (bytes[at]! << 8) | bytes[at + 1]!;
          bytes[at] = value >>> 8;
          bytes[at + 1] = value & 0xff;
          const recomputed = checksum(bytes, 0, bytes.length);
          const updated = updateChecksum(before, oldValue, value);
          // 0x0000 and 0xffff are the same one's-complement number (RFC 1624 §3).
          expect(fold(updated) % 0xffff).toBe(fold(recomputed) % 0xffff);
        },
      ),
    );
  });
});
