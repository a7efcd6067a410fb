// The paths a benchmark compares, each a lab it builds in namespaces of its own (198.18.0.0/15 only) and
// tears down: the kernel against itself over a veth pair (offloads on, and off with ethtool -K), ustack
// and lwIP behind a TUN device with the kernel as their peer, and ustack against itself in memory.
// Every path serves the same four services and is driven by the same client program for its kind.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  addAddress,
  configureKernelSide,
  createNamespace,
  deleteNamespace,
  runCommand,
  setMtu,
  setTxQueueLength,
  setUp,
  TUN_TX_QUEUE_LENGTH,
  uniqueNamespaceName,
} from '../../src/link/netns.ts';
import {
  kernelSocketMemory,
  readSlabinfo,
  rssBytes,
  settledMemory,
  slabBytesPerSocket,
  threadCount,
} from './memory.ts';
import { Peer, ROOT, tsNode } from './processes.ts';

export type PathId = 'veth-gso' | 'veth' | 'ustack-tun' | 'ustack-tun-plain' | 'lwip-tun' | 'ustack-memory';

export const PATH_LABELS: Record<PathId, string> = {
  'veth-gso': 'kernel↔kernel veth, offloads on',
  veth: 'kernel↔kernel veth, offloads off',
  'ustack-tun': 'kernel↔ustack TUN',
  'ustack-tun-plain': 'kernel↔ustack TUN, offloads off',
  'lwip-tun': 'kernel↔lwIPv6 TUN',
  'ustack-memory': 'ustack↔ustack in memory',
};

export type ClientMode = 'send' | 'recv' | 'rr-tcp' | 'rr-udp' | 'connrate' | 'scale' | 'idle';

export interface BenchPath {
  readonly id: PathId;
  /** The namespace the client runs in (none: the in-memory pair, one process). */
  readonly clientNetns?: string;
  /** The server process, whose memory is sampled and whose threads are pinned; none in memory. */
  readonly server?: Peer;
  /** Starts the server again after it died or was stopped as hung; returns false if it was running. */
  revive?(): Promise<boolean>;
  /** Why this path cannot take this measurement (a limit of the stack, in one line), or undefined. */
  unsupported?(mode: ClientMode, count: number): string | undefined;
  /**
   * Bytes the server's stack holds once it serves exactly `connections` connections, counted as
   * `memoryCounts` says (bench/lib/memory.ts settledMemory); undefined where it cannot be read.
   */
  serverMemory?(connections: number): Promise<number | undefined>;
  /** What serverMemory counts, for the report's notes. */
  readonly memoryCounts?: string;
  clientArgv(mode: ClientMode, seconds: number, count: number): string[];
  close(): Promise<void>;
}

const KERNEL_PEER = join(ROOT, 'bench/peers/kernel-peer.py');
const LWIP_SOURCE = join(ROOT, 'bench/peers/lwip-peer.c');
const LWIP_HEADER = '/usr/include/lwipv6.h';
const TUN_KERNEL_SIDE = '198.18.0.1/24';
const TUN_STACK_ADDR = '198.18.0.2';
const VETH_CLIENT = '198.18.1.1/24';
const VETH_SERVER = '198.18.1.2/24';
/** The port the scaling step's connections go to (discard, in every peer). */
const DISCARD_PORT = 9;

function kernelClient(host: string) {
  return (mode: ClientMode, seconds: number, count: number): string[] => [
    'python3',
    KERNEL_PEER,
    mode,
    host,
    String(seconds),
    String(count),
  ];
}

/**
 * A namespace for a client: loopback up, and TIME_WAIT ports reused for new connections (the connection
 * rate step opens thousands from one address; the sysctl is per namespace).
 */
async function clientNamespace(prefix: string): Promise<string> {
  const name = uniqueNamespaceName(prefix);
  await createNamespace(name);
  await runCommand('ip', ['netns', 'exec', name, 'sysctl', '-qw', 'net.ipv4.tcp_tw_reuse=1']);
  return name;
}

async function withCleanup<T>(build: () => Promise<T>, cleanup: () => Promise<void>): Promise<T> {
  try {
    return await build();
  } catch (error) {
    await cleanup().catch(() => undefined);
    throw error;
  }
}

/** Two namespaces joined by a veth pair; the kernel-peer.py server in one, the client in the other. */
export async function vethPath(mtu: number, offloads: boolean): Promise<BenchPath> {
  const client = await clientNamespace('ustack-bench-vc');
  const server = uniqueNamespaceName('ustack-bench-vs');
  let peer: Peer | undefined;
  const close = async (): Promise<void> => {
    await peer?.stop();
    await deleteNamespace(server).catch(() => undefined);
    await deleteNamespace(client);
  };
  return withCleanup(async () => {
    await createNamespace(server);
    await runCommand('ip', ['-n', client, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1']);
    await runCommand('ip', ['-n', client, 'link', 'set', 'veth1', 'netns', server]);
    for (const [ns, dev, cidr] of [
      [client, 'veth0', VETH_CLIENT],
      [server, 'veth1', VETH_SERVER],
    ] as const) {
      await setMtu(ns, dev, mtu);
      await addAddress(ns, dev, cidr);
      if (!offloads) {
        const features = ['tso', 'gso', 'gro', 'tx', 'rx', 'sg'].flatMap((f) => [f, 'off']);
        await runCommand('ip', ['netns', 'exec', ns, 'ethtool', '-K', dev, ...features]);
      }
      await setUp(ns, dev);
    }
    peer = await Peer.start(['ip', 'netns', 'exec', server, 'python3', KERNEL_PEER, 'serve']);
    const slab = slabBytesPerSocket(readSlabinfo());
    return {
      id: offloads ? 'veth-gso' : 'veth',
      clientNetns: client,
      server: peer,
      // The kernel's memory for the server's sockets, which the Python server's RSS does not contain.
      serverMemory: (connections) =>
        settledMemory(async () => {
          if (slab === undefined) return undefined;
          const { sockets, bufferBytes } = await kernelSocketMemory(server, DISCARD_PORT);
          return { bytes: bufferBytes + sockets * slab, connections: sockets };
        }, connections),
      memoryCounts:
        slab === undefined
          ? 'not measured (/proc/slabinfo unreadable)'
          : `the kernel's memory for the server's sockets: the buffer memory it charges to them (ss -tm: ` +
            `r + w + f + o + bl) plus the slab objects of one TCP socket (TCP, sock_inode_cache, filp, ` +
            `dentry: ${slab} bytes here); not the Python server's own objects`,
      clientArgv: kernelClient(VETH_SERVER.split('/')[0]!),
      close,
    } satisfies BenchPath;
  }, close);
}

/**
 * ustack behind a TUN device in a namespace (bench/peers/ustack-peer.ts), the kernel as its client; with
 * `offload` false the device gets no virtio-net header, so every packet is MTU-sized and fully checksummed.
 */
export async function ustackTunPath(mtu: number, offload = true): Promise<BenchPath> {
  const ns = await clientNamespace('ustack-bench-ut');
  let peer: Peer | undefined;
  const close = async (): Promise<void> => {
    await peer?.stop();
    await deleteNamespace(ns);
  };
  return withCleanup(async () => {
    const file = join(ROOT, 'bench/peers/ustack-peer.ts');
    const args = ['--netns', ns, '--mtu', String(mtu), ...(offload ? [] : ['--no-offload'])];
    const started = await Peer.start(tsNode(file, args, ['--expose-gc']));
    peer = started;
    return {
      id: offload ? 'ustack-tun' : 'ustack-tun-plain',
      clientNetns: ns,
      server: started,
      serverMemory: (connections) =>
        settledMemory(async () => {
          const [bytes = Number.NaN, held = Number.NaN] = await started.query('SIGUSR2', 'memory');
          return { bytes, connections: held };
        }, connections),
      memoryCounts:
        "the ustack server's V8 heap in use plus external memory (every connection's byte rings), " +
        'reported by the server itself after full garbage collections',
      clientArgv: kernelClient(TUN_STACK_ADDR),
      close,
    } satisfies BenchPath;
  }, close);
}

/** Why lwIP cannot run here, or undefined when its headers and library are installed. */
export function lwipUnavailable(): string | undefined {
  return existsSync(LWIP_HEADER)
    ? undefined
    : `${LWIP_HEADER} not found: Debian's liblwipv6-dev is not installed (apt-get install -y liblwipv6-dev)`;
}

/** Compiles bench/peers/lwip-peer.c into a temporary directory and returns the binary's path. */
export async function buildLwipPeer(): Promise<string> {
  const out = join(mkdtempSync(join(tmpdir(), 'ustack-bench-')), 'lwip-peer');
  await promisify(execFile)('cc', ['-O2', '-o', out, LWIP_SOURCE, '-llwipv6', '-lpthread']);
  return out;
}

/**
 * Why lwIPv6 cannot take a measurement: the limits of lwipv6 1.5a that bench/peers/lwip-peer.c describes
 * (connections past its descriptor bound corrupt its stack; concurrent closes and accepts deadlock it).
 */
function lwipLimit(maxConnections: number) {
  return (mode: ClientMode, count: number): string | undefined => {
    if ((mode === 'scale' || mode === 'idle') && count > maxConnections)
      return (
        `lwIPv6: at most ${maxConnections} connections at once (each holds 5 descriptors and lwipv6 waits ` +
        'on them with select(), which overruns its fd_set past descriptor 1023)'
      );
    if (mode === 'connrate' && count > 1)
      return (
        'lwIPv6: one connecting client at a time (lwip_close holds the socket table lock across a call ' +
        'into the TCP thread, which takes the same lock to accept: a close during a handshake deadlocks it)'
      );
    return undefined;
  };
}

/** lwIPv6 behind a TUN device it creates itself in the namespace (MTU 1500: lwipv6's tunif default). */
export async function lwipTunPath(binary: string): Promise<BenchPath> {
  const ns = await clientNamespace('ustack-bench-lw');
  let peer: Peer | undefined;
  const close = async (): Promise<void> => {
    await peer?.stop();
    await deleteNamespace(ns);
  };
  const start = async (): Promise<Peer> => {
    peer = await Peer.start(['ip', 'netns', 'exec', ns, binary, 'lwip0', TUN_STACK_ADDR]);
    await configureKernelSide(ns, 'lwip0', TUN_KERNEL_SIDE);
    // The same kernel queue toward the stack as Stack.tun gives ustack's device.
    await setTxQueueLength(ns, 'lwip0', TUN_TX_QUEUE_LENGTH);
    return peer;
  };
  return withCleanup(async () => {
    const first = await start();
    const maxConnections = Number(/max-connections=(\d+)/.exec(first.readyLine)?.[1] ?? 0);
    // lwip-peer serves each connection in a thread: those beyond its threads when ready are connections.
    const idleThreads = threadCount(first.pid) ?? 0;
    return {
      id: 'lwip-tun',
      clientNetns: ns,
      get server() {
        return peer;
      },
      revive: async () => {
        if (peer?.alive) return false;
        await start();
        return true;
      },
      unsupported: lwipLimit(maxConnections),
      serverMemory: (connections) =>
        settledMemory(async () => {
          const bytes = peer && rssBytes(peer.pid);
          const threads = peer && threadCount(peer.pid);
          return bytes === undefined || threads === undefined
            ? undefined
            : { bytes, connections: threads - idleThreads };
        }, connections),
      memoryCounts: "the lwip-peer process's RSS (C: what it allocated and touched, thread stacks included)",
      clientArgv: kernelClient(TUN_STACK_ADDR),
      close,
    } satisfies BenchPath;
  }, close);
}

/** ustack against ustack in one process (bench/peers/memory-pair.ts): no device, no namespace. */
export function memoryPath(mtu: number): BenchPath {
  const file = join(ROOT, 'bench/peers/memory-pair.ts');
  return {
    id: 'ustack-memory',
    clientArgv: (mode, seconds, count) =>
      tsNode(file, [mode, String(seconds), String(count), '--mtu', String(mtu)], ['--expose-gc']),
    close: async () => undefined,
  };
}
