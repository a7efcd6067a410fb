// ustack behind a TUN device in a lab namespace, serving the benchmark's services to the kernel-side
// client (kernel-peer.py) in that namespace. Prints 'ready' once listening; closes the stack on SIGTERM.
// On SIGUSR2 it collects all garbage and prints 'memory BYTES CONNECTIONS': its heap and external memory
// (collected-heap.ts) and the TCP connections its services hold, for the per-connection memory figure.
// An RSS difference would measure when the collector last ran, not what the connections hold.
//
//   node --expose-gc --import tsx ustack-peer.ts --netns NS [--mtu N] [--no-offload]   (root: TUN in NS)

import { parseArgs } from 'node:util';
import { Stack } from '../../src/host.ts';
import { collectedHeapBytes, exposedGc } from './collected-heap.ts';
import { startServices } from './ustack-services.ts';

const { values } = parseArgs({
  options: {
    netns: { type: 'string' },
    mtu: { type: 'string', default: '1500' },
    'no-offload': { type: 'boolean', default: false },
  },
});
const gc = exposedGc;
if (!gc) {
  console.error('ustack-peer: run node with --expose-gc (the memory report needs a full collection)');
  process.exit(2);
}
const stack = await Stack.tun({
  name: 'ustack0',
  netns: values.netns,
  mtu: Number(values.mtu),
  offload: !values['no-offload'],
});
const services = startServices(stack);
// Before 'ready': the benchmark may signal as soon as it reads that line.
process.on('SIGUSR2', () => {
  void collectedHeapBytes(gc).then((bytes) => console.log(`memory ${bytes} ${services.open}`));
});
console.log('ready');
process.once('SIGTERM', () => {
  services.stop();
  void stack.close().then(() => process.exit(0));
});
