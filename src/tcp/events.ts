// Trace events: what the state machine did and why, for the explaining tracer and the CLI. Emitting them is
// optional (TcpLayerDeps.trace); the core builds an event only when someone listens.

import type { Duration, Instant } from '../base/time.ts';
import type { TcpState } from './state.ts';

export type RetransmitReason = 'rto' | 'fast-retransmit' | 'sack-recovery' | 'syn' | 'probe';

export type TcpEventBody =
  | { kind: 'state'; from: TcpState; to: TcpState; why: string }
  | { kind: 'segment'; flags: string; seq: number; ack: number | undefined; len: number; why: string }
  | { kind: 'retransmit'; reason: RetransmitReason; seq: number; len: number }
  | { kind: 'rto'; rto: Duration; backoff: number }
  | { kind: 'cwnd'; cwnd: number; ssthresh: number; why: string }
  | { kind: 'drop'; reason: string }
  | { kind: 'challenge-ack'; why: string }
  | { kind: 'persist' }
  | { kind: 'keepalive' }
  | { kind: 'dup-ack'; count: number }
  | { kind: 'error'; errno: string; why: string };

export type TcpEvent = { at: Instant; conn: number } & TcpEventBody;
