// IPv4 options (RFC 791 §3.1 "Options", RFC 2113 router alert).
//
// Two entry points with one set of rules:
//   checkIpv4Options — validates in place without allocating; the IPv4 parser calls it for every packet
//                      that carries options, so a malformed one is dropped as 'ipv4.bad-options'.
//   parseIpv4Options — the same checks, then decodes into a list (allocates: for the stack's option
//                      handling and for traces, not the per-packet path).
//   emitIpv4Options  — the inverse: parseIpv4Options(emitIpv4Options(list)) deep-equals list.
//
// Layout (RFC 791): EOL and NOP are one octet; every other option is type, length (counting type and
// length octets), then length − 2 octets of data. EOL ends the list; any octets after it are header
// padding and are ignored, as Linux does (ip_options_compile overwrites them with EOL).

import { readU16, readU32, writeU16, writeU32 } from '../base/bytes.ts';

export const Ipv4OptionType = {
  EOL: 0,
  NOP: 1,
  RECORD_ROUTE: 7,
  TIMESTAMP: 68,
  LOOSE_SOURCE_ROUTE: 131,
  STRICT_SOURCE_ROUTE: 137,
  ROUTER_ALERT: 148,
} as const;

/** Options fill at most 40 octets: the IHL field tops out at 15 words, 5 of them the fixed header. */
export const MAX_IPV4_OPTIONS_LEN = 40;

/** RFC 791 timestamp flag: 0 timestamps only, 1 address + timestamp, 3 prespecified addresses. */
export type TimestampFlags = 0 | 1 | 3;

/** One timestamp slot; `address` is present exactly when the flags are 1 or 3. */
export interface TimestampEntry {
  address?: number;
  timestamp: number;
}

// Route and timestamp options preallocate their slots: the lists below hold every slot, filled or not,
// and `pointer` (RFC 791: an octet index into the option, counting from 1) says where the next one goes.
export type Ipv4Option =
  | { kind: 'eol' }
  | { kind: 'nop' }
  | {
      kind: 'record-route' | 'loose-source-route' | 'strict-source-route';
      pointer: number;
      addresses: number[];
    }
  | { kind: 'timestamp'; pointer: number; overflow: number; flags: TimestampFlags; entries: TimestampEntry[] }
  | { kind: 'router-alert'; value: number }
  | { kind: 'unknown'; type: number; data: Uint8Array };

const ROUTE_HEADER_LEN = 3;
const TIMESTAMP_HEADER_LEN = 4;
const ROUTER_ALERT_LEN = 4;

// Bits of the "seen" mask for options that may appear only once.
const SEEN_RECORD_ROUTE = 1;
const SEEN_SOURCE_ROUTE = 2;
const SEEN_TIMESTAMP = 4;

function routeValid(bytes: Uint8Array, at: number, len: number): boolean {
  // RFC 791: route data is "a series of internet addresses" after type, length and pointer, and "the
  // smallest legal value [of the pointer] is 4". A pointer past the data means the route is full; a pointer
  // inside it must leave room for a whole address (Linux ip_options_compile rejects it otherwise).
  if (len < ROUTE_HEADER_LEN || (len - ROUTE_HEADER_LEN) % 4 !== 0) return false;
  const pointer = bytes[at + 2]!;
  return pointer >= 4 && (pointer > len || pointer + 3 <= len);
}

function timestampSlotLen(flags: number): number {
  return flags === 0 ? 4 : 8;
}

function timestampValid(bytes: Uint8Array, at: number, len: number): boolean {
  // RFC 791: the pointer's "smallest legal value is 5"; flags 0, 1 and 3 are the only ones defined, and
  // fix the slot size (a timestamp, or an address and a timestamp).
  if (len < TIMESTAMP_HEADER_LEN) return false;
  const flags = bytes[at + 3]! & 0x0f;
  if (flags !== 0 && flags !== 1 && flags !== 3) return false;
  const slot = timestampSlotLen(flags);
  if ((len - TIMESTAMP_HEADER_LEN) % slot !== 0) return false;
  const pointer = bytes[at + 2]!;
  return pointer >= 5 && (pointer > len || pointer + slot - 1 <= len);
}

/**
 * Whether `length` option octets at `offset` are well formed: every option fits, lengths are ≥ 2, the
 * known options have their RFC shapes, and record route, source route and timestamp appear at most once.
 */
export function checkIpv4Options(bytes: Uint8Array, offset: number, length: number): boolean {
  const end = offset + length;
  let seen = 0;
  let at = offset;
  while (at < end) {
    const type = bytes[at]!;
    if (type === Ipv4OptionType.EOL) return true;
    if (type === Ipv4OptionType.NOP) {
      at++;
      continue;
    }
    // RFC 791 case (2): the length octet counts the type and length octets, so it is at least 2, and
    // an option may not run past the header.
    if (at + 1 >= end) return false;
    const len = bytes[at + 1]!;
    if (len < 2 || at + len > end) return false;
    let once = 0;
    switch (type) {
      case Ipv4OptionType.RECORD_ROUTE:
        if (!routeValid(bytes, at, len)) return false;
        once = SEEN_RECORD_ROUTE;
        break;
      case Ipv4OptionType.LOOSE_SOURCE_ROUTE:
      case Ipv4OptionType.STRICT_SOURCE_ROUTE:
        if (!routeValid(bytes, at, len)) return false;
        once = SEEN_SOURCE_ROUTE;
        break;
      case Ipv4OptionType.TIMESTAMP:
        if (!timestampValid(bytes, at, len)) return false;
        once = SEEN_TIMESTAMP;
        break;
      case Ipv4OptionType.ROUTER_ALERT:
        // RFC 2113 §2.1: "Length: 4".
        if (len !== ROUTER_ALERT_LEN) return false;
        break;
    }
    // RFC 791: record route and each source route "appears at most once in a datagram"; a second source
    // route of the other kind and a second timestamp are refused as well, as Linux refuses them.
    if (seen & once) return false;
    seen |= once;
    at += len;
  }
  return true;
}

function readAddresses(bytes: Uint8Array, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i += 4) out.push(readU32(bytes, i));
  return out;
}

function decodeOption(bytes: Uint8Array, at: number, len: number): Ipv4Option {
  const type = bytes[at]!;
  switch (type) {
    case Ipv4OptionType.RECORD_ROUTE:
    case Ipv4OptionType.LOOSE_SOURCE_ROUTE:
    case Ipv4OptionType.STRICT_SOURCE_ROUTE: {
      const kind =
        type === Ipv4OptionType.RECORD_ROUTE
          ? 'record-route'
          : type === Ipv4OptionType.LOOSE_SOURCE_ROUTE
            ? 'loose-source-route'
            : 'strict-source-route';
      return {
        kind,
        pointer: bytes[at + 2]!,
        addresses: readAddresses(bytes, at + ROUTE_HEADER_LEN, at + len),
      };
    }
    case Ipv4OptionType.TIMESTAMP: {
      const flags = (bytes[at + 3]! & 0x0f) as TimestampFlags;
      const entries: TimestampEntry[] = [];
      const slot = timestampSlotLen(flags);
      for (let i = at + TIMESTAMP_HEADER_LEN; i < at + len; i += slot) {
        entries.push(
          flags === 0
            ? { timestamp: readU32(bytes, i) }
            : { address: readU32(bytes, i), timestamp: readU32(bytes, i + 4) },
        );
      }
      return { kind: 'timestamp', pointer: bytes[at + 2]!, overflow: bytes[at + 3]! >>> 4, flags, entries };
    }
    case Ipv4OptionType.ROUTER_ALERT:
      return { kind: 'router-alert', value: readU16(bytes, at + 2) };
    default:
      return { kind: 'unknown', type, data: bytes.slice(at + 2, at + len) };
  }
}

/** Decodes raw option octets (as in Ipv4Repr.options). The list ends with { kind: 'eol' } if one was sent. */
export function parseIpv4Options(options: Uint8Array): Ipv4Option[] | 'ipv4.bad-options' {
  if (!checkIpv4Options(options, 0, options.length)) return 'ipv4.bad-options';
  const list: Ipv4Option[] = [];
  let at = 0;
  while (at < options.length) {
    const type = options[at]!;
    if (type === Ipv4OptionType.EOL) {
      list.push({ kind: 'eol' });
      break;
    }
    if (type === Ipv4OptionType.NOP) {
      list.push({ kind: 'nop' });
      at++;
      continue;
    }
    const len = options[at + 1]!;
    list.push(decodeOption(options, at, len));
    at += len;
  }
  return list;
}

function optionLen(option: Ipv4Option): number {
  switch (option.kind) {
    case 'eol':
    case 'nop':
      return 1;
    case 'record-route':
    case 'loose-source-route':
    case 'strict-source-route':
      return ROUTE_HEADER_LEN + 4 * option.addresses.length;
    case 'timestamp':
      return TIMESTAMP_HEADER_LEN + timestampSlotLen(option.flags) * option.entries.length;
    case 'router-alert':
      return ROUTER_ALERT_LEN;
    case 'unknown':
      return 2 + option.data.length;
  }
}

const ROUTE_TYPES = {
  'record-route': Ipv4OptionType.RECORD_ROUTE,
  'loose-source-route': Ipv4OptionType.LOOSE_SOURCE_ROUTE,
  'strict-source-route': Ipv4OptionType.STRICT_SOURCE_ROUTE,
} as const;

function writeOption(option: Ipv4Option, bytes: Uint8Array, at: number, len: number): void {
  switch (option.kind) {
    case 'eol':
      bytes[at] = Ipv4OptionType.EOL;
      return;
    case 'nop':
      bytes[at] = Ipv4OptionType.NOP;
      return;
    case 'record-route':
    case 'loose-source-route':
    case 'strict-source-route':
      bytes[at] = ROUTE_TYPES[option.kind];
      bytes[at + 1] = len;
      bytes[at + 2] = option.pointer;
      for (let i = 0; i < option.addresses.length; i++) {
        writeU32(bytes, at + ROUTE_HEADER_LEN + 4 * i, option.addresses[i]!);
      }
      return;
    case 'timestamp': {
      bytes[at] = Ipv4OptionType.TIMESTAMP;
      bytes[at + 1] = len;
      bytes[at + 2] = option.pointer;
      bytes[at + 3] = ((option.overflow & 0x0f) << 4) | option.flags;
      const slot = timestampSlotLen(option.flags);
      for (let i = 0, p = at + TIMESTAMP_HEADER_LEN; i < option.entries.length; i++, p += slot) {
        const entry = option.entries[i]!;
        if (slot === 4) {
          writeU32(bytes, p, entry.timestamp);
        } else {
          writeU32(bytes, p, entry.address ?? 0);
          writeU32(bytes, p + 4, entry.timestamp);
        }
      }
      return;
    }
    case 'router-alert':
      bytes[at] = Ipv4OptionType.ROUTER_ALERT;
      bytes[at + 1] = ROUTER_ALERT_LEN;
      writeU16(bytes, at + 2, option.value);
      return;
    case 'unknown':
      bytes[at] = option.type;
      bytes[at + 1] = len;
      bytes.set(option.data, at + 2);
      return;
  }
}

/**
 * Encodes a list of options, unpadded (emitIpv4Header pads to a 4-octet boundary with EOL). A list over
 * 40 octets cannot be sent and is a caller's mistake: RangeError. An 'unknown' option's type must be
 * none of the kinds above, or it would decode as that kind.
 */
export function emitIpv4Options(list: readonly Ipv4Option[]): Uint8Array {
  const lengths = list.map(optionLen);
  const total = lengths.reduce((sum, len) => sum + len, 0);
  if (total > MAX_IPV4_OPTIONS_LEN) throw new RangeError(`IPv4 options need ${total} octets, at most 40 fit`);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < list.length; i++) {
    writeOption(list[i]!, bytes, at, lengths[i]!);
    at += lengths[i]!;
  }
  return bytes;
}
