// Loss recovery: duplicate-ACK counting, fast retransmit, NewReno partial ACKs (RFC 5681 §3.2, RFC 6582) and
// limited transmit (RFC 3042); when SACK was agreed, per-segment loss marking — by RACK (RFC 8985, rack.ts)
// or by RFC 6675's DupThresh rule — with the sending rate in recovery set by PRR (RFC 6937, prr.ts). The
// congestion controller only decides cwnd and ssthresh; this file decides what is lost, what is
// retransmitted and how many bytes may enter the network.
//
// The call chain: tcb-receive.ts ackArrival → onSackBlocks, onCumulativeAck, onNewAck / onDuplicateAck,
// then afterAck (RACK loss detection, TLP outcome, entering recovery, PRR); tcb-timers.ts → onRetransmit
// Timeout and rackDetectLoss on the reordering timer; tcb-send.ts asks congestionAllowance() and sends the
// segments marked lost first.

import type { Instant } from '../base/time.ts';
import { Prr } from './prr.ts';
import {
  Rack,
  rackDetectLoss,
  rackMarkLossesOnRto,
  rackRecoveryEnded,
  rackUpdate,
  rackUpdateReoWnd,
  tlpProcessAck,
} from './rack.ts';
import { DUP_THRESH } from './sack-scoreboard.ts';
import type { TcpRepr } from './segment.ts';
import { SentSegments } from './sent-segments.ts';
import { seqAdd, seqDiff, seqGe, seqGt, seqLt, seqMax, seqMin } from './seq.ts';
import type { Tcb } from './tcb.ts';

/** RFC 3042 §2: limited transmit sends one new segment on each of the first two duplicate ACKs. */
const LIMITED_TRANSMIT_SEGMENTS = 2;

export class Recovery {
  inRecovery = false;
  /** RFC 6582 "recover" / RFC 6675 "RecoveryPoint": SND.MAX when recovery (or an RTO) began. */
  recover = 0;
  dupAcks = 0;
  /** NewReno window inflation (RFC 5681 §3.2 steps 3–5), added to cwnd while recovering without SACK. */
  inflation = 0;
  /** Without SACK: the segment at SND.UNA must be retransmitted on the next poll (RFC 5681, RFC 6582). */
  retransmitUna = false;
  /** With SACK: every segment in flight with its transmit time and SACKed / lost marks. */
  readonly segments = new SentSegments();
  readonly rack = new Rack();
  readonly prr = new Prr();
}

/** A duplicate ACK (RFC 5681 §2 definition, or one carrying new SACK information, RFC 6675 §2). */
export function onDuplicateAck(tcb: Tcb, now: Instant): void {
  const r = tcb.recovery;
  r.dupAcks++;
  tcb.event({ kind: 'dup-ack', count: r.dupAcks });
  if (r.inRecovery) {
    // RFC 5681 §3.2 step 4: each further duplicate ACK means a segment left the network.
    if (!tcb.sackEnabled) r.inflation += tcb.sndMss;
    return;
  }
  // RFC 8985 §6.2: with RACK, time decides loss (afterAck); counting duplicates would undo its tolerance
  // of reordering. Its reordering window is 0 once DupThresh segments are SACKed, so it is never slower.
  if (tcb.sackEnabled && tcb.ctx.config.rack) return;
  // RFC 6675 §5 (2)(b): with SACK, IsLost(SND.UNA) also starts recovery before DupThresh duplicates.
  const lost =
    r.dupAcks >= DUP_THRESH ||
    (tcb.sackEnabled && seqLt(tcb.sndUna, tcb.scoreboard.lossBoundary(tcb.sndUna, tcb.sndMss)));
  if (!lost) return;
  // RFC 6582 §3.2 step 2 / §4.1: no new recovery while the ACK does not cover "recover" (set by the
  // previous recovery or RTO): these duplicates belong to losses already being repaired.
  if (seqLt(tcb.sndUna, r.recover)) return;
  if (tcb.sackEnabled) {
    // RFC 6675 §5 (4.1)–(4.3): the first unacknowledged segment is retransmitted on entering recovery.
    const first = r.segments.first;
    if (!r.segments.isEmpty && !r.segments.isSacked(first)) r.segments.markLost(first);
  }
  enterRecovery(
    tcb,
    now,
    `${r.dupAcks} duplicate ACKs → fast retransmit (RFC 5681 §3.2${tcb.sackEnabled ? ', RFC 6675 §5' : ''})`,
  );
}

function enterRecovery(tcb: Tcb, now: Instant, why: string): void {
  const r = tcb.recovery;
  const flight = seqDiff(tcb.sndMax, tcb.sndUna);
  r.inRecovery = true;
  r.recover = tcb.sndMax;
  r.retransmitUna = !tcb.sackEnabled;
  // RFC 5681 §3.2 step 3: cwnd = ssthresh + 3·SMSS (the three segments that left the network).
  r.inflation = tcb.sackEnabled ? 0 : DUP_THRESH * tcb.sndMss;
  tcb.cc.onLossDetected(now, flight);
  // RFC 6937 §3.1: "RecoverFS = snd.nxt - snd.una" (SND.MAX here: nothing is resent from behind it).
  r.prr.start(flight);
  // RFC 8985 §7: no probe during recovery; the lost segments are known.
  r.rack.probeAt = undefined;
  // Karn: the segment being timed is about to be retransmitted.
  tcb.rttSeq = undefined;
  tcb.event({ kind: 'cwnd', cwnd: tcb.cc.cwnd, ssthresh: tcb.cc.ssthresh, why });
}

/** SND.UNA advanced by `acked` bytes (sequence space). */
export function onNewAck(tcb: Tcb, now: Instant, acked: number): void {
  const r = tcb.recovery;
  r.dupAcks = 0;
  if (!r.inRecovery) {
    // Keep "recover" at or below SND.UNA once passed, so it never drifts half the sequence space away.
    if (seqGt(tcb.sndUna, r.recover)) r.recover = tcb.sndUna;
    const before = Math.floor(tcb.cc.cwnd / tcb.sndMss);
    const slowStart = tcb.cc.cwnd < tcb.cc.ssthresh;
    tcb.cc.onAck(now, acked, seqDiff(tcb.sndMax, tcb.sndUna), tcb.rtt.srtt);
    // Growth is traced each time cwnd passes a whole segment, so a cwnd graph shows slow start and the
    // congestion-avoidance ramp between the loss events.
    if (Math.floor(tcb.cc.cwnd / tcb.sndMss) > before) {
      tcb.event({
        kind: 'cwnd',
        cwnd: tcb.cc.cwnd,
        ssthresh: tcb.cc.ssthresh,
        why: slowStart ? 'slow start (RFC 5681 §3.1)' : 'congestion avoidance (RFC 5681 §3.1)',
      });
    }
    return;
  }
  if (seqGe(tcb.sndUna, r.recover)) {
    // RFC 6582 §3.2 step 3, full acknowledgment: leave recovery. With PRR, cwnd = ssthresh: PRR already
    // brought the flight there (RFC 6937 §3: "cwnd ... will be exactly ssthresh at the end of recovery").
    r.inRecovery = false;
    r.inflation = 0;
    r.retransmitUna = false;
    const prr = tcb.sackEnabled && tcb.ctx.config.prr;
    tcb.cc.onRecoveryEnd(now, prr ? tcb.cc.ssthresh : seqDiff(tcb.sndMax, tcb.sndUna));
    if (tcb.sackEnabled) rackRecoveryEnded(tcb);
    tcb.event({
      kind: 'cwnd',
      cwnd: tcb.cc.cwnd,
      ssthresh: tcb.cc.ssthresh,
      why: 'full ACK ends recovery (RFC 6582 §3.2)',
    });
    return;
  }
  if (tcb.sackEnabled) return;
  // RFC 6582 §3.2 step 3, partial acknowledgment: retransmit the next unacknowledged segment, deflate the
  // window by the data acknowledged and add back one SMSS if at least that much was acknowledged.
  r.retransmitUna = true;
  r.inflation -= acked;
  if (acked >= tcb.sndMss) r.inflation += tcb.sndMss;
}

/**
 * RFC 2883 §4: the first SACK block is a D-SACK when it lies below the cumulative ACK, or inside the
 * second block. RFC 8985 uses it to widen the reordering window and to judge a tail loss probe.
 */
export function isDsack(seg: TcpRepr, ack: number): boolean {
  const blocks = seg.sackRanges;
  if (blocks.length === 0) return false;
  const [left, right] = blocks[0]!;
  if (seqLt(left, right) && seqGe(ack, right)) return true;
  if (blocks.length < 2) return false;
  const [left2, right2] = blocks[1]!;
  return seqGe(left, left2) && seqGe(right2, right);
}

/**
 * The SACK blocks of an ACK, already recorded in the scoreboard: segments they complete are delivered
 * (RFC 8985 §6.2 steps 2–3). Records are cut at block edges so that a record is either SACKed or not.
 */
export function onSackBlocks(tcb: Tcb, seg: TcpRepr, now: Instant): void {
  const { scoreboard } = tcb;
  const tsEcr = tcb.tsEnabled ? seg.timestamp?.tsEcr : undefined;
  const rs = tcb.recovery.segments;
  for (const [left, right] of seg.sackRanges) {
    const start = seqMax(left, tcb.sndUna);
    const end = seqMin(right, tcb.sndMax);
    if (!seqLt(start, end)) continue;
    // RFC 8985 counts whole segments: a block SACKs the segments it covers entirely, so a record is cut
    // only at the segment boundaries inside it (a super-segment holds several; Linux does the same).
    rs.splitAligned(start, tcb.sndMss, true);
    rs.splitAligned(end, tcb.sndMss, false);
    for (let i = rs.indexOf(start); i < rs.end && seqLt(rs.start(i), end); i++) {
      if (rs.isSacked(i) || scoreboard.holeBytes(rs.start(i), rs.endSeq(i)) > 0) continue;
      rs.markSacked(i);
      rackUpdate(tcb, rs, i, now, tsEcr);
    }
  }
}

/** SND.UNA moves to `ack`: the segments it covers and that were not SACKed are delivered now. */
export function onCumulativeAck(tcb: Tcb, seg: TcpRepr, ack: number, now: Instant): void {
  const rs = tcb.recovery.segments;
  const tsEcr = tcb.tsEnabled ? seg.timestamp?.tsEcr : undefined;
  rs.split(ack);
  for (let i = rs.first; i < rs.end && seqLt(rs.start(i), ack); i++)
    if (!rs.isSacked(i)) rackUpdate(tcb, rs, i, now, tsEcr);
  rs.advance(ack);
}

/**
 * After an acceptable ACK on a SACK connection: find the losses it reveals (RACK, RFC 8985 §6.2 step 5; or
 * RFC 6675 IsLost in recovery), judge an outstanding tail loss probe (§7.4), enter recovery on the first
 * loss (RFC 8985 §6.2: "RACK ... then enters fast recovery"), and give PRR the ACK (RFC 6937 §3.1).
 * `delivered` is RFC 6937's DeliveredData: the change in SND.UNA plus the change in SACKed bytes.
 */
export function afterAck(
  tcb: Tcb,
  now: Instant,
  delivered: number,
  unaAdvanced: boolean,
  dsack: boolean,
): void {
  const r = tcb.recovery;
  const { config } = tcb.ctx;
  let newlyLost: number;
  if (config.rack) {
    rackUpdateReoWnd(tcb, dsack);
    newlyLost = rackDetectLoss(tcb, now);
  } else {
    newlyLost = r.inRecovery ? markRfc6675Losses(tcb) : 0;
  }
  if (tlpProcessAck(tcb, tcb.sndUna, dsack) && !r.inRecovery) {
    // RFC 8985 §7.4.2: the probe repaired a tail loss the sender never saw: "invoke the congestion control
    // ... as if a fast recovery had happened" — reduce the window, with nothing left to retransmit.
    tcb.cc.onLossDetected(now, seqDiff(tcb.sndMax, tcb.sndUna));
    tcb.event({
      kind: 'cwnd',
      cwnd: tcb.cc.cwnd,
      ssthresh: tcb.cc.ssthresh,
      why: 'tail loss probe repaired a loss (RFC 8985 §7.4)',
    });
  }
  if (!r.inRecovery && r.segments.lostBytes > 0 && seqGe(tcb.sndUna, r.recover)) {
    enterRecovery(tcb, now, 'RACK: a segment sent later was delivered → lost (RFC 8985 §6.2)');
  }
  if (r.inRecovery && config.prr) {
    r.prr.onAck(delivered, pipe(tcb), tcb.cc.ssthresh, tcb.sndMss, unaAdvanced && newlyLost === 0);
  }
  if (unaAdvanced) r.rack.scheduleProbe = true;
}

/**
 * RACK's reordering timer marked segments lost (RFC 8985 §6.3) with no ACK to clock PRR: enter recovery
 * and let one segment out at once — the lost ones just left pipe — so the retransmission the timer exists
 * for does not wait for an ACK that may never come (Linux retransmits from its timer the same way).
 */
export function afterReorderTimeout(tcb: Tcb, now: Instant): void {
  const r = tcb.recovery;
  if (r.segments.lostBytes === 0) return;
  if (!r.inRecovery && seqGe(tcb.sndUna, r.recover)) {
    enterRecovery(tcb, now, 'RACK reordering timer: the window passed → lost (RFC 8985 §6.3)');
  }
  if (r.inRecovery) {
    r.prr.sendQuota = Math.max(r.prr.sendQuota, tcb.sndMss);
  }
}

/**
 * RFC 6675 §4 IsLost(): in recovery without RACK, every un-SACKed segment below the loss boundary that was
 * not retransmitted yet is lost (NextSeg() rule 1; a lost retransmission waits for the RTO).
 */
function markRfc6675Losses(tcb: Tcb): number {
  const rs = tcb.recovery.segments;
  const boundary = tcb.scoreboard.lossBoundary(tcb.sndUna, tcb.sndMss);
  const before = rs.lostBytes;
  for (let i = rs.first; i < rs.end && seqLt(rs.start(i), boundary); i++)
    if (!rs.isRetransmitted(i)) rs.markLost(i);
  return rs.lostBytes - before;
}

/** RFC 6298 §5.4–5.6 with RFC 6582 §4.1 / RFC 6675 §5.1: an RTO ends any fast recovery. */
export function onRetransmitTimeout(tcb: Tcb, now: Instant): void {
  const r = tcb.recovery;
  const wasInRecovery = r.inRecovery;
  r.inRecovery = false;
  r.recover = tcb.sndMax;
  r.dupAcks = 0;
  r.inflation = 0;
  r.retransmitUna = false;
  r.rack.resetTimers();
  r.rack.probeEndSeq = undefined;
  if (!tcb.sackEnabled) return;
  if (wasInRecovery) rackRecoveryEnded(tcb);
  if (tcb.ctx.config.rack) {
    rackMarkLossesOnRto(tcb, now);
    return;
  }
  // RFC 6675 §5.1: after an RTO every un-SACKed byte is considered lost (SACK information is kept).
  const rs = r.segments;
  for (let i = rs.first; i < rs.end; i++) rs.markLost(i);
}

/**
 * RFC 6675 §4 SetPipe() with SACK: the bytes in flight are those not SACKed, less those marked lost and
 * not yet retransmitted (a retransmission puts them back in flight).
 */
export function pipe(tcb: Tcb): number {
  return tcb.scoreboard.holeBytes(tcb.sndUna, tcb.sndMax) - tcb.recovery.segments.lostBytes;
}

/**
 * How many more bytes congestion control lets into the network now. With SACK: in recovery PRR's sndcnt
 * (RFC 6937) or cwnd − pipe (RFC 6675 §5 (C)), and cwnd − pipe otherwise; without SACK, in NewReno recovery
 * the inflated cwnd minus the flight, otherwise cwnd minus what was sent from SND.UNA up to SND.NXT (after
 * an RTO, SND.NXT went back to SND.UNA and the rest counts as lost). Limited transmit (RFC 3042 §2) adds a
 * segment for each of the first two duplicate ACKs outside recovery.
 */
export function congestionAllowance(tcb: Tcb): number {
  const r = tcb.recovery;
  if (r.inRecovery) {
    if (!tcb.sackEnabled) return tcb.cc.cwnd + r.inflation - seqDiff(tcb.sndMax, tcb.sndUna);
    return tcb.ctx.config.prr ? r.prr.sendQuota : tcb.cc.cwnd - pipe(tcb);
  }
  // With SACK each duplicate ACK SACKs the segment that left the network and pipe drops by it: that is
  // limited transmit already (one new segment per duplicate ACK, as Linux counts it).
  if (tcb.sackEnabled) return tcb.cc.cwnd - pipe(tcb);
  // RFC 3042 §2: "the sender can only send two segments beyond the congestion window (cwnd)", one for each
  // of the first two duplicate ACKs, and only in the open state (not while an RTO's resending is under way).
  const limited = seqGe(tcb.sndUna, r.recover)
    ? Math.min(r.dupAcks, LIMITED_TRANSMIT_SEGMENTS) * tcb.sndMss
    : 0;
  return tcb.cc.cwnd + limited - tcb.scoreboard.holeBytes(tcb.sndUna, tcb.sndNxt);
}

/**
 * The length of the retransmission of lost record i (SACK connections): one segment at most, and no
 * further than the record, since what follows it was not marked lost.
 */
export function lostRetransmissionLength(tcb: Tcb, i: number, maxPayload: number): number {
  const rs = tcb.recovery.segments;
  const seq = rs.start(i);
  let end = rs.endSeq(i);
  // Contiguous lost records go out together when the link segments (TSO): `maxPayload` may span several.
  for (let j = i + 1; j < rs.end && rs.isLost(j) && rs.start(j) === end; j++) end = rs.endSeq(j);
  return Math.min(retransmissionLength(tcb, seq, maxPayload), seqDiff(end, seq));
}

/** The length of a retransmission starting at seq: one segment, stopping at SACKed data and at SND.MAX. */
export function retransmissionLength(tcb: Tcb, seq: number, maxPayload: number): number {
  let end = seqMin(seqAdd(seq, maxPayload), tcb.sndMax);
  const sacked = tcb.scoreboard.nextSackedStart(seq);
  if (sacked !== undefined) end = seqMin(end, sacked);
  // The FIN occupies a sequence number but no payload byte.
  if (tcb.finSent) end = seqMin(end, tcb.finSeq);
  // A retransmission keeps the record boundaries of MSG_EOR writes, as the first transmission did.
  const record = nextRecordEnd(tcb, seq);
  if (record !== undefined) end = seqMin(end, record);
  return Math.max(0, seqDiff(end, seq));
}

/** The first end of an MSG_EOR record above seq, if any: no segment from seq may go past it. */
export function nextRecordEnd(tcb: Tcb, seq: number): number | undefined {
  for (const end of tcb.recordEnds) if (seqGt(end, seq)) return end;
  return undefined;
}
