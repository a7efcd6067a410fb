// Loss recovery: duplicate-ACK counting, fast retransmit, NewReno partial ACKs (RFC 5681 §3.2, RFC 6582) and,
// when SACK was agreed, the conservative SACK-based recovery of RFC 6675. The congestion controller only
// decides cwnd and ssthresh; this file decides what is retransmitted and how many bytes may be in flight.

import type { Instant } from '../base/time.ts';
import { DUP_THRESH } from './sack-scoreboard.ts';
import { seqAdd, seqDiff, seqGe, seqGt, seqLt, seqMax, seqMin } from './seq.ts';
import type { Tcb } from './tcb.ts';

export class Recovery {
  inRecovery = false;
  /** RFC 6582 "recover" / RFC 6675 "RecoveryPoint": SND.MAX when recovery (or an RTO) began. */
  recover = 0;
  dupAcks = 0;
  /** NewReno window inflation (RFC 5681 §3.2 steps 3–5), added to cwnd while recovering without SACK. */
  inflation = 0;
  /** RFC 6675 HighRxt: the highest sequence number retransmitted in this recovery. */
  highRxt = 0;
  /** The segment at SND.UNA must be retransmitted on the next poll (fast retransmit, NewReno partial ACK). */
  retransmitUna = false;
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
  // RFC 6675 §5 (2)(b): with SACK, IsLost(SND.UNA) also starts recovery before DupThresh duplicates.
  const lost =
    r.dupAcks >= DUP_THRESH ||
    (tcb.sackEnabled && seqLt(tcb.sndUna, tcb.scoreboard.lossBoundary(tcb.sndUna, tcb.sndMss)));
  if (!lost) return;
  // RFC 6582 §3.2 step 2 / §4.1: no new recovery while the ACK does not cover "recover" (set by the
  // previous recovery or RTO): these duplicates belong to losses already being repaired.
  if (seqLt(tcb.sndUna, r.recover)) return;
  enterRecovery(tcb, now);
}

function enterRecovery(tcb: Tcb, now: Instant): void {
  const r = tcb.recovery;
  r.inRecovery = true;
  r.recover = tcb.sndMax;
  r.highRxt = tcb.sndUna;
  r.retransmitUna = true;
  // RFC 5681 §3.2 step 3: cwnd = ssthresh + 3·SMSS (the three segments that left the network).
  r.inflation = tcb.sackEnabled ? 0 : DUP_THRESH * tcb.sndMss;
  tcb.cc.onLossDetected(now, seqDiff(tcb.sndMax, tcb.sndUna));
  // Karn: the segment being timed is about to be retransmitted.
  tcb.rttSeq = undefined;
  tcb.event({
    kind: 'cwnd',
    cwnd: tcb.cc.cwnd,
    ssthresh: tcb.cc.ssthresh,
    why: `${r.dupAcks} duplicate ACKs → fast retransmit (RFC 5681 §3.2${tcb.sackEnabled ? ', RFC 6675 §5' : ''})`,
  });
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
    // RFC 6582 §3.2 step 3, full acknowledgment: leave recovery with cwnd = ssthresh.
    r.inRecovery = false;
    r.inflation = 0;
    r.retransmitUna = false;
    tcb.cc.onRecoveryEnd(now, seqDiff(tcb.sndMax, tcb.sndUna));
    tcb.event({
      kind: 'cwnd',
      cwnd: tcb.cc.cwnd,
      ssthresh: tcb.cc.ssthresh,
      why: 'full ACK ends recovery (RFC 6582 §3.2)',
    });
    return;
  }
  if (tcb.sackEnabled) {
    r.highRxt = seqMax(r.highRxt, tcb.sndUna);
    return;
  }
  // RFC 6582 §3.2 step 3, partial acknowledgment: retransmit the next unacknowledged segment, deflate the
  // window by the data acknowledged and add back one SMSS if at least that much was acknowledged.
  r.retransmitUna = true;
  r.inflation -= acked;
  if (acked >= tcb.sndMss) r.inflation += tcb.sndMss;
}

/** RFC 6298 §5.4–5.6 with RFC 6582 §4.1 / RFC 6675 §5.1: an RTO ends any fast recovery. */
export function onRetransmitTimeout(tcb: Tcb): void {
  const r = tcb.recovery;
  r.inRecovery = false;
  r.recover = tcb.sndMax;
  r.dupAcks = 0;
  r.inflation = 0;
  r.highRxt = tcb.sndUna;
  r.retransmitUna = false;
}

/** The first lost, not yet retransmitted byte during SACK recovery (RFC 6675 §4 NextSeg() rule 1). */
export function nextSackRetransmission(tcb: Tcb): number | undefined {
  const r = tcb.recovery;
  if (!r.inRecovery || !tcb.sackEnabled) return undefined;
  const boundary = tcb.scoreboard.lossBoundary(tcb.sndUna, tcb.sndMss);
  let seq = seqMax(r.highRxt, tcb.sndUna);
  while (seqLt(seq, boundary)) {
    const end = tcb.scoreboard.sackedRangeEnd(seq);
    if (end === undefined) return seq;
    seq = end;
  }
  return undefined;
}

/**
 * How many more bytes congestion control lets into the network now. In SACK recovery that is
 * cwnd − pipe (RFC 6675 §4 SetPipe()); in NewReno recovery the inflated cwnd minus the flight; otherwise
 * cwnd minus the un-SACKed bytes sent from SND.UNA up to SND.NXT (after an RTO, sndNxt went back to
 * SND.UNA and what lay beyond it counts as lost, as Linux's loss state does).
 */
export function congestionAllowance(tcb: Tcb): number {
  const r = tcb.recovery;
  const { scoreboard } = tcb;
  if (r.inRecovery && tcb.sackEnabled) {
    const boundary = scoreboard.lossBoundary(tcb.sndUna, tcb.sndMss);
    const from = seqMax(r.highRxt, tcb.sndUna);
    const lostNotRetransmitted = seqLt(from, boundary) ? scoreboard.holeBytes(from, boundary) : 0;
    const pipe = scoreboard.holeBytes(tcb.sndUna, tcb.sndMax) - lostNotRetransmitted;
    return tcb.cc.cwnd - pipe;
  }
  if (r.inRecovery) return tcb.cc.cwnd + r.inflation - seqDiff(tcb.sndMax, tcb.sndUna);
  return tcb.cc.cwnd - scoreboard.holeBytes(tcb.sndUna, tcb.sndNxt);
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
