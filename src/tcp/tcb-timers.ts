// The connection's timers as data (smoltcp's shape, no callbacks): one main deadline whose kind says what
// expires, plus the delayed-ACK deadline, which can run alongside any of them. rearmTimers() re-derives the
// main timer after every event; fireTimers() acts on what is due at the start of each poll().
//
// The main timers are mutually exclusive because their conditions are: retransmit while data (or a SYN or
// FIN) is outstanding — or, in front of it and remembering its deadline, RACK's reordering timer or the
// tail loss probe timeout (RFC 8985 §6.3, §7.2), whichever comes first; persist while nothing is outstanding but the peer's window is zero; keepalive while
// the connection is idle; close in TIME_WAIT (and an orphaned FIN_WAIT_2).

import type { Instant } from '../base/time.ts';
import { rackDetectLoss, tlpSchedule } from './rack.ts';
import { afterReorderTimeout, onRetransmitTimeout } from './recovery.ts';
import { seqDiff, seqGt } from './seq.ts';
import type { Tcb } from './tcb.ts';
import { canSendData } from './tcb-send.ts';

export type TcbTimer =
  | { kind: 'idle' }
  | { kind: 'retransmit'; at: Instant }
  | { kind: 'reorder'; at: Instant; rto: Instant }
  | { kind: 'loss-probe'; at: Instant; rto: Instant }
  | { kind: 'persist'; at: Instant }
  | { kind: 'keepalive'; at: Instant }
  | { kind: 'close'; at: Instant; why: 'time-wait' | 'fin-wait-2' };

export const IDLE: TcbTimer = Object.freeze({ kind: 'idle' });

export function timerDeadline(timer: TcbTimer): Instant | undefined {
  return timer.kind === 'idle' ? undefined : timer.at;
}

export function earliest(a: Instant | undefined, b: Instant | undefined): Instant | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

/** Re-derives the main timer from the connection's state after every event (see the header comment). */
export function rearmTimers(tcb: Tcb, now: Instant): void {
  const state = tcb.current;
  if (state === 'CLOSED') {
    tcb.timer = IDLE;
    return;
  }
  if (state === 'TIME_WAIT') return; // enterTimeWait() set the close timer; nothing else runs now.
  const kind = tcb.timer.kind;
  if (seqGt(tcb.sndMax, tcb.sndUna) || tcb.synDue) {
    // RFC 6298 §5.1: "Every time a packet containing data is sent ... if the timer is not running, start it".
    const t = tcb.timer;
    const rtoAt =
      t.kind === 'retransmit'
        ? t.at
        : t.kind === 'reorder' || t.kind === 'loss-probe'
          ? t.rto
          : now + tcb.rtt.rto;
    armRetransmitTimers(tcb, now, rtoAt);
    return;
  }
  tcb.recovery.rack.resetTimers();
  if (state === 'FIN_WAIT_2' && tcb.userClosed) {
    // Linux's tcp_fin_timeout: an orphaned FIN_WAIT_2 must not wait forever for a peer that never closes.
    if (kind !== 'close')
      tcb.timer = { kind: 'close', at: now + tcb.ctx.config.finWait2Timeout, why: 'fin-wait-2' };
    return;
  }
  if (hasUnsentData(tcb) && !canSendData(tcb)) {
    // RFC 9293 §3.8.6.1: a zero (or unusably small) window with data queued starts the persist timer.
    if (kind !== 'persist') {
      const backoff = Math.min(tcb.ctx.config.maxRto, tcb.rtt.rto * 2 ** tcb.persistBackoff);
      tcb.timer = { kind: 'persist', at: now + backoff };
    }
    return;
  }
  if (tcb.options.keepAlive && (state === 'ESTABLISHED' || state === 'CLOSE_WAIT')) {
    // RFC 1122 §4.2.3.6: keep-alives only after an idle interval, then every interval until keepCnt.
    const { keepIdle, keepIntvl } = tcb.options;
    const at = tcb.lastReceiveAt + keepIdle + tcb.probesOut * keepIntvl;
    const t = tcb.timer;
    if (t.kind !== 'keepalive' || t.at !== at) tcb.timer = { kind: 'keepalive', at };
    return;
  }
  tcb.timer = IDLE;
}

/** The retransmission timer at rtoAt, or RACK's reordering timer or the probe timeout if either is earlier. */
function armRetransmitTimers(tcb: Tcb, now: Instant, rtoAt: Instant): void {
  const rack = tcb.recovery.rack;
  if (rack.scheduleProbe) {
    rack.scheduleProbe = false;
    tlpSchedule(tcb, now, rtoAt);
  }
  const t = tcb.timer;
  if (rack.reorderAt !== undefined && rack.reorderAt < rtoAt) {
    if (t.kind !== 'reorder' || t.at !== rack.reorderAt || t.rto !== rtoAt)
      tcb.timer = { kind: 'reorder', at: rack.reorderAt, rto: rtoAt };
  } else if (rack.probeAt !== undefined && rack.probeAt <= rtoAt) {
    if (t.kind !== 'loss-probe' || t.at !== rack.probeAt || t.rto !== rtoAt)
      tcb.timer = { kind: 'loss-probe', at: rack.probeAt, rto: rtoAt };
  } else if (t.kind !== 'retransmit' || t.at !== rtoAt) {
    tcb.timer = { kind: 'retransmit', at: rtoAt };
  }
}

function hasUnsentData(tcb: Tcb): boolean {
  const sent = seqDiff(tcb.sndNxt, tcb.sendBase);
  return tcb.sendBuffer.length > sent || (tcb.finQueued && !tcb.finSent);
}

/** Acts on every deadline that has passed; the resulting segments leave in the dispatch that follows. */
export function fireTimers(tcb: Tcb, now: Instant): void {
  if (tcb.ackDeadline !== undefined && tcb.ackDeadline <= now) {
    tcb.ackDeadline = undefined;
    tcb.ackNow = true;
    tcb.ackWhy = `delayed ACK timer expired (${tcb.ctx.config.delayedAck / 1000} ms, RFC 9293 §3.8.6.3)`;
  }
  const timer = tcb.timer;
  if (timer.kind === 'idle' || timer.at > now) return;
  tcb.timer = IDLE;
  switch (timer.kind) {
    case 'close':
      tcb.setState('CLOSED', timer.why === 'time-wait' ? '2·MSL elapsed in TIME_WAIT' : 'FIN_WAIT_2 timeout');
      return;
    case 'retransmit':
      retransmitTimeout(tcb, now);
      return;
    case 'reorder':
      // RFC 8985 §6.3: "RACK_detect_loss_and_arm_timer()" when the reordering window has passed.
      tcb.recovery.rack.reorderAt = undefined;
      tcb.timer = { kind: 'retransmit', at: timer.rto };
      rackDetectLoss(tcb, now);
      afterReorderTimeout(tcb, now);
      return;
    case 'loss-probe':
      // RFC 8985 §7.3: the probe leaves on this poll; the RTO is re-armed from it (tcb-send.ts).
      tcb.recovery.rack.probeAt = undefined;
      tcb.recovery.rack.probeDue = true;
      tcb.timer = { kind: 'retransmit', at: timer.rto };
      return;
    case 'persist':
      tcb.persistBackoff++;
      tcb.probeDue = 'persist';
      tcb.event({ kind: 'persist' });
      return;
    case 'keepalive':
      if (tcb.probesOut >= tcb.options.keepCnt) {
        tcb.failWith('ETIMEDOUT', `no answer to ${tcb.probesOut} keepalive probes`);
        return;
      }
      tcb.probesOut++;
      tcb.probeDue = 'keepalive';
      tcb.event({ kind: 'keepalive' });
      return;
  }
}

/** RFC 6298 §5.4–5.7: retransmit the earliest unacknowledged segment, back off, give up after the retries. */
function retransmitTimeout(tcb: Tcb, now: Instant): void {
  const { config } = tcb.ctx;
  const handshake = tcb.current === 'SYN_SENT' || tcb.current === 'SYN_RECEIVED';
  const limit = handshake ? config.synRetries : config.maxRetransmits;
  if (tcb.retransmits >= limit) {
    if (tcb.current === 'SYN_RECEIVED' && tcb.parent !== undefined) {
      // An embryonic passive connection just goes away (Linux's tcp_synack_retries), no error to report.
      tcb.setState('CLOSED', 'SYN-ACK retransmissions exhausted');
    } else {
      tcb.failWith(
        tcb.softError ?? 'ETIMEDOUT',
        `${tcb.retransmits} retransmissions without an acknowledgment`,
      );
    }
    return;
  }
  tcb.retransmits++;
  tcb.rtt.backoff();
  tcb.rttSeq = undefined; // Karn: never time a retransmitted segment.
  tcb.event({ kind: 'rto', rto: tcb.rtt.rto, backoff: tcb.rtt.backoffCount });
  if (handshake) {
    tcb.synDue = true;
    return;
  }
  // RFC 5681 §3.1 eq. 4 and the loss window. With SACK the segments marked lost are resent (all that were
  // not SACKed, or with RACK those sent long enough ago, RFC 8985 §6.3); without, go back to SND.UNA.
  tcb.cc.onRetransmitTimeout(now, seqDiff(tcb.sndMax, tcb.sndUna));
  onRetransmitTimeout(tcb, now);
  if (!tcb.sackEnabled) tcb.sndNxt = tcb.sndUna;
  tcb.event({
    kind: 'cwnd',
    cwnd: tcb.cc.cwnd,
    ssthresh: tcb.cc.ssthresh,
    why: 'retransmission timeout (RFC 5681 §3.1)',
  });
}
