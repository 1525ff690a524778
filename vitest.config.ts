import { configDefaults, defineConfig } from 'vitest/config';
import { CLUSTER_TESTS } from './vitest.cluster.config.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The slow cluster tests run on their own: `npm run test:cluster` (vitest.cluster.config.ts).
    exclude: [...configDefaults.exclude, ...CLUSTER_TESTS],
    // Generous: these machines are shared, and a test beside other CPU-bound work runs several times
    // slower. Tests that wait on real servers or tools set their own, longer deadlines.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Two cores: run files one or two at a time; suites that start real servers also serialise.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
