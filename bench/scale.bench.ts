// Scaling: what the core costs as connections multiply (issue 6: throughput and memory with 1 to 1,000
// connections; issue 8: 10,000 connections at once).
//
//   throughput  N = 1, 10, 100, 1,000 concurrent bulk connections between two StackCores wired back to back
//               (0.5 ms each way, no loss) on a ManualClock; the applications write and read only the
//               endpoints the core reported as changed, as the socket facade does. Figures: aggregate
//               payload MB per CPU second, and the CPU time of one driver step (ingress of the packets
//               due, poll and pollAt of both cores, and the applications' reads and writes).
//   idle step   one bulk connection beside 10,000 idle established ones: CPU µs per driver step.
// CPU time (process.cpuUsage) rather than wall time, so that other processes on the core blur less.
//   memory      heap + ArrayBuffers per idle established endpoint, 10,000 connections (20,000 endpoints
//               in this process: both ends live here), measured after a full GC.
//
//   taskset -c 0 npx tsx bench/scale.bench.ts [--runs 3] [--megabytes 32]
// Each figure is the median over the runs.

import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isErrno } from '../src/base/errno.ts';
import { SeededRng } from '../src/base/rng.ts';
import { StackCore } from '../src/stack.ts';
import type { TcpListener } from '../src/tcp/listener.ts';
import type { Tcb } from '../src/tcp/tcb.ts';
import { median } from './lib/stats.ts';

const CLIENT = 0xc6120001; // 198.18.0.1
const SERVER = 0xc6120002; // 198.18.0.2
const PORT = 5001;
const ONE_WAY_DELAY = 500; // µs
/** Small rings so that 1,000 busy connections fit in memory; the same for every N to keep them comparable. */
const BUFFER_BYTES = 128 * 1024;
const CHUNK = new Uint8Array(16 * 1024).fill(0x5a);
const IDLE_CONNECTIONS = 10_000;
const IDLE_STEPS = 500;

const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, megabytes: { type: 'string', default: '32' } },
});
const runs = Number(args.runs);
const targetBytes = Number(args.megabytes) * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface InFlight {
  at: number;
  toServer: boolean;
  packet: Uint8Array;
}

/** Two cores on a constant-delay wire: arrivals keep send order, so one FIFO queue serves both ways. */
class CorePair {
  now = 0;
  steps = 0;
  readonly client: StackCore;
  readonly server: StackCore;
  private queue: InFlight[] = [];
  private head = 0;

  constructor(seed: number) {
    const make = (addr: number, salt: number) =>
      new StackCore({
        interfaces: [{ addr, prefixLen: 24, mtu: 1500 }],
        rng: new SeededRng(seed ^ salt),
        secret: new Uint8Array(16).fill(salt & 0xff),
        tcp: { sendBuffer: BUFFER_BYTES, recvBuffer: BUFFER_BYTES },
      });
    this.client = make(CLIENT, 0x11);
    this.server = make(SERVER, 0x22);
  }

  /**
   * One driver step for each core at the current instant, then the clock moves to the next arrival or
   * deadline. Returns false when nothing is left to do.
   */
  step(): boolean {
    while (this.head < this.queue.length && this.queue[this.head]!.at <= this.now) {
      const { toServer, packet } = this.queue[this.head++]!;
      (toServer ? this.server : this.client).ingress(this.now, 0, packet);
    }
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    const at = this.now + ONE_WAY_DELAY;
    this.client.poll(this.now, (_iface, packet) => this.queue.push({ at, toServer: true, packet }));
    this.server.poll(this.now, (_iface, packet) => this.queue.push({ at, toServer: false, packet }));
    const clientAt = this.client.pollAt();
    const serverAt = this.server.pollAt();
    this.steps++;
    let next = this.head < this.queue.length ? this.queue[this.head]!.at : undefined;
    for (const t of [clientAt, serverAt]) if (t !== undefined && (next === undefined || t < next)) next = t;
    if (next === undefined) return false;
    this.now = Math.max(this.now, next);
    return true;
  }

  listen(): TcpListener {
    const listener = this.server.tcp.listen(SERVER, PORT, 65535);
    if (isErrno(listener)) throw new Error(listener.errno);
    return listener;
  }

  connect(): Tcb {
    const tcb = this.client.tcp.connect(this.now, CLIENT, 0, SERVER, PORT);
    if (isErrno(tcb)) throw new Error(tcb.errno);
    return tcb;
  }

  /** Opens n connections and runs until every one is accepted and both sides are established. */
  establish(n: number): { clients: Tcb[]; servers: Tcb[] } {
    const listener = this.listen();
    const clients = Array.from({ length: n }, () => this.connect());
    const servers: Tcb[] = [];
    while (servers.length < n || clients.some((c) => c.state !== 'ESTABLISHED')) {
      const more = this.step();
      for (let tcb = listener.accept(); !isErrno(tcb); tcb = listener.accept()) servers.push(tcb);
      if (!more && servers.length < n) throw new Error('the handshakes stalled');
    }
    this.client.takeChanged();
    this.server.takeChanged();
    return { clients, servers };
  }
}

const readBuffer = new Uint8Array(64 * 1024);

/** Reads everything queued on a server endpoint; returns the bytes. */
function drain(tcb: Tcb): number {
  let total = 0;
  for (;;) {
    const n = tcb.recv(readBuffer);
    if (isErrno(n) || n === 0) return total;
    total += n;
  }
}

/** Fills a client endpoint's send buffer. */
function fill(tcb: Tcb): void {
  for (;;) {
    const n = tcb.send(CHUNK);
    if (isErrno(n) || n < CHUNK.length) return;
  }
}

interface ThroughputRun {
  megabytesPerSecond: number;
  microsPerStep: number;
}

/** User + system CPU time of this process, in µs. */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** N connections each writing without pause until the server side has read targetBytes in all. */
function throughput(n: number, seed: number): ThroughputRun {
  const pair = new CorePair(seed);
  const { clients, servers } = pair.establish(n);
  const senders = new Set<unknown>(clients);
  const receivers = new Set<unknown>(servers);
  for (const tcb of clients) fill(tcb);
  pair.steps = 0;
  let delivered = 0;
  const started = cpuMicros();
  while (delivered < targetBytes) {
    if (!pair.step()) throw new Error('the transfer stalled');
    for (const e of pair.server.takeChanged()) if (receivers.has(e)) delivered += drain(e as Tcb);
    for (const e of pair.client.takeChanged()) if (senders.has(e)) fill(e as Tcb);
  }
  const micros = cpuMicros() - started;
  return { megabytesPerSecond: delivered / micros, microsPerStep: micros / pair.steps };
}

/** One connection moving data beside many idle ones: what an idle connection adds to every step. */
function idleStep(seed: number): number {
  const pair = new CorePair(seed);
  const { clients, servers } = pair.establish(IDLE_CONNECTIONS + 1);
  const [bulkClient, bulkServer] = [clients[0]!, servers[0]!];
  const busyStep = (): void => {
    drain(bulkServer);
    fill(bulkClient);
    if (!pair.step()) throw new Error('the transfer stalled');
  };
  for (let i = 0; i < 200; i++) busyStep(); // past the handshakes' delayed ACKs
  pair.steps = 0;
  const started = cpuMicros();
  while (pair.steps < IDLE_STEPS) busyStep();
  return (cpuMicros() - started) / pair.steps;
}

function memoryInUse(): number {
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Bytes per idle established endpoint (one Tcb with its rings, maps and timers). */
function memoryPerEndpoint(seed: number): number {
  const before = memoryInUse();
  const pair = new CorePair(seed);
  const { clients, servers } = pair.establish(IDLE_CONNECTIONS);
  for (let i = 0; i < 200; i++) pair.step();
  const after = memoryInUse();
  // Keep everything reachable until measured.
  if (clients.length + servers.length !== 2 * IDLE_CONNECTIONS) throw new Error('lost connections');
  return (after - before) / (2 * IDLE_CONNECTIONS);
}

function repeat<T>(f: (seed: number) => T): T[] {
  return Array.from({ length: runs }, (_, i) => f(i + 1));
}

console.log(`scale bench: ${runs} runs, ${args.megabytes} MB per throughput run, medians`);
// JIT warm-up, not measured: the figures keep climbing for the first few runs of a process.
for (const n of [1, 10, 100, 1, 10, 100]) throughput(n, 0);
for (const n of [1, 10, 100, 1000]) {
  const results = repeat((seed) => throughput(n, seed));
  const mbps = median(results.map((r) => r.megabytesPerSecond));
  const step = median(results.map((r) => r.microsPerStep));
  console.log(
    `  ${String(n).padStart(5)} connections: ${mbps.toFixed(1).padStart(7)} MB per CPU second, ${step.toFixed(1).padStart(7)} CPU µs per step`,
  );
}
const idle = median(repeat(idleStep));
console.log(`  1 busy + ${IDLE_CONNECTIONS} idle connections: ${idle.toFixed(1)} CPU µs per step`);
const memory = median(repeat(memoryPerEndpoint));
console.log(
  `  memory per idle established endpoint: ${(memory / 1024).toFixed(2)} KiB (heap + ArrayBuffers)`,
);
