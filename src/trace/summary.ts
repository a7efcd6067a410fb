// What happened on each connection of a capture, the way tcptrace's brief mode tells it: the 4-tuple,
// packets, data bytes and retransmissions each way, how long it lasted and how it ended. UDP flows get the
// counts only (UDP has no connection state to end in).

import type { PcapRecord } from '../link/pcap.ts';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../tcp/segment.ts';
import {
  type Flows,
  formatEndpoint,
  fromClient,
  groupFlows,
  type TcpConnection,
  type UdpFlow,
} from './graph/connections.ts';
import { decodeTransport, type Endpoint, type TransportPacket } from './graph/packets.ts';
import { annotateConnection } from './graph/sequence-space.ts';

export interface DirectionSummary {
  from: Endpoint;
  to: Endpoint;
  packets: number;
  /** Payload bytes, retransmitted copies included. */
  dataBytes: number;
  /** Segments that repeat sequence space already sent in this direction. */
  retransmissions: number;
}

export type ConnectionEnd =
  | 'closed'
  | 'half-closed by client'
  | 'half-closed by server'
  | 'reset by client'
  | 'reset by server'
  | 'refused'
  | 'unanswered'
  | 'open';

export interface FlowSummary {
  protocol: 'tcp' | 'udp';
  /** 1-based within its protocol, as `ustack graph --list` numbers TCP connections. */
  index: number;
  /** Microseconds since the epoch. */
  firstAt: number;
  lastAt: number;
  forward: DirectionSummary;
  reverse: DirectionSummary;
  /** How a TCP connection stands at the end of the capture; undefined for UDP. */
  end: ConnectionEnd | undefined;
  /** Whether the capture holds the connection's SYN; without it the start is not in the capture. */
  sawSyn: boolean;
}

export interface CaptureSummary {
  packets: number;
  flows: FlowSummary[];
  /** Packets that are neither TCP nor UDP (ICMP, later fragments, undecodable headers). */
  otherPackets: number;
}

function direction(from: Endpoint, to: Endpoint): DirectionSummary {
  return { from, to, packets: 0, dataBytes: 0, retransmissions: 0 };
}

/**
 * How the connection ended, judged from its last control segments. RFC 9293 §3.5.2: an RST answering a
 * SYN means no one listens (a refused connect); §3.6: a FIN from each side closes it, one FIN half-closes.
 */
function connectionEnd(connection: TcpConnection): ConnectionEnd {
  let clientFin = false;
  let serverFin = false;
  let serverAnswered = false;
  for (const packet of connection.packets) {
    const outbound = fromClient(connection, packet);
    if (packet.flags & TCP_RST) {
      if (!outbound && !serverAnswered) return 'refused';
      return outbound ? 'reset by client' : 'reset by server';
    }
    if (!outbound) serverAnswered = true;
    if (packet.flags & TCP_FIN) {
      if (outbound) clientFin = true;
      else serverFin = true;
    }
  }
  if (clientFin && serverFin) return 'closed';
  if (clientFin) return 'half-closed by client';
  if (serverFin) return 'half-closed by server';
  const onlySyns = connection.packets.every((p) => (p.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN);
  return onlySyns ? 'unanswered' : 'open';
}

function summarizeTcp(connection: TcpConnection): FlowSummary {
  const forward = direction(connection.client, connection.server);
  const reverse = direction(connection.server, connection.client);
  let sawSyn = false;
  for (const annotated of annotateConnection(connection)) {
    const side = annotated.fromClient ? forward : reverse;
    side.packets++;
    side.dataBytes += annotated.packet.payloadLength;
    if (annotated.retransmit) side.retransmissions++;
    if (annotated.packet.flags & TCP_SYN) sawSyn = true;
  }
  return {
    protocol: 'tcp',
    index: connection.index,
    firstAt: connection.packets[0]!.at,
    lastAt: connection.packets.at(-1)!.at,
    forward,
    reverse,
    end: connectionEnd(connection),
    sawSyn,
  };
}

function summarizeUdp(flow: UdpFlow): FlowSummary {
  const forward = direction(flow.client, flow.server);
  const reverse = direction(flow.server, flow.client);
  for (const packet of flow.packets) {
    const side =
      packet.srcAddr === flow.client.addr && packet.srcPort === flow.client.port ? forward : reverse;
    side.packets++;
    side.dataBytes += packet.payloadLength;
  }
  return {
    protocol: 'udp',
    index: flow.index,
    firstAt: flow.packets[0]!.at,
    lastAt: flow.packets.at(-1)!.at,
    forward,
    reverse,
    end: undefined,
    sawSyn: false,
  };
}

/** Decodes every record and groups what it finds; `flows` is handy for callers that go on to graph. */
export function captureFlows(records: readonly PcapRecord[]): { flows: Flows; otherPackets: number } {
  const transport: TransportPacket[] = [];
  for (const record of records) {
    const packet = decodeTransport(record.timestampMicros, record.packet);
    if (packet !== undefined) transport.push(packet);
  }
  return { flows: groupFlows(transport), otherPackets: records.length - transport.length };
}

export function summarizeFlows(flows: Flows): FlowSummary[] {
  // TCP connections and UDP flows in the order they first appear in the capture.
  return [...flows.tcp.map(summarizeTcp), ...flows.udp.map(summarizeUdp)].sort(
    (a, b) => a.firstAt - b.firstAt,
  );
}

export function summarizeCapture(records: readonly PcapRecord[]): CaptureSummary {
  const { flows, otherPackets } = captureFlows(records);
  return { packets: records.length, flows: summarizeFlows(flows), otherPackets };
}

const END_TEXT: Record<ConnectionEnd, string> = {
  closed: 'closed by FIN both ways',
  'half-closed by client': 'half-closed (FIN from the client only)',
  'half-closed by server': 'half-closed (FIN from the server only)',
  'reset by client': 'reset by the client (RST)',
  'reset by server': 'reset by the server (RST)',
  refused: 'refused (RST answered the SYN)',
  unanswered: 'SYN unanswered',
  open: 'still open at the end of the capture',
};

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function formatDirection(side: DirectionSummary, withRetransmissions: boolean): string {
  const path = `${formatEndpoint(side.from)} > ${formatEndpoint(side.to)}`;
  const counts = `${plural(side.packets, 'packet')}, ${plural(side.dataBytes, 'data byte')}`;
  const retransmissions = withRetransmissions ? `, ${plural(side.retransmissions, 'retransmission')}` : '';
  return `    ${path}: ${counts}${retransmissions}`;
}

/** One flow as a few lines: a heading with the tag, duration and end state, then one line per direction. */
export function formatFlowSummary(flow: FlowSummary): string[] {
  const tag = `${flow.protocol.toUpperCase()} #${flow.index}`;
  const duration = `${((flow.lastAt - flow.firstAt) / 1e6).toFixed(6)} s`;
  const pair = `${formatEndpoint(flow.forward.from)} <> ${formatEndpoint(flow.forward.to)}`;
  let heading = `${tag} ${pair}, ${duration}`;
  if (flow.end !== undefined) {
    heading += `, ${END_TEXT[flow.end]}`;
    if (!flow.sawSyn) heading += ' (no SYN in the capture: it began earlier)';
  }
  const tcp = flow.protocol === 'tcp';
  return [heading, formatDirection(flow.forward, tcp), formatDirection(flow.reverse, tcp)];
}

export function formatCaptureSummary(summary: CaptureSummary): string[] {
  const tcp = summary.flows.filter((f) => f.protocol === 'tcp').length;
  const udp = summary.flows.length - tcp;
  const lines = [
    `${plural(summary.packets, 'packet')}: ${plural(tcp, 'TCP connection')}, ${plural(udp, 'UDP flow')}, ` +
      `${plural(summary.otherPackets, 'other packet')}`,
  ];
  for (const flow of summary.flows) lines.push(...formatFlowSummary(flow));
  return lines;
}
