// The UDP layer: a port table of endpoints, bounded receive queues, and the send queue the stack drains.
//
// Call chain: Stack.ingress → parseUdp → UdpLayer.ingress → endpoint queue (or "no port": the stack answers
// ICMP port unreachable, RFC 1122 §4.1.3.1). Sends: the facade calls sendto → the datagram is queued here →
// Stack.poll → UdpLayer.poll → emit, which builds the IP packet.

import { type ErrnoName, type ErrnoResult, fail } from '../base/errno.ts';
import { MarkQueue, type Queueable } from '../base/mark-queue.ts';
import { randomFreePort } from '../base/port-range.ts';
import type { Rng } from '../base/rng.ts';
import type { Stats } from '../base/stats.ts';
import type { UdpRepr } from './datagram.ts';

export interface UdpConfig {
  /** Bytes of payload an endpoint may hold unread; more is dropped and counted (Linux: SO_RCVBUF). */
  recvQueueBytes: number;
  /** Datagrams queued for sending before sendto reports EAGAIN / ENOBUFS. */
  sendQueueDatagrams: number;
  ephemeralMin: number;
  ephemeralMax: number;
}

export const DEFAULT_UDP_CONFIG: UdpConfig = {
  recvQueueBytes: 212_992,
  sendQueueDatagrams: 1024,
  ephemeralMin: 32768,
  ephemeralMax: 60999,
};

export interface UdpLayerDeps {
  rng: Rng;
  stats: Stats;
  /** The source address the route to `dst` uses, or undefined when there is no route. */
  sourceFor(dst: number): number | undefined;
  isLocal(addr: number): boolean;
  isBroadcast(addr: number): boolean;
}

export interface ReceivedDatagram {
  data: Uint8Array;
  srcAddr: number;
  srcPort: number;
}

interface OutboundDatagram {
  srcAddr: number;
  dstAddr: number;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
  ttl: number;
}

let nextEndpointId = 1;

export class UdpEndpoint implements Queueable {
  readonly id = nextEndpointId++;
  /** The UDP layer's changed-endpoint mark (MarkQueue). */
  queueMarks = 0;
  remoteAddr: number | undefined;
  remotePort: number | undefined;
  /** SO_BROADCAST: without it, sending to a broadcast address fails with EACCES, as on Linux. */
  broadcast = false;
  ttl = 64;
  recvQueueBytes: number;
  /** Datagrams dropped because the receive queue was full. */
  drops = 0;
  private readonly queue: ReceivedDatagram[] = [];
  private queuedBytes = 0;
  private pendingError: ErrnoName | undefined;
  closed = false;

  constructor(
    readonly localAddr: number,
    readonly localPort: number,
    recvQueueBytes: number,
  ) {
    this.recvQueueBytes = recvQueueBytes;
  }

  get readable(): boolean {
    return this.queue.length > 0 || this.pendingError !== undefined;
  }

  get recvQueued(): number {
    return this.queuedBytes;
  }

  get connected(): boolean {
    return this.remoteAddr !== undefined;
  }

  /** The next datagram, or EAGAIN; an ICMP error reported for a connected socket comes first (SO_ERROR). */
  recv(): ReceivedDatagram | ErrnoResult {
    const error = this.takeError();
    if (error) return fail(error);
    const datagram = this.queue.shift();
    if (!datagram) return fail('EAGAIN');
    this.queuedBytes -= datagram.data.length;
    return datagram;
  }

  takeError(): ErrnoName | undefined {
    const error = this.pendingError;
    this.pendingError = undefined;
    return error;
  }

  /** @internal Called by the layer. Returns false when the queue is full (the datagram is dropped). */
  enqueue(datagram: ReceivedDatagram): boolean {
    // Like Linux, admit a datagram while the queue is below its limit, so one large datagram always fits.
    if (this.queuedBytes >= this.recvQueueBytes) {
      this.drops++;
      return false;
    }
    this.queue.push(datagram);
    this.queuedBytes += datagram.data.length;
    return true;
  }

  /** @internal */
  setError(errno: ErrnoName): void {
    this.pendingError = errno;
  }
}

export class UdpLayer {
  readonly config: UdpConfig;
  private readonly byPort = new Map<number, UdpEndpoint[]>();
  private readonly outbound: OutboundDatagram[] = [];
  private readonly changed = new MarkQueue<UdpEndpoint>(1);

  constructor(
    config: Partial<UdpConfig>,
    private readonly deps: UdpLayerDeps,
  ) {
    this.config = { ...DEFAULT_UDP_CONFIG, ...config };
  }

  /** Binds an endpoint; port 0 picks a random free ephemeral port (RFC 6056 §3.3.1, Algorithm 1). */
  bind(localAddr: number, localPort: number, reuseAddr = false): UdpEndpoint | ErrnoResult {
    if (localAddr !== 0 && !this.deps.isLocal(localAddr)) return fail('EADDRNOTAVAIL');
    const port = localPort === 0 ? this.pickPort(localAddr) : localPort;
    if (port === undefined) return fail('EADDRINUSE');
    if (localPort !== 0 && this.conflicts(localAddr, port, reuseAddr)) return fail('EADDRINUSE');
    const endpoint = new UdpEndpoint(localAddr, port, this.config.recvQueueBytes);
    const list = this.byPort.get(port);
    if (list) list.push(endpoint);
    else this.byPort.set(port, [endpoint]);
    return endpoint;
  }

  unbind(endpoint: UdpEndpoint): void {
    endpoint.closed = true;
    const list = this.byPort.get(endpoint.localPort);
    if (!list) return;
    const remaining = list.filter((e) => e !== endpoint);
    if (remaining.length > 0) this.byPort.set(endpoint.localPort, remaining);
    else this.byPort.delete(endpoint.localPort);
  }

  portInUse(port: number): boolean {
    return this.byPort.has(port);
  }

  /**
   * Queues one datagram. Without a destination the endpoint's connected peer is used (ENOTCONN if none,
   * RFC 1122 §4.1.3.4 leaves the details to the API: we follow Linux).
   */
  sendto(endpoint: UdpEndpoint, data: Uint8Array, dst?: [number, number]): number | ErrnoResult {
    const dstAddr = dst ? dst[0] : endpoint.remoteAddr;
    const dstPort = dst ? dst[1] : endpoint.remotePort;
    if (dstAddr === undefined || dstPort === undefined) return fail('EDESTADDRREQ');
    if (dstPort === 0) return fail('EINVAL');
    if (data.length > 0xffff - 8 - 20) return fail('EMSGSIZE');
    if (this.deps.isBroadcast(dstAddr) && !endpoint.broadcast) return fail('EACCES');
    const srcAddr = endpoint.localAddr !== 0 ? endpoint.localAddr : this.deps.sourceFor(dstAddr);
    if (srcAddr === undefined) return fail('ENETUNREACH');
    if (this.outbound.length >= this.config.sendQueueDatagrams) return fail('EAGAIN');
    this.outbound.push({
      srcAddr,
      dstAddr,
      srcPort: endpoint.localPort,
      dstPort,
      payload: data.slice(),
      ttl: endpoint.ttl,
    });
    return data.length;
  }

  /** Delivers an inbound datagram; false means no endpoint wants it (the stack answers port unreachable). */
  ingress(srcAddr: number, dstAddr: number, repr: UdpRepr): boolean {
    const endpoint = this.lookup(srcAddr, repr.srcPort, dstAddr, repr.dstPort);
    if (!endpoint) return false;
    if (endpoint.enqueue({ data: repr.payload.slice(), srcAddr, srcPort: repr.srcPort })) {
      this.deps.stats.add('udp.datagrams-in');
      this.changed.add(endpoint);
    } else {
      this.deps.stats.drop('udp.recv-queue-full');
    }
    return true;
  }

  /**
   * An ICMP error quoting a datagram we sent. Linux reports it only on connected sockets (RFC 1122
   * §4.1.3.3 says to pass it up; unconnected sockets cannot tell which send it belongs to).
   */
  icmpError(local: [number, number], remote: [number, number], errno: ErrnoName): void {
    for (const endpoint of this.byPort.get(local[1]) ?? []) {
      if (endpoint.remoteAddr === remote[0] && endpoint.remotePort === remote[1]) {
        endpoint.setError(errno);
        this.changed.add(endpoint);
      }
    }
  }

  poll(emit: (datagram: OutboundDatagram) => void): void {
    const count = this.outbound.length;
    for (let i = 0; i < count; i++) {
      emit(this.outbound[i]!);
      this.deps.stats.add('udp.datagrams-out');
    }
    if (count > 0) this.outbound.splice(0, count);
  }

  get hasOutput(): boolean {
    return this.outbound.length > 0;
  }

  /** Appends the endpoints whose readiness changed since the last call to `into`, and returns it. */
  takeChanged<T = never>(into: Array<T | UdpEndpoint> = []): Array<T | UdpEndpoint> {
    return this.changed.drainInto(into);
  }

  /** The most specific match wins: connected 4-tuple, then bound address, then wildcard. */
  private lookup(
    srcAddr: number,
    srcPort: number,
    dstAddr: number,
    dstPort: number,
  ): UdpEndpoint | undefined {
    const list = this.byPort.get(dstPort);
    if (!list) return undefined;
    let best: UdpEndpoint | undefined;
    let bestScore = -1;
    for (const endpoint of list) {
      if (endpoint.localAddr !== 0 && endpoint.localAddr !== dstAddr) continue;
      if (
        endpoint.remoteAddr !== undefined &&
        (endpoint.remoteAddr !== srcAddr || endpoint.remotePort !== srcPort)
      ) {
        continue;
      }
      const score = (endpoint.remoteAddr !== undefined ? 2 : 0) + (endpoint.localAddr !== 0 ? 1 : 0);
      if (score > bestScore) {
        best = endpoint;
        bestScore = score;
      }
    }
    return best;
  }

  private conflicts(localAddr: number, port: number, reuseAddr: boolean): boolean {
    if (reuseAddr) return false;
    return (this.byPort.get(port) ?? []).some(
      (e) => e.localAddr === 0 || localAddr === 0 || e.localAddr === localAddr,
    );
  }

  private pickPort(localAddr: number): number | undefined {
    const range = { min: this.config.ephemeralMin, max: this.config.ephemeralMax };
    return randomFreePort(this.deps.rng, range, (port) => this.conflicts(localAddr, port, false));
  }
}
