// ustack behind a TUN device in a lab namespace, serving the benchmark's services to the kernel-side
// client (kernel-peer.py) in that namespace. Prints 'ready' once listening; closes the stack on SIGTERM.
//
//   ustack-peer.ts --netns NS [--mtu N]      (root: creates the TUN device inside NS)

import { parseArgs } from 'node:util';
import { Stack } from '../../src/host.ts';
import { startServices } from './ustack-services.ts';

const { values } = parseArgs({
  options: { netns: { type: 'string' }, mtu: { type: 'string', default: '1500' } },
});
const stack = await Stack.tun({ name: 'ustack0', netns: values.netns, mtu: Number(values.mtu) });
const stopServices = startServices(stack);
console.log('ready');
process.once('SIGTERM', () => {
  stopServices();
  void stack.close().then(() => process.exit(0));
});
