// A Link over raw IP sockets (npm `raw-socket`): ustack on a host interface, sharing the interface's IPv4
// address with the kernel and owning a range of ports on it.
//
// Send: one socket of protocol IPPROTO_RAW, which implies IP_HDRINCL (raw(7)): the stack's packets go out
// whole, routed by the kernel to their destination through `ifname` (SO_BINDTODEVICE). The socket sets
// SO_MARK so the nftables guard (nft-guard.ts) can tell ustack's packets from the kernel's.
// Receive: one raw socket per protocol (TCP, UDP, ICMP), each getting a copy of every inbound datagram of
// its protocol, reassembled and with its IPv4 header (raw(7)). inboundDropReason() keeps the ones that
// are ustack's: to `addr`, to a port in `ports`; the rest belong to the kernel.
// The kernel answers the same datagrams too, with RSTs and port unreachables; the guard drops those.
//
// Namespaces: `raw-socket` opens sockets in the calling process's network namespace and has no setns, so
// the caller runs inside the namespace (`ip netns exec NS node …`); the `netns` option only checks that.

import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readU16, readU32 } from '../base/bytes.ts';
import { formatIpv4Address, parseIpv4Address } from '../ip/address.ts';
import type { PortRange } from '../tcp/ephemeral-ports.ts';
import type { Link, LinkCaps, PacketsHandler } from './link.ts';
import { plainCaps } from './link.ts';
import { NetnsError, runCommand } from './netns.ts';
import { installNftGuard, type NftGuard } from './nft-guard.ts';
import { NETNS_DIR } from './tun.ts';

export interface RawSocketOptions {
  /** The host interface ('eth0'): packets are received from it and sent through it. */
  ifname: string;
  /** The interface's IPv4 address that ustack shares with the kernel (dotted, no prefix). */
  addr: string;
  /** The ports ustack owns on `addr`: outside the kernel's ephemeral range, and the stack's own. */
  ports: PortRange;
  /** A namespace made with `ip netns add` that this process must already be in (see the header). */
  netns?: string;
  /** The most packets waiting for the send socket to turn writable. Default 4096. */
  queueLimit?: number;
}

export interface RawSocketLink extends Link {
  readonly ifname: string;
  readonly addr: string;
  /** The prefix length of `addr` on the interface: the stack's address is `${addr}/${prefixLen}`. */
  readonly prefixLen: number;
  readonly ports: PortRange;
  /** The nftables table silencing the kernel for `ports`; removed by close(). */
  readonly guard: NftGuard;
  /** netstat-style counts: 'raw.rx.packets', 'raw.tx.packets', and 'drop.raw.*' by reason. */
  counters(): Record<string, number>;
}

/** Why opening failed, with an errno name ('EPERM', 'ENODEV', 'EADDRNOTAVAIL', …) as `code`. */
export class RawLinkError extends Error {
  override readonly name = 'RawLinkError';
  constructor(
    message: string,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The part of the `raw-socket` package this link uses. */
interface RawSocket {
  on(event: 'message', listener: (packet: Buffer) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  send(
    buffer: Uint8Array,
    offset: number,
    length: number,
    address: string,
    afterSend: (error: Error | null) => void,
  ): this;
  setOption(level: number, option: number, value: number | Buffer, length?: number): void;
  pauseRecv(): this;
  resumeRecv(): this;
  close(): this;
}

interface RawSocketModule {
  createSocket(options: { protocol: number; bufferSize: number }): RawSocket;
}

const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_RAW = 255;
// Linux values (asm-generic/socket.h); `raw-socket` exports SOL_SOCKET and SO_BINDTODEVICE only.
const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const SO_RCVBUFFORCE = 33;
const SO_MARK = 36;

/** The mark on ustack's packets ('us' in ASCII), which the nftables guard lets through. */
export const RAW_LINK_MARK = 0x7573;
/** The largest IPv4 datagram (total length is 16 bits): a reassembled datagram can be that large. */
const RECEIVE_BUFFER_SIZE = 65535;
/** Room for bursts while the event loop is busy: each socket's kernel receive queue, forced past rmem_max. */
const SOCKET_RECEIVE_QUEUE = 4 << 20;
const DEFAULT_QUEUE_LIMIT = 4096;
const IPV4_MIN_HEADER = 20;
const MAX_IFNAME_LEN = 15;

const require = createRequire(import.meta.url);

function loadRawSocket(): RawSocketModule {
  try {
    return require('raw-socket') as RawSocketModule;
  } catch (error) {
    throw new RawLinkError(
      `the raw-socket package is not installed or its addon is not built (${(error as Error).message}): ` +
        'run `npm install`, which builds it with node-gyp',
      'ENOENT',
      { cause: error },
    );
  }
}

/** Why a raw-socket link cannot be opened by this installation, or undefined when the package loads. */
export function rawSocketUnavailableReason(): string | undefined {
  try {
    loadRawSocket();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function ownsPort(packet: Uint8Array, offset: number, ports: PortRange): boolean {
  // Too short to hold the port: not the kernel's to claim; the stack counts it as malformed.
  if (offset + 2 > packet.length) return true;
  const port = readU16(packet, offset);
  return port >= ports.min && port <= ports.max;
}

// ICMP types that are requests a host answers itself (RFC 1122 §3.2.2.6 echo, §3.2.2.8 timestamp; RFC 950
// address mask): the kernel already answers them for the shared address, so ustack must not answer too.
const ICMP_KERNEL_REQUESTS = new Set([8, 13, 15, 17]);
// ICMP errors (RFC 792: unreachable, source quench, redirect, time exceeded, parameter problem) quote the
// header and first 8 bytes of the datagram that caused them; only those about ustack's datagrams are its.
const ICMP_ERRORS = new Set([3, 4, 5, 11, 12]);
const ICMP_HEADER = 8;

function icmpDropReason(packet: Uint8Array, ihl: number, ports: PortRange): string | undefined {
  const type = packet[ihl];
  if (type === undefined) return undefined;
  if (ICMP_KERNEL_REQUESTS.has(type)) return 'rx-kernel-icmp-request';
  if (!ICMP_ERRORS.has(type)) return undefined;
  const quoted = ihl + ICMP_HEADER;
  if (quoted + IPV4_MIN_HEADER > packet.length) return undefined;
  const protocol = packet[quoted + 9];
  if (protocol !== IPPROTO_TCP && protocol !== IPPROTO_UDP) return undefined;
  // ustack sent the quoted datagram, so its own port is the quoted source port.
  const quotedIhl = (packet[quoted]! & 0x0f) * 4;
  return ownsPort(packet, quoted + quotedIhl, ports) ? undefined : 'rx-kernel-port';
}

/**
 * Why an inbound datagram from a raw socket is not ustack's (a 'drop.raw.' counter suffix), or undefined
 * when it is: addressed to `addr` (host order) and, for TCP and UDP, to a port in `ports`. Everything
 * else belongs to the kernel, and ustack answering it (a RST for an unknown connection) would break the
 * kernel's own connections.
 */
export function inboundDropReason(packet: Uint8Array, addr: number, ports: PortRange): string | undefined {
  if (packet.length < IPV4_MIN_HEADER || packet[0]! >> 4 !== 4) return 'rx-malformed';
  if (readU32(packet, 16) !== addr) return 'rx-other-destination';
  const ihl = (packet[0]! & 0x0f) * 4;
  const protocol = packet[9];
  if (protocol === IPPROTO_TCP || protocol === IPPROTO_UDP) {
    // The destination port is bytes 2–3 of both headers (RFC 9293 §3.1, RFC 768).
    return ownsPort(packet, ihl + 2, ports) ? undefined : 'rx-kernel-port';
  }
  if (protocol === IPPROTO_ICMP) return icmpDropReason(packet, ihl, ports);
  return 'rx-other-protocol';
}

class RawSocketDevice implements RawSocketLink {
  readonly caps: LinkCaps;
  private readonly addrNumber: number;
  private readonly counts: Record<string, number> = { 'raw.rx.packets': 0, 'raw.tx.packets': 0 };
  private readonly batch: Uint8Array[] = [];
  private handler: PacketsHandler | undefined;
  private pending = 0;
  private closed = false;
  private lastDestination = -1;
  private lastDestinationText = '';
  private readonly afterSend = (error: Error | null): void => {
    this.pending--;
    if (error) this.count(`drop.raw.tx-${slug(error.message)}`);
    else this.counts['raw.tx.packets']!++;
  };

  constructor(
    readonly ifname: string,
    readonly addr: string,
    readonly prefixLen: number,
    readonly mtu: number,
    readonly ports: PortRange,
    readonly guard: NftGuard,
    private readonly sender: RawSocket,
    private readonly receivers: readonly RawSocket[],
    private readonly queueLimit: number,
  ) {
    this.caps = plainCaps(mtu);
    this.addrNumber = parseIpv4Address(addr)!;
    for (const socket of [sender, ...receivers]) {
      socket.on('error', (error) => this.count(`drop.raw.socket-${slug(error.message)}`));
    }
    for (const receiver of receivers) receiver.on('message', (packet) => this.deliver(packet));
  }

  // Queued in `raw-socket` until the socket is writable, then sent one per event-loop turn; the callback
  // reports the send's outcome. The packet is the link's now (Link contract), so no copy is needed.
  send(packet: Uint8Array): void {
    const refused = this.closed
      ? 'tx-closed'
      : packet.length < IPV4_MIN_HEADER
        ? 'tx-malformed'
        : this.pending >= this.queueLimit
          ? 'tx-queue-full'
          : undefined;
    if (refused !== undefined) {
      this.count(`drop.raw.${refused}`);
      return;
    }
    const dst = readU32(packet, 16);
    if (dst !== this.lastDestination) {
      this.lastDestination = dst;
      this.lastDestinationText = formatIpv4Address(dst);
    }
    this.pending++;
    this.sender.send(packet, 0, packet.length, this.lastDestinationText, this.afterSend);
  }

  // `raw-socket` sends from its own queue as the socket turns writable; there is nothing to push.
  flush(): void {}

  onPackets(handler: PacketsHandler): void {
    this.handler = handler;
    for (const receiver of this.receivers) receiver.resumeRecv();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const socket of [this.sender, ...this.receivers]) socket.close();
    await this.guard.remove();
  }

  counters(): Record<string, number> {
    return { ...this.counts };
  }

  // `raw-socket` receives every datagram into one reused buffer and emits a view of it; the handler runs
  // before the next receive, and the Link contract already has it copy what it keeps.
  private deliver(packet: Uint8Array): void {
    if (this.closed || !this.handler) return;
    const reason = inboundDropReason(packet, this.addrNumber, this.ports);
    if (reason !== undefined) {
      this.count(`drop.raw.${reason}`);
      return;
    }
    this.counts['raw.rx.packets']!++;
    this.batch[0] = packet;
    this.handler(this.batch);
  }

  private count(key: string): void {
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }
}

/** 'Operation not permitted' → 'operation-not-permitted', for counter names. */
function slug(message: string): string {
  return message
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function checkOptions(options: RawSocketOptions): void {
  const { ifname, addr, ports, netns, queueLimit } = options;
  if (ifname === '' || ifname.length > MAX_IFNAME_LEN || /[/\s]/.test(ifname)) {
    throw new RangeError(
      `interface name '${ifname}' must be 1..${MAX_IFNAME_LEN} characters, no '/' or spaces`,
    );
  }
  if (parseIpv4Address(addr) === undefined) throw new RangeError(`'${addr}' is not a dotted IPv4 address`);
  const port = (p: number): boolean => Number.isInteger(p) && p >= 1 && p <= 0xffff;
  if (!(port(ports.min) && port(ports.max) && ports.min <= ports.max)) {
    throw new RangeError(`port range ${ports.min}-${ports.max} is not within 1..65535 with min <= max`);
  }
  if (netns !== undefined && (netns === '' || netns === '.' || netns === '..' || netns.includes('/'))) {
    throw new RangeError(`'${netns}' is not a network namespace name`);
  }
  if (queueLimit !== undefined && !(Number.isInteger(queueLimit) && queueLimit >= 0)) {
    throw new RangeError(`queueLimit ${queueLimit} is not a non-negative integer`);
  }
}

function checkInNamespace(netns: string): void {
  const here = statSync('/proc/self/ns/net');
  let there: ReturnType<typeof statSync>;
  try {
    there = statSync(`${NETNS_DIR}/${netns}`);
  } catch (error) {
    throw new RawLinkError(`network namespace '${netns}' does not exist`, 'ENOENT', { cause: error });
  }
  if (here.dev !== there.dev || here.ino !== there.ino) {
    throw new RawLinkError(
      `this process is not in network namespace '${netns}': raw-socket opens sockets in the caller's ` +
        `namespace and cannot enter another; run the program under \`ip netns exec ${netns}\``,
      'EINVAL',
    );
  }
}

interface IpAddrJson {
  mtu: number;
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

// `ip -j addr show` rather than /sys/class/net/IFNAME/mtu: sysfs shows the namespace it was mounted in,
// which after a bare `unshare -n` is still the parent's; rtnetlink answers for this process's namespace.
async function describeInterface(ifname: string, addr: string): Promise<{ mtu: number; prefixLen: number }> {
  let shown: IpAddrJson[];
  try {
    shown = JSON.parse(await runCommand('ip', ['-j', 'addr', 'show', 'dev', ifname])) as IpAddrJson[];
  } catch (error) {
    if (error instanceof NetnsError && /does not exist/.test(error.stderr)) {
      throw new RawLinkError(`interface '${ifname}' does not exist in this namespace`, 'ENODEV', {
        cause: error,
      });
    }
    throw error;
  }
  const device = shown[0]!;
  const inet = device.addr_info?.find((a) => a.family === 'inet' && a.local === addr);
  // The kernel delivers to raw sockets only datagrams for its own addresses (raw(7)).
  if (!inet) {
    throw new RawLinkError(
      `${addr} is not an address of '${ifname}': the kernel would not deliver its packets; add it with ` +
        `\`ip addr add ${addr}/PREFIX dev ${ifname}\``,
      'EADDRNOTAVAIL',
    );
  }
  return { mtu: device.mtu, prefixLen: inet.prefixlen };
}

/** '61000-61999,62000' → a membership test. */
function parsePortList(text: string): (port: number) => boolean {
  const ranges = text
    .trim()
    .split(',')
    .filter((part) => part !== '')
    .map((part) => part.split('-').map(Number))
    .map(([low, high]) => [low!, high ?? low!] as const);
  return (port) => ranges.some(([low, high]) => port >= low && port <= high);
}

// The kernel picks its own ephemeral ports from net.ipv4.ip_local_port_range, skipping
// ip_local_reserved_ports. A port in both that range and ustack's could carry a kernel connection whose
// segments this link would hand to ustack, and whose RSTs the guard would drop.
function checkKernelPorts(ports: PortRange): void {
  const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number) as [number, number];
  const reserved = parsePortList(readFileSync('/proc/sys/net/ipv4/ip_local_reserved_ports', 'utf8'));
  for (let port = Math.max(ports.min, low); port <= Math.min(ports.max, high); port++) {
    if (reserved(port)) continue;
    const outside = high < 0xffff ? `ports outside it (e.g. ${high + 1}-65535), or ` : '';
    throw new RawLinkError(
      `ports ${ports.min}-${ports.max} overlap the kernel's ephemeral ports ${low}-${high} ` +
        `(net.ipv4.ip_local_port_range; ${port} is not reserved): use ${outside}reserve them with ` +
        `\`sysctl net.ipv4.ip_local_reserved_ports=${ports.min}-${ports.max}\``,
      'EADDRINUSE',
    );
  }
}

function openSocket(module: RawSocketModule, protocol: number, what: string): RawSocket {
  try {
    return module.createSocket({ protocol, bufferSize: RECEIVE_BUFFER_SIZE });
  } catch (error) {
    const message = (error as Error).message;
    const denied = /not permitted/i.test(message);
    throw new RawLinkError(
      `cannot open the raw ${what} socket: ${denied ? 'raw sockets need root (CAP_NET_RAW)' : message}`,
      denied ? 'EPERM' : 'EUNKNOWN',
      { cause: error },
    );
  }
}

function configure(socket: RawSocket, ifname: string, what: string, apply: () => void): void {
  const name = Buffer.from(ifname);
  try {
    socket.setOption(SOL_SOCKET, SO_BINDTODEVICE, name, name.length);
    apply();
  } catch (error) {
    const message = (error as Error).message;
    const denied = /not permitted/i.test(message);
    throw new RawLinkError(
      `cannot configure the raw ${what} socket: ${denied ? 'SO_MARK and SO_RCVBUFFORCE need CAP_NET_ADMIN' : message}`,
      denied ? 'EPERM' : 'EUNKNOWN',
      { cause: error },
    );
  }
}

/**
 * Opens the link: checks the interface holds `addr` and that `ports` are clear of the kernel's ephemeral
 * ports, opens the sockets, and installs the nftables guard (one line on stderr says so). Needs root.
 * Throws a RawLinkError naming the errno, or a NetnsError when `ip` or `nft` fails.
 */
export async function openRawSocket(options: RawSocketOptions): Promise<RawSocketLink> {
  checkOptions(options);
  const { ifname, addr, ports } = options;
  if (options.netns !== undefined) checkInNamespace(options.netns);
  const module = loadRawSocket();
  const { mtu, prefixLen } = await describeInterface(ifname, addr);
  checkKernelPorts(ports);

  // The guard goes in first so no await separates opening the sockets from listening for their errors.
  const guard = await installNftGuard({ addr, ports, mark: RAW_LINK_MARK });
  const sockets: RawSocket[] = [];
  try {
    const sender = openSocket(module, IPPROTO_RAW, 'send');
    sockets.push(sender);
    // An IPPROTO_RAW socket never receives (raw(7)); stop polling it for reads.
    sender.pauseRecv();
    configure(sender, ifname, 'send', () => sender.setOption(SOL_SOCKET, SO_MARK, RAW_LINK_MARK));
    const receivers: RawSocket[] = [];
    for (const [protocol, what] of [
      [IPPROTO_TCP, 'TCP'],
      [IPPROTO_UDP, 'UDP'],
      [IPPROTO_ICMP, 'ICMP'],
    ] as const) {
      const receiver = openSocket(module, protocol, what);
      sockets.push(receiver);
      // Held in the kernel's queue until onPackets() has somewhere to deliver them.
      receiver.pauseRecv();
      configure(receiver, ifname, what, () =>
        receiver.setOption(SOL_SOCKET, SO_RCVBUFFORCE, SOCKET_RECEIVE_QUEUE),
      );
      receivers.push(receiver);
    }
    return new RawSocketDevice(
      ifname,
      addr,
      prefixLen,
      mtu,
      ports,
      guard,
      sender,
      receivers,
      options.queueLimit ?? DEFAULT_QUEUE_LIMIT,
    );
  } catch (error) {
    for (const socket of sockets) socket.close();
    await guard.remove();
    throw error;
  }
}
