// Raw IP sockets (Linux raw(7)): each endpoint of protocol P receives a copy of every IPv4 packet of
// protocol P that reaches the stack, header included; sending either builds the IPv4 header or, with
// IP_HDRINCL, takes the caller's header and completes it as Linux does (see hdrincl.ts).
// The stack still processes the packet itself (an ICMP echo is answered even while a raw ICMP socket
// reads it), exactly as Linux's raw_v4_input runs before the protocol handler.

import { type ErrnoName, type ErrnoResult, fail } from '../base/errno.ts';
import { MarkQueue, type Queueable } from '../base/mark-queue.ts';
import type { Stats } from '../base/stats.ts';

/** IPPROTO_RAW: a send-only protocol number that implies IP_HDRINCL (raw(7)). */
export const IPPROTO_RAW = 255;

export interface RawDatagram {
  /** The whole IPv4 packet as received. */
  packet: Uint8Array;
  srcAddr: number;
}

export interface RawSend {
  /** With hdrincl, the whole packet including the caller's header; otherwise the payload. */
  bytes: Uint8Array;
  hdrincl: boolean;
  protocol: number;
  srcAddr: number;
  dstAddr: number;
  ttl: number;
}

let nextRawId = 1;

export class RawEndpoint implements Queueable {
  readonly id = nextRawId++;
  /** The raw layer's changed-endpoint mark (MarkQueue). */
  queueMarks = 0;
  hdrincl: boolean;
  localAddr = 0;
  remoteAddr: number | undefined;
  ttl = 64;
  drops = 0;
  closed = false;
  private readonly queue: RawDatagram[] = [];
  private queuedBytes = 0;
  private pendingError: ErrnoName | undefined;

  constructor(
    readonly protocol: number,
    readonly recvQueueBytes: number,
  ) {
    this.hdrincl = protocol === IPPROTO_RAW;
  }

  get readable(): boolean {
    return this.queue.length > 0 || this.pendingError !== undefined;
  }

  recv(): RawDatagram | ErrnoResult {
    if (this.pendingError) {
      const error = this.pendingError;
      this.pendingError = undefined;
      return fail(error);
    }
    const datagram = this.queue.shift();
    if (!datagram) return fail('EAGAIN');
    this.queuedBytes -= datagram.packet.length;
    return datagram;
  }

  /** @internal */
  enqueue(datagram: RawDatagram): boolean {
    if (this.queuedBytes >= this.recvQueueBytes) {
      this.drops++;
      return false;
    }
    this.queue.push(datagram);
    this.queuedBytes += datagram.packet.length;
    return true;
  }
}

export class RawLayer {
  private readonly endpoints = new Set<RawEndpoint>();
  private readonly outbound: RawSend[] = [];
  private readonly changed = new MarkQueue<RawEndpoint>(1);

  constructor(
    private readonly stats: Stats,
    private readonly recvQueueBytes = 212_992,
  ) {}

  open(protocol: number): RawEndpoint | ErrnoResult {
    if (protocol < 0 || protocol > 255) return fail('EINVAL');
    const endpoint = new RawEndpoint(protocol, this.recvQueueBytes);
    this.endpoints.add(endpoint);
    return endpoint;
  }

  close(endpoint: RawEndpoint): void {
    endpoint.closed = true;
    this.endpoints.delete(endpoint);
  }

  /** Copies the packet to every matching endpoint (bound address and connected peer filter as Linux). */
  ingress(packet: Uint8Array, protocol: number, srcAddr: number, dstAddr: number): void {
    for (const endpoint of this.endpoints) {
      if (endpoint.protocol !== protocol || endpoint.protocol === IPPROTO_RAW) continue;
      if (endpoint.localAddr !== 0 && endpoint.localAddr !== dstAddr) continue;
      if (endpoint.remoteAddr !== undefined && endpoint.remoteAddr !== srcAddr) continue;
      if (endpoint.enqueue({ packet: packet.slice(), srcAddr })) this.changed.add(endpoint);
      else this.stats.drop('raw.recv-queue-full');
    }
  }

  /** Whether some endpoint takes this protocol (then an unknown protocol is not "unreachable"). */
  hasEndpointFor(protocol: number): boolean {
    for (const endpoint of this.endpoints) if (endpoint.protocol === protocol) return true;
    return false;
  }

  send(request: RawSend): void {
    this.outbound.push({ ...request, bytes: request.bytes.slice() });
  }

  poll(emit: (request: RawSend) => void): void {
    const count = this.outbound.length;
    for (let i = 0; i < count; i++) emit(this.outbound[i]!);
    if (count > 0) this.outbound.splice(0, count);
  }

  get hasOutput(): boolean {
    return this.outbound.length > 0;
  }

  /** Appends the endpoints whose readiness changed since the last call to `into`, and returns it. */
  takeChanged<T = never>(into: Array<T | RawEndpoint> = []): Array<T | RawEndpoint> {
    return this.changed.drainInto(into);
  }
}
