// Malformed packets into a live stack over TUN. The stack runs in this process behind a TUN device in a lab
// namespace; scapy (Debian's python3-scapy, run by /usr/bin/python3) writes 13 classes of broken packets
// straight onto the device through an AF_PACKET socket, so the kernel's IP layer never repairs them. Each
// class must land in exactly its own drop counter, and afterwards ping and a 1 MiB echo must still work.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { Stack } from '../../src/host.ts';
import { configureKernelSide } from '../../src/link/netns.ts';
import { openTun } from '../../src/link/tun.ts';
import { toolGate, useLabSession } from './hostile/gate.ts';
import { describeKernelPeer } from './lab/environment.ts';
import { KERNEL_ADDR, KernelPeerLab, STACK_ADDR, TUN_DEVICE } from './lab/namespace.ts';

const SYSTEM_PYTHON = '/usr/bin/python3';
const INJECT = fileURLToPath(new URL('./hostile/inject.py', import.meta.url));
const COPIES = 20;
const ECHO_PORT = 7;
const MiB = 1024 * 1024;

/** Each class the script sends and the drop counter it must land in. */
const EXPECTED: Record<string, string> = {
  'bad-version': 'ipv4.bad-version',
  'ihl-below-5': 'ipv4.bad-ihl',
  'total-length-past-buffer': 'ipv4.bad-total-length',
  'total-length-below-header': 'ipv4.bad-total-length',
  'bad-ip-checksum': 'ipv4.bad-checksum',
  'bad-tcp-checksum': 'tcp.bad-checksum',
  'bad-udp-checksum': 'udp.bad-checksum',
  'data-offset-below-5': 'tcp.bad-data-offset',
  'data-offset-past-end': 'tcp.bad-data-offset',
  'truncated-options': 'tcp.bad-options',
  'syn-fin': 'tcp.bad-flags',
  'zero-source-port': 'tcp.zero-port',
  'overlapping-fragments': 'ipv4.frag-overlap',
  'fragment-past-65535': 'ipv4.fragment-overflow',
};

/** Classes a link with offloads drops itself (its count: 'drop.tun.rx-bad-checksum' in link.counters()). */
const CHECKSUM_CLASSES = new Set(['bad-tcp-checksum', 'bad-udp-checksum']);

function scapyMissing(): string | undefined {
  if (!existsSync(SYSTEM_PYTHON)) return `${SYSTEM_PYTHON} is missing`;
  return undefined;
}

const gate = toolGate('hostile-malformed', scapyMissing());

describeKernelPeer('malformed packets over TUN (scapy through AF_PACKET)', () => {
  const session = useLabSession();

  it.skipIf(gate.skip).each([false, true])(
    'offload %s: counts every class under its own reason, then still answers ping and echoes 1 MiB',
    async (offload) => {
      gate.check();
      const lab = await KernelPeerLab.create();
      session.lab = lab;
      // As Stack.tun() does, but with the offload choice exposed: with offloads the link itself checks the
      // TCP/UDP checksums the kernel vouched nothing for (AF_PACKET writes carry a zero virtio_net_hdr).
      const link = await openTun({ name: TUN_DEVICE, netns: lab.netns, offload });
      await configureKernelSide(lab.netns, link.name, `${KERNEL_ADDR}/24`);
      const stack = new Stack([link], {
        addresses: [`${STACK_ADDR}/24`],
        gateway: KERNEL_ADDR,
      });
      session.stack = stack;
      expect(link.offload).toBe(offload);
      const server = stack.createServer((socket) => {
        // Peers in a flood reset their connections; as with node:net, an unhandled 'error' would throw.
        socket.on('error', () => socket.destroy());
        socket.pipe(socket);
      });
      server.listen(ECHO_PORT);
      const counters = (): Record<string, number> => ({
        ...stack!.core.stats.snapshot(),
        ...link.counters(),
      });
      const before = counters();

      const inject = lab.exec(SYSTEM_PYTHON, [INJECT, TUN_DEVICE, String(COPIES)]);
      await inject.succeeded(60_000);
      const sent: Record<string, number> = JSON.parse(inject.stdout);
      expect(Object.keys(sent).sort()).toEqual(Object.keys(EXPECTED).sort());

      const wanted: Record<string, number> = {};
      for (const [name, count] of Object.entries(sent)) {
        const reason =
          offload && CHECKSUM_CLASSES.has(name) ? 'drop.tun.rx-bad-checksum' : `drop.${EXPECTED[name]}`;
        wanted[reason] = (wanted[reason] ?? 0) + count;
      }
      // The device delivers asynchronously: wait until the last class has been counted.
      const deadline = Date.now() + 10_000;
      const delta = (name: string) => (counters()[name] ?? 0) - (before[name] ?? 0);
      while (Date.now() < deadline && Object.entries(wanted).some(([r, n]) => delta(r) < n)) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const got = Object.fromEntries(Object.keys(wanted).map((reason) => [reason, delta(reason)]));
      console.log(`hostile-malformed (offload ${offload}): ${JSON.stringify(got)}`);
      expect(got).toEqual(wanted);

      const ping = await lab.run('ping', ['-c', '3', '-i', '0.2', '-W', '2', STACK_ADDR]);
      expect(ping).toMatch(/3 packets transmitted, 3 received/);
      const client = lab.python('tcp_client.py', [STACK_ADDR, String(ECHO_PORT), String(MiB)]);
      await client.succeeded(60_000);
      const report = JSON.parse(client.stdout);
      expect(report.received).toBe(MiB);
      expect(report.receivedSha256).toBe(report.sentSha256);
      server.close();
    },
    120_000,
  );
});
