import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One file at a time: the kernel-peer suites share this 2-vCPU machine with SYN floods and multi-MiB
    // transfers, and running them side by side made timing-bound tests flaky.
    fileParallelism: false,
    // .ci/run prints its own "N passed, N failed" line from the JSON report.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.json' },
  },
});
