// Stack: the public, running stack — the pure StackCore, its driver on real links, and the socket
// factories (Python-style `socket()` and `select()`, Node-style `createServer()` / `connect()`).

import { randomBytes } from 'node:crypto';
import { type ErrnoResult, fail } from './base/errno.ts';
import { randomFreePort } from './base/port-range.ts';
import { type Rng, SeededRng } from './base/rng.ts';
import { Driver } from './driver.ts';
import { formatIpv4Address, parseCidr } from './ip/address.ts';
import { type FaultConfig, type FaultObserver, withFaults } from './link/fault.ts';
import type { Link } from './link/link.ts';
import { createMemoryPair } from './link/memory-pair.ts';
import { AF_INET, AF_INET6, AF_UNIX, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM } from './socket/constants.ts';
import { SocketError, socketError } from './socket/errors.ts';
import { type ConnectOptions, NetServer, NetSocket } from './socket/net.ts';
import { ReadinessHub } from './socket/readiness.ts';
import { select } from './socket/select.ts';
import { Socket, type SocketHost } from './socket/socket.ts';
import { type InterfaceConfig, StackCore, type StackOptions } from './stack.ts';
import type { TcpConfig } from './tcp/config.ts';
import { DEFAULT_EPHEMERAL_RANGE, type PortRange } from './tcp/ephemeral-ports.ts';
import type { TcpEvent } from './tcp/events.ts';
import type { Tcb } from './tcp/tcb.ts';

export interface StackCreateOptions {
  /** Interface addresses in CIDR form, one per link: '198.18.0.2/24'. */
  addresses: string[];
  gateway?: string;
  forwarding?: boolean;
  tcp?: Partial<TcpConfig>;
  /** A seed makes ISNs, ports and faults repeat exactly (tests, demos); omitted = cryptographic randomness. */
  seed?: number;
  trace?: (event: TcpEvent) => void;
  /** Ephemeral ports (default 32768–60999, Linux's ip_local_port_range). */
  ports?: PortRange;
  /** Refuse binds outside `ports`: on a raw-socket link the kernel owns every other port of the address. */
  restrictPorts?: boolean;
}

export interface MemoryPairOptions {
  /** Addresses of the two stacks, default 198.18.0.1/24 and 198.18.0.2/24. */
  addresses?: [string, string];
  mtu?: number;
  seed?: number;
  /** Impairments applied to what each side sends. */
  faults?: Partial<FaultConfig>;
  /** Told of each impairment, with the side whose packet it hit. */
  faultObserver?: (side: 0 | 1, fault: Parameters<FaultObserver>[0], packet: Uint8Array) => void;
  tcp?: Partial<TcpConfig>;
  /** Wraps each side's link (e.g. a pcap recorder or a tracer) before the stack sees it. */
  wrapLink?: (link: Link, side: 0 | 1) => Link;
  trace?: (event: TcpEvent, side: 0 | 1) => void;
}

export interface TunStackOptions {
  /** TUN device name (default 'ustack0'); a pattern such as 'ustack%d' lets the kernel pick. */
  name?: string;
  /** The stack's own address with prefix (default 198.18.0.2/24). */
  addr?: string;
  /** The kernel side of the device, configured by ustack (default 198.18.0.1/24); null leaves it alone. */
  hostAddr?: string | null;
  mtu?: number;
  /** Create the device inside this network namespace (made with `ip netns add`). */
  netns?: string;
  /** TUN checksum and TSO offloads (TunOptions.offload): default on where the kernel offers them. */
  offload?: boolean;
  /** The kernel's queue of packets for ustack to read (txqueuelen; default netns.ts TUN_TX_QUEUE_LENGTH). */
  txQueueLen?: number;
  seed?: number;
  tcp?: Partial<TcpConfig>;
  wrapLink?: (link: Link) => Link;
  trace?: (event: TcpEvent) => void;
}

export interface RawStackOptions {
  /** The host interface ('eth0', a veth) whose address the stack shares. */
  ifname: string;
  /** That interface's IPv4 address (dotted, no prefix). */
  addr: string;
  ports?: PortRange;
  gateway?: string;
  seed?: number;
  tcp?: Partial<TcpConfig>;
  wrapLink?: (link: Link) => Link;
  trace?: (event: TcpEvent) => void;
}

export class Stack implements SocketHost {
  readonly core: StackCore;
  readonly driver: Driver;
  readonly hub = new ReadinessHub();
  private nextFileno = 3;
  private readonly reserved = new Map<Socket, [number, number, boolean]>();
  private readonly portRng: Rng;
  private readonly ports: PortRange;
  private readonly restrictPorts: boolean;

  constructor(links: Link[], options: StackCreateOptions) {
    if (links.length !== options.addresses.length) throw new RangeError('one address per link is needed');
    const interfaces: InterfaceConfig[] = options.addresses.map((text, i) => {
      const cidr = parseCidr(text);
      if (!cidr)
        throw new RangeError(`not an IPv4 address with prefix: '${text}' (expected e.g. 198.18.0.2/24)`);
      return { addr: cidr.addr, prefixLen: cidr.prefixLen, mtu: links[i]!.mtu, caps: links[i]!.caps };
    });
    const rng = options.seed === undefined ? new CryptoRng() : new SeededRng(options.seed);
    const secret = options.seed === undefined ? new Uint8Array(randomBytes(16)) : seededSecret(rng);
    this.ports = options.ports ?? DEFAULT_EPHEMERAL_RANGE;
    this.restrictPorts = options.restrictPorts ?? false;
    const coreOptions: StackOptions = {
      interfaces,
      forwarding: options.forwarding,
      tcp: { ...options.tcp, ephemeralPorts: this.ports },
      udp: { ephemeralMin: this.ports.min, ephemeralMax: this.ports.max },
      rng,
      secret,
      trace: options.trace,
    };
    if (options.gateway !== undefined) {
      const gateway = parseCidr(`${options.gateway}/32`);
      if (!gateway) throw new RangeError(`not an IPv4 address: '${options.gateway}'`);
      coreOptions.gateway = gateway.addr;
    }
    this.core = new StackCore(coreOptions);
    this.portRng = rng;
    this.driver = new Driver(this.core, links);
    this.driver.onReadiness((endpoints, fromEventLoop) => this.hub.notify(endpoints, fromEventLoop));
  }

  /** Two stacks on one in-memory link (the embedded default: no root, no devices). */
  static async memoryPair(options: MemoryPairOptions = {}): Promise<[Stack, Stack]> {
    const [linkA, linkB] = createMemoryPair(options.mtu ?? 1500);
    const [addrA, addrB] = options.addresses ?? ['198.18.0.1/24', '198.18.0.2/24'];
    const seed = options.seed;
    const prepare = (link: Link, side: 0 | 1): Link => {
      const observer = options.faultObserver;
      const rng = new SeededRng((seed ?? Date.now()) + 101 * (side + 1));
      const faulty = options.faults
        ? withFaults(
            link,
            options.faults,
            rng,
            observer && ((fault, packet) => observer(side, fault, packet)),
          )
        : link;
      return options.wrapLink ? options.wrapLink(faulty, side) : faulty;
    };
    const trace = options.trace;
    const a = new Stack([prepare(linkA, 0)], {
      addresses: [addrA],
      seed,
      tcp: options.tcp,
      trace: trace && ((e) => trace(e, 0)),
    });
    const b = new Stack([prepare(linkB, 1)], {
      addresses: [addrB],
      seed: seed === undefined ? undefined : seed + 1,
      tcp: options.tcp,
      trace: trace && ((e) => trace(e, 1)),
    });
    return [a, b];
  }

  /**
   * A stack behind a TUN device: the kernel sees a point-to-point peer at `addr`; ustack configures the
   * kernel side (`hostAddr`, MTU, up) and routes everything else through it.
   */
  static async tun(options: TunStackOptions = {}): Promise<Stack> {
    const { openTun } = await import('./link/tun.ts');
    const { configureKernelSide, setMtu, setTxQueueLength, TUN_TX_QUEUE_LENGTH } = await import(
      './link/netns.ts'
    );
    const addr = options.addr ?? '198.18.0.2/24';
    const hostAddr = options.hostAddr === undefined ? '198.18.0.1/24' : options.hostAddr;
    const link = await openTun({
      name: options.name ?? 'ustack0',
      netns: options.netns,
      mtu: options.mtu,
      offload: options.offload,
    });
    try {
      if (options.mtu !== undefined) await setMtu(options.netns, link.name, options.mtu);
      await setTxQueueLength(options.netns, link.name, options.txQueueLen ?? TUN_TX_QUEUE_LENGTH);
      if (hostAddr !== null) await configureKernelSide(options.netns, link.name, hostAddr);
    } catch (error) {
      await link.close();
      throw error;
    }
    const gateway = hostAddr === null ? undefined : hostAddr.split('/')[0];
    return new Stack([options.wrapLink ? options.wrapLink(link) : link], {
      addresses: [addr],
      gateway,
      seed: options.seed,
      tcp: options.tcp,
      trace: options.trace,
    });
  }

  /**
   * A stack sharing a host interface's address through raw IP sockets (no TUN): it owns the ports in
   * `ports` (default 61000–65535, above Linux's ephemeral range), and an nftables guard keeps the kernel
   * from resetting its connections. Run it inside the namespace of the interface.
   */
  static async raw(options: RawStackOptions): Promise<Stack> {
    const { openRawSocket } = await import('./link/raw-socket.ts');
    const ports = options.ports ?? { min: 61000, max: 65535 };
    const link = await openRawSocket({ ifname: options.ifname, addr: options.addr, ports });
    return new Stack([options.wrapLink ? options.wrapLink(link) : link], {
      addresses: [`${link.addr}/${link.prefixLen}`],
      gateway: options.gateway,
      seed: options.seed,
      tcp: options.tcp,
      trace: options.trace,
      ports,
      restrictPorts: true,
    });
  }

  /** The first interface's address, dotted. */
  get address(): string {
    return formatIpv4Address(this.core.interfaces[0]!.addr);
  }

  socket(family = AF_INET, type = SOCK_STREAM, proto = 0): Socket {
    if (family === AF_INET6 || family === AF_UNIX) throw socketError('EAFNOSUPPORT', 'socket');
    if (family !== AF_INET) throw socketError('EAFNOSUPPORT', 'socket');
    if (type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_RAW)
      throw socketError('ESOCKTNOSUPPORT', 'socket');
    if (type === SOCK_STREAM && proto !== 0 && proto !== 6) throw socketError('EPROTONOSUPPORT', 'socket');
    if (type === SOCK_DGRAM && proto !== 0 && proto !== 17) throw socketError('EPROTONOSUPPORT', 'socket');
    if (type === SOCK_RAW && proto === 0) throw socketError('EPROTONOSUPPORT', 'socket');
    return new Socket(this, type, type === SOCK_RAW ? proto : proto || (type === SOCK_STREAM ? 6 : 17));
  }

  select(
    rlist: Socket[],
    wlist: Socket[],
    xlist: Socket[],
    timeout?: number | null,
  ): Promise<[Socket[], Socket[], Socket[]]> {
    return select(this.hub, rlist, wlist, xlist, timeout);
  }

  /** A net.Server-compatible server (`listen(port, host?, cb?)`, 'connection' events with NetSockets). */
  createServer(
    optionsOrListener?: { allowHalfOpen?: boolean } | ((socket: NetSocket) => void),
    listener?: (socket: NetSocket) => void,
  ): NetServer {
    const options = typeof optionsOrListener === 'object' ? optionsOrListener : {};
    const onConnection = typeof optionsOrListener === 'function' ? optionsOrListener : listener;
    return new NetServer({ newTcpSocket: () => this.socket() }, onConnection, options.allowHalfOpen ?? false);
  }

  /** A net.Socket-compatible client, connecting at once ('connect' event, or 'error' with code/address/port). */
  connect(options: ConnectOptions, connectListener?: () => void): NetSocket {
    const client = new NetSocket({ allowHalfOpen: options.allowHalfOpen });
    if (connectListener) client.once('connect', connectListener);
    void client.connectWith(this.socket(), options);
    return client;
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  /**
   * Waits until every connection whose FIN is queued has had it acknowledged, and with it all the data
   * before it, or has ended otherwise; at most `timeoutMs`. Resolves whether they all finished.
   * RFC 9293 §3.6: "TCP will reliably deliver all buffers sent before the connection was CLOSED". Linux does
   * so after the process has exited too (tcp_close leaves an orphan to send what is queued); ustack's
   * connections live in this process, so a program that closes its stack straight after closing a socket
   * would cut that data off.
   */
  async finishClosing(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const closing = [...this.core.tcp.connections()].filter(awaitsFinAck);
      if (closing.length === 0) return true;
      if (!(await this.hub.next(closing, deadline))) return false;
    }
  }

  // ---- SocketHost ---------------------------------------------------------------------------------

  now(): number {
    return this.driver.clock.now();
  }

  requestStep(): void {
    this.driver.requestStep();
  }

  allocateFileno(): number {
    return this.nextFileno++;
  }

  reserveTcpPort(owner: Socket, addr: number, port: number, reuseAddr: boolean): number | ErrnoResult {
    const overlaps = (a: number): boolean => a === 0 || addr === 0 || a === addr;
    // SO_REUSEADDR lets a port be bound again while old connections linger (TIME_WAIT), never while
    // another socket listens on it or holds it bound.
    const taken = (p: number): boolean => {
      for (const listener of this.core.tcp.listeners())
        if (listener.localPort === p && overlaps(listener.localAddr)) return true;
      for (const [a, reservedPort] of this.reserved.values())
        if (reservedPort === p && overlaps(a)) return true;
      return !reuseAddr && this.core.tcp.portInUse(addr, p);
    };
    if (port !== 0) {
      if (taken(port)) return fail('EADDRINUSE');
      this.reserved.set(owner, [addr, port, reuseAddr]);
      return port;
    }
    const candidate = randomFreePort(this.portRng, this.ports, taken);
    if (candidate === undefined) return fail('EADDRINUSE');
    this.reserved.set(owner, [addr, candidate, reuseAddr]);
    return candidate;
  }

  checkPortAllowed(port: number): SocketError | undefined {
    if (!this.restrictPorts || port === 0 || (port >= this.ports.min && port <= this.ports.max))
      return undefined;
    const { min, max } = this.ports;
    return new SocketError(
      'EACCES',
      'bind',
      `port ${port} is outside this stack's ports ${min}-${max} (the kernel owns the others)`,
    );
  }

  releaseTcpPort(owner: Socket): void {
    this.reserved.delete(owner);
  }
}

/** Our FIN is queued but not yet acknowledged: FIN_WAIT_2, TIME_WAIT and CLOSED follow its ACK or an end. */
function awaitsFinAck(tcb: Tcb): boolean {
  return tcb.finQueued && tcb.state !== 'FIN_WAIT_2' && tcb.state !== 'TIME_WAIT' && tcb.state !== 'CLOSED';
}

/** Randomness for a real stack, drawn from the OS's cryptographic source in blocks. */
class CryptoRng implements Rng {
  private pool = new Uint32Array(0);
  private index = 0;

  nextU32(): number {
    if (this.index >= this.pool.length) {
      this.pool = new Uint32Array(randomBytes(1024).buffer);
      this.index = 0;
    }
    return this.pool[this.index++]!;
  }
}

function seededSecret(rng: Rng): Uint8Array {
  const secret = new Uint8Array(16);
  for (let i = 0; i < 16; i++) secret[i] = rng.nextU32() & 0xff;
  return secret;
}
