// Comparing what the stack sent with an outbound script line, as packetdrill does (run_packet.c
// verify_tcp, verify_outbound_live_tcp_options): every flag, the sequence range, the ack when ACK is set,
// the window only when the line gives one, the options in order and exactly unless the line says `<...>`,
// and a payload of zeros. Numbers are relative: our sequence numbers count from the stack's ISN (learned
// from its first SYN), the peer's from the script's remote ISN. Timestamp values on outbound lines are
// labels: each one is remembered with the live value it matched, so a later inbound `ecr` can echo it.

import type { TcpOption, TcpPacketEvent } from '../ast.ts';
import { FLAG, flagBits, flagsFromBits, type LiveSegment } from './wire.ts';

/** The two sequence spaces of the connection under test. */
export interface SeqSpace {
  /** The peer's ISN: inbound script sequence numbers are offsets from it. */
  remoteIsn: number;
  /** The stack's ISN, unknown until its first SYN or SYN-ACK is seen. */
  localIss: number | undefined;
}

/** Outbound TS val labels and the live values they stood for. */
export class TimestampLabels {
  private readonly byLabel = new Map<number, number>();
  private first: { label: number; live: number } | undefined;

  /** Records a matched outbound val; with a tick, also checks it against the first one's pace. */
  record(
    label: number,
    live: number,
    tickUsecs: number | undefined,
    toleranceUsecs: number,
  ): string | undefined {
    if (this.first === undefined) this.first = { label, live };
    this.byLabel.set(label, live);
    if (tickUsecs === undefined) return undefined;
    const drift = u32(live - this.first.live) - u32(label - this.first.label);
    if (Math.abs(drift) * tickUsecs > toleranceUsecs) return `TS val ${label} is off by ${drift} ticks`;
    return undefined;
  }

  /** The live value for an inbound `ecr`: the one its label matched, else shifted like the first label. */
  live(label: number): number {
    const known = this.byLabel.get(label);
    if (known !== undefined) return known;
    return this.first === undefined ? label : u32(label - this.first.label + this.first.live);
  }
}

export interface MatchContext {
  space: SeqSpace;
  labels: TimestampLabels;
  /** `--tcp_ts_tick_usecs`: only then are outbound TS vals checked. */
  tsTickUsecs: number | undefined;
  toleranceUsecs: number;
}

function u32(n: number): number {
  return n >>> 0;
}

/** Several segments matched by one line (TSO/GSO pieces): seq and CWR from the first, the rest from the last. */
export function aggregate(pieces: readonly LiveSegment[]): LiveSegment {
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (pieces.length === 1) return first;
  const payload = new Uint8Array(pieces.reduce((sum, p) => sum + p.payload.length, 0));
  let at = 0;
  for (const piece of pieces) {
    payload.set(piece.payload, at);
    at += piece.payload.length;
  }
  const flags = (last.flags & ~FLAG.CWR) | (first.flags & FLAG.CWR);
  return { ...last, at: first.at, seq: first.seq, flags, payload };
}

/**
 * Compares a live segment (or aggregate) with an outbound line; returns what differs, or undefined. The
 * stack's ISN is learned here from the first SYN it sends.
 */
export function matchOutbound(
  expected: TcpPacketEvent,
  live: LiveSegment,
  ctx: MatchContext,
): string | undefined {
  const { space } = ctx;
  if (space.localIss === undefined && live.flags & FLAG.SYN) space.localIss = u32(live.seq - expected.seq);
  const wantFlags = flagBits(expected.flags);
  if (wantFlags !== live.flags) return 'flags differ';
  if (u32(live.seq - (space.localIss ?? 0)) !== u32(expected.seq)) return 'sequence number differs';
  if (live.payload.length !== expected.length) return 'payload length differs';
  if (wantFlags & FLAG.ACK && u32(live.ack - space.remoteIsn) !== u32(expected.ack ?? 0))
    return 'ack differs';
  if (expected.window !== undefined && live.window !== expected.window) return 'window differs';
  if (expected.urgent !== undefined && live.urgent !== expected.urgent) return 'urgent pointer differs';
  if (expected.options !== 'any') {
    const why = matchOptions(expected.options, live, ctx);
    if (why) return why;
  }
  if (live.payload.some((b) => b !== 0)) return 'payload is not the zeros the script wrote';
  return undefined;
}

function matchOptions(
  expected: readonly TcpOption[],
  live: LiveSegment,
  ctx: MatchContext,
): string | undefined {
  if (live.optionsMalformed) return 'options are malformed';
  if (expected.length !== live.options.length) return 'options differ';
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i]!;
    const got = live.options[i]!;
    if (want.kind !== got.kind) return 'options differ';
    switch (want.kind) {
      case 'mss':
        if (got.kind === 'mss' && got.mss !== want.mss) return 'MSS option differs';
        break;
      case 'wscale':
        if (got.kind === 'wscale' && got.shift !== want.shift) return 'window scale option differs';
        break;
      case 'sack': {
        if (got.kind !== 'sack' || got.blocks.length !== want.blocks.length) return 'SACK blocks differ';
        const { remoteIsn } = ctx.space;
        for (let b = 0; b < want.blocks.length; b++) {
          const w = want.blocks[b]!;
          const g = got.blocks[b]!;
          if (u32(g.left - remoteIsn) !== u32(w.left) || u32(g.right - remoteIsn) !== u32(w.right))
            return 'SACK blocks differ';
        }
        break;
      }
      case 'timestamp': {
        // Outbound TS ecr is never checked (packetdrill verify_outbound_tcp_option), val only with a tick.
        if (got.kind !== 'timestamp') return 'options differ';
        const why = ctx.labels.record(want.val, got.val, ctx.tsTickUsecs, ctx.toleranceUsecs);
        if (why) return why;
        break;
      }
      case 'other':
        if (got.kind !== 'other' || got.words.join(' ') !== want.words.join(' '))
          return `option ${want.name} differs`;
        break;
      default:
        break;
    }
  }
  return undefined;
}

/** A live segment as a script line, numbers relative as the script writes them (for failure messages). */
export function describeLive(live: LiveSegment, space: SeqSpace, localPort: number): TcpPacketEvent {
  const flags = flagsFromBits(live.flags);
  const options = live.options.map((option): TcpOption => {
    if (option.kind !== 'sack') return option;
    return {
      kind: 'sack',
      blocks: option.blocks.map((b) => ({
        left: u32(b.left - space.remoteIsn),
        right: u32(b.right - space.remoteIsn),
      })),
    };
  });
  return {
    kind: 'tcp',
    line: 0,
    time: { kind: 'absolute', usecs: 0 },
    direction: 'outbound',
    ...(live.srcPort !== localPort && { ports: { src: live.srcPort, dst: live.dstPort } }),
    flags,
    seq: u32(live.seq - (space.localIss ?? 0)),
    length: live.payload.length,
    ...(flags.ack && { ack: u32(live.ack - space.remoteIsn) }),
    window: live.window,
    ...(flags.urg && { urgent: live.urgent }),
    options,
  };
}
