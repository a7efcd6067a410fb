import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/base/bytes.ts';
import {
  DestUnreachable,
  emitIcmp,
  ICMP_PROTOCOL,
  type IcmpError,
  type IcmpRepr,
  icmpBufferLen,
  parseIcmp,
  parseQuotedDatagram,
  quoteForIcmpError,
} from '../../src/ip/icmp.ts';
import { blankIpv4Repr, emitIpv4Header, ipv4BufferLen, parseIpv4 } from '../../src/ip/ipv4.ts';
import {
  KERNEL_ECHO_REPLY,
  KERNEL_ECHO_REQUEST,
  KERNEL_PORT_UNREACHABLE,
  KERNEL_RECORD_ROUTE_REQUEST,
  SCAPY_FRAG_NEEDED,
  SCAPY_TIME_EXCEEDED,
} from './ip-fixtures.ts';

const ERRORS: IcmpError[] = ['icmp.truncated', 'icmp.bad-checksum', 'icmp.bad-code'];

/** The ICMP message inside a real packet (its IP payload). */
function icmpOf(packet: Uint8Array): Uint8Array {
  const repr = blankIpv4Repr();
  expect(parseIpv4(packet, 0, packet.length, repr)).toBeUndefined();
  expect(repr.protocol).toBe(ICMP_PROTOCOL);
  return packet.subarray(packet.length - repr.payloadLength);
}

function parsed(bytes: Uint8Array, offset = 0, length = bytes.length - offset): IcmpRepr {
  const result = parseIcmp(bytes, offset, length);
  if (typeof result === 'string') throw new Error(`${result} in ${toHex(bytes)}`);
  return result;
}

function emitted(repr: IcmpRepr, at = 0): Uint8Array {
  const outer = new Uint8Array(at + icmpBufferLen(repr) + 8).fill(0xa5);
  emitIcmp(repr, outer, at);
  expect(outer.subarray(at + icmpBufferLen(repr))).toEqual(new Uint8Array(8).fill(0xa5));
  return outer.slice(at, at + icmpBufferLen(repr));
}

const u16 = fc.nat(0xffff);
const anyIcmp: fc.Arbitrary<IcmpRepr> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('echo-request' as const, 'echo-reply' as const),
    ident: u16,
    seqNo: u16,
    data: fc.uint8Array({ maxLength: 100 }),
  }),
  fc.record({
    kind: fc.constant('dest-unreachable' as const),
    code: fc.constantFrom(...Object.values(DestUnreachable)),
    nextHopMtu: u16,
    quoted: fc.uint8Array({ maxLength: 60 }),
  }),
  fc.record({
    kind: fc.constant('time-exceeded' as const),
    code: fc.constantFrom(0 as const, 1 as const),
    quoted: fc.uint8Array({ maxLength: 60 }),
  }),
  fc.record({
    kind: fc.constant('other' as const),
    type: fc.constantFrom(4, 5, 9, 10, 12, 13, 14, 42, 255),
    code: fc.nat(255),
    rest: fc.uint8Array({ minLength: 4, maxLength: 40 }),
  }),
);

describe('ICMP: real messages', () => {
  it('decodes a kernel echo request and reply, and re-emits them byte for byte', () => {
    const request = parsed(icmpOf(KERNEL_ECHO_REQUEST));
    expect(request).toMatchObject({ kind: 'echo-request', ident: 11653, seqNo: 1 });
    expect((request as { data: Uint8Array }).data).toHaveLength(56);
    expect(parsed(icmpOf(KERNEL_ECHO_REPLY))).toMatchObject({ kind: 'echo-reply', ident: 11653, seqNo: 1 });
    for (const packet of [KERNEL_ECHO_REQUEST, KERNEL_ECHO_REPLY, KERNEL_RECORD_ROUTE_REQUEST]) {
      const icmp = icmpOf(packet);
      expect(toHex(emitted(parsed(icmp), 5))).toBe(toHex(icmp));
    }
  });

  it('answers a real echo request with the reply the kernel sent (same ICMP octets)', () => {
    const request = parsed(icmpOf(KERNEL_ECHO_REQUEST));
    if (request.kind !== 'echo-request') throw new Error(request.kind);
    const reply = emitted({ ...request, kind: 'echo-reply' });
    expect(toHex(reply)).toBe(toHex(icmpOf(KERNEL_ECHO_REPLY)));
  });

  it('decodes a kernel port unreachable and finds the socket it is about', () => {
    const icmp = icmpOf(KERNEL_PORT_UNREACHABLE);
    const repr = parsed(icmp);
    if (repr.kind !== 'dest-unreachable') throw new Error(repr.kind);
    expect([repr.code, repr.nextHopMtu, repr.quoted.length]).toEqual([DestUnreachable.PORT, 0, 548]);
    expect(parseQuotedDatagram(repr.quoted)).toMatchObject({
      srcAddr: 0xc6120001,
      dstAddr: 0xc6120002,
      protocol: 17,
      srcPort: 40003,
      dstPort: 9,
    });
    expect(toHex(emitted(repr))).toBe(toHex(icmp));
  });

  it('decodes fragmentation needed with its next-hop MTU (RFC 1191)', () => {
    const icmp = icmpOf(SCAPY_FRAG_NEEDED);
    const repr = parsed(icmp);
    expect(repr).toMatchObject({
      kind: 'dest-unreachable',
      code: DestUnreachable.FRAG_NEEDED,
      nextHopMtu: 1280,
    });
    if (repr.kind !== 'dest-unreachable') throw new Error(repr.kind);
    const quoted = parseQuotedDatagram(repr.quoted);
    expect(quoted).toMatchObject({ srcAddr: 0xc6120002, dstAddr: 0xc6130009, protocol: 17 });
    expect([quoted?.srcPort, quoted?.dstPort, quoted?.transport.length]).toEqual([40000, 53, 8]);
    expect(toHex(emitted(repr))).toBe(toHex(icmp));
  });

  it('decodes time exceeded', () => {
    const icmp = icmpOf(SCAPY_TIME_EXCEEDED);
    const repr = parsed(icmp);
    expect(repr).toMatchObject({ kind: 'time-exceeded', code: 0 });
    if (repr.kind !== 'time-exceeded') throw new Error(repr.kind);
    expect(parseQuotedDatagram(repr.quoted)).toMatchObject({ srcPort: 33434, dstPort: 33435, protocol: 17 });
    expect(toHex(emitted(repr))).toBe(toHex(icmp));
  });
});

describe('ICMP: codec', () => {
  it('writes every field of an error (the 0xa5 pre-fill shows any octet left unwritten)', () => {
    const quoted = fromHex('45000594 beef4000 4011ea38 c6120002 c6130009 9c400035 058062de');
    const bytes = emitted({ kind: 'dest-unreachable', code: 4, nextHopMtu: 1280, quoted });
    expect(toHex(bytes)).toBe(toHex(fromHex(`0304f327 00000500 ${toHex(quoted)}`)));
    expect(toHex(emitted({ kind: 'time-exceeded', code: 1, quoted: new Uint8Array(0) }))).toBe(
      '0b01f4fe00000000',
    );
    expect(toHex(emitted({ kind: 'other', type: 13, code: 0, rest: fromHex('00010002') }))).toBe(
      '0d00f2fc00010002',
    );
  });

  it('round-trips any message: emit → parse → emit, at an offset inside a larger buffer', () => {
    fc.assert(
      fc.property(anyIcmp, fc.nat(11), (repr, at) => {
        const bytes = emitted(repr);
        const outer = new Uint8Array(at + bytes.length + 5).fill(0x33);
        outer.set(bytes, at);
        const back = parsed(outer, at, bytes.length);
        expect(back).toEqual(repr);
        expect(emitted(back, at)).toEqual(bytes);
      }),
    );
  });

  it('names each malformation and never throws', () => {
    const echo = emitted({ kind: 'echo-request', ident: 1, seqNo: 2, data: Uint8Array.from([1, 2, 3]) });
    expect(parseIcmp(echo, 0, 7)).toBe('icmp.truncated');
    expect(parseIcmp(new Uint8Array(0), 0, 0)).toBe('icmp.truncated');
    const corrupt = echo.slice();
    corrupt[9]! ^= 0x40;
    expect(parseIcmp(corrupt, 0, corrupt.length)).toBe('icmp.bad-checksum');
    const withCode = (type: number, code: number) => {
      const bytes = emitted({ kind: 'other', type, code, rest: new Uint8Array(4) });
      return parseIcmp(bytes, 0, bytes.length);
    };
    expect(withCode(3, 15)).toMatchObject({ kind: 'dest-unreachable', code: 15 });
    expect(withCode(3, 16)).toBe('icmp.bad-code');
    expect(withCode(11, 1)).toMatchObject({ kind: 'time-exceeded', code: 1 });
    expect(withCode(11, 2)).toBe('icmp.bad-code');
    expect(withCode(8, 1)).toBe('icmp.bad-code');
    expect(withCode(0, 9)).toBe('icmp.bad-code');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (junk, fixSum) => {
        if (fixSum && junk.length >= 4) {
          const rest = junk.subarray(4);
          junk.set(emitted({ kind: 'other', type: junk[0]!, code: junk[1]!, rest }).subarray(0, 4));
        }
        const result = parseIcmp(junk, 0, junk.length);
        if (typeof result === 'string') expect(ERRORS).toContain(result);
        else expect(icmpBufferLen(result)).toBe(junk.length);
      }),
    );
  });
});

describe('ICMP: quoting the offending datagram', () => {
  it('quotes the IP header and the first 8 payload octets (RFC 792)', () => {
    expect(toHex(quoteForIcmpError(KERNEL_ECHO_REQUEST))).toBe(toHex(KERNEL_ECHO_REQUEST.subarray(0, 28)));
    // Options are part of the header and are quoted whole.
    expect(toHex(quoteForIcmpError(KERNEL_RECORD_ROUTE_REQUEST))).toBe(
      toHex(KERNEL_RECORD_ROUTE_REQUEST.subarray(0, 68)),
    );
  });

  it('quotes no link padding and copes with short or broken datagrams', () => {
    const repr = { ...blankIpv4Repr(), ttl: 1, protocol: 17, payloadLength: 4 };
    const padded = new Uint8Array(46).fill(0xee);
    emitIpv4Header(repr, padded, 0);
    expect(quoteForIcmpError(padded)).toEqual(padded.subarray(0, ipv4BufferLen(repr)));
    expect(quoteForIcmpError(padded.subarray(0, 10))).toEqual(padded.subarray(0, 10));
    const hugeIhl = padded.slice(0, 30);
    hugeIhl[0] = 0x4f;
    expect(quoteForIcmpError(hugeIhl)).toHaveLength(30);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (junk) => {
        expect(quoteForIcmpError(junk).length).toBeLessThanOrEqual(Math.min(junk.length, 68));
      }),
    );
  });

  it('returns a copy, since the offending packet buffer is reused', () => {
    const packet = KERNEL_ECHO_REQUEST.slice();
    const quoted = quoteForIcmpError(packet);
    packet.fill(0);
    expect(toHex(quoted)).toBe(toHex(KERNEL_ECHO_REQUEST.subarray(0, 28)));
  });

  it('reads back the endpoints of a quote, or nothing when the quote cannot name them', () => {
    const quoted = quoteForIcmpError(KERNEL_PORT_UNREACHABLE.subarray(28));
    expect(parseQuotedDatagram(quoted)).toMatchObject({ srcPort: 40003, dstPort: 9 });
    expect(parseQuotedDatagram(quoted.subarray(0, 24))).toMatchObject({ srcPort: 40003, dstPort: 9 });
    expect(parseQuotedDatagram(quoted.subarray(0, 23))).toBeUndefined();
    expect(parseQuotedDatagram(quoted.subarray(0, 19))).toBeUndefined();
    const v6 = quoted.slice();
    v6[0] = 0x65;
    expect(parseQuotedDatagram(v6)).toBeUndefined();
    const badIhl = quoted.slice();
    badIhl[0] = 0x44;
    expect(parseQuotedDatagram(badIhl)).toBeUndefined();
    const laterFragment = quoted.slice();
    laterFragment[7] = 0xb9; // offset 1480: the quoted octets are the middle of a datagram
    expect(parseQuotedDatagram(laterFragment)).toBeUndefined();
    const firstFragment = quoted.slice();
    firstFragment[6] = 0x20; // MF with offset 0: still the transport header
    expect(parseQuotedDatagram(firstFragment)).toMatchObject({ srcPort: 40003 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (junk) => {
        const result = parseQuotedDatagram(junk);
        if (result) expect(result.transport.length).toBeGreaterThanOrEqual(4);
      }),
    );
  });
});
