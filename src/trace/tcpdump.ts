// One line per IPv4 packet in `tcpdump -nn`'s own format (tcpdump 4.99, no -v), so a ustack trace reads
// like the kernel's and can be diffed against `tcpdump -nn -r` of the same packets:
//   IP 198.18.0.2.80 > 198.18.0.1.41234: Flags [S.], seq 1, ack 2, win 64240, options [mss 1460], length 0
//   IP 198.18.0.1.40002 > 198.18.0.2.5557: UDP, length 6
//   IP 198.18.0.2 > 198.18.0.1: ICMP 198.18.0.2 udp port 9 unreachable, length 36
//   IP 198.18.0.1 > 198.18.0.2: ip-proto-1                     (a fragment after the first)
// Headers are read by the wire codecs (Ipv4View, TcpView, UdpView, parseIcmp); what a codec calls
// malformed becomes tcpdump's wording for it ("IP bad-hlen 16", "[|tcp]", "UDP, bad length 92 > 3"),
// never an exception. Application protocols tcpdump dissects by port (HTTP on 80, DNS on 53…) and IP
// protocols other than TCP, UDP and ICMP are shown in the generic form only.

import { formatIpv4Address } from '../ip/address.ts';
import { ICMP_PROTOCOL } from '../ip/icmp.ts';
import { IPV4_HEADER_LEN, Ipv4View } from '../ip/ipv4.ts';
import { TCP_PROTOCOL } from '../tcp/segment.ts';
import { UDP_HEADER_LEN, UDP_PROTOCOL, UdpView } from '../udp/datagram.ts';
import { formatIcmp } from './tcpdump-icmp.ts';
import { formatTcp, RelativeSequenceNumbers } from './tcpdump-tcp.ts';

export { RelativeSequenceNumbers } from './tcpdump-tcp.ts';

export interface FormatOptions {
  /** Per-connection state for tcpdump's relative sequence numbers; without it numbers are absolute (-S). */
  relative?: RelativeSequenceNumbers;
  /**
   * The packet's length on the wire, when `packet` holds only the first bytes of it (a capture cut at its
   * snaplen: PcapRecord.originalLength). Lengths then come from the headers, as far as they were captured.
   */
  wireLength?: number;
}

const ipView = new Ipv4View();
const udpView = new UdpView();

/** `length` is what the IP header announces, `available` what the capture holds of it. */
function formatUdp(
  bytes: Uint8Array,
  offset: number,
  length: number,
  available: number,
  src: string,
  dst: string,
  moreFragments: boolean,
): string {
  if (available < 4) return `${src} > ${dst}:  [|udp]`;
  udpView.wrap(bytes, offset, available);
  const endpoints = `${src}.${udpView.srcPort} > ${dst}.${udpView.dstPort}: `;
  if (length < UDP_HEADER_LEN) return `${endpoints}truncated-udp ${length}`;
  if (udpView.check() === 'udp.truncated') return `${endpoints} [|udp]`;
  const declared = udpView.lengthField;
  // RFC 768: the length counts the 8-octet header, so anything shorter cannot be a datagram.
  if (declared < UDP_HEADER_LEN) return `${endpoints}truncated-udplength ${declared}`;
  // The first fragment of a larger datagram holds only part of what the length field announces.
  if (declared > length && !moreFragments) {
    return `${endpoints}UDP, bad length ${declared - UDP_HEADER_LEN} > ${length - UDP_HEADER_LEN}`;
  }
  return `${endpoints}UDP, length ${declared - UDP_HEADER_LEN}`;
}

/** One packet as `tcpdump -nn` prints it, without the timestamp. Never throws, whatever the bytes. */
export function formatPacket(packet: Uint8Array, options: FormatOptions = {}): string {
  const captured = packet.length;
  if (captured === 0) return 'truncated-ip 0';
  const ip = ipView.wrap(packet);
  const version = ip.version;
  if (version === 6) return `IP6 (not decoded), length ${options.wireLength ?? captured}`;
  if (version !== 4) return `IP${version} (invalid)`;
  const error = ip.check();
  if (captured < IPV4_HEADER_LEN) return 'IP  [|ip]';
  const headerLength = ip.headerLength;
  // RFC 791: IHL counts 32-bit words and "the minimum value for a correct header is 5".
  if (error === 'ipv4.bad-ihl') return `IP bad-hlen ${headerLength}`;
  const total = ip.totalLength;
  if (total < headerLength) return `IP bad-len ${total}`;
  const wireLength = Math.max(options.wireLength ?? captured, captured);
  // A datagram longer than what was on the wire was cut short by its sender; tcpdump says so and goes on.
  const prefix = total > wireLength ? `IP truncated-ip - ${total - wireLength} bytes missing! ` : 'IP ';
  const protocol = ip.protocol;
  const src = formatIpv4Address(ip.srcAddr);
  const dst = formatIpv4Address(ip.dstAddr);
  // tcpdump names the addresses itself except for TCP and UDP, whose lines put the ports beside them.
  const addresses = protocol === TCP_PROTOCOL || protocol === UDP_PROTOCOL ? '' : `${src} > ${dst}: `;
  if (error === 'ipv4.truncated') {
    return `${prefix}${addresses} [remaining caplen(${captured}) < header length(${headerLength})] [|ip]`;
  }
  // RFC 791 §3.2: only the fragment at offset 0 starts with the transport header.
  if (ip.fragmentOffset !== 0) return `${prefix}${src} > ${dst}: ip-proto-${protocol}`;
  const length = total - headerLength;
  const available = Math.min(total, captured) - headerLength;
  switch (protocol) {
    case TCP_PROTOCOL:
      return (
        prefix + formatTcp(packet, headerLength, length, available, ip.srcAddr, ip.dstAddr, options.relative)
      );
    case UDP_PROTOCOL:
      return prefix + formatUdp(packet, headerLength, length, available, src, dst, ip.moreFragments);
    case ICMP_PROTOCOL:
      return `${prefix}${addresses}${formatIcmp(packet, headerLength, length, available)}`;
    default:
      return `${prefix}${addresses} ip-proto-${protocol} ${length}`;
  }
}

const MICROS_PER_SECOND = 1_000_000;
const MICROS_PER_DAY = 86_400 * MICROS_PER_SECOND;

function twoDigits(n: number): string {
  return n.toString().padStart(2, '0');
}

/**
 * tcpdump's default time stamp, HH:MM:SS.uuuuuu: the time of day of `micros` since the epoch, in UTC
 * (tcpdump uses the local zone, so compare with TZ=UTC).
 */
export function formatTimestamp(micros: number): string {
  const inDay = ((Math.floor(micros) % MICROS_PER_DAY) + MICROS_PER_DAY) % MICROS_PER_DAY;
  const seconds = Math.floor(inDay / MICROS_PER_SECOND);
  const fraction = (inDay % MICROS_PER_SECOND).toString().padStart(6, '0');
  return `${twoDigits(Math.floor(seconds / 3600))}:${twoDigits(Math.floor(seconds / 60) % 60)}:${twoDigits(seconds % 60)}.${fraction}`;
}

/**
 * A tcpdump line printer with the per-connection state relative sequence numbers need: feed it every
 * packet of a capture in order, both directions, as tcpdump reads a file.
 */
export class TcpdumpFormatter {
  private readonly options: FormatOptions;

  /** `absolute: true` prints sequence numbers as they are, like `tcpdump -S`. */
  constructor(options: { absolute?: boolean; maxFlows?: number } = {}) {
    this.options = options.absolute ? {} : { relative: new RelativeSequenceNumbers(options.maxFlows) };
  }

  /** `wireLength` as in FormatOptions, for a packet from a capture cut at its snaplen. */
  format(packet: Uint8Array, wireLength?: number): string {
    return formatPacket(packet, { ...this.options, wireLength });
  }

  /** The whole line `tcpdump -nn -r` prints: time of day, then the packet. */
  line(timestampMicros: number, packet: Uint8Array, wireLength?: number): string {
    return `${formatTimestamp(timestampMicros)} ${this.format(packet, wireLength)}`;
  }
}
