// The congestion control interface between the TCP state machine and an algorithm.
//
// Division of labour: recovery mechanics (dup-ACK counting, NewReno partial ACKs, the SACK pipe, inflating
// the send allowance during fast recovery) live in the state machine; the algorithm only decides cwnd and
// ssthresh at the events below. All windows are in bytes; instants and durations in microseconds.

import type { Duration, Instant } from '../../base/time.ts';
import { Cubic } from './cubic.ts';
import { NewReno } from './newreno.ts';

export type CongestionControlName = 'newreno' | 'cubic';

export interface CongestionControl {
  readonly name: CongestionControlName;
  /** The congestion window in whole bytes. */
  readonly cwnd: number;
  readonly ssthresh: number;
  /**
   * New data acknowledged while not in loss recovery (RFC 5681 §3.1 slow start / congestion avoidance).
   * `bytesInFlight` is SND.NXT − SND.UNA after this ACK moved SND.UNA; with `ackedBytes` it tells whether the
   * sender was using its window (cwnd does not grow while application- or receiver-limited, RFC 7661 and
   * RFC 9438 §5.8). `rtt` is the smoothed RTT (CUBIC looks one RTT ahead, RFC 9438 §4.2).
   */
  onAck(now: Instant, ackedBytes: number, bytesInFlight: number, rtt: Duration | undefined): void;
  /**
   * Loss detected by dup ACKs / SACK: ssthresh = max(FlightSize/2, 2·SMSS) (RFC 5681 eq. 4; CUBIC: β=0.7),
   * cwnd = ssthresh; the state machine inflates its own send allowance during recovery.
   */
  onLossDetected(now: Instant, flightSize: number): void;
  /** Recovery ended with a full ACK (RFC 6582 §3.2 step 3): cwnd = min(ssthresh, max(flight, SMSS) + SMSS). */
  onRecoveryEnd(now: Instant, bytesInFlight: number): void;
  /**
   * RTO fired: ssthresh per eq. 4, cwnd = 1 SMSS (RFC 5681 §3.1 "loss window"). A repeated timeout before any
   * new ACK holds ssthresh (RFC 5681 §3.1, the note after eq. 4).
   */
  onRetransmitTimeout(now: Instant, flightSize: number): void;
  /**
   * The sender resumes after an idle period longer than the RTO: RFC 5681 §4.1 restart window (only if
   * restartAfterIdle). The caller decides that the connection was idle that long.
   */
  onIdle(now: Instant, rto: Duration): void;
  /** The sender's MSS changed (negotiated, TCP_MAXSEG, path MTU): windows keep their size in segments. */
  setMss(mss: number): void;
}

export interface CongestionConfig {
  /** SMSS in bytes. */
  mss: number;
  /** RFC 6928: 10. */
  initialWindowSegments: number;
  /** RFC 5681 §4.1 (Linux net.ipv4.tcp_slow_start_after_idle). */
  restartAfterIdle: boolean;
  /** RFC 3465 §2.2 L: slow start grows cwnd by at most L·SMSS per ACK (2; Linux: unbounded). */
  slowStartLimitSegments: number;
}

export function createCongestionControl(
  name: CongestionControlName,
  config: CongestionConfig,
): CongestionControl {
  return name === 'cubic' ? new Cubic(config) : new NewReno(config);
}
