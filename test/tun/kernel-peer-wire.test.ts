// What ustack puts on the wire, checked by the kernel's own tools: the MSS each side announces at TUN MTUs
// 1500, 9000 and 65535 (RFC 9293 §3.7.1: MSS = MTU − 40 for IPv4 and TCP headers without options), tshark
// reading ustack's --pcap without a malformed packet or bad checksum, and ustack's --trace lines agreeing
// with `tcpdump -nn` on the same device. Own namespace per test, 198.18.0.0/15 only.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { describeKernelPeer } from './lab/environment.ts';
import { KernelPeerLab, STACK_ADDR, TUN_DEVICE } from './lab/namespace.ts';

const MiB = 1024 * 1024;
const ECHO_PORT = '7';
const dir = mkdtempSync(join(tmpdir(), 'ustack-kp-wire-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The packets of the echo connection in tcpdump/--trace text, without timestamp, interface or direction. */
function connectionLines(text: string): string[] {
  const echoPort = new RegExp(`\\b${STACK_ADDR.replaceAll('.', '\\.')}\\.${ECHO_PORT}[ :]`);
  return text
    .split('\n')
    .filter((line) => echoPort.test(line))
    .map((line) =>
      line.replace(/^\d\d:\d\d:\d\d\.\d+ +/, '').replace(new RegExp(`^${TUN_DEVICE} +(In|Out) +`), ''),
    );
}

function sentBy(lines: string[], addr: string): string[] {
  return lines.filter((line) => line.startsWith(`IP ${addr}.`));
}

describeKernelPeer('ustack on the wire, as the kernel’s tools see it', () => {
  let lab: KernelPeerLab | undefined;
  afterEach(async () => {
    await lab?.close();
    lab = undefined;
  });

  for (const mtu of [1500, 9000, 65535]) {
    it(`announces MSS ${mtu - 40} at MTU ${mtu}, as the kernel does, and echoes 8 MiB byte-exact`, async () => {
      lab = await KernelPeerLab.create();
      const serve = lab.ustack('serve', ['--echo', ECHO_PORT, '--mtu', String(mtu), '--trace']);
      await serve.waitForLine(/^ready$/);
      const client = lab.python('tcp_client.py', [STACK_ADDR, ECHO_PORT, String(8 * MiB)]);
      await client.succeeded(60_000);
      const report = JSON.parse(client.stdout);
      expect(report.received).toBe(8 * MiB);
      expect(report.receivedSha256).toBe(report.sentSha256);
      await serve.stop();
      const lines = connectionLines(serve.stderr);
      const syn = lines.find((line) => line.includes('Flags [S],'));
      const synAck = lines.find((line) => line.includes('Flags [S.],'));
      expect(syn).toMatch(new RegExp(`options \\[mss ${mtu - 40},`));
      expect(synAck).toMatch(new RegExp(`options \\[mss ${mtu - 40},`));
    }, 90_000);
  }

  it('writes a pcap tshark reads without malformed packets or bad checksums, and traces what tcpdump sees', async () => {
    lab = await KernelPeerLab.create();
    const pcap = join(dir, 'session.pcap');
    const serve = lab.ustack('serve', ['--echo', ECHO_PORT, '--trace', '--pcap', pcap]);
    await serve.waitForLine(/^ready$/);
    const tcpdump = lab.exec('tcpdump', ['-nn', '-l', '-i', TUN_DEVICE, 'tcp']);
    await tcpdump.waitForLine(/^listening on/, 'stderr');
    const client = lab.python('tcp_client.py', [STACK_ADDR, ECHO_PORT, String(256 * 1024)]);
    await client.succeeded(30_000);
    // Let the last ACK reach both captures before they stop.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await tcpdump.stop();
    await serve.stop();

    const all = await lab.run('tshark', ['-n', '-r', pcap]);
    const suspicious = await lab.run('tshark', [
      ...['-n', '-r', pcap, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE'],
      ...['-Y', '_ws.malformed || ip.checksum.status == "Bad" || tcp.checksum.status == "Bad"'],
    ]);
    expect(all.trim().split('\n').length).toBeGreaterThan(10);
    expect(suspicious).toBe('');

    const traced = connectionLines(serve.stderr);
    const dumped = connectionLines(tcpdump.stdout);
    expect(traced.length).toBeGreaterThan(10);
    // Each side's packets in the order it sent them; across directions the two vantage points may
    // interleave packets that crossed on the wire differently.
    for (const addr of [STACK_ADDR, '198.18.0.1']) expect(sentBy(traced, addr)).toEqual(sentBy(dumped, addr));
    expect([...traced].sort()).toEqual([...dumped].sort());
  }, 60_000);
});
