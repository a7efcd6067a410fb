// The transport facts offline analysis needs from each captured packet: who talks to whom, and for TCP the
// header fields and option values. Decoding goes through the wire codecs' views (Ipv4View, TcpView,
// UdpView, parseTcpOptions) but is more forgiving than the receive path: a capture cut at a snaplen keeps
// only the headers (`tcpdump -s 96`), and checksums are often partial on the sending host (offload), so
// lengths come from the IP header and checksums are not judged — tcpdump reads captures the same way.

import { Ipv4View } from '../../ip/ipv4.ts';
import { TCP_HEADER_LEN, TCP_PROTOCOL, TcpView } from '../../tcp/segment.ts';
import { parseTcpOptions, type TcpOptions } from '../../tcp/tcp-options.ts';
import { UDP_HEADER_LEN, UDP_PROTOCOL, UdpView } from '../../udp/datagram.ts';

export interface Endpoint {
  addr: number;
  port: number;
}

export interface TcpPacket {
  protocol: 'tcp';
  /** Capture time stamp, microseconds since the epoch. */
  at: number;
  srcAddr: number;
  dstAddr: number;
  srcPort: number;
  dstPort: number;
  /** The flags byte (TCP_SYN, TCP_ACK… from src/tcp/segment.ts). */
  flags: number;
  seq: number;
  /** The acknowledgment field as sent; meaningful only when the ACK flag is set. */
  ack: number;
  /** The raw 16-bit window field, before RFC 7323 scaling. */
  window: number;
  /** Payload bytes, from the IP total length, so a snaplen-cut capture still counts them. */
  payloadLength: number;
  options: TcpOptions;
}

export interface UdpPacket {
  protocol: 'udp';
  at: number;
  srcAddr: number;
  dstAddr: number;
  srcPort: number;
  dstPort: number;
  payloadLength: number;
}

export type TransportPacket = TcpPacket | UdpPacket;

const ipView = new Ipv4View();
const tcpView = new TcpView();
const udpView = new UdpView();

function blankOptions(): TcpOptions {
  return {
    maxSegSize: undefined,
    windowScale: undefined,
    sackPermitted: false,
    sackRanges: [],
    timestamp: undefined,
    unknownOptions: [],
  };
}

/**
 * The TCP or UDP packet a captured IPv4 packet carries, or undefined for anything else (ICMP, other
 * protocols, fragments after the first, headers the capture or the sender mangled). Allocates the result:
 * this is for reading captures, not for the receive path.
 */
export function decodeTransport(at: number, packet: Uint8Array): TransportPacket | undefined {
  const ip = ipView.wrap(packet);
  const error = ip.check();
  // A total length beyond the captured bytes is a snaplen cut, not a malformation: the headers we need
  // may still all be there, which the transport checks below decide.
  if (error !== undefined && error !== 'ipv4.bad-total-length') return undefined;
  const headerLength = ip.headerLength;
  const total = ip.totalLength;
  if (total < headerLength) return undefined;
  // RFC 791 §3.2: only the fragment at offset 0 starts with the transport header.
  if (ip.fragmentOffset !== 0) return undefined;
  const length = total - headerLength;
  const available = Math.min(total, packet.length) - headerLength;
  if (ip.protocol === TCP_PROTOCOL) {
    const tcp = tcpView.wrap(packet, headerLength, available);
    // check() wants the header the data offset declares inside the captured bytes; the payload may be cut.
    if (available < TCP_HEADER_LEN) return undefined;
    const tcpHeaderLength = tcp.headerLength;
    if (tcpHeaderLength < TCP_HEADER_LEN || tcpHeaderLength > available || tcpHeaderLength > length) {
      return undefined;
    }
    const options = blankOptions();
    const start = headerLength + TCP_HEADER_LEN;
    if (parseTcpOptions(packet, start, headerLength + tcpHeaderLength, options) !== undefined)
      return undefined;
    return {
      protocol: 'tcp',
      at,
      srcAddr: ip.srcAddr,
      dstAddr: ip.dstAddr,
      srcPort: tcp.srcPort,
      dstPort: tcp.dstPort,
      flags: tcp.flags,
      seq: tcp.seqNumber,
      ack: tcp.ackNumber,
      window: tcp.windowLen,
      payloadLength: length - tcpHeaderLength,
      options,
    };
  }
  if (ip.protocol === UDP_PROTOCOL) {
    if (available < UDP_HEADER_LEN || length < UDP_HEADER_LEN) return undefined;
    const udp = udpView.wrap(packet, headerLength, available);
    // RFC 768: the length field counts the header; a first fragment announces more than it holds.
    const declared = udp.lengthField;
    if (declared < UDP_HEADER_LEN) return undefined;
    return {
      protocol: 'udp',
      at,
      srcAddr: ip.srcAddr,
      dstAddr: ip.dstAddr,
      srcPort: udp.srcPort,
      dstPort: udp.dstPort,
      payloadLength: declared - UDP_HEADER_LEN,
    };
  }
  return undefined;
}
