// IP_HDRINCL: a raw socket whose caller writes the IPv4 header. Linux raw(7) says which fields the kernel
// fills in anyway — "Source Address and Packet ID: filled in when zero; Checksum and Total Length: always
// filled in" — and net/ipv4/raw.c raw_send_hdrinc does that. We complete the header the same way, in place,
// so a program written against Linux raw sockets sends the same bytes through ustack (the tests compare
// with what a Linux kernel actually sent).

import { readU16, readU32, writeU16, writeU32 } from '../base/bytes.ts';
import { checksum } from '../base/checksum.ts';
import { IPV4_HEADER_LEN, IPV4_MAX_PACKET_LEN, type Ipv4Error, Ipv4Field } from './ipv4.ts';

const { TOTAL_LENGTH, IDENTIFICATION, FLAGS_FRAGMENT, CHECKSUM, SRC_ADDR } = Ipv4Field;
/** DF within the first octet of the flags/fragment-offset field. */
const DONT_FRAGMENT_BIT = 0x40;

export interface HdrinclContext {
  /** The source address routing chose for the destination, used when the caller left the field zero. */
  sourceAddr: number;
  /** The next IP ID (the IP layer's generator), used when the caller left it zero and DF is clear. */
  nextIdentification(): number;
}

/**
 * Completes a caller-built IPv4 header in `packet` (header + payload, exactly what was sent). Refuses what
 * Linux refuses with EINVAL: a packet shorter than the fixed header, or a header length running past the
 * packet; and a packet over 65535 octets, which Linux raw_sendmsg refuses with EMSGSIZE.
 */
export function completeHdrinclHeader(packet: Uint8Array, ctx: HdrinclContext): Ipv4Error | undefined {
  if (packet.length < IPV4_HEADER_LEN) return 'ipv4.truncated';
  if (packet.length > IPV4_MAX_PACKET_LEN) return 'ipv4.bad-total-length';
  const headerLength = (packet[Ipv4Field.VERSION_IHL]! & 0x0f) << 2;
  // Linux sends an IHL below 5 untouched; we refuse it, because our own IP layer (like any receiver,
  // RFC 791 "the minimum value for a correct header is 5") would drop the result.
  if (headerLength < IPV4_HEADER_LEN) return 'ipv4.bad-ihl';
  if (headerLength > packet.length) return 'ipv4.truncated';
  if (readU32(packet, SRC_ADDR) === 0) writeU32(packet, SRC_ADDR, ctx.sourceAddr);
  // The total length is always the length actually sent, whatever the caller wrote (raw(7)).
  writeU16(packet, TOTAL_LENGTH, packet.length);
  // A zero ID is filled in only when the datagram may be fragmented. With DF set, Linux's ip_select_ident
  // (called without a socket from raw_send_hdrinc) leaves it zero, as captured from a 6.18 kernel: RFC 6864
  // §4.1 gives the ID of an atomic datagram no meaning, so none is spent on it.
  if (readU16(packet, IDENTIFICATION) === 0 && (packet[FLAGS_FRAGMENT]! & DONT_FRAGMENT_BIT) === 0) {
    writeU16(packet, IDENTIFICATION, ctx.nextIdentification());
  }
  // The checksum is always recomputed: Linux zeroes the field and runs ip_fast_csum over the header no
  // matter what the caller put there, so a caller cannot send a deliberately bad header checksum.
  writeU16(packet, CHECKSUM, 0);
  writeU16(packet, CHECKSUM, checksum(packet, 0, headerLength));
  return undefined;
}
