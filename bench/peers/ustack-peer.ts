// ustack behind a TUN device in a lab namespace, serving the benchmark's services to the kernel-side
// client (kernel-peer.py) in that namespace. Prints 'ready' once listening; closes the stack on SIGTERM.
// On SIGUSR2 it collects all garbage and prints 'memory BYTES CONNECTIONS': the V8 heap in use plus
// external memory (the ArrayBuffers of every connection's byte rings), and the TCP connections its
// services hold, for the per-connection memory figure. An RSS difference would measure when the collector
// last ran, not what the connections hold.
//
//   node --expose-gc --import tsx ustack-peer.ts --netns NS [--mtu N]   (root: the TUN device goes in NS)

import { parseArgs } from 'node:util';
import { Stack } from '../../src/host.ts';
import { startServices } from './ustack-services.ts';

const { values } = parseArgs({
  options: { netns: { type: 'string' }, mtu: { type: 'string', default: '1500' } },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('ustack-peer: run node with --expose-gc (the memory report needs a full collection)');
  process.exit(2);
}
const stack = await Stack.tun({ name: 'ustack0', netns: values.netns, mtu: Number(values.mtu) });
const services = startServices(stack);
/**
 * Heap in use plus external memory once collecting frees nothing more. One gc() is not enough: the
 * ArrayBuffers it finds dead are freed by V8's sweeper after it returns, so right after a run of bulk
 * transfers one collection still reports tens of MB that the next one gives back.
 */
async function collectedBytes(): Promise<number> {
  let previous = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 10; round++) {
    gc!();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const { heapUsed, external } = process.memoryUsage();
    const bytes = heapUsed + external;
    if (bytes >= previous * 0.99) return Math.min(bytes, previous);
    previous = bytes;
  }
  return previous;
}

// Before 'ready': the benchmark may signal as soon as it reads that line.
process.on('SIGUSR2', () => {
  void collectedBytes().then((bytes) => console.log(`memory ${bytes} ${services.open}`));
});
console.log('ready');
process.once('SIGTERM', () => {
  services.stop();
  void stack.close().then(() => process.exit(0));
});
