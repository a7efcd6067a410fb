// Malformed packets into a live stack over TUN. The stack runs in this process behind a TUN device in a lab
// namespace; scapy (Debian's python3-scapy, run by /usr/bin/python3) writes 13 classes of broken packets
// straight onto the device through an AF_PACKET socket, so the kernel's IP layer never repairs them. Each
// class must land in exactly its own drop counter, and afterwards ping and a 1 MiB echo must still work.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { Stack } from '../../src/host.ts';
import { describeKernelPeer } from './lab/environment.ts';
import { KernelPeerLab, STACK_ADDR, TUN_DEVICE } from './lab/namespace.ts';

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

function scapyMissing(): string | undefined {
  if (!existsSync(SYSTEM_PYTHON)) return `${SYSTEM_PYTHON} is missing`;
  return undefined;
}

const missing = scapyMissing();
if (missing !== undefined && process.env.USTACK_REQUIRE_TUN !== '1')
  console.warn(`hostile-malformed skipped: ${missing}`);

describeKernelPeer('malformed packets over TUN (scapy through AF_PACKET)', () => {
  let lab: KernelPeerLab | undefined;
  let stack: Stack | undefined;

  afterEach(async () => {
    await stack?.close();
    await lab?.close();
    stack = undefined;
    lab = undefined;
  });

  // Under USTACK_REQUIRE_TUN=1 a missing tool fails the test instead of skipping it.
  it.skipIf(missing !== undefined && process.env.USTACK_REQUIRE_TUN !== '1')(
    'counts every class under its own reason, then still answers ping and echoes 1 MiB',
    async () => {
      if (missing !== undefined) throw new Error(missing);
      lab = await KernelPeerLab.create();
      stack = await Stack.tun({ netns: lab.netns, name: TUN_DEVICE });
      const server = stack.createServer((socket) => socket.pipe(socket));
      server.listen(ECHO_PORT);
      const before = stack.core.stats.snapshot();

      const inject = lab.exec(SYSTEM_PYTHON, [INJECT, TUN_DEVICE, String(COPIES)]);
      await inject.succeeded(60_000);
      const sent: Record<string, number> = JSON.parse(inject.stdout);
      expect(Object.keys(sent).sort()).toEqual(Object.keys(EXPECTED).sort());

      const wanted: Record<string, number> = {};
      for (const [name, count] of Object.entries(sent)) {
        const reason = `drop.${EXPECTED[name]}`;
        wanted[reason] = (wanted[reason] ?? 0) + count;
      }
      // The device delivers asynchronously: wait until the last class has been counted.
      const deadline = Date.now() + 10_000;
      const delta = (name: string) => stack!.core.stats.get(name) - (before[name] ?? 0);
      while (Date.now() < deadline && Object.entries(wanted).some(([r, n]) => delta(r) < n)) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const got = Object.fromEntries(Object.keys(wanted).map((reason) => [reason, delta(reason)]));
      console.log(`hostile-malformed: ${JSON.stringify(got)}`);
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
