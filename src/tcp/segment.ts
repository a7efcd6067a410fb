// TCP segment codec (RFC 9293 §3.1). Two levels, as in the rest of the wire layer:
//   TcpView  — field access over bytes, valid after check(); getters cannot fail.
//   TcpRepr  — the meaning: a control instead of SYN/FIN/RST bits, `ackNumber` present iff ACK, parsed
//              options (tcp-options.ts), the payload as a subarray of the input.
// parseTcp() fills a caller-owned Repr and allocates nothing but the payload subarray (and a subarray
// per unknown option); tcpBufferLen() sizes a segment; emitTcp() writes one, options in Linux's layout.

import { readU16, readU32, writeU16, writeU32 } from '../base/bytes.ts';
import { checksum, fold, pseudoHeaderSum } from '../base/checksum.ts';
import { emitTcpOptions, parseTcpOptions, type TcpTimestamp, tcpOptionsLen } from './tcp-options.ts';

export type { TcpOptions, TcpTimestamp } from './tcp-options.ts';

export const TCP_PROTOCOL = 6;
export const TCP_HEADER_LEN = 20;
/** The data offset is 4 bits of 32-bit words: 15 × 4. */
export const TCP_MAX_HEADER_LEN = 60;

const SRC_PORT = 0;
const DST_PORT = 2;
const SEQ_NUMBER = 4;
const ACK_NUMBER = 8;
const DATA_OFFSET = 12;
const FLAGS = 13;
const WINDOW = 14;
const CHECKSUM = 16;
const URGENT_POINTER = 18;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

export type TcpControl = 'none' | 'syn' | 'fin' | 'rst';

export interface TcpRepr {
  srcPort: number;
  dstPort: number;
  control: TcpControl;
  push: boolean;
  /** SEG.SEQ, uint32. */
  seqNumber: number;
  /** SEG.ACK, present iff the ACK flag is set. */
  ackNumber: number | undefined;
  /** The raw 16-bit window field, before any RFC 7323 scaling. */
  windowLen: number;
  /** SEG.UP, present iff the URG flag is set. */
  urgentPointer: number | undefined;
  /** ECN bits (RFC 3168), kept so traces show them; ustack does not negotiate ECN. */
  ece: boolean;
  cwr: boolean;
  /** MSS option (RFC 9293 §3.7.1), meaningful on SYNs. */
  maxSegSize: number | undefined;
  /** Window scale shift (RFC 7323 §2), meaningful on SYNs; parse clamps > 14 to 14. */
  windowScale: number | undefined;
  /** SACK-permitted (RFC 2018 §2), meaningful on SYNs. */
  sackPermitted: boolean;
  /** SACK blocks [left, right) (RFC 2018 §3); emit writes as many as fit, the first ones first. */
  sackRanges: Array<[number, number]>;
  /** Timestamps option (RFC 7323 §3). */
  timestamp: TcpTimestamp | undefined;
  /** Raw kind+length+data of options this codec does not know; emitted back after the known ones. */
  unknownOptions: Uint8Array[];
  /** A subarray of the parsed input, valid while the input is. */
  payload: Uint8Array;
}

export type TcpError =
  | 'tcp.truncated'
  | 'tcp.bad-data-offset'
  | 'tcp.bad-checksum'
  | 'tcp.bad-flags'
  | 'tcp.bad-options'
  | 'tcp.zero-port';

export class TcpView {
  bytes: Uint8Array = new Uint8Array(0);
  offset = 0;
  length = 0;

  /** `length` is the whole segment (from the IP header's total length): TCP has no length field. */
  wrap(bytes: Uint8Array, offset = 0, length = bytes.length - offset): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    return this;
  }

  /**
   * Checks that the fixed header and the header the data offset declares both fit. Flags, ports and
   * options are judged by parseTcp, so a tracer can still show a segment that parse would drop.
   */
  check(): 'tcp.truncated' | 'tcp.bad-data-offset' | undefined {
    if (this.length < TCP_HEADER_LEN || this.offset + this.length > this.bytes.length) return 'tcp.truncated';
    // RFC 9293 §3.1: "Data Offset (DOffset): 4 bits. The number of 32-bit words in the TCP header" —
    // at least the 5 words of the fixed header, and the header cannot extend past the segment.
    const headerLength = this.headerLength;
    if (headerLength < TCP_HEADER_LEN || headerLength > this.length) return 'tcp.bad-data-offset';
    return undefined;
  }

  get srcPort(): number {
    return readU16(this.bytes, this.offset + SRC_PORT);
  }
  get dstPort(): number {
    return readU16(this.bytes, this.offset + DST_PORT);
  }
  get seqNumber(): number {
    return readU32(this.bytes, this.offset + SEQ_NUMBER);
  }
  /** The raw acknowledgment field, meaningful only when `ack` is set. */
  get ackNumber(): number {
    return readU32(this.bytes, this.offset + ACK_NUMBER);
  }
  /** Header length in 32-bit words. */
  get dataOffset(): number {
    return this.bytes[this.offset + DATA_OFFSET]! >>> 4;
  }
  /** Header length in bytes, options included. */
  get headerLength(): number {
    return this.dataOffset << 2;
  }
  /** The flags byte: CWR ECE URG ACK PSH RST SYN FIN from the high bit down (the TCP_* constants). */
  get flags(): number {
    return this.bytes[this.offset + FLAGS]!;
  }
  get fin(): boolean {
    return (this.flags & TCP_FIN) !== 0;
  }
  get syn(): boolean {
    return (this.flags & TCP_SYN) !== 0;
  }
  get rst(): boolean {
    return (this.flags & TCP_RST) !== 0;
  }
  get psh(): boolean {
    return (this.flags & TCP_PSH) !== 0;
  }
  get ack(): boolean {
    return (this.flags & TCP_ACK) !== 0;
  }
  get urg(): boolean {
    return (this.flags & TCP_URG) !== 0;
  }
  get ece(): boolean {
    return (this.flags & TCP_ECE) !== 0;
  }
  get cwr(): boolean {
    return (this.flags & TCP_CWR) !== 0;
  }
  get windowLen(): number {
    return readU16(this.bytes, this.offset + WINDOW);
  }
  get checksumField(): number {
    return readU16(this.bytes, this.offset + CHECKSUM);
  }
  /** The raw urgent pointer field, meaningful only when `urg` is set. */
  get urgentPointer(): number {
    return readU16(this.bytes, this.offset + URGENT_POINTER);
  }
  /** The option bytes, padding included (a new subarray on each call). */
  get options(): Uint8Array {
    return this.bytes.subarray(this.offset + TCP_HEADER_LEN, this.offset + this.headerLength);
  }
  get payloadLength(): number {
    return this.length - this.headerLength;
  }
  /** The payload (a new subarray on each call). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + this.headerLength, this.offset + this.length);
  }

  /** RFC 9293 §3.1: the checksum covers the pseudo-header, the header and the data. */
  verifyChecksum(srcAddr: number, dstAddr: number): boolean {
    const len = this.length;
    return checksum(this.bytes, this.offset, len, pseudoHeaderSum(srcAddr, dstAddr, TCP_PROTOCOL, len)) === 0;
  }
}

const scratch = new TcpView();

/**
 * Parses a TCP segment of `length` bytes at `offset` into `out`. Addresses (host-order uint32) feed the
 * pseudo-header checksum; pass `checksumVerified` when the link already verified it (TUN offload). On
 * an error `out` is left partly written. `out`'s arrays and timestamp object are reused, so what it
 * holds is valid until the next parse into it.
 */
export function parseTcp(
  bytes: Uint8Array,
  offset: number,
  length: number,
  srcAddr: number,
  dstAddr: number,
  out: TcpRepr,
  checksumVerified = false,
): TcpError | undefined {
  const view = scratch.wrap(bytes, offset, length);
  const error = view.check();
  if (error) return error;
  // A corrupted segment says nothing reliable about its flags or options, so check the sum first.
  if (!checksumVerified && !view.verifyChecksum(srcAddr, dstAddr)) return 'tcp.bad-checksum';
  // Port 0 is reserved (RFC 6335 §6) and no connection can use it; smoltcp and Linux drop it too.
  if (view.srcPort === 0 || view.dstPort === 0) return 'tcp.zero-port';
  const flags = view.flags;
  // SYN opens a connection, FIN closes one, RST aborts one: RFC 9293 §3.10.7 has no event for two at once,
  // and such combinations (SYN+FIN above all) are scanner probes, not traffic.
  const controls = flags & (TCP_SYN | TCP_FIN | TCP_RST);
  if ((controls & (controls - 1)) !== 0) return 'tcp.bad-flags';
  const headerLength = view.headerLength;
  const optionsError = parseTcpOptions(bytes, offset + TCP_HEADER_LEN, offset + headerLength, out);
  if (optionsError) return optionsError;
  out.srcPort = view.srcPort;
  out.dstPort = view.dstPort;
  out.control =
    controls === TCP_SYN ? 'syn' : controls === TCP_FIN ? 'fin' : controls === TCP_RST ? 'rst' : 'none';
  out.push = (flags & TCP_PSH) !== 0;
  out.seqNumber = view.seqNumber;
  out.ackNumber = flags & TCP_ACK ? view.ackNumber : undefined;
  out.windowLen = view.windowLen;
  out.urgentPointer = flags & TCP_URG ? view.urgentPointer : undefined;
  out.ece = (flags & TCP_ECE) !== 0;
  out.cwr = (flags & TCP_CWR) !== 0;
  out.payload = bytes.subarray(offset + headerLength, offset + length);
  return undefined;
}

/** The flags byte a Repr stands for. */
export function tcpFlags(repr: TcpRepr): number {
  let flags = 0;
  if (repr.control === 'syn') flags |= TCP_SYN;
  else if (repr.control === 'fin') flags |= TCP_FIN;
  else if (repr.control === 'rst') flags |= TCP_RST;
  if (repr.push) flags |= TCP_PSH;
  if (repr.ackNumber !== undefined) flags |= TCP_ACK;
  if (repr.urgentPointer !== undefined) flags |= TCP_URG;
  if (repr.ece) flags |= TCP_ECE;
  if (repr.cwr) flags |= TCP_CWR;
  return flags;
}

export function tcpHeaderLen(repr: TcpRepr): number {
  return TCP_HEADER_LEN + tcpOptionsLen(repr);
}

/** Header plus payload: the bytes emitTcp writes. */
export function tcpBufferLen(repr: TcpRepr): number {
  return tcpHeaderLen(repr) + repr.payload.length;
}

/**
 * Writes header, options and payload at `offset`. The checksum covers the pseudo-header (RFC 9293 §3.1);
 * 'partial' stores only the folded pseudo-header sum, for a link that finishes the sum in hardware or in
 * the kernel (TX checksum offload, Linux's CHECKSUM_PARTIAL).
 */
export function emitTcp(
  repr: TcpRepr,
  bytes: Uint8Array,
  offset: number,
  srcAddr: number,
  dstAddr: number,
  checksumMode: 'full' | 'partial' = 'full',
): void {
  writeU16(bytes, offset + SRC_PORT, repr.srcPort);
  writeU16(bytes, offset + DST_PORT, repr.dstPort);
  writeU32(bytes, offset + SEQ_NUMBER, repr.seqNumber);
  writeU32(bytes, offset + ACK_NUMBER, repr.ackNumber ?? 0);
  bytes[offset + FLAGS] = tcpFlags(repr);
  writeU16(bytes, offset + WINDOW, repr.windowLen);
  writeU16(bytes, offset + CHECKSUM, 0);
  writeU16(bytes, offset + URGENT_POINTER, repr.urgentPointer ?? 0);
  const headerLength = TCP_HEADER_LEN + emitTcpOptions(repr, bytes, offset + TCP_HEADER_LEN);
  // The low nibble (reserved bits and AccECN's AE) stays zero: RFC 9293 §3.1 "must be zero".
  bytes[offset + DATA_OFFSET] = (headerLength >>> 2) << 4;
  // TypedArray#set is a builtin call that costs more than an empty header's whole emit; skip it for ACKs.
  if (repr.payload.length > 0) bytes.set(repr.payload, offset + headerLength);
  const len = headerLength + repr.payload.length;
  const pseudo = pseudoHeaderSum(srcAddr, dstAddr, TCP_PROTOCOL, len);
  writeU16(
    bytes,
    offset + CHECKSUM,
    checksumMode === 'full' ? checksum(bytes, offset, len, pseudo) : fold(pseudo),
  );
}

const EMPTY = new Uint8Array(0);

/** A Repr with every field at its empty value: no flags, no options, no payload. */
export function blankTcpRepr(): TcpRepr {
  return {
    srcPort: 0,
    dstPort: 0,
    control: 'none',
    push: false,
    seqNumber: 0,
    ackNumber: undefined,
    windowLen: 0,
    urgentPointer: undefined,
    ece: false,
    cwr: false,
    maxSegSize: undefined,
    windowScale: undefined,
    sackPermitted: false,
    sackRanges: [],
    timestamp: undefined,
    unknownOptions: [],
    payload: EMPTY,
  };
}

/** SEG.LEN (RFC 9293 §3.4): the sequence space a segment occupies, payload plus one each for SYN and FIN. */
export function segmentLength(repr: TcpRepr): number {
  return repr.payload.length + (repr.control === 'syn' || repr.control === 'fin' ? 1 : 0);
}

// tcpdump's order and letters (print-tcp.c): F S R P, '.' for ACK, then U E W.
const FLAG_LETTERS: ReadonlyArray<readonly [number, string]> = [
  [TCP_FIN, 'F'],
  [TCP_SYN, 'S'],
  [TCP_RST, 'R'],
  [TCP_PSH, 'P'],
  [TCP_ACK, '.'],
  [TCP_URG, 'U'],
  [TCP_ECE, 'E'],
  [TCP_CWR, 'W'],
];

/** The flags as tcpdump prints them inside `Flags [...]`: 'S', 'S.', 'P.', 'FP.', 'R'; 'none' for none. */
export function flagsString(flags: number): string {
  let out = '';
  for (const [bit, letter] of FLAG_LETTERS) if (flags & bit) out += letter;
  return out === '' ? 'none' : out;
}
