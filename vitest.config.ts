import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['main/**/*.test.ts', 'shared/**/*.test.ts', 'fixtures/**/*.test.ts', 'renderer/**/*.test.ts', 'test/**/*.test.ts'],
    // Import tests run real DuckDB and real child processes; on a 2-core machine they need room.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
