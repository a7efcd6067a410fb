import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seconds } from '../../src/base/time.ts';
import { IsnGenerator } from '../../src/tcp/isn.ts';

const SECRET = Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i);
const LOCAL = 0xc6120002;
const REMOTE = 0xc6120001;

describe('IsnGenerator (RFC 6528)', () => {
  it('advances with the 4 µs clock M for a fixed 4-tuple (modulo 2^32)', () => {
    const gen = new IsnGenerator(SECRET);
    const base = gen.isn(0, LOCAL, 80, REMOTE, 40000);
    expect(gen.isn(3, LOCAL, 80, REMOTE, 40000)).toBe(base);
    expect(gen.isn(4, LOCAL, 80, REMOTE, 40000)).toBe((base + 1) >>> 0);
    expect(gen.isn(seconds(1), LOCAL, 80, REMOTE, 40000)).toBe((base + 250_000) >>> 0);
    // The 32-bit counter wraps after 2^32 ticks (about 4.8 hours).
    expect(gen.isn(4 * 2 ** 32, LOCAL, 80, REMOTE, 40000)).toBe(base);
  });

  it('changes with every element of the 4-tuple', () => {
    const gen = new IsnGenerator(SECRET);
    const now = seconds(17);
    const base = gen.isn(now, LOCAL, 80, REMOTE, 40000);
    expect(gen.isn(now, LOCAL + 1, 80, REMOTE, 40000)).not.toBe(base);
    expect(gen.isn(now, LOCAL, 81, REMOTE, 40000)).not.toBe(base);
    expect(gen.isn(now, LOCAL, 80, REMOTE + 1, 40000)).not.toBe(base);
    expect(gen.isn(now, LOCAL, 80, REMOTE, 40001)).not.toBe(base);
    // Swapping the ends is a different connection too.
    expect(gen.isn(now, REMOTE, 40000, LOCAL, 80)).not.toBe(base);
  });

  it('depends on the secret, and keeps its own copy of it', () => {
    const secret = SECRET.slice();
    const gen = new IsnGenerator(secret);
    const base = gen.isn(0, LOCAL, 80, REMOTE, 40000);
    secret[0] ^= 1;
    expect(gen.isn(0, LOCAL, 80, REMOTE, 40000)).toBe(base);
    expect(new IsnGenerator(secret).isn(0, LOCAL, 80, REMOTE, 40000)).not.toBe(base);
  });

  it('spreads ISNs over the whole 32-bit space for neighbouring ports', () => {
    const gen = new IsnGenerator(SECRET);
    const buckets = new Array(16).fill(0);
    for (let port = 32768; port < 32768 + 4096; port++) buckets[gen.isn(0, LOCAL, port, REMOTE, 80) >>> 28]++;
    // 256 expected per bucket; a sequential or weak F would pile them into a few.
    for (const count of buckets) expect(count).toBeGreaterThan(180);
  });

  it('returns an unsigned 32-bit integer for any input', () => {
    const gen = new IsnGenerator(SECRET);
    fc.assert(
      fc.property(
        fc.nat(),
        fc.nat(0xffffffff),
        fc.nat(0xffff),
        fc.nat(0xffffffff),
        fc.nat(0xffff),
        (now, la, lp, ra, rp) => {
          const isn = gen.isn(now, la, lp, ra, rp);
          expect(Number.isInteger(isn) && isn >= 0 && isn <= 0xffffffff).toBe(true);
        },
      ),
    );
    expect(() => new IsnGenerator(new Uint8Array(15))).toThrow(RangeError);
  });
});
