import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: run files one or two at a time; suites that start real servers also serialise.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
