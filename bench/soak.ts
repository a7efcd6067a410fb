// Soak: two stacks on the in-memory link with 2% loss each way, running three workloads at once for a
// long time, to show whether memory grows or the event loop stalls as hours of traffic go by.
//
//   bulk       one connection after another, each sending 4 MiB to a discard server, then closing
//   ping-pong  one long connection, 64-byte request / 64-byte answer, back to back
//   churn      connect, exchange one byte, close; again and again (TIME_WAIT, port reuse, TCB recycling)
//
//   npx tsx bench/soak.ts [--minutes 3] [--seconds S] [--loss 0.02] [--seed 1] [--json]
// --minutes defaults to 3 (CI); 30 for a manual soak. --seconds overrides it (test/hostile/soak.test.ts
// runs a short one). Every tenth of the run it prints RSS, heap and external memory and the event-loop
// delay since the previous sample (perf_hooks.monitorEventLoopDelay); at the end the growth from the
// first sample (taken after a tenth of the run, once the pools and JIT have warmed up) to the last. With
// --json the last line is the summary as JSON.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Stack } from '../src/host.ts';
import type { NetSocket } from '../src/socket/net.ts';

const DISCARD_PORT = 9;
const ECHO_PORT = 7;
const CHURN_PORT = 13;
const BULK_BYTES = 4 * 1024 * 1024;
const CHUNK = new Uint8Array(64 * 1024).fill(0x5a);
const PING = new Uint8Array(64).fill(0x70);
const MiB = 1024 * 1024;

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    seconds: { type: 'string' },
    loss: { type: 'string', default: '0.02' },
    seed: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});
const durationMs = (args.seconds !== undefined ? Number(args.seconds) : Number(args.minutes) * 60) * 1000;
const loss = Number(args.loss);

interface Sample {
  atSeconds: number;
  rssMiB: number;
  heapMiB: number;
  externalMiB: number;
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
}

const totals = { bulkBytes: 0, bulkConnections: 0, roundTrips: 0, churnConnections: 0, errors: 0 };
const errorCodes = new Map<string, number>();
let running = true;

function noteError(error: Error & { code?: string }): void {
  totals.errors++;
  const code = error.code ?? error.message;
  errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1);
}

function closed(socket: NetSocket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });
}

function connected(stack: Stack, port: number, address: string): Promise<NetSocket> {
  return new Promise((resolve, reject) => {
    const socket = stack.connect({ host: address, port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

async function bulk(client: Stack, server: string): Promise<void> {
  while (running) {
    try {
      const socket = await connected(client, DISCARD_PORT, server);
      socket.on('error', noteError);
      // Read (and ignore) so that the server's FIN is consumed: a paused stream never emits 'end' or 'close'.
      socket.resume();
      for (let sent = 0; sent < BULK_BYTES && running; sent += CHUNK.length) {
        if (!socket.write(CHUNK)) await new Promise((resolve) => socket.once('drain', resolve));
        totals.bulkBytes += CHUNK.length;
      }
      socket.end();
      await closed(socket);
      totals.bulkConnections++;
    } catch (error) {
      noteError(error as Error);
    }
  }
}

async function pingPong(client: Stack, server: string): Promise<void> {
  const socket = await connected(client, ECHO_PORT, server);
  socket.on('error', noteError);
  let pending = 0;
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    pending -= chunk.length;
    if (pending <= 0) wake?.();
  });
  while (running && !socket.destroyed) {
    pending = PING.length;
    const answered = new Promise<void>((resolve) => (wake = resolve));
    socket.write(PING);
    await answered;
    totals.roundTrips++;
  }
  socket.destroy();
}

async function churn(client: Stack, server: string): Promise<void> {
  while (running) {
    try {
      const socket = await connected(client, CHURN_PORT, server);
      socket.on('error', noteError);
      await new Promise<void>((resolve) => {
        socket.once('data', () => resolve());
        socket.once('close', () => resolve());
        socket.write(PING.subarray(0, 1));
      });
      socket.end();
      await closed(socket);
      totals.churnConnections++;
    } catch (error) {
      noteError(error as Error);
    }
  }
}

function mib(bytes: number): number {
  return Math.round((bytes / MiB) * 10) / 10;
}

async function main(): Promise<void> {
  const [client, server] = await Stack.memoryPair({ seed: Number(args.seed), faults: { loss } });
  const discard = server.createServer((socket) => socket.on('data', () => {}).on('error', noteError));
  const echo = server.createServer((socket) => socket.on('error', noteError).pipe(socket));
  const churnServer = server.createServer((socket) =>
    socket.on('error', noteError).once('data', (chunk: Buffer) => socket.end(chunk)),
  );
  discard.listen(DISCARD_PORT);
  echo.listen(ECHO_PORT);
  churnServer.listen(CHURN_PORT);

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const samples: Sample[] = [];
  const started = performance.now();
  const interval = durationMs / 10;
  const sampler = setInterval(() => {
    const memory = process.memoryUsage();
    samples.push({
      atSeconds: Math.round((performance.now() - started) / 100) / 10,
      rssMiB: mib(memory.rss),
      heapMiB: mib(memory.heapUsed),
      externalMiB: mib(memory.external),
      loopP50Ms: Math.round(loop.percentile(50) / 1e5) / 10,
      loopP99Ms: Math.round(loop.percentile(99) / 1e5) / 10,
      loopMaxMs: Math.round(loop.max / 1e5) / 10,
    });
    loop.reset();
    if (!args.json) console.log(JSON.stringify({ ...samples.at(-1), ...totals }));
  }, interval);

  const workloads = [
    bulk(client, server.address),
    pingPong(client, server.address),
    churn(client, server.address),
  ];
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  running = false;
  clearInterval(sampler);
  await Promise.race([Promise.all(workloads), new Promise((resolve) => setTimeout(resolve, 5000))]);
  loop.disable();

  const first = samples[0]!;
  const last = samples.at(-1)!;
  const summary = {
    seconds: Math.round((performance.now() - started) / 1000),
    loss,
    ...totals,
    errorCodes: Object.fromEntries(errorCodes),
    bulkMiBPerSecond: Math.round((totals.bulkBytes / MiB / (durationMs / 1000)) * 10) / 10,
    rssGrowthMiB: Math.round((last.rssMiB - first.rssMiB) * 10) / 10,
    heapGrowthMiB: Math.round((last.heapMiB - first.heapMiB) * 10) / 10,
    worstLoopP99Ms: Math.max(...samples.map((s) => s.loopP99Ms)),
    worstLoopMaxMs: Math.max(...samples.map((s) => s.loopMaxMs)),
    connectionsLeft: [...client.core.tcp.connections()].length + [...server.core.tcp.connections()].length,
    samples,
  };
  await client.close();
  await server.close();
  console.log(JSON.stringify(summary));
  // Workloads still waiting on a stack that is now closed must not keep the process alive.
  process.exit(0);
}

await main();
