import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A missing or different snapshot fails, in CI and locally alike; only an explicit update writes one:
    // `vitest run -u`, or UPDATE_SNAPSHOTS=1. (Vitest's default writes new snapshots whenever CI is unset.)
    update: process.env.UPDATE_SNAPSHOTS === '1' ? 'all' : 'none',
  },
});
