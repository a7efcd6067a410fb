// Packet lines (parser.y `packet_spec`): TCP, UDP and ICMP, after the direction `<` or `>`.
//   < [ip_info] [sport>dport] flags start:end(len) [ack N] [win N] [urg N] [<options>]
//   < [ip_info] udp [sport>dport] (len)
//   < [ip_info] icmp type [code] [mtu N] [id N] [[start:end(len)] | [udp(len)] | [raw(len)]]
// The semantic checks packetdrill makes while parsing (parser.y and tcp_packet.c new_tcp_packet) are made
// here too, each pointing at the offending token.

import type {
  Direction,
  EventTime,
  IcmpEchoed,
  IcmpPacketEvent,
  IpInfo,
  PacketEvent,
  PortPair,
  SackBlock,
  TcpFlags,
  TcpOption,
  TcpPacketEvent,
  UdpPacketEvent,
} from './ast.ts';
import type { TokenCursor } from './cursor.ts';
import type { Token } from './lexer.ts';

const U8 = 0xff;
const U16 = 0xffff;
const U20 = 0xfffff;
const U32 = 0xffffffff;

/** RFC 9293 §3.1: Data Offset counts 32-bit words up to 15, so at most 40 bytes of options. */
const MAX_TCP_OPTION_BYTES = 40;

const ECN_CODEPOINTS = ['noecn', 'ect0', 'ect1', 'ce', 'ect01'] as const;
const ENCAPSULATIONS = new Set(['ipv4', 'ipv6', 'gre', 'GREv0', 'mpls']);

interface Where {
  readonly line: number;
  readonly time: EventTime;
}

/** Parses a packet event; the direction token is next. */
export function parsePacket(cursor: TokenCursor, where: Where): PacketEvent {
  const direction: Direction = cursor.next().text === '<' ? 'inbound' : 'outbound';
  if (cursor.peek().kind === 'word' && ENCAPSULATIONS.has(cursor.peek().text)) {
    cursor.fail('encapsulation prefixes (ipv4, ipv6, gre, mpls) are not supported');
  }
  const ip = cursor.isPunct('[') || cursor.isPunct('(') ? parseIpInfo(cursor, direction) : undefined;
  if (cursor.isWord('udp')) return parseUdp(cursor, where, direction, ip);
  if (cursor.isWord('icmp')) return parseIcmp(cursor, where, direction, ip);
  return parseTcp(cursor, where, direction, ip);
}

function parseIpInfo(cursor: TokenCursor, direction: Direction): IpInfo {
  const close = cursor.next().text === '[' ? ']' : ')';
  const info: { -readonly [K in keyof IpInfo]: IpInfo[K] } = {};
  if (cursor.isWord('ttl')) {
    cursor.next();
    info.ttl = cursor.expectInteger('ttl', U8);
  } else if (cursor.isWord('flowlabel')) {
    info.flowLabel = parseFlowLabel(cursor);
  } else {
    const ecn = ECN_CODEPOINTS.find((name) => cursor.isWord(name));
    if (ecn !== undefined) {
      // parser.y tcp_packet_spec: ect01 means "either ECT codepoint", which only makes sense when checking.
      if (ecn === 'ect01' && direction === 'inbound') {
        cursor.fail('[ect01] can only be used with outbound packets');
      }
      cursor.next();
      info.ecn = ecn;
    } else if (cursor.isWord('tos')) {
      cursor.next();
      info.tos = expectHex(cursor, 'tos', U8);
    } else {
      cursor.fail('expected an ECN codepoint (noecn, ect0, ect1, ce, ect01), tos, ttl or flowlabel');
    }
    if (cursor.eatPunct(',')) info.flowLabel = parseFlowLabel(cursor);
  }
  cursor.expectPunct(close, `expected '${close}' after IP header fields`);
  return info;
}

function parseFlowLabel(cursor: TokenCursor): number {
  if (!cursor.isWord('flowlabel')) cursor.fail('expected flowlabel 0xN');
  cursor.next();
  return expectHex(cursor, 'flowlabel', U20);
}

/** packetdrill's grammar takes tos and flowlabel only in hex (parser.y `tos_spec`, `flow_label`). */
function expectHex(cursor: TokenCursor, what: string, max: number): number {
  const token = cursor.peek();
  if (token.kind !== 'int' || !token.text.startsWith('0x')) {
    cursor.fail(`expected a hex ${what} value such as 0x4`);
  }
  return cursor.expectInteger(what, max);
}

function parsePorts(cursor: TokenCursor): PortPair | undefined {
  if (cursor.peek().kind !== 'int' || !cursor.isPunct('>', 1)) return undefined;
  const src = cursor.expectInteger('source port', U16);
  cursor.next();
  const dst = cursor.expectInteger('destination port', U16, 'expected a destination port after >');
  return { src, dst };
}

function parseTcp(cursor: TokenCursor, where: Where, direction: Direction, ip?: IpInfo): TcpPacketEvent {
  const ports = parsePorts(cursor);
  const flags = parseFlags(cursor);
  const { seq, length } = parseSequence(cursor);
  let ack: number | undefined;
  let window: number | undefined;
  let urgent: number | undefined;
  if (cursor.isWord('ack')) {
    cursor.next();
    ack = cursor.expectInteger('ack number', U32);
  }
  if (cursor.isWord('win')) {
    cursor.next();
    window = cursor.expectInteger('window', U16);
  } else if (direction === 'inbound') {
    // tcp_packet.c: an injected segment needs a concrete window; only outbound lines may leave it unchecked.
    cursor.fail('window must be specified for inbound packets (win N)');
  }
  if (cursor.isWord('urg')) {
    cursor.next();
    urgent = cursor.expectInteger('urgent pointer', U16);
  }
  const options = cursor.isPunct('<') ? parseTcpOptions(cursor, direction) : [];
  if (cursor.isPunct('{')) cursor.fail('packet fuzzing ({ mut ... }) is not supported');
  return {
    kind: 'tcp',
    ...where,
    direction,
    ...(ip && { ip }),
    ...(ports && { ports }),
    flags,
    seq,
    length,
    ...(ack !== undefined && { ack }),
    ...(window !== undefined && { window }),
    ...(urgent !== undefined && { urgent }),
    options,
  };
}

/**
 * parser.y `flags`: a word of flag letters and digits, then an optional `.` (ACK). The lexer splits `P.5`
 * into `P` and `.5` and `.5` alone is a float, so the flag text is rebuilt from up to two tokens.
 */
function parseFlags(cursor: TokenCursor): TcpFlags {
  const first = cursor.peek();
  if (first.kind === 'punct' && first.text === '-') {
    cursor.next();
    return flagsFrom('', first, cursor);
  }
  let text = '';
  if (first.kind === 'word') text = cursor.next().text;
  const second = cursor.peek();
  if (
    (second.kind === 'punct' && second.text === '.') ||
    (second.kind === 'float' && second.text.startsWith('.'))
  ) {
    text += cursor.next().text;
  }
  if (text === '') cursor.fail('expected TCP flags (such as S, S., P., F., R or -)');
  return flagsFrom(text, first, cursor);
}

function flagsFrom(text: string, at: Token, cursor: TokenCursor): TcpFlags {
  let ace: number | undefined;
  let ecnLetter = false;
  for (const c of text) {
    if (!'.FSRPEWAU01234567'.includes(c)) cursor.fail(`invalid TCP flag '${c}'`, at);
    // tcp_packet.c is_tcp_flags_spec_valid: a digit is the whole 3-bit AccECN ACE field (RFC 9768 §3.2.2),
    // so it cannot be combined with another digit or with the E, W and A bits it overlaps.
    const isDigit = c >= '0' && c <= '7';
    if ((isDigit && (ace !== undefined || ecnLetter)) || ('EWA'.includes(c) && ace !== undefined)) {
      cursor.fail(`conflicting TCP flag '${c}'`, at);
    }
    if (isDigit) ace = Number(c);
    if ('EWA'.includes(c)) ecnLetter = true;
  }
  return {
    syn: text.includes('S'),
    fin: text.includes('F'),
    rst: text.includes('R'),
    psh: text.includes('P'),
    ack: text.includes('.'),
    urg: text.includes('U'),
    ece: text.includes('E'),
    cwr: text.includes('W'),
    ae: text.includes('A'),
    ...(ace !== undefined && { ace }),
  };
}

/** `start:end(length)`; packetdrill insists that end = start + length (parser.y `seq`). */
function parseSequence(cursor: TokenCursor): { seq: number; length: number } {
  const message = 'expected a sequence range such as 1:1001(1000)';
  const at = cursor.peek();
  const seq = cursor.expectInteger('start sequence number', U32, message);
  cursor.expectPunct(':', message);
  const end = cursor.expectInteger('end sequence number', U32, message);
  cursor.expectPunct('(', message);
  const length = cursor.expectInteger('payload length', U16, message);
  cursor.expectPunct(')', message);
  if (end !== seq + length) {
    cursor.fail(`sequence range ${seq}:${end} does not match payload length ${length}`, at);
  }
  return { seq, length };
}

function parseTcpOptions(cursor: TokenCursor, direction: Direction): TcpOption[] | 'any' {
  const open = cursor.next();
  if (cursor.peek().kind === 'ellipsis') {
    // parser.y tcp_packet_spec: "don't check" has no meaning for a packet the script builds itself.
    if (direction === 'inbound') cursor.fail('<...> for TCP options can only be used with outbound packets');
    cursor.next();
    cursor.expectPunct('>', "expected '>' after '<...'");
    return 'any';
  }
  const options: TcpOption[] = [];
  do options.push(parseTcpOption(cursor));
  while (cursor.eatPunct(','));
  cursor.expectPunct('>', "expected ',' or '>' after a TCP option");
  checkOptionLength(cursor, options, open);
  return options;
}

function parseTcpOption(cursor: TokenCursor): TcpOption {
  const name = cursor.expectWord('expected a TCP option (mss, wscale, sackOK, sack, TS, nop, eol...)').text;
  switch (name) {
    case 'nop':
    case 'eol':
    case 'sackOK':
      return { kind: name };
    case 'mss':
      return { kind: 'mss', mss: cursor.expectInteger('mss value', U16) };
    case 'wscale':
      return { kind: 'wscale', shift: cursor.expectInteger('window scale shift count', U8) };
    case 'sack':
      return { kind: 'sack', blocks: parseSackBlocks(cursor) };
    case 'TS': {
      if (!cursor.isWord('val')) cursor.fail('expected TS val N ecr N');
      cursor.next();
      const val = cursor.expectInteger('TS val', U32);
      if (!cursor.isWord('ecr')) cursor.fail('expected ecr N after TS val');
      cursor.next();
      return { kind: 'timestamp', val, ecr: cursor.expectInteger('TS ecr', U32) };
    }
    default: {
      const words: string[] = [];
      while (cursor.peek().kind !== 'eof' && !cursor.isPunct(',') && !cursor.isPunct('>')) {
        words.push(cursor.next().text);
      }
      return { kind: 'other', name, words };
    }
  }
}

function parseSackBlocks(cursor: TokenCursor): SackBlock[] {
  const blocks: SackBlock[] = [];
  do {
    const left = cursor.expectInteger('SACK left edge', U32, 'expected a SACK block such as 1001:2001');
    cursor.expectPunct(':', 'expected a SACK block such as 1001:2001');
    const right = cursor.expectInteger('SACK right edge', U32, 'expected a SACK block such as 1001:2001');
    blocks.push({ left, right });
  } while (cursor.peek().kind === 'int');
  return blocks;
}

/** Wire sizes (RFC 9293 §3.2, RFC 7323 §2.2 and §3.2, RFC 2018 §2 and §3); undefined for other options. */
function optionBytes(option: TcpOption): number | undefined {
  switch (option.kind) {
    case 'nop':
    case 'eol':
      return 1;
    case 'sackOK':
      return 2;
    case 'wscale':
      return 3;
    case 'mss':
      return 4;
    case 'timestamp':
      return 10;
    case 'sack':
      return 2 + 8 * option.blocks.length;
    case 'other':
      return undefined;
  }
}

/** tcp_packet.c new_tcp_packet: the header must end on a 32-bit boundary and fit its 4-bit data offset. */
function checkOptionLength(cursor: TokenCursor, options: readonly TcpOption[], at: Token): void {
  let total = 0;
  for (const option of options) {
    const bytes = optionBytes(option);
    if (bytes === undefined) return;
    total += bytes;
  }
  if (total % 4 !== 0) {
    cursor.fail(`TCP options take ${total} bytes, not a multiple of 4 (pad with nop)`, at);
  }
  if (total > MAX_TCP_OPTION_BYTES) {
    cursor.fail(
      `TCP options take ${total} bytes, more than the ${MAX_TCP_OPTION_BYTES} a header can hold`,
      at,
    );
  }
}

function parseUdp(cursor: TokenCursor, where: Where, direction: Direction, ip?: IpInfo): UdpPacketEvent {
  const at = cursor.next();
  // parser.y udp_packet_spec: ECN marks are only meaningful on TCP segments here.
  if (ip?.ecn !== undefined) cursor.fail('ECN can only be used with TCP packets', at);
  const ports = parsePorts(cursor);
  cursor.expectPunct('(', "expected '(' and the payload length after udp");
  const length = cursor.expectInteger('UDP payload length', U16);
  cursor.expectPunct(')', "expected ')' after the UDP payload length");
  return { kind: 'udp', ...where, direction, ...(ip && { ip }), ...(ports && { ports }), length };
}

function parseIcmp(cursor: TokenCursor, where: Where, direction: Direction, ip?: IpInfo): IcmpPacketEvent {
  cursor.next();
  const type = cursor.expectWord('expected an ICMP type such as unreachable').text;
  const code =
    cursor.peek().kind === 'word' && !cursor.isWord('mtu') && !cursor.isWord('id')
      ? cursor.next().text
      : undefined;
  let mtu: number | undefined;
  let id: number | undefined;
  if (cursor.isWord('mtu')) {
    cursor.next();
    mtu = cursor.expectInteger('ICMP mtu', U16);
  }
  if (cursor.isWord('id')) {
    cursor.next();
    id = cursor.expectInteger('ICMP id', U16);
  }
  const echoed = cursor.isPunct('[') ? parseEchoed(cursor) : undefined;
  return {
    kind: 'icmp',
    ...where,
    direction,
    ...(ip && { ip }),
    type,
    ...(code !== undefined && { code }),
    ...(mtu !== undefined && { mtu }),
    ...(id !== undefined && { id }),
    ...(echoed && { echoed }),
  };
}

function parseEchoed(cursor: TokenCursor): IcmpEchoed {
  cursor.next();
  let echoed: IcmpEchoed;
  if (cursor.isWord('udp') || cursor.isWord('raw')) {
    const protocol = cursor.next().text === 'udp' ? 'udp' : 'raw';
    cursor.expectPunct('(', `expected '(' and a length after ${protocol}`);
    const length = cursor.expectInteger('echoed length', U16);
    cursor.expectPunct(')', "expected ')' after the echoed length");
    echoed = { protocol, length };
  } else {
    echoed = { protocol: 'tcp', ...parseSequence(cursor) };
  }
  cursor.expectPunct(']', "expected ']' after the echoed packet");
  return echoed;
}
