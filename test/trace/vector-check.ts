// Shared by the real-packet vector tests (test/trace/vectors.test.ts on the committed captures,
// test/tun/vectors.test.ts on fresh ones, test/trace/emitted.test.ts on ustack's own packets):
//   ustackFields — what ustack's decoders make of a packet, spelled as tshark's fields, so one deep
//                  equality per packet checks every field tshark reports against ours;
//   tsharkFields / tcpdumpLines — the references, read from a file or produced live.

import { execFileSync } from 'node:child_process';
import { checksum } from '../../src/base/checksum.ts';
import { formatIpv4Address } from '../../src/ip/address.ts';
import { ICMP_PROTOCOL, type IcmpRepr, parseIcmp, parseQuotedDatagram } from '../../src/ip/icmp.ts';
import { blankIpv4Repr, IPV4_HEADER_LEN, Ipv4View, parseIpv4 } from '../../src/ip/ipv4.ts';
import { type Ipv4Option, parseIpv4Options } from '../../src/ip/ipv4-options.ts';
import { type PcapFile, readPcap } from '../../src/link/pcap.ts';
import { blankTcpRepr, parseTcp, TCP_PROTOCOL, TcpView } from '../../src/tcp/segment.ts';
import { TcpdumpFormatter } from '../../src/trace/tcpdump.ts';
import { parseUdp, UDP_PROTOCOL, UdpView } from '../../src/udp/datagram.ts';

export type Fields = Record<string, string[]>;

/** The fields capture.sh asks tshark for; tshark leaves out those a packet does not have. */
export const TSHARK_FIELDS = [
  'ip.version',
  'ip.hdr_len',
  'ip.dsfield',
  'ip.len',
  'ip.id',
  'ip.flags.df',
  'ip.flags.mf',
  'ip.frag_offset',
  'ip.ttl',
  'ip.proto',
  'ip.checksum',
  'ip.checksum.status',
  'ip.src',
  'ip.dst',
  'ip.opt.type',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.hdr_len',
  'tcp.flags',
  'tcp.window_size_value',
  'tcp.checksum.status',
  'tcp.urgent_pointer',
  'tcp.len',
  'tcp.options.mss_val',
  'tcp.options.wscale.shift',
  'tcp.options.sack_perm',
  'tcp.options.timestamp.tsval',
  'tcp.options.timestamp.tsecr',
  'udp.srcport',
  'udp.dstport',
  'udp.length',
  'udp.checksum.status',
  'icmp.type',
  'icmp.code',
  'icmp.ident',
  'icmp.seq',
  'icmp.checksum.status',
];

/** The preferences capture.sh gives tshark: verify every checksum, decode each fragment on its own. */
export const TSHARK_PREFERENCES = [
  'tcp.check_checksum:TRUE',
  'udp.check_checksum:TRUE',
  'ip.check_checksum:TRUE',
  'ip.defragment:FALSE',
];

// Wireshark's checksum status values (epan/proto.h PROTO_CHECKSUM_E_*).
const BAD = '0';
const GOOD = '1';
const UNVERIFIED = '2';
const NOT_PRESENT = '3';

const hex = (value: number, digits: number) => `0x${value.toString(16).padStart(digits, '0')}`;

function add(fields: Fields, name: string, value: string | number): void {
  const values = fields[name] ?? [];
  values.push(String(value));
  fields[name] = values;
}

const OPTION_TYPES: Record<Exclude<Ipv4Option['kind'], 'unknown'>, number> = {
  eol: 0,
  nop: 1,
  'record-route': 7,
  timestamp: 68,
  'loose-source-route': 131,
  'strict-source-route': 137,
  'router-alert': 148,
};

/** The IPv4 header fields; `checksumStatus` from the header parse. Several headers (a quote) append. */
function addIpv4(fields: Fields, view: Ipv4View, checksumStatus: string): void {
  add(fields, 'ip.version', view.version);
  add(fields, 'ip.hdr_len', view.headerLength);
  add(fields, 'ip.dsfield', hex(view.tos, 2));
  add(fields, 'ip.len', view.totalLength);
  add(fields, 'ip.id', hex(view.identification, 4));
  add(fields, 'ip.flags.df', view.dontFragment ? 1 : 0);
  add(fields, 'ip.flags.mf', view.moreFragments ? 1 : 0);
  // tshark counts the fragment offset in 8-octet units, as the header field does.
  add(fields, 'ip.frag_offset', view.fragmentOffset / 8);
  add(fields, 'ip.ttl', view.ttl);
  add(fields, 'ip.proto', view.protocol);
  add(fields, 'ip.checksum', hex(view.checksumField, 4));
  add(fields, 'ip.checksum.status', checksumStatus);
  add(fields, 'ip.src', formatIpv4Address(view.srcAddr));
  add(fields, 'ip.dst', formatIpv4Address(view.dstAddr));
  if (view.headerLength > IPV4_HEADER_LEN) {
    const options = parseIpv4Options(view.options);
    if (typeof options === 'string') throw new Error(`ustack rejects the IPv4 options: ${options}`);
    for (const option of options) {
      add(fields, 'ip.opt.type', option.kind === 'unknown' ? option.type : OPTION_TYPES[option.kind]);
    }
  }
}

function addTcp(fields: Fields, bytes: Uint8Array, src: number, dst: number, complete: boolean): void {
  const view = new TcpView().wrap(bytes);
  const repr = blankTcpRepr();
  const error = parseTcp(bytes, 0, bytes.length, src, dst, repr, true);
  if (error) throw new Error(`ustack rejects the TCP segment: ${error}`);
  add(fields, 'tcp.srcport', repr.srcPort);
  add(fields, 'tcp.dstport', repr.dstPort);
  add(fields, 'tcp.seq_raw', repr.seqNumber);
  add(fields, 'tcp.ack_raw', view.ackNumber);
  add(fields, 'tcp.hdr_len', view.headerLength);
  add(fields, 'tcp.flags', hex(view.flags, 4));
  add(fields, 'tcp.window_size_value', repr.windowLen);
  const verified = parseTcp(bytes, 0, bytes.length, src, dst, blankTcpRepr()) === undefined;
  add(fields, 'tcp.checksum.status', complete ? (verified ? GOOD : BAD) : UNVERIFIED);
  add(fields, 'tcp.urgent_pointer', view.urgentPointer);
  add(fields, 'tcp.len', repr.payload.length);
  if (repr.maxSegSize !== undefined) add(fields, 'tcp.options.mss_val', repr.maxSegSize);
  if (repr.windowScale !== undefined) add(fields, 'tcp.options.wscale.shift', repr.windowScale);
  // tshark shows SACK-permitted as its raw kind and length octets.
  if (repr.sackPermitted) add(fields, 'tcp.options.sack_perm', '0402');
  if (repr.timestamp) {
    add(fields, 'tcp.options.timestamp.tsval', repr.timestamp.tsVal);
    add(fields, 'tcp.options.timestamp.tsecr', repr.timestamp.tsEcr);
  }
}

/** A quoted or fragmented datagram holds part of what its length field says; its checksum is unverifiable. */
function addUdp(fields: Fields, bytes: Uint8Array, src: number, dst: number): void {
  const view = new UdpView().wrap(bytes);
  add(fields, 'udp.srcport', view.srcPort);
  add(fields, 'udp.dstport', view.dstPort);
  add(fields, 'udp.length', view.lengthField);
  let status = UNVERIFIED;
  if (view.checksumField === 0) status = NOT_PRESENT;
  else if (view.check() === undefined) {
    const verdict = parseUdp(bytes, 0, bytes.length, src, dst, { srcPort: 0, dstPort: 0, payload: bytes });
    status = verdict === 'udp.bad-checksum' ? BAD : GOOD;
  }
  add(fields, 'udp.checksum.status', status);
}

/** parseIcmp verifies the checksum; a fragment's cannot verify, so its fields come from a fixed copy. */
function icmpIgnoringChecksum(bytes: Uint8Array): IcmpRepr {
  const copy = bytes.slice();
  copy[2] = 0;
  copy[3] = 0;
  const sum = checksum(copy, 0, copy.length);
  copy[2] = sum >>> 8;
  copy[3] = sum & 0xff;
  const repr = parseIcmp(copy, 0, copy.length);
  if (typeof repr === 'string') throw new Error(`ustack rejects the ICMP message: ${repr}`);
  return repr;
}

const ICMP_TYPES = {
  'echo-request': 8,
  'echo-reply': 0,
  'dest-unreachable': 3,
  'time-exceeded': 11,
} as const;

function addIcmp(fields: Fields, bytes: Uint8Array, complete: boolean): void {
  const verdict = parseIcmp(bytes, 0, bytes.length);
  const repr = typeof verdict === 'string' ? icmpIgnoringChecksum(bytes) : verdict;
  add(fields, 'icmp.type', repr.kind === 'other' ? repr.type : ICMP_TYPES[repr.kind]);
  add(fields, 'icmp.code', 'code' in repr ? repr.code : 0);
  if (repr.kind === 'echo-request' || repr.kind === 'echo-reply') {
    add(fields, 'icmp.ident', repr.ident);
    add(fields, 'icmp.seq', repr.seqNo);
  }
  add(fields, 'icmp.checksum.status', complete ? (verdict === 'icmp.bad-checksum' ? BAD : GOOD) : UNVERIFIED);
  if (repr.kind === 'dest-unreachable' || repr.kind === 'time-exceeded') addQuoted(fields, repr.quoted);
}

/** The datagram an ICMP error quotes (RFC 792): its IP header, then as much of its transport as is there. */
function addQuoted(fields: Fields, quoted: Uint8Array): void {
  const view = new Ipv4View().wrap(quoted);
  addIpv4(fields, view, checksum(quoted, 0, view.headerLength) === 0 ? GOOD : BAD);
  const datagram = parseQuotedDatagram(quoted);
  if (datagram?.protocol === UDP_PROTOCOL && datagram.transport.length >= 8) {
    addUdp(fields, datagram.transport, datagram.srcAddr, datagram.dstAddr);
  } else if (datagram?.protocol === TCP_PROTOCOL) {
    // RFC 792's minimal quote (8 octets) holds the ports and the sequence number; tshark shows the ports.
    add(fields, 'tcp.srcport', datagram.srcPort);
    add(fields, 'tcp.dstport', datagram.dstPort);
  }
}

/** ustack's reading of one IPv4 packet in tshark's terms (only the fields in TSHARK_FIELDS). */
export function ustackFields(packet: Uint8Array): Fields {
  const fields: Fields = {};
  const ip = blankIpv4Repr();
  const error = parseIpv4(packet, 0, packet.length, ip);
  if (error && error !== 'ipv4.bad-checksum') throw new Error(`ustack rejects the IPv4 header: ${error}`);
  const view = new Ipv4View().wrap(packet);
  addIpv4(fields, view, error ? BAD : GOOD);
  // Only the first fragment carries the transport header (RFC 791 §3.2), and only a whole datagram's
  // transport checksum can be verified.
  if (ip.fragmentOffset !== 0) return fields;
  const complete = !ip.moreFragments;
  const start = view.headerLength;
  const payload = packet.subarray(start, start + ip.payloadLength);
  if (ip.protocol === TCP_PROTOCOL) addTcp(fields, payload, ip.srcAddr, ip.dstAddr, complete);
  else if (ip.protocol === UDP_PROTOCOL) addUdp(fields, payload, ip.srcAddr, ip.dstAddr);
  else if (ip.protocol === ICMP_PROTOCOL) addIcmp(fields, payload, complete);
  return fields;
}

/** tshark's JSON with only the requested fields, as capture.sh stores it (one object per packet). */
export function parseTsharkJson(text: string): Fields[] {
  return JSON.parse(text) as Fields[];
}

export function readCapture(bytes: Uint8Array): PcapFile {
  const file = readPcap(bytes);
  if (typeof file === 'string') throw new Error(`not a capture ustack reads: ${file}`);
  return file;
}

/** The formatter's lines for a whole capture, as `TZ=UTC tcpdump -nn -r` prints them. */
export function formatterLines(file: PcapFile): string[] {
  const formatter = new TcpdumpFormatter();
  return file.records.map((r) => formatter.line(r.timestampMicros, r.packet, r.originalLength));
}

export function splitLines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

/** Runs tshark on a capture the way capture.sh does and returns each packet's fields. */
export function runTshark(pcapPath: string, extraArgs: string[] = []): Fields[] {
  const args = ['-r', pcapPath, '-T', 'json'];
  for (const field of TSHARK_FIELDS) args.push('-e', field);
  for (const preference of TSHARK_PREFERENCES) args.push('-o', preference);
  const out = execFileSync('tshark', [...args, ...extraArgs], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return (JSON.parse(out) as Array<{ _source: { layers: Fields } }>).map((p) => p._source.layers);
}

export function runTcpdump(pcapPath: string): string[] {
  const out = execFileSync('tcpdump', ['-nn', '-r', pcapPath], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, TZ: 'UTC' },
  });
  return splitLines(out);
}

/** Whether a program is on the PATH. */
export function hasProgram(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a test that needs these programs (and root, if asked) cannot run here, or undefined when it can.
 * CI sets USTACK_REQUIRE_TUN=1: there a missing tool is a failure, not a skip.
 */
export function missingEnvironment(programs: string[], needRoot: boolean): string | undefined {
  if (needRoot && process.getuid?.() !== 0) return 'needs root (network namespaces)';
  const missing = programs.filter((p) => !hasProgram(p));
  return missing.length > 0 ? `needs ${missing.join(', ')} on the PATH` : undefined;
}

const reported = new Set<string>();

/**
 * Skips with `reason` (printed once per file), or fails when the environment demands the test
 * (USTACK_REQUIRE_TUN=1).
 */
export function skipOrFail(skip: (note?: string) => never, reason: string): never {
  if (process.env.USTACK_REQUIRE_TUN === '1') throw new Error(`USTACK_REQUIRE_TUN=1 but this test ${reason}`);
  if (!reported.has(reason)) {
    reported.add(reason);
    console.warn(`skipped: ${reason}`);
  }
  return skip(reason);
}
