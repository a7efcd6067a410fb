// CUBIC, RFC 9438: in congestion avoidance the window follows W_cubic(t) = C·(t − K)³ + W_max (eq. 1), a
// function of the time t since the congestion avoidance stage began rather than of the ACK clock, so that
// it regains W_max after K seconds whatever the RTT, then probes beyond it slowly and then faster. A Reno
// estimate W_est keeps it at least as fast as Reno where Reno does well (short RTT, small BDP).
//
// Windows here are in segments (floating point), as in the RFC; the base class holds cwnd in bytes.

import { type Duration, type Instant, MICROS_PER_SECOND } from '../../base/time.ts';
import { LossBasedControl } from './loss-based.ts';

// RFC 9438 §5.1: "C SHOULD be set to 0.4"; §4.6: "β_cubic SHOULD be set to 0.7".
const C = 0.4;
const BETA = 0.7;
// RFC 9438 §4.3: α_cubic = 3·(1 − β_cubic)/(1 + β_cubic) gives the same average window as Reno's AIMD(1, 0.5).
const ALPHA_CUBIC = (3 * (1 - BETA)) / (1 + BETA);

export class Cubic extends LossBasedControl {
  readonly name = 'cubic' as const;
  // W_max: cwnd just before the last reduction, lowered by fast convergence; undefined after a timeout.
  private maxWindow: number | undefined;
  // cwnd_prior: cwnd when ssthresh was last set.
  private priorWindow = 0;
  // t_epoch: when the current congestion avoidance stage began (undefined outside one).
  private epochStart: Instant | undefined;
  // When congestion avoidance last grew cwnd: time after it in which the sender could not use its window
  // is moved out of t.
  private lastGrowth: Instant = 0;
  private kSeconds = 0;
  private renoEstimate = 0;

  /** W_max in segments (RFC 9438 §4.1). */
  get wMax(): number | undefined {
    return this.maxWindow;
  }

  /** K in seconds: the time W_cubic takes to regain W_max in the current stage (eq. 2). */
  get k(): number {
    return this.kSeconds;
  }

  /** W_est in segments, the Reno-friendly estimate (eq. 4). */
  get wEst(): number {
    return this.renoEstimate;
  }

  protected congestionAvoidance(now: Instant, ackedBytes: number, rtt: Duration | undefined): void {
    const cwnd = this.window / this.smss;
    const epochStart = this.epochStart ?? this.startEpoch(now, cwnd);
    const t = (now - epochStart) / MICROS_PER_SECOND;
    // RFC 9438 §4.3: "this equation SHOULD be adjusted by using the number of acknowledged bytes instead of
    // acknowledged segments" under byte counting, so segments_acked may be fractional.
    const segmentsAcked = ackedBytes / this.smss;
    // §4.3: "Once W_est has grown to reach ... cwnd_prior, the sender SHOULD set α_cubic to 1".
    const alpha = this.renoEstimate >= this.priorWindow ? 1 : ALPHA_CUBIC;
    this.renoEstimate += (alpha * segmentsAcked) / cwnd;
    let next: number;
    if (this.cubicWindow(t) < this.renoEstimate) {
      // §4.3: in the Reno-friendly region "cwnd SHOULD be set to W_est". Never below cwnd: an ACK of new
      // data does not shrink the window.
      next = Math.max(cwnd, this.renoEstimate);
    } else {
      // §4.2: target = W_cubic(t + RTT) bounded to [cwnd, 1.5·cwnd]; §4.4/§4.5: cwnd grows by
      // (target − cwnd)/cwnd per ACK, here per segment acknowledged.
      const rttSeconds = (rtt ?? 0) / MICROS_PER_SECOND;
      const target = Math.min(Math.max(this.cubicWindow(t + rttSeconds), cwnd), 1.5 * cwnd);
      next = cwnd + ((target - cwnd) / cwnd) * segmentsAcked;
    }
    this.window = next * this.smss;
    this.lastGrowth = now;
  }

  protected reducedThreshold(_now: Instant, flightSize: number): number {
    const cwnd = this.window / this.smss;
    // §4.7 fast convergence: a loss below the previous W_max means the flow's share is shrinking; release
    // bandwidth faster by plateauing at cwnd·(1 + β)/2 instead of at cwnd.
    this.maxWindow = this.maxWindow !== undefined && cwnd < this.maxWindow ? (cwnd * (1 + BETA)) / 2 : cwnd;
    this.priorWindow = cwnd;
    this.epochStart = undefined;
    // §4.6: ssthresh = flight_size·β_cubic, at least 2 segments.
    return Math.max(Math.floor(flightSize * BETA), 2 * this.smss);
  }

  protected override afterTimeout(): void {
    // §4.8: after a timeout "K is set to 0, and W_max is set to the congestion window size at the beginning
    // of the current congestion avoidance stage": forget W_max; startEpoch() then does exactly that.
    this.maxWindow = undefined;
    this.epochStart = undefined;
  }

  protected override applicationLimited(now: Instant): void {
    if (this.epochStart === undefined) return;
    if (this.window < this.threshold) {
      // The restart window sent us back to slow start: that ends this congestion avoidance stage.
      this.epochStart = undefined;
      return;
    }
    // §4.2: "The elapsed time t in eq. 1 MUST NOT include periods during which cwnd has not been updated
    // due to application-limited behavior". Shift the epoch forward by the time since cwnd last grew.
    this.epochStart += now - this.lastGrowth;
    this.lastGrowth = now;
  }

  /** Begins a congestion avoidance stage at `now` with cwnd_epoch = cwnd (segments); returns t_epoch. */
  private startEpoch(now: Instant, cwnd: number): Instant {
    this.epochStart = now;
    this.lastGrowth = now;
    if (this.maxWindow === undefined || this.maxWindow <= cwnd) {
      // §4.8 (after a timeout) and §4.10 (slow start ended at or above W_max): K = 0 and W_max = cwnd_epoch,
      // so the stage starts in the convex region.
      this.maxWindow = cwnd;
      this.kSeconds = 0;
    } else {
      // Eq. 2: K = ∛((W_max − cwnd_epoch)/C).
      this.kSeconds = Math.cbrt((this.maxWindow - cwnd) / C);
    }
    // §4.3: "W_est is set equal to cwnd_epoch at the start of the congestion avoidance stage".
    this.renoEstimate = cwnd;
    return now;
  }

  /** Eq. 1: W_cubic(t) = C·(t − K)³ + W_max, in segments. */
  private cubicWindow(t: number): number {
    return C * (t - this.kSeconds) ** 3 + (this.maxWindow ?? 0);
  }
}
