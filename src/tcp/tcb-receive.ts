// Segment arrival for an existing connection, RFC 9293 §3.10.7.3 (SYN_SENT) and §3.10.7.4 (every other
// state), in the RFC's order: sequence number check, RST, SYN, ACK, URG, text, FIN. RFC 5961 (blind
// in-window attacks), RFC 7323 (PAWS, TS.Recent, RTTM) and RFC 2018 (SACK blocks) are applied where their
// text places them. Nothing here emits: replies are requested through flags that tcb-send.ts acts on.

import type { Instant } from '../base/time.ts';
import { MICROS_PER_MS, MICROS_PER_SECOND } from '../base/time.ts';
import { afterAck, isDsack, onCumulativeAck, onDuplicateAck, onNewAck, onSackBlocks } from './recovery.ts';
import { segmentLength, type TcpRepr } from './segment.ts';
import { seqAdd, seqDiff, seqGe, seqGt, seqInWindow, seqLe, seqLt } from './seq.ts';
import { acceptsText } from './state.ts';
import type { Tcb } from './tcb.ts';
import { IDLE } from './tcb-timers.ts';

export function tcbIngress(tcb: Tcb, now: Instant, seg: TcpRepr): void {
  if (tcb.current === 'CLOSED') return;
  if (tcb.current === 'SYN_SENT') synSentArrival(tcb, now, seg);
  else synchronizedArrival(tcb, now, seg);
}

// ------------------------------------------------------------------------------------------ SYN_SENT

function synSentArrival(tcb: Tcb, now: Instant, seg: TcpRepr): void {
  const ack = seg.ackNumber;
  // §3.10.7.3 first: "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset (unless the RST bit is set, if
  // so drop the segment and return) <SEQ=SEG.ACK><CTL=RST>".
  if (ack !== undefined && (seqLe(ack, tcb.iss) || seqGt(ack, tcb.sndMax))) {
    if (seg.control !== 'rst')
      tcb.ctx.reset(tcb, ack, undefined, 'RST: ACK of something we never sent (RFC 9293 §3.10.7.3)');
    tcb.drop('syn-sent-bad-ack');
    return;
  }
  if (seg.control === 'rst') {
    // §3.10.7.3 second: "If the ACK was acceptable, then signal to the user 'error: connection reset', drop
    // the segment, enter CLOSED state". Without an ACK the RST cannot be ours (RFC 5961 §3.2): drop it.
    if (ack === undefined) {
      tcb.drop('syn-sent-rst-without-ack');
      return;
    }
    tcb.ctx.stats.add('tcp.resets-received');
    tcb.failWith('ECONNREFUSED', 'RST in reply to our SYN: connection refused');
    return;
  }
  // §3.10.7.3 fourth: only a SYN can move us on; "if neither of the SYN or RST bits is set, drop".
  if (seg.control !== 'syn') {
    tcb.drop('syn-sent-no-syn');
    return;
  }
  tcb.irs = seg.seqNumber;
  tcb.rcvNxt = seqAdd(seg.seqNumber, 1);
  tcb.lastAckSent = tcb.rcvNxt;
  tcb.acceptSynOptions(now, seg, false);
  // Our SYN advertised an unscaled window (RFC 7323 §2.2); its right edge starts here.
  tcb.rcvAdvRight = seqAdd(tcb.rcvNxt, Math.min(tcb.recvBuffer.free, 0xffff));
  // RFC 7323 §2.2: "The window field in a segment where the SYN bit is set ... MUST NOT be scaled".
  tcb.sndWnd = seg.windowLen;
  tcb.maxSndWnd = tcb.sndWnd;
  tcb.sndWl1 = seg.seqNumber;
  if (ack === undefined) {
    // §3.10.7.3: "Otherwise, enter SYN-RECEIVED, form a SYN,ACK segment" — simultaneous open (Figure 8).
    tcb.synDue = true;
    tcb.timer = IDLE;
    tcb.setState('SYN_RECEIVED', 'SYN without ACK while in SYN_SENT: simultaneous open');
    return;
  }
  handshakeAcked(tcb, now, ack);
  tcb.ackNow = true;
  tcb.ackWhy = 'ACK: completes the three-way handshake (RFC 9293 §3.5)';
  tcb.setState('ESTABLISHED', 'SYN-ACK acknowledges our SYN');
  if (tcb.finQueued) tcb.setState('FIN_WAIT_1', 'close() was called during the handshake: FIN queued');
  // "If there are other controls or text in the segment then continue processing at the sixth step".
  if (seg.payload.length > 0) textAndFin(tcb, now, seg);
}

/** Our SYN is acknowledged: SND.UNA moves past it, its RTT is sampled if it was sent only once (Karn). */
function handshakeAcked(tcb: Tcb, now: Instant, ack: number): void {
  tcb.sndUna = ack;
  tcb.sndNxt = seqGt(tcb.sndNxt, ack) ? tcb.sndNxt : ack;
  tcb.sndWl2 = ack;
  if (tcb.retransmits === 0) {
    if (tcb.rttSeq !== undefined) tcb.rtt.sample(now - tcb.rttStart);
  } else {
    tcb.rtt.handshakeRetransmitted();
  }
  tcb.rttSeq = undefined;
  tcb.retransmits = 0;
  tcb.rtt.resetBackoff();
  tcb.timer = IDLE;
  tcb.lastReceiveAt = now;
}

// ------------------------------------------------------------------------------------ other states

function synchronizedArrival(tcb: Tcb, now: Instant, seg: TcpRepr): void {
  // RFC 9293 Figure 8 (simultaneous open), line 6: in SYN-RECEIVED the peer's SYN,ACK — its SYN again, now
  // acknowledging ours — completes the handshake. Its SYN sits just below RCV.NXT, so the §3.10.7.4
  // acceptability test alone would call it an old duplicate; take it as the ACK it carries (Linux does too).
  if (
    tcb.current === 'SYN_RECEIVED' &&
    seg.control === 'syn' &&
    seg.ackNumber === tcb.sndNxt &&
    seg.seqNumber === tcb.irs &&
    seg.payload.length === 0
  ) {
    seg.control = 'none';
    seg.seqNumber = seqAdd(tcb.irs, 1);
  }
  // RFC 7323 §5.3 R1 (PAWS), before the sequence check: a TSval older than TS.Recent is an old duplicate.
  if (
    tcb.tsEnabled &&
    seg.timestamp !== undefined &&
    seg.control !== 'rst' &&
    seqLt(seg.timestamp.tsVal, tcb.tsRecent) &&
    tcb.tsRecentValid(now)
  ) {
    requestAck(tcb, 'ACK: PAWS rejected an old timestamp (RFC 7323 §5.3)');
    tcb.drop('paws');
    return;
  }

  // First: the four acceptability cases of §3.10.7.4.
  if (!sequenceAcceptable(tcb, seg)) {
    if (seg.control === 'rst') {
      // RFC 5961 §3.2: an RST outside the window is silently discarded.
      tcb.drop('rst-out-of-window');
      return;
    }
    if (tcb.current === 'SYN_RECEIVED' && seg.control === 'syn' && seg.seqNumber === tcb.irs) {
      // A retransmitted SYN: our SYN-ACK was lost, send it again (as Linux does for a request socket), and
      // time the retransmission from this SYN-ACK (RFC 6298 §5.1 starts the timer when a segment is sent),
      // or a second, needless one follows as soon as the old deadline passes.
      tcb.synDue = true;
      tcb.timer = IDLE;
      return;
    }
    if (seg.control === 'syn') {
      // RFC 5961 §4.2: "If the SYN bit is set, irrespective of the sequence number, TCP endpoints MUST send
      // a 'challenge ACK'" — which is rate-limited, unlike the plain reply below.
      challengeAck(tcb, now, 'SYN in a synchronized state (RFC 5961 §4.2)');
      tcb.drop('syn-in-synchronized-state');
      return;
    }
    if (tcb.current === 'TIME_WAIT' && seg.control === 'fin') {
      // §3.10.7.4 TIME-WAIT: "The only thing that can arrive in this state is a retransmission of the remote
      // FIN. Acknowledge it, and restart the 2 MSL timeout."
      enterTimeWait(tcb, now, 'retransmitted FIN restarts the 2·MSL timer');
    }
    // "If an incoming segment is not acceptable, an acknowledgment should be sent in reply". A retransmission
    // of data we already have (within the last window) is answered at once, with a D-SACK; anything else is
    // what a blind attacker sends, so its replies are rate-limited as Linux does (tcp_invalid_ratelimit):
    // otherwise each forged segment makes us send the real peer a dup ACK, and three trigger a spurious
    // fast retransmit there.
    const end = seqAdd(seg.seqNumber, seg.payload.length);
    const oldDuplicate =
      seg.payload.length > 0 &&
      seqLe(end, tcb.rcvNxt) &&
      seqGe(seg.seqNumber, seqAdd(tcb.rcvNxt, -tcb.recvBuffer.capacity));
    if (oldDuplicate) {
      noteDuplicate(tcb, seg.seqNumber, end);
      requestAck(tcb, 'ACK: segment outside the receive window (RFC 9293 §3.10.7.4)');
    } else if (now - tcb.lastOutOfWindowAck >= tcb.ctx.config.outOfWindowAckInterval) {
      tcb.lastOutOfWindowAck = now;
      requestAck(tcb, 'ACK: segment outside the receive window (RFC 9293 §3.10.7.4)');
    } else {
      tcb.ctx.stats.add('tcp.out-of-window-acks-rate-limited');
    }
    tcb.drop('out-of-window');
    return;
  }
  tcb.lastReceiveAt = now;
  tcb.probesOut = 0;

  // Second: RST.
  if (seg.control === 'rst') {
    updateTsRecent(tcb, now, seg);
    rstArrival(tcb, seg);
    return;
  }

  // Fourth: SYN. RFC 9293 §3.10.7.4 (after RFC 5961 §4.2): "If the SYN bit is set, irrespective of the
  // sequence number, TCP endpoints MUST send a 'challenge ACK' to the remote peer".
  if (seg.control === 'syn') {
    challengeAck(tcb, now, 'SYN in a synchronized state (RFC 5961 §4.2)');
    tcb.drop('syn-in-synchronized-state');
    return;
  }

  // Fifth: ACK. "if the ACK bit is off, drop the segment and return".
  const ack = seg.ackNumber;
  if (ack === undefined) {
    tcb.drop('no-ack');
    return;
  }
  if (tcb.current === 'SYN_RECEIVED') {
    // "If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED state ... If the segment acknowledgment is
    // not acceptable, form a reset segment <SEQ=SEG.ACK><CTL=RST> and send it."
    if (!(seqLt(tcb.sndUna, ack) && seqLe(ack, tcb.sndMax))) {
      tcb.ctx.reset(tcb, ack, undefined, 'RST: unacceptable ACK in SYN_RECEIVED (RFC 9293 §3.10.7.4)');
      tcb.drop('syn-received-bad-ack');
      return;
    }
    handshakeAcked(tcb, now, ack);
    // The window of a non-SYN segment is scaled (RFC 7323 §2.2).
    updateWindow(tcb, seg, ack, true);
    tcb.setState('ESTABLISHED', 'ACK of our SYN-ACK completes the handshake');
    if (tcb.finQueued) tcb.setState('FIN_WAIT_1', 'close() was called during the handshake: FIN queued');
  }
  if (!ackArrival(tcb, now, seg, ack)) return;
  updateTsRecent(tcb, now, seg);

  const finAcked = tcb.finSent && tcb.sndUna === seqAdd(tcb.finSeq, 1);
  switch (tcb.current) {
    case 'FIN_WAIT_1':
      // "In addition to the processing for the ESTABLISHED state, if the FIN segment is now acknowledged,
      // then enter FIN-WAIT-2 and continue processing in that state."
      if (finAcked) tcb.setState('FIN_WAIT_2', 'our FIN is acknowledged');
      break;
    case 'CLOSING':
      if (finAcked) enterTimeWait(tcb, now, 'our FIN is acknowledged after both sides sent one');
      break;
    case 'LAST_ACK':
      // "The only thing that can arrive in this state is an acknowledgment of our FIN ... delete the TCB".
      if (finAcked) tcb.setState('CLOSED', 'our FIN is acknowledged: close complete');
      return;
    default:
      break;
  }

  // Sixth: URG is ignored; RFC 6093 §5 recommends against it, and its data is delivered in line.
  textAndFin(tcb, now, seg);
}

/**
 * RFC 7323 §4.3 (2): "If SEG.TSval >= TS.Recent and SEG.SEQ <= Last.ACK.sent, then SEG.TSval is copied to
 * TS.Recent". Only a segment that is going to be processed may move it: one dropped for its ACK field (an
 * ACK of unsent data, an ACK too old per RFC 5961 §5.2) must not, or a forged segment with a huge TSval
 * would make every later genuine segment fail PAWS (Linux defers the update past tcp_ack() likewise).
 */
function updateTsRecent(tcb: Tcb, now: Instant, seg: TcpRepr): void {
  if (
    tcb.tsEnabled &&
    seg.timestamp !== undefined &&
    seqGe(seg.timestamp.tsVal, tcb.tsRecent) &&
    seqLe(seg.seqNumber, tcb.lastAckSent)
  ) {
    tcb.tsRecent = seg.timestamp.tsVal;
    tcb.tsRecentAt = now;
  }
}

/** §3.10.7.4 first, the four cases on RCV.WND and SEG.LEN. */
function sequenceAcceptable(tcb: Tcb, seg: TcpRepr): boolean {
  const seq = seg.seqNumber;
  const segLen = segmentLength(seg);
  const wnd = Math.max(0, seqDiff(tcb.rcvAdvRight, tcb.rcvNxt));
  // Linux sends an RST at tcp_acceptable_seq(): the window's right edge once it has sent up to it (after a
  // loss, from its possibly stale view of our window), and its own check counts that edge in (tcp_sequence).
  // RFC 9293 leaves the edge out; dropping those RSTs silently left connections open for good, so such
  // an RST is taken as in the window: it draws the challenge ACK (RFC 5961 §3.2) that Linux answers exactly.
  if (seg.control === 'rst' && seq === tcb.rcvAdvRight) return true;
  if (segLen === 0) return wnd === 0 ? seq === tcb.rcvNxt : seqInWindow(seq, tcb.rcvNxt, wnd);
  if (wnd === 0) {
    // "special allowance should be made to accept valid ACKs, URGs, and RSTs" with a zero window; like
    // Linux we extend it to a bare FIN at RCV.NXT, so a reader that stopped reading still sees the close.
    return seg.control === 'fin' && seg.payload.length === 0 && seq === tcb.rcvNxt;
  }
  return seqInWindow(seq, tcb.rcvNxt, wnd) || seqInWindow(seqAdd(seq, segLen - 1), tcb.rcvNxt, wnd);
}

function rstArrival(tcb: Tcb, seg: TcpRepr): void {
  // RFC 1337 §3 (TIME-WAIT assassination, fix F1): ignore RST segments in TIME_WAIT.
  if (tcb.current === 'TIME_WAIT') {
    tcb.drop('rst-in-time-wait');
    return;
  }
  // RFC 5961 §3.2: only an RST at exactly RCV.NXT resets; one elsewhere in the window gets a challenge ACK.
  if (seg.seqNumber !== tcb.rcvNxt) {
    challengeAck(tcb, tcb.now, 'RST inside the window but not at RCV.NXT (RFC 5961 §3.2)');
    tcb.drop('rst-in-window');
    return;
  }
  tcb.ctx.stats.add('tcp.resets-received');
  switch (tcb.current) {
    case 'SYN_RECEIVED':
      // §3.10.7.4 second: a passive open "returns to LISTEN" (the listener forgets this embryo); an active
      // one is refused.
      if (tcb.parent !== undefined) tcb.setState('CLOSED', 'RST during the passive handshake');
      else tcb.failWith('ECONNREFUSED', 'RST in reply to our SYN-ACK: connection refused');
      return;
    case 'ESTABLISHED':
    case 'FIN_WAIT_1':
    case 'FIN_WAIT_2':
    case 'CLOSE_WAIT':
      tcb.failWith('ECONNRESET', 'RST received: connection reset by peer');
      return;
    default:
      // CLOSING, LAST_ACK: "enter the CLOSED state, delete the TCB, and return".
      tcb.setState('CLOSED', 'RST received while closing');
  }
}

/** RFC 5961 §7: challenge ACKs are rate limited per connection. The caller counts the segment's drop. */
function challengeAck(tcb: Tcb, now: Instant, why: string): void {
  if (now - tcb.challengeWindowStart >= MICROS_PER_SECOND) {
    tcb.challengeWindowStart = now;
    tcb.challengeCount = 0;
  }
  if (tcb.challengeCount >= tcb.ctx.config.challengeAckPerSecond) {
    tcb.ctx.stats.add('tcp.challenge-acks-rate-limited');
    return;
  }
  tcb.challengeCount++;
  tcb.ctx.stats.add('tcp.challenge-acks');
  tcb.event({ kind: 'challenge-ack', why });
  requestAck(tcb, `challenge ACK: ${why}`);
}

function requestAck(tcb: Tcb, why: string): void {
  if (tcb.current === 'SYN_RECEIVED') {
    // Before our SYN is acknowledged the useful "ACK" is the SYN-ACK itself.
    tcb.synDue = true;
    return;
  }
  tcb.ackNow = true;
  tcb.ackWhy = why;
}

/** §3.10.7.4 fifth, ESTABLISHED processing. Returns false when the segment is to be dropped. */
function ackArrival(tcb: Tcb, now: Instant, seg: TcpRepr, ack: number): boolean {
  // "If the ACK acks something not yet sent (SEG.ACK > SND.NXT), then send an ACK, drop the segment".
  // Linux (tcp_ack) drops it without the ACK: only its profile turns ackUnsentDataReply off.
  if (seqGt(ack, tcb.sndMax)) {
    if (tcb.ctx.config.ackUnsentDataReply)
      requestAck(tcb, 'ACK: the peer acknowledged data we never sent (RFC 9293 §3.10.7.4)');
    tcb.drop('ack-of-unsent-data');
    return false;
  }
  // RFC 5961 §5.2: acceptable only if (SND.UNA − MAX.SND.WND) =< SEG.ACK; otherwise discard and ACK.
  if (seqLt(ack, seqAdd(tcb.sndUna, -tcb.maxSndWnd))) {
    challengeAck(tcb, now, 'ACK below SND.UNA − MAX.SND.WND (RFC 5961 §5.2)');
    tcb.drop('ack-too-old');
    return false;
  }
  let newlySacked = 0;
  const sackedBefore = tcb.scoreboard.sacked;
  const unaBefore = tcb.sndUna;
  if (tcb.sackEnabled) {
    for (const [left, right] of seg.sackRanges)
      newlySacked += tcb.scoreboard.add(left, right, tcb.sndUna, tcb.sndMax);
    onSackBlocks(tcb, seg, now);
  }
  if (seqGt(ack, tcb.sndUna)) {
    newDataAcked(tcb, now, seg, ack);
  } else if (ack === tcb.sndUna) {
    // RFC 5681 §2 DUPLICATE ACKNOWLEDGMENT: data outstanding, no data or SYN/FIN in the ACK, same ACK
    // number, same window; RFC 6675 §2 counts an ACK carrying new SACK information as well.
    const sameWindow = seg.windowLen * 2 ** tcb.sndWscale === tcb.sndWnd;
    if (
      seqGt(tcb.sndMax, tcb.sndUna) &&
      seg.payload.length === 0 &&
      seg.control === 'none' &&
      (sameWindow || newlySacked > 0)
    ) {
      onDuplicateAck(tcb, now);
    }
  }
  // "If SND.UNA =< SEG.ACK =< SND.NXT, the send window should be updated".
  if (seqGe(ack, tcb.sndUna)) updateWindow(tcb, seg, ack, false);
  if (tcb.sackEnabled) {
    // RFC 6937 §3.1: "DeliveredData = change_in(snd.una) + change_in(SACKd)".
    const delivered = seqDiff(tcb.sndUna, unaBefore) + tcb.scoreboard.sacked - sackedBefore;
    afterAck(tcb, now, delivered, tcb.sndUna !== unaBefore, isDsack(seg, ack));
  }
  return true;
}

function newDataAcked(tcb: Tcb, now: Instant, seg: TcpRepr, ack: number): void {
  const acked = seqDiff(ack, tcb.sndUna);
  const dataAcked = Math.min(Math.max(0, seqDiff(ack, tcb.sendBase)), tcb.sendBuffer.length);
  tcb.sendBuffer.discard(dataAcked);
  tcb.sendBase = seqAdd(tcb.sendBase, dataAcked);
  tcb.bytesAcked += dataAcked;
  tcb.sndUna = ack;
  if (seqLt(tcb.sndNxt, ack)) tcb.sndNxt = ack;
  if (tcb.sackEnabled) onCumulativeAck(tcb, seg, ack, now);
  tcb.scoreboard.advance(ack);
  const records = tcb.recordEnds;
  let passed = 0;
  while (passed < records.length && seqLe(records[passed]!, ack)) passed++;
  if (passed > 0) records.splice(0, passed);
  sampleRtt(tcb, now, seg, ack);
  // RFC 6298 §5.3: "When an ACK is received that acknowledges new data, restart the retransmission timer".
  tcb.retransmits = 0;
  tcb.rtt.resetBackoff();
  tcb.persistBackoff = 0;
  // The reordering and probe timers stand in front of the retransmission timer: it restarts with them.
  const kind = tcb.timer.kind;
  if (kind === 'retransmit' || kind === 'reorder' || kind === 'loss-probe') tcb.timer = IDLE;
  onNewAck(tcb, now, acked);
  if (dataAcked > 0) tcb.ctx.changed(tcb);
}

/** RFC 7323 §4 RTTM from the echoed timestamp; without timestamps one timed segment at a time (Karn). */
function sampleRtt(tcb: Tcb, now: Instant, seg: TcpRepr, ack: number): void {
  if (tcb.tsEnabled && seg.timestamp !== undefined && seg.timestamp.tsEcr !== 0) {
    const ms = seqDiff(tcb.tsNow(now), seg.timestamp.tsEcr);
    if (ms >= 0) tcb.rtt.sample(ms * MICROS_PER_MS);
    return;
  }
  if (tcb.rttSeq !== undefined && seqGe(ack, tcb.rttSeq)) {
    tcb.rtt.sample(now - tcb.rttStart);
    tcb.rttSeq = undefined;
  }
}

/** §3.10.7.4: "If SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK), set SND.WND <- SEG.WND". */
function updateWindow(tcb: Tcb, seg: TcpRepr, ack: number, force: boolean): void {
  if (
    !force &&
    !(seqLt(tcb.sndWl1, seg.seqNumber) || (tcb.sndWl1 === seg.seqNumber && seqLe(tcb.sndWl2, ack)))
  )
    return;
  const opened = tcb.sndWnd === 0;
  tcb.sndWnd = seg.windowLen * 2 ** tcb.sndWscale;
  tcb.sndWl1 = seg.seqNumber;
  tcb.sndWl2 = ack;
  if (tcb.sndWnd > tcb.maxSndWnd) tcb.maxSndWnd = tcb.sndWnd;
  if (opened && tcb.sndWnd > 0) {
    tcb.persistBackoff = 0;
    if (tcb.timer.kind === 'persist') tcb.timer = IDLE;
  }
}

// ------------------------------------------------------------------------------------ text and FIN

function textAndFin(tcb: Tcb, now: Instant, seg: TcpRepr): void {
  const payload = seg.payload;
  if (payload.length > 0) {
    if (!acceptsText(tcb.current)) {
      // CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT: "This should not occur since a FIN has been received from
      // the remote side. Ignore the segment text."
      tcb.drop('text-after-fin');
    } else if (tcb.userClosed) {
      // Nobody will read it: Linux (and RFC 2525 §2.17) answer new data after close() with a reset.
      tcb.ctx.reset(
        tcb,
        tcb.sndMax,
        seqAdd(seg.seqNumber, payload.length),
        'RST: data arrived after close()',
      );
      tcb.failWith('ECONNRESET', 'data arrived after close(): reset');
      return;
    } else {
      acceptText(tcb, now, seg.seqNumber, payload);
    }
  }
  if (seg.control === 'fin') {
    const finSeq = seqAdd(seg.seqNumber, payload.length);
    const wnd = Math.max(0, seqDiff(tcb.rcvAdvRight, tcb.rcvNxt));
    // A FIN beyond RCV.NXT is remembered (the data before it is on its way); one beyond the window is
    // trimmed away with the text that does not fit (§3.10.7.4 first, "trimmed").
    if (seqGe(finSeq, tcb.rcvNxt) && seqLe(finSeq, seqAdd(tcb.rcvNxt, wnd))) tcb.rcvFinSeq = finSeq;
  }
  if (tcb.rcvFinSeq !== undefined && tcb.rcvFinSeq === tcb.rcvNxt && !tcb.peerFin) finArrival(tcb, now);
}

/**
 * §3.10.7.4 seventh: in-order text goes to the receive buffer; text beyond RCV.NXT is parked in the free
 * part of the same ring and recorded in the assembler (RFC 9293 §3.10.7.4: such segments "should be held").
 */
function acceptText(tcb: Tcb, now: Instant, seq: number, payload: Uint8Array): void {
  let offset = seqDiff(seq, tcb.rcvNxt);
  let data = payload;
  if (offset < 0) {
    // The front was received already: trim the duplicate bytes.
    noteDuplicate(tcb, seq, seqAdd(seq, Math.min(-offset, payload.length)));
    data = data.subarray(-offset);
    offset = 0;
  } else {
    const held = tcb.assembler.firstOverlap(offset, data.length);
    if (held !== undefined) noteDuplicate(tcb, seqAdd(tcb.rcvNxt, held[0]), seqAdd(tcb.rcvNxt, held[1]));
  }
  const wnd = Math.max(0, seqDiff(tcb.rcvAdvRight, tcb.rcvNxt));
  if (offset + data.length > wnd) data = data.subarray(0, Math.max(0, wnd - offset));
  if (data.length === 0) {
    requestAck(tcb, 'ACK: duplicate data (RFC 9293 §3.10.7.4)');
    return;
  }
  if (data.length > tcb.rcvMss && data.length <= tcb.advMss) tcb.rcvMss = data.length;
  if (offset > 0) {
    if (!tcb.assembler.add(offset, data.length)) {
      tcb.drop('out-of-order-ranges-full');
    } else {
      tcb.recvBuffer.writeUnallocated(offset, data);
    }
    // RFC 5681 §4.2: "an immediate ACK SHOULD be generated when an out-of-order segment arrives".
    requestAck(tcb, 'dup ACK: out-of-order segment (RFC 5681 §4.2), SACK per RFC 2018');
    return;
  }
  const written = tcb.recvBuffer.write(data);
  tcb.assembler.shift(written);
  const parked = tcb.assembler.removeFront();
  if (parked > 0) tcb.recvBuffer.commitUnallocated(parked);
  const delivered = written + parked;
  tcb.rcvNxt = seqAdd(tcb.rcvNxt, delivered);
  tcb.bytesReceived += delivered;
  tcb.unackedBytes += delivered;
  if (tcb.readShut && !tcb.ctx.config.shutRdKeepsData) tcb.recvBuffer.discard(tcb.recvBuffer.length);
  tcb.ctx.changed(tcb);
  if (parked > 0 || !tcb.assembler.isEmpty) {
    // RFC 5681 §4.2: ACK at once when a segment fills (part of) a gap.
    requestAck(tcb, 'ACK: segment filled a gap (RFC 5681 §4.2)');
  } else if (tcb.quickAcks > 0) {
    tcb.quickAcks--;
    requestAck(tcb, 'ACK: quick ACK at connection start');
  } else if (tcb.unackedBytes >= 2 * tcb.rcvMss) {
    // RFC 5681 §4.2: "an ACK SHOULD be generated for at least every second full-sized segment".
    requestAck(tcb, 'ACK: second full-sized segment (RFC 5681 §4.2)');
  } else if (tcb.ackDeadline === undefined) {
    // RFC 9293 §3.8.6.3: delay the ACK, at most delayedAck (and well under 0.5 s).
    tcb.ackDeadline = now + tcb.ctx.config.delayedAck;
  }
}

/**
 * RFC 2883 §4: duplicate data is reported in the first SACK block of the next ACK, "the first sequence
 * number of the duplicate contiguous sequence" to the one after its last; one block, for the most recent
 * packet only (Linux reports the first duplicate run of a segment that repeats several).
 */
function noteDuplicate(tcb: Tcb, start: number, end: number): void {
  if (tcb.sackEnabled && tcb.dsack === undefined) tcb.dsack = [start, end];
}

/** §3.10.7.4 eighth: the FIN is in order; advance RCV.NXT over it and move the state on. */
function finArrival(tcb: Tcb, now: Instant): void {
  tcb.rcvNxt = seqAdd(tcb.rcvNxt, 1);
  tcb.rcvFinSeq = undefined;
  tcb.peerFin = true;
  // Linux's tcp_fin() resets the SACK state, so the ACK of a FIN never carries a D-SACK (its profile only).
  if (!tcb.ctx.config.dsackWithFin) tcb.dsack = undefined;
  requestAck(tcb, 'ACK: FIN received (RFC 9293 §3.10.7.4 eighth)');
  tcb.ctx.changed(tcb);
  switch (tcb.current) {
    case 'SYN_RECEIVED':
    case 'ESTABLISHED':
      tcb.setState('CLOSE_WAIT', 'FIN received: the peer finished sending');
      break;
    case 'FIN_WAIT_1':
      // Our FIN is not yet acknowledged (that case moved to FIN_WAIT_2 in the ACK step): simultaneous close.
      tcb.setState('CLOSING', 'FIN received before our FIN was acknowledged: simultaneous close');
      break;
    case 'FIN_WAIT_2':
      enterTimeWait(tcb, now, 'FIN received after our FIN was acknowledged');
      break;
    default:
      break;
  }
}

/** TIME_WAIT holds the 4-tuple for 2·MSL (RFC 9293 §3.4.2); entering it again restarts the timer. */
export function enterTimeWait(tcb: Tcb, now: Instant, why: string): void {
  tcb.setState('TIME_WAIT', why);
  tcb.timer = { kind: 'close', at: now + tcb.ctx.config.timeWait, why: 'time-wait' };
}
