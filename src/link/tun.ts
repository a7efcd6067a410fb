// A Link over a Linux TUN device, through ustack's own N-API addon (native/tun.c).
//
// Receive: the addon polls the fd with libuv; on each wake-up it reads up to `batch` packets into one
// slab and calls us once with the count. We hand the stack views into that slab (Link's contract: valid
// only during the handler). Send: each packet is written at once; if the kernel says EAGAIN the addon
// copies it into a bounded queue and flushes it when the fd turns writable, so nothing is lost silently
// (a full queue is a counted drop, 'drop.tun.tx-queue-full').
//
// Offloads (IFF_VNET_HDR + TUNSETOFFLOAD, on by default where the kernel offers them): each packet comes
// with a virtio_net_hdr (virtio-net.ts). Inbound, the kernel's TCP and UDP checksums are mostly partial
// (never computed: the TUN is memory, not a wire) and its TCP segments up to 64 KB (GSO/GRO), so the caps
// say rxChecksumVerified and this link itself checks the few packets whose header vouches for nothing.
// Outbound, the stack leaves TCP checksums partial (txChecksumOffload) and may send TCP super-segments up
// to `maxSegment`; describeOutbound marks them for the kernel to finish and to cut at the MTU.
//
// The addon is loaded on first use, so importing this module works where it was never built.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { emptyArray } from '../base/empty-array.ts';
import { type Link, type LinkCaps, type PacketsHandler, plainCaps } from './link.ts';
import {
  blankVirtioNetHdr,
  describeOutbound,
  emitVirtioNetHdr,
  parseVirtioNetHdr,
  rxChecksumState,
  segmentCount,
  transportChecksumValid,
  VIRTIO_NET_HDR_GSO_NONE,
  VIRTIO_NET_HDR_LEN,
} from './virtio-net.ts';

export interface TunOptions {
  /** The interface name ('tun0'), or a pattern the kernel completes ('ustack%d'). Default: 'tun%d'. */
  name?: string;
  /** A namespace made with `ip netns add` (see netns.ts): the device is created inside it. */
  netns?: string;
  /** Sets the device MTU; by default the device keeps the kernel's (1500). */
  mtu?: number;
  /** The most packets read per wake-up (1..1024). Default 64. */
  batch?: number;
  /** The most packets held while the kernel refuses writes (EAGAIN). Default 4096. */
  queueLimit?: number;
  /**
   * Checksum and TSO4 offloads (IFF_VNET_HDR + TUNSETOFFLOAD): TCP segments up to 64 KB both ways, checksums
   * left to the kernel. Default: on when the kernel offers IFF_VNET_HDR; `true` fails where it does not.
   */
  offload?: boolean;
}

export interface TunLink extends Link {
  /** The interface name the kernel gave the device. */
  readonly name: string;
  /** Packets waiting in the addon for the fd to become writable. */
  readonly queueDepth: number;
  /** Whether the device runs with offloads (see TunOptions.offload). */
  readonly offload: boolean;
  /**
   * netstat-style counts: 'tun.rx.packets', 'tun.rx.batches', 'tun.tx.packets', 'tun.tx.queued', drops; with
   * offloads also 'tun.rx.gso-packets' / 'tun.tx.gso-packets' (super-segments, larger than the MTU) and
   * 'tun.rx.gso-segments' / 'tun.tx.gso-segments' (the MTU-sized packets they stand for).
   */
  counters(): Record<string, number>;
}

/** Why opening failed, with the errno name of the failing call ('ENOENT', 'EPERM', …) as `code`. */
export class TunError extends Error {
  override readonly name = 'TunError';
  constructor(
    message: string,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The object native/tun.c's open() returns; its functions are bound to the device. */
interface NativeTun {
  readonly name: string;
  readonly mtu: number;
  readonly slab: Uint8Array;
  /** Per packet of a batch, `frameStride` numbers: offset in `slab`, length. */
  readonly frames: Int32Array;
  readonly frameStride: number;
  /** 12 with offloads (the virtio_net_hdr in front of each packet in `slab`), else 0. */
  readonly vnetHeaderLength: number;
  /** The virtio_net_hdr the next write() sends in front of its packet (offloads only). */
  readonly txHeader: Uint8Array;
  start(handler: (count: number) => void): void;
  /** 0 sent, 1 queued, -errno dropped (the addon counts drops). */
  write(packet: Uint8Array): number;
  queued(): number;
  close(): void;
  counters(): Record<string, number>;
}

interface NativeModule {
  /** offload: -1 when the kernel offers it, 0 never, 1 always. */
  open(
    name: string,
    netnsPath: string,
    mtu: number,
    batch: number,
    queueLimit: number,
    offload: number,
  ): NativeTun;
}

interface NativeError extends Error {
  code?: string;
  syscall?: string;
  path?: string;
}

/** Where `npm install` builds the addon (node-gyp run in native/). */
export const ADDON_PATH = fileURLToPath(
  new URL('../../native/build/Release/ustack_tun.node', import.meta.url),
);
export const NETNS_DIR = '/var/run/netns';
/** IFNAMSIZ is 16 with the terminating NUL. */
const MAX_NAME_LEN = 15;
const DEFAULT_BATCH = 64;
const DEFAULT_QUEUE_LIMIT = 4096;
/** The largest IPv4 packet (16-bit total length): TSO super-segments go up to this. */
const MAX_IPV4_PACKET = 65535;

let nativeModule: NativeModule | undefined;

function loadAddon(): NativeModule {
  if (nativeModule) return nativeModule;
  if (!existsSync(ADDON_PATH)) {
    throw new TunError(
      `the TUN addon is not built (${ADDON_PATH} is missing): run \`npm install\`, which builds it with ` +
        'node-gyp (needs a C compiler and Node headers)',
      'ENOENT',
    );
  }
  nativeModule = createRequire(import.meta.url)(ADDON_PATH) as NativeModule;
  return nativeModule;
}

/** Counts kept in JS for what only the offload path sees. */
interface OffloadCounts {
  rxGsoPackets: number;
  rxGsoSegments: number;
  rxChecked: number;
  rxBadChecksum: number;
  txGsoPackets: number;
  txGsoSegments: number;
}

class TunDevice implements TunLink {
  readonly caps: LinkCaps;
  readonly name: string;
  readonly mtu: number;
  readonly offload: boolean;
  private readonly packets: Uint8Array[] = [];
  private readonly header = blankVirtioNetHdr();
  private readonly counts: OffloadCounts = {
    rxGsoPackets: 0,
    rxGsoSegments: 0,
    rxChecked: 0,
    rxBadChecksum: 0,
    txGsoPackets: 0,
    txGsoSegments: 0,
  };
  private handler: PacketsHandler | undefined;
  private reading = false;

  constructor(private readonly native: NativeTun) {
    this.name = native.name;
    this.mtu = native.mtu;
    this.offload = native.vnetHeaderLength > 0;
    // write() either writes the packet at once or copies it into the addon's queue (EAGAIN): sendCopies.
    this.caps = this.offload
      ? { rxChecksumVerified: true, txChecksumOffload: true, maxSegment: MAX_IPV4_PACKET, sendCopies: true }
      : { ...plainCaps(native.mtu), sendCopies: true };
  }

  get queueDepth(): number {
    return this.native.queued();
  }

  send(packet: Uint8Array): void {
    if (this.offload) {
      const header = this.header;
      describeOutbound(packet, this.mtu, header);
      emitVirtioNetHdr(header, this.native.txHeader, 0);
      if (header.gsoType !== VIRTIO_NET_HDR_GSO_NONE) {
        this.counts.txGsoPackets++;
        this.counts.txGsoSegments += segmentCount(header, packet.length);
      }
    }
    this.native.write(packet);
  }

  // Each send is one write(2) at once: TUN takes one packet per call, and a call into the addon costs
  // ~30 ns against ~1.5 µs for the kernel to take the packet, so holding a burst back for one batched
  // call would add latency and save nothing (a writeMany(array) measured slower per packet).
  flush(): void {}

  onPackets(handler: PacketsHandler): void {
    this.handler = handler;
    if (this.reading) return;
    this.reading = true;
    this.native.start((count) => this.deliver(count));
  }

  async close(): Promise<void> {
    this.native.close();
  }

  counters(): Record<string, number> {
    const counters = this.native.counters();
    if (!this.offload) return counters;
    const c = this.counts;
    counters['tun.rx.gso-packets'] = c.rxGsoPackets;
    counters['tun.rx.gso-segments'] = c.rxGsoSegments;
    counters['tun.rx.checksums-checked'] = c.rxChecked;
    counters['tun.tx.gso-packets'] = c.txGsoPackets;
    counters['tun.tx.gso-segments'] = c.txGsoSegments;
    if (c.rxBadChecksum > 0) counters['drop.tun.rx-bad-checksum'] = c.rxBadChecksum;
    return counters;
  }

  // `new Uint8Array(buffer, offset, length)` measured ~3x cheaper per packet than slab.subarray(), which
  // looks up a species constructor on every call.
  private deliver(count: number): void {
    const { slab, frames, frameStride: stride } = this.native;
    const buffer = slab.buffer;
    const packets = this.packets;
    if (!this.offload) {
      packets.length = count;
      for (let i = 0; i < count; i++) {
        packets[i] = new Uint8Array(buffer, frames[i * stride]!, frames[i * stride + 1]!);
      }
      this.handler!(packets);
      return;
    }
    emptyArray(packets);
    const header = this.header;
    const c = this.counts;
    for (let i = 0; i < count; i++) {
      const offset = frames[i * stride]!;
      const packet = new Uint8Array(buffer, offset, frames[i * stride + 1]!);
      parseVirtioNetHdr(slab, offset - VIRTIO_NET_HDR_LEN, header);
      if (header.gsoType !== VIRTIO_NET_HDR_GSO_NONE) {
        c.rxGsoPackets++;
        c.rxGsoSegments += segmentCount(header, packet.length);
      }
      // The caps promise verified checksums: keep that promise for packets the kernel vouched nothing for.
      if (rxChecksumState(header) === 'unknown') {
        c.rxChecked++;
        if (!transportChecksumValid(packet)) {
          c.rxBadChecksum++;
          continue;
        }
      }
      packets.push(packet);
    }
    if (packets.length > 0) this.handler!(packets);
  }
}

function describeOpenError(error: NativeError, options: TunOptions): TunError {
  const code = error.code ?? 'EUNKNOWN';
  const where = options.netns ? ` in network namespace '${options.netns}'` : '';
  const devicePath = error.path === '/dev/net/tun';
  let hint: string;
  if (devicePath && code === 'ENOENT') {
    hint = '/dev/net/tun is missing: load the tun module (modprobe tun) or give the container the device';
  } else if (devicePath && code === 'EACCES') {
    hint = '/dev/net/tun is not open to this user: run as root';
  } else if (code === 'EPERM' || code === 'EACCES') {
    hint =
      error.syscall === 'setns'
        ? 'entering a network namespace needs root (CAP_SYS_ADMIN)'
        : 'creating a TUN device needs root (CAP_NET_ADMIN)';
  } else if (options.netns && error.path?.startsWith(NETNS_DIR) && code === 'ENOENT') {
    hint = `network namespace '${options.netns}' does not exist (create it with \`ip netns add\`)`;
  } else if (code === 'EBUSY') {
    hint = `interface '${options.name}' is in use by another process, or is not a TUN device`;
  } else {
    hint = 'the kernel refused';
  }
  return new TunError(`cannot open TUN device${where}: ${hint} (${code} from ${error.message})`, code, {
    cause: error,
  });
}

function checkOptions(options: TunOptions): void {
  const { name, netns, mtu, batch, queueLimit } = options;
  if (name !== undefined && (name.length > MAX_NAME_LEN || /[/\s]/.test(name))) {
    throw new RangeError(
      `interface name '${name}' must be at most ${MAX_NAME_LEN} characters, no '/' or spaces`,
    );
  }
  if (netns !== undefined && (netns === '' || netns === '.' || netns === '..' || netns.includes('/'))) {
    throw new RangeError(`'${netns}' is not a network namespace name`);
  }
  // RFC 791: every internet module must handle 68-octet datagrams; the 16-bit total length caps it.
  if (mtu !== undefined && !(Number.isInteger(mtu) && mtu >= 68 && mtu <= 65535)) {
    throw new RangeError(`MTU ${mtu} is outside 68..65535`);
  }
  if (batch !== undefined && !(Number.isInteger(batch) && batch >= 1 && batch <= 1024)) {
    throw new RangeError(`batch ${batch} is outside 1..1024`);
  }
  if (queueLimit !== undefined && !(Number.isInteger(queueLimit) && queueLimit >= 0)) {
    throw new RangeError(`queueLimit ${queueLimit} is not a non-negative integer`);
  }
}

/**
 * Opens (creating if needed) a TUN device carrying bare IPv4 packets. Throws a TunError naming the errno
 * when the addon is not built, /dev/net/tun is missing (ENOENT), the process is not root (EPERM), or the
 * namespace does not exist. The device disappears when the link closes, unless it was made persistent.
 */
export async function openTun(options: TunOptions = {}): Promise<TunLink> {
  checkOptions(options);
  const addon = loadAddon();
  let native: NativeTun;
  try {
    native = addon.open(
      options.name ?? '',
      options.netns ? `${NETNS_DIR}/${options.netns}` : '',
      options.mtu ?? 0,
      options.batch ?? DEFAULT_BATCH,
      options.queueLimit ?? DEFAULT_QUEUE_LIMIT,
      options.offload === undefined ? -1 : options.offload ? 1 : 0,
    );
  } catch (error) {
    throw describeOpenError(error as NativeError, options);
  }
  return new TunDevice(native);
}
