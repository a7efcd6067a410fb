// ustack against ustack over the in-memory pair (no syscalls: the JS ceiling). Stack B runs the
// benchmark's services; stack A is the client, doing what kernel-peer.py does on the kernel side, and
// printing the same one-line JSON results:
//
//   memory-pair.ts MODE SECONDS [COUNT] [--mtu N]
//   MODE: send | recv | rr-tcp | rr-udp | scale (COUNT connections) |
//         connrate (COUNT clients, each closing both ways) |
//         idle (COUNT established connections held; run with --expose-gc for the per-connection heap)

import { parseArgs } from 'node:util';
import { Stack } from '../../src/host.ts';
import {
  AF_INET,
  IPPROTO_TCP,
  SHUT_WR,
  SOCK_DGRAM,
  SOCK_STREAM,
  TCP_NODELAY,
} from '../../src/socket/constants.ts';
import type { Socket } from '../../src/socket/socket.ts';
import { collectedHeapBytes, exposedGc } from './collected-heap.ts';
import { DISCARD_PORT, ECHO_PORT, SOURCE_PORT, startServices } from './ustack-services.ts';

const SERVER = '198.18.0.2';
const CHUNK = new Uint8Array(1024 * 1024).fill(0x5a);
const SCALE_CHUNK = CHUNK.subarray(0, 64 * 1024);
/** As in kernel-peer.py: the scaling rate is taken once every buffer has filled. */
const SCALE_WARM_UP = 0.3;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { mtu: { type: 'string', default: '1500' } },
});
const [mode = '', secondsText = '1', countText = '1'] = positionals;
const seconds = Number(secondsText);
const count = Number(countText);

const [client, server] = await Stack.memoryPair({ mtu: Number(values.mtu) });
const services = startServices(server);

function report(fields: Record<string, number>): void {
  console.log(JSON.stringify(fields));
}

const clock = (): number => performance.now() / 1000;

async function connect(port: number): Promise<Socket> {
  const s = client.socket(AF_INET, SOCK_STREAM);
  await s.connect([SERVER, port]);
  return s;
}

async function send(): Promise<void> {
  const s = await connect(DISCARD_PORT);
  let sent = 0;
  const start = clock();
  while (clock() < start + seconds) {
    await s.sendall(CHUNK);
    sent += CHUNK.length;
  }
  s.shutdown(SHUT_WR);
  while ((await s.recv(65536)).length > 0);
  const elapsed = clock() - start;
  s.close();
  report({ bytes: sent, seconds: elapsed, gbps: (sent * 8) / elapsed / 1e9 });
}

async function recv(): Promise<void> {
  const s = await connect(SOURCE_PORT);
  let received = 0;
  const start = clock();
  await s.sendall(new TextEncoder().encode(`${Math.round(seconds * 1000)}\n`));
  for (;;) {
    const data = await s.recv(1024 * 1024);
    if (data.length === 0) break;
    received += data.length;
  }
  const elapsed = clock() - start;
  s.close();
  report({ bytes: received, seconds: elapsed, gbps: (received * 8) / elapsed / 1e9 });
}

async function pingPong(s: Socket, exchange: () => Promise<void>): Promise<void> {
  const samples: number[] = [];
  const start = clock();
  while (clock() < start + seconds) {
    const t0 = performance.now();
    await exchange();
    samples.push((performance.now() - t0) * 1000);
  }
  const elapsed = clock() - start;
  s.close();
  samples.sort((a, b) => a - b);
  const at = (p: number): number => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  report({ rtps: samples.length / elapsed, p50us: at(0.5), p99us: at(0.99), lost: 0 });
}

async function rrTcp(): Promise<void> {
  const s = await connect(ECHO_PORT);
  s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  const byte = new Uint8Array([0x78]);
  await pingPong(s, async () => {
    await s.send(byte);
    await s.recv(16);
  });
}

async function rrUdp(): Promise<void> {
  const s = client.socket(AF_INET, SOCK_DGRAM);
  const byte = new Uint8Array([0x78]);
  await pingPong(s, async () => {
    await s.sendto(byte, [SERVER, ECHO_PORT]);
    await s.recvfrom(16);
  });
}

async function connrate(): Promise<void> {
  let done = 0;
  let failed = 0;
  const start = clock();
  const byte = new Uint8Array([0x78]);
  const worker = async (): Promise<void> => {
    while (clock() < start + seconds) {
      const s = client.socket(AF_INET, SOCK_STREAM);
      try {
        await s.connect([SERVER, ECHO_PORT]);
        await s.send(byte);
        const echoed = (await s.recv(16)).length === 1;
        // As kernel-peer.py does: the cycle ends at the server's FIN after ours.
        s.shutdown(SHUT_WR);
        if (echoed && (await s.recv(16)).length === 0) done++;
        else failed++;
      } catch {
        failed++;
      } finally {
        s.close();
      }
    }
  };
  await Promise.all(Array.from({ length: count }, worker));
  report({ cps: done / (clock() - start), failed });
}

async function scale(): Promise<void> {
  const sockets = await Promise.all(Array.from({ length: count }, () => connect(DISCARD_PORT)));
  console.log('connected');
  await new Promise((resolve) => setTimeout(resolve, 500));
  const start = clock();
  const measureFrom = start + seconds * SCALE_WARM_UP;
  let counted = 0;
  await Promise.all(
    sockets.map(async (s) => {
      while (clock() < start + seconds) {
        const n = await s.send(SCALE_CHUNK);
        if (clock() >= measureFrom) counted += n;
      }
    }),
  );
  const elapsed = clock() - measureFrom;
  for (const s of sockets) s.close();
  report({ gbps: (counted * 8) / elapsed / 1e9, connections: count });
}

/** Heap and buffers held per idle established connection, both ends counted (one client, one server). */
async function idle(): Promise<void> {
  if (!exposedGc) throw new Error('idle needs node --expose-gc (the figure needs full collections)');
  const before = await collectedHeapBytes(exposedGc);
  const sockets = await Promise.all(Array.from({ length: count }, () => connect(DISCARD_PORT)));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const after = await collectedHeapBytes(exposedGc);
  for (const s of sockets) s.close();
  report({ bytesPerConnection: (after - before) / count, connections: count });
}

const modes: Record<string, () => Promise<void>> = {
  send,
  recv,
  'rr-tcp': rrTcp,
  'rr-udp': rrUdp,
  connrate,
  scale,
  idle,
};
const run = modes[mode];
if (!run) {
  console.error(`memory-pair: unknown mode '${mode}' (${Object.keys(modes).join(', ')})`);
  process.exit(2);
}
await run();
services.stop();
await Promise.all([client.close(), server.close()]);
process.exit(0);
