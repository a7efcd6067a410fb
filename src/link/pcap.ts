// Classic libpcap capture files, as pure functions over bytes (no file I/O here, so both directions are
// testable without touching a disk; src/link/pcap-link.ts does the writing).
//
// Format (libpcap's pcap-savefile(5), IETF draft-ietf-opsawg-pcap): a 24-byte file header — magic,
// version 2.4, thiszone, sigfigs, snaplen, link type — then per packet a 16-byte record header
// (seconds, sub-second part, captured length, original length) and the captured bytes.
//
// We write big-endian, microsecond, LINKTYPE_RAW (bare IPv4, what ustack's links carry). The reader takes
// what tcpdump and tshark write on Linux: either byte order, micro- or nanosecond magic, and raw IP,
// Ethernet or Linux "cooked" (any-interface) link headers, which it strips so every record is an IPv4
// packet.

import { readU16, readU32, writeU16, writeU32 } from '../base/bytes.ts';

export const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOS = 0xa1b23c4d;
/** pcapng's Section Header Block type: a different format, named so the error can say so. */
const PCAPNG_MAGIC = 0x0a0d0d0a;

export const PCAP_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
export const PCAP_SNAPLEN = 65535;

/** Link-layer header types (tcpdump.org linktypes registry). */
export const LinkType = {
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  LINUX_SLL2: 276,
} as const;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERNET_HEADER_LEN = 14;
const ETHERNET_TYPE = 12;
const SLL_HEADER_LEN = 16;
const SLL_PROTOCOL = 14;
const SLL2_HEADER_LEN = 20;
const SLL2_PROTOCOL = 0;

export type PcapError =
  | 'pcap.truncated'
  | 'pcap.bad-magic'
  | 'pcap.pcapng-unsupported'
  | 'pcap.unsupported-link-type'
  | 'pcap.truncated-record'
  | 'pcap.bad-record-length';

export interface PcapRecord {
  timestampMicros: number;
  /** The IPv4 packet with any link-layer header removed: a subarray of the file's bytes. */
  packet: Uint8Array;
  /** The packet's length on the wire; more than `packet.length` when the capture cut it at the snaplen. */
  originalLength: number;
}

export interface PcapFile {
  linkType: number;
  records: PcapRecord[];
  /** Frames of a link-layer type whose payload is not IPv4 (ARP, IPv6 on Ethernet…), left out. */
  skipped: number;
}

/** The file header ustack writes: microsecond timestamps, LINKTYPE_RAW, snaplen 65535. */
export function encodePcapHeader(linkType: number = LinkType.RAW, snaplen = PCAP_SNAPLEN): Uint8Array {
  const bytes = new Uint8Array(PCAP_HEADER_LEN);
  writeU32(bytes, 0, PCAP_MAGIC_MICROS);
  writeU16(bytes, 4, 2);
  writeU16(bytes, 6, 4);
  writeU32(bytes, 8, 0); // thiszone: timestamps are UTC
  writeU32(bytes, 12, 0); // sigfigs: always 0 in practice
  writeU32(bytes, 16, snaplen);
  writeU32(bytes, 20, linkType);
  return bytes;
}

/** Bytes a record for `packet` takes, header included, once cut to the snaplen. */
export function pcapRecordLen(packet: Uint8Array, snaplen = PCAP_SNAPLEN): number {
  return PCAP_RECORD_HEADER_LEN + Math.min(packet.length, snaplen);
}

/** Writes one record at `offset` (room for pcapRecordLen bytes needed) and returns the bytes written. */
export function emitPcapRecord(
  timestampMicros: number,
  packet: Uint8Array,
  bytes: Uint8Array,
  offset: number,
  snaplen = PCAP_SNAPLEN,
): number {
  const captured = Math.min(packet.length, snaplen);
  const seconds = Math.floor(timestampMicros / 1_000_000);
  writeU32(bytes, offset, seconds);
  writeU32(bytes, offset + 4, timestampMicros - seconds * 1_000_000);
  writeU32(bytes, offset + 8, captured);
  writeU32(bytes, offset + 12, packet.length);
  bytes.set(packet.subarray(0, captured), offset + PCAP_RECORD_HEADER_LEN);
  return PCAP_RECORD_HEADER_LEN + captured;
}

export function encodePcapRecord(
  timestampMicros: number,
  packet: Uint8Array,
  snaplen = PCAP_SNAPLEN,
): Uint8Array {
  const bytes = new Uint8Array(pcapRecordLen(packet, snaplen));
  emitPcapRecord(timestampMicros, packet, bytes, 0, snaplen);
  return bytes;
}

function readU32LE(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>>
    0
  );
}

/**
 * How many bytes of link-layer header precede the IPv4 packet in a frame, or undefined when the frame
 * carries something else. Cooked captures (`tcpdump -i any`) store the protocol as an EtherType.
 */
function ipv4Offset(linkType: number, frame: Uint8Array): number | undefined {
  switch (linkType) {
    case LinkType.RAW:
    case LinkType.IPV4:
      return 0;
    case LinkType.ETHERNET:
      if (frame.length < ETHERNET_HEADER_LEN) return undefined;
      return readU16(frame, ETHERNET_TYPE) === ETHERTYPE_IPV4 ? ETHERNET_HEADER_LEN : undefined;
    case LinkType.LINUX_SLL:
      if (frame.length < SLL_HEADER_LEN) return undefined;
      return readU16(frame, SLL_PROTOCOL) === ETHERTYPE_IPV4 ? SLL_HEADER_LEN : undefined;
    case LinkType.LINUX_SLL2:
      if (frame.length < SLL2_HEADER_LEN) return undefined;
      return readU16(frame, SLL2_PROTOCOL) === ETHERTYPE_IPV4 ? SLL2_HEADER_LEN : undefined;
    default:
      return undefined;
  }
}

const SUPPORTED_LINK_TYPES: ReadonlySet<number> = new Set(Object.values(LinkType));

/**
 * Reads a whole classic pcap file. Records are subarrays of `bytes` (nothing is copied). A file that ends
 * inside a record is an error, as it is for tcpdump ("truncated dump file"), not a silent short read.
 */
export function readPcap(bytes: Uint8Array): PcapFile | PcapError {
  if (bytes.length >= 4 && readU32(bytes, 0) === PCAPNG_MAGIC) return 'pcap.pcapng-unsupported';
  if (bytes.length < PCAP_HEADER_LEN) return 'pcap.truncated';
  // The writer stores the magic in its own byte order, so reading it big-endian tells us the order.
  const magic = readU32(bytes, 0);
  const swappedMagic = readU32LE(bytes, 0);
  let u32: (b: Uint8Array, o: number) => number;
  let nanos: boolean;
  if (magic === PCAP_MAGIC_MICROS || magic === PCAP_MAGIC_NANOS) {
    u32 = readU32;
    nanos = magic === PCAP_MAGIC_NANOS;
  } else if (swappedMagic === PCAP_MAGIC_MICROS || swappedMagic === PCAP_MAGIC_NANOS) {
    u32 = readU32LE;
    nanos = swappedMagic === PCAP_MAGIC_NANOS;
  } else {
    return 'pcap.bad-magic';
  }
  // The link type's upper 16 bits hold FCS-length flags (pcap-savefile(5) "LinkType and additional info").
  const linkType = u32(bytes, 20) & 0xffff;
  if (!SUPPORTED_LINK_TYPES.has(linkType)) return 'pcap.unsupported-link-type';

  const records: PcapRecord[] = [];
  let skipped = 0;
  let at = PCAP_HEADER_LEN;
  while (at < bytes.length) {
    if (bytes.length - at < PCAP_RECORD_HEADER_LEN) return 'pcap.truncated-record';
    const seconds = u32(bytes, at);
    const fraction = u32(bytes, at + 4);
    const captured = u32(bytes, at + 8);
    const original = u32(bytes, at + 12);
    // libpcap rejects a captured length above its 256 KiB maximum as a corrupt file; so do we.
    if (captured > 0x40000) return 'pcap.bad-record-length';
    const start = at + PCAP_RECORD_HEADER_LEN;
    if (bytes.length - start < captured) return 'pcap.truncated-record';
    at = start + captured;
    const frame = bytes.subarray(start, start + captured);
    const skip = ipv4Offset(linkType, frame);
    if (skip === undefined) {
      skipped++;
      continue;
    }
    records.push({
      timestampMicros: seconds * 1_000_000 + (nanos ? Math.floor(fraction / 1000) : fraction),
      packet: frame.subarray(skip),
      originalLength: Math.max(original, captured) - skip,
    });
  }
  return { linkType, records, skipped };
}
