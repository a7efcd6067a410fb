// SYN flood over TUN: hping3 --flood -S at the stack's listener from inside the lab namespace, for a few
// seconds (then killed by its PID), while a legitimate kernel client keeps connecting. With SYN cookies at
// least 90% of the legitimate connections must complete (and echo) within 3 s, and the half-open queue
// must never exceed the listener's backlog.

import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { Stack } from '../../src/host.ts';
import { programMissing, toolGate, useLabSession } from './hostile/gate.ts';
import { describeKernelPeer } from './lab/environment.ts';
import { KernelPeerLab, STACK_ADDR, TUN_DEVICE } from './lab/namespace.ts';

const LEGIT = fileURLToPath(new URL('./hostile/legit_clients.py', import.meta.url));
const PORT = 7;
const FLOOD_SECONDS = 4;

const gate = toolGate('hostile-synflood', programMissing('hping3'));

describeKernelPeer('SYN flood over TUN (hping3)', () => {
  const session = useLabSession();

  it.skipIf(gate.skip)(
    'legitimate clients still connect within 3 s; the half-open queue stays under the backlog',
    async () => {
      gate.check();
      const lab = await KernelPeerLab.create();
      session.lab = lab;
      const stack = await Stack.tun({ netns: lab.netns, name: TUN_DEVICE });
      session.stack = stack;
      const server = stack.createServer((socket) => {
        // Peers in a flood reset their connections; as with node:net, an unhandled 'error' would throw.
        socket.on('error', () => socket.destroy());
        socket.pipe(socket);
      });
      server.listen(PORT);
      const listener = [...stack.core.tcp.listeners()].find((l) => l.localPort === PORT)!;
      expect(listener).toBeDefined();
      let peakHalfOpen = 0;
      const sampler = setInterval(() => {
        peakHalfOpen = Math.max(peakHalfOpen, listener.halfOpenCount);
      }, 5);

      // The legitimate client starts first and outlasts the flood by a second on each side.
      const legit = lab.exec('python3', [LEGIT, STACK_ADDR, String(PORT), String(FLOOD_SECONDS + 2)]);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const flood = lab.exec('hping3', ['--flood', '-q', '-S', '-p', String(PORT), STACK_ADDR]);
      await new Promise((resolve) => setTimeout(resolve, FLOOD_SECONDS * 1000));
      // SIGINT makes hping3 print its statistics before it exits (close() would SIGKILL it if it hung).
      flood.kill('SIGINT');
      await flood.finished(10_000);
      await legit.succeeded(30_000);
      clearInterval(sampler);
      server.close();

      const report = JSON.parse(legit.stdout);
      const hpingSent = Number(
        /(\d+) packets transmitted/.exec(flood.stdout + flood.stderr)?.[1] ?? Number.NaN,
      );
      const device = JSON.parse(await lab.run('ip', ['-j', '-s', 'link', 'show', 'dev', TUN_DEVICE]));
      // The kernel's view of the TUN: packets queued to the stack, and those dropped because it read too slowly.
      const tx = device[0].stats64.tx;
      const stats = stack.core.stats;
      const figures = {
        ...report,
        hpingSent,
        deviceTx: tx.packets,
        deviceTxDropped: tx.dropped,
        synsIn: stats.get('tcp.segments-in'),
        cookiesSent: stats.get('tcp.syn-cookies-sent'),
        cookiesAccepted: stats.get('tcp.syn-cookies-accepted'),
        replyQueueFull: stats.get('drop.tcp.reply-queue-full'),
        peakHalfOpen,
        backlog: listener.backlog,
      };
      console.log(`hostile-synflood: ${JSON.stringify(figures)}`);
      expect(stats.get('tcp.syn-cookies-sent')).toBeGreaterThan(0);
      expect(peakHalfOpen).toBeLessThanOrEqual(listener.backlog);
      expect(report.attempts).toBeGreaterThan(5);
      expect(report.within3s / report.attempts).toBeGreaterThanOrEqual(0.9);
    },
    120_000,
  );
});
