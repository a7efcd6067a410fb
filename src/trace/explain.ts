// Traces that explain: beside each tcpdump-style packet line, why the stack sent it or what it did with
// it — state transitions, retransmissions and their timers, congestion window changes, drops — in words
// with the RFC section, or as one JSON object per line for tools (`--trace=json`).
//
// Ordering does the pairing: a link wrapper prints a packet the moment it is sent or before it is
// processed, and the state machine reports what it did right after, so each explanation follows its line.

import type { Link } from '../link/link.ts';
import { withTap } from '../link/tap.ts';
import { withTracer } from '../link/tracer.ts';
import type { TcpEvent } from '../tcp/events.ts';
import { TcpdumpFormatter } from './tcpdump.ts';

export type TraceMode = 'lines' | 'explain' | 'json';

const INDENT = '                    ↳ ';

/**
 * Sequence numbers as tcpdump prints them: relative to each connection's initial sequence number, which
 * the SYN (or SYN-ACK) segment event reveals. Numbers of a connection whose SYN was not seen stay absolute.
 */
export class RelativeSequence {
  private readonly initial = new Map<number, number>();

  note(event: TcpEvent): void {
    if (event.kind === 'segment' && event.flags.startsWith('S')) this.initial.set(event.conn, event.seq);
  }

  of(conn: number, seq: number): number {
    const initial = this.initial.get(conn);
    return initial === undefined ? seq : (seq - initial) >>> 0;
  }
}

/** One sentence for a state-machine event, citing the RFC where the behaviour comes from. */
export function describeEvent(event: TcpEvent, sequence?: RelativeSequence): string {
  switch (event.kind) {
    case 'state':
      return `${event.from} → ${event.to}: ${event.why}`;
    case 'segment':
      return event.why;
    case 'retransmit':
      return `retransmission of ${event.len} bytes at seq ${sequence?.of(event.conn, event.seq) ?? event.seq} (${RETRANSMIT_REASONS[event.reason]})`;
    case 'rto':
      return `RTO fired, backoff ×${2 ** event.backoff}, next RTO ${(event.rto / 1000).toFixed(0)} ms (RFC 6298 §5.5)`;
    case 'cwnd':
      return `cwnd ${event.cwnd} bytes, ssthresh ${event.ssthresh >= 2 ** 30 ? '∞' : event.ssthresh}: ${event.why}`;
    case 'drop':
      return `dropped: ${event.reason}`;
    case 'challenge-ack':
      return `challenge ACK (RFC 5961): ${event.why}`;
    case 'persist':
      return 'window full: persist timer probes the zero window (RFC 9293 §3.8.6.1)';
    case 'keepalive':
      return 'keepalive probe: the connection was idle (RFC 9293 §3.8.4)';
    case 'dup-ack':
      return event.count >= 3
        ? `dup ACK #${event.count} → fast retransmit (RFC 5681 §3.2)`
        : `dup ACK #${event.count} (RFC 5681 §3.2: three mean a loss)`;
    case 'error':
      return `connection error ${event.errno}: ${event.why}`;
  }
}

const RETRANSMIT_REASONS = {
  rto: 'retransmission timeout, RFC 6298 §5.4',
  'fast-retransmit': 'fast retransmit, RFC 5681 §3.2',
  'sack-recovery': 'SACK loss recovery, RFC 6675',
  syn: 'SYN retransmission, RFC 6298 §5',
  probe: 'window probe, RFC 9293 §3.8.6.1',
} as const;

export class TraceWriter {
  constructor(
    readonly mode: TraceMode,
    private readonly write: (line: string) => void,
    private readonly clock: () => number,
  ) {}

  /** Wraps a link so each packet it carries is traced (as text lines, or JSON in json mode). */
  wrapLink(link: Link, label: string): Link {
    // Explained and JSON traces take received packets one at a time, so what the stack did with each is
    // written right after its line.
    const onePacketAtATime = { onePacketAtATime: this.mode !== 'lines' };
    if (this.mode !== 'json') return withTracer(link, this.write, this.clock, label, onePacketAtATime);
    const formatter = new TcpdumpFormatter();
    const record = (dir: 'in' | 'out', packet: Uint8Array): void =>
      this.write(
        JSON.stringify({
          at: this.clock(),
          type: 'packet',
          iface: label,
          dir,
          packet: formatter.format(packet),
        }),
      );
    return withTap(
      link,
      {
        sent: (packet) => record('out', packet),
        received: (packets) => {
          for (const packet of packets) record('in', packet);
        },
      },
      onePacketAtATime,
    );
  }

  /** A state-machine event: explained under the packet lines, or a JSON object; plain lines skip it. */
  private readonly sequence = new RelativeSequence();

  tcpEvent(event: TcpEvent): void {
    this.sequence.note(event);
    if (this.mode === 'json') this.write(JSON.stringify({ type: 'tcp', ...event }));
    else if (this.mode === 'explain')
      this.write(`${INDENT}${conn(event.conn)}${describeEvent(event, this.sequence)}`);
  }

  /** A packet the stack dropped, by reason (IP, UDP and TCP parse errors, full queues). */
  drop(reason: string): void {
    if (this.mode === 'json') this.write(JSON.stringify({ at: this.clock(), type: 'drop', reason }));
    else if (this.mode === 'explain') this.write(`${INDENT}dropped: ${reason}`);
  }
}

function conn(id: number): string {
  return id === 0 ? '' : `[conn ${id}] `;
}
