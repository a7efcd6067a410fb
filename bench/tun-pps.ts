// Packets per second through the TUN link, both ways, in a lab namespace made for the run (root only).
//
//   reads:  native/tools/udp-flood (C, sendmmsg) in the namespace floods 18-byte UDP datagrams at
//           198.18.0.2; we count what the link hands us per second. The default sender writes them
//           straight out of the device (AF_PACKET, qdisc bypass), about twice as fast as one through a
//           UDP socket (--sender udp), so that the reader rather than the sender sets the rate.
//   writes: the link writes 18-byte UDP datagrams to 198.18.0.1:9 as fast as it can; the kernel's count
//           (`ip -s link`, the device's RX packets) says how many it took. A socket bound to port 9 that
//           never reads keeps the kernel on its usual receive path (no ICMP port-unreachable per packet).
//
//   npx tsx bench/tun-pps.ts [--runs 5] [--seconds 2] [--pin] [--sender packet|udp]
//   --pin: this process on vCPU 0 and the flood sender on vCPU 1 (taskset), for steadier figures.
// Prints the median of the runs, with the range. Wall-clock rates depend on what else the 2 vCPUs are
// doing; the per-CPU-second figures (packets over this process's user + system time) much less so.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  configureKernelSide,
  createNamespace,
  deleteNamespace,
  runCommand,
  uniqueNamespaceName,
} from '../src/link/netns.ts';
import { openTun, type TunLink } from '../src/link/tun.ts';
import { udpPacket } from '../test/tun/helpers/packets.ts';

const KERNEL_ADDR = '198.18.0.1';
const STACK_ADDR = '198.18.0.2';
const PAYLOAD_BYTES = 18;
const SINK_PORT = 9;
const WARM_UP_SECONDS = 0.5;

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '2' },
    pin: { type: 'boolean', default: false },
    sender: { type: 'string', default: 'packet' },
  },
});
const runs = Number(args.runs);
const seconds = Number(args.seconds);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function mpps(value: number): string {
  return `${(value / 1e6).toFixed(3)} M/s`;
}

function summary(label: string, rates: number[]): string {
  const range = `min ${mpps(Math.min(...rates))}, max ${mpps(Math.max(...rates))}`;
  return `${label}: median ${mpps(median(rates))}  (${range}, ${rates.length} runs)`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function exited(child: ChildProcess): Promise<string> {
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`exit ${code}: ${stdout}`)),
    );
  });
}

async function deviceRxPackets(netns: string, name: string): Promise<number> {
  const shown = JSON.parse(await runCommand('ip', ['-n', netns, '-j', '-s', 'link', 'show', 'dev', name]));
  return shown[0].stats64.rx.packets;
}

interface ReadResult {
  rate: number;
  perWake: number;
  /** What the sender got into the kernel per second, over its whole run: the ceiling for `rate`. */
  offered: number;
  /** Packets per second of this process's CPU time (user + system): what one free vCPU could take. */
  perCpuSecond: number;
}

/** CPU seconds (user + system, all threads) this process has used. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

async function readRun(netns: string, link: TunLink, flood: string): Promise<ReadResult> {
  const pin = args.pin ? ['taskset', '-c', '1'] : [];
  const device = args.sender === 'udp' ? [] : [link.name];
  const sender = spawn(
    'ip',
    ['netns', 'exec', netns, ...pin, flood, STACK_ADDR, '9', `${PAYLOAD_BYTES}`, `${seconds}`, ...device],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const done = exited(sender);
  await sleep(WARM_UP_SECONDS * 1000);
  const start = process.hrtime.bigint();
  const cpuStart = cpuSeconds();
  const first = link.counters();
  await sleep((seconds - 2 * WARM_UP_SECONDS) * 1000);
  const last = link.counters();
  const cpu = cpuSeconds() - cpuStart;
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const sent = Number(/sent (\d+)/.exec(await done)?.[1]);
  const packets = last['tun.rx.packets']! - first['tun.rx.packets']!;
  const wakes = last['tun.rx.batches']! - first['tun.rx.batches']!;
  return {
    rate: packets / elapsed,
    perWake: packets / Math.max(wakes, 1),
    offered: sent / seconds,
    perCpuSecond: packets / cpu,
  };
}

interface WriteResult {
  /** Packets per second the link wrote... */
  ours: number;
  /** ...and the device's RX count per second over the same time, as the kernel saw it. */
  kernel: number;
  /** Packets written per second of this process's CPU time (the kernel's work runs in our write()). */
  perCpuSecond: number;
}

async function writeRun(netns: string, link: TunLink, packets: Uint8Array[]): Promise<WriteResult> {
  const kernelBefore = await deviceRxPackets(netns, link.name);
  const sentBefore = link.counters()['tun.tx.packets']!;
  const cpuStart = cpuSeconds();
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  // A tight loop: the event loop waits, as it would behind any busy stack step. Reading the clock every
  // 1024 writes keeps its cost out of the figure.
  while (now < end) {
    for (let i = 0; i < 1024; i++) link.send(packets[i & (packets.length - 1)]!);
    link.flush();
    now = process.hrtime.bigint();
  }
  const elapsed = Number(now - start) / 1e9;
  const cpu = cpuSeconds() - cpuStart;
  while (link.queueDepth > 0) await sleep(1);
  const ours = link.counters()['tun.tx.packets']! - sentBefore;
  const kernel = (await deviceRxPackets(netns, link.name)) - kernelBefore;
  return { ours: ours / elapsed, kernel: kernel / elapsed, perCpuSecond: ours / cpu };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new Error('bench/tun-pps.ts needs root (TUN devices, network namespaces)');
  if (seconds <= 2 * WARM_UP_SECONDS || !(runs >= 1)) throw new Error('need --seconds > 1 and --runs ≥ 1');
  if (args.sender !== 'packet' && args.sender !== 'udp') throw new Error('--sender is packet or udp');
  if (args.pin) execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });

  const work = mkdtempSync(join(tmpdir(), 'ustack-tun-pps-'));
  const flood = join(work, 'udp-flood');
  const netns = uniqueNamespaceName('ustack-tun-pps');
  const children: ChildProcess[] = [];
  let link: TunLink | undefined;
  const cleanUp = async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await link?.close();
    await deleteNamespace(netns).catch(() => {});
    rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    void cleanUp().then(() => process.exit(130));
  });

  try {
    const source = new URL('../native/tools/udp-flood.c', import.meta.url).pathname;
    await runCommand('cc', ['-O2', '-o', flood, source]);
    await createNamespace(netns);
    link = await openTun({ netns, name: 'pps%d' });
    await configureKernelSide(netns, link.name, `${KERNEL_ADDR}/24`);
    const sink = spawn('ip', ['netns', 'exec', netns, 'python3', '-c', sinkScript()], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(sink);
    await new Promise((resolve) => sink.stdout.once('data', resolve));

    let handled = 0;
    link.onPackets((packets) => {
      handled += packets.length;
    });
    const payload = new Uint8Array(PAYLOAD_BYTES);
    const packets = Array.from({ length: 1024 }, (_, i) =>
      udpPacket(STACK_ADDR, KERNEL_ADDR, 10000 + i, SINK_PORT, payload),
    );

    const pinned = args.pin ? ', pinned (node on vCPU 0, sender on vCPU 1)' : '';
    const header = `tun-pps: ${runs} runs of ${seconds} s, ${PAYLOAD_BYTES}-byte UDP payloads`;
    console.log(`${header}, ${args.sender} sender${pinned}`);
    const reads: ReadResult[] = [];
    const writes: WriteResult[] = [];
    for (let run = 0; run < runs; run++) {
      const read = await readRun(netns, link, flood);
      const write = await writeRun(netns, link, packets);
      reads.push(read);
      writes.push(write);
      console.log(
        `  run ${run + 1}: read ${mpps(read.rate)} of ${mpps(read.offered)} sent ` +
          `(${read.perWake.toFixed(1)} per wake-up, ${mpps(read.perCpuSecond)} per CPU-second); ` +
          `write ${mpps(write.ours)}, kernel counted ${mpps(write.kernel)} ` +
          `(${mpps(write.perCpuSecond)} per CPU-second)`,
      );
    }
    const perWake = median(reads.map((r) => r.perWake)).toFixed(1);
    console.log(
      `${summary(
        'reads, handed to onPackets ',
        reads.map((r) => r.rate),
      )}, ${perWake} per wake-up`,
    );
    console.log(
      summary(
        'reads per CPU-second       ',
        reads.map((r) => r.perCpuSecond),
      ),
    );
    console.log(
      summary(
        'writes, kernel RX count    ',
        writes.map((w) => w.kernel),
      ),
    );
    console.log(
      summary(
        'writes per CPU-second      ',
        writes.map((w) => w.perCpuSecond),
      ),
    );
    console.log(`handler saw ${handled} packets in all; link counters: ${JSON.stringify(link.counters())}`);
  } finally {
    await cleanUp();
  }
}

function sinkScript(): string {
  return (
    'import socket, time\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n' +
    `s.bind(("${KERNEL_ADDR}", ${SINK_PORT}))\nprint("ready", flush=True)\ntime.sleep(3600)`
  );
}

await main();
