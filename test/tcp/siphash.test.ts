import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/base/bytes.ts';
import { siphash24 } from '../../src/tcp/siphash.ts';

// The 64 SipHash-2-4 reference outputs from the authors' vectors.h (github.com/veorq/SipHash): key 00 01 … 0f,
// message i is the i bytes 00 01 … (i − 1). Each output is the 64-bit result as little-endian bytes.
const VECTORS = [
  '310e0edd47db6f72',
  'fd67dc93c539f874',
  '5a4fa9d909806c0d',
  '2d7efbd796666785',
  'b7877127e09427cf',
  '8da699cd64557618',
  'cee3fe586e46c9cb',
  '37d1018bf50002ab',
  '6224939a79f5f593',
  'b0e4a90bdf82009e',
  'f3b9dd94c5bb5d7a',
  'a7ad6b22462fb3f4',
  'fbe50e86bc8f1e75',
  '903d84c02756ea14',
  'eef27a8e90ca23f7',
  'e545be4961ca29a1',
  'db9bc2577fcc2a3f',
  '9447be2cf5e99a69',
  '9cd38d96f0b3c14b',
  'bd6179a71dc96dbb',
  '98eea21af25cd6be',
  'c7673b2eb0cbf2d0',
  '883ea3e395675393',
  'c8ce5ccd8c030ca8',
  '94af49f6c650adb8',
  'eab8858ade92e1bc',
  'f315bb5bb835d817',
  'adcf6b0763612e2f',
  'a5c91da7acaa4dde',
  '716595876650a2a6',
  '28ef495c53a387ad',
  '42c341d8fa92d832',
  'ce7cf2722f512771',
  'e37859f94623f3a7',
  '381205bb1ab0e012',
  'ae97a10fd434e015',
  'b4a31508beff4d31',
  '81396229f0907902',
  '4d0cf49ee5d4dcca',
  '5c73336a76d8bf9a',
  'd0a704536ba93e0e',
  '925958fcd6420cad',
  'a915c29bc8067318',
  '952b79f3bc0aa6d4',
  'f21df2e41d4535f9',
  '87577519048f53a9',
  '10a56cf5dfcd9adb',
  'eb75095ccd986cd0',
  '51a9cb9ecba312e6',
  '96afadfc2ce666c7',
  '72fe52975a4364ee',
  '5a1645b276d592a1',
  'b274cb8ebf87870a',
  '6f9bb4203de7b381',
  'eaecb2a30b22a87f',
  '9924a43cc1315724',
  'bd838d3aafbf8db7',
  '0b1a2a3265d51aea',
  '135079a3231ce660',
  '932b2846e4d70666',
  'e1915f5cb1eca46c',
  'f325965ca16d629f',
  '575ff28e60381be5',
  '724506eb4c328a95',
];

const KEY = Uint8Array.from({ length: 16 }, (_, i) => i);

/** The result as the little-endian bytes the reference prints. */
function littleEndianHex([hi, lo]: [number, number]): string {
  const bytes = new Uint8Array(8);
  for (let i = 0; i < 4; i++) {
    bytes[i] = lo >>> (8 * i);
    bytes[4 + i] = hi >>> (8 * i);
  }
  return toHex(bytes);
}

describe('siphash24', () => {
  it('matches all 64 reference vectors (every message length 0–63, every tail length)', () => {
    expect(VECTORS).toHaveLength(64);
    VECTORS.forEach((expected, length) => {
      const message = Uint8Array.from({ length }, (_, i) => i);
      expect(littleEndianHex(siphash24(KEY, message)), `message of ${length} bytes`).toBe(expected);
    });
  });

  it('matches the worked example of the paper (Appendix A: 15-byte message, result a129ca6149be45e5)', () => {
    const [hi, lo] = siphash24(KEY, fromHex('000102030405060708090a0b0c0d0e'));
    expect([hi.toString(16), lo.toString(16)]).toEqual(['a129ca61', '49be45e5']);
  });

  it('returns unsigned 32-bit halves and depends on every key and message bit', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.nat(),
        (key, message, pick) => {
          const [hi, lo] = siphash24(key, message);
          for (const half of [hi, lo]) {
            expect(Number.isInteger(half) && half >= 0 && half <= 0xffffffff).toBe(true);
          }
          const bit = pick % (message.length * 8);
          const flipped = message.slice();
          flipped[bit >>> 3]! ^= 1 << (bit & 7);
          expect(siphash24(key, flipped)).not.toEqual([hi, lo]);
          const otherKey = key.slice();
          otherKey[pick % 16]! ^= 1 << (pick % 8);
          expect(siphash24(otherKey, message)).not.toEqual([hi, lo]);
        },
      ),
    );
  });

  it('rejects a key that is not 16 bytes (a caller bug)', () => {
    expect(() => siphash24(new Uint8Array(8), new Uint8Array(0))).toThrow(RangeError);
  });
});
