// IPv4 header codec (RFC 791 §3.1). Two levels, as in the rest of the wire layer:
//   Ipv4View — field access over bytes, valid after check(); getters cannot fail.
//   Ipv4Repr — the meaning; parseIpv4() fills one, ipv4BufferLen() sizes a packet, emitIpv4Header() writes
//              the header in front of a payload the transport layer writes at offset + ipv4HeaderLen().
// Receive path: link → parseIpv4 (lengths, checksum, fragment bounds, options) → reassembly when
// fragmented → protocol demux on `protocol` with the payload bytes.subarray(offset + header, offset + total).
// Parsing reuses the caller's Repr and allocates no buffer; `options` is a subarray of the input.

import { readU16, readU32, writeU16, writeU32 } from '../base/bytes.ts';
import { checksum } from '../base/checksum.ts';
import { checkIpv4Options, MAX_IPV4_OPTIONS_LEN } from './ipv4-options.ts';

export const IPV4_HEADER_LEN = 20;
/** The largest datagram the 16-bit total length field can describe (RFC 791). */
export const IPV4_MAX_PACKET_LEN = 0xffff;

/** Octet offsets of the fixed header's fields, for code that patches a header in place. */
export const Ipv4Field = {
  VERSION_IHL: 0,
  TOS: 1,
  TOTAL_LENGTH: 2,
  IDENTIFICATION: 4,
  FLAGS_FRAGMENT: 6,
  TTL: 8,
  PROTOCOL: 9,
  CHECKSUM: 10,
  SRC_ADDR: 12,
  DST_ADDR: 16,
} as const;

const {
  VERSION_IHL,
  TOS,
  TOTAL_LENGTH,
  IDENTIFICATION,
  FLAGS_FRAGMENT,
  TTL,
  PROTOCOL,
  CHECKSUM,
  SRC_ADDR,
  DST_ADDR,
} = Ipv4Field;

const FLAG_DONT_FRAGMENT = 0x4000;
const FLAG_MORE_FRAGMENTS = 0x2000;
const FRAGMENT_OFFSET_MASK = 0x1fff;
/** The largest fragment offset in octets, 0x1fff units of 8; its bit pattern also masks valid offsets. */
const MAX_FRAGMENT_OFFSET = FRAGMENT_OFFSET_MASK << 3;

const EMPTY = new Uint8Array(0);

export type Ipv4Error =
  | 'ipv4.truncated'
  | 'ipv4.bad-version'
  | 'ipv4.bad-ihl'
  | 'ipv4.bad-total-length'
  | 'ipv4.bad-checksum'
  | 'ipv4.fragment-overflow'
  | 'ipv4.bad-options';

export interface Ipv4Repr {
  srcAddr: number;
  dstAddr: number;
  protocol: number;
  ttl: number;
  /** The DSCP + ECN octet as is (RFC 2474, RFC 3168). */
  tos: number;
  identification: number;
  dontFragment: boolean;
  moreFragments: boolean;
  /** In octets (the field × 8). */
  fragmentOffset: number;
  /** Raw option octets, kept exactly (empty when none); emit pads them to 4 octets with EOL. */
  options: Uint8Array;
  /** Total length − header length. */
  payloadLength: number;
}

export class Ipv4View {
  bytes: Uint8Array = EMPTY;
  offset = 0;
  length = 0;

  wrap(bytes: Uint8Array, offset = 0, length = bytes.length - offset): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    return this;
  }

  /**
   * Checks what the getters rely on: the fixed header fits, it is version 4, the header length is sane and
   * fits, and the total length lies between the header and the end of the buffer. Octets past the total
   * length are link-layer padding and are ignored (RFC 894: Ethernet padding "is not part of the IP packet
   * and is not included in the total length field"; Linux ip_rcv_core trims to tot_len).
   */
  check(): Ipv4Error | undefined {
    if (this.length < IPV4_HEADER_LEN) return 'ipv4.truncated';
    if (this.version !== 4) return 'ipv4.bad-version';
    // RFC 791: "the minimum value for a correct header is 5" (32-bit words).
    const headerLength = this.headerLength;
    if (headerLength < IPV4_HEADER_LEN) return 'ipv4.bad-ihl';
    if (headerLength > this.length) return 'ipv4.truncated';
    const total = this.totalLength;
    if (total < headerLength || total > this.length) return 'ipv4.bad-total-length';
    return undefined;
  }

  get version(): number {
    return this.bytes[this.offset + VERSION_IHL]! >>> 4;
  }
  /** In octets (IHL × 4). */
  get headerLength(): number {
    return (this.bytes[this.offset + VERSION_IHL]! & 0x0f) << 2;
  }
  get tos(): number {
    return this.bytes[this.offset + TOS]!;
  }
  get totalLength(): number {
    return readU16(this.bytes, this.offset + TOTAL_LENGTH);
  }
  get identification(): number {
    return readU16(this.bytes, this.offset + IDENTIFICATION);
  }
  /** The three flag bits: reserved, DF, MF. */
  get flags(): number {
    return this.bytes[this.offset + FLAGS_FRAGMENT]! >>> 5;
  }
  get dontFragment(): boolean {
    return (readU16(this.bytes, this.offset + FLAGS_FRAGMENT) & FLAG_DONT_FRAGMENT) !== 0;
  }
  get moreFragments(): boolean {
    return (readU16(this.bytes, this.offset + FLAGS_FRAGMENT) & FLAG_MORE_FRAGMENTS) !== 0;
  }
  /** In octets (the field counts 8-octet units). */
  get fragmentOffset(): number {
    return (readU16(this.bytes, this.offset + FLAGS_FRAGMENT) & FRAGMENT_OFFSET_MASK) << 3;
  }
  /** Whether this datagram is one piece of a larger one: MF set or a non-zero offset (RFC 791 §3.2). */
  get isFragment(): boolean {
    return (
      (readU16(this.bytes, this.offset + FLAGS_FRAGMENT) & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) !== 0
    );
  }
  get ttl(): number {
    return this.bytes[this.offset + TTL]!;
  }
  get protocol(): number {
    return this.bytes[this.offset + PROTOCOL]!;
  }
  get checksumField(): number {
    return readU16(this.bytes, this.offset + CHECKSUM);
  }
  get srcAddr(): number {
    return readU32(this.bytes, this.offset + SRC_ADDR);
  }
  get dstAddr(): number {
    return readU32(this.bytes, this.offset + DST_ADDR);
  }
  /** The option octets, padding included (a subarray of the input). */
  get options(): Uint8Array {
    const headerLength = this.headerLength;
    if (headerLength === IPV4_HEADER_LEN) return EMPTY;
    return this.bytes.subarray(this.offset + IPV4_HEADER_LEN, this.offset + headerLength);
  }
  /** The octets after the header up to the total length (a subarray of the input). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + this.headerLength, this.offset + this.totalLength);
  }

  /** RFC 791: the header checksum covers the header only; summed with the field in place it gives zero. */
  verifyChecksum(): boolean {
    return checksum(this.bytes, this.offset, this.headerLength) === 0;
  }
}

const scratch = new Ipv4View();

/**
 * Parses an IPv4 header into `out`, verifying the header checksum. `length` bounds the packet in `bytes`;
 * the payload is bytes.subarray(offset + ipv4HeaderLen(out), offset + ipv4HeaderLen(out) + out.payloadLength).
 */
export function parseIpv4(
  bytes: Uint8Array,
  offset: number,
  length: number,
  out: Ipv4Repr,
): Ipv4Error | undefined {
  const view = scratch.wrap(bytes, offset, length);
  const error = view.check();
  if (error) return error;
  // RFC 1122 §3.2.1.2: "A host MUST verify the IP header checksum on every received datagram and silently
  // discard every datagram that has a bad checksum."
  if (!view.verifyChecksum()) return 'ipv4.bad-checksum';
  const headerLength = view.headerLength;
  const payloadLength = view.totalLength - headerLength;
  const fragmentOffset = view.fragmentOffset;
  // A fragment whose data would end past octet 65535 can never be part of a legal datagram (RFC 791: the
  // total length is 16 bits); reassembling it is the "ping of death" overflow, so it is refused here.
  if (fragmentOffset + payloadLength > IPV4_MAX_PACKET_LEN) return 'ipv4.fragment-overflow';
  if (
    headerLength > IPV4_HEADER_LEN &&
    !checkIpv4Options(bytes, offset + IPV4_HEADER_LEN, headerLength - IPV4_HEADER_LEN)
  ) {
    return 'ipv4.bad-options';
  }
  out.srcAddr = view.srcAddr;
  out.dstAddr = view.dstAddr;
  out.protocol = view.protocol;
  out.ttl = view.ttl;
  out.tos = view.tos;
  out.identification = view.identification;
  // The reserved flag bit ("must be zero", RFC 791) is ignored on receipt, as Linux ignores it.
  out.dontFragment = view.dontFragment;
  out.moreFragments = view.moreFragments;
  out.fragmentOffset = fragmentOffset;
  out.options = view.options;
  out.payloadLength = payloadLength;
  return undefined;
}

/** 20 octets plus the options padded to a multiple of 4 (IHL counts 32-bit words). */
export function ipv4HeaderLen(repr: Ipv4Repr): number {
  return IPV4_HEADER_LEN + ((repr.options.length + 3) & ~3);
}

export function ipv4BufferLen(repr: Ipv4Repr): number {
  return ipv4HeaderLen(repr) + repr.payloadLength;
}

/**
 * Writes the header at `offset` with its checksum; the payload goes at offset + ipv4HeaderLen(repr).
 * Throws a RangeError for a Repr no header can carry (a caller's mistake, not a network condition):
 * options over 40 octets, a total length over 65535, a fragment offset that 13 bits of 8-octet units
 * cannot express.
 */
export function emitIpv4Header(repr: Ipv4Repr, bytes: Uint8Array, offset: number): void {
  const optionsLength = repr.options.length;
  const headerLength = ipv4HeaderLen(repr);
  const total = headerLength + repr.payloadLength;
  if (optionsLength > MAX_IPV4_OPTIONS_LEN) throw new RangeError(`${optionsLength} octets of IPv4 options`);
  if (total > IPV4_MAX_PACKET_LEN) throw new RangeError(`IPv4 total length ${total} > 65535`);
  if ((repr.fragmentOffset & ~MAX_FRAGMENT_OFFSET) !== 0) {
    throw new RangeError(`fragment offset ${repr.fragmentOffset} is not a multiple of 8 in 0..65528`);
  }
  bytes[offset + VERSION_IHL] = 0x40 | (headerLength >>> 2);
  bytes[offset + TOS] = repr.tos;
  writeU16(bytes, offset + TOTAL_LENGTH, total);
  writeU16(bytes, offset + IDENTIFICATION, repr.identification);
  writeU16(
    bytes,
    offset + FLAGS_FRAGMENT,
    (repr.dontFragment ? FLAG_DONT_FRAGMENT : 0) |
      (repr.moreFragments ? FLAG_MORE_FRAGMENTS : 0) |
      (repr.fragmentOffset >>> 3),
  );
  bytes[offset + TTL] = repr.ttl;
  bytes[offset + PROTOCOL] = repr.protocol;
  writeU16(bytes, offset + CHECKSUM, 0);
  writeU32(bytes, offset + SRC_ADDR, repr.srcAddr);
  writeU32(bytes, offset + DST_ADDR, repr.dstAddr);
  if (optionsLength > 0) {
    bytes.set(repr.options, offset + IPV4_HEADER_LEN);
    // RFC 791: "The internet header padding is used to ensure that the internet header ends on a 32 bit
    // boundary. The padding is zero" — which is also the EOL option.
    bytes.fill(0, offset + IPV4_HEADER_LEN + optionsLength, offset + headerLength);
  }
  writeU16(bytes, offset + CHECKSUM, checksum(bytes, offset, headerLength));
}

export function blankIpv4Repr(): Ipv4Repr {
  return {
    srcAddr: 0,
    dstAddr: 0,
    protocol: 0,
    ttl: 0,
    tos: 0,
    identification: 0,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    options: EMPTY,
    payloadLength: 0,
  };
}
