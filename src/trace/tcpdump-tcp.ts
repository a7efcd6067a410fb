// The TCP part of a tcpdump line (tcpdump 4.99 print-tcp.c, no -v):
//   198.18.0.1.40000 > 198.18.0.2.5555: Flags [P.], seq 1:7, ack 1, win 63, options [nop,nop,TS val 1 ecr 2], length 6
// Fields come from the segment codec (TcpView for the header, parseTcpOptions for each option's value);
// this file decides only what tcpdump shows and in which order.

import { readU32 } from '../base/bytes.ts';
import { formatIpv4Address } from '../ip/address.ts';
import {
  flagsString,
  TCP_ACK,
  TCP_FIN,
  TCP_HEADER_LEN,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  TcpView,
} from '../tcp/segment.ts';
import {
  OPTION_EOL,
  OPTION_MSS,
  OPTION_NOP,
  OPTION_SACK,
  OPTION_SACK_PERMITTED,
  OPTION_TIMESTAMP,
  OPTION_WINDOW_SCALE,
  parseTcpOptions,
  type TcpOptions,
} from '../tcp/tcp-options.ts';

/** tcpdump forgets nothing; a tracer on a busy stack must, so the oldest flow goes past this many. */
const DEFAULT_MAX_FLOWS = 65536;

interface FlowBase {
  /** The initial sequence number of the flow's canonical direction, and of the other one. */
  seq: number;
  ack: number;
}

/**
 * tcpdump's relative sequence numbers (without -S): the first segment with ACK set seen on a connection
 * (or any segment with SYN+ACK, which restarts it) records both directions' base numbers, printed as
 * is; later segments print seq and ack as offsets from those bases. Both directions share one entry,
 * keyed in a canonical order: the lower port first, or the lower address when the ports are equal.
 */
export class RelativeSequenceNumbers {
  private readonly flows = new Map<string, FlowBase>();

  constructor(private readonly maxFlows = DEFAULT_MAX_FLOWS) {}

  /** How many connections are remembered. */
  get size(): number {
    return this.flows.size;
  }

  /**
   * Records or applies the bases for a segment with ACK set. Returns the numbers to print and the bases
   * tcpdump subtracts from SACK blocks (the peer's base for blocks a reverse-direction segment carries).
   */
  relate(
    srcAddr: number,
    dstAddr: number,
    srcPort: number,
    dstPort: number,
    syn: boolean,
    seq: number,
    ack: number,
    out: RelatedNumbers,
  ): void {
    const reverse = srcPort > dstPort || (srcPort === dstPort && srcAddr > dstAddr);
    const key = reverse
      ? `${dstAddr}:${dstPort}-${srcAddr}:${srcPort}`
      : `${srcAddr}:${srcPort}-${dstAddr}:${dstPort}`;
    let base = this.flows.get(key);
    if (base === undefined || syn) {
      // A new conversation (or a SYN restarting one): its numbers become the bases and print unchanged.
      if (base === undefined) {
        if (this.flows.size >= this.maxFlows) this.flows.delete(this.flows.keys().next().value!);
        base = { seq: 0, ack: 0 };
        this.flows.set(key, base);
      }
      base.seq = reverse ? (ack - 1) >>> 0 : seq;
      base.ack = reverse ? seq : (ack - 1) >>> 0;
      out.seq = seq;
      out.ack = ack;
    } else {
      out.seq = (seq - (reverse ? base.ack : base.seq)) >>> 0;
      out.ack = (ack - (reverse ? base.seq : base.ack)) >>> 0;
    }
    out.sackBase = reverse ? base.seq : base.ack;
  }
}

export interface RelatedNumbers {
  seq: number;
  ack: number;
  sackBase: number;
}

const view = new TcpView();
const related: RelatedNumbers = { seq: 0, ack: 0, sackBase: 0 };
const option: TcpOptions = {
  maxSegSize: undefined,
  windowScale: undefined,
  sackPermitted: false,
  sackRanges: [],
  timestamp: undefined,
  unknownOptions: [],
};

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

const OPTION_NAMES: Readonly<Record<number, string>> = {
  [OPTION_MSS]: 'mss',
  [OPTION_WINDOW_SCALE]: 'wscale',
  [OPTION_SACK_PERMITTED]: 'sackOK',
  [OPTION_SACK]: 'sack',
  [OPTION_TIMESTAMP]: 'TS',
};

function optionName(kind: number): string {
  return OPTION_NAMES[kind] ?? `unknown-${kind}`;
}

/** The value tcpdump prints after a whole option's name, decoded by the codec into `option`. */
function optionValue(kind: number, data: Uint8Array, sackBase: number): string {
  switch (kind) {
    case OPTION_MSS:
      return ` ${option.maxSegSize}`;
    case OPTION_WINDOW_SCALE:
      // The shift as sent: the codec clamps it to 14 (RFC 7323 §2.3), tcpdump shows the wire.
      return ` ${data[0]}`;
    case OPTION_SACK_PERMITTED:
      return '';
    case OPTION_SACK:
      return ` ${option.sackRanges.length} ${option.sackRanges.map(([l, r]) => `{${(l - sackBase) >>> 0}:${(r - sackBase) >>> 0}}`).join('')}`;
    case OPTION_TIMESTAMP:
      return ` val ${option.timestamp!.tsVal} ecr ${option.timestamp!.tsEcr}`;
    default:
      return data.length > 0 ? ` 0x${hex(data)}` : '';
  }
}

/**
 * What tcpdump prints of an option whose data the capture cut short: the name, then what it prints
 * piecewise before it runs out (a SACK's whole blocks, an unknown option's bytes). The codec cannot
 * decode a cut option, so the SACK blocks that are all there are read here.
 */
function partialOption(kind: number, data: Uint8Array, declared: number, sackBase: number): string {
  if (kind === OPTION_SACK) {
    let text = `sack ${Math.floor(declared / 8)} `;
    for (let at = 0; at + 8 <= data.length; at += 8) {
      text += `{${(readU32(data, at) - sackBase) >>> 0}:${(readU32(data, at + 4) - sackBase) >>> 0}}`;
    }
    return text;
  }
  if (kind in OPTION_NAMES) return optionName(kind);
  return `${optionName(kind)}${declared > 0 ? ` 0x${hex(data)}` : ''}`;
}

/**
 * The options area in wire order, as tcpdump lists it. `declared` is its length from the data offset;
 * `options` runs from its start to the end of the capture (tcpdump reads a length octet wherever it
 * lies and only then judges it). The text ends in
 *   ']' after the last option, and `complete` is set; otherwise the line ends with the text:
 *   '[bad opt]', plus ']' if options came before, at an option that cannot be decoded;
 *   ' [|tcp]' where the capture ends, plus '>' if options came before and the cut is inside option data.
 */
function formatOptions(
  options: Uint8Array,
  declared: number,
  sackBase: number,
): { text: string; complete: boolean } {
  const parts: string[] = [];
  const stop = (last: string, marker: string, closer: string) => ({
    text: `${parts.join(',')}${parts.length > 0 ? ',' : ''}${last}${marker}${parts.length > 0 ? closer : ''}`,
    complete: false,
  });
  let i = 0;
  while (i < declared) {
    // tcpdump's reads of a kind or length octet past the capture abandon the line at once (no '>');
    // its checks of an option's data close the list with '>' first.
    if (i >= options.length) return stop('', ' [|tcp]', '');
    const kind = options[i]!;
    if (kind === OPTION_EOL || kind === OPTION_NOP) {
      parts.push(kind === OPTION_EOL ? 'eol' : 'nop');
      i++;
      // RFC 9293 §3.2: End of Option List ends the options; what follows is padding.
      if (kind === OPTION_EOL) break;
      continue;
    }
    if (i + 1 >= options.length) return stop('', ' [|tcp]', '');
    // RFC 9293 §3.2: the length counts the kind and length octets, so it is at least 2.
    const len = options[i + 1]!;
    if (len < 2 || i + len > declared) return stop('', '[bad opt]', ']');
    const data = options.subarray(i + 2, Math.min(i + len, options.length));
    if (i + len > options.length) return stop(partialOption(kind, data, len - 2, sackBase), ' [|tcp]', '>');
    // The codec decodes one option at a time, so a malformed one is found where tcpdump finds it.
    if (parseTcpOptions(options, i, i + len, option)) return stop('', '[bad opt]', ']');
    parts.push(optionName(kind) + optionValue(kind, data, sackBase));
    i += len;
  }
  return { text: `${parts.join(',')}]`, complete: true };
}

/**
 * Formats the TCP segment of `length` bytes at `offset` (the length the IP header announces), of which
 * the capture holds `available`. `relative`, when given, turns on tcpdump's relative sequence numbers;
 * without it numbers are absolute, as with -S.
 */
export function formatTcp(
  bytes: Uint8Array,
  offset: number,
  length: number,
  available: number,
  srcAddr: number,
  dstAddr: number,
  relative: RelativeSequenceNumbers | undefined,
): string {
  const src = formatIpv4Address(srcAddr);
  const dst = formatIpv4Address(dstAddr);
  // Fewer than 4 bytes do not even hold the ports.
  if (available < 4) return `${src} > ${dst}: [|tcp]`;
  view.wrap(bytes, offset, available);
  const endpoints = `${src}.${view.srcPort} > ${dst}.${view.dstPort}: `;
  if (view.check() === 'tcp.truncated') return `${endpoints} [|tcp]`;
  const headerLength = view.headerLength;
  // RFC 9293 §3.1: the data offset counts at least the five words of the fixed header.
  if (headerLength < TCP_HEADER_LEN) {
    return `${endpoints} tcp ${length - headerLength} [bad hdr length ${headerLength} - too short, < 20]`;
  }
  const flags = view.flags;
  let line = `${endpoints}Flags [${flagsString(flags)}]`;
  let seq = view.seqNumber;
  let ack = view.ackNumber;
  let sackBase = 0;
  if (relative && flags & TCP_ACK) {
    relative.relate(srcAddr, dstAddr, view.srcPort, view.dstPort, (flags & TCP_SYN) !== 0, seq, ack, related);
    seq = related.seq;
    ack = related.ack;
    sackBase = related.sackBase;
  }
  if (headerLength > length) return `${line} [bad hdr length ${headerLength} - too long, > ${length}]`;
  const payloadLength = length - headerLength;
  // A bare ACK shows no seq: it occupies no sequence space (RFC 9293 §3.4).
  if (payloadLength > 0 || flags & (TCP_SYN | TCP_FIN | TCP_RST)) {
    line += `, seq ${seq}`;
    if (payloadLength > 0) line += `:${(seq + payloadLength) >>> 0}`;
  }
  if (flags & TCP_ACK) line += `, ack ${ack}`;
  line += `, win ${view.windowLen}`;
  if (flags & TCP_URG) line += `, urg ${view.urgentPointer}`;
  if (headerLength > TCP_HEADER_LEN) {
    const options = formatOptions(
      bytes.subarray(offset + TCP_HEADER_LEN, offset + available),
      headerLength - TCP_HEADER_LEN,
      sackBase,
    );
    line += `, options [${options.text}`;
    if (!options.complete) return line;
  }
  return `${line}, length ${payloadLength}`;
}
