// Real packet bytes for the runner, both ways. Inbound script packets become IPv4+TCP bytes written by the
// stack's own codecs (emitIpv4Header, emitTcp); the script's option list goes out verbatim, in its order,
// because scripts test how a stack copes with layouts Linux itself would never send. Outbound packets are
// decoded into LiveSegment, a header with its options as an ordered list, which is what packetdrill
// compares (run_packet.c verify_tcp, verify_outbound_live_tcp_options).

import { readU16, readU32, writeU16 } from '../../../base/bytes.ts';
import { checksum, pseudoHeaderSum } from '../../../base/checksum.ts';
import { blankIpv4Repr, emitIpv4Header, IPV4_HEADER_LEN, parseIpv4 } from '../../../ip/ipv4.ts';
import {
  blankTcpRepr,
  emitTcp,
  TCP_HEADER_LEN,
  TCP_PROTOCOL,
  TcpView,
  tcpBufferLen,
} from '../../../tcp/segment.ts';
import type { TcpFlags, TcpOption } from '../ast.ts';

/** Flag bits as in the TCP header's 12-bit flags field (RFC 9293 §3.1; AE is RFC 9768's bit 8). */
const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;
const URG = 0x20;
const ECE = 0x40;
const CWR = 0x80;
const AE = 0x100;

/** An IPv4 packet's TCP segment as the runner compares it: raw numbers, options in wire order. */
export interface LiveSegment {
  /** When the stack emitted it (µs on the runner's clock). */
  at: number;
  srcAddr: number;
  dstAddr: number;
  tos: number;
  srcPort: number;
  dstPort: number;
  /** The 12-bit flags field: the 8 classic bits plus AE. */
  flags: number;
  seq: number;
  ack: number;
  window: number;
  urgent: number;
  options: TcpOption[];
  /** The option bytes could not be walked (a length running past the header): compared as a mismatch. */
  optionsMalformed: boolean;
  payload: Uint8Array;
}

/** What an inbound segment needs besides the script line: live numbers, already mapped. */
export interface InboundSegment {
  srcAddr: number;
  dstAddr: number;
  tos: number;
  ttl: number;
  srcPort: number;
  dstPort: number;
  flags: number;
  seq: number;
  ack: number;
  window: number;
  urgent: number;
  options: readonly TcpOption[];
  payloadLength: number;
}

export function flagBits(flags: TcpFlags): number {
  let bits = 0;
  if (flags.fin) bits |= FIN;
  if (flags.syn) bits |= SYN;
  if (flags.rst) bits |= RST;
  if (flags.psh) bits |= PSH;
  if (flags.ack) bits |= ACK;
  if (flags.urg) bits |= URG;
  if (flags.ece) bits |= ECE;
  if (flags.cwr) bits |= CWR;
  if (flags.ae) bits |= AE;
  // AccECN's ACE counter is the AE, CWR and ECE bits read as one 3-bit number (RFC 9768 §3.2.2).
  if (flags.ace !== undefined)
    bits |= (flags.ace & 4 ? AE : 0) | (flags.ace & 2 ? CWR : 0) | (flags.ace & 1 ? ECE : 0);
  return bits;
}

export function flagsFromBits(bits: number): TcpFlags {
  return {
    fin: (bits & FIN) !== 0,
    syn: (bits & SYN) !== 0,
    rst: (bits & RST) !== 0,
    psh: (bits & PSH) !== 0,
    ack: (bits & ACK) !== 0,
    urg: (bits & URG) !== 0,
    ece: (bits & ECE) !== 0,
    cwr: (bits & CWR) !== 0,
    ae: (bits & AE) !== 0,
  };
}

export const FLAG = { FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE } as const;

/** The option bytes of a script option list, in the script's order (tcp_options.c layouts). */
export function encodeOptions(options: readonly TcpOption[]): Uint8Array | string {
  const bytes: number[] = [];
  const u16 = (v: number): void => {
    bytes.push((v >>> 8) & 0xff, v & 0xff);
  };
  const u32 = (v: number): void => {
    bytes.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  };
  for (const option of options) {
    switch (option.kind) {
      case 'nop':
        bytes.push(1);
        break;
      case 'eol':
        bytes.push(0);
        break;
      case 'mss':
        bytes.push(2, 4);
        u16(option.mss);
        break;
      case 'wscale':
        bytes.push(3, 3, option.shift);
        break;
      case 'sackOK':
        bytes.push(4, 2);
        break;
      case 'sack':
        bytes.push(5, 2 + 8 * option.blocks.length);
        for (const block of option.blocks) {
          u32(block.left);
          u32(block.right);
        }
        break;
      case 'timestamp':
        bytes.push(8, 10);
        u32(option.val);
        u32(option.ecr);
        break;
      case 'other':
        return `option ${option.name}`;
    }
  }
  return Uint8Array.from(bytes);
}

/** IPv4 + TCP bytes for an inbound segment, zero payload (packetdrill sends zeros). */
export function buildInbound(segment: InboundSegment, optionBytes: Uint8Array): Uint8Array {
  const tcp = blankTcpRepr();
  tcp.srcPort = segment.srcPort;
  tcp.dstPort = segment.dstPort;
  tcp.seqNumber = segment.seq;
  tcp.ackNumber = segment.flags & ACK ? segment.ack : undefined;
  tcp.windowLen = segment.window;
  tcp.urgentPointer = segment.flags & URG ? segment.urgent : undefined;
  if (optionBytes.length > 0) tcp.unknownOptions = [optionBytes];
  tcp.payload = new Uint8Array(segment.payloadLength);
  const tcpLength = tcpBufferLen(tcp);
  const packet = new Uint8Array(IPV4_HEADER_LEN + tcpLength);
  emitTcp(tcp, packet, IPV4_HEADER_LEN, segment.srcAddr, segment.dstAddr);
  // emitTcp writes flags from a Repr that cannot say SYN+FIN or AE: set the script's bits as given and
  // sum again, since scripts also test how a stack treats flag combinations it would never send.
  packet[IPV4_HEADER_LEN + 12] = (packet[IPV4_HEADER_LEN + 12]! & 0xf0) | (segment.flags >>> 8);
  packet[IPV4_HEADER_LEN + 13] = segment.flags & 0xff;
  writeU16(packet, IPV4_HEADER_LEN + 16, 0);
  const pseudo = pseudoHeaderSum(segment.srcAddr, segment.dstAddr, TCP_PROTOCOL, tcpLength);
  writeU16(packet, IPV4_HEADER_LEN + 16, checksum(packet, IPV4_HEADER_LEN, tcpLength, pseudo));
  emitIpv4Header(
    {
      ...blankIpv4Repr(),
      srcAddr: segment.srcAddr,
      dstAddr: segment.dstAddr,
      protocol: TCP_PROTOCOL,
      ttl: segment.ttl,
      tos: segment.tos,
      dontFragment: true,
      payloadLength: tcpLength,
    },
    packet,
    0,
  );
  return packet;
}

const view = new TcpView();

/** Decodes an emitted IPv4 packet; a string names why it is not a TCP segment the runner can compare. */
export function decodeOutbound(packet: Uint8Array, at: number): LiveSegment | string {
  const ip = blankIpv4Repr();
  const error = parseIpv4(packet, 0, packet.length, ip);
  if (error) return error;
  if (ip.protocol !== TCP_PROTOCOL) return `an IP packet of protocol ${ip.protocol}`;
  const offset = IPV4_HEADER_LEN + ip.options.length;
  view.wrap(packet, offset, ip.payloadLength);
  const tcpError = view.check();
  if (tcpError) return tcpError;
  if (!view.verifyChecksum(ip.srcAddr, ip.dstAddr)) return 'a TCP segment with a bad checksum';
  const headerLength = view.headerLength;
  const walked = walkOptions(packet, offset + TCP_HEADER_LEN, offset + headerLength);
  return {
    at,
    srcAddr: ip.srcAddr,
    dstAddr: ip.dstAddr,
    tos: ip.tos,
    srcPort: view.srcPort,
    dstPort: view.dstPort,
    flags: packet[offset + 13]! | ((packet[offset + 12]! & 1) << 8),
    seq: view.seqNumber,
    ack: view.ackNumber,
    window: readU16(packet, offset + 14),
    urgent: readU16(packet, offset + 18),
    options: walked.options,
    optionsMalformed: walked.malformed,
    payload: packet.slice(offset + headerLength, offset + ip.payloadLength),
  };
}

/** The options in [start, end) in wire order, EOL and its padding included as written (RFC 9293 §3.1). */
function walkOptions(
  bytes: Uint8Array,
  start: number,
  end: number,
): { options: TcpOption[]; malformed: boolean } {
  const options: TcpOption[] = [];
  let at = start;
  while (at < end) {
    const kind = bytes[at]!;
    if (kind === 0 || kind === 1) {
      options.push({ kind: kind === 0 ? 'eol' : 'nop' });
      at++;
      continue;
    }
    const length = at + 1 < end ? bytes[at + 1]! : 0;
    if (length < 2 || at + length > end) return { options, malformed: true };
    options.push(decodeOption(bytes, at, kind, length));
    at += length;
  }
  return { options, malformed: false };
}

function decodeOption(bytes: Uint8Array, at: number, kind: number, length: number): TcpOption {
  if (kind === 2 && length === 4) return { kind: 'mss', mss: readU16(bytes, at + 2) };
  if (kind === 3 && length === 3) return { kind: 'wscale', shift: bytes[at + 2]! };
  if (kind === 4 && length === 2) return { kind: 'sackOK' };
  if (kind === 8 && length === 10)
    return { kind: 'timestamp', val: readU32(bytes, at + 2), ecr: readU32(bytes, at + 6) };
  if (kind === 5 && (length - 2) % 8 === 0) {
    const blocks = [];
    for (let p = at + 2; p < at + length; p += 8)
      blocks.push({ left: readU32(bytes, p), right: readU32(bytes, p + 4) });
    return { kind: 'sack', blocks };
  }
  const words = [];
  for (let p = at + 2; p < at + length; p++) words.push(bytes[p]!.toString(16).padStart(2, '0'));
  return { kind: 'other', name: `kind-${kind}`, words };
}
