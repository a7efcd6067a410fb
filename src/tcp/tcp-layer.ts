// The TCP layer: demultiplexes inbound segments to connections by a map on the 4-tuple, then to listeners
// (exact local address first, then the wildcard), and answers everything else with a RST (RFC 9293
// §3.10.7.1). It owns the ISN generator (RFC 6528), ephemeral port choice (RFC 6056) and SYN cookies, and
// queues the segments no connection will send (resets, cookie SYN-ACKs) until the next poll().
//
//   ingress → lookup(local, remote) → Tcb.onSegment
//                                   → listener: SYN → new Tcb (SYN_RECEIVED) or a cookie SYN-ACK
//                                               ACK → SYN cookie check → new ESTABLISHED Tcb, else RST
//                                   → nothing: RST
//   poll    → queued replies, then the active connections and those whose deadline has come
//
// Polling costs O(active), not O(connections): a connection is *active* once something may have given it
// output to send (a segment arrived, a user operation, a deadline came); otherwise it waits in a min-heap
// under its pollAt(). A connection's pollAt() changes only inside those three events, so after each the
// layer asks it once more and files it again. Heap entries are invalidated lazily: a connection's
// `scheduledAt` holds the deadline that counts, and an entry that no longer matches it is skipped when it
// surfaces.

import { emptyArray } from '../base/empty-array.ts';
import type { ErrnoName, ErrnoResult } from '../base/errno.ts';
import { fail } from '../base/errno.ts';
import { MarkQueue } from '../base/mark-queue.ts';
import type { Rng } from '../base/rng.ts';
import type { Stats } from '../base/stats.ts';
import type { Instant } from '../base/time.ts';
import { DEFAULT_TCP_CONFIG, defaultSocketOptions, type TcpConfig, type TcpSocketOptions } from './config.ts';
import { DeadlineHeap } from './deadline-heap.ts';
import { EphemeralPorts } from './ephemeral-ports.ts';
import type { TcpEvent } from './events.ts';
import { IsnGenerator } from './isn.ts';
import { TcpListener } from './listener.ts';
import { blankTcpRepr, flagsString, segmentLength, type TcpRepr, tcpFlags } from './segment.ts';
import { seqAdd, seqGt } from './seq.ts';
import { SynCookies } from './syn-cookie.ts';
import { Tcb, type TcbContext } from './tcb.ts';

export interface TcpLayerDeps {
  rng: Rng;
  /** 16 secret bytes keying ISNs, ephemeral ports and SYN cookies. */
  secret: Uint8Array;
  stats: Stats;
  trace?: (event: TcpEvent) => void;
  routeMtu(remoteAddr: number): number;
  /**
   * The largest packet towards the peer the link takes (StackCore.routeMaxSegment): above routeMtu when the
   * link segments (TSO). Left out, as by links without segmentation offload, every segment fits the MTU.
   */
  routeMaxSegment?(remoteAddr: number): number;
}

/** IPv4 (20) + TCP (20) fixed headers: MSS = MTU − 40 (RFC 9293 §3.7.1, RFC 6691). */
const IP_TCP_HEADERS = 40;
/** Resets and cookie SYN-ACKs waiting for poll(); beyond this they are dropped (a flood is not answered). */
const MAX_QUEUED_REPLIES = 1024;
/** The largest payload a segment can carry (64 KiB TSO segments included). */
const SCRATCH_BYTES = 65536;
/** Stale timer-heap entries tolerated beyond the live ones before a compaction (amortized O(1) per push). */
const STALE_DEADLINES_SLACK = 64;
/** The layer's two queues a connection can sit in (MarkQueue bits): to poll, and to report as changed. */
const ACTIVE_MARK = 1 << 0;
const CHANGED_MARK = 1 << 1;

interface Reply {
  srcAddr: number;
  dstAddr: number;
  srcPort: number;
  dstPort: number;
  control: 'rst' | 'syn';
  seq: number;
  ack: number | undefined;
  window: number;
  mss: number | undefined;
  why: string;
}

function byCreation(a: Tcb, b: Tcb): number {
  return a.id - b.id;
}

/** A heap entry still counts when it holds the deadline its connection is filed under. */
function isLiveDeadline(at: Instant, tcb: Tcb): boolean {
  return tcb.scheduledAt === at;
}

/** Local (or remote) address and port as one exact number: addr·2^16 + port < 2^48. */
function endpointKey(addr: number, port: number): number {
  return addr * 65536 + port;
}

export class TcpLayer {
  readonly config: TcpConfig;
  private readonly deps: TcpLayerDeps;
  private readonly ctx: TcbContext;
  /** local endpoint → remote endpoint → connection. */
  private readonly byLocal = new Map<number, Map<number, Tcb>>();
  private readonly all = new Set<Tcb>();
  /** Connections that may have output now; the next poll() visits each (see the header comment). */
  private readonly active = new MarkQueue<Tcb>(ACTIVE_MARK);
  /** How many connections wait under a deadline (their `scheduledAt`, the only valid entry in `deadlines`). */
  private scheduledCount = 0;
  private readonly deadlines = new DeadlineHeap<Tcb>();
  /** The connections visited by one poll(), in creation order (reused). */
  private readonly visiting: Tcb[] = [];
  /**
   * The connection being polled and the poll's emitter: fields read by one emitter made once, instead of a
   * closure per connection per poll.
   */
  private polled: Tcb | undefined;
  private pollEmit: (srcAddr: number, dstAddr: number, segment: TcpRepr) => void = () => undefined;
  private readonly emitPolled = (segment: TcpRepr): void => {
    const tcb = this.polled!;
    this.pollEmit(tcb.localAddr, tcb.remoteAddr, segment);
  };
  /** Connections in TIME_WAIT, oldest first (a Set iterates in insertion order). */
  private readonly timeWait = new Set<Tcb>();
  private readonly listening = new Map<number, TcpListener>();
  private readonly changedQueue = new MarkQueue<Tcb | TcpListener>(CHANGED_MARK);
  private readonly replies: Reply[] = [];
  private readonly isn: IsnGenerator;
  private readonly ports: EphemeralPorts;
  private readonly cookies: SynCookies;
  private readonly replySegment = blankTcpRepr();
  private nextId = 1;
  private lastNow: Instant = 0;

  constructor(config: Partial<TcpConfig>, deps: TcpLayerDeps) {
    this.config = Object.freeze({ ...DEFAULT_TCP_CONFIG, ...config });
    this.deps = deps;
    this.isn = new IsnGenerator(deps.secret);
    this.ports = new EphemeralPorts(deps.secret, deps.rng, this.config.ephemeralPorts);
    this.cookies = new SynCookies(deps.secret);
    this.ctx = {
      config: this.config,
      stats: deps.stats,
      rng: deps.rng,
      trace: deps.trace,
      scratch: new Uint8Array(SCRATCH_BYTES),
      segment: blankTcpRepr(),
      timestamp: { tsVal: 0, tsEcr: 0 },
      changed: (tcb) => {
        this.changedQueue.add(tcb);
        if (tcb.state === 'TIME_WAIT') this.timeWait.add(tcb);
      },
      touched: (tcb) => this.active.add(tcb),
      closed: (tcb) => this.forget(tcb),
      reset: (tcb, seq, ack, why) =>
        this.queueReply(tcb.localAddr, tcb.remoteAddr, tcb.localPort, tcb.remotePort, 'rst', seq, ack, why),
    };
  }

  // ------------------------------------------------------------------------------------ packets

  /** An inbound, already parsed and checksum-verified segment. Replies queue and leave through poll(). */
  ingress(now: Instant, srcAddr: number, dstAddr: number, segment: TcpRepr): void {
    this.lastNow = now;
    this.deps.stats.add('tcp.segments-in');
    const tcb = this.lookup(dstAddr, segment.dstPort, srcAddr, segment.srcPort);
    if (tcb !== undefined) {
      if (this.reopensTimeWait(tcb, segment)) {
        tcb.setState('CLOSED', 'a new SYN reuses the 4-tuple in TIME_WAIT (RFC 9293 §3.10.7.4, RFC 6191)');
      } else {
        const parent = tcb.parent;
        if (tcb.state === 'SYN_RECEIVED' && parent instanceof TcpListener && parent.acceptQueueFull) {
          // Linux (tcp_abort_on_overflow = 0): ignore the completing ACK; the SYN-ACK is retransmitted.
          this.deps.stats.drop('tcp.accept-queue-full');
          return;
        }
        tcb.onSegment(now, segment);
        this.active.add(tcb);
        return;
      }
    }
    const listener =
      this.listening.get(endpointKey(dstAddr, segment.dstPort)) ??
      this.listening.get(endpointKey(0, segment.dstPort));
    if (listener !== undefined) this.listenerIngress(now, listener, srcAddr, dstAddr, segment);
    else this.closedIngress(srcAddr, dstAddr, segment, 'RST: no socket on this port (RFC 9293 §3.10.7.1)');
  }

  /** Emits every segment due at `now`. */
  poll(now: Instant, emit: (srcAddr: number, dstAddr: number, segment: TcpRepr) => void): void {
    this.lastNow = now;
    if (this.replies.length > 0) for (const reply of this.replies.splice(0)) this.emitReply(now, reply, emit);
    this.activateDue(now);
    if (this.active.mayHaveItems) this.visitActive(now, emit);
    if (this.timeWait.size > this.config.maxTimeWait) this.trimTimeWait();
  }

  /** The earliest instant poll() has work (≤ now if output is pending), or undefined when idle. */
  pollAt(): Instant | undefined {
    if (this.replies.length > 0) return this.lastNow;
    // A connection touched since the last poll may have nothing to send after all: file it under its
    // deadline now, so that the answer is exact rather than "at once".
    for (let tcb = this.active.pop(); tcb !== undefined; tcb = this.active.pop())
      if (this.file(tcb, this.lastNow)) return this.lastNow;
    for (let at = this.deadlines.peekAt(); at !== undefined; at = this.deadlines.peekAt()) {
      if (this.deadlines.peekItem()!.scheduledAt === at) return at;
      this.deadlines.pop();
    }
    return undefined;
  }

  /**
   * An ICMP error quoting one of our segments. Destination/port unreachable during SYN_SENT fails the
   * connect (Linux tcp_v4_err); otherwise it is a soft error, reported only if the connection times out.
   */
  icmpError(
    now: Instant,
    local: [addr: number, port: number],
    remote: [addr: number, port: number],
    errno: ErrnoName,
  ): void {
    this.lastNow = now;
    const tcb = this.lookup(local[0], local[1], remote[0], remote[1]);
    if (tcb === undefined) return;
    if (tcb.state === 'SYN_SENT') tcb.failWith(errno, `ICMP error during connect: ${errno}`);
    else tcb.softError = errno;
  }

  // ------------------------------------------------------------------------------------ endpoints

  /** Passive open; accepted connections inherit `options` (SO_RCVBUF, TCP_NODELAY…), as on Linux. */
  listen(
    localAddr: number,
    localPort: number,
    backlog: number,
    options: Partial<TcpSocketOptions> = {},
  ): TcpListener | ErrnoResult {
    if (this.listenerConflict(localAddr, localPort)) return fail('EADDRINUSE');
    const listener = new TcpListener(
      {
        changed: (l) => this.changedQueue.add(l),
        closed: (l) => this.listening.delete(endpointKey(l.localAddr, l.localPort)),
      },
      this.nextId++,
      localAddr,
      localPort,
      Math.max(1, backlog > 0 ? backlog : this.config.backlogDefault),
      options,
    );
    this.listening.set(endpointKey(localAddr, localPort), listener);
    return listener;
  }

  /** Active open; localPort 0 picks an RFC 6056 port (EADDRNOTAVAIL when exhausted). */
  connect(
    now: Instant,
    localAddr: number,
    localPort: number,
    remoteAddr: number,
    remotePort: number,
    options?: Partial<TcpSocketOptions>,
  ): Tcb | ErrnoResult {
    this.lastNow = now;
    let port = localPort;
    if (port === 0) {
      const picked = this.ports.pick(
        localAddr,
        remoteAddr,
        remotePort,
        (p) =>
          this.lookup(localAddr, p, remoteAddr, remotePort) !== undefined ||
          this.listenerConflict(localAddr, p),
      );
      if (picked === undefined) return fail('EADDRNOTAVAIL');
      port = picked;
    } else if (this.lookup(localAddr, port, remoteAddr, remotePort) !== undefined) {
      return fail('EADDRINUSE');
    }
    const tcb = this.create(now, [localAddr, port], [remoteAddr, remotePort], options);
    tcb.openActive(now);
    return tcb;
  }

  /** Appends the endpoints whose readiness changed since the last call to `into`, and returns it. */
  takeChanged<T = never>(into: Array<T | Tcb | TcpListener> = []): Array<T | Tcb | TcpListener> {
    return this.changedQueue.drainInto(into);
  }

  connections(): Iterable<Tcb> {
    return this.all;
  }

  listeners(): Iterable<TcpListener> {
    return this.listening.values();
  }

  portInUse(localAddr: number, localPort: number): boolean {
    if (this.listenerConflict(localAddr, localPort)) return true;
    if (this.byLocal.has(endpointKey(localAddr, localPort))) return true;
    if (localAddr === 0) {
      for (const tcb of this.all) if (tcb.localPort === localPort) return true;
    }
    return false;
  }

  // ------------------------------------------------------------------------------------ internals

  private lookup(
    localAddr: number,
    localPort: number,
    remoteAddr: number,
    remotePort: number,
  ): Tcb | undefined {
    return this.byLocal.get(endpointKey(localAddr, localPort))?.get(endpointKey(remoteAddr, remotePort));
  }

  private listenerConflict(localAddr: number, localPort: number): boolean {
    if (this.listening.has(endpointKey(localAddr, localPort))) return true;
    if (this.listening.has(endpointKey(0, localPort))) return true;
    if (localAddr === 0) {
      for (const l of this.listening.values()) if (l.localPort === localPort) return true;
    }
    return false;
  }

  private create(
    now: Instant,
    local: [number, number],
    remote: [number, number],
    options: Partial<TcpSocketOptions> | undefined,
  ): Tcb {
    const iss = this.isn.isn(now, local[0], local[1], remote[0], remote[1]);
    const mss = this.deps.routeMtu(remote[0]) - IP_TCP_HEADERS;
    const opts = { ...defaultSocketOptions(this.config), ...options };
    const tcb = new Tcb(this.ctx, this.nextId++, local, remote, iss, mss, opts, now);
    // TSO only while our MSS fills the route MTU: the link cuts super-segments at that MTU (tcb-send.ts).
    const maxSegment = this.deps.routeMaxSegment?.(remote[0]) ?? 0;
    if (tcb.advMss === mss && maxSegment > mss + IP_TCP_HEADERS) tcb.tsoMaxSegment = maxSegment;
    const key = endpointKey(local[0], local[1]);
    let peers = this.byLocal.get(key);
    if (peers === undefined) {
      peers = new Map();
      this.byLocal.set(key, peers);
    }
    peers.set(endpointKey(remote[0], remote[1]), tcb);
    this.all.add(tcb);
    // The caller opens it at once (a SYN or SYN-ACK to send, or a cookie handshake completed).
    this.active.add(tcb);
    return tcb;
  }

  /** Polls the active connections in creation order, then files each by its new pollAt(). */
  private visitActive(
    now: Instant,
    emit: (srcAddr: number, dstAddr: number, segment: TcpRepr) => void,
  ): void {
    const visiting = this.active.drainInto(this.visiting);
    // Creation order, as when every connection was visited: the order segments leave in stays the same.
    if (visiting.length > 1) visiting.sort(byCreation);
    this.pollEmit = emit;
    for (let i = 0; i < visiting.length; i++) {
      const tcb = visiting[i]!;
      const at = tcb.pollAt();
      if (at !== undefined && at <= now) {
        this.polled = tcb;
        tcb.poll(now, this.emitPolled);
      }
      this.file(tcb, now);
    }
    emptyArray(visiting);
  }

  /**
   * Linux tcp_max_tw_buckets: past the cap the oldest TIME_WAIT connections close early. Done after the
   * visits, so that even the newest has sent the ACK of the peer's FIN (RFC 9293 §3.10.7.4) before it goes;
   * what is lost is only the 2·MSL guard against old duplicates on that 4-tuple (RFC 9293 §3.4.2).
   */
  private trimTimeWait(): void {
    for (const tcb of this.timeWait) {
      if (this.timeWait.size <= this.config.maxTimeWait) return;
      this.deps.stats.add('tcp.time-wait-overflow');
      tcb.setState('CLOSED', 'TIME_WAIT table full: the oldest entry ends early (Linux tcp_max_tw_buckets)');
    }
  }

  /** Moves every connection whose deadline has come into the active set, skipping stale heap entries. */
  private activateDue(now: Instant): void {
    for (let at = this.deadlines.peekAt(); at !== undefined && at <= now; at = this.deadlines.peekAt()) {
      const tcb = this.deadlines.peekItem()!;
      this.deadlines.pop();
      if (tcb.scheduledAt !== at) continue;
      this.unschedule(tcb);
      this.active.add(tcb);
    }
  }

  /**
   * Files a connection by its pollAt(): back into the active set when it still has output at `now`
   * (returns true), under its deadline in the heap, or nowhere when it has none.
   */
  private file(tcb: Tcb, now: Instant): boolean {
    const at = tcb.pollAt();
    if (at === undefined) {
      this.unschedule(tcb);
      return false;
    }
    if (at <= now) {
      this.active.add(tcb);
      return true;
    }
    if (tcb.scheduledAt === at) return false;
    if (tcb.scheduledAt === undefined) this.scheduledCount++;
    tcb.scheduledAt = at;
    this.deadlines.push(at, tcb);
    // Stale entries (deadlines that moved, connections gone) are dropped once they outnumber the live ones.
    if (this.deadlines.size > 2 * this.scheduledCount + STALE_DEADLINES_SLACK)
      this.deadlines.compact(isLiveDeadline);
    return false;
  }

  private unschedule(tcb: Tcb): void {
    if (tcb.scheduledAt === undefined) return;
    tcb.scheduledAt = undefined;
    this.scheduledCount--;
  }

  private forget(tcb: Tcb): void {
    const key = endpointKey(tcb.localAddr, tcb.localPort);
    const peers = this.byLocal.get(key);
    if (peers?.get(endpointKey(tcb.remoteAddr, tcb.remotePort)) === tcb) {
      peers.delete(endpointKey(tcb.remoteAddr, tcb.remotePort));
      if (peers.size === 0) this.byLocal.delete(key);
    }
    this.all.delete(tcb);
    this.active.remove(tcb);
    this.unschedule(tcb);
    this.timeWait.delete(tcb);
  }

  /**
   * RFC 9293 §3.10.7.4 (TIME-WAIT) with RFC 6191: a new SYN whose sequence number lies beyond RCV.NXT may
   * take over a 4-tuple in TIME_WAIT, provided a listener would accept it.
   */
  private reopensTimeWait(tcb: Tcb, segment: TcpRepr): boolean {
    return (
      tcb.state === 'TIME_WAIT' &&
      segment.control === 'syn' &&
      segment.ackNumber === undefined &&
      seqGt(segment.seqNumber, tcb.rcvNxt) &&
      (this.listening.has(endpointKey(tcb.localAddr, tcb.localPort)) ||
        this.listening.has(endpointKey(0, tcb.localPort)))
    );
  }

  /** RFC 9293 §3.10.7.2, LISTEN. */
  private listenerIngress(
    now: Instant,
    listener: TcpListener,
    srcAddr: number,
    dstAddr: number,
    seg: TcpRepr,
  ): void {
    // "first, check for a RST: An incoming RST segment could not be valid ... It should be ignored."
    if (seg.control === 'rst') {
      this.deps.stats.drop('tcp.listen-rst');
      return;
    }
    // "second, check for an ACK: Any acknowledgment is bad if it arrives on a connection still in the
    // LISTEN state. An acceptable reset segment should be formed ... <SEQ=SEG.ACK><CTL=RST>" — unless it
    // completes a SYN-cookie handshake (RFC 4987 §3.6).
    if (seg.ackNumber !== undefined) {
      if (seg.control !== 'syn' && this.completeCookie(now, listener, srcAddr, dstAddr, seg)) return;
      this.closedIngress(srcAddr, dstAddr, seg, 'RST: ACK to a listening socket (RFC 9293 §3.10.7.2)');
      return;
    }
    if (seg.control !== 'syn') {
      // "fourth, other text or control: ... drop the segment and return."
      this.deps.stats.drop('tcp.listen-no-syn');
      return;
    }
    if (listener.acceptQueueFull) {
      this.deps.stats.drop('tcp.listen-overflow');
      return;
    }
    if (listener.halfOpenFull) {
      if (!this.config.synCookies) {
        this.deps.stats.drop('tcp.syn-queue-full');
        return;
      }
      this.sendCookie(now, srcAddr, dstAddr, seg);
      return;
    }
    // "third, check for a SYN": a new connection in SYN_RECEIVED, ISN per RFC 6528.
    const tcb = this.create(now, [dstAddr, seg.dstPort], [srcAddr, seg.srcPort], listener.options);
    listener.adopt(tcb);
    tcb.openPassive(now, seg, listener);
  }

  /** The half-open queue is full: answer statelessly, the ISN encoding the 4-tuple, time and MSS. */
  private sendCookie(now: Instant, srcAddr: number, dstAddr: number, seg: TcpRepr): void {
    const mss = Math.min(seg.maxSegSize ?? 536, this.deps.routeMtu(srcAddr) - IP_TCP_HEADERS);
    const cookie = this.cookies.encode(now, dstAddr, seg.dstPort, srcAddr, seg.srcPort, seg.seqNumber, mss);
    const clamped = this.cookies.decode(
      now,
      dstAddr,
      seg.dstPort,
      srcAddr,
      seg.srcPort,
      seg.seqNumber,
      cookie,
    );
    this.deps.stats.add('tcp.syn-cookies-sent');
    this.queueReply(
      dstAddr,
      srcAddr,
      seg.dstPort,
      seg.srcPort,
      'syn',
      cookie,
      seqAdd(seg.seqNumber, 1),
      'SYN-ACK with a SYN cookie: the half-open queue is full (RFC 4987 §3.6)',
      clamped ?? mss,
    );
  }

  private completeCookie(
    now: Instant,
    listener: TcpListener,
    srcAddr: number,
    dstAddr: number,
    seg: TcpRepr,
  ): boolean {
    if (!this.config.synCookies) return false;
    const clientIsn = seqAdd(seg.seqNumber, -1);
    const cookie = seqAdd(seg.ackNumber!, -1);
    const mss = this.cookies.decode(now, dstAddr, seg.dstPort, srcAddr, seg.srcPort, clientIsn, cookie);
    if (mss === undefined) return false;
    if (listener.acceptQueueFull) {
      this.deps.stats.drop('tcp.listen-overflow');
      return true;
    }
    this.deps.stats.add('tcp.syn-cookies-accepted');
    const tcb = this.create(now, [dstAddr, seg.dstPort], [srcAddr, seg.srcPort], listener.options);
    tcb.iss = cookie;
    tcb.openFromCookie(now, seg, mss, listener);
    if (seg.payload.length > 0 || seg.control === 'fin') tcb.onSegment(now, seg);
    return true;
  }

  /** RFC 9293 §3.10.7.1: a segment for no connection gets a RST unless it is one. */
  private closedIngress(srcAddr: number, dstAddr: number, seg: TcpRepr, why: string): void {
    if (seg.control === 'rst') {
      this.deps.stats.drop('tcp.closed-rst');
      return;
    }
    this.deps.stats.add('tcp.closed-port');
    // "If the ACK bit is off, sequence number zero is used, <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>;
    // if the ACK bit is on, <SEQ=SEG.ACK><CTL=RST>".
    if (seg.ackNumber !== undefined)
      this.queueReply(dstAddr, srcAddr, seg.dstPort, seg.srcPort, 'rst', seg.ackNumber, undefined, why);
    else
      this.queueReply(
        dstAddr,
        srcAddr,
        seg.dstPort,
        seg.srcPort,
        'rst',
        0,
        seqAdd(seg.seqNumber, segmentLength(seg)),
        why,
      );
  }

  private queueReply(
    srcAddr: number,
    dstAddr: number,
    srcPort: number,
    dstPort: number,
    control: 'rst' | 'syn',
    seq: number,
    ack: number | undefined,
    why: string,
    mss?: number,
  ): void {
    if (this.replies.length >= MAX_QUEUED_REPLIES) {
      this.deps.stats.drop('tcp.reply-queue-full');
      return;
    }
    const window = control === 'syn' ? Math.min(this.config.recvBuffer, 0xffff) : 0;
    this.replies.push({ srcAddr, dstAddr, srcPort, dstPort, control, seq, ack, window, mss, why });
  }

  private emitReply(
    now: Instant,
    reply: Reply,
    emit: (srcAddr: number, dstAddr: number, segment: TcpRepr) => void,
  ): void {
    const out = this.replySegment;
    out.srcPort = reply.srcPort;
    out.dstPort = reply.dstPort;
    out.control = reply.control;
    out.seqNumber = reply.seq;
    out.ackNumber = reply.ack;
    out.windowLen = reply.window;
    out.maxSegSize = reply.mss;
    emit(reply.srcAddr, reply.dstAddr, out);
    this.deps.stats.add('tcp.segments-out');
    if (reply.control === 'rst') this.deps.stats.add('tcp.resets-sent');
    this.deps.trace?.({
      at: now,
      conn: 0,
      kind: 'segment',
      flags: flagsString(tcpFlags(out)),
      seq: out.seqNumber,
      ack: out.ackNumber,
      len: 0,
      why: reply.why,
    });
  }
}
