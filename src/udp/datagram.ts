// UDP header codec (RFC 768). Two levels, as in the rest of the wire layer:
//   UdpView  — field access over bytes, valid after check(); getters cannot fail.
//   UdpRepr  — the meaning; parseUdp() fills one, udpBufferLen() sizes one, emitUdp() writes one.
// Parsing reuses the caller's Repr and never allocates a buffer; the payload is a subarray of the input.

import { readU16, writeU16 } from '../base/bytes.ts';
import { checksum, pseudoHeaderSum } from '../base/checksum.ts';

export const UDP_PROTOCOL = 17;
export const UDP_HEADER_LEN = 8;

const SRC_PORT = 0;
const DST_PORT = 2;
const LENGTH = 4;
const CHECKSUM = 6;

export type UdpError = 'udp.truncated' | 'udp.bad-length' | 'udp.bad-checksum';

export interface UdpRepr {
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

export class UdpView {
  bytes: Uint8Array = new Uint8Array(0);
  offset = 0;
  length = 0;

  wrap(bytes: Uint8Array, offset = 0, length = bytes.length - offset): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    return this;
  }

  /** Checks that the header fits and that the length field agrees with the bytes we have. */
  check(): UdpError | undefined {
    if (this.length < UDP_HEADER_LEN) return 'udp.truncated';
    // RFC 768: "Length is the length in octets of this user datagram including this header".
    // Trailing bytes beyond it (link padding) are ignored; a length beyond the buffer is malformed.
    const declared = this.lengthField;
    if (declared < UDP_HEADER_LEN || declared > this.length) return 'udp.bad-length';
    return undefined;
  }

  get srcPort(): number {
    return readU16(this.bytes, this.offset + SRC_PORT);
  }
  get dstPort(): number {
    return readU16(this.bytes, this.offset + DST_PORT);
  }
  get lengthField(): number {
    return readU16(this.bytes, this.offset + LENGTH);
  }
  get checksumField(): number {
    return readU16(this.bytes, this.offset + CHECKSUM);
  }

  /** RFC 768: an all-zero checksum means the sender computed none; it then always verifies. */
  verifyChecksum(srcAddr: number, dstAddr: number): boolean {
    if (this.checksumField === 0) return true;
    const len = this.lengthField;
    return checksum(this.bytes, this.offset, len, pseudoHeaderSum(srcAddr, dstAddr, UDP_PROTOCOL, len)) === 0;
  }
}

const scratch = new UdpView();

/**
 * Parses a UDP datagram into `out`. Addresses (host-order uint32) feed the pseudo-header checksum;
 * pass `checksumVerified` when the link already verified it (TUN offload).
 */
export function parseUdp(
  bytes: Uint8Array,
  offset: number,
  length: number,
  srcAddr: number,
  dstAddr: number,
  out: UdpRepr,
  checksumVerified = false,
): UdpError | undefined {
  const view = scratch.wrap(bytes, offset, length);
  const error = view.check();
  if (error) return error;
  if (!checksumVerified && !view.verifyChecksum(srcAddr, dstAddr)) return 'udp.bad-checksum';
  out.srcPort = view.srcPort;
  out.dstPort = view.dstPort;
  out.payload = bytes.subarray(offset + UDP_HEADER_LEN, offset + view.lengthField);
  return undefined;
}

export function udpBufferLen(repr: UdpRepr): number {
  return UDP_HEADER_LEN + repr.payload.length;
}

/** Writes header and payload at `offset`; the checksum covers the pseudo-header (RFC 768). */
export function emitUdp(
  repr: UdpRepr,
  bytes: Uint8Array,
  offset: number,
  srcAddr: number,
  dstAddr: number,
): void {
  const len = udpBufferLen(repr);
  writeU16(bytes, offset + SRC_PORT, repr.srcPort);
  writeU16(bytes, offset + DST_PORT, repr.dstPort);
  writeU16(bytes, offset + LENGTH, len);
  writeU16(bytes, offset + CHECKSUM, 0);
  bytes.set(repr.payload, offset + UDP_HEADER_LEN);
  const sum = checksum(bytes, offset, len, pseudoHeaderSum(srcAddr, dstAddr, UDP_PROTOCOL, len));
  // RFC 768: a computed checksum of zero is transmitted as all ones, since zero means "none".
  writeU16(bytes, offset + CHECKSUM, sum === 0 ? 0xffff : sum);
}
