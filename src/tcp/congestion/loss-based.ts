// What NewReno and CUBIC share (RFC 9438 keeps Reno's slow start, loss window, restart window and recovery
// exit; it changes only congestion avoidance and the decrease factor). Subclasses supply those two.

import type { Duration, Instant } from '../../base/time.ts';
import type { CongestionConfig, CongestionControl, CongestionControlName } from './congestion.ts';

// RFC 5681 §3.1: the initial ssthresh "SHOULD be set arbitrarily high (e.g., to the size of the largest
// possible advertised window)": 65535 scaled by the largest RFC 7323 shift, 14.
export const INITIAL_SSTHRESH = 0xffff * 2 ** 14;

export abstract class LossBasedControl implements CongestionControl {
  abstract readonly name: CongestionControlName;
  protected smss: number;
  /** cwnd in bytes; fractional while CUBIC grows it by fractions of a segment per ACK. */
  protected window: number;
  protected threshold = INITIAL_SSTHRESH;
  // Set by a retransmission timeout, cleared by the next new ACK: a second timeout before then must not
  // lower ssthresh again (RFC 5681 §3.1).
  private timedOut = false;

  constructor(protected readonly config: CongestionConfig) {
    checkMss(config.mss);
    this.smss = config.mss;
    this.window = this.initialWindow();
  }

  get cwnd(): number {
    return Math.floor(this.window);
  }

  get ssthresh(): number {
    return this.threshold;
  }

  onAck(now: Instant, ackedBytes: number, bytesInFlight: number, rtt: Duration | undefined): void {
    this.timedOut = false;
    if (!this.isWindowLimited(ackedBytes, bytesInFlight)) {
      this.applicationLimited(now);
      return;
    }
    if (this.window < this.threshold) {
      // RFC 5681 §3.1 slow start with RFC 3465 byte counting. Stopping at ssthresh lets congestion
      // avoidance start from exactly ssthresh (RFC 9438's cwnd_epoch), as Linux's tcp_slow_start does.
      // RFC 3465 §2.2: at most L·SMSS per ACK, so a stretch ACK does not release a burst.
      const increase = Math.min(ackedBytes, this.config.slowStartLimitSegments * this.smss);
      this.window = Math.min(this.window + increase, this.threshold);
      return;
    }
    this.congestionAvoidance(now, ackedBytes, rtt);
  }

  onLossDetected(now: Instant, flightSize: number): void {
    this.threshold = this.reducedThreshold(now, flightSize);
    this.window = this.threshold;
  }

  onRecoveryEnd(_now: Instant, bytesInFlight: number): void {
    // RFC 6582 §3.2 step 3, option (1): "min(ssthresh, max(FlightSize, SMSS) + SMSS)", which avoids the
    // burst that option (2), cwnd = ssthresh, can send when little is in flight.
    this.window = Math.min(this.threshold, Math.max(bytesInFlight, this.smss) + this.smss);
    this.timedOut = false;
  }

  onRetransmitTimeout(now: Instant, flightSize: number): void {
    // RFC 5681 §3.1: "when a TCP sender detects segment loss using the retransmission timer and the given
    // segment has already been retransmitted by way of the retransmission timer at least once, the value of
    // ssthresh is held constant."
    if (!this.timedOut) this.threshold = this.reducedThreshold(now, flightSize);
    this.timedOut = true;
    // RFC 5681 §3.1: "the congestion window ... MUST be set to no more than the loss window, LW, which
    // equals 1 full-sized segment".
    this.window = this.smss;
    this.afterTimeout();
  }

  onIdle(now: Instant, _rto: Duration): void {
    // RFC 5681 §4.1: "cwnd is reduced to the value of the restart window (RW) before transmission begins",
    // RW = min(IW, cwnd).
    if (this.config.restartAfterIdle) this.window = Math.min(this.window, this.initialWindow());
    this.applicationLimited(now);
  }

  setMss(mss: number): void {
    checkMss(mss);
    // Windows keep their size in segments, as Linux (which counts cwnd in packets) does: the initial window
    // set before the MSS was negotiated becomes IW segments of the negotiated size.
    const scale = mss / this.smss;
    this.window *= scale;
    if (this.threshold !== INITIAL_SSTHRESH) {
      this.threshold = Math.max(Math.floor(this.threshold * scale), 2 * mss);
    }
    this.smss = mss;
  }

  /** Congestion avoidance: new data acknowledged with cwnd ≥ ssthresh and the window in use. */
  protected abstract congestionAvoidance(now: Instant, ackedBytes: number, rtt: Duration | undefined): void;

  /** ssthresh after a congestion event; may record the window for the algorithm's own state. */
  protected abstract reducedThreshold(now: Instant, flightSize: number): number;

  /** Called after a timeout reset cwnd to the loss window; the algorithm may forget its history. */
  protected afterTimeout(): void {}

  /** Time passed in which cwnd could not grow (an application-limited ACK, an idle period). */
  protected applicationLimited(_now: Instant): void {}

  /**
   * Whether the sender was limited by cwnd rather than by the application or the receiver window before
   * this ACK (RFC 7661 §4; RFC 9438 §5.8 "CUBIC does not increase its congestion window if a flow is
   * application-limited"). Like Linux's tcp_is_cwnd_limited: in slow start the window counts as used when
   * at least half of it was in flight; in congestion avoidance when less than one segment of it was unused.
   */
  private isWindowLimited(ackedBytes: number, bytesInFlight: number): boolean {
    const flightBefore = bytesInFlight + ackedBytes;
    if (this.window < this.threshold) return this.window < 2 * flightBefore;
    return flightBefore + this.smss > this.window;
  }

  private initialWindow(): number {
    // RFC 6928 §2 gives IW = min(10·MSS, max(2·MSS, 14600)); like Linux we use IW·SMSS, which differs only
    // for an MSS above 1460 (jumbo frames on the lab link).
    return this.config.initialWindowSegments * this.smss;
  }
}

function checkMss(mss: number): void {
  if (!Number.isInteger(mss) || mss <= 0) throw new RangeError(`SMSS must be a positive integer (${mss})`);
}
