// One TCP connection, RFC 9293, with no I/O (smoltcp's socket shape). The call chain:
//
//   TcpLayer.ingress → Tcb.onSegment → tcb-receive.ts (§3.10.7 segment arrival, in the RFC's order)
//   TcpLayer.poll    → Tcb.poll → fireTimers (tcb-timers) → tcb-send.ts dispatch (SYN, retransmissions,
//                      new data under flow + congestion control, FIN, probes, ACKs) → emit
//   user calls       → send / recv / shutdown / close / abort: they never block, they set state that the
//                      next poll acts on, and pollAt() tells the driver when that is.
//
// The fields below are the RFC's TCB variables (§3.3.1) under their RFC names where it has one. They are
// public so that tcb-receive.ts / tcb-send.ts / recovery.ts can work on them (gVisor's snd/rcv split); they
// are not part of the API the socket facade uses, which is the block of user operations further down.

import { type ErrnoName, type ErrnoResult, fail } from '../base/errno.ts';
import type { Queueable } from '../base/mark-queue.ts';
import type { Rng } from '../base/rng.ts';
import type { Stats } from '../base/stats.ts';
import type { Instant } from '../base/time.ts';
import { Assembler } from './assembler.ts';
import type { TcpConfig, TcpSocketOptions } from './config.ts';
import { windowScaleFor } from './config.ts';
import { type CongestionControl, createCongestionControl } from './congestion/congestion.ts';
import type { TcpEvent, TcpEventBody } from './events.ts';
import { Recovery } from './recovery.ts';
import { ByteRing } from './ring.ts';
import { RttEstimator } from './rtt.ts';
import { SackScoreboard } from './sack-scoreboard.ts';
import type { TcpRepr, TcpTimestamp } from './segment.ts';
import { seqAdd, seqDiff } from './seq.ts';
import type { TcpState } from './state.ts';
import { tcbIngress } from './tcb-receive.ts';
import { canSendData, tcbDispatch } from './tcb-send.ts';
import { earliest, fireTimers, IDLE, rearmTimers, type TcbTimer, timerDeadline } from './tcb-timers.ts';
import type { TcpInfo } from './tcp-info.ts';

/** What a connection needs from the layer that owns it. */
export interface TcbContext {
  readonly config: TcpConfig;
  readonly stats: Stats;
  readonly rng: Rng;
  readonly trace: ((event: TcpEvent) => void) | undefined;
  /** A reused payload buffer for outgoing segments (emit serializes before it returns). */
  readonly scratch: Uint8Array;
  /** The reused description of the segment being emitted, and its timestamp option. */
  readonly segment: TcpRepr;
  readonly timestamp: TcpTimestamp;
  /** Readiness (readable / writable / error / state) changed: the layer reports it from takeChanged(). */
  changed(tcb: Tcb): void;
  /**
   * A user operation gave the connection something to do (data, a FIN, a window update, new options):
   * the layer visits it on the next poll instead of waiting for its old pollAt().
   */
  touched(tcb: Tcb): void;
  /** The connection reached CLOSED: the layer forgets its 4-tuple. */
  closed(tcb: Tcb): void;
  /** Queues a RST that must leave even though this TCB is going away (abort, a bad ACK in SYN_SENT). */
  reset(tcb: Tcb, seq: number, ack: number | undefined, why: string): void;
}

/** A passively opened connection tells its listener when it completes the handshake or dies before accept. */
export interface TcbParent {
  childEstablished(tcb: Tcb): void;
  childClosed(tcb: Tcb): void;
}

/** RFC 9293 §3.7.1 / RFC 1122 §4.2.2.6: without an MSS option the peer accepts 536 bytes per segment. */
export const DEFAULT_MSS = 536;
/** The TCP timestamps option as laid out in every non-SYN segment (RFC 7323 App. A): 2 NOPs + 10 bytes. */
export const TIMESTAMP_OPTION_LEN = 12;
/** RFC 7323 §5.5: TS.Recent is invalid after 24 days of idleness. */
const PAWS_IDLE_LIMIT_MS = 24 * 24 * 3600 * 1000;
/** Linux acks the first segments of a connection at once (quickack mode) so slow start is not delayed. */
const INITIAL_QUICK_ACKS = 16;

export class Tcb implements Queueable {
  readonly ctx: TcbContext;
  readonly id: number;
  readonly localAddr: number;
  readonly localPort: number;
  readonly remoteAddr: number;
  readonly remotePort: number;
  options: TcpSocketOptions;
  parent: TcbParent | undefined;
  /** The TCP layer's bookkeeping, kept here so that it allocates nothing: its queues' marks (MarkQueue)… */
  queueMarks = 0;
  /** …and the deadline under which it filed this connection, if any. */
  scheduledAt: Instant | undefined = undefined;

  current: TcpState = 'CLOSED';
  now: Instant;

  // Send sequence space (RFC 9293 §3.3.1). sndMax is the highest SND.NXT ever reached: after an RTO the
  // sender goes back to SND.UNA (sndNxt) while ACKs up to sndMax stay acceptable.
  iss: number;
  sndUna: number;
  sndNxt: number;
  sndMax: number;
  sndWnd = 0;
  sndWl1 = 0;
  sndWl2 = 0;
  maxSndWnd = 0;
  /** Sequence number of the first byte in sendBuffer (SND.UNA once the SYN is acknowledged). */
  sendBase: number;
  sendBuffer: ByteRing;
  /**
   * Ends of MSG_EOR writes (ascending) not yet acknowledged: no segment carries bytes across a record end,
   * and the segment ending one has PSH.
   */
  recordEnds: number[] = [];
  /** The user closed the sending side: a FIN follows the last queued byte, at sendBase + sendBuffer.length. */
  finQueued = false;
  finSent = false;

  // Receive sequence space.
  irs = 0;
  rcvNxt = 0;
  /** The right edge of the window we last advertised: it never moves left (RFC 9293 §3.8.6.2.2). */
  rcvAdvRight = 0;
  /** RCV.NXT in the last segment we sent (RFC 7323 §4.3 "Last.ACK.sent"). */
  lastAckSent = 0;
  recvBuffer: ByteRing;
  assembler: Assembler;
  /** A duplicate range [start, end) to report once in a D-SACK block (RFC 2883), as sequence numbers. */
  dsack: [number, number] | undefined;
  /** A FIN that arrived beyond RCV.NXT: it takes effect when the data before it is in. */
  rcvFinSeq: number | undefined;
  peerFin = false;
  readShut = false;
  userClosed = false;

  // Options agreed in the handshake.
  /** The MSS we announce: route MTU − 40, or less by TCP_MAXSEG (RFC 9293 §3.7.1, RFC 6691). */
  advMss: number;
  /** The MSS the peer announced. */
  peerMss = DEFAULT_MSS;
  /** Payload bytes in a full-sized segment we send (RFC 6691: options come out of the MSS). */
  sndMss: number;
  /** Our estimate of the peer's full-sized segment, for "ACK every second full-sized segment". */
  rcvMss: number;
  /**
   * The largest packet the route's link takes when it segments (TSO), set by the layer; 0 without. The
   * sender then emits super-segments of several MSS (tcb-send.ts tsoPayloadLen).
   */
  tsoMaxSegment = 0;
  sndWscale = 0;
  rcvWscale = 0;
  /** Both SYNs carried the window scale option (RFC 7323 §2.2), even if a shift is 0. */
  wsAgreed = false;
  tsEnabled = false;
  sackEnabled = false;
  tsOffset: number;
  tsRecent = 0;
  tsRecentAt: Instant = 0;

  // Machinery.
  rtt: RttEstimator;
  cc: CongestionControl;
  scoreboard = new SackScoreboard();
  recovery = new Recovery();
  timer: TcbTimer = IDLE;
  ackDeadline: Instant | undefined;
  /** An ACK must go out on the next poll (out-of-order data, FIN, a window update, a probe answer). */
  ackNow = false;
  /** Why the next pure ACK leaves, for the trace. */
  ackWhy = '';
  /** The SYN (or SYN-ACK) needs (re)sending on the next poll. */
  synDue = false;
  private acted = false;
  /** A zero-window or keepalive probe needs sending on the next poll. */
  probeDue: 'persist' | 'keepalive' | undefined;
  /** Consecutive RTO expirations without progress (retries for tcp_retries2 / tcp_syn_retries). */
  retransmits = 0;
  probesOut = 0;
  persistBackoff = 0;
  /** Classic RTT timing of one segment (Karn) when timestamps are off: ends at rttSeq, sent at rttStart. */
  rttSeq: number | undefined;
  rttStart: Instant = 0;
  quickAcks = INITIAL_QUICK_ACKS;
  /** In-order bytes received since the last ACK we sent. */
  unackedBytes = 0;
  lastReceiveAt: Instant;
  lastSendAt: Instant;
  challengeWindowStart: Instant = 0;
  /** When we last answered a segment outside the window that was not a retransmission (rate limit). */
  lastOutOfWindowAck: Instant = Number.NEGATIVE_INFINITY;
  challengeCount = 0;

  /** The pending error (SO_ERROR), cleared by takeError(). */
  pendingError: ErrnoName | undefined;
  /** An ICMP error seen while synchronized (Linux sk_err_soft): the reason given if we later time out. */
  softError: ErrnoName | undefined;
  /** Why the connection failed, kept after takeError() for later send/recv results. */
  failure: ErrnoName | undefined;

  bytesAcked = 0;
  bytesReceived = 0;
  segsIn = 0;
  segsOut = 0;
  totalRetransmits = 0;

  constructor(
    ctx: TcbContext,
    id: number,
    local: [addr: number, port: number],
    remote: [addr: number, port: number],
    iss: number,
    routeMss: number,
    options: TcpSocketOptions,
    now: Instant,
  ) {
    this.ctx = ctx;
    this.id = id;
    [this.localAddr, this.localPort] = local;
    [this.remoteAddr, this.remotePort] = remote;
    this.options = options;
    this.now = now;
    this.lastReceiveAt = now;
    this.lastSendAt = now;
    this.iss = iss;
    this.sndUna = iss;
    this.sndNxt = iss;
    this.sndMax = iss;
    this.sendBase = seqAdd(iss, 1);
    this.recovery.recover = iss;
    this.sendBuffer = new ByteRing(options.sendBuffer);
    this.recvBuffer = new ByteRing(options.recvBuffer);
    this.assembler = new Assembler(ctx.config.maxOutOfOrderRanges);
    this.advMss = options.maxSeg > 0 ? Math.min(routeMss, options.maxSeg) : routeMss;
    this.sndMss = Math.min(this.advMss, DEFAULT_MSS);
    this.rcvMss = Math.min(this.advMss, DEFAULT_MSS);
    this.rcvWscale = ctx.config.windowScaling ? windowScaleFor(options.recvBuffer) : 0;
    // RFC 7323 §5.4: a random per-connection offset keeps TSval from revealing uptime.
    this.tsOffset = ctx.rng.nextU32();
    const { config } = ctx;
    this.rtt = new RttEstimator(config);
    this.cc = createCongestionControl(config.congestion, {
      mss: this.sndMss,
      initialWindowSegments: config.initialWindowSegments,
      restartAfterIdle: config.restartAfterIdle,
      slowStartLimitSegments: config.slowStartLimitSegments,
    });
  }

  /** A user operation changed what the send path or the timers should do: poll at once to re-derive them. */
  get userActed(): boolean {
    return this.acted;
  }

  set userActed(value: boolean) {
    this.acted = value;
    // The layer polls only the connections it knows to have work: this one has, at once.
    if (value) this.ctx.touched(this);
  }

  // ---------------------------------------------------------------- opening (called by the layer)

  /** RFC 9293 §3.10.1 OPEN, active: send a SYN and enter SYN_SENT. */
  openActive(now: Instant): void {
    this.now = now;
    this.synDue = true;
    this.setState('SYN_SENT', 'active open (connect)');
    this.ctx.stats.add('tcp.active-opens');
  }

  /** A SYN arrived at a listener (RFC 9293 §3.10.7.2): record the peer's ISN and options, enter SYN_RECEIVED. */
  openPassive(now: Instant, syn: TcpRepr, parent: TcbParent): void {
    this.now = now;
    this.parent = parent;
    this.irs = syn.seqNumber;
    this.rcvNxt = seqAdd(syn.seqNumber, 1);
    this.lastAckSent = this.rcvNxt;
    this.acceptSynOptions(now, syn, true);
    this.sndWnd = syn.windowLen;
    this.sndWl1 = syn.seqNumber;
    this.maxSndWnd = this.sndWnd;
    this.synDue = true;
    this.setState('SYN_RECEIVED', 'SYN received on a listening port');
    this.ctx.stats.add('tcp.passive-opens');
  }

  /**
   * The ACK completing a SYN-cookie handshake (RFC 4987 §3.6): the cookie was our ISN, the MSS came back out
   * of it, and no other option was agreed (the cookie SYN-ACK offered none, so the peer uses none either).
   */
  openFromCookie(now: Instant, ack: TcpRepr, mss: number, parent: TcbParent): void {
    this.now = now;
    this.parent = parent;
    this.irs = seqAdd(ack.seqNumber, -1);
    this.rcvNxt = ack.seqNumber;
    this.lastAckSent = this.rcvNxt;
    this.sndUna = ack.ackNumber!;
    this.sndNxt = this.sndUna;
    this.sndMax = this.sndUna;
    this.sendBase = this.sndUna;
    this.recovery.recover = this.sndUna;
    this.rcvWscale = 0;
    this.peerMss = mss;
    this.updateSendMss();
    this.sndWnd = ack.windowLen;
    this.sndWl1 = ack.seqNumber;
    this.sndWl2 = this.sndUna;
    this.maxSndWnd = this.sndWnd;
    this.rcvAdvRight = seqAdd(this.rcvNxt, Math.min(this.recvBuffer.free, 0xffff));
    this.ctx.stats.add('tcp.passive-opens');
    this.setState('ESTABLISHED', 'ACK carries a valid SYN cookie (RFC 4987 §3.6)');
  }

  /** Options from a SYN (or SYN-ACK): each is used only if both sides sent it (RFC 7323 §2.2, §3.2; RFC 2018 §2). */
  acceptSynOptions(now: Instant, syn: TcpRepr, passive: boolean): void {
    const { config } = this.ctx;
    this.peerMss = syn.maxSegSize ?? DEFAULT_MSS;
    this.wsAgreed = config.windowScaling && syn.windowScale !== undefined;
    if (this.wsAgreed) {
      this.sndWscale = syn.windowScale!;
    } else {
      // RFC 7323 §2.2: without the option from the peer, neither side scales.
      this.sndWscale = 0;
      this.rcvWscale = 0;
    }
    this.sackEnabled = config.sack && syn.sackPermitted;
    this.tsEnabled = config.timestamps && syn.timestamp !== undefined;
    if (this.tsEnabled) {
      this.tsRecent = syn.timestamp!.tsVal;
      this.tsRecentAt = now;
    }
    if (passive) this.rcvAdvRight = seqAdd(this.rcvNxt, Math.min(this.recvBuffer.free, 0xffff));
    this.updateSendMss();
  }

  updateSendMss(): void {
    const options = this.tsEnabled ? TIMESTAMP_OPTION_LEN : 0;
    this.sndMss = Math.max(1, Math.min(this.peerMss, this.advMss) - options);
    this.rcvMss = Math.max(1, Math.min(this.peerMss, this.advMss) - options);
    this.cc.setMss(this.sndMss);
  }

  // ---------------------------------------------------------------- the layer's entry points

  /** A segment for this 4-tuple (already parsed and checksum-verified). */
  onSegment(now: Instant, segment: TcpRepr): void {
    this.now = now;
    this.segsIn++;
    tcbIngress(this, now, segment);
    rearmTimers(this, now);
  }

  /** Fires due timers, then emits every segment due now. */
  poll(now: Instant, emit: (segment: TcpRepr) => void): void {
    this.now = now;
    this.userActed = false;
    fireTimers(this, now);
    if (this.current === 'CLOSED') return;
    tcbDispatch(this, now, emit);
    rearmTimers(this, now);
  }

  /** The earliest instant poll() has work: ≤ the last seen instant when output is pending. */
  pollAt(): Instant | undefined {
    if (this.current === 'CLOSED') return undefined;
    if (this.hasOutputPending()) return this.now;
    return earliest(timerDeadline(this.timer), this.ackDeadline);
  }

  hasOutputPending(): boolean {
    return this.userActed || this.synDue || this.ackNow || this.probeDue !== undefined || canSendData(this);
  }

  // ---------------------------------------------------------------- user operations (never block)

  get state(): TcpState {
    return this.current;
  }

  /**
   * setsockopt on a live connection: takes the new options, resizes the buffers (never below what they
   * hold), and lets the next poll re-derive timers that depend on them (keepalive).
   */
  setOptions(options: Partial<TcpSocketOptions>): void {
    Object.assign(this.options, options);
    if (options.sendBuffer !== undefined)
      this.sendBuffer.resize(Math.max(options.sendBuffer, this.sendBuffer.length));
    if (options.recvBuffer !== undefined)
      this.recvBuffer.resize(Math.max(options.recvBuffer, this.recvBuffer.length));
    this.userActed = true;
  }

  /**
   * Copies data into the send buffer; returns the bytes taken. `endOfRecord` (MSG_EOR) closes a record once
   * all of `data` is taken: later writes never share a segment with it.
   */
  send(data: Uint8Array, endOfRecord = false): number | ErrnoResult {
    if (this.pendingError !== undefined) return fail(this.takeError()!);
    if (this.failure !== undefined) return fail('EPIPE');
    // RFC 9293 §3.10.2 SEND: after CLOSE (our FIN is queued) "return error: connection closing".
    if (this.finQueued || this.current === 'CLOSED') return fail('EPIPE');
    // Linux makes a send on a connecting socket wait for the handshake (EAGAIN when non-blocking).
    if (this.current === 'SYN_SENT' || this.current === 'SYN_RECEIVED') return fail('EAGAIN');
    const taken = this.sendBuffer.write(data);
    if (taken === 0 && data.length > 0) return fail('EAGAIN');
    if (taken > 0) this.userActed = true;
    if (endOfRecord && taken === data.length && taken > 0)
      this.recordEnds.push(seqAdd(this.sendBase, this.sendBuffer.length));
    return taken;
  }

  /** Copies received data into dst; 0 means the peer closed (orderly EOF). */
  recv(dst: Uint8Array): number | ErrnoResult {
    if (this.recvBuffer.length > 0 && (!this.readShut || this.ctx.config.shutRdKeepsData)) {
      const n = this.recvBuffer.read(dst);
      this.bytesRead(n);
      return n;
    }
    if (this.peerFin || this.readShut) return 0;
    if (this.pendingError !== undefined) return fail(this.takeError()!);
    if (this.failure !== undefined) return fail(this.failure);
    if (this.current === 'CLOSED') return fail('ENOTCONN');
    return fail('EAGAIN');
  }

  shutdown(how: 'read' | 'write' | 'both'): undefined | ErrnoResult {
    if (this.current === 'CLOSED') return fail('ENOTCONN');
    if (how !== 'write') {
      this.readShut = true;
      if (!this.ctx.config.shutRdKeepsData) this.recvBuffer.discard(this.recvBuffer.length);
      this.ctx.changed(this);
    }
    if (how !== 'read') this.queueFin();
    return undefined;
  }

  /** RFC 9293 §3.10.4 CLOSE: orderly release, or a reset when data would be lost (RFC 2525 §2.17). */
  close(): void {
    if (this.current === 'CLOSED') return;
    if (this.options.lingerZero || (this.recvBuffer.length > 0 && this.current !== 'SYN_SENT')) {
      this.abort();
      return;
    }
    this.userClosed = true;
    this.readShut = true;
    // §3.10.4: in SYN_SENT "delete the TCB"; nothing was agreed yet.
    if (this.current === 'SYN_SENT') {
      this.setState('CLOSED', 'close() before the handshake completed');
      return;
    }
    this.queueFin();
  }

  /** RFC 9293 §3.10.5 ABORT: a RST in the synchronized states (and SYN_RECEIVED), then CLOSED. */
  abort(): void {
    const s = this.current;
    if (s === 'CLOSED') return;
    if (
      s === 'SYN_RECEIVED' ||
      s === 'ESTABLISHED' ||
      s === 'FIN_WAIT_1' ||
      s === 'FIN_WAIT_2' ||
      s === 'CLOSE_WAIT'
    ) {
      this.ctx.reset(this, this.sndMax, this.rcvNxt, 'RST: abort (RFC 9293 §3.10.5)');
    }
    this.userClosed = true;
    this.setState('CLOSED', 'aborted by the user');
  }

  get readable(): boolean {
    return (
      this.recvBuffer.length > 0 ||
      this.peerFin ||
      this.readShut ||
      this.pendingError !== undefined ||
      this.current === 'CLOSED'
    );
  }

  get writable(): boolean {
    if (this.pendingError !== undefined || this.current === 'CLOSED' || this.finQueued) return true;
    if (this.current !== 'ESTABLISHED' && this.current !== 'CLOSE_WAIT') return false;
    // Wake writers only for a useful amount of space (Linux: a third of the buffer), not for every byte.
    return this.sendBuffer.free >= Math.max(1, Math.min(this.sendBuffer.capacity >>> 2, 65536));
  }

  get recvQueued(): number {
    return this.recvBuffer.length;
  }

  get sendQueued(): number {
    return this.sendBuffer.length;
  }

  get peerClosed(): boolean {
    return this.peerFin;
  }

  takeError(): ErrnoName | undefined {
    const e = this.pendingError;
    this.pendingError = undefined;
    return e;
  }

  info(now: Instant): TcpInfo {
    return {
      state: this.current,
      cwnd: this.cc.cwnd,
      ssthresh: this.cc.ssthresh,
      srtt: this.rtt.srtt,
      rttvar: this.rtt.rttvar,
      rto: this.rtt.rto,
      bytesInFlight: seqDiff(this.sndMax, this.sndUna),
      retransmits: this.retransmits,
      totalRetransmits: this.totalRetransmits,
      sacked: this.scoreboard.sacked,
      rcvWnd: Math.max(0, seqDiff(this.rcvAdvRight, this.rcvNxt)),
      sndWnd: this.sndWnd,
      mss: this.sndMss,
      bytesAcked: this.bytesAcked,
      bytesReceived: this.bytesReceived,
      segsIn: this.segsIn,
      segsOut: this.segsOut,
      timestamps: this.tsEnabled,
      sack: this.sackEnabled,
      sndWscale: this.sndWscale,
      rcvWscale: this.rcvWscale,
      sinceLastReceive: Math.max(0, now - this.lastReceiveAt),
    };
  }

  // ---------------------------------------------------------------- shared helpers for tcb-*.ts

  /** FIN after the queued data; the state moves as RFC 9293 §3.10.4 CLOSE says. */
  queueFin(): void {
    if (this.finQueued) return;
    this.finQueued = true;
    this.userActed = true;
    if (this.current === 'ESTABLISHED') this.setState('FIN_WAIT_1', 'close: FIN queued after the data');
    else if (this.current === 'CLOSE_WAIT')
      this.setState('LAST_ACK', 'close after the peer closed: FIN queued');
    // In SYN_SENT / SYN_RECEIVED the FIN waits for ESTABLISHED (§3.10.4 "queue for processing").
    this.ctx.changed(this);
  }

  /** The sequence number our FIN occupies (valid once finQueued). */
  get finSeq(): number {
    return seqAdd(this.sendBase, this.sendBuffer.length);
  }

  /** The application consumed n bytes: the window may have opened enough to tell the peer. */
  bytesRead(n: number): void {
    if (n === 0 || this.current === 'CLOSED') return;
    const advertised = seqDiff(this.rcvAdvRight, this.rcvNxt);
    const growth = this.windowGrowth();
    // RFC 9293 §3.8.6.2.2 (receiver SWS avoidance): announce only an increase of at least
    // min(RCV.BUFF/2, Eff.snd.MSS), and only bother while the advertised window is small.
    if (growth > 0 && advertised < this.recvBuffer.capacity >>> 1) {
      this.ackNow = true;
      this.ackWhy = 'window update: the application read data (RFC 9293 §3.8.6.2.2)';
      this.ctx.touched(this);
    }
  }

  /** How far the right edge of the window may move now, 0 if less than the SWS threshold. */
  windowGrowth(): number {
    const maxWindow = 0xffff * 2 ** this.rcvWscale;
    const possible = Math.min(this.recvBuffer.free, maxWindow);
    const growth = possible - seqDiff(this.rcvAdvRight, this.rcvNxt);
    const threshold = Math.min(this.recvBuffer.capacity >>> 1, this.rcvMss);
    return growth >= threshold ? growth : 0;
  }

  /** The RFC 7323 §4 timestamp clock: milliseconds plus the per-connection offset. */
  tsNow(now: Instant): number {
    return (Math.floor(now / 1000) + this.tsOffset) >>> 0;
  }

  /** RFC 7323 §5.5: TS.Recent older than 24 days no longer guards PAWS. */
  tsRecentValid(now: Instant): boolean {
    return now - this.tsRecentAt < PAWS_IDLE_LIMIT_MS * 1000;
  }

  setState(to: TcpState, why: string): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.event({ kind: 'state', from, to, why });
    this.ctx.changed(this);
    if (to === 'ESTABLISHED' && this.parent !== undefined) this.parent.childEstablished(this);
    // No data moves in either direction any more: keep only what the application has yet to read, so
    // thousands of connections lingering in TIME_WAIT cost next to nothing.
    if (to === 'TIME_WAIT' || to === 'CLOSED') {
      this.sendBuffer.releaseSpare();
      this.recvBuffer.releaseSpare();
    }
    if (to === 'CLOSED') {
      this.timer = IDLE;
      this.ackDeadline = undefined;
      this.ackNow = false;
      this.synDue = false;
      this.probeDue = undefined;
      this.parent?.childClosed(this);
      this.ctx.closed(this);
    }
  }

  /** The connection failed: the error is reported once through takeError() and to later send/recv calls. */
  failWith(errno: ErrnoName, why: string): void {
    this.pendingError = errno;
    this.failure = errno;
    this.event({ kind: 'error', errno, why });
    this.setState('CLOSED', why);
  }

  event(body: TcpEventBody): void {
    const { trace } = this.ctx;
    if (trace !== undefined) trace({ at: this.now, conn: this.id, ...body });
  }

  drop(reason: string): void {
    this.ctx.stats.drop(`tcp.${reason}`);
    this.event({ kind: 'drop', reason });
  }
}
