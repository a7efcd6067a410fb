// An nftables table that keeps the kernel from answering for ustack when the two share one IPv4 address
// (the raw-socket link). The kernel sees every segment and datagram sent to that address; for a port
// where it has no socket it answers a TCP segment with RST (RFC 9293 §3.10.7.1, "If the connection does
// not exist (CLOSED)") and a UDP datagram with ICMP port unreachable (RFC 1122 §4.1.3.1). Both would tear
// down ustack's connections, so the table drops them in the OUTPUT hook — only for ustack's port range,
// and never ustack's own packets, which the raw link sends with SO_MARK set to `mark`.
//
// The table lives in the network namespace of the process that installs it, and goes away on remove(),
// on SIGINT/SIGTERM and on process exit. A SIGKILLed process leaves it behind; the next install prunes
// tables whose owner PID is gone.

import { execFileSync } from 'node:child_process';
import type { PortRange } from '../tcp/ephemeral-ports.ts';
import { runCommand } from './netns.ts';

export interface NftGuardOptions {
  /** The dotted IPv4 address ustack shares with the kernel. */
  addr: string;
  /** The ports ustack owns on that address: the kernel's answers from these are dropped. */
  ports: PortRange;
  /** The packet mark (SO_MARK) on ustack's own packets, which the table lets through. */
  mark: number;
}

/** How many of the kernel's answers the table has dropped, from its rule counters. */
export interface NftGuardCounts {
  tcpResets: number;
  portUnreachables: number;
}

export interface NftGuard {
  /** The nftables table, in family `ip`. */
  readonly table: string;
  counts(): Promise<NftGuardCounts>;
  /** Deletes the table; later calls do nothing. */
  remove(): Promise<void>;
}

const TABLE_PREFIX = 'ustack_raw_';
const TCP_RST_RULE = 'kernel-tcp-rst';
const PORT_UNREACHABLE_RULE = 'kernel-udp-port-unreachable';
// An ICMP error starts with 8 bytes (type, code, checksum, unused), then quotes the datagram's IPv4
// header and its first 8 payload bytes (RFC 792). nftables' `@th,OFFSET,LENGTH` counts bits from the
// ICMP header. These offsets hold for a quoted header without options (first byte 0x45): the UDP
// destination port — ustack's port — then starts at byte 8 + 20 + 2.
const QUOTED_VERSION_IHL = '@th,64,8 0x45';
const QUOTED_PROTOCOL_UDP = '@th,136,8 17';
const QUOTED_DST_PORT = '@th,240,16';

let tableCounter = 0;

function portSpec({ min, max }: PortRange): string {
  return min === max ? String(min) : `${min}-${max}`;
}

/** The nft script that creates the table, as one transaction (nft applies a command line atomically). */
export function guardScript(table: string, { addr, ports, mark }: NftGuardOptions): string {
  const notOurs = `ip saddr ${addr} meta mark != 0x${mark.toString(16)}`;
  const range = portSpec(ports);
  return [
    `add table ip ${table}`,
    `add chain ip ${table} output { type filter hook output priority 0; policy accept; }`,
    `add rule ip ${table} output ${notOurs} tcp sport ${range} tcp flags & rst == rst counter drop ` +
      `comment "${TCP_RST_RULE}"`,
    `add rule ip ${table} output ${notOurs} icmp type destination-unreachable icmp code port-unreachable ` +
      `${QUOTED_VERSION_IHL} ${QUOTED_PROTOCOL_UDP} ${QUOTED_DST_PORT} ${range} counter drop ` +
      `comment "${PORT_UNREACHABLE_RULE}"`,
  ].join('; ');
}

interface NftJsonRule {
  rule?: { comment?: string; expr?: { counter?: { packets: number } }[] };
}

/** Reads the drop counters of a table made by guardScript() from `nft -j list table` output. */
export function parseGuardCounts(json: string): NftGuardCounts {
  const items = (JSON.parse(json) as { nftables: NftJsonRule[] }).nftables;
  const packets = (comment: string): number => {
    const rule = items.find((item) => item.rule?.comment === comment)?.rule;
    return rule?.expr?.find((e) => e.counter)?.counter?.packets ?? 0;
  };
  return { tcpResets: packets(TCP_RST_RULE), portUnreachables: packets(PORT_UNREACHABLE_RULE) };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the PID exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes tables left by ustack processes that died without cleaning up (SIGKILL). */
async function pruneStaleTables(): Promise<void> {
  const listing = await runCommand('nft', ['list', 'tables', 'ip']);
  for (const match of listing.matchAll(new RegExp(`^table ip (${TABLE_PREFIX}(\\d+)_\\d+)$`, 'gm'))) {
    if (!processAlive(Number(match[2]))) await runCommand('nft', ['delete', 'table', 'ip', match[1]!]);
  }
}

/**
 * Installs the table and the handlers that remove it at exit, and says so on stderr in one line.
 * Needs root (CAP_NET_ADMIN) and the `nft` command; failures are NetnsError naming the command.
 */
export async function installNftGuard(options: NftGuardOptions): Promise<NftGuard> {
  await pruneStaleTables();
  tableCounter++;
  const table = `${TABLE_PREFIX}${process.pid}_${tableCounter}`;
  await runCommand('nft', [guardScript(table, options)]);

  let installed = true;
  // Exit and signal handlers cannot wait for a promise: they delete the table synchronously.
  const removeNow = (): void => {
    if (!installed) return;
    installed = false;
    detach();
    try {
      execFileSync('nft', ['delete', 'table', 'ip', table], { stdio: 'ignore' });
    } catch {
      // Nothing more can be done while the process dies; the next install prunes the table.
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    removeNow();
    // A listener replaces Node's default action (terminate); when no one else listens, restore it.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const detach = (): void => {
    process.off('exit', removeNow);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('exit', removeNow);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  process.stderr.write(
    `ustack: nftables table 'ip ${table}' drops the kernel's TCP RSTs and UDP port-unreachables from ` +
      `${options.addr} ports ${portSpec(options.ports)} (removed on exit)\n`,
  );

  return {
    table,
    async counts() {
      return parseGuardCounts(await runCommand('nft', ['-j', 'list', 'table', 'ip', table]));
    },
    async remove() {
      if (!installed) return;
      installed = false;
      detach();
      await runCommand('nft', ['delete', 'table', 'ip', table]);
    },
  };
}
