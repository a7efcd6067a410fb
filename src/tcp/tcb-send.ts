// The output side of a connection: everything a poll() may emit, in priority order — the SYN or SYN-ACK,
// retransmissions (NewReno without SACK; with SACK the segments marked lost by RACK or RFC 6675), a tail
// loss probe (RFC 8985 §7.3), data and FIN under flow control (the peer's
// window), congestion control (cwnd), Nagle and sender-side silly window avoidance, zero-window and
// keepalive probes, and finally a pure ACK if one is still owed. Each segment carries a `why` in the trace.
//
// Every segment is described in the connection's reused TcpRepr and handed to emit, which serializes it
// before returning; the payload is copied from the send ring into the layer's scratch buffer.

import type { Instant } from '../base/time.ts';
import {
  congestionAllowance,
  lostRetransmissionLength,
  nextRecordEnd,
  retransmissionLength,
} from './recovery.ts';
import { flagsString, type TcpRepr, tcpFlags } from './segment.ts';
import { seqAdd, seqDiff, seqGt, seqLe, seqLt, seqMax, seqMin } from './seq.ts';
import type { Tcb } from './tcb.ts';

type Emit = (segment: TcpRepr) => void;

/** IPv4 (20) + TCP (20) fixed headers, what the MSS leaves out of the MTU (RFC 9293 §3.7.1). */
const IP_TCP_HEADERS = 40;

/** What the data path would send next: a segment of `len` bytes from `seq`, with a FIN or not. */
interface Plan {
  seq: number;
  len: number;
  fin: boolean;
}

/** States in which data and our FIN may be (re)transmitted. */
function sendsData(tcb: Tcb): boolean {
  const s = tcb.current;
  return (
    s === 'ESTABLISHED' || s === 'CLOSE_WAIT' || s === 'FIN_WAIT_1' || s === 'CLOSING' || s === 'LAST_ACK'
  );
}

export function canSendData(tcb: Tcb): boolean {
  if (!sendsData(tcb)) return false;
  const r = tcb.recovery;
  if (r.retransmitUna || r.rack.probeDue || lostRetransmissionDue(tcb) !== undefined) return true;
  return planData(tcb, PROBE_PLAN, false);
}

const PROBE_PLAN: Plan = { seq: 0, len: 0, fin: false };

export function tcbDispatch(tcb: Tcb, now: Instant, emit: Emit): void {
  switch (tcb.current) {
    case 'SYN_SENT':
      if (tcb.synDue) emitSyn(tcb, now, emit);
      return;
    case 'SYN_RECEIVED':
      if (tcb.synDue) emitSynAck(tcb, now, emit);
      return;
    default:
      break;
  }
  if (sendsData(tcb)) {
    sendRetransmissions(tcb, now, emit);
    if (tcb.recovery.rack.probeDue) sendLossProbe(tcb, now, emit);
    sendNewData(tcb, now, emit);
  }
  if (tcb.probeDue !== undefined) sendProbe(tcb, now, emit);
  if (tcb.ackNow) emitControl(tcb, now, emit, tcb.sndMax, tcb.ackWhy || 'ACK');
}

// --------------------------------------------------------------------------------------- handshake

function emitSyn(tcb: Tcb, now: Instant, emit: Emit): void {
  const { config } = tcb.ctx;
  const out = blank(tcb);
  out.control = 'syn';
  out.seqNumber = tcb.iss;
  out.ackNumber = undefined;
  // RFC 7323 §2.2: the window in a SYN is never scaled.
  out.windowLen = Math.min(tcb.recvBuffer.free, 0xffff);
  out.maxSegSize = tcb.advMss;
  out.windowScale = config.windowScaling ? tcb.rcvWscale : undefined;
  out.sackPermitted = config.sack;
  out.timestamp = config.timestamps ? setTimestamp(tcb, now, 0) : undefined;
  const why =
    tcb.retransmits === 0
      ? 'SYN: active open, ISN per RFC 6528'
      : `SYN: retransmission #${tcb.retransmits} after RTO backoff (RFC 6298 §5.5)`;
  synSent(tcb, now, tcb.retransmits === 0);
  finish(tcb, now, emit, out, why, false);
}

/**
 * Bookkeeping for a SYN or SYN-ACK about to leave: the first one is timed for an RTT sample (Karn's rule
 * leaves retransmissions out), a later one is counted as a retransmission; SND.NXT moves past the SYN.
 */
function synSent(tcb: Tcb, now: Instant, first: boolean): void {
  if (first) {
    tcb.rttSeq = seqAdd(tcb.iss, 1);
    tcb.rttStart = now;
  } else {
    countRetransmission(tcb, 'syn', tcb.iss, 0);
  }
  tcb.synDue = false;
  tcb.sndNxt = seqAdd(tcb.iss, 1);
  tcb.sndMax = seqMax(tcb.sndMax, tcb.sndNxt);
}

function emitSynAck(tcb: Tcb, now: Instant, emit: Emit): void {
  const out = blank(tcb);
  out.control = 'syn';
  out.seqNumber = tcb.iss;
  out.ackNumber = tcb.rcvNxt;
  out.windowLen = Math.min(tcb.recvBuffer.free, 0xffff);
  out.maxSegSize = tcb.advMss;
  // RFC 7323 §1.3 / RFC 2018 §2: a SYN-ACK carries an option only if the SYN offered it.
  out.windowScale = tcb.wsAgreed ? tcb.rcvWscale : undefined;
  out.sackPermitted = tcb.sackEnabled;
  out.timestamp = tcb.tsEnabled ? setTimestamp(tcb, now, tcb.tsRecent) : undefined;
  const first = seqLe(tcb.sndMax, tcb.iss);
  synSent(tcb, now, first);
  finish(
    tcb,
    now,
    emit,
    out,
    first ? 'SYN-ACK: passive open, ISN per RFC 6528' : 'SYN-ACK: retransmission',
    true,
  );
}

// ------------------------------------------------------------------------------------ data and FIN

/** The record of the next lost segment (SACK connections), if congestion control lets it out now. */
function lostRetransmissionDue(tcb: Tcb): number | undefined {
  const i = tcb.recovery.segments.firstLost();
  if (i === undefined) return undefined;
  const len = lostRetransmissionLength(tcb, i, lostRetransmissionLimit(tcb));
  const start = tcb.recovery.segments.start(i);
  // Nothing to resend (never expected: a lost record holds data or the FIN) must not look like work to do.
  if (len === 0 && !(tcb.finSent && start === tcb.finSeq)) return undefined;
  // RFC 6675 §5 (C): send while cwnd − pipe ≥ 1 SMSS (here: the segment's length); with PRR its sndcnt.
  return congestionAllowance(tcb) >= Math.max(1, len) ? i : undefined;
}

/** Fast retransmit of SND.UNA without SACK, the segments marked lost with SACK, before any new data. */
function sendRetransmissions(tcb: Tcb, now: Instant, emit: Emit): void {
  const r = tcb.recovery;
  const maxPayload = maxPayloadLen(tcb);
  if (r.retransmitUna) {
    r.retransmitUna = false;
    const len = retransmissionLength(tcb, tcb.sndUna, maxPayload);
    const fin = tcb.finSent && seqAdd(tcb.sndUna, len) === tcb.finSeq;
    if (len > 0 || fin) {
      const reason = tcb.sackEnabled ? 'sack-recovery' : 'fast-retransmit';
      const why =
        r.dupAcks >= 3 || tcb.sackEnabled
          ? `dup ACK #${r.dupAcks} → fast retransmit (RFC 5681 §3.2)`
          : 'partial ACK → retransmit next segment (RFC 6582 §3.2)';
      emitData(tcb, now, emit, tcb.sndUna, len, fin, why, reason, false);
    }
  }
  const why = tcb.ctx.config.rack
    ? 'RACK: a segment sent later was delivered, the reordering window passed → lost (RFC 8985 §6.2)'
    : 'SACK hole below the loss boundary → retransmit (RFC 6675 §5)';
  for (;;) {
    const i = lostRetransmissionDue(tcb);
    if (i === undefined) return;
    const seq = r.segments.start(i);
    const len = lostRetransmissionLength(tcb, i, lostRetransmissionLimit(tcb));
    const fin = tcb.finSent && seqAdd(seq, len) === tcb.finSeq;
    // After an RTO the lost segments go out under the loss window, as RFC 6675 §5.1 has it.
    const reason = r.inRecovery ? 'sack-recovery' : 'rto';
    emitData(tcb, now, emit, seq, len, fin, r.inRecovery ? why : RTO_WHY, reason, false);
  }
}

/**
 * The most one retransmission of lost data carries: a segment, or with a segmenting link (TSO) as many
 * whole segments as the congestion allowance covers, as new data would be sent.
 */
function lostRetransmissionLimit(tcb: Tcb): number {
  const maxPayload = maxPayloadLen(tcb);
  const tso = tsoPayloadLen(tcb, maxPayload);
  if (tso === maxPayload) return maxPayload;
  const allowance = congestionAllowance(tcb);
  return Math.max(maxPayload, Math.min(tso, allowance - (allowance % maxPayload)));
}

const RTO_WHY = 'retransmission after RTO: un-SACKed segments marked lost (RFC 6298 §5.4, RFC 8985 §6.3)';

/**
 * RFC 8985 §7.3: when the probe timeout fires, "If a previously unsent segment exists AND the receive
 * window allows: transmit that new segment" (cwnd does not gate it), "Else: retransmit the last segment";
 * then TLP.end_seq = SND.NXT and the RTO timer restarts.
 */
function sendLossProbe(tcb: Tcb, now: Instant, emit: Emit): void {
  const rack = tcb.recovery.rack;
  rack.probeDue = false;
  const plan: Plan = { seq: 0, len: 0, fin: false };
  if (planData(tcb, plan, true, true)) {
    rack.probeIsRetransmission = false;
    emitData(
      tcb,
      now,
      emit,
      plan.seq,
      plan.len,
      plan.fin,
      'tail loss probe: new data (RFC 8985 §7.3)',
      undefined,
      true,
    );
  } else {
    const rs = tcb.recovery.segments;
    if (rs.isEmpty) return;
    const last = rs.end - 1;
    const maxPayload = maxPayloadLen(tcb);
    // The whole last segment as it was sent, SACKed bytes included (a SACKed tail still draws an ACK).
    const seq = seqMax(rs.start(last), seqAdd(rs.endSeq(last), -maxPayload));
    const dataEnd = tcb.finSent ? tcb.finSeq : tcb.sndMax;
    const len = Math.max(0, seqDiff(seqMin(rs.endSeq(last), dataEnd), seq));
    const fin = tcb.finSent && seqAdd(seq, len) === tcb.finSeq;
    if (len === 0 && !fin) return;
    rack.probeIsRetransmission = true;
    emitData(
      tcb,
      now,
      emit,
      seq,
      len,
      fin,
      'tail loss probe: the last segment again (RFC 8985 §7.3)',
      'probe',
      false,
    );
  }
  rack.probeEndSeq = tcb.sndMax;
  rack.scheduleProbe = false;
  tcb.timer = { kind: 'retransmit', at: now + tcb.rtt.rto };
}

function sendNewData(tcb: Tcb, now: Instant, emit: Emit): void {
  const plan: Plan = { seq: 0, len: 0, fin: false };
  if (tcb.sndUna === tcb.sndMax && now - tcb.lastSendAt > tcb.rtt.rto) {
    // RFC 5681 §4.1: after an idle period longer than the RTO, restart from the restart window.
    tcb.cc.onIdle(now, tcb.rtt.rto);
  }
  let sent = 0;
  while (planData(tcb, plan, false)) {
    const retransmit = seqLt(plan.seq, tcb.sndMax);
    const why = retransmit
      ? 'retransmission after RTO: go back to SND.UNA, skipping SACKed data (RFC 6298 §5.4)'
      : plan.fin
        ? plan.len > 0
          ? 'data + FIN: the last queued bytes, then close'
          : 'FIN: close() after all data was sent (RFC 9293 §3.10.4)'
        : 'data: within the peer window and cwnd';
    // Linux marks the last segment of a multi-segment burst that the window cut short (its profile only).
    const burstEnd = tcb.ctx.config.pushAtBurstEnd && sent > 0 && plan.len > 0 && !sendsMoreAfter(tcb, plan);
    emitData(
      tcb,
      now,
      emit,
      plan.seq,
      plan.len,
      plan.fin,
      why,
      retransmit ? 'rto' : undefined,
      true,
      burstEnd,
    );
    sent++;
  }
}

/** Whether the send path would emit another segment after the planned one (a look-ahead, no side effect). */
function sendsMoreAfter(tcb: Tcb, plan: Plan): boolean {
  const { sndNxt, sndMax } = tcb;
  const end = seqAdd(plan.seq, plan.len + (plan.fin ? 1 : 0));
  tcb.sndNxt = end;
  tcb.sndMax = seqMax(sndMax, end);
  const more = planData(tcb, { seq: 0, len: 0, fin: false }, false);
  tcb.sndNxt = sndNxt;
  tcb.sndMax = sndMax;
  return more;
}

/**
 * The next data segment (or FIN) the send path may emit, or false. `force` ignores Nagle and sender SWS
 * avoidance (the persist timer's override, RFC 9293 §3.8.6.2.1 (d)); `probe` plans one segment of new data
 * whatever cwnd says (a tail loss probe, RFC 8985 §7.3).
 */
function planData(tcb: Tcb, plan: Plan, force: boolean, probe = false): boolean {
  let seq = tcb.sndNxt;
  // Resending after an RTO: data the receiver already SACKed is skipped (RFC 6675 §5.1, as Linux does).
  while (seqLt(seq, tcb.sndMax)) {
    const end = tcb.scoreboard.sackedRangeEnd(seq);
    if (end === undefined) break;
    seq = end;
  }
  const dataEnd = seqAdd(tcb.sendBase, tcb.sendBuffer.length);
  const available = seqDiff(dataEnd, seq);
  if (available < 0) return false;
  const finPending = tcb.finQueued && seqLe(seq, tcb.finSeq);
  const maxPayload = maxPayloadLen(tcb);
  const peerRoom = seqDiff(seqAdd(tcb.sndUna, tcb.sndWnd), seq);
  if (probe && seqLt(seq, tcb.sndMax)) return false;
  const room = Math.max(0, Math.min(peerRoom, probe ? maxPayload : congestionAllowance(tcb)));
  let len = Math.min(available, tsoPayloadLen(tcb, maxPayload), room);
  // A super-segment carries whole segments only: a short tail waits for its own turn under Nagle and SWS
  // avoidance below, exactly as it would if every segment were sent on its own.
  if (len > maxPayload) len -= len % maxPayload;
  if (seqLt(seq, tcb.sndMax)) len = Math.min(len, retransmissionLength(tcb, seq, maxPayload) || available);
  const recordEnd = nextRecordEnd(tcb, seq);
  if (recordEnd !== undefined) len = Math.min(len, seqDiff(recordEnd, seq));
  const fin = finPending && seqAdd(seq, len) === tcb.finSeq;
  if (len === 0 && !fin) return false;
  // A segment that ends an MSG_EOR record can never grow: holding it back, which is all Nagle and SWS
  // avoidance do to a short segment, would only delay it (Linux sends it as if it were full-sized).
  const endsRecord = recordEnd !== undefined && seqAdd(seq, len) === recordEnd;
  if (!force && !fin && !endsRecord && len < maxPayload && !seqLt(seq, tcb.sndMax)) {
    // RFC 9293 §3.7.4 (Nagle) and §3.8.6.2.1 (sender SWS avoidance): a short segment goes out only when it
    // empties the queue and nothing is unacknowledged (or TCP_NODELAY), or it fills half the largest
    // window the peer ever offered.
    const emptiesQueue = len === available;
    const nagleAllows = emptiesQueue && (tcb.options.noDelay || tcb.sndUna === tcb.sndMax);
    const halfWindow = tcb.maxSndWnd > 0 && len >= tcb.maxSndWnd / 2;
    if (!nagleAllows && !halfWindow) return false;
  }
  plan.seq = seq;
  plan.len = len;
  plan.fin = fin;
  return true;
}

function emitData(
  tcb: Tcb,
  now: Instant,
  emit: Emit,
  seq: number,
  len: number,
  fin: boolean,
  why: string,
  retransmitReason: 'rto' | 'fast-retransmit' | 'sack-recovery' | 'probe' | undefined,
  advance: boolean,
  burstEnd = false,
): void {
  const out = blank(tcb);
  out.control = fin ? 'fin' : 'none';
  out.seqNumber = seq;
  out.ackNumber = tcb.rcvNxt;
  // RFC 9293 §3.9.1.2: a TCP without PUSH flags on SEND "MUST set the PSH bit in the last buffered
  // segment"; every write ends a push, so the segment that empties the buffer or ends a record has it.
  const dataEnd = seqAdd(tcb.sendBase, tcb.sendBuffer.length);
  const segEnd = seqAdd(seq, len);
  out.push = len > 0 && (segEnd === dataEnd || burstEnd || tcb.recordEnds.includes(segEnd));
  if (len > 0) {
    const offset = seqDiff(seq, tcb.sendBase);
    const contiguous = tcb.sendBuffer.view(offset, len);
    if (contiguous !== undefined) out.payload = contiguous;
    else {
      tcb.sendBuffer.peek(offset, len, tcb.ctx.scratch, 0);
      out.payload = tcb.ctx.scratch.subarray(0, len);
    }
  }
  const end = seqAdd(seq, len + (fin ? 1 : 0));
  if (retransmitReason !== undefined) {
    countRetransmission(tcb, retransmitReason, seq, len);
    // Karn: a retransmission covering the timed segment spoils its sample.
    if (tcb.rttSeq !== undefined && seqLt(seq, tcb.rttSeq)) tcb.rttSeq = undefined;
  } else if (!tcb.tsEnabled && tcb.rttSeq === undefined && len > 0) {
    tcb.rttSeq = end;
    tcb.rttStart = now;
  }
  if (fin) tcb.finSent = true;
  if (tcb.sackEnabled) recordTransmission(tcb, now, seq, end, retransmitReason === undefined && advance);
  if (seqGt(end, tcb.sndMax)) tcb.sndMax = end;
  if (advance) tcb.sndNxt = end;
  tcb.lastSendAt = now;
  finish(tcb, now, emit, out, why, true);
}

/**
 * Keeps the per-segment record RACK and loss marking work on (SACK connections), charges PRR for what is
 * sent in recovery (RFC 6937 "prr_out += (data sent)"), and after new data re-arms the probe timeout
 * (RFC 8985 §7.2).
 */
function recordTransmission(tcb: Tcb, now: Instant, seq: number, end: number, newData: boolean): void {
  const r = tcb.recovery;
  r.segments.onSend(seq, end, now);
  if (r.inRecovery) r.prr.onSend(seqDiff(end, seq));
  if (newData) r.rack.scheduleProbe = true;
}

/** The persist timer's probe, or a keepalive: both provoke an ACK that carries the peer's window. */
function sendProbe(tcb: Tcb, now: Instant, emit: Emit): void {
  const kind = tcb.probeDue;
  tcb.probeDue = undefined;
  if (kind === 'persist' && tcb.sndWnd > 0 && sendsData(tcb)) {
    // A window too small for Nagle/SWS: the override timeout sends what fits (RFC 9293 §3.8.6.2.1 (d)).
    const plan: Plan = { seq: 0, len: 0, fin: false };
    if (planData(tcb, plan, true)) {
      emitData(
        tcb,
        now,
        emit,
        plan.seq,
        plan.len,
        plan.fin,
        'persist timer: send into a small window (RFC 9293 §3.8.6.2.1)',
        undefined,
        true,
      );
      return;
    }
  }
  // Linux's probe: an already acknowledged sequence number (SND.UNA − 1) and no data, which the receiver
  // must answer with an ACK (RFC 9293 §3.8.6.1 zero-window probing; RFC 1122 §4.2.3.6 keep-alive).
  const why =
    kind === 'persist'
      ? 'zero-window probe: persist timer expired (RFC 9293 §3.8.6.1)'
      : `keepalive probe #${tcb.probesOut} (RFC 1122 §4.2.3.6)`;
  if (kind === 'persist') countRetransmission(tcb, 'probe', seqAdd(tcb.sndUna, -1), 0);
  emitControl(tcb, now, emit, seqAdd(tcb.sndUna, -1), why);
}

/** A segment without data: a pure ACK, a window update, a probe. */
function emitControl(tcb: Tcb, now: Instant, emit: Emit, seq: number, why: string): void {
  const out = blank(tcb);
  out.seqNumber = seq;
  out.ackNumber = tcb.rcvNxt;
  finish(tcb, now, emit, out, why, true);
}

// --------------------------------------------------------------------------------------- common

/** Payload bytes that fit one segment: SMSS less the SACK option when we will carry one (RFC 6691 §3). */
function maxPayloadLen(tcb: Tcb): number {
  const blocks = sackBlockCount(tcb);
  return Math.max(1, tcb.sndMss - (blocks > 0 ? 4 + 8 * blocks : 0));
}

/**
 * Payload bytes one emitted segment may carry: maxPayload, or with a link that segments (TSO,
 * Tcb.tsoMaxSegment) as many whole maxPayload pieces as fit its largest packet. The link cuts at its MTU,
 * so this holds only while the peer takes segments as large as ours (peer MSS ≥ ours): then each piece,
 * with the same headers, fills exactly the MTU. Congestion control and Nagle still count in bytes and
 * MSS-sized segments; the kernel (or NIC) puts the pieces on the wire.
 */
function tsoPayloadLen(tcb: Tcb, maxPayload: number): number {
  if (tcb.tsoMaxSegment === 0 || tcb.peerMss < tcb.advMss) return maxPayload;
  const headers = tcb.advMss + IP_TCP_HEADERS - maxPayload;
  const linkSegments = Math.max(1, Math.floor((tcb.tsoMaxSegment - headers) / maxPayload));
  // At most a quarter of the congestion window per super-segment (and at least two segments): a router or
  // filter that drops the aggregate whole then costs a quarter of the window, not all of it, and the ACK
  // clock keeps ticking within a round trip.
  const windowSegments = Math.max(2, Math.floor(tcb.cc.cwnd / 4 / maxPayload));
  return Math.min(linkSegments, windowSegments) * maxPayload;
}

/**
 * RFC 2018 §3: at most 4 blocks, 3 when the timestamps option shares the 40 option bytes; a pending
 * D-SACK block (RFC 2883 §4) takes the first place.
 */
function sackBlockCount(tcb: Tcb): number {
  if (!tcb.sackEnabled) return 0;
  const dsack = tcb.dsack === undefined ? 0 : 1;
  if (tcb.assembler.isEmpty) return dsack;
  return Math.min(tcb.assembler.ranges().length + dsack, tcb.tsEnabled ? 3 : 4);
}

function countRetransmission(
  tcb: Tcb,
  reason: 'rto' | 'fast-retransmit' | 'sack-recovery' | 'syn' | 'probe',
  seq: number,
  len: number,
): void {
  tcb.totalRetransmits++;
  tcb.ctx.stats.add('tcp.retransmits');
  tcb.event({ kind: 'retransmit', reason, seq, len });
}

function setTimestamp(tcb: Tcb, now: Instant, tsEcr: number): { tsVal: number; tsEcr: number } {
  const ts = tcb.ctx.timestamp;
  ts.tsVal = tcb.tsNow(now);
  ts.tsEcr = tsEcr;
  return ts;
}

/** The connection's reused segment description, reset to a bare ACK-less segment. */
function blank(tcb: Tcb): TcpRepr {
  const out = tcb.ctx.segment;
  out.srcPort = tcb.localPort;
  out.dstPort = tcb.remotePort;
  out.control = 'none';
  out.push = false;
  out.seqNumber = 0;
  out.ackNumber = undefined;
  out.windowLen = 0;
  out.urgentPointer = undefined;
  out.ece = false;
  out.cwr = false;
  out.maxSegSize = undefined;
  out.windowScale = undefined;
  out.sackPermitted = false;
  out.sackRanges.length = 0;
  out.timestamp = undefined;
  out.unknownOptions.length = 0;
  out.payload = EMPTY;
  return out;
}

const EMPTY = new Uint8Array(0);

/** Fills the receive side (ACK, window, timestamps, SACK blocks) of a non-SYN segment and emits it. */
function finish(tcb: Tcb, now: Instant, emit: Emit, out: TcpRepr, why: string, withAck: boolean): void {
  if (withAck && out.control !== 'syn') {
    out.windowLen = windowField(tcb);
    if (tcb.tsEnabled) out.timestamp = setTimestamp(tcb, now, tcb.tsRecent);
    let blocks = sackBlockCount(tcb);
    if (tcb.dsack !== undefined && blocks > 0) {
      // RFC 2883 §4 (1)–(2): reported in this one ACK, first, and never again.
      out.sackRanges.push(tcb.dsack);
      tcb.dsack = undefined;
      blocks--;
    }
    if (blocks > 0) {
      const ranges = tcb.assembler.ranges();
      for (let i = 0; i < blocks; i++) {
        const [start, end] = ranges[i]!;
        out.sackRanges.push([seqAdd(tcb.rcvNxt, start), seqAdd(tcb.rcvNxt, end)]);
      }
    }
  }
  emit(out);
  tcb.segsOut++;
  tcb.ctx.stats.add('tcp.segments-out');
  if (out.ackNumber !== undefined) {
    tcb.lastAckSent = out.ackNumber;
    tcb.ackNow = false;
    tcb.ackWhy = '';
    tcb.ackDeadline = undefined;
    tcb.unackedBytes = 0;
  }
  if (tcb.ctx.trace !== undefined) {
    tcb.event({
      kind: 'segment',
      flags: flagsString(tcpFlags(out)),
      seq: out.seqNumber,
      ack: out.ackNumber,
      len: out.payload.length,
      why,
    });
  }
}

/** The window field: the free receive buffer, moved right only by SWS-sized steps (RFC 9293 §3.8.6.2.2). */
function windowField(tcb: Tcb): number {
  const growth = tcb.windowGrowth();
  if (growth > 0) tcb.rcvAdvRight = seqAdd(tcb.rcvAdvRight, growth);
  const window = Math.max(0, seqDiff(tcb.rcvAdvRight, tcb.rcvNxt));
  // RFC 7323 §2.3: the field carries the window shifted right by our scale.
  return Math.min(0xffff, Math.floor(window / 2 ** tcb.rcvWscale));
}
