// RACK-TLP loss detection, RFC 8985, for connections that agreed on SACK (RFC 8985 §4 requires it).
//
// RACK (§6) marks a segment lost once a segment sent after it has been delivered (ACKed or SACKed) and a
// reordering window has passed since it was sent: loss is decided by time, not by counting duplicate
// ACKs, so a lost retransmission is found as quickly as a lost original. TLP (§7) sends a probe when the
// ACKs stop for about two round trips, so that a lost tail draws SACKs (and RACK) instead of an RTO.
//
// The per-segment transmit times live in SentSegments; this file holds RACK's and TLP's own variables and
// the decisions. The call chain: tcb-receive.ts ackArrival → recovery.ts (onSegmentsDelivered → rackUpdate,
// then rackDetectLoss and tlpProcessAck); tcb-timers.ts fires the reordering timer (rackDetectLoss again)
// and the probe timeout (tcb-send.ts sends the probe).

import type { Duration, Instant } from '../base/time.ts';
import { millis } from '../base/time.ts';
import { DUP_THRESH } from './sack-scoreboard.ts';
import type { SentSegments } from './sent-segments.ts';
import { seqDiff, seqGe, seqGt, seqLt } from './seq.ts';
import type { Tcb } from './tcb.ts';

/** RFC 8985 §7.2 WCDelAckT: the worst-case delayed-ACK time a probe waits for with one segment in flight. */
const WORST_CASE_DELAYED_ACK = millis(200);
/** RFC 8985 §7.2: the PTO before any RTT sample. */
const PTO_WITHOUT_RTT = millis(1000);
/** RFC 8985 §6.2 step 4: a reordering window stays widened for this many recoveries after a D-SACK. */
const REO_WND_PERSIST = 16;

export class Rack {
  /** RACK.xmit_ts and RACK.end_seq: the latest transmission among the segments known delivered. */
  xmitTs: Instant = Number.NEGATIVE_INFINITY;
  endSeq = 0;
  /** RACK.rtt: the RTT of that segment's delivery. */
  rtt: Duration = 0;
  /** RACK.fack: the highest end sequence number delivered so far (none before the first delivery). */
  fack: number | undefined;
  /** RACK.reordering_seen: a segment was delivered below RACK.fack without having been retransmitted. */
  reorderingSeen = false;
  /** RACK.reo_wnd_mult and RACK.reo_wnd_persist: D-SACK-driven widening of the reordering window. */
  reoWndMult = 1;
  reoWndPersist = 0;
  /** RACK.dsack_round: SND.NXT when a D-SACK last widened the window; one widening per round trip. */
  dsackRound: number | undefined;
  /** The reordering timer (§6.3), armed while a segment waits out its reordering window. */
  reorderAt: Instant | undefined;

  /** The probe timeout (§7.2) while armed. */
  probeAt: Instant | undefined;
  /** New data left or SND.UNA advanced: the timers re-derive the probe timeout (§7.2). */
  scheduleProbe = false;
  /** The probe timer fired: tcb-send.ts sends the probe on the next poll. */
  probeDue = false;
  /** TLP.end_seq: SND.NXT when the probe left, while its outcome is unknown (§7.3). */
  probeEndSeq: number | undefined;
  /** TLP.is_retrans: the probe resent old data rather than sending new data. */
  probeIsRetransmission = false;

  /** Forgets the state tied to outstanding data, as a new connection has none (kept: what was learned). */
  resetTimers(): void {
    this.reorderAt = undefined;
    this.probeAt = undefined;
    this.probeDue = false;
    this.scheduleProbe = false;
  }
}

/**
 * RFC 8985 §6.2 step 1: RACK_sent_after(t1, seq1, t2, seq2) — whether the first transmission happened after
 * the second; segments sent at the same instant are ordered by sequence number.
 */
export function sentAfter(t1: Instant, seq1: number, t2: Instant, seq2: number): boolean {
  return t1 > t2 || (t1 === t2 && seqGt(seq1, seq2));
}

/**
 * RFC 8985 §6.2 steps 2 and 3 for one newly delivered (cumulatively ACKed or SACKed) segment. `tsEcr` is
 * the ACK's timestamp echo, undefined without timestamps.
 */
export function rackUpdate(tcb: Tcb, segments: SentSegments, i: number, now: Instant, tsEcr?: number): void {
  const rack = tcb.recovery.rack;
  const xmitTs = segments.xmitTs(i);
  const endSeq = segments.endSeq(i);
  const retransmitted = segments.isRetransmitted(i);
  // Step 3: "If Segment.end_seq > RACK.fack ... Else if Segment.end_seq < RACK.fack AND
  // Segment.retransmitted is FALSE: RACK.reordering_seen = TRUE" — an original delivered late.
  if (rack.fack === undefined || seqGt(endSeq, rack.fack)) rack.fack = endSeq;
  else if (seqLt(endSeq, rack.fack) && !retransmitted) rack.reorderingSeen = true;
  const rtt = now - xmitTs;
  if (retransmitted) {
    // Step 2: an ACK of a retransmitted segment may be for the original. "If ACK.ts_option.echo_reply <
    // Segment.xmit_ts: Return" and "If rtt < RACK.min_RTT: Return" — both would give a too-short RTT.
    if (tsEcr !== undefined && seqLt(tsEcr, tcb.tsNow(xmitTs))) return;
    const minRtt = tcb.rtt.minRtt;
    if (minRtt !== undefined && rtt < minRtt) return;
  }
  rack.rtt = rtt;
  if (sentAfter(xmitTs, endSeq, rack.xmitTs, rack.endSeq)) {
    rack.xmitTs = xmitTs;
    rack.endSeq = endSeq;
  }
}

/**
 * RFC 8985 §6.2 step 4, RACK_update_reo_wnd(): widen the window by min_RTT/4 per round trip that saw a
 * D-SACK (a spurious retransmission: the window was too small), and fall back after 16 recoveries without
 * one. Called once per ACK.
 */
export function rackUpdateReoWnd(tcb: Tcb, dsack: boolean): void {
  const rack = tcb.recovery.rack;
  if (rack.dsackRound !== undefined && seqGe(tcb.sndUna, rack.dsackRound)) rack.dsackRound = undefined;
  if (rack.dsackRound === undefined && dsack) {
    rack.dsackRound = tcb.sndMax;
    rack.reoWndMult++;
    rack.reoWndPersist = REO_WND_PERSIST;
  }
}

/** RFC 8985 §6.2 step 4, the other half: "Else if exiting Fast or RTO recovery" the widening ages. */
export function rackRecoveryEnded(tcb: Tcb): void {
  const rack = tcb.recovery.rack;
  rack.reoWndPersist--;
  if (rack.reoWndPersist <= 0) rack.reoWndMult = 1;
}

/** RFC 8985 §6.2 step 4: the reordering window RACK waits before it calls a segment lost. */
export function reoWnd(tcb: Tcb): Duration {
  const r = tcb.recovery;
  if (!r.rack.reorderingSeen) {
    // "If in Fast or RTO recovery: Return 0. Else if RACK.segs_sacked >= DupThresh: Return 0" — without
    // evidence of reordering, RACK is as quick as RFC 6675 once DupThresh segments are SACKed.
    if (r.inRecovery || seqLt(tcb.sndUna, r.recover)) return 0;
    if (r.segments.sackedCount >= DUP_THRESH) return 0;
  }
  const minRtt = tcb.rtt.minRtt ?? 0;
  const srtt = tcb.rtt.srtt ?? minRtt;
  // "Return min(RACK.reo_wnd_mult * RACK.min_RTT / 4, SRTT)".
  return Math.min((r.rack.reoWndMult * minRtt) / 4, srtt);
}

/**
 * RFC 8985 §6.2 step 5, RACK_detect_loss(): every segment sent before the latest delivered one and older
 * than RACK.rtt + reo_wnd is lost. Arms the reordering timer for the ones still inside the window (§6.3)
 * and returns how many bytes it newly marked lost.
 */
export function rackDetectLoss(tcb: Tcb, now: Instant): number {
  const { rack, segments } = tcb.recovery;
  rack.reorderAt = undefined;
  if (rack.xmitTs === Number.NEGATIVE_INFINITY) return 0;
  const window = reoWnd(tcb);
  const lostBefore = segments.lostBytes;
  let timeout = 0;
  for (let i = segments.first; i < segments.end; i++) {
    // Records are in sequence order, which is the order of their first transmissions: past a record first
    // sent after the RACK segment, every record was too, whatever its retransmissions. Stopping there
    // keeps this per-ACK scan from walking the whole flight (O(cwnd) per ACK) in the common case.
    if (!segments.isRetransmitted(i) && segments.xmitTs(i) > rack.xmitTs) break;
    if (segments.isSacked(i) || segments.isLost(i)) continue;
    if (!sentAfter(rack.xmitTs, rack.endSeq, segments.xmitTs(i), segments.endSeq(i))) continue;
    const remaining = segments.xmitTs(i) + rack.rtt + window - now;
    if (remaining <= 0) segments.markLost(i);
    else timeout = Math.max(timeout, remaining);
  }
  // §6.3: "If timeout != 0: Arm the RACK timer to call RACK_detect_loss_and_arm_timer() after timeout".
  if (timeout > 0) rack.reorderAt = now + timeout;
  return segments.lostBytes - lostBefore;
}

/**
 * RFC 8985 §6.3 RACK_mark_losses_on_RTO(): "Segment.lost = TRUE" for the segment at SND.UNA and for every
 * one sent at least RACK.rtt + reo_wnd ago; the rest were sent too recently to be judged and stay in
 * flight, which is what keeps an RTO from turning into go-back-N.
 */
export function rackMarkLossesOnRto(tcb: Tcb, now: Instant): void {
  const { rack, segments } = tcb.recovery;
  const window = reoWnd(tcb);
  for (let i = segments.first; i < segments.end; i++) {
    if (segments.isSacked(i)) continue;
    if (segments.start(i) === tcb.sndUna || segments.xmitTs(i) <= now - rack.rtt - window)
      segments.markLost(i);
  }
}

// ---------------------------------------------------------------------------------- tail loss probe

/**
 * RFC 8985 §7.2: arm the probe timeout after new data was sent or SND.UNA advanced, only in the open state
 * ("the connection is not in loss recovery") with SACK and no probe outstanding. The RTO deadline bounds it.
 */
export function tlpSchedule(tcb: Tcb, now: Instant, rtoAt: Instant): void {
  const r = tcb.recovery;
  r.rack.probeAt = undefined;
  if (!tcb.ctx.config.tlp || !tcb.sackEnabled || r.inRecovery || seqLt(tcb.sndUna, r.recover)) return;
  if (r.rack.probeEndSeq !== undefined || !seqGt(tcb.sndMax, tcb.sndUna)) return;
  const srtt = tcb.rtt.srtt;
  let pto: Duration;
  if (srtt === undefined) {
    pto = PTO_WITHOUT_RTT;
  } else {
    // "PTO = 2 * SRTT"; "If FlightSize is equal to one segment: PTO += WCDelAckT" — a lone segment may be
    // waiting for the receiver's delayed ACK.
    pto = 2 * srtt;
    if (seqDiff(tcb.sndMax, tcb.sndUna) <= tcb.sndMss) pto += WORST_CASE_DELAYED_ACK;
  }
  // "If Now() + PTO > TCP_RTO_expire(): PTO = TCP_RTO_expire() - Now()".
  r.rack.probeAt = Math.min(now + pto, rtoAt);
}

/**
 * RFC 8985 §7.4 TLP_process_ack(): once the ACK covers the probe, decide whether it repaired a loss. If it
 * did (no D-SACK says the original got through as well), congestion control must still react. Returns true
 * when the probe revealed a loss.
 */
export function tlpProcessAck(tcb: Tcb, ack: number, dsack: boolean): boolean {
  const rack = tcb.recovery.rack;
  const end = rack.probeEndSeq;
  if (end === undefined || seqLt(ack, end)) return false;
  rack.probeEndSeq = undefined;
  // "If not TLP.is_retrans: TLP.end_seq = None" — a probe of new data proves nothing about loss.
  if (!rack.probeIsRetransmission) return false;
  // "Else if ACK has a DSACK option matching TLP.end_seq" — both copies arrived: nothing was lost.
  if (dsack) return false;
  // "Else if SEG.ACK > TLP.end_seq" the probe repaired a tail loss: "invoke the congestion control".
  return seqGt(ack, end);
}
