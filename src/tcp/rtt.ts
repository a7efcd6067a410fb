// Round-trip time estimation and the retransmission timeout, RFC 6298.
//
// The state machine feeds valid samples (Karn's algorithm, RFC 6298 §3: never from a retransmitted
// segment), asks for `rto` when it arms the retransmission timer, calls backoff() when that timer fires
// (§5.5) and resetBackoff() when new data is acknowledged. Values stay in exact microseconds (fractions
// included) rather than Linux's scaled integers: a number holds them without loss.

import { type Duration, millis } from '../base/time.ts';

export interface RttConfig {
  /** RTO before the first sample: 1 s (RFC 6298 §2.1). */
  initialRto: Duration;
  /** Lower clamp: RFC 6298 §2.4 says 1 s; Linux uses 200 ms. */
  minRto: Duration;
  /** Upper clamp: at least 60 s (RFC 6298 §2.5); Linux uses 120 s. */
  maxRto: Duration;
}

// RFC 6298 §2: alpha = 1/8, beta = 1/4, K = 4. G is our clock granularity (the driver's timer resolution).
const ALPHA = 1 / 8;
const BETA = 1 / 4;
const K = 4;
const G = millis(1);
const HANDSHAKE_FALLBACK_RTO = millis(3000);

export class RttEstimator {
  private smoothed: Duration | undefined;
  private variation: Duration | undefined;
  private minimum: Duration | undefined;
  private unclampedRto: Duration;
  private backoffs = 0;

  constructor(private readonly config: RttConfig) {
    if (!(config.minRto <= config.maxRto)) throw new RangeError('minRto must not exceed maxRto');
    this.unclampedRto = config.initialRto;
  }

  /** A valid RTT measurement (Karn: the caller never samples retransmitted segments). RFC 6298 §2.2/2.3. */
  sample(rtt: Duration): void {
    if (!(rtt >= 0)) throw new RangeError(`an RTT sample cannot be negative (${rtt})`);
    if (this.smoothed === undefined || this.variation === undefined) {
      // §2.2: the first measurement R sets SRTT <- R, RTTVAR <- R/2.
      this.smoothed = rtt;
      this.variation = rtt / 2;
    } else {
      // §2.3: RTTVAR is updated first, from the SRTT before this sample.
      this.variation = (1 - BETA) * this.variation + BETA * Math.abs(this.smoothed - rtt);
      this.smoothed = (1 - ALPHA) * this.smoothed + ALPHA * rtt;
    }
    this.unclampedRto = this.smoothed + Math.max(G, K * this.variation);
    this.minimum = this.minimum === undefined ? rtt : Math.min(this.minimum, rtt);
  }

  get srtt(): Duration | undefined {
    return this.smoothed;
  }

  get rttvar(): Duration | undefined {
    return this.variation;
  }

  /** The smallest sample seen on this connection. */
  get minRtt(): Duration | undefined {
    return this.minimum;
  }

  /** The current RTO including backoff, clamped to [minRto, maxRto] (§2.4, §2.5). */
  get rto(): Duration {
    const base = Math.max(this.config.minRto, this.unclampedRto);
    // §5.5 doubles per expiry; 2 ** backoffs reaches Infinity only after 1024 doublings, which min() caps.
    return Math.min(this.config.maxRto, base * 2 ** this.backoffs);
  }

  /** §5.5: "the host MUST set RTO <- RTO * 2 ("back off the timer")". */
  backoff(): void {
    this.backoffs++;
  }

  /**
   * Clears the backoff once new data is acknowledged. RFC 6298 §5 (note after 5.7): a new RTT measurement
   * "may result in 'collapsing' RTO back down after it has been subject to exponential back off"; Karn's
   * algorithm keeps the backed-off RTO until then. The state machine decides when that is.
   */
  resetBackoff(): void {
    this.backoffs = 0;
  }

  /**
   * RFC 6298 §5.7: if the SYN (or SYN-ACK) timed out and RTO is below 3 s, "the RTO MUST be re-initialized
   * to 3 seconds when data transmission begins (i.e., after the three-way handshake completes)". Only
   * without a sample: a retransmitted handshake yields none (Karn), so RTO would still be the initial one.
   */
  handshakeRetransmitted(): void {
    if (this.smoothed === undefined) this.unclampedRto = Math.max(this.unclampedRto, HANDSHAKE_FALLBACK_RTO);
    this.backoffs = 0;
  }

  /** How many times the timer was backed off since the last reset (the retry count for tcp_retries2). */
  get backoffCount(): number {
    return this.backoffs;
  }
}
