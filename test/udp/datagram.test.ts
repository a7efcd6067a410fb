import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/base/bytes.ts';
import { emitUdp, parseUdp, type UdpRepr, udpBufferLen } from '../../src/udp/datagram.ts';

// 198.18.0.1 → 198.18.0.2; the expected checksum below was computed independently with Python.
const SRC = 0xc6120001;
const DST = 0xc6120002;

function emitted(repr: UdpRepr, src = SRC, dst = DST): Uint8Array {
  const bytes = new Uint8Array(udpBufferLen(repr)).fill(0xa5);
  emitUdp(repr, bytes, 0, src, dst);
  return bytes;
}

function blank(): UdpRepr {
  return { srcPort: 0, dstPort: 0, payload: new Uint8Array(0) };
}

describe('UDP datagram', () => {
  it('emits every field (0xa5 pre-fill shows any byte left unwritten)', () => {
    const bytes = emitted({ srcPort: 53921, dstPort: 53, payload: new TextEncoder().encode('hello') });
    expect(bytes).toEqual(fromHex('d2a1 0035 000d 5d03 68656c6c6f'));
  });

  it('round-trips parse → emit → same bytes, at an offset inside a larger buffer', () => {
    fc.assert(
      fc.property(
        fc.nat(0xffff),
        fc.nat(0xffff),
        fc.uint8Array({ maxLength: 1500 }),
        fc.nat(13),
        (sp, dp, payload, at) => {
          const bytes = emitted({ srcPort: sp, dstPort: dp, payload });
          const outer = new Uint8Array(bytes.length + 32);
          outer.set(bytes, at);
          const repr = blank();
          expect(parseUdp(outer, at, bytes.length, SRC, DST, repr)).toBeUndefined();
          expect(repr.srcPort).toBe(sp);
          expect(repr.dstPort).toBe(dp);
          expect(Array.from(repr.payload)).toEqual(Array.from(payload));
          expect(emitted(repr)).toEqual(bytes);
        },
      ),
    );
  });

  it('names each malformation and never throws', () => {
    const good = emitted({ srcPort: 1, dstPort: 2, payload: new Uint8Array([1, 2, 3]) });
    expect(parseUdp(good, 0, 7, SRC, DST, blank())).toBe('udp.truncated');
    const longer = good.slice();
    longer[5] = 99;
    expect(parseUdp(longer, 0, longer.length, SRC, DST, blank())).toBe('udp.bad-length');
    const corrupt = good.slice();
    corrupt[9] ^= 0xff;
    expect(parseUdp(corrupt, 0, corrupt.length, SRC, DST, blank())).toBe('udp.bad-checksum');
    expect(parseUdp(corrupt, 0, corrupt.length, SRC, DST, blank(), true)).toBeUndefined();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (junk) => {
        const result = parseUdp(junk, 0, junk.length, SRC, DST, blank());
        expect([undefined, 'udp.truncated', 'udp.bad-length', 'udp.bad-checksum']).toContain(result);
      }),
    );
  });

  it('treats a zero checksum as "not computed" and never emits zero', () => {
    const bytes = emitted({ srcPort: 7, dstPort: 7, payload: new Uint8Array([0]) });
    bytes[6] = 0;
    bytes[7] = 0;
    expect(parseUdp(bytes, 0, bytes.length, SRC, DST, blank())).toBeUndefined();
    fc.assert(
      fc.property(fc.nat(0xffff), fc.nat(0xffff), fc.uint8Array({ maxLength: 8 }), (sp, dp, payload) => {
        const out = emitted({ srcPort: sp, dstPort: dp, payload });
        expect((out[6]! << 8) | out[7]!).not.toBe(0);
      }),
    );
  });
});
