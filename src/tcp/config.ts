// Stack-wide TCP settings and per-socket options. Defaults follow Linux (net.ipv4.tcp_* sysctls) so that a
// kernel peer sees a familiar TCP; every value can be overridden per stack.

import { type Duration, millis, seconds } from '../base/time.ts';
import { DEFAULT_EPHEMERAL_RANGE, type PortRange } from './ephemeral-ports.ts';

export interface TcpConfig {
  /** RFC 6298 §2.1: 1 s before the first RTT sample. */
  initialRto: Duration;
  /** Linux TCP_RTO_MIN (200 ms), lower than RFC 6298's 1 s as every modern stack does. */
  minRto: Duration;
  /** Linux TCP_RTO_MAX (120 s); RFC 6298 §2.5 allows an upper bound of at least 60 s. */
  maxRto: Duration;
  /** SYN (and SYN-ACK) retransmissions before connect() fails with ETIMEDOUT (net.ipv4.tcp_syn_retries). */
  synRetries: number;
  /** Data retransmissions before the connection fails with ETIMEDOUT (net.ipv4.tcp_retries2). */
  maxRetransmits: number;
  /** TIME_WAIT lasts 2·MSL (RFC 9293 §3.4.2 with Linux's 60 s). */
  timeWait: Duration;
  /**
   * The most connections held in TIME_WAIT (Linux tcp_max_tw_buckets): beyond it the oldest ones end early,
   * counted as 'tcp.time-wait-overflow', so a flood of short connections cannot pin unbounded memory.
   */
  maxTimeWait: number;
  /** An orphaned FIN_WAIT_2 connection is dropped after this long (net.ipv4.tcp_fin_timeout). */
  finWait2Timeout: Duration;
  /** RFC 9293 §3.8.6.3: an ACK is delayed at most this long (Linux's 40 ms minimum). */
  delayedAck: Duration;
  sendBuffer: number;
  recvBuffer: number;
  congestion: 'cubic' | 'newreno';
  /** RFC 6928: IW = 10 segments. */
  initialWindowSegments: number;
  timestamps: boolean;
  sack: boolean;
  windowScaling: boolean;
  keepIdle: Duration;
  keepIntvl: Duration;
  keepCnt: number;
  /** Out-of-order ranges parked in the receive buffer before further out-of-order segments are dropped. */
  maxOutOfOrderRanges: number;
  backlogDefault: number;
  synCookies: boolean;
  /** RFC 5961 §7: challenge ACKs sent per second per connection at most. */
  challengeAckPerSecond: number;
  /** At most one reply per this interval to segments outside the window (Linux tcp_invalid_ratelimit). */
  outOfWindowAckInterval: Duration;
  /** RFC 5681 §4.1: restart from the initial window after an idle period longer than the RTO. */
  restartAfterIdle: boolean;
  /** Nagle's algorithm (RFC 9293 §3.7.4) for new sockets; a socket turns it off with noDelay. */
  nagle: boolean;
  /** Local ports for active opens without a bind (RFC 6056; Linux ip_local_port_range). */
  ephemeralPorts: PortRange;
  /**
   * RFC 9293 §3.10.7.4: an ACK of data never sent is answered with an ACK before it is dropped. Linux drops
   * it silently (tcp_ack), which only the Linux profile asks for.
   */
  ackUnsentDataReply: boolean;
  /**
   * Linux sets PSH on the last segment of every multi-segment burst, not only where the written data ends
   * (RFC 9293 §3.9.1.2 asks for the latter): only the Linux profile turns this on.
   */
  pushAtBurstEnd: boolean;
  /**
   * RFC 3465 §2.2 L: slow start grows cwnd by at most L·SMSS per ACK. 2 as RFC 3465 and RFC 5681 §3.1
   * allow; Linux (tcp_slow_start) grows by every segment an ACK covers, which its profile sets as Infinity.
   */
  slowStartLimitSegments: number;
  /**
   * RFC 2883 §4 reports duplicate data in the next ACK, the ACK of a FIN included. Linux's tcp_fin() clears
   * the SACK state first, so a retransmitted data+FIN draws a plain ACK: its profile turns this off.
   */
  dsackWithFin: boolean;
  /**
   * After shutdown(SHUT_RD) data is discarded as it arrives (no one will read it). Linux keeps queueing it
   * and read() still returns it (RCV_SHUTDOWN only ends a read once the queue is empty): its profile only.
   */
  shutRdKeepsData: boolean;
  /**
   * RFC 8985 RACK: with SACK, a segment is lost once one sent after it was delivered and a reordering window
   * has passed (time-based, so lost retransmissions are found too); off, RFC 6675 DupThresh decides.
   */
  rack: boolean;
  /** RFC 8985 §7 Tail Loss Probe: a probe after ~2·SRTT of silence, so a lost tail does not wait an RTO. */
  tlp: boolean;
  /** RFC 6937 Proportional Rate Reduction paces sending during recovery; off, cwnd − pipe (RFC 6675). */
  prr: boolean;
}

const MIB = 1024 * 1024;

export const DEFAULT_TCP_CONFIG: TcpConfig = Object.freeze({
  initialRto: seconds(1),
  minRto: millis(200),
  maxRto: seconds(120),
  synRetries: 6,
  maxRetransmits: 15,
  timeWait: seconds(60),
  maxTimeWait: 16384,
  finWait2Timeout: seconds(60),
  delayedAck: millis(40),
  sendBuffer: 4 * MIB,
  recvBuffer: 4 * MIB,
  congestion: 'cubic',
  initialWindowSegments: 10,
  timestamps: true,
  sack: true,
  windowScaling: true,
  keepIdle: seconds(7200),
  keepIntvl: seconds(75),
  keepCnt: 9,
  maxOutOfOrderRanges: 32,
  backlogDefault: 128,
  synCookies: true,
  challengeAckPerSecond: 10,
  outOfWindowAckInterval: millis(500),
  restartAfterIdle: true,
  nagle: true,
  ephemeralPorts: DEFAULT_EPHEMERAL_RANGE,
  ackUnsentDataReply: true,
  pushAtBurstEnd: false,
  slowStartLimitSegments: 2,
  dsackWithFin: true,
  shutRdKeepsData: false,
  rack: true,
  tlp: true,
  prr: true,
});

/** Per-socket options (setsockopt): TCP_NODELAY, SO_KEEPALIVE + TCP_KEEP*, SO_LINGER 0, TCP_MAXSEG, SO_*BUF. */
export interface TcpSocketOptions {
  noDelay: boolean;
  keepAlive: boolean;
  keepIdle: Duration;
  keepIntvl: Duration;
  keepCnt: number;
  lingerZero: boolean;
  /** An upper bound on the MSS we announce and use; 0 means "from the route". */
  maxSeg: number;
  sendBuffer: number;
  recvBuffer: number;
}

export function defaultSocketOptions(config: TcpConfig): TcpSocketOptions {
  return {
    noDelay: !config.nagle,
    keepAlive: false,
    keepIdle: config.keepIdle,
    keepIntvl: config.keepIntvl,
    keepCnt: config.keepCnt,
    lingerZero: false,
    maxSeg: 0,
    sendBuffer: config.sendBuffer,
    recvBuffer: config.recvBuffer,
  };
}

/** RFC 7323 §2.3: the smallest shift that lets the 16-bit window field cover the whole buffer, at most 14. */
export function windowScaleFor(bufferBytes: number): number {
  let shift = 0;
  while (shift < 14 && bufferBytes >>> shift > 0xffff) shift++;
  return shift;
}
