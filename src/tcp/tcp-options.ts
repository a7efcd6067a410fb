// TCP options (RFC 9293 §3.1/§3.2): MSS (RFC 9293 §3.7.1, RFC 6691), window scale and timestamps
// (RFC 7323), SACK-permitted and SACK blocks (RFC 2018). Options we do not know are kept as raw bytes.
//
// Emit lays the options out exactly as Linux's tcp_options_write does, so byte-for-byte comparisons with
// Linux traces (packetdrill scripts, the fixtures in test/tcp) hold:
//   SYN, all three  mss | sackOK TS       | nop wscale       (sackOK fills the two bytes TS would pad)
//   SYN, no SACK    mss | nop nop TS      | nop wscale
//   SYN, no TS      mss | nop nop sackOK  | nop wscale
//   later segments        nop nop TS      | nop nop sack L1:R1 ...
// then unknown options in the order given, then zero (EOL) padding to a 4-byte boundary.

import { readU16, readU32, writeU16, writeU32 } from '../base/bytes.ts';

export const TCP_MAX_OPTIONS_LEN = 40;
/** RFC 7323 §2.3: the largest shift a receiver will use. */
export const TCP_MAX_WINDOW_SCALE = 14;

export const OPTION_EOL = 0;
export const OPTION_NOP = 1;
export const OPTION_MSS = 2;
export const OPTION_WINDOW_SCALE = 3;
export const OPTION_SACK_PERMITTED = 4;
export const OPTION_SACK = 5;
export const OPTION_TIMESTAMP = 8;

const MSS_LEN = 4;
const WINDOW_SCALE_LEN = 3;
const SACK_PERMITTED_LEN = 2;
const TIMESTAMP_LEN = 10;
const SACK_BLOCK_LEN = 8;
/** NOP NOP kind len: the SACK option as Linux aligns it, before its blocks. */
const SACK_ALIGNED_HEAD_LEN = 4;

export interface TcpTimestamp {
  tsVal: number;
  tsEcr: number;
}

/** The option part of a TcpRepr; the fields are documented there. */
export interface TcpOptions {
  maxSegSize: number | undefined;
  windowScale: number | undefined;
  sackPermitted: boolean;
  sackRanges: Array<[number, number]>;
  timestamp: TcpTimestamp | undefined;
  unknownOptions: Uint8Array[];
}

/**
 * Parses the option bytes in [start, end) into `out`, reusing its arrays and timestamp object. A later
 * copy of an option overrides an earlier one, as in Linux. Options are parsed whatever the segment's
 * flags; RFC 7323 §2.2 / RFC 9293 §3.7.1 say which ones the receiver heeds, and that is the TCB's call.
 */
export function parseTcpOptions(
  bytes: Uint8Array,
  start: number,
  end: number,
  out: TcpOptions,
): 'tcp.bad-options' | undefined {
  out.maxSegSize = undefined;
  out.windowScale = undefined;
  out.sackPermitted = false;
  let sackCount = 0;
  let timestamp: TcpTimestamp | undefined;
  // Writing an array's length costs a runtime call even when nothing changes, so only when it does.
  if (out.unknownOptions.length !== 0) out.unknownOptions.length = 0;
  let i = start;
  while (i < end) {
    const kind = bytes[i]!;
    // RFC 9293 §3.2: End of Option List ends the options; what follows is padding.
    if (kind === OPTION_EOL) break;
    if (kind === OPTION_NOP) {
      i++;
      continue;
    }
    // RFC 9293 §3.2: every other option carries a length octet counting kind and length. One that
    // cannot count itself or runs past the header leaves no way to find the next option.
    if (i + 1 >= end) return 'tcp.bad-options';
    const len = bytes[i + 1]!;
    if (len < 2 || i + len > end) return 'tcp.bad-options';
    switch (kind) {
      case OPTION_MSS:
        // RFC 9293 §3.2: "Maximum Segment Size ... Length: 4".
        if (len !== MSS_LEN) return 'tcp.bad-options';
        out.maxSegSize = readU16(bytes, i + 2);
        break;
      case OPTION_WINDOW_SCALE: {
        if (len !== WINDOW_SCALE_LEN) return 'tcp.bad-options';
        // RFC 7323 §2.3: a shift above 14 "MUST use 14 instead".
        out.windowScale = Math.min(bytes[i + 2]!, TCP_MAX_WINDOW_SCALE);
        break;
      }
      case OPTION_SACK_PERMITTED:
        if (len !== SACK_PERMITTED_LEN) return 'tcp.bad-options';
        out.sackPermitted = true;
        break;
      case OPTION_SACK: {
        // RFC 2018 §3: Length = 2 + 8n with at least one block; 40 option bytes hold at most four.
        if (len < 2 + SACK_BLOCK_LEN || (len - 2) % SACK_BLOCK_LEN !== 0) return 'tcp.bad-options';
        sackCount = 0;
        for (let at = i + 2; at < i + len; at += SACK_BLOCK_LEN) {
          setSackRange(out.sackRanges, sackCount++, readU32(bytes, at), readU32(bytes, at + 4));
        }
        break;
      }
      case OPTION_TIMESTAMP:
        // RFC 7323 §3.2: "Kind: 8  Length: 10".
        if (len !== TIMESTAMP_LEN) return 'tcp.bad-options';
        timestamp = out.timestamp ?? { tsVal: 0, tsEcr: 0 };
        timestamp.tsVal = readU32(bytes, i + 2);
        timestamp.tsEcr = readU32(bytes, i + 6);
        break;
      default:
        out.unknownOptions.push(bytes.subarray(i, i + len));
    }
    i += len;
  }
  if (out.sackRanges.length !== sackCount) out.sackRanges.length = sackCount;
  out.timestamp = timestamp;
  return undefined;
}

/** Overwrites range `index` in place when it exists, so steady-state parsing allocates no tuples. */
function setSackRange(ranges: Array<[number, number]>, index: number, left: number, right: number): void {
  const range = ranges[index];
  if (range) {
    range[0] = left;
    range[1] = right;
  } else {
    ranges[index] = [left, right];
  }
}

/** Bytes of the options Linux aligns to 4 (everything but SACK blocks and unknown options). */
function alignedOptionsLen(options: TcpOptions): number {
  let len = 0;
  if (options.maxSegSize !== undefined) len += MSS_LEN;
  // sackOK rides in the two bytes that would pad TS, else it takes NOP NOP padding of its own.
  if (options.timestamp !== undefined) len += 2 + TIMESTAMP_LEN;
  else if (options.sackPermitted) len += 4;
  if (options.windowScale !== undefined) len += 4;
  return len;
}

function padded(len: number): number {
  return (len + 3) & ~3;
}

/**
 * How many unknown options fit (padded) after the aligned ones: they are kept in order up to the first
 * that would push the header past 60 bytes.
 */
function unknownOptionsFitting(options: TcpOptions, budget: number): number {
  let len = 0;
  let count = 0;
  for (const option of options.unknownOptions) {
    if (padded(len + option.length) > budget) break;
    len += option.length;
    count++;
  }
  return count;
}

function unknownOptionsLen(options: TcpOptions, count: number): number {
  let len = 0;
  for (let i = 0; i < count; i++) len += options.unknownOptions[i]!.length;
  return len;
}

/** As many SACK blocks as fit in what is left, the first (most recent, RFC 2018 §4) ones first. */
function sackBlocksFitting(options: TcpOptions, budget: number): number {
  if (options.sackRanges.length === 0 || budget < SACK_ALIGNED_HEAD_LEN + SACK_BLOCK_LEN) return 0;
  return Math.min(options.sackRanges.length, ((budget - SACK_ALIGNED_HEAD_LEN) / SACK_BLOCK_LEN) | 0);
}

/** The option bytes emitTcpOptions will write, padding included: a multiple of 4, at most 40. */
export function tcpOptionsLen(options: TcpOptions): number {
  const aligned = alignedOptionsLen(options);
  const unknown = padded(
    unknownOptionsLen(options, unknownOptionsFitting(options, TCP_MAX_OPTIONS_LEN - aligned)),
  );
  const sackBlocks = sackBlocksFitting(options, TCP_MAX_OPTIONS_LEN - aligned - unknown);
  return aligned + (sackBlocks > 0 ? SACK_ALIGNED_HEAD_LEN + sackBlocks * SACK_BLOCK_LEN : 0) + unknown;
}

/** Writes the options at `offset` in Linux's layout (see the file comment); returns the bytes written. */
export function emitTcpOptions(options: TcpOptions, bytes: Uint8Array, offset: number): number {
  let at = offset;
  if (options.maxSegSize !== undefined) {
    bytes[at] = OPTION_MSS;
    bytes[at + 1] = MSS_LEN;
    writeU16(bytes, at + 2, options.maxSegSize);
    at += MSS_LEN;
  }
  const timestamp = options.timestamp;
  if (timestamp !== undefined) {
    if (options.sackPermitted) {
      bytes[at] = OPTION_SACK_PERMITTED;
      bytes[at + 1] = SACK_PERMITTED_LEN;
    } else {
      bytes[at] = OPTION_NOP;
      bytes[at + 1] = OPTION_NOP;
    }
    bytes[at + 2] = OPTION_TIMESTAMP;
    bytes[at + 3] = TIMESTAMP_LEN;
    writeU32(bytes, at + 4, timestamp.tsVal);
    writeU32(bytes, at + 8, timestamp.tsEcr);
    at += 2 + TIMESTAMP_LEN;
  } else if (options.sackPermitted) {
    bytes[at] = OPTION_NOP;
    bytes[at + 1] = OPTION_NOP;
    bytes[at + 2] = OPTION_SACK_PERMITTED;
    bytes[at + 3] = SACK_PERMITTED_LEN;
    at += 4;
  }
  if (options.windowScale !== undefined) {
    bytes[at] = OPTION_NOP;
    bytes[at + 1] = OPTION_WINDOW_SCALE;
    bytes[at + 2] = WINDOW_SCALE_LEN;
    bytes[at + 3] = options.windowScale;
    at += 4;
  }
  const unknownCount = unknownOptionsFitting(options, TCP_MAX_OPTIONS_LEN - (at - offset));
  const unknownLen = unknownOptionsLen(options, unknownCount);
  const sackBlocks = sackBlocksFitting(options, TCP_MAX_OPTIONS_LEN - (at - offset) - padded(unknownLen));
  if (sackBlocks > 0) {
    bytes[at] = OPTION_NOP;
    bytes[at + 1] = OPTION_NOP;
    bytes[at + 2] = OPTION_SACK;
    bytes[at + 3] = 2 + sackBlocks * SACK_BLOCK_LEN;
    at += SACK_ALIGNED_HEAD_LEN;
    for (let i = 0; i < sackBlocks; i++) {
      const range = options.sackRanges[i]!;
      writeU32(bytes, at, range[0]);
      writeU32(bytes, at + 4, range[1]);
      at += SACK_BLOCK_LEN;
    }
  }
  for (let i = 0; i < unknownCount; i++) {
    const option = options.unknownOptions[i]!;
    bytes.set(option, at);
    at += option.length;
  }
  // RFC 9293 §3.1: "The TCP header padding ... is composed of zeros", which also reads as End of Option List.
  const end = offset + padded(at - offset);
  while (at < end) bytes[at++] = OPTION_EOL;
  return end - offset;
}
