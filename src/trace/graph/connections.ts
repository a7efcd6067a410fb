// Groups a capture's TCP packets into connections and its UDP packets into flows, both directions
// together, in the order each first appears. A connection's "client" is the end that sent the first SYN
// (RFC 9293 §3.5: the active opener); when the capture starts mid-connection it is the first packet's
// sender. A SYN on a 4-tuple whose connection has ended (RST, or FIN both ways) opens a new connection,
// as a reused port after TIME_WAIT does (RFC 9293 §3.6.1).

import { formatIpv4Address } from '../../ip/address.ts';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../tcp/segment.ts';
import type { Endpoint, TcpPacket, TransportPacket, UdpPacket } from './packets.ts';

export interface TcpConnection {
  /** 1-based, in the order connections first appear: what `--conn N` and `--list` use. */
  index: number;
  client: Endpoint;
  server: Endpoint;
  /** Every packet of the connection, both directions, in capture order. */
  packets: TcpPacket[];
}

export interface UdpFlow {
  index: number;
  /** The end that sent the first datagram. */
  client: Endpoint;
  server: Endpoint;
  packets: UdpPacket[];
}

export interface Flows {
  tcp: TcpConnection[];
  udp: UdpFlow[];
}

export function formatEndpoint(endpoint: Endpoint): string {
  return `${formatIpv4Address(endpoint.addr)}:${endpoint.port}`;
}

/** Whether a packet travels from the connection's client to its server. */
export function fromClient(flow: { client: Endpoint }, packet: TransportPacket): boolean {
  return packet.srcAddr === flow.client.addr && packet.srcPort === flow.client.port;
}

function tupleKey(packet: TransportPacket): string {
  const a = `${packet.srcAddr}:${packet.srcPort}`;
  const b = `${packet.dstAddr}:${packet.dstPort}`;
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

/** Tracks whether a connection is over, so a later SYN on its 4-tuple starts a new one. */
interface OpenConnection {
  connection: TcpConnection;
  reset: boolean;
  clientFin: boolean;
  serverFin: boolean;
}

function isOver(open: OpenConnection): boolean {
  return open.reset || (open.clientFin && open.serverFin);
}

export function groupFlows(packets: Iterable<TransportPacket>): Flows {
  const tcp: TcpConnection[] = [];
  const udp: UdpFlow[] = [];
  const openTcp = new Map<string, OpenConnection>();
  const openUdp = new Map<string, UdpFlow>();
  for (const packet of packets) {
    const key = tupleKey(packet);
    const src = { addr: packet.srcAddr, port: packet.srcPort };
    const dst = { addr: packet.dstAddr, port: packet.dstPort };
    if (packet.protocol === 'udp') {
      let flow = openUdp.get(key);
      if (flow === undefined) {
        flow = { index: udp.length + 1, client: src, server: dst, packets: [] };
        udp.push(flow);
        openUdp.set(key, flow);
      }
      flow.packets.push(packet);
      continue;
    }
    const opening = (packet.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
    let open = openTcp.get(key);
    if (open === undefined || (opening && isOver(open))) {
      // A capture that missed the SYN but holds the SYN-ACK still knows who opened: its receiver.
      const answering = (packet.flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
      open = {
        connection: {
          index: tcp.length + 1,
          client: answering ? dst : src,
          server: answering ? src : dst,
          packets: [],
        },
        reset: false,
        clientFin: false,
        serverFin: false,
      };
      tcp.push(open.connection);
      openTcp.set(key, open);
    }
    open.connection.packets.push(packet);
    if (packet.flags & TCP_RST) open.reset = true;
    if (packet.flags & TCP_FIN) {
      if (fromClient(open.connection, packet)) open.clientFin = true;
      else open.serverFin = true;
    }
  }
  return { tcp, udp };
}
