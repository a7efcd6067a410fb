// closeLabStack at the end of a lab command: a connection the command has closed may still hold data the
// peer has not taken yet. The kernel would deliver it after the process exits; the lab stack has to do it
// before it goes, or the peer waits forever for bytes that never come (the kernel-peer `nc -l` hang).

import { afterEach, expect, it } from 'vitest';
import { closeLabStack } from '../../src/cli/lab.ts';
import { Stack } from '../../src/host.ts';
import { AF_INET, SHUT_WR, SOCK_STREAM } from '../../src/socket/constants.ts';
import type { Socket } from '../../src/socket/socket.ts';

const KiB = 1024;
const BUFFER = 64 * KiB;

let stacks: Stack[] = [];
afterEach(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  stacks = [];
});

/** A connected pair of sockets, `near` on stack a and `far` on stack b, with small socket buffers. */
async function connectedPair(): Promise<{ a: Stack; b: Stack; near: Socket; far: Socket }> {
  const [a, b] = await Stack.memoryPair({ seed: 5, tcp: { sendBuffer: BUFFER, recvBuffer: BUFFER } });
  stacks = [a, b];
  const listener = b.socket(AF_INET, SOCK_STREAM);
  listener.bind(['', 5002]);
  listener.listen(1);
  const near = a.socket(AF_INET, SOCK_STREAM);
  await near.connect([b.address, 5002]);
  const [far] = await listener.accept();
  listener.close();
  return { a, b, near, far };
}

function pattern(length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + (i >>> 8)) & 0xff;
  return out;
}

async function readToEnd(sock: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (;;) {
    const chunk = await sock.recv(16 * KiB);
    if (chunk.length === 0) return Buffer.concat(chunks);
    chunks.push(chunk);
  }
}

it('closeLabStack lets a closed connection deliver its queued data and FIN before the stack goes', async () => {
  const { a, near, far } = await connectedPair();
  // As in `nc -l` with a kernel client: the peer half-closes first, and its EOF ends the command while
  // our last writes still sit in the send buffer behind a peer window that the peer has not reopened.
  far.shutdown(SHUT_WR);
  expect((await near.recv(1)).length).toBe(0);
  const payload = pattern(BUFFER + BUFFER / 2);
  await near.sendall(payload);
  near.close();
  expect(near.connection?.sendQueued).toBeGreaterThan(0);

  const closing = closeLabStack(a, {});
  far.settimeout(5);
  const received = await readToEnd(far);
  expect(received.length).toBe(payload.length);
  expect(received.equals(payload)).toBe(true);
  await closing;
});

it('Stack.finishClosing gives up at its deadline while the peer keeps its window shut', async () => {
  const { a, near } = await connectedPair();
  expect(await a.finishClosing(0)).toBe(true);
  await near.sendall(pattern(BUFFER + BUFFER / 2));
  near.close();
  expect(await a.finishClosing(200)).toBe(false);
  expect(near.connection?.state).toBe('FIN_WAIT_1');
});
