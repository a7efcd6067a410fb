// nmap's OS detection rates how predictable a host's TCP initial sequence numbers are ("TCP Sequence
// Prediction: Difficulty=N (class)"). RFC 6528 ISNs must rate no worse than the kernel's: nmap -O runs
// against the stack (an open and a closed port) and against the kernel side of the same lab namespace.

import { expect, it } from 'vitest';
import { Stack } from '../../src/host.ts';
import { programMissing, toolGate, useLabSession } from './hostile/gate.ts';
import { describeKernelPeer } from './lab/environment.ts';
import { KERNEL_ADDR, KernelPeerLab, STACK_ADDR, TUN_DEVICE } from './lab/namespace.ts';

const OPEN_PORT = 7;
const CLOSED_PORT = 9;
/** nmap's difficulty classes (osscan2.cc seqreport), from easiest to hardest. */
const CLASSES = ['Trivial joke', 'Easy', 'Medium', 'Formidable', 'Worthy challenge', 'Good luck!'];

const KERNEL_LISTENER = `
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("${KERNEL_ADDR}", ${OPEN_PORT}))
s.listen(64)
print("listening", flush=True)
time.sleep(600)
`;

interface Rating {
  difficulty: number;
  rank: number;
  line: string;
}

function rating(output: string): Rating {
  const match = /TCP Sequence Prediction: Difficulty=(\d+) \(([^)]+)\)/.exec(output);
  if (!match) throw new Error(`nmap printed no sequence prediction line:\n${output.slice(-1500)}`);
  return { difficulty: Number(match[1]), rank: CLASSES.indexOf(match[2]!), line: match[0] };
}

const gate = toolGate('hostile-nmap', programMissing('nmap'));

describeKernelPeer('ISN predictability as nmap -O rates it', () => {
  const session = useLabSession();

  it.skipIf(gate.skip)(
    'the stack rates no worse than the kernel',
    async () => {
      gate.check();
      const lab = await KernelPeerLab.create();
      session.lab = lab;
      const stack = await Stack.tun({ netns: lab.netns, name: TUN_DEVICE });
      session.stack = stack;
      const server = stack.createServer((socket) => socket.end());
      server.listen(OPEN_PORT);
      const kernelListener = lab.exec('python3', ['-c', KERNEL_LISTENER]);
      await kernelListener.waitForLine(/^listening$/);
      const ports = `${OPEN_PORT},${CLOSED_PORT}`;
      const args = (target: string) => ['-O', '-v', '-n', '-Pn', '--max-os-tries', '1', '-p', ports, target];
      const ourScan = await lab.run('nmap', args(STACK_ADDR));
      const kernelScan = await lab.run('nmap', args(KERNEL_ADDR));
      // Both scans must have found the open port, or the rating would rest on nothing.
      for (const scan of [ourScan, kernelScan]) expect(scan).toMatch(new RegExp(`${OPEN_PORT}/tcp\\s+open`));
      const ours = rating(ourScan);
      const kernels = rating(kernelScan);
      kernelListener.kill('SIGKILL');
      server.close();
      console.log(`hostile-nmap: ustack "${ours.line}", kernel "${kernels.line}"`);
      expect(ours.rank).toBeGreaterThanOrEqual(0);
      expect(ours.rank).toBeGreaterThanOrEqual(kernels.rank);
    },
    180_000,
  );
});
