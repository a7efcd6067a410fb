// Fragmentation on send (RFC 791 §3.2, "An Example Fragmentation Procedure"): a datagram larger than the
// route MTU is cut into fragments whose data lengths are multiples of 8, each with a copy of the header
// (options too: ustack copies all options into every fragment, which RFC 791 permits for the copied ones
// and which the option-less datagrams ustack sends never exercise).

import type { PacketSlab } from '../base/packet-slab.ts';
import { emitIpv4Header, type Ipv4Repr, ipv4HeaderLen } from './ipv4.ts';

/**
 * Cuts `payload` (the datagram's data) described by `header` into packets of at most `mtu` bytes.
 * The caller has already checked that DF is clear and that the datagram exceeds the MTU.
 */
export function fragmentDatagram(
  header: Ipv4Repr,
  payload: Uint8Array,
  mtu: number,
  slab: PacketSlab,
): Uint8Array[] {
  const headerLen = ipv4HeaderLen(header);
  const maxData = (mtu - headerLen) & ~7;
  const packets: Uint8Array[] = [];
  for (let offset = 0; offset < payload.length; offset += maxData) {
    const chunk = payload.subarray(offset, Math.min(payload.length, offset + maxData));
    const last = offset + chunk.length >= payload.length;
    const repr: Ipv4Repr = {
      ...header,
      fragmentOffset: header.fragmentOffset + offset,
      // A fragment of a fragment keeps MF set unless it carries the original's end (RFC 791 §3.2).
      moreFragments: last ? header.moreFragments : true,
      payloadLength: chunk.length,
    };
    const packet = slab.allocate(headerLen + chunk.length);
    emitIpv4Header(repr, packet, 0);
    packet.set(chunk, headerLen);
    packets.push(packet);
  }
  return packets;
}
