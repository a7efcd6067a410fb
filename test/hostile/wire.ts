// Packet builders for the hostile-input suites: whole IPv4 packets (header + TCP/UDP/ICMP) with correct
// checksums, and a fix-up that recomputes every checksum of a mutated packet so that mutations reach the
// layers behind the IP header instead of all dying at 'ipv4.bad-checksum'.

import { readFileSync } from 'node:fs';
import { writeU16 } from '../../src/base/bytes.ts';
import { checksum, pseudoHeaderSum } from '../../src/base/checksum.ts';
import { emitIcmp, type IcmpRepr, icmpBufferLen } from '../../src/ip/icmp.ts';
import { blankIpv4Repr, emitIpv4Header, type Ipv4Repr } from '../../src/ip/ipv4.ts';
import { readPcap } from '../../src/link/pcap.ts';
import { blankTcpRepr, emitTcp, type TcpRepr, tcpBufferLen } from '../../src/tcp/segment.ts';
import { emitUdp, udpBufferLen } from '../../src/udp/datagram.ts';

/** The stack under test and its peer (RFC 2544 benchmarking range, as every lab address). */
export const US = 0xc6120002;
export const PEER = 0xc6120001;

export function ipPacket(header: Partial<Ipv4Repr>, payload: Uint8Array): Uint8Array {
  const repr: Ipv4Repr = {
    ...blankIpv4Repr(),
    srcAddr: PEER,
    dstAddr: US,
    ttl: 64,
    ...header,
    payloadLength: payload.length,
  };
  const headerLen = 20 + repr.options.length;
  const bytes = new Uint8Array(headerLen + payload.length);
  emitIpv4Header(repr, bytes, 0);
  bytes.set(payload, headerLen);
  return bytes;
}

export function tcpPacket(segment: Partial<TcpRepr>, src = PEER, dst = US): Uint8Array {
  const repr: TcpRepr = { ...blankTcpRepr(), windowLen: 65535, ...segment };
  const body = new Uint8Array(tcpBufferLen(repr));
  emitTcp(repr, body, 0, src, dst, 'full');
  return ipPacket({ protocol: 6, srcAddr: src, dstAddr: dst }, body);
}

export function udpPacket(srcPort: number, dstPort: number, payload: Uint8Array, src = PEER, dst = US) {
  const repr = { srcPort, dstPort, payload };
  const body = new Uint8Array(udpBufferLen(repr));
  emitUdp(repr, body, 0, src, dst);
  return ipPacket({ protocol: 17, srcAddr: src, dstAddr: dst }, body);
}

export function icmpPacket(repr: IcmpRepr, src = PEER, dst = US): Uint8Array {
  const body = new Uint8Array(icmpBufferLen(repr));
  emitIcmp(repr, body, 0);
  return ipPacket({ protocol: 1, srcAddr: src, dstAddr: dst }, body);
}

/**
 * Recomputes the IPv4 header checksum and, for an unfragmented TCP/UDP/ICMP packet whose header is sane
 * enough to locate the payload, the transport checksum, in place. Fields stay as the mutation left them.
 */
export function fixChecksums(packet: Uint8Array): void {
  if (packet.length < 20 || packet[0]! >> 4 !== 4) return;
  const headerLen = (packet[0]! & 0x0f) * 4;
  if (headerLen < 20 || headerLen > packet.length) return;
  packet[10] = 0;
  packet[11] = 0;
  writeU16(packet, 10, checksum(packet, 0, headerLen));
  const total = Math.min((packet[2]! << 8) | packet[3]!, packet.length);
  const fragmented = (packet[6]! & 0x3f) !== 0 || packet[7] !== 0;
  if (total <= headerLen || fragmented) return;
  const length = total - headerLen;
  const src = ((packet[12]! << 24) | (packet[13]! << 16) | (packet[14]! << 8) | packet[15]!) >>> 0;
  const dst = ((packet[16]! << 24) | (packet[17]! << 16) | (packet[18]! << 8) | packet[19]!) >>> 0;
  const protocol = packet[9]!;
  const at = protocol === 6 ? 16 : protocol === 17 ? 6 : protocol === 1 ? 2 : -1;
  if (at < 0 || length < at + 2) return;
  packet[headerLen + at] = 0;
  packet[headerLen + at + 1] = 0;
  const seed = protocol === 1 ? 0 : pseudoHeaderSum(src, dst, protocol, length);
  writeU16(packet, headerLen + at, checksum(packet, headerLen, length, seed));
}

/** Every IPv4 packet of the committed kernel captures (test/fixtures/*.pcap): real bytes to mutate. */
export function capturedPackets(): Uint8Array[] {
  const packets: Uint8Array[] = [];
  for (const name of ['tcp', 'udp', 'icmp', 'fragments']) {
    const file = readPcap(new Uint8Array(readFileSync(new URL(`../fixtures/${name}.pcap`, import.meta.url))));
    if (typeof file === 'string') throw new Error(`fixture ${name}.pcap: ${file}`);
    for (const record of file.records) packets.push(record.packet.slice());
  }
  return packets;
}
