import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // .ci/run prints its own "N passed, N failed" line from the JSON report.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.json' },
  },
});
