// The Python-style socket (../shared/SOCKET-API.md is the contract): Python's method names, arguments and
// errors, with every call that would block in Python returning a Promise. The socket holds no protocol
// logic: each method calls the core's non-blocking endpoint operation, and when that would block, waits
// for a readiness change reported by the driver and retries (readiness.ts).

import { type ErrnoName, type ErrnoResult, isErrno } from '../base/errno.ts';
import type { RawEndpoint } from '../ip/raw-layer.ts';
import type { StackCore } from '../stack.ts';
import type { TcpSocketOptions } from '../tcp/config.ts';
import type { TcpListener } from '../tcp/listener.ts';
import type { Tcb } from '../tcp/tcb.ts';
import type { UdpEndpoint } from '../udp/udp-layer.ts';
import { checkAddress, fromAddr, type SocketAddress } from './address.ts';
import {
  AF_INET,
  IP_HDRINCL,
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_RAW,
  IPPROTO_TCP,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SO_BROADCAST,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_SNDBUF,
  SO_TYPE,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  SOL_SOCKET,
  TCP_KEEPCNT,
  TCP_KEEPIDLE,
  TCP_KEEPINTVL,
  TCP_MAXSEG,
  TCP_NODELAY,
} from './constants.ts';
import { SocketError, socketError } from './errors.ts';
import { NetSocket } from './net.ts';
import { type ReadinessHub, untilReady } from './readiness.ts';

/** What a socket needs from the stack that owns it (implemented by the public Stack in host.ts). */
export interface SocketHost {
  readonly core: StackCore;
  readonly hub: ReadinessHub;
  now(): number;
  requestStep(): void;
  allocateFileno(): number;
  /** TCP ports bound by sockets that neither listen nor connect yet (bind reserves the port as Linux does). */
  reserveTcpPort(owner: Socket, addr: number, port: number, reuseAddr: boolean): number | ErrnoResult;
  /** An error when this stack may not use `port` (a raw-socket stack owns only a range). */
  checkPortAllowed(port: number): SocketError | undefined;
  releaseTcpPort(owner: Socket): void;
}

type Endpoint = Tcb | TcpListener | UdpEndpoint | RawEndpoint;

const SECONDS = 1_000_000;

export class Socket {
  readonly family = AF_INET;
  private timeoutSeconds: number | null = null;
  private readonly fd: number;
  private closed = false;
  private reuseAddr = false;
  private bound: [number, number] | undefined;
  private tcb: Tcb | undefined;
  private listener: TcpListener | undefined;
  private udp: UdpEndpoint | undefined;
  private raw: RawEndpoint | undefined;
  private readonly tcpOptions: Partial<TcpSocketOptions> = {};
  private broadcast = false;
  private ttl = 64;

  /** @internal Use stack.socket(). */
  constructor(
    private readonly host: SocketHost,
    readonly type: number,
    readonly proto: number,
    accepted?: Tcb,
  ) {
    this.fd = host.allocateFileno();
    this.tcb = accepted;
    if (type === SOCK_RAW) {
      const raw = host.core.raw.open(proto);
      if (isErrno(raw)) throw socketError(raw.errno, 'socket');
      this.raw = raw;
    }
  }

  // ---- naming -------------------------------------------------------------------------------------

  bind(address: SocketAddress): void {
    const [addr, port] = checkAddress(address, 'bind');
    this.checkOpen('bind');
    if (addr !== 0 && addr !== 0xffffffff && !this.host.core.isLocal(addr))
      throw socketError('EADDRNOTAVAIL', 'bind');
    if (this.type === SOCK_STREAM) {
      if (this.bound || this.tcb || this.listener) throw socketError('EINVAL', 'bind');
      const chosen = this.host.reserveTcpPort(this, addr, port, this.reuseAddr);
      if (isErrno(chosen)) throw socketError(chosen.errno, 'bind');
      this.bound = [addr, chosen];
    } else if (this.type === SOCK_DGRAM) {
      if (this.udp) throw socketError('EINVAL', 'bind');
      this.udp = this.openUdp(addr, port, 'bind');
    } else {
      this.raw!.localAddr = addr;
    }
  }

  getsockname(): SocketAddress {
    this.checkOpen('getsockname');
    const ep = this.tcb ?? this.listener ?? this.udp;
    if (ep) return fromAddr(ep.localAddr, ep.localPort);
    if (this.bound) return fromAddr(this.bound[0], this.bound[1]);
    return fromAddr(this.raw?.localAddr ?? 0, 0);
  }

  getpeername(): SocketAddress {
    this.checkOpen('getpeername');
    if (this.tcb && this.tcb.state !== 'SYN_SENT' && this.tcb.state !== 'CLOSED') {
      return fromAddr(this.tcb.remoteAddr, this.tcb.remotePort);
    }
    if (this.udp?.remoteAddr !== undefined) return fromAddr(this.udp.remoteAddr, this.udp.remotePort!);
    if (this.raw?.remoteAddr !== undefined) return fromAddr(this.raw.remoteAddr, 0);
    throw socketError('ENOTCONN', 'getpeername');
  }

  // ---- connection setup ---------------------------------------------------------------------------

  listen(backlog = 128): void {
    this.checkOpen('listen');
    if (this.type !== SOCK_STREAM) throw socketError('EOPNOTSUPP', 'listen');
    if (this.tcb) throw socketError('EINVAL', 'listen');
    if (this.listener) return;
    if (!this.bound) this.bind(['', 0]);
    const [addr, port] = this.bound!;
    this.host.releaseTcpPort(this);
    const listener = this.host.core.tcp.listen(
      addr,
      port,
      Math.max(0, Math.min(backlog, 4096)),
      this.tcpOptions,
    );
    if (isErrno(listener)) throw socketError(listener.errno, 'listen');
    this.listener = listener;
  }

  async accept(): Promise<[Socket, SocketAddress]> {
    this.checkOpen('accept');
    if (this.type !== SOCK_STREAM) throw socketError('EOPNOTSUPP', 'accept');
    const listener = this.listener;
    if (!listener) throw socketError('EINVAL', 'accept');
    const tcb = await this.wait('accept', [listener], () => orBlock(listener.accept(), 'accept'));
    const conn = new Socket(this.host, SOCK_STREAM, this.proto, tcb);
    conn.timeoutSeconds = this.timeoutSeconds;
    this.host.requestStep();
    return [conn, fromAddr(tcb.remoteAddr, tcb.remotePort)];
  }

  async connect(address: SocketAddress): Promise<void> {
    const [addr, port] = checkAddress(address, 'connect');
    this.checkOpen('connect');
    if (this.type === SOCK_DGRAM) {
      this.udp ??= this.openUdp(0, 0, 'connect');
      this.udp.remoteAddr = addr;
      this.udp.remotePort = port;
      return;
    }
    if (this.type === SOCK_RAW) {
      this.raw!.remoteAddr = addr;
      return;
    }
    if (this.listener) throw socketError('EINVAL', 'connect');
    if (this.tcb) {
      if (this.tcb.state === 'SYN_SENT') {
        if (this.timeoutSeconds === 0) throw socketError('EALREADY', 'connect');
      } else {
        const error = this.tcb.takeError();
        if (error) throw socketError(error, 'connect');
        throw socketError('EISCONN', 'connect');
      }
    } else {
      const local = this.bound ?? [0, 0];
      const localAddr = local[0] !== 0 ? local[0] : this.host.core.sourceFor(addr);
      if (localAddr === undefined) throw socketError('ENETUNREACH', 'connect');
      this.host.releaseTcpPort(this);
      const tcb = this.host.core.tcp.connect(
        this.host.now(),
        localAddr,
        local[1],
        addr,
        port,
        this.tcpOptions,
      );
      if (isErrno(tcb)) throw socketError(tcb.errno, 'connect');
      this.tcb = tcb;
      this.host.requestStep();
    }
    const tcb = this.tcb!;
    await this.wait(
      'connect',
      [tcb],
      () => {
        const error = tcb.takeError();
        if (error) throw socketError(error, 'connect');
        if (tcb.state === 'SYN_SENT' || tcb.state === 'SYN_RECEIVED') return undefined;
        if (tcb.state === 'CLOSED') throw socketError('ECONNREFUSED', 'connect');
        return true;
      },
      'EINPROGRESS',
    );
  }

  /** connect() that returns the errno (0 on success) instead of throwing for network errors. */
  async connect_ex(address: SocketAddress): Promise<number> {
    try {
      await this.connect(address);
      return 0;
    } catch (error) {
      if (error instanceof SocketError) return error.errno;
      throw error;
    }
  }

  // ---- data ---------------------------------------------------------------------------------------

  async send(data: Uint8Array, _flags = 0): Promise<number> {
    this.checkOpen('send');
    if (this.type === SOCK_STREAM) {
      const tcb = this.tcb;
      // Linux answers a send on a never-connected stream socket with EPIPE.
      if (!tcb) throw socketError(this.listener ? 'ENOTCONN' : 'EPIPE', 'send');
      return this.streamCall('send', tcb, () => orBlock(tcb.send(data), 'send'));
    }
    if (this.type === SOCK_DGRAM) {
      if (this.udp?.remoteAddr === undefined) throw socketError('EDESTADDRREQ', 'send');
      return this.sendDatagram(data, undefined);
    }
    if (this.raw!.remoteAddr === undefined) throw socketError('EDESTADDRREQ', 'send');
    return this.sendRaw(data, this.raw!.remoteAddr);
  }

  async sendall(data: Uint8Array, flags = 0): Promise<void> {
    let offset = 0;
    while (offset < data.length) offset += await this.send(data.subarray(offset), flags);
  }

  async sendto(data: Uint8Array, address: SocketAddress): Promise<number> {
    const [addr, port] = checkAddress(address, 'sendto');
    this.checkOpen('sendto');
    if (this.type === SOCK_STREAM) {
      // Linux ignores the address on a connected stream socket and refuses on an unconnected one.
      if (!this.tcb) throw socketError('EPIPE', 'sendto');
      return this.send(data);
    }
    if (this.type === SOCK_DGRAM) return this.sendDatagram(data, [addr, port]);
    return this.sendRaw(data, addr);
  }

  async recv(bufsize: number, _flags = 0): Promise<Buffer> {
    if (this.type !== SOCK_STREAM) return (await this.recvfrom(bufsize))[0];
    this.checkRecv(bufsize);
    return this.recvStream(bufsize);
  }

  /**
   * Python's recv_into: up to `nbytes` bytes (0: the buffer's length) into `buffer`, returning the count.
   * A stream socket copies straight from its receive buffer into the caller's, so a reader that reuses one
   * buffer allocates nothing per call (recv() must make a new Buffer each time).
   */
  async recv_into(buffer: Uint8Array, nbytes = 0, _flags = 0): Promise<number> {
    if (!Number.isInteger(nbytes) || nbytes < 0)
      throw new RangeError(`negative buffersize in recv_into: ${nbytes}`);
    if (nbytes > buffer.length) throw new RangeError('buffer too small for requested bytes');
    const target = nbytes === 0 || nbytes === buffer.length ? buffer : buffer.subarray(0, nbytes);
    if (this.type !== SOCK_STREAM) {
      const [datagram] = await this.recvfrom(target.length);
      target.set(datagram);
      return datagram.length;
    }
    this.checkOpen('recv');
    const tcb = this.tcb;
    if (!tcb) throw socketError('ENOTCONN', 'recv');
    if (target.length === 0) return 0;
    return this.streamCall('recv', tcb, () => orBlock(tcb.recv(target), 'recv'));
  }

  async recvfrom(bufsize: number): Promise<[Buffer, SocketAddress | null]> {
    this.checkRecv(bufsize);
    if (this.type === SOCK_STREAM) return [await this.recvStream(bufsize), null];
    if (this.type === SOCK_DGRAM) {
      this.udp ??= this.openUdp(0, 0, 'recv');
      const udp = this.udp;
      const datagram = await this.wait('recv', [udp], () => orBlock(udp.recv(), 'recv'));
      return [Buffer.from(datagram.data.subarray(0, bufsize)), fromAddr(datagram.srcAddr, datagram.srcPort)];
    }
    const raw = this.raw!;
    const datagram = await this.wait('recv', [raw], () => orBlock(raw.recv(), 'recv'));
    return [Buffer.from(datagram.packet.subarray(0, bufsize)), fromAddr(datagram.srcAddr, 0)];
  }

  shutdown(how: number): void {
    this.checkOpen('shutdown');
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) throw socketError('EINVAL', 'shutdown');
    if (this.type !== SOCK_STREAM) {
      if (!this.udp?.connected && !this.raw?.remoteAddr) throw socketError('ENOTCONN', 'shutdown');
      return;
    }
    if (!this.tcb) throw socketError('ENOTCONN', 'shutdown');
    const result = this.tcb.shutdown(how === SHUT_RD ? 'read' : how === SHUT_WR ? 'write' : 'both');
    if (result) throw socketError(result.errno, 'shutdown');
    this.host.requestStep();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.releaseTcpPort(this);
    this.tcb?.close();
    this.listener?.close();
    if (this.udp) this.host.core.udp.unbind(this.udp);
    if (this.raw) this.host.core.raw.close(this.raw);
    this.host.hub.notify(this.endpoints());
    this.host.requestStep();
  }

  // ---- options and modes --------------------------------------------------------------------------

  setsockopt(level: number, option: number, value: number | boolean | [number, number]): void {
    this.checkOpen('setsockopt');
    const n = typeof value === 'boolean' ? Number(value) : typeof value === 'number' ? value : 0;
    const set = (key: keyof TcpSocketOptions, v: number | boolean): void => {
      (this.tcpOptions as Record<string, number | boolean>)[key] = v;
      this.tcb?.setOptions({ [key]: v });
    };
    if (level === SOL_SOCKET) {
      switch (option) {
        case SO_REUSEADDR:
          this.reuseAddr = n !== 0;
          return;
        case SO_KEEPALIVE:
          set('keepAlive', n !== 0);
          return;
        case SO_BROADCAST:
          this.broadcast = n !== 0;
          if (this.udp) this.udp.broadcast = this.broadcast;
          return;
        // Linux doubles the requested size to leave room for bookkeeping (socket(7)), and reports the double.
        case SO_RCVBUF:
          set('recvBuffer', Math.max(2048, n * 2));
          return;
        case SO_SNDBUF:
          set('sendBuffer', Math.max(4608, n * 2));
          return;
        case SO_LINGER: {
          const [onoff, linger] = Array.isArray(value) ? value : [0, 0];
          set('lingerZero', onoff !== 0 && linger === 0);
          return;
        }
      }
    } else if (level === IPPROTO_TCP && this.type === SOCK_STREAM) {
      switch (option) {
        case TCP_NODELAY:
          set('noDelay', n !== 0);
          return;
        case TCP_MAXSEG:
          if (n < 88 || n > 65495) throw socketError('EINVAL', 'setsockopt');
          set('maxSeg', n);
          return;
        case TCP_KEEPIDLE:
        case TCP_KEEPINTVL:
          if (n < 1 || n > 32767) throw socketError('EINVAL', 'setsockopt');
          set(option === TCP_KEEPIDLE ? 'keepIdle' : 'keepIntvl', n * SECONDS);
          return;
        case TCP_KEEPCNT:
          if (n < 1 || n > 127) throw socketError('EINVAL', 'setsockopt');
          set('keepCnt', n);
          return;
      }
    } else if (level === IPPROTO_IP) {
      if (option === IP_TTL) {
        if (n < 1 || n > 255) throw socketError('EINVAL', 'setsockopt');
        this.ttl = n;
        if (this.udp) this.udp.ttl = n;
        if (this.raw) this.raw.ttl = n;
        return;
      }
      if (option === IP_HDRINCL && this.raw) {
        this.raw.hdrincl = n !== 0;
        return;
      }
    }
    throw socketError('ENOPROTOOPT', 'setsockopt');
  }

  getsockopt(level: number, option: number): number {
    this.checkOpen('getsockopt');
    const options = { ...this.tcpOptions, ...this.tcb?.options };
    if (level === SOL_SOCKET) {
      switch (option) {
        case SO_ERROR: {
          const error = this.tcb?.takeError() ?? this.udp?.takeError();
          return error ? socketError(error).errno : 0;
        }
        case SO_TYPE:
          return this.type;
        case SO_REUSEADDR:
          return Number(this.reuseAddr);
        case SO_KEEPALIVE:
          return Number(options.keepAlive ?? false);
        case SO_BROADCAST:
          return Number(this.broadcast);
        case SO_RCVBUF:
          return options.recvBuffer ?? this.host.core.tcp.config.recvBuffer;
        case SO_SNDBUF:
          return options.sendBuffer ?? this.host.core.tcp.config.sendBuffer;
        case SO_LINGER:
          return Number(options.lingerZero ?? false);
      }
    } else if (level === IPPROTO_TCP && this.type === SOCK_STREAM) {
      const config = this.host.core.tcp.config;
      switch (option) {
        case TCP_NODELAY:
          return Number(options.noDelay ?? !config.nagle);
        case TCP_MAXSEG:
          return this.tcb?.info(this.host.now()).mss ?? (options.maxSeg || 536);
        case TCP_KEEPIDLE:
          return (options.keepIdle ?? config.keepIdle) / SECONDS;
        case TCP_KEEPINTVL:
          return (options.keepIntvl ?? config.keepIntvl) / SECONDS;
        case TCP_KEEPCNT:
          return options.keepCnt ?? config.keepCnt;
      }
    } else if (level === IPPROTO_IP) {
      if (option === IP_TTL) return this.ttl;
      if (option === IP_HDRINCL && this.raw) return Number(this.raw.hdrincl);
    }
    throw socketError('ENOPROTOOPT', 'getsockopt');
  }

  settimeout(seconds: number | null): void {
    if (seconds !== null && (!Number.isFinite(seconds) || seconds < 0)) {
      throw new RangeError('Timeout value out of range');
    }
    this.timeoutSeconds = seconds;
  }

  gettimeout(): number | null {
    return this.timeoutSeconds;
  }

  setblocking(flag: boolean): void {
    this.timeoutSeconds = flag ? null : 0;
  }

  getblocking(): boolean {
    return this.timeoutSeconds !== 0;
  }

  /** A Node Duplex stream over the socket (for readline, pipeline, …); half-close on end(). */
  makefile(): NetSocket {
    if (this.type !== SOCK_STREAM) throw socketError('EOPNOTSUPP', 'makefile');
    return new NetSocket({ socket: this, allowHalfOpen: true });
  }

  fileno(): number {
    return this.closed ? -1 : this.fd;
  }

  // ---- readiness (select) -------------------------------------------------------------------------

  /** @internal The core endpoints whose readiness changes wake this socket. */
  endpoints(): Endpoint[] {
    return [this.tcb, this.listener, this.udp, this.raw].filter(
      (e): e is NonNullable<typeof e> => e !== undefined,
    );
  }

  /** @internal A recv/accept would not block. */
  get readableNow(): boolean {
    if (this.closed) return true;
    if (this.listener) return this.listener.readable;
    if (this.tcb) return this.tcb.readable;
    return this.udp?.readable ?? this.raw?.readable ?? false;
  }

  /** @internal A send would not block. */
  get writableNow(): boolean {
    if (this.closed) return true;
    if (this.tcb) return this.tcb.writable || this.tcb.state === 'CLOSED';
    return this.type !== SOCK_STREAM;
  }

  /** @internal The connection the socket wraps, for the Node-style facade and the ss table. */
  get connection(): Tcb | undefined {
    return this.tcb;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private checkRecv(bufsize: number): void {
    if (!Number.isInteger(bufsize) || bufsize < 0)
      throw new RangeError(`negative buffersize in recv: ${bufsize}`);
    this.checkOpen('recv');
  }

  private recvStream(bufsize: number): Buffer | Promise<Buffer> {
    const tcb = this.tcb;
    if (!tcb) throw socketError('ENOTCONN', 'recv');
    if (bufsize === 0) return Buffer.alloc(0);
    return this.streamCall('recv', tcb, () => takeQueued(tcb, bufsize));
  }

  /**
   * A stream call: `attempt` at once, and only if it would block the waiting machinery (readiness.ts),
   * then a step for what it changed. A call that completes at once returns its result itself, building no
   * wait and no promise chain: what a request/response loop allocated per round trip cost it latency.
   */
  private streamCall<T>(syscall: string, tcb: Tcb, attempt: () => T | undefined): T | Promise<T> {
    const result = attempt();
    if (result === undefined) {
      return this.wait(syscall, [tcb], attempt).then((waited) => {
        this.host.requestStep();
        return waited;
      });
    }
    this.host.requestStep();
    const turn = this.host.hub.yieldIfBusy();
    return turn ? turn.then(() => result) : result;
  }

  private wait<T>(
    syscall: string,
    endpoints: Endpoint[],
    attempt: () => T | undefined,
    wouldBlock: 'EAGAIN' | 'EINPROGRESS' = 'EAGAIN',
  ): Promise<T> {
    // A call still waiting when the socket is closed fails with EBADF, as a blocked call does on Linux.
    const live = (): T | undefined => {
      if (this.closed) throw socketError('EBADF', syscall);
      return attempt();
    };
    return untilReady(this.host.hub, () => endpoints, this.timeoutSeconds, syscall, live, wouldBlock);
  }

  private async sendDatagram(data: Uint8Array, dst: [number, number] | undefined): Promise<number> {
    this.udp ??= this.openUdp(0, 0, 'sendto');
    const udp = this.udp;
    const sent =
      udp.remoteAddr !== undefined && !dst
        ? this.host.core.udp.sendto(udp, data)
        : this.host.core.udp.sendto(udp, data, dst);
    if (isErrno(sent)) throw socketError(sent.errno, 'sendto');
    this.host.requestStep();
    return sent;
  }

  private async sendRaw(data: Uint8Array, dstAddr: number): Promise<number> {
    const raw = this.raw!;
    const srcAddr = raw.localAddr !== 0 ? raw.localAddr : this.host.core.sourceFor(dstAddr);
    if (srcAddr === undefined) throw socketError('ENETUNREACH', 'sendto');
    if (raw.hdrincl && data.length < 20) throw socketError('EINVAL', 'sendto');
    const protocol = raw.protocol === IPPROTO_RAW ? IPPROTO_RAW : raw.protocol;
    this.host.core.raw.send({ bytes: data, hdrincl: raw.hdrincl, protocol, srcAddr, dstAddr, ttl: raw.ttl });
    this.host.requestStep();
    return data.length;
  }

  private openUdp(addr: number, port: number, syscall: string): UdpEndpoint {
    const udp = this.host.core.udp.bind(addr, port, this.reuseAddr);
    if (isErrno(udp)) throw socketError(udp.errno, syscall);
    udp.broadcast = this.broadcast;
    udp.ttl = this.ttl;
    return udp;
  }

  private checkOpen(syscall: string): void {
    if (this.closed) throw socketError('EBADF', syscall);
  }
}

/** What recv() offers the connection when nothing is queued: it then reports only EOF, an error or EAGAIN. */
const NOTHING_QUEUED = Buffer.alloc(0);

/**
 * Up to `bufsize` queued bytes, or undefined when none are queued yet. The result is sized by what is
 * queued, not by bufsize: recv(1 << 20) on a trickle would otherwise allocate a megabyte per call (and the
 * garbage collector would pay for it).
 */
function takeQueued(tcb: Tcb, bufsize: number): Buffer | undefined {
  const queued = tcb.recvQueued;
  const buffer = queued > 0 ? Buffer.allocUnsafe(Math.min(bufsize, queued)) : NOTHING_QUEUED;
  const count = orBlock(tcb.recv(buffer), 'recv');
  if (count === undefined) return undefined;
  return count === buffer.length ? buffer : buffer.subarray(0, count);
}

/** Maps a core result for untilReady(): EAGAIN means "would block" (undefined), other errnos throw. */
function orBlock<T>(result: T | ErrnoResult, syscall: string): T | undefined {
  if (!isErrno(result)) return result;
  if (result.errno === 'EAGAIN') return undefined;
  throw socketError(result.errno as ErrnoName, syscall);
}
