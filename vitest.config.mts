import { defineConfig } from 'vitest/config';

// One runner for every part. Tests that start processes (e2e, browser, sim, devhost) get generous timeouts
// because CI machines have two cores.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'web/dist/**', '.local/**', '.tools/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
