// What a server's stack holds in memory, measured the way each kind of stack allows: a process's resident
// set (VmRSS), and for the kernel the memory of its sockets, which no process's RSS contains: the buffer
// memory the kernel charges to each socket (`ss -tm`) plus the slab objects every TCP socket occupies.
// A per-connection figure is a difference between two readings taken when the server held a known
// number of connections (settledMemory).

import { readFileSync } from 'node:fs';
import { runCommand } from '../../src/link/netns.ts';

/** Resident set size in bytes (VmRSS), or undefined once the process is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The slab caches one established TCP socket with a file descriptor holds an object of: the socket
 * (tcp_sock), its inode (struct socket), its struct file and its dentry.
 */
const SOCKET_SLABS = ['TCP', 'sock_inode_cache', 'filp', 'dentry'];

/**
 * Bytes of slab one TCP socket occupies, each object counted at its share of its slab (pages per slab ×
 * page size ÷ objects per slab, so packing waste is in), from /proc/slabinfo's text; undefined without
 * it or when a cache is missing (merged into another).
 */
export function slabBytesPerSocket(slabinfo: string | undefined): number | undefined {
  if (slabinfo === undefined) return undefined;
  let total = 0;
  for (const name of SOCKET_SLABS) {
    // name active_objs num_objs objsize objperslab pagesperslab : …
    const fields = slabinfo
      .split('\n')
      .find((line) => line.startsWith(`${name} `))
      ?.split(/\s+/);
    if (!fields) return undefined;
    const perSlab = Number(fields[4]);
    const pages = Number(fields[5]);
    if (!(perSlab > 0 && pages > 0)) return undefined;
    total += (pages * 4096) / perSlab;
  }
  return Math.round(total);
}

/** /proc/slabinfo, or undefined where it cannot be read (it needs root). */
export function readSlabinfo(): string | undefined {
  try {
    return readFileSync('/proc/slabinfo', 'latin1');
  } catch {
    return undefined;
  }
}

export interface SocketMemory {
  sockets: number;
  /** skmem r + w + f + o + bl summed: what the kernel charges to the sockets' buffers. */
  bufferBytes: number;
}

/**
 * Parses `ss -tmnH` output. Of skmem's fields, r (receive queue), w (send queue), f (forward-allocated
 * quota), o (options) and bl (backlog) are charged to the socket; t is left out: for TCP it counts clones
 * of send-queue buffers in flight, whose data w counts already.
 */
export function parseSocketMemory(ssOutput: string): SocketMemory {
  let sockets = 0;
  let bufferBytes = 0;
  for (const match of ssOutput.matchAll(/skmem:\(([^)]*)\)/g)) {
    const fields = new Map(
      match[1]!.split(',').map((field) => {
        const [, name = '', value = '0'] = /^([a-z]+)(\d+)$/.exec(field) ?? [];
        return [name, Number(value)] as const;
      }),
    );
    sockets++;
    for (const name of ['r', 'w', 'f', 'o', 'bl']) bufferBytes += fields.get(name) ?? 0;
  }
  return { sockets, bufferBytes };
}

/** The established TCP sockets on local `port` in namespace `netns`, and their buffer memory. */
export async function kernelSocketMemory(netns: string, port: number): Promise<SocketMemory> {
  const out = await runCommand('ip', [
    'netns',
    'exec',
    netns,
    'ss',
    '-tmnH',
    'state',
    'established',
    'sport',
    '=',
    `:${port}`,
  ]);
  return parseSocketMemory(out);
}

/** Threads of a process (lwip-peer serves each connection in a thread of its own). */
export function threadCount(pid: number): number | undefined {
  try {
    const match = /Threads:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** What a server's stack holds at one moment: bytes, and the connections it serves. */
export interface MemoryReading {
  bytes: number;
  connections: number;
}

/**
 * The bytes a server holds once it serves exactly `connections` connections: reads until the count
 * settles there (the previous run's connections drained, the new ones all accepted), for up to
 * `timeoutMs`; fails if it never does, since the difference would then count other connections too.
 * (After 1000 bulk connections close, ustack still serves a few for 3–5 s: the last of their data.)
 */
export async function settledMemory(
  read: () => Promise<MemoryReading | undefined>,
  connections: number,
  timeoutMs = 15_000,
): Promise<number | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const reading = await read();
    if (reading === undefined || reading.connections === connections) return reading?.bytes;
    if (performance.now() >= deadline)
      throw new Error(`the server held ${reading.connections} connections, not ${connections}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
