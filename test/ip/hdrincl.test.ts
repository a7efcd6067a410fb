import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/base/bytes.ts';
import { completeHdrinclHeader, type HdrinclContext } from '../../src/ip/hdrincl.ts';
import { blankIpv4Repr, parseIpv4 } from '../../src/ip/ipv4.ts';

// What Linux 6.18 did with three IP_HDRINCL sends: a Python raw socket (IPPROTO_RAW) in `unshare -n`
// sent each "given" packet to 198.18.0.1 on lo, and `tcpdump -i lo -w` captured the "sent" bytes.
// Protocol 253 (RFC 3692 experimentation), payload "ustack hdrincl".
const PAYLOAD = '75737461636b20686472696e636c';
const LINUX_CASES = [
  {
    what: 'total length, source and checksum zero, DF set: all filled but the ID (DF keeps it zero)',
    given: `45000000 00004000 40fd0000 00000000 c6120001 ${PAYLOAD}`,
    sent: `45000022 00004000 40fdadb8 c6120001 c6120001 ${PAYLOAD}`,
  },
  {
    what: 'wrong total length and junk checksum replaced; caller ID, source and TOS kept',
    given: `451003e7 12340000 07fddead c6120009 c6120001 ${PAYLOAD}`,
    sent: `45100022 12340000 07fd146d c6120009 c6120001 ${PAYLOAD}`,
  },
  {
    what: 'IHL 6 with a router alert option: the checksum covers the options',
    given: `46000000 00770000 01fd0000 00000000 c6120001 94040000 ${PAYLOAD}`,
    sent: `46000026 00770000 01fd9739 c6120001 c6120001 94040000 ${PAYLOAD}`,
  },
];

function context(sourceAddr = 0xc6120001, ids: number[] = []): HdrinclContext & { asked: number } {
  return {
    sourceAddr,
    asked: 0,
    nextIdentification() {
      this.asked++;
      return ids.shift() ?? 0x4242;
    },
  };
}

describe('IP_HDRINCL header completion', () => {
  it('fills in exactly what Linux filled in', () => {
    for (const { what, given, sent } of LINUX_CASES) {
      const packet = fromHex(given);
      const ctx = context();
      expect(completeHdrinclHeader(packet, ctx), what).toBeUndefined();
      expect(toHex(packet), what).toBe(toHex(fromHex(sent)));
      expect(ctx.asked, what).toBe(0);
    }
  });

  it('takes a zero ID from the IP layer when the datagram may be fragmented', () => {
    const packet = fromHex(`45000000 00000000 40fd0000 00000000 c6120001 ${PAYLOAD}`);
    const ctx = context(0xc6120002, [0xbeef]);
    expect(completeHdrinclHeader(packet, ctx)).toBeUndefined();
    expect(ctx.asked).toBe(1);
    const repr = blankIpv4Repr();
    expect(parseIpv4(packet, 0, packet.length, repr)).toBeUndefined();
    expect(repr).toMatchObject({ identification: 0xbeef, srcAddr: 0xc6120002, payloadLength: 14 });
  });

  it('always produces a header the IPv4 parser accepts, whatever the caller wrote', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 200 }),
        fc.integer({ min: 1, max: 0xffffffff }),
        (bytes, source) => {
          bytes[0] = 0x45; // version 4 and IHL 5; everything else random, options excepted
          const ctx = context(source);
          expect(completeHdrinclHeader(bytes, ctx)).toBeUndefined();
          const repr = blankIpv4Repr();
          const error = parseIpv4(bytes, 0, bytes.length, repr);
          // Only a random fragment offset can still make the result unacceptable (past octet 65535).
          if (error) expect(error).toBe('ipv4.fragment-overflow');
          else expect(repr.payloadLength).toBe(bytes.length - 20);
          expect(bytes[2]! * 256 + bytes[3]!).toBe(bytes.length);
          expect(bytes[12]! | bytes[13]! | bytes[14]! | bytes[15]!).not.toBe(0);
        },
      ),
    );
  });

  it('refuses what Linux refuses, and leaves the packet untouched', () => {
    const cases: [string, Uint8Array][] = [
      ['ipv4.truncated', fromHex('45000000 00000000 40fd0000 00000000 c61200')], // 19 octets
      ['ipv4.bad-ihl', fromHex(`44000000 00000000 40fd0000 00000000 c6120001 ${PAYLOAD}`)],
      ['ipv4.truncated', fromHex(`4f000000 00000000 40fd0000 00000000 c6120001 ${PAYLOAD}`)], // 60 > 34
      ['ipv4.bad-total-length', new Uint8Array(65536).fill(0x45, 0, 1)],
    ];
    for (const [reason, packet] of cases) {
      const before = packet.slice();
      const ctx = context();
      expect(completeHdrinclHeader(packet, ctx)).toBe(reason);
      expect(packet).toEqual(before);
      expect(ctx.asked).toBe(0);
    }
    const biggest = new Uint8Array(65535);
    biggest[0] = 0x45;
    expect(completeHdrinclHeader(biggest, context())).toBeUndefined();
    expect([biggest[2], biggest[3]]).toEqual([0xff, 0xff]);
  });
});
