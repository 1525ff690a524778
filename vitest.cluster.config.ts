/**
 * The slow group: tests that start a cluster of real servers and take one down, and the rules over
 * every simulator scenario at once (README, "Tests").
 * `npm test` leaves them out (vitest.config.ts excludes these files); `npm run test:cluster` runs them.
 */
import { defineConfig } from 'vitest/config';

/** The test files of the slow group. */
export const CLUSTER_TESTS: readonly string[] = ['test/recorder/cluster.test.ts', 'test/alerting/ha.test.ts', 'test/rules/engines.test.ts', 'test/alerting/drills-full.test.ts', 'test/alerting/prometheus-ha.test.ts', 'test/rules/simulated.test.ts'];

export default defineConfig({
  test: {
    include: [...CLUSTER_TESTS],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    // One file at a time: each starts several servers on a two-core machine.
    maxWorkers: 1,
    reporters: ['default'],
  },
});
