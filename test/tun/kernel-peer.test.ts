// ustack's lab commands against the Linux kernel over a real TUN device: ping both ways, curl from
// `ustack serve --http`, bulk TCP with python3 peers in both roles (half-close honoured), and UDP both ways
// including ICMP port unreachable → ECONNREFUSED. Each test makes its own namespace ('ustack-kp-<pid>-<n>',
// 198.18.0.0/15 only) and removes it, with every process it started, in afterEach.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { Stack } from '../../src/host.ts';
import { runCommand } from '../../src/link/netns.ts';
import { AF_INET, SOCK_DGRAM } from '../../src/socket/constants.ts';
import { ConnectionRefusedError } from '../../src/socket/errors.ts';
import { digestFile, writeRandomFile } from './lab/digest.ts';
import { describeKernelPeer } from './lab/environment.ts';
import { KERNEL_ADDR, KernelPeerLab, STACK_ADDR, TUN_DEVICE } from './lab/namespace.ts';

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'ustack-kp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ClientReport {
  sent: number;
  sentSha256: string;
  received: number;
  receivedSha256: string;
  seconds: number;
}

describeKernelPeer('ustack lab commands against kernel peers', () => {
  let lab: KernelPeerLab | undefined;
  afterEach(async () => {
    await lab?.close();
    lab = undefined;
  });
  async function openLab(): Promise<KernelPeerLab> {
    lab = await KernelPeerLab.create();
    return lab;
  }

  it('answers the kernel’s ping -c 3 with 0% loss', async () => {
    const lab = await openLab();
    const serve = lab.ustack('serve', ['--echo', '7']);
    await serve.waitForLine(/^ready$/);
    const out = await lab.run('ping', ['-c', '3', '-i', '0.2', '-W', '2', STACK_ADDR]);
    expect(out).toMatch(/3 packets transmitted, 3 received, 0% packet loss/);
  });

  it('ustack ping -c 3 -i 0.2 gets the kernel’s three replies', async () => {
    const lab = await openLab();
    const ping = lab.ustack('ping', [KERNEL_ADDR, '-c', '3', '-i', '0.2']);
    await ping.succeeded(20_000);
    expect(ping.stdout).toMatch(/icmp_seq=3 ttl=64/);
    expect(ping.stdout).toMatch(/3 packets transmitted, 3 received, 0% packet loss/);
  });

  it('serves curl a 10 MiB file byte-exact, then 50 parallel curls of 256 KiB', async () => {
    const lab = await openLab();
    const root = join(dir, 'http');
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root);
    const big = writeRandomFile(join(root, 'big.bin'), 10 * MiB);
    const small = writeRandomFile(join(root, 'small.bin'), 256 * 1024);
    const serve = lab.ustack('serve', ['--http', '80', '--root', root]);
    await serve.waitForLine(/^ready$/);

    const bigCopy = join(dir, 'big.copy');
    await lab.run('curl', [
      '-sS',
      '--fail',
      '--max-time',
      '60',
      '-o',
      bigCopy,
      `http://${STACK_ADDR}/big.bin`,
    ]);
    expect(await digestFile(bigCopy)).toEqual(big);

    const copies = Array.from({ length: 50 }, (_, i) => join(dir, `small.${i}`));
    const curl = lab.exec('curl', [
      ...['-sS', '--fail', '--max-time', '60', '--parallel', '--parallel-immediate', '--parallel-max', '50'],
      ...['-w', '%{http_code} %{size_download}\\n'],
      ...copies.flatMap((copy) => ['-o', copy, `http://${STACK_ADDR}/small.bin`]),
    ]);
    await curl.succeeded(60_000);
    expect(curl.stdout.trim().split('\n')).toEqual(copies.map(() => `200 ${small.bytes}`));
    for (const copy of copies) expect(await digestFile(copy)).toEqual(small);
  }, 90_000);

  it('echoes 64 MiB from a kernel python3 client byte-exact (serve --echo)', async () => {
    const lab = await openLab();
    const serve = lab.ustack('serve', ['--echo', '7']);
    await serve.waitForLine(/^ready$/);
    const client = lab.python('tcp_client.py', [STACK_ADDR, '7', String(64 * MiB)]);
    await client.succeeded(90_000);
    const report = JSON.parse(client.stdout) as ClientReport;
    expect(report.sent).toBe(64 * MiB);
    expect(report.received).toBe(64 * MiB);
    expect(report.receivedSha256).toBe(report.sentSha256);
  }, 120_000);

  it('ustack nc sends stdin to a kernel server and, after its FIN, reads the server’s reply (half-close)', async () => {
    const lab = await openLab();
    const upload = writeRandomFile(join(dir, 'upload.bin'), 16 * MiB);
    const server = lab.python('tcp_server.py', ['5001', String(8 * MiB)]);
    await server.waitForLine(/^ready$/);
    const nc = lab.ustack('nc', [KERNEL_ADDR, '5001'], {
      stdin: { file: join(dir, 'upload.bin') },
      digestStdout: true,
    });
    await nc.succeeded(60_000);
    await server.succeeded(10_000);
    const report = JSON.parse(server.stdout.split('\n')[1]!) as ClientReport;
    expect({ bytes: report.received, sha256: report.receivedSha256 }).toEqual(upload);
    expect(await nc.stdoutDigest).toEqual({ bytes: 8 * MiB, sha256: report.sentSha256 });
  }, 90_000);

  it('ustack nc -l takes a kernel python3 client: both directions byte-exact', async () => {
    const lab = await openLab();
    const download = writeRandomFile(join(dir, 'download.bin'), 16 * MiB);
    const nc = lab.ustack('nc', ['-l', '5002'], {
      stdin: { file: join(dir, 'download.bin') },
      digestStdout: true,
    });
    // The client retries until the listener is up (the TUN device appears only once nc has started).
    const client = lab.python('tcp_client.py', [STACK_ADDR, '5002', String(16 * MiB)]);
    await client.succeeded(60_000);
    await nc.succeeded(10_000);
    const report = JSON.parse(client.stdout) as ClientReport;
    expect({ bytes: report.received, sha256: report.receivedSha256 }).toEqual(download);
    expect(await nc.stdoutDigest).toEqual({ bytes: 16 * MiB, sha256: report.sentSha256 });
  }, 90_000);

  it('echoes a kernel UDP client’s datagrams (serve --udp-echo)', async () => {
    const lab = await openLab();
    const serve = lab.ustack('serve', ['--udp-echo', '7']);
    await serve.waitForLine(/^ready$/);
    const client = lab.python('udp_peer.py', ['client', STACK_ADDR, '7', '100']);
    await client.succeeded(30_000);
    expect(JSON.parse(client.stdout)).toEqual({ echoed: 100 });
  });

  it('ustack nc -u exchanges a datagram with a kernel UDP echo server, then exits', async () => {
    const lab = await openLab();
    const echo = lab.python('udp_peer.py', ['echo', '5003']);
    await echo.waitForLine(/^ready$/);
    const payload = join(dir, 'datagram.bin');
    const sent = writeRandomFile(payload, 1000);
    const nc = lab.ustack('nc', ['-u', KERNEL_ADDR, '5003'], {
      stdin: { file: payload },
      digestStdout: true,
    });
    await nc.succeeded(5_000);
    expect(await nc.stdoutDigest).toEqual(sent);
  });

  it('a connected kernel UDP socket sending to a closed ustack port gets ECONNREFUSED', async () => {
    const lab = await openLab();
    const serve = lab.ustack('serve', ['--udp-echo', '7']);
    await serve.waitForLine(/^ready$/);
    const client = lab.python('udp_peer.py', ['client', STACK_ADDR, '9', '1']);
    await client.succeeded(30_000);
    // RFC 1122 §4.1.3.1: a datagram to a port with no listener draws an ICMP port unreachable.
    expect(JSON.parse(client.stdout)).toEqual({ echoed: 0, error: 'ECONNREFUSED' });
  });

  it('deepens the kernel’s queue toward ustack to 8192 packets (TUN’s own 500 drops under many flows)', async () => {
    const lab = await openLab();
    const stack = await Stack.tun({ name: TUN_DEVICE, netns: lab.netns });
    try {
      const shown = await runCommand('ip', ['-n', lab.netns, 'link', 'show', TUN_DEVICE]);
      expect(shown).toMatch(/ qlen 8192\b/);
    } finally {
      await stack.close();
    }
  });

  it('a connected ustack UDP socket sending to a closed kernel port gets ECONNREFUSED', async () => {
    const lab = await openLab();
    const stack = await Stack.tun({ name: TUN_DEVICE, netns: lab.netns });
    try {
      const s = stack.socket(AF_INET, SOCK_DGRAM);
      await s.connect([KERNEL_ADDR, 9]);
      s.settimeout(5);
      await s.send(new TextEncoder().encode('anyone there?'));
      // RFC 1122 §4.1.3.3: UDP passes the ICMP port unreachable up; Linux reports it on a connected socket.
      await expect(s.recv(100)).rejects.toBeInstanceOf(ConnectionRefusedError);
      s.close();
    } finally {
      await stack.close();
    }
  });

  // OpenBSD nc -u reports "Connection refused" and exits 1 when the peer's port is closed.
  it('ustack nc -u to a closed kernel port reports the refusal', async () => {
    const lab = await openLab();
    const payload = join(dir, 'refused.bin');
    writeRandomFile(payload, 100);
    const nc = lab.ustack('nc', ['-u', KERNEL_ADDR, '9'], { stdin: { file: payload } });
    const exit = await nc.finished(20_000);
    expect(exit.code).not.toBe(0);
    expect(nc.stderr).toMatch(/ECONNREFUSED|refused/i);
  });
});
