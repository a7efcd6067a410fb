// StackCore: the pure core that owns the IP, ICMP, TCP, UDP and raw layers of one host.
//
//   ingress(now, iface, packet) → parseIpv4 → [raw copies] → reassembly → TCP / UDP / ICMP demux
//   poll(now, emit)             → queued replies, TCP segments, UDP and raw datagrams → emit(iface, packet)
//   pollAt()                    → when poll has work next (the driver arms one timer for it)
//
// No I/O, no timers, no user code: the driver (src/driver.ts) feeds packets and time in and moves packets
// out; readiness changes collected during a step are handed to the socket facade after it (takeChanged).

import { emptyArray } from './base/empty-array.ts';
import { PacketSlab } from './base/packet-slab.ts';
import type { Rng } from './base/rng.ts';
import { Stats } from './base/stats.ts';
import type { Instant } from './base/time.ts';
import { inPrefix, prefixMask } from './ip/address.ts';
import { fragmentDatagram } from './ip/fragment.ts';
import { completeHdrinclHeader } from './ip/hdrincl.ts';
import {
  DestUnreachable,
  emitIcmp,
  ICMP_PROTOCOL,
  type IcmpRepr,
  icmpBufferLen,
  parseIcmp,
  parseQuotedDatagram,
  quoteForIcmpError,
} from './ip/icmp.ts';
import { IcmpRateLimiter, unreachableErrno } from './ip/icmp-errors.ts';
import { blankIpv4Repr, emitIpv4Header, type Ipv4Repr, parseIpv4 } from './ip/ipv4.ts';
import { type RawEndpoint, RawLayer, type RawSend } from './ip/raw-layer.ts';
import { DEFAULT_REASSEMBLY_CONFIG, Reassembler, type ReassemblyConfig } from './ip/reassembly.ts';
import { RouteTable } from './ip/route.ts';
import type { LinkCaps } from './link/link.ts';
import type { TcpConfig } from './tcp/config.ts';
import type { TcpEvent } from './tcp/events.ts';
import type { TcpListener } from './tcp/listener.ts';
import { blankTcpRepr, emitTcp, parseTcp, TCP_PROTOCOL, type TcpRepr, tcpBufferLen } from './tcp/segment.ts';
import type { Tcb } from './tcp/tcb.ts';
import { TcpLayer } from './tcp/tcp-layer.ts';
import { emitUdp, parseUdp, UDP_HEADER_LEN, UDP_PROTOCOL, type UdpRepr } from './udp/datagram.ts';
import { type UdpConfig, type UdpEndpoint, UdpLayer } from './udp/udp-layer.ts';

export interface InterfaceConfig {
  addr: number;
  prefixLen: number;
  mtu: number;
  caps?: LinkCaps;
  name?: string;
}

export interface StackOptions {
  interfaces: InterfaceConfig[];
  /** A default route through the first interface (optional: point-to-point links need none). */
  gateway?: number;
  /** Route packets not addressed to us between interfaces (RFC 1812), decrementing TTL. */
  forwarding?: boolean;
  defaultTtl?: number;
  tcp?: Partial<TcpConfig>;
  udp?: Partial<UdpConfig>;
  reassembly?: Partial<ReassemblyConfig>;
  rng: Rng;
  /** 16 secret bytes for ISNs (RFC 6528), ephemeral ports (RFC 6056) and SYN cookies. */
  secret: Uint8Array;
  trace?: (event: TcpEvent) => void;
  icmpErrorsPerSecond?: number;
}

export type Endpoint = Tcb | TcpListener | UdpEndpoint | RawEndpoint;
export type PacketEmitter = (ifaceIndex: number, packet: Uint8Array) => void;

const IPV4_HEADER = 20;

export class StackCore {
  readonly stats = new Stats();
  readonly routes = new RouteTable();
  readonly interfaces: InterfaceConfig[];
  readonly tcp: TcpLayer;
  readonly udp: UdpLayer;
  readonly raw: RawLayer;
  readonly forwarding: boolean;
  readonly defaultTtl: number;
  private readonly reassembler: Reassembler;
  private readonly slab = new PacketSlab();
  private readonly outboundRepr = blankIpv4Repr();
  private readonly changed: Endpoint[] = [];
  /** The emitter of the poll in progress (a field, so that no closure is made per poll). */
  private pollEmit: PacketEmitter = () => undefined;
  /**
   * The header of every TCP segment but its addresses. Linux sets DF on TCP (path MTU discovery, RFC 1191);
   * our segments are sized to the route MTU, or are super-segments a TSO link cuts to it (routeMaxSegment).
   */
  private readonly tcpHeader: OutboundHeader;
  /** Every link copies what it is sent: the slab can be reused after each poll instead of reallocated. */
  private readonly recycleSlab: boolean;
  /** Packets produced while handling input (ICMP replies and errors, forwarded packets), sent on poll. */
  private readonly pending: Array<[number, Uint8Array]> = [];
  /** Path MTUs learned from ICMP "fragmentation needed" (RFC 1191), by destination. */
  private readonly pathMtu = new Map<number, number>();
  private readonly icmpLimiter: IcmpRateLimiter;
  private identification: number;
  private readonly ipRepr = blankIpv4Repr();
  private readonly tcpRepr = blankTcpRepr();
  private readonly udpRepr: UdpRepr = { srcPort: 0, dstPort: 0, payload: new Uint8Array(0) };

  constructor(options: StackOptions) {
    if (options.interfaces.length === 0) throw new RangeError('a stack needs at least one interface');
    this.interfaces = options.interfaces;
    this.forwarding = options.forwarding ?? false;
    this.recycleSlab = options.interfaces.every((iface) => iface.caps?.sendCopies === true);
    this.defaultTtl = options.defaultTtl ?? 64;
    this.tcpHeader = {
      srcAddr: 0,
      dstAddr: 0,
      protocol: TCP_PROTOCOL,
      ttl: this.defaultTtl,
      dontFragment: true,
    };
    this.identification = options.rng.nextU32() & 0xffff;
    this.icmpLimiter = new IcmpRateLimiter(options.icmpErrorsPerSecond ?? 1000, 100);
    this.reassembler = new Reassembler({ ...DEFAULT_REASSEMBLY_CONFIG, ...options.reassembly }, (reason) =>
      this.stats.drop(reason),
    );
    options.interfaces.forEach((iface, ifaceIndex) => {
      const net = (iface.addr & prefixMask(iface.prefixLen)) >>> 0;
      this.routes.add({ net, prefixLen: iface.prefixLen, ifaceIndex, source: iface.addr });
    });
    if (options.gateway !== undefined) {
      this.routes.add({
        net: 0,
        prefixLen: 0,
        gateway: options.gateway,
        ifaceIndex: 0,
        source: options.interfaces[0]!.addr,
      });
    }
    const addressing = {
      sourceFor: (dst: number) => this.sourceFor(dst),
      isLocal: (addr: number) => this.isLocal(addr),
      isBroadcast: (addr: number) => this.isBroadcast(addr),
    };
    this.tcp = new TcpLayer(options.tcp ?? {}, {
      rng: options.rng,
      secret: options.secret,
      stats: this.stats,
      trace: options.trace,
      routeMtu: (remote) => this.routeMtu(remote),
      routeMaxSegment: (remote) => this.routeMaxSegment(remote),
    });
    this.udp = new UdpLayer(options.udp ?? {}, { rng: options.rng, stats: this.stats, ...addressing });
    this.raw = new RawLayer(this.stats);
  }

  isLocal(addr: number): boolean {
    for (const iface of this.interfaces) if (iface.addr === addr) return true;
    return false;
  }

  /** The limited broadcast address and each interface's directed broadcast (RFC 919, RFC 922). */
  isBroadcast(addr: number): boolean {
    if (addr === 0xffffffff) return true;
    for (const iface of this.interfaces) {
      const host = ~prefixMask(iface.prefixLen) >>> 0;
      if (host !== 0 && inPrefix(addr, iface.addr, iface.prefixLen) && (addr & host) >>> 0 === host)
        return true;
    }
    return false;
  }

  /** The address a packet to `dst` leaves from (the route's interface address), or undefined: no route. */
  sourceFor(dst: number): number | undefined {
    const route = this.routes.lookup(dst);
    if (!route) return undefined;
    return route.source ?? this.interfaces[route.ifaceIndex]!.addr;
  }

  /** The MTU towards `dst`: the outgoing interface's, lowered by what ICMP told us (RFC 1191). */
  routeMtu(dst: number): number {
    const route = this.routes.lookup(dst);
    const mtu = route ? this.interfaces[route.ifaceIndex]!.mtu : this.interfaces[0]!.mtu;
    return Math.min(mtu, this.pathMtu.get(dst) ?? mtu);
  }

  /**
   * The largest TCP packet towards `dst` the outgoing link takes. Above the route MTU only for a link that
   * segments (TSO: LinkCaps.maxSegment), which cuts a super-segment at its own MTU — so not once ICMP has
   * lowered the path MTU below it, where those cuts would make packets too big for the path.
   */
  routeMaxSegment(dst: number): number {
    const route = this.routes.lookup(dst);
    const iface = this.interfaces[route ? route.ifaceIndex : 0]!;
    const mtu = this.routeMtu(dst);
    const maxSegment = iface.caps?.maxSegment ?? mtu;
    return mtu === iface.mtu && maxSegment > mtu ? maxSegment : mtu;
  }

  // ---- input ----------------------------------------------------------------------------------------

  ingress(now: Instant, ifaceIndex: number, packet: Uint8Array): void {
    // A TUN device also carries the kernel's IPv6 chatter (router solicitations): unsupported, not malformed.
    if (packet.length > 0 && packet[0]! >> 4 === 6) {
      this.stats.drop('ipv6.unsupported');
      return;
    }
    const ip = this.ipRepr;
    const error = parseIpv4(packet, 0, packet.length, ip);
    if (error) {
      this.stats.drop(error);
      return;
    }
    this.stats.add('ip.packets-in');
    const headerLen = IPV4_HEADER + ip.options.length;
    const local = this.isLocal(ip.dstAddr) || this.isBroadcast(ip.dstAddr);
    if (!local) {
      this.forward(now, packet, ip, ifaceIndex);
      return;
    }
    let payload = packet.subarray(headerLen, headerLen + ip.payloadLength);
    let whole = packet.subarray(0, headerLen + ip.payloadLength);
    // A verifying link vouches for whole packets; a fragment's checksum covers the datagram, which only
    // reassembly makes, so a reassembled datagram is checked here whatever the link said.
    let verified = this.interfaces[ifaceIndex]?.caps?.rxChecksumVerified ?? false;
    if (ip.moreFragments || ip.fragmentOffset > 0) {
      verified = false;
      const result = this.reassembler.add(now, ip, payload);
      if (result === undefined) return;
      if ('drop' in result) {
        this.stats.drop(result.drop);
        return;
      }
      this.stats.add('ip.reassembled');
      payload = result.complete;
      whole = this.rebuildReassembled(ip, payload);
    }
    this.raw.ingress(whole, ip.protocol, ip.srcAddr, ip.dstAddr);
    switch (ip.protocol) {
      case TCP_PROTOCOL:
        this.tcpInput(now, ip, payload, verified);
        break;
      case UDP_PROTOCOL:
        this.udpInput(now, ip, payload, whole, verified);
        break;
      case ICMP_PROTOCOL:
        this.icmpInput(now, ip, payload);
        break;
      default:
        if (!this.raw.hasEndpointFor(ip.protocol)) {
          this.stats.drop('ip.unknown-protocol');
          this.sendIcmpError(now, ip, whole, { kind: 'dest-unreachable', code: DestUnreachable.PROTOCOL });
        }
    }
  }

  private tcpInput(now: Instant, ip: Ipv4Repr, payload: Uint8Array, verified: boolean): void {
    const error = parseTcp(payload, 0, payload.length, ip.srcAddr, ip.dstAddr, this.tcpRepr, verified);
    if (error) {
      this.stats.drop(error);
      return;
    }
    // RFC 1122 §4.2.3.10: a SYN to a broadcast or multicast address is not answered.
    if (this.isBroadcast(ip.dstAddr)) {
      this.stats.drop('tcp.broadcast');
      return;
    }
    this.tcp.ingress(now, ip.srcAddr, ip.dstAddr, this.tcpRepr);
  }

  private udpInput(
    now: Instant,
    ip: Ipv4Repr,
    payload: Uint8Array,
    whole: Uint8Array,
    verified: boolean,
  ): void {
    const error = parseUdp(payload, 0, payload.length, ip.srcAddr, ip.dstAddr, this.udpRepr, verified);
    if (error) {
      this.stats.drop(error);
      return;
    }
    if (this.udp.ingress(ip.srcAddr, ip.dstAddr, this.udpRepr)) return;
    this.stats.add('udp.no-port');
    // RFC 1122 §4.1.3.1: port unreachable, but never for broadcasts (§3.2.2).
    if (!this.isBroadcast(ip.dstAddr)) {
      this.sendIcmpError(now, ip, whole, { kind: 'dest-unreachable', code: DestUnreachable.PORT });
    }
  }

  private icmpInput(now: Instant, ip: Ipv4Repr, payload: Uint8Array): void {
    const icmp = parseIcmp(payload, 0, payload.length);
    if (typeof icmp === 'string') {
      this.stats.drop(icmp);
      return;
    }
    this.stats.add('icmp.in');
    switch (icmp.kind) {
      case 'echo-request':
        // Like Linux's icmp_echo_ignore_broadcasts (default on): broadcast pings are a smurf amplifier.
        if (this.isBroadcast(ip.dstAddr)) return;
        this.stats.add('icmp.echo-replies');
        this.queueIcmp(ip.dstAddr, ip.srcAddr, {
          kind: 'echo-reply',
          ident: icmp.ident,
          seqNo: icmp.seqNo,
          data: icmp.data,
        });
        return;
      case 'dest-unreachable':
      case 'time-exceeded': {
        const quoted = parseQuotedDatagram(icmp.quoted);
        if (!quoted) return;
        if (
          icmp.kind === 'dest-unreachable' &&
          icmp.code === DestUnreachable.FRAG_NEEDED &&
          icmp.nextHopMtu >= 68
        ) {
          // RFC 1191 §6: lower the path MTU; TCP picks it up through routeMtu() on its next segment.
          this.pathMtu.set(quoted.dstAddr, Math.min(this.routeMtu(quoted.dstAddr), icmp.nextHopMtu));
        }
        const errno = icmp.kind === 'time-exceeded' ? 'EHOSTUNREACH' : unreachableErrno(icmp.code);
        const local: [number, number] = [quoted.srcAddr, quoted.srcPort];
        const remote: [number, number] = [quoted.dstAddr, quoted.dstPort];
        if (quoted.protocol === TCP_PROTOCOL) this.tcp.icmpError(now, local, remote, errno);
        else if (quoted.protocol === UDP_PROTOCOL) this.udp.icmpError(local, remote, errno);
        return;
      }
      default:
        return;
    }
  }

  /** RFC 1812 §5.2: forward with TTL − 1, or answer with the ICMP error a router sends. */
  private forward(now: Instant, packet: Uint8Array, ip: Ipv4Repr, inIface: number): void {
    if (!this.forwarding) {
      this.stats.drop('ip.not-for-us');
      return;
    }
    const whole = packet.subarray(0, IPV4_HEADER + ip.options.length + ip.payloadLength);
    if (ip.ttl <= 1) {
      this.stats.drop('ip.ttl-exceeded');
      this.sendIcmpError(now, ip, whole, { kind: 'time-exceeded', code: 0 });
      return;
    }
    const route = this.routes.lookup(ip.dstAddr);
    if (!route) {
      this.stats.drop('ip.no-route');
      this.sendIcmpError(now, ip, whole, { kind: 'dest-unreachable', code: DestUnreachable.NET });
      return;
    }
    const mtu = this.interfaces[route.ifaceIndex]!.mtu;
    const forwarded: Ipv4Repr = { ...ip, ttl: ip.ttl - 1 };
    const headerLen = IPV4_HEADER + ip.options.length;
    const payload = whole.subarray(headerLen);
    if (whole.length > mtu) {
      if (ip.dontFragment) {
        this.stats.drop('ip.frag-needed');
        this.sendIcmpError(now, ip, whole, {
          kind: 'dest-unreachable',
          code: DestUnreachable.FRAG_NEEDED,
          nextHopMtu: mtu,
        });
        return;
      }
      for (const fragment of fragmentDatagram(forwarded, payload, mtu, this.slab))
        this.pending.push([route.ifaceIndex, fragment]);
    } else {
      const out = this.slab.allocate(whole.length);
      emitIpv4Header(forwarded, out, 0);
      out.set(payload, headerLen);
      this.pending.push([route.ifaceIndex, out]);
    }
    this.stats.add('ip.forwarded');
    if (route.ifaceIndex === inIface) this.stats.add('ip.forwarded-same-interface');
  }

  // ---- output ---------------------------------------------------------------------------------------

  poll(now: Instant, emit: PacketEmitter): void {
    this.reassembler.expire(now);
    if (this.pending.length > 0) {
      for (const [ifaceIndex, packet] of this.pending) emit(ifaceIndex, packet);
      this.pending.length = 0;
    }
    this.pollEmit = emit;
    this.tcp.poll(now, this.emitPolledTcpSegment);
    this.udp.poll((d) => {
      this.emitDatagram(
        { srcAddr: d.srcAddr, dstAddr: d.dstAddr, protocol: UDP_PROTOCOL, ttl: d.ttl, dontFragment: false },
        UDP_HEADER_LEN + d.payload.length,
        (bytes, offset) =>
          emitUdp(
            { srcPort: d.srcPort, dstPort: d.dstPort, payload: d.payload },
            bytes,
            offset,
            d.srcAddr,
            d.dstAddr,
          ),
        emit,
      );
    });
    this.raw.poll((request) => this.emitRaw(request, emit));
    if (this.recycleSlab) this.slab.reset();
  }

  pollAt(): Instant | undefined {
    if (this.pending.length > 0 || this.udp.hasOutput || this.raw.hasOutput) return 0;
    const tcp = this.tcp.pollAt();
    const reassembly = this.reassembler.pollAt();
    if (tcp === undefined) return reassembly;
    if (reassembly === undefined) return tcp;
    return Math.min(tcp, reassembly);
  }

  /** The endpoints whose readiness changed since the last call, in an array reused by the next call. */
  takeChanged(): readonly Endpoint[] {
    const changed = this.changed;
    emptyArray(changed);
    this.tcp.takeChanged(changed);
    this.udp.takeChanged(changed);
    this.raw.takeChanged(changed);
    return changed;
  }

  /** The memory the stack holds for IP reassembly, for tests of its bound. */
  get reassemblyBytes(): number {
    return this.reassembler.bytesHeld;
  }

  /** Emits a segment of the TCP layer's poll through the poll's emitter (an arrow: no closure per poll). */
  private readonly emitPolledTcpSegment = (srcAddr: number, dstAddr: number, segment: TcpRepr): void => {
    const route = this.routes.lookup(dstAddr);
    if (!route) {
      this.stats.drop('tcp.no-route');
      return;
    }
    const caps = this.interfaces[route.ifaceIndex]!.caps;
    const length = tcpBufferLen(segment);
    const packet = this.slab.allocate(IPV4_HEADER + length);
    emitTcp(segment, packet, IPV4_HEADER, srcAddr, dstAddr, caps?.txChecksumOffload ? 'partial' : 'full');
    const header = this.tcpHeader;
    header.srcAddr = srcAddr;
    header.dstAddr = dstAddr;
    this.writeHeader(packet, header, length);
    this.stats.add('ip.packets-out');
    this.pollEmit(route.ifaceIndex, packet);
    if (this.recycleSlab) this.slab.release(packet);
  };

  private emitDatagram(
    header: OutboundHeader,
    payloadLength: number,
    writePayload: (bytes: Uint8Array, offset: number) => void,
    emit: PacketEmitter,
  ): void {
    const route = this.routes.lookup(header.dstAddr);
    if (!route) {
      this.stats.drop('ip.no-route');
      return;
    }
    const mtu = this.routeMtu(header.dstAddr);
    const packet = this.slab.allocate(IPV4_HEADER + payloadLength);
    writePayload(packet, IPV4_HEADER);
    const repr = this.writeHeader(packet, header, payloadLength);
    if (packet.length <= mtu) {
      this.stats.add('ip.packets-out');
      emit(route.ifaceIndex, packet);
      return;
    }
    if (header.dontFragment) {
      this.stats.drop('ip.frag-needed-local');
      return;
    }
    for (const fragment of fragmentDatagram(repr, packet.subarray(IPV4_HEADER), mtu, this.slab)) {
      this.stats.add('ip.fragments-out');
      emit(route.ifaceIndex, fragment);
    }
  }

  private emitRaw(request: RawSend, emit: PacketEmitter): void {
    if (request.hdrincl) {
      const error = completeHdrinclHeader(request.bytes, {
        sourceAddr: this.sourceFor(request.dstAddr) ?? 0,
        nextIdentification: () => this.nextIdentification(),
      });
      if (error) {
        this.stats.drop(error);
        return;
      }
      const route = this.routes.lookup(request.dstAddr);
      if (!route) {
        this.stats.drop('ip.no-route');
        return;
      }
      this.stats.add('ip.packets-out');
      emit(route.ifaceIndex, request.bytes);
      return;
    }
    this.emitDatagram(
      {
        srcAddr: request.srcAddr,
        dstAddr: request.dstAddr,
        protocol: request.protocol,
        ttl: request.ttl,
        dontFragment: false,
      },
      request.bytes.length,
      (bytes, offset) => bytes.set(request.bytes, offset),
      emit,
    );
  }

  private queueIcmp(srcAddr: number, dstAddr: number, icmp: IcmpRepr): void {
    const route = this.routes.lookup(dstAddr);
    if (!route) return;
    const length = icmpBufferLen(icmp);
    const packet = this.slab.allocate(IPV4_HEADER + length);
    emitIcmp(icmp, packet, IPV4_HEADER);
    this.writeHeader(
      packet,
      { srcAddr, dstAddr, protocol: ICMP_PROTOCOL, ttl: this.defaultTtl, dontFragment: false },
      length,
    );
    this.pending.push([route.ifaceIndex, packet]);
  }

  /**
   * RFC 1122 §3.2.2: never answer an ICMP error, a broadcast, a non-initial fragment, or a packet whose
   * source is not a single host; quote the offending header plus 8 bytes (RFC 792); rate-limited.
   */
  private sendIcmpError(
    now: Instant,
    ip: Ipv4Repr,
    offending: Uint8Array,
    error:
      | { kind: 'dest-unreachable'; code: number; nextHopMtu?: number }
      | { kind: 'time-exceeded'; code: 0 | 1 },
  ): void {
    if (
      ip.fragmentOffset > 0 ||
      ip.srcAddr === 0 ||
      this.isBroadcast(ip.srcAddr) ||
      ip.srcAddr >>> 28 === 0xe
    )
      return;
    if (ip.protocol === ICMP_PROTOCOL && isIcmpError(offending, IPV4_HEADER + ip.options.length)) return;
    if (!this.icmpLimiter.allow(now)) {
      this.stats.add('icmp.rate-limited');
      return;
    }
    const source = this.isLocal(ip.dstAddr) ? ip.dstAddr : this.sourceFor(ip.srcAddr);
    if (source === undefined) return;
    const quoted = quoteForIcmpError(offending);
    const icmp: IcmpRepr =
      error.kind === 'dest-unreachable'
        ? { kind: 'dest-unreachable', code: error.code as never, nextHopMtu: error.nextHopMtu ?? 0, quoted }
        : { kind: 'time-exceeded', code: error.code, quoted };
    this.stats.add('icmp.errors-out');
    this.queueIcmp(source, ip.srcAddr, icmp);
  }

  /** Writes the IPv4 header; the returned repr is reused by the next call (one object, not one per packet). */
  private writeHeader(packet: Uint8Array, header: OutboundHeader, payloadLength: number): Ipv4Repr {
    const repr = this.outboundRepr;
    repr.srcAddr = header.srcAddr;
    repr.dstAddr = header.dstAddr;
    repr.protocol = header.protocol;
    repr.ttl = header.ttl;
    repr.identification = this.nextIdentification();
    repr.dontFragment = header.dontFragment;
    repr.payloadLength = payloadLength;
    emitIpv4Header(repr, packet, 0);
    return repr;
  }

  private nextIdentification(): number {
    this.identification = (this.identification + 1) & 0xffff;
    return this.identification;
  }

  /** A reassembled datagram as one packet (for raw sockets and ICMP quoting): header with fragment fields cleared. */
  private rebuildReassembled(ip: Ipv4Repr, payload: Uint8Array): Uint8Array {
    const repr: Ipv4Repr = { ...ip, moreFragments: false, fragmentOffset: 0, payloadLength: payload.length };
    const headerLen = IPV4_HEADER + ip.options.length;
    const packet = new Uint8Array(headerLen + payload.length);
    emitIpv4Header(repr, packet, 0);
    packet.set(payload, headerLen);
    return packet;
  }
}

interface OutboundHeader {
  srcAddr: number;
  dstAddr: number;
  protocol: number;
  ttl: number;
  dontFragment: boolean;
}

/** ICMP types 3, 4, 5, 11, 12 are errors (RFC 1122 §3.2.2). */
function isIcmpError(packet: Uint8Array, icmpOffset: number): boolean {
  const type = packet[icmpOffset];
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}
