// NewReno's window arithmetic: RFC 5681 slow start and congestion avoidance with appropriate byte counting
// (RFC 3465), halving on loss (RFC 5681 eq. 4). The NewReno part proper, partial ACKs during fast recovery
// (RFC 6582), is recovery mechanics and lives in the state machine.

import type { Duration, Instant } from '../../base/time.ts';
import { LossBasedControl } from './loss-based.ts';

export class NewReno extends LossBasedControl {
  readonly name = 'newreno' as const;
  // RFC 3465 §2.1: bytes acknowledged in congestion avoidance not yet turned into window growth.
  private bytesAcked = 0;

  protected congestionAvoidance(_now: Instant, ackedBytes: number, _rtt: Duration | undefined): void {
    // RFC 3465 §2.1 (and RFC 5681 §3.1): "When bytes_acked becomes greater than or equal to the value of the
    // congestion window, bytes_acked is reduced by the value of cwnd. Next, cwnd is incremented by a
    // full-sized segment (SMSS)": one SMSS per window's worth of ACKed data, about one per RTT.
    this.bytesAcked += ackedBytes;
    if (this.bytesAcked >= this.window) {
      this.bytesAcked -= this.window;
      this.window += this.smss;
    }
  }

  protected reducedThreshold(_now: Instant, flightSize: number): number {
    this.bytesAcked = 0;
    // RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2*SMSS).
    return Math.max(Math.floor(flightSize / 2), 2 * this.smss);
  }
}
