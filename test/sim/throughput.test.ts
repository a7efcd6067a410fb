// Throughput over a 50 Mbit/s, 20 ms RTT bottleneck for loss rate × socket buffer size, in simulated time,
// snapshot-tested (smoltcp's netsim table): any change to the TCP's behaviour shows up as a diff.
import { describe, expect, it } from 'vitest';
import { millis } from '../../src/base/time.ts';
import { CLEAN, type Impairments } from './network.ts';
import { runTransfer } from './transfer.ts';

const KIB = 1024;
const LOSSES = [0, 0.001, 0.01, 0.05];
const BUFFERS = [16 * KIB, 64 * KIB, 256 * KIB, 4096 * KIB];
const BYTES = 2048 * KIB;

function path(loss: number): Impairments {
  return { ...CLEAN, loss, delay: millis(10), rateBps: 50e6, queueBytes: 128 * KIB };
}

describe('throughput table', () => {
  it('matches the snapshot (Mbit/s of goodput, simulated time)', async () => {
    const header = `| loss \\ buffer | ${BUFFERS.map((b) => `${b / KIB} KiB`).join(' | ')} |`;
    const rows = [header, `| --- |${BUFFERS.map(() => ' ---: |').join('')}`];
    for (const loss of LOSSES) {
      const cells: string[] = [];
      for (const buffer of BUFFERS) {
        const r = runTransfer({
          seed: 7,
          bytes: BYTES,
          forward: path(loss),
          reverse: path(loss),
          config: { sendBuffer: buffer, recvBuffer: buffer },
        });
        expect(r.delivered).toBe(BYTES);
        expect(r.inOrder).toBe(true);
        cells.push(((BYTES * 8) / r.completedAt!).toFixed(2));
      }
      rows.push(`| ${(loss * 100).toFixed(1)} % | ${cells.join(' | ')} |`);
    }
    await expect(`${rows.join('\n')}\n`).toMatchFileSnapshot('__snapshots__/throughput.txt');
  });
});
