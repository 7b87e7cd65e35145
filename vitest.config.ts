import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code, and end-to-end tests under test/ that
// run real containers as root. End-to-end files run one at a time (they share the host's
// kernel objects and the 2-core budget); unit tests run in parallel.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'engine/**/*.test.ts', 'test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          pool: 'forks',
        },
      },
    ],
  },
});
