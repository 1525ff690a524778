import { describe, expect, it } from 'vitest';
import { sampleRecordingThread } from '../../exporters/instrument/process.js';
import { MetricRegistry } from '../../exporters/instrument/registry.js';
import { samplesOf } from '../helpers/env.js';
import { valueOf } from '../helpers/exposition.js';

/** Blocks the thread's event loop for `ms` milliseconds. */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: no timer can run
  }
}

describe('event-loop delay sampling (default resolution)', () => {
  it('shows a stall longer than the resolution in the window that holds it, and reads near zero without one', async () => {
    const reg = new MetricRegistry();
    const sampler = sampleRecordingThread(reg, 1000);
    try {
      // A quiet window first: the gauges of a thread with no stall stay well under one resolution.
      await new Promise((r) => setTimeout(r, 1100));
      const quiet = await samplesOf(reg);
      expect(valueOf(quiet, 'nodejs_eventloop_lag_max_seconds')).toBeLessThan(0.25);
      // A 600 ms stall covers at least two instants of the 250 ms sampler: it shows, less at most
      // one resolution, in the window that held it (read every 100 ms until two windows have passed).
      stall(600);
      let seen = 0;
      for (let i = 0; i < 25; i++) {
        await new Promise((r) => setTimeout(r, 100));
        seen = Math.max(seen, valueOf(await samplesOf(reg), 'nodejs_eventloop_lag_max_seconds'));
      }
      expect(seen).toBeGreaterThanOrEqual(0.35);
      expect(seen).toBeLessThan(0.8);
    } finally {
      sampler.stop();
    }
  });
});
