// Bulk TCP between ustack and the kernel through a lossy, duplicating hop. nftables rules in the forward
// hook of the TUN namespace (test/tun/lab/nft.ts) drop and duplicate packets in both directions between
// ustack and a python3 peer in a second namespace; every transfer must still arrive byte-exact, and the
// rule counters must show that loss and duplication really happened.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { writeRandomFile } from './lab/digest.ts';
import { describeKernelPeer } from './lab/environment.ts';
import { KernelPeerLab, PEER_ADDR, STACK_ADDR } from './lab/namespace.ts';
import { applyImpairment, type Impairment, impairmentCounts } from './lab/nft.ts';

const MiB = 1024 * 1024;
const TRANSFER_TIMEOUT_MS = 120_000;
const TEST_TIMEOUT_MS = 150_000;
const dir = mkdtempSync(join(tmpdir(), 'ustack-kp-impaired-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 64 MiB per direction at each impairment, as issue 5 asks. */
const CASES: Array<Impairment & { toStackMiB: number; toKernelMiB: number }> = [
  { lossPercent: 1, duplicatePercent: 1, toStackMiB: 64, toKernelMiB: 64 },
  { lossPercent: 5, duplicatePercent: 1, toStackMiB: 64, toKernelMiB: 64 },
];

describeKernelPeer('ustack ↔ kernel bulk TCP through nftables loss and duplication', () => {
  let lab: KernelPeerLab | undefined;
  afterEach(async () => {
    await lab?.close();
    lab = undefined;
  });

  /** tcp.retransmits from the counters `--stats` prints at exit (netstat -s style: '  N retransmits'). */
  function retransmits(stats: string): number {
    return Number(/(\d+) retransmits/.exec(stats)?.[1] ?? 0);
  }

  /** Logs the transfer and insists the rules really dropped and duplicated packets. */
  async function expectImpaired(lab: KernelPeerLab, stats: string, bytes: number, seconds: number) {
    const counts = await impairmentCounts(lab.netns);
    console.log(
      `${(bytes / MiB).toFixed(0)} MiB in ${seconds.toFixed(1)} s; nft dropped ${counts.dropped}, ` +
        `duplicated ${counts.duplicated}; ustack retransmitted ${retransmits(stats)} segments`,
    );
    expect(counts.dropped).toBeGreaterThan(0);
    expect(counts.duplicated).toBeGreaterThan(0);
  }

  for (const { toStackMiB, toKernelMiB, ...impairment } of CASES) {
    const label = `${impairment.lossPercent}% loss, ${impairment.duplicatePercent}% duplication`;

    it(
      `kernel → ustack: ${toStackMiB} MiB byte-exact at ${label}`,
      async () => {
        const bytes = toStackMiB * MiB;
        lab = await KernelPeerLab.create();
        const peer = await lab.addRoutedPeer();
        applyImpairment(lab.netns, impairment);
        // nc's stdin is empty, so it half-closes at once and then only receives.
        const nc = lab.ustack('nc', ['-l', '5001', '--stats'], { digestStdout: true });
        const client = lab.python('tcp_client.py', [STACK_ADDR, '5001', String(bytes)], {}, peer);
        await client.succeeded(TRANSFER_TIMEOUT_MS);
        await nc.succeeded(10_000);
        const report = JSON.parse(client.stdout);
        expect(await nc.stdoutDigest).toEqual({ bytes, sha256: report.sentSha256 });
        await expectImpaired(lab, nc.stderr, bytes, report.seconds);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      `ustack → kernel: ${toKernelMiB} MiB byte-exact at ${label}`,
      async () => {
        const bytes = toKernelMiB * MiB;
        lab = await KernelPeerLab.create();
        const peer = await lab.addRoutedPeer();
        applyImpairment(lab.netns, impairment);
        const upload = join(dir, 'upload.bin');
        const sent = writeRandomFile(upload, bytes);
        const server = lab.python('tcp_server.py', ['5002', '0'], {}, peer);
        await server.waitForLine(/^ready$/);
        const started = performance.now();
        const nc = lab.ustack('nc', [PEER_ADDR, '5002', '--stats'], { stdin: { file: upload } });
        await nc.succeeded(TRANSFER_TIMEOUT_MS);
        await server.succeeded(10_000);
        const report = JSON.parse(server.stdout.split('\n')[1]!);
        expect({ bytes: report.received, sha256: report.receivedSha256 }).toEqual(sent);
        expect(retransmits(nc.stderr)).toBeGreaterThan(0);
        await expectImpaired(lab, nc.stderr, bytes, (performance.now() - started) / 1000);
      },
      TEST_TIMEOUT_MS,
    );
  }
});
