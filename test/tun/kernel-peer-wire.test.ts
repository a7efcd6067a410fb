// What ustack puts on the wire, checked by the kernel's own tools: the MSS each side announces at TUN MTUs
// 1500, 9000 and 65535 (RFC 9293 §3.7.1: MSS = MTU − 40 for IPv4 and TCP headers without options), tshark
// reading ustack's --pcap without a malformed packet or bad checksum, and ustack's --trace lines agreeing
// with `tcpdump -nn` on the same device. Own namespace per test, 198.18.0.0/15 only.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { writeRandomFile } from './lab/digest.ts';
import { describeKernelPeer } from './lab/environment.ts';
import { KERNEL_ADDR, KernelPeerLab, STACK_ADDR, TUN_DEVICE } from './lab/namespace.ts';

const MiB = 1024 * 1024;
const ECHO_PORT = '7';
const SERVER_PORT = '5001';
const dir = mkdtempSync(join(tmpdir(), 'ustack-kp-wire-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The packets to or from a port in tcpdump/--trace text, without timestamp, interface or direction. */
function connectionLines(text: string, addr = STACK_ADDR, port = ECHO_PORT): string[] {
  const endpoint = new RegExp(`\\b${addr.replaceAll('.', '\\.')}\\.${port}[ :]`);
  return text
    .split('\n')
    .filter((line) => endpoint.test(line))
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

  /** The MSS options of the connection's SYN and SYN-ACK, from --trace lines, as [sent by, mss]. */
  function announcedMss(trace: string): Array<[string, number]> {
    return [...connectionLines(trace), ...connectionLines(trace, KERNEL_ADDR, SERVER_PORT)]
      .filter((line) => /Flags \[S\.?\],/.test(line))
      .map((line) => [
        line.split(' ')[1]!.replace(/\.\d+$/, ''),
        Number(/options \[mss (\d+),/.exec(line)?.[1]),
      ]);
  }

  for (const mtu of [1500, 9000, 65535]) {
    it(`announces MSS ${mtu - 40} at MTU ${mtu}, as the kernel does, and moves 8 MiB byte-exact`, async () => {
      lab = await KernelPeerLab.create();
      const mss = mtu - 40;
      // The kernel opens: its SYN and ustack's SYN-ACK.
      const serve = lab.ustack('serve', ['--echo', ECHO_PORT, '--mtu', String(mtu), '--trace']);
      await serve.waitForLine(/^ready$/);
      const client = lab.python('tcp_client.py', [STACK_ADDR, ECHO_PORT, String(8 * MiB)]);
      await client.succeeded(60_000);
      const report = JSON.parse(client.stdout);
      expect(report.received).toBe(8 * MiB);
      expect(report.receivedSha256).toBe(report.sentSha256);
      await serve.stop();
      expect(announcedMss(serve.stderr)).toEqual([
        [KERNEL_ADDR, mss],
        [STACK_ADDR, mss],
      ]);

      // ustack opens: its SYN and the kernel's SYN-ACK.
      const server = lab.python('tcp_server.py', [SERVER_PORT, '0']);
      await server.waitForLine(/^ready$/);
      const upload = join(dir, 'upload.bin');
      const sent = writeRandomFile(upload, 8 * MiB);
      const nc = lab.ustack('nc', [KERNEL_ADDR, SERVER_PORT, '--mtu', String(mtu), '--trace'], {
        stdin: { file: upload },
      });
      await nc.succeeded(60_000);
      await server.succeeded(10_000);
      const received = JSON.parse(server.stdout.split('\n')[1]!);
      expect({ bytes: received.received, sha256: received.receivedSha256 }).toEqual(sent);
      expect(announcedMss(nc.stderr)).toEqual([
        [STACK_ADDR, mss],
        [KERNEL_ADDR, mss],
      ]);
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
    for (const addr of [STACK_ADDR, KERNEL_ADDR]) expect(sentBy(traced, addr)).toEqual(sentBy(dumped, addr));
    expect([...traced].sort()).toEqual([...dumped].sort());
  }, 60_000);
});
