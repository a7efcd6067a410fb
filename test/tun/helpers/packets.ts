// Packets the tests build and answer by hand: an ICMP echo reply made from a request by in-place byte
// edits, and IPv4/UDP datagrams built with the project's codecs.

import { readU16, writeU16 } from '../../../src/base/bytes.ts';
import { checksum } from '../../../src/base/checksum.ts';
import { parseIpv4Address } from '../../../src/ip/address.ts';
import { ICMP_PROTOCOL, IcmpType } from '../../../src/ip/icmp.ts';
import {
  blankIpv4Repr,
  emitIpv4Header,
  Ipv4Field,
  type Ipv4Repr,
  ipv4HeaderLen,
  parseIpv4,
} from '../../../src/ip/ipv4.ts';
import { emitUdp, parseUdp, UDP_HEADER_LEN, UDP_PROTOCOL, type UdpRepr } from '../../../src/udp/datagram.ts';

const ICMP_CHECKSUM = 2;
const REPLY_TTL = 64;

export function addr(text: string): number {
  const value = parseIpv4Address(text);
  if (value === undefined) throw new RangeError(`not an address: ${text}`);
  return value;
}

/**
 * The echo reply to an IPv4 ICMP echo request, or undefined for anything else (such as the IPv6 router
 * solicitations a fresh interface sends): swap the addresses, type 8 → 0, fresh TTL, both checksums again.
 */
export function echoReply(request: Uint8Array): Uint8Array | undefined {
  const ip = blankIpv4Repr();
  if (parseIpv4(request, 0, request.length, ip) !== undefined || ip.protocol !== ICMP_PROTOCOL)
    return undefined;
  const icmpAt = ipv4HeaderLen(ip);
  if (ip.payloadLength < 8 || request[icmpAt] !== IcmpType.ECHO_REQUEST) return undefined;
  const reply = request.slice(0, icmpAt + ip.payloadLength);
  reply.set(request.subarray(Ipv4Field.DST_ADDR, Ipv4Field.DST_ADDR + 4), Ipv4Field.SRC_ADDR);
  reply.set(request.subarray(Ipv4Field.SRC_ADDR, Ipv4Field.SRC_ADDR + 4), Ipv4Field.DST_ADDR);
  reply[Ipv4Field.TTL] = REPLY_TTL;
  reply[icmpAt] = IcmpType.ECHO_REPLY;
  writeU16(reply, icmpAt + ICMP_CHECKSUM, 0);
  writeU16(reply, icmpAt + ICMP_CHECKSUM, checksum(reply, icmpAt, ip.payloadLength));
  writeU16(reply, Ipv4Field.CHECKSUM, 0);
  writeU16(reply, Ipv4Field.CHECKSUM, checksum(reply, 0, icmpAt));
  return reply;
}

/** A complete IPv4 + UDP datagram. */
export function udpPacket(src: string, dst: string, srcPort: number, dstPort: number, payload: Uint8Array) {
  const ip: Ipv4Repr = {
    ...blankIpv4Repr(),
    srcAddr: addr(src),
    dstAddr: addr(dst),
    protocol: UDP_PROTOCOL,
    ttl: 64,
    dontFragment: true,
    payloadLength: UDP_HEADER_LEN + payload.length,
  };
  const packet = new Uint8Array(ipv4HeaderLen(ip) + ip.payloadLength);
  emitIpv4Header(ip, packet, 0);
  emitUdp({ srcPort, dstPort, payload }, packet, ipv4HeaderLen(ip), ip.srcAddr, ip.dstAddr);
  return packet;
}

export interface ReceivedUdp extends UdpRepr {
  srcAddr: number;
  dstAddr: number;
}

/** The UDP datagram in an IPv4 packet with valid checksums, or undefined for anything else. */
export function parseUdpPacket(packet: Uint8Array): ReceivedUdp | undefined {
  const ip = blankIpv4Repr();
  if (parseIpv4(packet, 0, packet.length, ip) !== undefined || ip.protocol !== UDP_PROTOCOL) return undefined;
  const udp: UdpRepr = { srcPort: 0, dstPort: 0, payload: new Uint8Array(0) };
  const at = ipv4HeaderLen(ip);
  if (parseUdp(packet, at, ip.payloadLength, ip.srcAddr, ip.dstAddr, udp) !== undefined) return undefined;
  return { ...udp, srcAddr: ip.srcAddr, dstAddr: ip.dstAddr };
}

/** The 16-bit sequence number a test writes at the start of a UDP payload. */
export function sequenceOf(payload: Uint8Array): number {
  return readU16(payload, 0);
}
