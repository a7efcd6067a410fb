// The ICMP part of a tcpdump line (tcpdump 4.99 print-icmp.c, no -v):
//   ICMP echo request, id 1, seq 1, length 64
//   ICMP 198.18.0.2 udp port 9 unreachable, length 36
// The message is decoded by the codecs (parseIcmp; Ipv4View and UdpView for the quoted datagram);
// this file picks tcpdump's wording for each type and code.

import { readU16, readU32 } from '../base/bytes.ts';
import { checksum } from '../base/checksum.ts';
import { formatIpv4Address } from '../ip/address.ts';
import { DestUnreachable, type IcmpRepr, IcmpType, parseIcmp } from '../ip/icmp.ts';
import { IPV4_HEADER_LEN, Ipv4View } from '../ip/ipv4.ts';
import { TCP_PROTOCOL } from '../tcp/segment.ts';
import { UDP_PROTOCOL, UdpView } from '../udp/datagram.ts';

const TRUNCATED = '[|icmp]';
// Octet offsets of the two fields formatIcmp may rewrite in a copy (RFC 792).
const CODE = 1;
const CHECKSUM = 2;

/** tcpdump's wording for destination unreachable codes other than protocol, port and need-to-frag. */
const UNREACHABLE: Readonly<Record<number, (dst: string) => string>> = {
  [DestUnreachable.NET]: (dst) => `net ${dst} unreachable`,
  [DestUnreachable.HOST]: (dst) => `host ${dst} unreachable`,
  [DestUnreachable.SOURCE_ROUTE_FAILED]: (dst) => `${dst} unreachable - source route failed`,
  [DestUnreachable.NET_UNKNOWN]: (dst) => `net ${dst} unreachable - unknown`,
  [DestUnreachable.HOST_UNKNOWN]: (dst) => `host ${dst} unreachable - unknown`,
  [DestUnreachable.SOURCE_HOST_ISOLATED]: (dst) => `${dst} unreachable - source host isolated`,
  [DestUnreachable.NET_PROHIBITED]: (dst) => `net ${dst} unreachable - admin prohibited`,
  [DestUnreachable.HOST_PROHIBITED]: (dst) => `host ${dst} unreachable - admin prohibited`,
  [DestUnreachable.NET_TOS]: (dst) => `net ${dst} unreachable - tos prohibited`,
  [DestUnreachable.HOST_TOS]: (dst) => `host ${dst} unreachable - tos prohibited`,
  [DestUnreachable.COMM_PROHIBITED]: (dst) => `host ${dst} unreachable - admin prohibited filter`,
  [DestUnreachable.HOST_PRECEDENCE_VIOLATION]: (dst) => `host ${dst} unreachable - host precedence violation`,
  [DestUnreachable.PRECEDENCE_CUTOFF]: (dst) => `host ${dst} unreachable - precedence cutoff`,
};

/** Types tcpdump names without reading anything past the checksum. */
const PLAIN_TYPES: Readonly<Record<number, string>> = {
  [IcmpType.SOURCE_QUENCH]: 'source quench',
  10: 'router solicitation',
  15: 'information request',
  16: 'information reply',
  17: 'address mask request',
};

/** Redirect codes 0–3 (RFC 792): for the network, the host, and either with the type of service. */
const REDIRECT: ReadonlyArray<(dst: string, gateway: string) => string> = [
  (dst, gateway) => `redirect ${dst} to net ${gateway}`,
  (dst, gateway) => `redirect ${dst} to host ${gateway}`,
  (dst, gateway) => `redirect-tos ${dst} to net ${gateway}`,
  (dst, gateway) => `redirect-tos ${dst} to host ${gateway}`,
];

const quotedView = new Ipv4View();
/** TCP and UDP put their ports in the same first four octets, which is all a port unreachable needs. */
const quotedPorts = new UdpView();

/** The destination of the datagram an error quotes, once its fixed header is all there. */
function quotedDestination(quoted: Uint8Array): string | undefined {
  if (quoted.length < IPV4_HEADER_LEN) return undefined;
  return formatIpv4Address(quotedView.wrap(quoted).dstAddr);
}

/** `wireCode` is set when the code is one the codec does not define (RFC 792 and successors). */
function describeUnreachable(
  repr: Extract<IcmpRepr, { kind: 'dest-unreachable' }>,
  wireCode: number | undefined,
): string | undefined {
  const dst = quotedDestination(repr.quoted);
  if (dst === undefined) return undefined;
  if (wireCode !== undefined) return `${dst} unreachable - #${wireCode}`;
  switch (repr.code) {
    case DestUnreachable.PROTOCOL:
      return `${dst} protocol ${quotedView.wrap(repr.quoted).protocol} unreachable`;
    case DestUnreachable.PORT: {
      // tcpdump takes the quoted header as it comes (any version, any fragment offset): so does this.
      const headerLength = quotedView.wrap(repr.quoted).headerLength;
      if (repr.quoted.length < headerLength + 4) return undefined;
      const protocol = quotedView.protocol;
      const port = quotedPorts.wrap(repr.quoted, headerLength, 4).dstPort;
      if (protocol === TCP_PROTOCOL) return `${dst} tcp port ${port} unreachable`;
      if (protocol === UDP_PROTOCOL) return `${dst} udp port ${port} unreachable`;
      return `${dst} protocol ${protocol} port ${port} unreachable`;
    }
    case DestUnreachable.FRAG_NEEDED:
      // RFC 1191 §4: a next-hop MTU of zero comes from a router that predates the field.
      return repr.nextHopMtu
        ? `${dst} unreachable - need to frag (mtu ${repr.nextHopMtu})`
        : `${dst} unreachable - need to frag`;
    default:
      return UNREACHABLE[repr.code]!(dst);
  }
}

/** Types the codec keeps raw; `rest` starts right after the checksum. */
function describeOther(type: number, code: number, rest: Uint8Array): string | undefined {
  switch (type) {
    case IcmpType.REDIRECT: {
      // RFC 792: the gateway address, then the quoted header.
      const dst = quotedDestination(rest.subarray(4));
      if (dst === undefined) return undefined;
      const gateway = formatIpv4Address(readU32(rest, 0));
      return REDIRECT[code]?.(dst, gateway) ?? `redirect-#${code} ${dst} to ${gateway}`;
    }
    case IcmpType.PARAMETER_PROBLEM:
      // RFC 792: the pointer octet names where in the quoted header the problem lies.
      return code ? `parameter problem - code ${code}` : `parameter problem - octet ${rest[0]}`;
    case IcmpType.TIMESTAMP:
      if (rest.length < 4) return undefined;
      return `time stamp query id ${readU16(rest, 0)} seq ${readU16(rest, 2)}`;
    case 18: // address mask reply (RFC 950)
      if (rest.length < 8) return undefined;
      return `address mask is 0x${readU32(rest, 4).toString(16).padStart(8, '0')}`;
    default:
      return PLAIN_TYPES[type] ?? `type-#${type}`;
  }
}

function describe(repr: IcmpRepr, wireCode: number | undefined): string | undefined {
  switch (repr.kind) {
    case 'echo-request':
    case 'echo-reply':
      return `echo ${repr.kind === 'echo-request' ? 'request' : 'reply'}, id ${repr.ident}, seq ${repr.seqNo}`;
    case 'dest-unreachable':
      return describeUnreachable(repr, wireCode);
    case 'time-exceeded':
      if (quotedDestination(repr.quoted) === undefined) return undefined;
      if (wireCode !== undefined) return `time exceeded-#${wireCode}`;
      return repr.code === 0 ? 'time exceeded in-transit' : 'ip reassembly time exceeded';
    case 'other':
      return describeOther(repr.type, repr.code, repr.rest);
  }
}

function fixChecksum(message: Uint8Array): void {
  message[CHECKSUM] = 0;
  message[CHECKSUM + 1] = 0;
  const sum = checksum(message, 0, message.length);
  message[CHECKSUM] = sum >>> 8;
  message[CHECKSUM + 1] = sum & 0xff;
}

/**
 * Formats the ICMP message of `length` bytes at `offset` (the length the IP header announces), of which
 * the capture holds `available`. tcpdump shows a message whatever its checksum (the first fragment of a
 * large echo never sums right on its own) and whatever its code, while parseIcmp refuses both; so such a
 * message is decoded from a copy with the checksum recomputed and an undefined code replaced by 0 (which
 * every type the codec knows defines), and its real code is printed.
 */
export function formatIcmp(bytes: Uint8Array, offset: number, length: number, available: number): string {
  let repr = parseIcmp(bytes, offset, available);
  let wireCode: number | undefined;
  if (repr === 'icmp.bad-checksum' || repr === 'icmp.bad-code') {
    const copy = bytes.slice(offset, offset + available);
    fixChecksum(copy);
    repr = parseIcmp(copy, 0, available);
    if (repr === 'icmp.bad-code') {
      wireCode = copy[CODE]!;
      copy[CODE] = 0;
      fixChecksum(copy);
      repr = parseIcmp(copy, 0, available);
    }
  }
  if (typeof repr === 'string') return ` ${TRUNCATED}`;
  const text = describe(repr, wireCode);
  if (text === undefined) return ` ${TRUNCATED}`;
  return `ICMP ${text}, length ${length}`;
}
