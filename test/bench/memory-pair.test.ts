import { describe, expect, it } from 'vitest';
import { memoryPath } from '../../bench/lib/paths.ts';
import { runClient } from '../../bench/lib/processes.ts';

// One short run of the harness end to end on the in-memory pair (no root, no devices): the child runs
// both stacks and prints its figures as the kernel-side client would. No timing is asserted.
describe('memory-pair client', () => {
  it('moves bytes and reports a rate', async () => {
    const figures = await runClient(memoryPath(1500).clientArgv('send', 0.2, 1), { timeoutMs: 30_000 });
    expect(figures.bytes).toBeGreaterThan(0);
    expect(figures.gbps).toBeGreaterThan(0);
  }, 40_000);

  it('completes ping-pongs with ordered percentiles', async () => {
    const figures = await runClient(memoryPath(1500).clientArgv('rr-tcp', 0.2, 1), { timeoutMs: 30_000 });
    expect(figures.rtps).toBeGreaterThan(0);
    expect(figures.p99us).toBeGreaterThanOrEqual(figures.p50us!);
  }, 40_000);
});
