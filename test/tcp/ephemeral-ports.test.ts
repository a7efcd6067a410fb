import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/base/rng.ts';
import { DEFAULT_EPHEMERAL_RANGE, EphemeralPorts } from '../../src/tcp/ephemeral-ports.ts';

const SECRET = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const LOCAL = 0xc6120002;
const REMOTE = 0xc6120001;
const free = (): boolean => false;

describe('EphemeralPorts (RFC 6056 Algorithm 4)', () => {
  it('is deterministic for a secret and seed, and differs with either', () => {
    const sequence = (secret: Uint8Array, seed: number): number[] => {
      const ports = new EphemeralPorts(secret, new SeededRng(seed));
      return Array.from({ length: 8 }, (_, i) => ports.pick(LOCAL, REMOTE + (i % 3), 80 + i, free)!);
    };
    expect(sequence(SECRET, 7)).toEqual(sequence(SECRET, 7));
    expect(sequence(SECRET, 8)).not.toEqual(sequence(SECRET, 7));
    const other = SECRET.slice();
    other[3] ^= 0x10;
    expect(sequence(other, 7)).not.toEqual(sequence(SECRET, 7));
  });

  it('hands one destination successive ports and covers the whole range before giving up', () => {
    const range = { min: 40000, max: 40999 };
    const ports = new EphemeralPorts(SECRET, new SeededRng(1), range);
    const taken: number[] = [];
    const inUse = (port: number): boolean => taken.includes(port);
    for (;;) {
      const port = ports.pick(LOCAL, REMOTE, 443, inUse);
      if (port === undefined) break;
      taken.push(port);
    }
    // Every port once, in order from a secret start, wrapping at the top of the range.
    const start = taken[0]!;
    expect(taken).toEqual(
      Array.from({ length: 1000 }, (_, i) => range.min + ((start - range.min + i) % 1000)),
    );
    // The default range is Linux's 32768–60999.
    const linux = new EphemeralPorts(SECRET, new SeededRng(1));
    for (let i = 0; i < 100; i++) {
      const port = linux.pick(LOCAL, REMOTE + i, 443, () => false)!;
      expect(port >= DEFAULT_EPHEMERAL_RANGE.min && port <= DEFAULT_EPHEMERAL_RANGE.max).toBe(true);
    }
    expect(DEFAULT_EPHEMERAL_RANGE).toEqual({ min: 32768, max: 60999 });
  });

  it('skips ports in use', () => {
    const range = { min: 5000, max: 5009 };
    const probe = new EphemeralPorts(SECRET, new SeededRng(2), range);
    const start = probe.pick(LOCAL, REMOTE, 80, free)!;
    const ports = new EphemeralPorts(SECRET, new SeededRng(2), range);
    const busy = new Set([start, range.min + ((start - range.min + 1) % 10)]);
    const asked: number[] = [];
    const port = ports.pick(LOCAL, REMOTE, 80, (p) => {
      asked.push(p);
      return busy.has(p);
    });
    expect(asked).toHaveLength(3);
    expect(port).toBe(range.min + ((start - range.min + 2) % 10));
  });

  it('finds the one free port wherever the per-destination counter stands', () => {
    const range = { min: 7000, max: 7009 };
    const ports = new EphemeralPorts(SECRET, new SeededRng(5), range);
    for (let i = 0; i < 100; i++) {
      const onlyFree = range.min + ((i * 7) % 10);
      expect(ports.pick(LOCAL, REMOTE, 80, (p) => p !== onlyFree)).toBe(onlyFree);
    }
  });

  it('returns undefined after trying each port exactly once when all are taken', () => {
    const range = { min: 1024, max: 1123 };
    const ports = new EphemeralPorts(SECRET, new SeededRng(3), range);
    const asked = new Set<number>();
    let calls = 0;
    const result = ports.pick(LOCAL, REMOTE, 80, (p) => {
      calls++;
      asked.add(p);
      return true;
    });
    expect(result).toBeUndefined();
    expect(calls).toBe(100);
    expect(asked.size).toBe(100);
  });

  it('starts different destinations at unrelated places in the range', () => {
    const ports = new EphemeralPorts(SECRET, new SeededRng(4));
    const starts = new Set<number>();
    for (let remotePort = 1; remotePort <= 200; remotePort++)
      starts.add(ports.pick(LOCAL, REMOTE, remotePort, free)!);
    // Sequential allocation would give 200 consecutive ports; hashed starts spread over 28232 ports.
    const sorted = [...starts].sort((a, b) => a - b);
    expect(sorted.length).toBeGreaterThan(190);
    expect(sorted.at(-1)! - sorted[0]!).toBeGreaterThan(20000);
  });

  it('rejects a bad secret or range (caller bugs)', () => {
    expect(() => new EphemeralPorts(new Uint8Array(4), new SeededRng(0))).toThrow(RangeError);
    expect(() => new EphemeralPorts(SECRET, new SeededRng(0), { min: 0, max: 10 })).toThrow(RangeError);
    expect(() => new EphemeralPorts(SECRET, new SeededRng(0), { min: 9, max: 8 })).toThrow(RangeError);
    expect(() => new EphemeralPorts(SECRET, new SeededRng(0), { min: 1, max: 65536 })).toThrow(RangeError);
  });
});
