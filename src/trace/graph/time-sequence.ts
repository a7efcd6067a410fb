// The time-sequence graph's content (Stevens, TCP/IP Illustrated vol. 1; Shepard's tcptrace), in data
// units — seconds since the connection's first packet and byte offsets of the data sender's numbering —
// so its geometry can be tested apart from drawing it (sequence-svg.ts does that):
//   segments     one bar per data segment, [seq, seq + len), retransmissions flagged
//   acks         the receiver's cumulative ACK as a step line (points where it changes)
//   windowEdge   ACK + the receiver's advertised window, scaled as RFC 7323 §2.2 says
//   sacks        the receiver's SACK blocks (RFC 2018 §3), each at the time of the ACK carrying it
//   dupAcks      the receiver's duplicate ACKs (RFC 5681 §2), numbered 1, 2, 3… in each run
//   marks        SYN, FIN and RST from either end

import { TCP_FIN, TCP_RST, TCP_SYN } from '../../tcp/segment.ts';
import type { TcpConnection } from './connections.ts';
import type { Endpoint } from './packets.ts';
import { type AnnotatedPacket, annotateConnection } from './sequence-space.ts';

export interface DataBar {
  t: number;
  start: number;
  end: number;
  retransmit: boolean;
  /**
   * Duplicate ACKs in the run the sender had seen when it sent this segment: 3 or more before a
   * retransmission is a fast retransmit (RFC 5681 §3.2); none means a timeout (RFC 6298) or a probe.
   */
  dupAcksBefore: number;
  /**
   * The first retransmission of a loss episode. An episode lasts until the ACK passes everything sent
   * when it began (RFC 6582 §3.2's "recover"), so the retransmissions a recovery makes after partial
   * ACKs or SACK information (RFC 6675) belong to the episode that the first one opened.
   */
  episodeStart: boolean;
}

export interface Point {
  t: number;
  y: number;
}

export interface SackBar {
  t: number;
  start: number;
  end: number;
}

export interface DupAck {
  t: number;
  y: number;
  /** 1 for the first duplicate after a new ACK, 3 for the one that triggers fast retransmit. */
  count: number;
}

export interface ControlMark {
  t: number;
  y: number;
  kind: 'SYN' | 'FIN' | 'RST';
  /** Whether the data sender sent it (else the receiver did: its marks sit on the ACK line). */
  bySender: boolean;
  retransmit: boolean;
}

export interface TimeSequence {
  /** The connection's index in the capture. */
  connection: number;
  sender: Endpoint;
  receiver: Endpoint;
  segments: DataBar[];
  acks: Point[];
  windowEdge: Point[];
  sacks: SackBar[];
  dupAcks: DupAck[];
  marks: ControlMark[];
  /** The receiver's window shift in effect, or undefined when the SYNs are not in the capture. */
  windowScale: number | undefined;
  /** Seconds from the connection's first packet to its last. */
  duration: number;
}

/** The direction that carried more payload: the one a time-sequence graph is about. */
export function dataSenderIsClient(annotated: readonly AnnotatedPacket[]): boolean {
  let client = 0;
  let server = 0;
  for (const a of annotated) {
    if (a.fromClient) client += a.packet.payloadLength;
    else server += a.packet.payloadLength;
  }
  return client >= server;
}

/**
 * The shift that applies to the receiver's windows. RFC 7323 §2.2: scaling is in effect only when both
 * SYNs carried the option, each side then shifts the windows it sends by the count it announced; a SYN's
 * own window is never scaled.
 */
function receiverWindowScale(annotated: readonly AnnotatedPacket[], senderIsClient: boolean) {
  let senderShift: number | undefined;
  let receiverShift: number | undefined;
  let senderSyn = false;
  let receiverSyn = false;
  for (const a of annotated) {
    if (!(a.packet.flags & TCP_SYN)) continue;
    if (a.fromClient === senderIsClient) {
      senderSyn = true;
      senderShift = a.packet.options.windowScale;
    } else {
      receiverSyn = true;
      receiverShift = a.packet.options.windowScale;
    }
  }
  if (!senderSyn || !receiverSyn) return undefined;
  return senderShift !== undefined && receiverShift !== undefined ? receiverShift : 0;
}

export function buildTimeSequence(connection: TcpConnection, senderIsClient?: boolean): TimeSequence {
  const annotated = annotateConnection(connection);
  const clientSends = senderIsClient ?? dataSenderIsClient(annotated);
  const windowScale = receiverWindowScale(annotated, clientSends);
  const t0 = connection.packets[0]!.at;
  const seconds = (at: number): number => (at - t0) / 1e6;
  const graph: TimeSequence = {
    connection: connection.index,
    sender: clientSends ? connection.client : connection.server,
    receiver: clientSends ? connection.server : connection.client,
    segments: [],
    acks: [],
    windowEdge: [],
    sacks: [],
    dupAcks: [],
    marks: [],
    windowScale,
    duration: seconds(connection.packets.at(-1)!.at),
  };
  // SND.MAX as the capture shows it: the sender has data outstanding while an ACK is below it.
  let sentUpTo = Number.NEGATIVE_INFINITY;
  let lastAck: number | undefined;
  let lastWindow: number | undefined;
  let lastEdge: number | undefined;
  let duplicates = 0;
  // The loss episode under way: the highest offset sent when its first retransmission went out.
  let recover: number | undefined;
  for (const a of annotated) {
    const { packet } = a;
    const t = seconds(packet.at);
    const syn = (packet.flags & TCP_SYN) !== 0;
    if (a.fromClient === clientSends) {
      const episodeStart = a.retransmit && packet.payloadLength > 0 && recover === undefined;
      if (episodeStart) recover = sentUpTo;
      sentUpTo = Math.max(sentUpTo, a.end);
      const dataStart = syn ? a.start + 1 : a.start;
      if (packet.payloadLength > 0) {
        graph.segments.push({
          t,
          start: dataStart,
          end: dataStart + packet.payloadLength,
          retransmit: a.retransmit,
          dupAcksBefore: duplicates,
          episodeStart,
        });
      }
      if (syn) graph.marks.push({ t, y: a.start, kind: 'SYN', bySender: true, retransmit: a.retransmit });
      if (packet.flags & TCP_FIN) {
        const y = dataStart + packet.payloadLength;
        graph.marks.push({ t, y, kind: 'FIN', bySender: true, retransmit: a.retransmit });
      }
      if (packet.flags & TCP_RST) {
        graph.marks.push({ t, y: a.start, kind: 'RST', bySender: true, retransmit: false });
      }
      continue;
    }
    if (packet.flags & TCP_RST) {
      graph.marks.push({
        t,
        y: a.ackOffset ?? lastAck ?? 0,
        kind: 'RST',
        bySender: false,
        retransmit: false,
      });
    }
    for (const [start, end] of a.sackBlocks) graph.sacks.push({ t, start, end });
    if (a.ackOffset === undefined) continue;
    const ack = a.ackOffset;
    if (syn || packet.flags & TCP_FIN) {
      const kind = syn ? 'SYN' : 'FIN';
      graph.marks.push({ t, y: ack, kind, bySender: false, retransmit: a.retransmit });
    }
    // RFC 5681 §2, DUPLICATE ACKNOWLEDGMENT: data outstanding, no data, neither SYN nor FIN, the same
    // acknowledgment number as the greatest one received, and the same advertised window.
    const duplicate =
      lastAck !== undefined &&
      ack === lastAck &&
      sentUpTo > ack &&
      packet.payloadLength === 0 &&
      !(packet.flags & (TCP_SYN | TCP_FIN)) &&
      packet.window === lastWindow;
    if (duplicate) graph.dupAcks.push({ t, y: ack, count: ++duplicates });
    else if (lastAck === undefined || ack > lastAck) duplicates = 0;
    if (recover !== undefined && ack >= recover) recover = undefined;
    if (lastAck === undefined || ack > lastAck) {
      graph.acks.push({ t, y: ack });
      lastAck = ack;
    }
    lastWindow = packet.window;
    // A SYN's window is never scaled (RFC 7323 §2.2); a capture without the SYNs shows the raw field.
    const shift = syn ? 0 : (windowScale ?? 0);
    const edge = ack + packet.window * 2 ** shift;
    if (edge !== lastEdge) {
      graph.windowEdge.push({ t, y: edge });
      lastEdge = edge;
    }
  }
  return graph;
}
