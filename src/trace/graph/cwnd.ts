// The congestion window over time, from a `--trace=json` file (src/trace/explain.ts writes it): one JSON
// object per line, TCP events (src/tcp/events.ts) as {"type":"tcp", "at", "conn", "kind", ...} among
// packet and drop records of other types, which are passed over. 'cwnd' events give cwnd and ssthresh
// each time the sender changes them for a reason worth telling (a loss, a timeout, the end of recovery);
// 'retransmit' events say when and why it resent. A line that is not JSON, or claims to be a TCP event
// without an event's fields, is skipped and named with its line number, never thrown at.

import { INITIAL_SSTHRESH } from '../../tcp/congestion/loss-based.ts';

export interface CwndPoint {
  /** Seconds since the connection's first traced event. */
  t: number;
  cwnd: number;
  /** Undefined while ssthresh is still "arbitrarily high" (RFC 5681 §3.1): nothing to draw. */
  ssthresh: number | undefined;
  why: string;
}

export interface RetransmitMark {
  t: number;
  reason: string;
}

export interface CwndSeries {
  conn: number;
  points: CwndPoint[];
  retransmits: RetransmitMark[];
  /** Seconds from the connection's first traced event to its last. */
  duration: number;
}

export interface TraceProblem {
  line: number;
  reason: 'trace.not-json' | 'trace.not-an-event' | 'trace.bad-cwnd-event';
}

interface RawEvent {
  at: number;
  conn: number;
  kind: string;
  [field: string]: unknown;
}

export interface ParsedTrace {
  events: RawEvent[];
  problems: TraceProblem[];
}

function isEvent(value: unknown): value is RawEvent {
  if (typeof value !== 'object' || value === null) return false;
  const { at, conn, kind } = value as Record<string, unknown>;
  return Number.isFinite(at) && Number.isInteger(conn) && typeof kind === 'string';
}

/** Reads JSON lines; blank lines are allowed (a file ending in a newline has one). */
export function parseTrace(text: string): ParsedTrace {
  const events: RawEvent[] = [];
  const problems: TraceProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push({ line: i + 1, reason: 'trace.not-json' });
      continue;
    }
    // Packet and drop records share the file; an object without a type is taken for a bare TcpEvent.
    const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
    if (type !== undefined && type !== 'tcp') continue;
    if (!isEvent(value)) problems.push({ line: i + 1, reason: 'trace.not-an-event' });
    else if (value.kind === 'cwnd' && !Number.isFinite(value.cwnd)) {
      problems.push({ line: i + 1, reason: 'trace.bad-cwnd-event' });
    } else events.push(value);
  }
  return { events, problems };
}

/** Connection ids with cwnd events, the busiest first: the default graph is of the first. */
export function connectionsByCwndEvents(events: readonly RawEvent[]): number[] {
  const counts = new Map<number, number>();
  for (const e of events) if (e.kind === 'cwnd') counts.set(e.conn, (counts.get(e.conn) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([conn]) => conn);
}

function ssthreshValue(value: unknown): number | undefined {
  // JSON has no Infinity (JSON.stringify writes null for it); the core's initial value is a large number.
  if (typeof value !== 'number' || !Number.isFinite(value) || value >= INITIAL_SSTHRESH) return undefined;
  return value;
}

export function buildCwndSeries(trace: ParsedTrace, conn: number): CwndSeries {
  const mine = trace.events.filter((e) => e.conn === conn);
  const t0 = mine[0]?.at ?? 0;
  const seconds = (at: number): number => (at - t0) / 1e6;
  const series: CwndSeries = { conn, points: [], retransmits: [], duration: 0 };
  for (const event of mine) {
    series.duration = Math.max(series.duration, seconds(event.at));
    if (event.kind === 'retransmit') {
      series.retransmits.push({ t: seconds(event.at), reason: String(event.reason ?? '') });
    } else if (event.kind === 'cwnd') {
      series.points.push({
        t: seconds(event.at),
        cwnd: event.cwnd as number,
        ssthresh: ssthreshValue(event.ssthresh),
        why: String(event.why ?? ''),
      });
    }
  }
  return series;
}
