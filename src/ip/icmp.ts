// ICMP for IPv4 (RFC 792), with the next-hop MTU of "fragmentation needed" (RFC 1191 §4).
// Receive path: the IP layer hands the ICMP payload to parseIcmp; echo requests are answered with an
// echo reply, errors carry a quoted datagram that parseQuotedDatagram turns into the 4-tuple of the socket
// to notify. Send path: an error is built from the offending packet with quoteForIcmpError, sized with
// icmpBufferLen and written with emitIcmp. ICMP is not a hot path, so parsing allocates its Repr; data and
// quoted octets are subarrays of the input, valid during the call.

import { readU16, writeU16 } from '../base/bytes.ts';
import { checksum } from '../base/checksum.ts';
import { IPV4_HEADER_LEN, Ipv4View } from './ipv4.ts';

export const ICMP_PROTOCOL = 1;
/** Type, code, checksum and the four type-specific octets: every RFC 792 message has at least these. */
export const ICMP_HEADER_LEN = 8;

export const IcmpType = {
  ECHO_REPLY: 0,
  DEST_UNREACHABLE: 3,
  SOURCE_QUENCH: 4,
  REDIRECT: 5,
  ECHO_REQUEST: 8,
  TIME_EXCEEDED: 11,
  PARAMETER_PROBLEM: 12,
  TIMESTAMP: 13,
  TIMESTAMP_REPLY: 14,
} as const;

/** Destination unreachable codes: 0–5 from RFC 792, 6–12 from RFC 1122 §3.2.2.1, 13–15 from RFC 1812 §5.2.7.1. */
export const DestUnreachable = {
  NET: 0,
  HOST: 1,
  PROTOCOL: 2,
  PORT: 3,
  FRAG_NEEDED: 4,
  SOURCE_ROUTE_FAILED: 5,
  NET_UNKNOWN: 6,
  HOST_UNKNOWN: 7,
  SOURCE_HOST_ISOLATED: 8,
  NET_PROHIBITED: 9,
  HOST_PROHIBITED: 10,
  NET_TOS: 11,
  HOST_TOS: 12,
  COMM_PROHIBITED: 13,
  HOST_PRECEDENCE_VIOLATION: 14,
  PRECEDENCE_CUTOFF: 15,
} as const;

export type DestUnreachableCode = (typeof DestUnreachable)[keyof typeof DestUnreachable];

/** RFC 792 time exceeded codes. */
export const TimeExceeded = { TTL_EXCEEDED: 0, FRAGMENT_REASSEMBLY: 1 } as const;

export type IcmpError = 'icmp.truncated' | 'icmp.bad-checksum' | 'icmp.bad-code';

export type IcmpRepr =
  | { kind: 'echo-request' | 'echo-reply'; ident: number; seqNo: number; data: Uint8Array }
  /** nextHopMtu: RFC 1191's field; meaningful with FRAG_NEEDED, and 0 from a router that predates it. */
  | { kind: 'dest-unreachable'; code: DestUnreachableCode; nextHopMtu: number; quoted: Uint8Array }
  | { kind: 'time-exceeded'; code: 0 | 1; quoted: Uint8Array }
  /** Any other type, kept raw: `rest` is every octet after the checksum. */
  | { kind: 'other'; type: number; code: number; rest: Uint8Array };

/** The transport endpoints named by the datagram an ICMP error quotes. */
export interface QuotedDatagram {
  srcAddr: number;
  dstAddr: number;
  protocol: number;
  /** The first two 16-bit words of the quoted transport header: the ports for TCP and UDP. */
  srcPort: number;
  dstPort: number;
  /** The quoted octets after the IP header (RFC 792: at least the first 8). */
  transport: Uint8Array;
}

const TYPE = 0;
const CODE = 1;
const CHECKSUM = 2;
const REST = 4;
const IDENT = 4;
const SEQ_NO = 6;
const NEXT_HOP_MTU = 6;

const MAX_DEST_UNREACHABLE_CODE = DestUnreachable.PRECEDENCE_CUTOFF;
/** RFC 792: the original datagram's header plus "the first 64 bits of the original data datagram". */
const QUOTED_DATA_LEN = 8;

const scratch = new Ipv4View();

/** Parses the ICMP message in `length` octets at `offset` (the IP payload), verifying its checksum. */
export function parseIcmp(bytes: Uint8Array, offset: number, length: number): IcmpRepr | IcmpError {
  if (length < ICMP_HEADER_LEN) return 'icmp.truncated';
  // RFC 792: "The checksum is the 16-bit ones's complement of the one's complement sum of the ICMP message
  // starting with the ICMP Type"; RFC 1122 §3.2.2 lets nothing with a bad one through.
  if (checksum(bytes, offset, length) !== 0) return 'icmp.bad-checksum';
  const type = bytes[offset + TYPE]!;
  const code = bytes[offset + CODE]!;
  const after = bytes.subarray(offset + ICMP_HEADER_LEN, offset + length);
  switch (type) {
    case IcmpType.ECHO_REQUEST:
    case IcmpType.ECHO_REPLY:
      // RFC 792 defines only code 0 for echo; anything else is a message we do not understand.
      if (code !== 0) return 'icmp.bad-code';
      return {
        kind: type === IcmpType.ECHO_REQUEST ? 'echo-request' : 'echo-reply',
        ident: readU16(bytes, offset + IDENT),
        seqNo: readU16(bytes, offset + SEQ_NO),
        data: after,
      };
    case IcmpType.DEST_UNREACHABLE:
      if (code > MAX_DEST_UNREACHABLE_CODE) return 'icmp.bad-code';
      return {
        kind: 'dest-unreachable',
        code: code as DestUnreachableCode,
        nextHopMtu: readU16(bytes, offset + NEXT_HOP_MTU),
        quoted: after,
      };
    case IcmpType.TIME_EXCEEDED:
      if (code > TimeExceeded.FRAGMENT_REASSEMBLY) return 'icmp.bad-code';
      return { kind: 'time-exceeded', code: code as 0 | 1, quoted: after };
    default:
      return { kind: 'other', type, code, rest: bytes.subarray(offset + REST, offset + length) };
  }
}

export function icmpBufferLen(repr: IcmpRepr): number {
  switch (repr.kind) {
    case 'echo-request':
    case 'echo-reply':
      return ICMP_HEADER_LEN + repr.data.length;
    case 'dest-unreachable':
    case 'time-exceeded':
      return ICMP_HEADER_LEN + repr.quoted.length;
    case 'other':
      return REST + repr.rest.length;
  }
}

/** Writes the message at `offset` (icmpBufferLen octets) with its checksum. */
export function emitIcmp(repr: IcmpRepr, bytes: Uint8Array, offset: number): void {
  const length = icmpBufferLen(repr);
  switch (repr.kind) {
    case 'echo-request':
    case 'echo-reply':
      bytes[offset + TYPE] = repr.kind === 'echo-request' ? IcmpType.ECHO_REQUEST : IcmpType.ECHO_REPLY;
      bytes[offset + CODE] = 0;
      writeU16(bytes, offset + IDENT, repr.ident);
      writeU16(bytes, offset + SEQ_NO, repr.seqNo);
      bytes.set(repr.data, offset + ICMP_HEADER_LEN);
      break;
    case 'dest-unreachable':
      bytes[offset + TYPE] = IcmpType.DEST_UNREACHABLE;
      bytes[offset + CODE] = repr.code;
      // RFC 1191 §4: the high-order 16 bits stay "unused" (zero), the low-order 16 carry the MTU.
      writeU16(bytes, offset + REST, 0);
      writeU16(bytes, offset + NEXT_HOP_MTU, repr.nextHopMtu);
      bytes.set(repr.quoted, offset + ICMP_HEADER_LEN);
      break;
    case 'time-exceeded':
      bytes[offset + TYPE] = IcmpType.TIME_EXCEEDED;
      bytes[offset + CODE] = repr.code;
      // RFC 792: the four octets after the checksum are "unused", sent as zero.
      writeU16(bytes, offset + REST, 0);
      writeU16(bytes, offset + REST + 2, 0);
      bytes.set(repr.quoted, offset + ICMP_HEADER_LEN);
      break;
    case 'other':
      bytes[offset + TYPE] = repr.type;
      bytes[offset + CODE] = repr.code;
      bytes.set(repr.rest, offset + REST);
      break;
  }
  writeU16(bytes, offset + CHECKSUM, 0);
  writeU16(bytes, offset + CHECKSUM, checksum(bytes, offset, length));
}

/**
 * The original datagram's IP header + first 8 payload octets (RFC 792), for building an error. A copy:
 * the offending packet's buffer is reused once the step returns. Link padding past the datagram's total
 * length is not quoted, and a datagram too short to hold it all is quoted as far as it goes.
 */
export function quoteForIcmpError(packet: Uint8Array): Uint8Array {
  if (packet.length < IPV4_HEADER_LEN) return packet.slice();
  const view = scratch.wrap(packet);
  const headerLength = Math.max(view.headerLength, IPV4_HEADER_LEN);
  const datagramEnd = Math.min(packet.length, Math.max(view.totalLength, headerLength));
  return packet.slice(0, Math.min(datagramEnd, headerLength + QUOTED_DATA_LEN));
}

/**
 * Reads the quoted header of an ICMP error back to the endpoints it names, for delivery to the socket that
 * sent the original. The quoted header's checksum and total length are not checked: the quote is cut short
 * by design (RFC 792) and a router may have rewritten fields. Returns undefined for a quote too short to
 * name both ports, not IPv4, or of a non-initial fragment (whose first octets are not a transport header;
 * RFC 1122 §3.2.2 forbids sending an error about one anyway).
 */
export function parseQuotedDatagram(quoted: Uint8Array): QuotedDatagram | undefined {
  if (quoted.length < IPV4_HEADER_LEN) return undefined;
  const view = scratch.wrap(quoted);
  const headerLength = view.headerLength;
  if (view.version !== 4 || headerLength < IPV4_HEADER_LEN || quoted.length < headerLength + 4)
    return undefined;
  if (view.fragmentOffset !== 0) return undefined;
  return {
    srcAddr: view.srcAddr,
    dstAddr: view.dstAddr,
    protocol: view.protocol,
    srcPort: readU16(quoted, headerLength),
    dstPort: readU16(quoted, headerLength + 2),
    transport: quoted.subarray(headerLength),
  };
}
