// The struct virtio_net_hdr that a TUN device opened with IFF_VNET_HDR puts in front of every packet, both
// ways (virtio 1.x §5.1.6, Linux include/uapi/linux/virtio_net.h), and ustack's rules for filling it.
//
//   read:  [header][IPv4 packet] → parseVirtioNetHdr → rxChecksumState: partial, verified, or unknown
//   write: IPv4 packet → describeOutbound(packet, mtu) → [header][packet] (the addon writes both at once)
//
// With TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4) the kernel hands us TCP super-segments of up to 64 KB (GRO,
// or its own TSO) whose checksum is partial, and accepts the same from us: it cuts a super-segment into
// packets of `gso_size` payload bytes, each with a copy of the headers, and finishes every checksum.
// Fields are little-endian (virtio 1.0; the addon sets TUNSETVNETLE on a big-endian host).

import { readU16, readU32, writeU16 } from '../base/bytes.ts';
import { fold, pseudoHeaderSum, sum16 } from '../base/checksum.ts';

/** The header length the addon configures (TUNSETVNETHDRSZ): 10 bytes padded to 12, see native/tun.c. */
export const VIRTIO_NET_HDR_LEN = 12;

/** flags: the checksum of the packet is partial; finish it from csum_start, storing at +csum_offset. */
export const VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
/** flags: the checksum was verified (the kernel had it CHECKSUM_UNNECESSARY). */
export const VIRTIO_NET_HDR_F_DATA_VALID = 2;
export const VIRTIO_NET_HDR_GSO_NONE = 0;
export const VIRTIO_NET_HDR_GSO_TCPV4 = 1;
/** gso_type bit: the super-segment carries ECN's CWR, to be set on the first segment only. */
export const VIRTIO_NET_HDR_GSO_ECN = 0x80;

const FLAGS = 0;
const GSO_TYPE = 1;
const HDR_LEN = 2;
const GSO_SIZE = 4;
const CSUM_START = 6;
const CSUM_OFFSET = 8;
const NUM_BUFFERS = 10;

export interface VirtioNetHdr {
  flags: number;
  gsoType: number;
  /** Bytes of headers (IP + TCP) in front of the payload: a hint for the kernel's linear copy. */
  hdrLen: number;
  /** Payload bytes per segment of a super-segment. */
  gsoSize: number;
  /** Where the checksummed range starts, from the start of the IPv4 packet. */
  csumStart: number;
  /** Where the checksum field lies, from csumStart. */
  csumOffset: number;
}

export function blankVirtioNetHdr(): VirtioNetHdr {
  return { flags: 0, gsoType: VIRTIO_NET_HDR_GSO_NONE, hdrLen: 0, gsoSize: 0, csumStart: 0, csumOffset: 0 };
}

function readLe16(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! | (bytes[offset + 1]! << 8);
}

function writeLe16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
}

/** Reads the header at `offset` (the caller guarantees VIRTIO_NET_HDR_LEN bytes) into `out`. */
export function parseVirtioNetHdr(bytes: Uint8Array, offset: number, out: VirtioNetHdr): void {
  out.flags = bytes[offset + FLAGS]!;
  out.gsoType = bytes[offset + GSO_TYPE]!;
  out.hdrLen = readLe16(bytes, offset + HDR_LEN);
  out.gsoSize = readLe16(bytes, offset + GSO_SIZE);
  out.csumStart = readLe16(bytes, offset + CSUM_START);
  out.csumOffset = readLe16(bytes, offset + CSUM_OFFSET);
}

/** Writes all VIRTIO_NET_HDR_LEN bytes at `offset`; num_buffers (the padding) is zero on TUN. */
export function emitVirtioNetHdr(repr: VirtioNetHdr, bytes: Uint8Array, offset: number): void {
  bytes[offset + FLAGS] = repr.flags;
  bytes[offset + GSO_TYPE] = repr.gsoType;
  writeLe16(bytes, offset + HDR_LEN, repr.hdrLen);
  writeLe16(bytes, offset + GSO_SIZE, repr.gsoSize);
  writeLe16(bytes, offset + CSUM_START, repr.csumStart);
  writeLe16(bytes, offset + CSUM_OFFSET, repr.csumOffset);
  writeLe16(bytes, offset + NUM_BUFFERS, 0);
}

const TCP_PROTOCOL = 6;
const UDP_PROTOCOL = 17;
const TCP_CHECKSUM_OFFSET = 16;
const UDP_CHECKSUM_OFFSET = 6;
const TCP_MIN_HEADER = 20;

/**
 * The header for one outbound IPv4 packet. A TCP segment whose checksum field holds only the folded
 * pseudo-header sum (the stack's 'partial' mode) is marked NEEDS_CSUM for the kernel to finish; one longer
 * than `mtu` is also a TSO super-segment, cut at the MTU: gso_size = MTU − IP header − TCP header, which is
 * the sender's MSS because the TCP layer builds super-segments only when its segments fill the MTU (see
 * StackCore.routeMaxSegment). Everything else — UDP, ICMP, fragments, raw packets with a full checksum —
 * gets an all-zero header and goes out as it is. A full checksum equal to the pseudo-header sum by chance
 * (1 in 65536 of raw-socket TCP packets) would be mistaken for a partial one; the stack's own are never.
 */
export function describeOutbound(packet: Uint8Array, mtu: number, out: VirtioNetHdr): void {
  out.flags = 0;
  out.gsoType = VIRTIO_NET_HDR_GSO_NONE;
  out.hdrLen = 0;
  out.gsoSize = 0;
  out.csumStart = 0;
  out.csumOffset = 0;
  const ipHeaderLen = (packet[0]! & 0x0f) * 4;
  if (packet.length < 20 || packet[0]! >> 4 !== 4 || packet[9] !== TCP_PROTOCOL) return;
  // A fragment (MF set or a non-zero offset) holds only part of the segment: nothing to finish or cut.
  if ((readU16(packet, 6) & 0x3fff) !== 0) return;
  const tcpLength = readU16(packet, 2) - ipHeaderLen;
  if (tcpLength < TCP_MIN_HEADER || ipHeaderLen + tcpLength > packet.length) return;
  const tcpHeaderLen = (packet[ipHeaderLen + 12]! >> 4) * 4;
  const pseudo = fold(pseudoHeaderSum(readU32(packet, 12), readU32(packet, 16), TCP_PROTOCOL, tcpLength));
  if (readU16(packet, ipHeaderLen + TCP_CHECKSUM_OFFSET) !== pseudo) return;
  out.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
  out.hdrLen = ipHeaderLen + tcpHeaderLen;
  out.csumStart = ipHeaderLen;
  out.csumOffset = TCP_CHECKSUM_OFFSET;
  if (ipHeaderLen + tcpLength > mtu && tcpHeaderLen >= TCP_MIN_HEADER && out.hdrLen < mtu) {
    out.gsoType = VIRTIO_NET_HDR_GSO_TCPV4;
    out.gsoSize = mtu - out.hdrLen;
  }
}

/**
 * What an inbound header says of the packet's TCP/UDP checksum: 'partial' (NEEDS_CSUM: the kernel never
 * computed it — a TUN is memory, not a wire — so it must not be checked), 'verified' (DATA_VALID), or
 * 'unknown' (forwarded or raw-socket packets), which the link checks itself.
 */
export function rxChecksumState(header: VirtioNetHdr): 'partial' | 'verified' | 'unknown' {
  if (header.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) return 'partial';
  if (header.flags & VIRTIO_NET_HDR_F_DATA_VALID) return 'verified';
  return 'unknown';
}

/**
 * Whether an IPv4 packet's TCP or UDP checksum is right (RFC 9293 §3.1, RFC 768), or the packet is not one
 * this can judge: another protocol, a fragment (its checksum covers the whole datagram), or a length the
 * stack's parsers will reject anyway. A UDP checksum of zero means none was computed (RFC 768).
 */
export function transportChecksumValid(packet: Uint8Array): boolean {
  if (packet.length < 20 || packet[0]! >> 4 !== 4) return true;
  const protocol = packet[9];
  if (protocol !== TCP_PROTOCOL && protocol !== UDP_PROTOCOL) return true;
  if ((readU16(packet, 6) & 0x3fff) !== 0) return true;
  const ipHeaderLen = (packet[0]! & 0x0f) * 4;
  const length = readU16(packet, 2) - ipHeaderLen;
  if (ipHeaderLen < 20 || length < 8 || ipHeaderLen + length > packet.length) return true;
  if (protocol === UDP_PROTOCOL && readU16(packet, ipHeaderLen + UDP_CHECKSUM_OFFSET) === 0) return true;
  const pseudo = pseudoHeaderSum(readU32(packet, 12), readU32(packet, 16), protocol, length);
  return sum16(packet, ipHeaderLen, length, pseudo) === 0xffff;
}

/**
 * Writes the correct TCP or UDP checksum into a copy of a packet whose checksum an offloading link left
 * partial (or the kernel handed over unfinished), so that captures read cleanly in Wireshark and tcpdump.
 * Packets this cannot judge (see transportChecksumValid) and UDP without a checksum are left as they are.
 */
export function completeTransportChecksum(packet: Uint8Array): void {
  if (packet.length < 20 || packet[0]! >> 4 !== 4) return;
  const protocol = packet[9];
  if (protocol !== TCP_PROTOCOL && protocol !== UDP_PROTOCOL) return;
  if ((readU16(packet, 6) & 0x3fff) !== 0) return;
  const ipHeaderLen = (packet[0]! & 0x0f) * 4;
  const length = readU16(packet, 2) - ipHeaderLen;
  if (ipHeaderLen < 20 || length < 8 || ipHeaderLen + length > packet.length) return;
  const field = ipHeaderLen + (protocol === TCP_PROTOCOL ? TCP_CHECKSUM_OFFSET : UDP_CHECKSUM_OFFSET);
  if (protocol === UDP_PROTOCOL && readU16(packet, field) === 0) return;
  writeU16(packet, field, 0);
  const pseudo = pseudoHeaderSum(readU32(packet, 12), readU32(packet, 16), protocol, length);
  const sum = ~sum16(packet, ipHeaderLen, length, pseudo) & 0xffff;
  // RFC 768: a UDP checksum that computes to zero is sent as all ones.
  writeU16(packet, field, sum === 0 && protocol === UDP_PROTOCOL ? 0xffff : sum);
}

/** The number of packets the kernel makes of a super-segment (for counters). */
export function segmentCount(header: VirtioNetHdr, packetLength: number): number {
  if (header.gsoType === VIRTIO_NET_HDR_GSO_NONE || header.gsoSize === 0) return 1;
  return Math.ceil((packetLength - header.hdrLen) / header.gsoSize);
}
