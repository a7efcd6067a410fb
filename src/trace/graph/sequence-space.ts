// Sequence numbers as byte offsets. Each direction of a connection numbers its bytes from its own ISN,
// modulo 2^32 (RFC 9293 §3.4); analysis wants a straight line instead: offset 0 is the first data byte
// (ISN + 1, after the SYN's one number), the SYN sits at −1, and numbers keep growing past a wrap, so a
// transfer of more than 4 GiB still plots as one line. Each number is placed nearest the previous one
// of its kind, which is exact while consecutive numbers differ by less than 2^31 — always, for TCP.

import { TCP_ACK, TCP_FIN, TCP_SYN } from '../../tcp/segment.ts';
import { seqAdd, seqDiff } from '../../tcp/seq.ts';
import { fromClient, type TcpConnection } from './connections.ts';
import type { TcpPacket } from './packets.ts';

/** One direction's numbering. The base is the raw number of offset 0, learnt from the first use. */
class DirectionSpace {
  private base: number | undefined;
  private lastSeq = 0;
  private lastAck = 0;

  /** A segment's SEG.SEQ as an offset; a SYN carries the ISN, so offset 0 follows it. */
  seqOffset(seq: number, syn: boolean): number {
    this.base ??= syn ? seqAdd(seq, 1) : seq;
    this.lastSeq += seqDiff(seq, seqAdd(this.base, this.lastSeq));
    return this.lastSeq;
  }

  /** An acknowledgment (or SACK edge) for this direction's bytes, sent by the peer, as an offset. */
  ackOffset(ack: number): number {
    // Without the SYN or any data seen yet (a capture started mid-connection), the first ACK sets the
    // origin: offsets are then relative to the first acknowledged byte.
    this.base ??= ack;
    this.lastAck += seqDiff(ack, seqAdd(this.base, this.lastAck));
    return this.lastAck;
  }
}

export interface AnnotatedPacket {
  packet: TcpPacket;
  fromClient: boolean;
  /** Offsets in the sender's own numbering: the sequence space the segment occupies, [start, end). */
  start: number;
  end: number;
  /**
   * Whether some of [start, end) was sent before: the segment repeats bytes (or a SYN or FIN) already seen
   * in this direction. A capture taken at the receiver shows only the copies that got through.
   */
  retransmit: boolean;
  /** The ACK field as an offset in the peer's numbering, when the ACK flag is set. */
  ackOffset: number | undefined;
  /** SACK blocks (RFC 2018 §3) as offsets in the peer's numbering, [left, right). */
  sackBlocks: Array<[number, number]>;
}

/** SEG.LEN (RFC 9293 §3.4): payload plus one for SYN and one for FIN. */
function segmentLength(packet: TcpPacket): number {
  return packet.payloadLength + (packet.flags & TCP_SYN ? 1 : 0) + (packet.flags & TCP_FIN ? 1 : 0);
}

/** Every packet of a connection with its numbers as offsets and retransmissions found. */
export function annotateConnection(connection: TcpConnection): AnnotatedPacket[] {
  const client = new DirectionSpace();
  const server = new DirectionSpace();
  // The highest offset each direction has sent up to so far (SND.MAX as a tracer sees it).
  let clientSent = Number.NEGATIVE_INFINITY;
  let serverSent = Number.NEGATIVE_INFINITY;
  const out: AnnotatedPacket[] = [];
  for (const packet of connection.packets) {
    const outbound = fromClient(connection, packet);
    const own = outbound ? client : server;
    const peer = outbound ? server : client;
    const start = own.seqOffset(packet.seq, (packet.flags & TCP_SYN) !== 0);
    const length = segmentLength(packet);
    const end = start + length;
    const sent = outbound ? clientSent : serverSent;
    const retransmit = length > 0 && start < sent;
    if (outbound) clientSent = Math.max(clientSent, end);
    else serverSent = Math.max(serverSent, end);
    const ackOffset = packet.flags & TCP_ACK ? peer.ackOffset(packet.ack) : undefined;
    const sackBlocks: Array<[number, number]> = packet.options.sackRanges.map(([left, right]) => [
      peer.ackOffset(left),
      peer.ackOffset(right),
    ]);
    out.push({ packet, fromClient: outbound, start, end, retransmit, ackOffset, sackBlocks });
  }
  return out;
}
