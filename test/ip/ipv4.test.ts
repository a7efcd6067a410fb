import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/base/bytes.ts';
import { checksum } from '../../src/base/checksum.ts';
import {
  blankIpv4Repr,
  emitIpv4Header,
  IPV4_HEADER_LEN,
  type Ipv4Error,
  type Ipv4Repr,
  Ipv4View,
  ipv4BufferLen,
  ipv4HeaderLen,
  parseIpv4,
} from '../../src/ip/ipv4.ts';
import { ipv4Repr } from './arbitraries.ts';
import {
  KERNEL_ECHO_REPLY,
  KERNEL_ECHO_REQUEST,
  KERNEL_LAST_FRAGMENT,
  KERNEL_PORT_UNREACHABLE,
  KERNEL_RECORD_ROUTE_REPLY,
  KERNEL_RECORD_ROUTE_REQUEST,
  SCAPY_FRAG_NEEDED,
  SCAPY_LOOSE_SOURCE_ROUTE,
  SCAPY_ROUTER_ALERT,
  SCAPY_TIME_EXCEEDED,
  TIMESTAMP_AND_ADDRESS_REPLY,
  TIMESTAMP_ONLY_REPLY,
  TIMESTAMP_PRESPECIFIED_REQUEST,
} from './ip-fixtures.ts';

const FIXTURES = {
  KERNEL_ECHO_REQUEST,
  KERNEL_ECHO_REPLY,
  KERNEL_RECORD_ROUTE_REQUEST,
  KERNEL_RECORD_ROUTE_REPLY,
  KERNEL_LAST_FRAGMENT,
  KERNEL_PORT_UNREACHABLE,
  TIMESTAMP_ONLY_REPLY,
  TIMESTAMP_AND_ADDRESS_REPLY,
  TIMESTAMP_PRESPECIFIED_REQUEST,
  SCAPY_ROUTER_ALERT,
  SCAPY_LOOSE_SOURCE_ROUTE,
  SCAPY_FRAG_NEEDED,
  SCAPY_TIME_EXCEEDED,
};

const ERRORS: (Ipv4Error | undefined)[] = [
  undefined,
  'ipv4.truncated',
  'ipv4.bad-version',
  'ipv4.bad-ihl',
  'ipv4.bad-total-length',
  'ipv4.bad-checksum',
  'ipv4.fragment-overflow',
  'ipv4.bad-options',
];

function parsed(bytes: Uint8Array, offset = 0, length = bytes.length - offset): Ipv4Repr {
  const repr = blankIpv4Repr();
  const error = parseIpv4(bytes, offset, length, repr);
  if (error) throw new Error(`${error} in ${toHex(bytes)}`);
  return repr;
}

/** The header alone, emitted at `at` inside a larger 0xa5-filled buffer. */
function emittedHeader(repr: Ipv4Repr, at = 0): Uint8Array {
  const outer = new Uint8Array(at + ipv4HeaderLen(repr) + 16).fill(0xa5);
  emitIpv4Header(repr, outer, at);
  expect(outer.subarray(at + ipv4HeaderLen(repr))).toEqual(new Uint8Array(16).fill(0xa5));
  return outer.slice(at, at + ipv4HeaderLen(repr));
}

/** A whole packet: header plus a payload of `payloadLength` counting octets. */
function packet(repr: Ipv4Repr): Uint8Array {
  const bytes = new Uint8Array(ipv4BufferLen(repr)).fill(0xa5);
  emitIpv4Header(repr, bytes, 0);
  for (let i = ipv4HeaderLen(repr); i < bytes.length; i++) bytes[i] = i & 0xff;
  return bytes;
}

function withOptions(options: number[]): Ipv4Repr {
  return { ...blankIpv4Repr(), ttl: 64, protocol: 253, options: Uint8Array.from(options), payloadLength: 4 };
}

describe('IPv4 header: real packets', () => {
  it('decodes a kernel echo request field by field', () => {
    const repr = parsed(KERNEL_ECHO_REQUEST);
    expect(repr).toEqual({
      srcAddr: 0xc6120001,
      dstAddr: 0xc6120002,
      protocol: 1,
      ttl: 64,
      tos: 0,
      identification: 0xae5a,
      dontFragment: true,
      moreFragments: false,
      fragmentOffset: 0,
      options: new Uint8Array(0),
      payloadLength: 64,
    });
    const view = new Ipv4View().wrap(KERNEL_ECHO_REQUEST);
    expect(view.check()).toBeUndefined();
    expect(view.version).toBe(4);
    expect(view.headerLength).toBe(20);
    expect(view.totalLength).toBe(84);
    expect(view.flags).toBe(0b010);
    expect(view.isFragment).toBe(false);
    expect(view.checksumField).toBe(0x0027);
    expect(view.verifyChecksum()).toBe(true);
    expect(view.payload).toEqual(KERNEL_ECHO_REQUEST.subarray(20));
  });

  it('decodes the options and the fragment fields of real packets', () => {
    const rr = new Ipv4View().wrap(KERNEL_RECORD_ROUTE_REPLY);
    expect(rr.headerLength).toBe(60);
    expect(rr.options).toHaveLength(40);
    expect(rr.options[0]).toBe(7);
    expect(parsed(KERNEL_RECORD_ROUTE_REPLY).payloadLength).toBe(64);

    const last = parsed(KERNEL_LAST_FRAGMENT);
    expect([last.fragmentOffset, last.moreFragments, last.payloadLength, last.identification]).toEqual([
      2960,
      false,
      48,
      0xaee6,
    ]);
    expect(new Ipv4View().wrap(KERNEL_LAST_FRAGMENT).isFragment).toBe(true);

    const unreachable = parsed(KERNEL_PORT_UNREACHABLE);
    expect(unreachable.tos).toBe(0xc0); // Linux sends ICMP errors as CS6 (RFC 1812 §4.3.2.5)
    expect(unreachable.payloadLength).toBe(556);
  });

  it('agrees with an independent RFC 1071 sum over every real header', () => {
    // A plain 16-bit big-endian sum with end-around carry, written out here so it shares no code with
    // src/base/checksum.ts, over the header with its checksum field zeroed.
    for (const [name, bytes] of Object.entries(FIXTURES)) {
      const headerLength = (bytes[0]! & 0x0f) * 4;
      let sum = 0;
      for (let i = 0; i < headerLength; i += 2) if (i !== 10) sum += (bytes[i]! << 8) | bytes[i + 1]!;
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      expect((~sum & 0xffff).toString(16), name).toBe(((bytes[10]! << 8) | bytes[11]!).toString(16));
      expect(checksum(bytes, 0, headerLength), name).toBe(0);
    }
  });

  it('re-emits every real header byte for byte, at an offset, into a 0xa5-filled buffer', () => {
    for (const [name, bytes] of Object.entries(FIXTURES)) {
      const at = 7;
      const outer = new Uint8Array(bytes.length + 20).fill(0xee);
      outer.set(bytes, at);
      const repr = parsed(outer, at, bytes.length);
      expect(ipv4BufferLen(repr), name).toBe(bytes.length);
      expect(toHex(emittedHeader(repr, 3)), name).toBe(toHex(bytes.subarray(0, ipv4HeaderLen(repr))));
    }
  });
});

describe('IPv4 header: emit', () => {
  it('writes every field (the 0xa5 pre-fill shows any octet left unwritten)', () => {
    const repr: Ipv4Repr = {
      srcAddr: 0xc6120001,
      dstAddr: 0xc6130002,
      protocol: 17,
      ttl: 3,
      tos: 0xb8,
      identification: 0xbeef,
      dontFragment: false,
      moreFragments: true,
      fragmentOffset: 1480,
      options: Uint8Array.from([0x94, 0x04, 0x00, 0x00, 0x01]),
      payloadLength: 100,
    };
    // Checksum worked by hand: 0x47b8+0x0080+0xbeef+0x20b9+0x0311+0xc612+0x0001+0xc613+0x0002+0x9404
    // +0x0100 = 0x34c1d → folded 0x4c20 → complemented 0xb3df. Total length 28 + 100; offset 1480 / 8 = 0xb9.
    expect(toHex(emittedHeader(repr))).toBe(
      toHex(fromHex('47b8 0080 beef 20b9 0311 b3df c6120001 c6130002 94040000 01000000')),
    );
    expect(ipv4HeaderLen(repr)).toBe(28);
    expect(ipv4BufferLen(repr)).toBe(128);
  });

  it('round-trips emit → parse → emit for any header, at an offset inside a larger buffer', () => {
    fc.assert(
      fc.property(ipv4Repr, fc.nat(13), (repr, at) => {
        const bytes = packet(repr);
        const outer = new Uint8Array(at + bytes.length + 9).fill(0x5a);
        outer.set(bytes, at);
        const back = parsed(outer, at, bytes.length);
        expect(back).toEqual(repr);
        expect(emittedHeader(back, at)).toEqual(bytes.subarray(0, ipv4HeaderLen(repr)));
      }),
    );
  });

  it('refuses a Repr no header can carry', () => {
    const base = { ...blankIpv4Repr(), payloadLength: 8 };
    const out = new Uint8Array(100);
    expect(() => emitIpv4Header({ ...base, options: new Uint8Array(41) }, out, 0)).toThrow(RangeError);
    expect(() => emitIpv4Header({ ...base, payloadLength: 65516 }, out, 0)).toThrow(RangeError);
    expect(() => emitIpv4Header({ ...base, fragmentOffset: 12 }, out, 0)).toThrow(RangeError);
    expect(() => emitIpv4Header({ ...base, fragmentOffset: 65536 }, out, 0)).toThrow(RangeError);
    expect(() => emitIpv4Header({ ...base, fragmentOffset: -8 }, out, 0)).toThrow(RangeError);
    emitIpv4Header({ ...base, fragmentOffset: 65528 }, out, 0);
    expect([out[6], out[7]]).toEqual([0x1f, 0xff]);
    expect(() =>
      emitIpv4Header({ ...base, payloadLength: 65515, options: new Uint8Array(40) }, out, 0),
    ).toThrow(RangeError);
    emitIpv4Header({ ...base, payloadLength: 65515 }, out, 0);
    expect(out[2]! * 256 + out[3]!).toBe(65535);
  });
});

describe('IPv4 header: malformed input', () => {
  const good = packet({ ...blankIpv4Repr(), ttl: 64, protocol: 17, srcAddr: 0xc6120001, payloadLength: 12 });

  /** A copy of `good` with some header octets changed and the checksum made right again. */
  function edited(changes: Record<number, number>, bytes = good): Uint8Array {
    const copy = bytes.slice();
    for (const [at, value] of Object.entries(changes)) copy[Number(at)] = value;
    const headerLength = Math.max(20, Math.min((copy[0]! & 0x0f) * 4, copy.length));
    copy[10] = 0;
    copy[11] = 0;
    const sum = checksum(copy, 0, headerLength);
    copy[10] = sum >>> 8;
    copy[11] = sum;
    return copy;
  }

  function reason(bytes: Uint8Array, length = bytes.length): Ipv4Error | undefined {
    return parseIpv4(bytes, 0, length, blankIpv4Repr());
  }

  it('names each malformation', () => {
    expect(reason(good)).toBeUndefined();
    expect(reason(good, 19)).toBe('ipv4.truncated');
    expect(reason(new Uint8Array(0))).toBe('ipv4.truncated');
    expect(reason(edited({ 0: 0x65 }))).toBe('ipv4.bad-version');
    expect(reason(edited({ 0: 0x44 }))).toBe('ipv4.bad-ihl');
    expect(reason(edited({ 0: 0x40 }))).toBe('ipv4.bad-ihl');
    // IHL 9 (36 octets) in a 32-octet packet: the header itself does not fit.
    expect(reason(edited({ 0: 0x49 }))).toBe('ipv4.truncated');
    expect(reason(edited({ 2: 0, 3: 19 }))).toBe('ipv4.bad-total-length');
    expect(reason(edited({ 2: 0, 3: 33 }))).toBe('ipv4.bad-total-length');
    expect(reason(edited({ 2: 0xff, 3: 0xff }))).toBe('ipv4.bad-total-length');
    const corrupt = good.slice();
    corrupt[8]! ^= 1;
    expect(reason(corrupt)).toBe('ipv4.bad-checksum');
    const wrongSum = good.slice();
    wrongSum[11]! ^= 0x80;
    expect(reason(wrongSum)).toBe('ipv4.bad-checksum');
  });

  it('takes a total length of exactly the header, and ignores link padding past the total length', () => {
    expect(reason(edited({ 2: 0, 3: 20 }))).toBeUndefined();
    const padded = new Uint8Array(60);
    padded.set(good);
    const repr = blankIpv4Repr();
    expect(parseIpv4(padded, 0, padded.length, repr)).toBeUndefined();
    expect(repr.payloadLength).toBe(12);
  });

  it('refuses a fragment that would end past octet 65535 (the ping of death)', () => {
    const fragment = (fragmentOffset: number, payloadLength: number) =>
      reason(
        packet({
          ...blankIpv4Repr(),
          ttl: 64,
          protocol: 1,
          moreFragments: false,
          fragmentOffset,
          payloadLength,
        }),
      );
    expect(fragment(65528, 7)).toBeUndefined();
    expect(fragment(65528, 8)).toBe('ipv4.fragment-overflow');
    expect(fragment(65000, 1480)).toBe('ipv4.fragment-overflow');
  });

  it('refuses malformed options, and checks the checksum before them', () => {
    const bad = (options: number[]) => reason(packet(withOptions(options)));
    expect(bad([0x94, 0x04, 0x00, 0x00])).toBeUndefined();
    expect(bad([0x07, 0x09, 0x04, 0x00])).toBe('ipv4.bad-options'); // record route runs past the header
    expect(bad([0x01, 0x01, 0x01, 0x83])).toBe('ipv4.bad-options'); // no room for the length octet
    expect(bad([0x83, 0x01, 0x00, 0x00])).toBe('ipv4.bad-options'); // length < 2
    const withBadOptionsAndSum = packet(withOptions([0x07, 0x09, 0x04, 0x00]));
    withBadOptionsAndSum[8]! ^= 1;
    expect(reason(withBadOptionsAndSum)).toBe('ipv4.bad-checksum');
  });

  it('never throws on random bytes, and names whatever it refuses', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (junk) => {
        expect(ERRORS).toContain(reason(junk));
      }),
    );
    // Random bytes almost never pass the checksum; random headers with a right checksum reach the checks
    // behind it.
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 80 }), fc.nat(15), (junk, ihl) => {
        junk[0] = 0x40 | ihl;
        expect(ERRORS).toContain(reason(edited({}, junk)));
      }),
    );
  });

  it('never throws on a real packet with one octet changed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.values(FIXTURES)),
        fc.nat(),
        fc.nat(255),
        fc.boolean(),
        (bytes, index, value, fixSum) => {
          const changed = bytes.slice();
          changed[index % Math.min(60, bytes.length)] = value;
          expect(ERRORS).toContain(reason(fixSum ? edited({}, changed) : changed));
        },
      ),
    );
  });
});

describe('IPv4 header: sizes', () => {
  it('pads options to a multiple of 4 octets', () => {
    for (const [options, headerLength] of [
      [0, 20],
      [1, 24],
      [3, 24],
      [4, 24],
      [5, 28],
      [40, 60],
    ] as const) {
      const repr = { ...blankIpv4Repr(), options: new Uint8Array(options), payloadLength: 10 };
      expect(ipv4HeaderLen(repr)).toBe(headerLength);
      expect(ipv4BufferLen(repr)).toBe(headerLength + 10);
    }
    expect(IPV4_HEADER_LEN).toBe(20);
  });
});
