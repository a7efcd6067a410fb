// Captures built in the test from scripted segments, emitted by ustack's own codecs (IPv4 header, TCP
// segment, pcap records): a transfer whose every number is known, for geometry and golden-file tests.

import { blankIpv4Repr, emitIpv4Header, ipv4HeaderLen } from '../../../src/ip/ipv4.ts';
import { encodePcapHeader, encodePcapRecord } from '../../../src/link/pcap.ts';
import { blankTcpRepr, emitTcp, TCP_PROTOCOL, tcpBufferLen } from '../../../src/tcp/segment.ts';

export const CLIENT = { addr: 0xc6120001, port: 40000 }; // 198.18.0.1
export const SERVER = { addr: 0xc6120002, port: 5555 }; // 198.18.0.2
/** Absolute sequence numbers: the client's ISN sits just below 2^32, so its numbers wrap mid-transfer. */
export const CLIENT_ISN = 0xfffff000;
export const SERVER_ISN = 1000;
export const MSS = 1000;
/** A capture start time, in microseconds since the epoch (2024-01-01 00:00:00 UTC). */
export const EPOCH = 1_704_067_200_000_000;

export interface Scripted {
  /** Microseconds after EPOCH. */
  at: number;
  fromClient: boolean;
  /** 'S', 'S.', '.', 'P.', 'F.', 'R', 'R.': tcpdump's letters. */
  flags: string;
  /** Relative to the sender's ISN, as tcpdump prints it (the SYN is 0, the first data byte 1). */
  seq: number;
  /** Relative to the peer's ISN; present iff the flags have '.'. */
  ack?: number;
  window?: number;
  length?: number;
  windowScale?: number;
  /** Relative to the peer's ISN, [left, right). */
  sack?: Array<[number, number]>;
}

function packetOf(step: Scripted): Uint8Array {
  const [src, dst] = step.fromClient ? [CLIENT, SERVER] : [SERVER, CLIENT];
  const ownIsn = step.fromClient ? CLIENT_ISN : SERVER_ISN;
  const peerIsn = step.fromClient ? SERVER_ISN : CLIENT_ISN;
  const tcp = blankTcpRepr();
  tcp.srcPort = src.port;
  tcp.dstPort = dst.port;
  tcp.control = step.flags.includes('S')
    ? 'syn'
    : step.flags.includes('F')
      ? 'fin'
      : step.flags.includes('R')
        ? 'rst'
        : 'none';
  tcp.push = step.flags.includes('P');
  tcp.seqNumber = (ownIsn + step.seq) >>> 0;
  tcp.ackNumber = step.flags.includes('.') ? (peerIsn + (step.ack ?? 0)) >>> 0 : undefined;
  tcp.windowLen = step.window ?? 1000;
  tcp.windowScale = step.windowScale;
  if (tcp.control === 'syn') tcp.maxSegSize = MSS;
  tcp.sackRanges = (step.sack ?? []).map(([l, r]) => [(peerIsn + l) >>> 0, (peerIsn + r) >>> 0]);
  tcp.payload = new Uint8Array(step.length ?? 0).fill(0x61);
  const ip = blankIpv4Repr();
  ip.srcAddr = src.addr;
  ip.dstAddr = dst.addr;
  ip.protocol = TCP_PROTOCOL;
  ip.ttl = 64;
  ip.dontFragment = true;
  ip.payloadLength = tcpBufferLen(tcp);
  const headerLength = ipv4HeaderLen(ip);
  const packet = new Uint8Array(headerLength + ip.payloadLength);
  emitIpv4Header(ip, packet, 0);
  emitTcp(tcp, packet, headerLength, src.addr, dst.addr);
  return packet;
}

/** A LINKTYPE_RAW pcap file holding the scripted segments in order. */
export function buildCapture(script: readonly Scripted[]): Uint8Array {
  const parts = [encodePcapHeader(), ...script.map((s) => encodePcapRecord(EPOCH + s.at, packetOf(s)))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * A small transfer as the sender's capture shows it, with a 10 ms round trip: handshake (window scale 2
 * from the receiver, 0 from the sender), slow start from two segments, segment 3 (bytes 2000–3000)
 * lost, three duplicate ACKs carrying SACK blocks, a fast retransmit, the recovery's cumulative ACK, and
 * a close by FIN both ways. Offsets below are tcpdump's relative numbers (the first data byte is 1).
 */
export const LOSSY_TRANSFER: Scripted[] = [
  { at: 0, fromClient: true, flags: 'S', seq: 0, window: 64000, windowScale: 0 },
  { at: 10_000, fromClient: false, flags: 'S.', seq: 0, ack: 1, window: 8000, windowScale: 2 },
  { at: 10_100, fromClient: true, flags: '.', seq: 1, ack: 1 },
  { at: 10_200, fromClient: true, flags: 'P.', seq: 1, ack: 1, length: MSS },
  { at: 10_300, fromClient: true, flags: 'P.', seq: 1001, ack: 1, length: MSS },
  { at: 20_200, fromClient: false, flags: '.', seq: 1, ack: 1001, window: 2000 },
  { at: 20_300, fromClient: false, flags: '.', seq: 1, ack: 2001, window: 2000 },
  { at: 20_400, fromClient: true, flags: 'P.', seq: 2001, ack: 1, length: MSS },
  { at: 20_500, fromClient: true, flags: 'P.', seq: 3001, ack: 1, length: MSS },
  { at: 20_600, fromClient: true, flags: 'P.', seq: 4001, ack: 1, length: MSS },
  { at: 20_700, fromClient: true, flags: 'P.', seq: 5001, ack: 1, length: MSS },
  { at: 30_500, fromClient: false, flags: '.', seq: 1, ack: 2001, window: 2000, sack: [[3001, 4001]] },
  { at: 30_600, fromClient: false, flags: '.', seq: 1, ack: 2001, window: 2000, sack: [[3001, 5001]] },
  { at: 30_700, fromClient: false, flags: '.', seq: 1, ack: 2001, window: 2000, sack: [[3001, 6001]] },
  { at: 30_800, fromClient: true, flags: 'P.', seq: 2001, ack: 1, length: MSS },
  { at: 40_800, fromClient: false, flags: '.', seq: 1, ack: 6001, window: 2000 },
  { at: 41_000, fromClient: true, flags: 'F.', seq: 6001, ack: 1 },
  { at: 51_000, fromClient: false, flags: 'F.', seq: 1, ack: 6002, window: 2000 },
  { at: 51_100, fromClient: true, flags: '.', seq: 6002, ack: 2 },
];
