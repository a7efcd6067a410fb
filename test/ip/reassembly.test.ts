import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FragmentHeader, Reassembler } from '../../src/ip/reassembly.ts';

function header(offset: number, more: boolean, identification = 1): FragmentHeader {
  return {
    srcAddr: 0xc6120001,
    dstAddr: 0xc6120002,
    protocol: 17,
    identification,
    fragmentOffset: offset,
    moreFragments: more,
  };
}

function payload(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);
}

describe('Reassembler', () => {
  it('reassembles fragments arriving in any order, byte-exact', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8000 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer(),
        (size, unit, seed) => {
          const data = payload(size, seed);
          const step = unit * 8;
          const pieces: Array<[FragmentHeader, Uint8Array]> = [];
          for (let at = 0; at < size; at += step) {
            pieces.push([header(at, at + step < size), data.subarray(at, Math.min(size, at + step))]);
          }
          const order = fc.sample(fc.shuffledSubarray(pieces, { minLength: pieces.length }), {
            seed,
            numRuns: 1,
          })[0]!;
          const r = new Reassembler();
          let result: ReturnType<Reassembler['add']>;
          for (const [h, p] of order) result = r.add(0, h, p);
          expect(result).toEqual({ complete: data });
          expect(r.bytesHeld).toBe(0);
          expect(r.datagramsInProgress).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('drops the whole datagram on overlapping fragments', () => {
    const r = new Reassembler();
    expect(r.add(0, header(0, true), payload(16, 1))).toBeUndefined();
    expect(r.add(0, header(8, true), payload(16, 1))).toEqual({ drop: 'ipv4.frag-overlap' });
    expect(r.bytesHeld).toBe(0);
  });

  it('rejects datagrams past 65535 bytes and non-final fragments that are not multiples of 8', () => {
    const r = new Reassembler();
    expect(r.add(0, header(65528, false), payload(16, 0))).toEqual({ drop: 'ipv4.frag-too-big' });
    expect(r.add(0, header(0, true), payload(12, 0))).toEqual({ drop: 'ipv4.frag-bad-length' });
  });

  it('stays under its memory cap by evicting the oldest datagrams', () => {
    let evicted = 0;
    const r = new Reassembler({ maxBytes: 4096, timeout: 30_000_000 }, () => evicted++);
    for (let id = 0; id < 100; id++) {
      r.add(0, header(0, true, id), payload(1024, id));
      expect(r.bytesHeld).toBeLessThanOrEqual(4096);
    }
    expect(r.datagramsInProgress).toBe(4);
    expect(evicted).toBe(96);
    expect(r.add(0, header(0, true, 999), payload(8192, 0))).toEqual({ drop: 'ipv4.frag-memory' });
  });

  it('drops a last fragment that ends before data already held', () => {
    const r = new Reassembler();
    expect(r.add(0, header(16, true), payload(8, 0))).toBeUndefined();
    expect(r.add(0, header(8, false), payload(8, 0))).toEqual({ drop: 'ipv4.frag-overlap' });
    expect(r.add(0, header(16, true, 2), payload(8, 0))).toBeUndefined();
    expect(r.add(0, header(0, false, 2), new Uint8Array(0))).toEqual({ drop: 'ipv4.frag-overlap' });
    expect(r.bytesHeld).toBe(0);
  });

  it('expires incomplete datagrams at their deadline', () => {
    const discarded: string[] = [];
    const r = new Reassembler({ maxBytes: 1 << 20, timeout: 1000 }, (reason) => discarded.push(reason));
    r.add(0, header(0, true), payload(8, 0));
    expect(r.pollAt()).toBe(1000);
    expect(r.expire(999)).toBe(0);
    expect(r.expire(1000)).toBe(1);
    expect(r.bytesHeld).toBe(0);
    expect(discarded).toEqual(['ipv4.reasm-timeout']);
    expect(r.pollAt()).toBeUndefined();
  });
});
