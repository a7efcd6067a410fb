// Lab plumbing for TUN links: network namespaces and interface settings through iproute2's `ip`.
// Run as root. Addresses are confined to 198.18.0.0/15 (RFC 2544's benchmarking range, the lab's
// ARCHITECTURE.md plan), so a typo can never point lab traffic at a real network.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inPrefix, parseCidr } from '../ip/address.ts';

const run = promisify(execFile);

/** 198.18.0.0/15, RFC 2544 §C.2.2: reserved for network device benchmarking. */
const LAB_NET = 0xc6120000;
const LAB_PREFIX_LEN = 15;
const COMMAND_TIMEOUT_MS = 10_000;

/** A failed `ip` command, with its arguments and what it printed. */
export class NetnsError extends Error {
  override readonly name = 'NetnsError';
  constructor(
    message: string,
    readonly command: readonly string[],
    readonly stderr: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

interface ExecFailure extends Error {
  code?: string | number;
  stderr?: string;
  killed?: boolean;
}

/** Runs a command and returns its stdout; a failure names the command and quotes its stderr. */
export async function runCommand(command: string, args: readonly string[], timeoutMs = COMMAND_TIMEOUT_MS) {
  try {
    const { stdout } = await run(command, args, { timeout: timeoutMs });
    return stdout;
  } catch (error) {
    const failure = error as ExecFailure;
    const line = [command, ...args].join(' ');
    const stderr = (failure.stderr ?? '').trim();
    let why: string;
    if (failure.code === 'ENOENT') why = `${command} is not installed (Debian: apt-get install iproute2)`;
    else if (failure.killed) why = `timed out after ${timeoutMs} ms`;
    else if (/Operation not permitted|Permission denied/.test(stderr)) why = `needs root: ${stderr}`;
    else why = `exit ${failure.code}: ${stderr}`;
    throw new NetnsError(`\`${line}\` failed: ${why}`, [command, ...args], stderr, { cause: error });
  }
}

function ip(netns: string | undefined, args: readonly string[]): Promise<string> {
  return runCommand('ip', netns === undefined ? args : ['-n', netns, ...args]);
}

let namespaceCounter = 0;

/** A fresh name, unique within this process: '<prefix>-<pid>-<n>'. */
export function uniqueNamespaceName(prefix = 'ustack-tun'): string {
  namespaceCounter++;
  return `${prefix}-${process.pid}-${namespaceCounter}`;
}

/** `ip netns add NAME`, then brings its loopback up (a namespace starts with every link down). */
export async function createNamespace(name: string): Promise<void> {
  await ip(undefined, ['netns', 'add', name]);
  await ip(name, ['link', 'set', 'lo', 'up']);
}

/** `ip netns delete NAME`. Devices inside go with it once no process holds them. */
export async function deleteNamespace(name: string): Promise<void> {
  await ip(undefined, ['netns', 'delete', name]);
}

/** Whether `ip netns list` shows NAME. */
export async function namespaceExists(name: string): Promise<boolean> {
  const listing = await ip(undefined, ['netns', 'list']);
  return listing.split('\n').some((line) => line.split(' ')[0] === name);
}

function checkLabCidr(text: string): void {
  const cidr = parseCidr(text);
  if (!cidr) throw new RangeError(`'${text}' is not an IPv4 CIDR such as 198.18.0.1/24`);
  if (!inPrefix(cidr.addr, LAB_NET, LAB_PREFIX_LEN) || cidr.prefixLen < LAB_PREFIX_LEN) {
    throw new RangeError(`'${text}' reaches outside the lab range 198.18.0.0/15`);
  }
}

/** `ip [-n NS] addr add CIDR dev DEV`, for a CIDR inside 198.18.0.0/15 only. */
export async function addAddress(netns: string | undefined, dev: string, cidr: string): Promise<void> {
  checkLabCidr(cidr);
  await ip(netns, ['addr', 'add', cidr, 'dev', dev]);
}

/** `ip [-n NS] link set DEV mtu N`. */
export async function setMtu(netns: string | undefined, dev: string, mtu: number): Promise<void> {
  await ip(netns, ['link', 'set', dev, 'mtu', String(mtu)]);
}

/**
 * The kernel's queue toward a userspace stack's TUN device that ustack sets (TUN's own is 500 packets):
 * when it is full the kernel drops what it sends, and at 1000 connections a 500-packet queue lost RSTs
 * and halved the aggregate rate (2.1 against 4.7 Gbit/s).
 */
export const TUN_TX_QUEUE_LENGTH = 8192;

/** `ip [-n NS] link set DEV txqueuelen N`. */
export async function setTxQueueLength(
  netns: string | undefined,
  dev: string,
  packets: number,
): Promise<void> {
  if (!Number.isInteger(packets) || packets < 1)
    throw new RangeError(`txqueuelen ${packets} is not a positive integer`);
  await ip(netns, ['link', 'set', dev, 'txqueuelen', String(packets)]);
}

/** `ip [-n NS] link set DEV up`. */
export async function setUp(netns: string | undefined, dev: string): Promise<void> {
  await ip(netns, ['link', 'set', dev, 'up']);
}

/** The usual lab side of a TUN: the kernel's address on DEV (e.g. 198.18.0.1/24), then the link up. */
export async function configureKernelSide(
  netns: string | undefined,
  dev: string,
  cidr: string,
): Promise<void> {
  await addAddress(netns, dev, cidr);
  await setUp(netns, dev);
}

/** Runs a program inside a namespace (`ip netns exec NS …`) and returns its stdout. */
export function execInNamespace(
  netns: string,
  command: string,
  args: readonly string[],
  timeoutMs = COMMAND_TIMEOUT_MS,
): Promise<string> {
  return runCommand('ip', ['netns', 'exec', netns, command, ...args], timeoutMs);
}
