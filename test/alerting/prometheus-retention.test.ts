/**
 * Prometheus retention (seed 004: 15-30 days): one typed figure, given as a command-line flag, since
 * the installed Prometheus has no field for it in prometheus.yml. (That the stack's Prometheus runs
 * with the flag is checked in stack.test.ts, from its /api/v1/status/flags.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROMETHEUS_RETENTION, replicaConfig, retentionFlags } from '../../prometheus/config.js';
import { promtool } from '../helpers/tools.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const UNIT_SECONDS: Record<string, number> = { y: 365 * 86_400, w: 7 * 86_400, d: 86_400, h: 3_600, m: 60, s: 1, ms: 0.001 };

/** A Prometheus duration (`30d`, `2w3d`) in seconds. */
function seconds(d: string): number {
  const parts = [...d.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)];
  expect(parts.map((p) => p[0]).join(''), d).toBe(d);
  return parts.reduce((a, p) => a + Number(p[1]) * UNIT_SECONDS[p[2]!]!, 0);
}

describe('Prometheus retention', () => {
  it("keeps seed 004's 15 to 30 days, as flags", () => {
    const days = seconds(PROMETHEUS_RETENTION.time) / 86_400;
    expect(days).toBeGreaterThanOrEqual(15);
    expect(days).toBeLessThanOrEqual(30);
    expect(retentionFlags()).toContain(`--storage.tsdb.retention.time=${PROMETHEUS_RETENTION.time}`);
    expect(retentionFlags({ time: '15d', size: '50GB' })).toEqual(['--storage.tsdb.retention.time=15d', '--storage.tsdb.retention.size=50GB']);
  });

  it('is a flag: the installed Prometheus refuses a retention field in prometheus.yml, and both generated files say how to run it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickwatch-retention-'));
    try {
      writeFileSync(join(dir, 'p.yml'), 'global:\n  scrape_interval: 5s\nstorage:\n  tsdb:\n    retention:\n      time: 30d\n');
      const r = promtool(['check', 'config', join(dir, 'p.yml')]);
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/field retention not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const f of ['prometheus/prometheus.yml', 'prometheus/prometheus-ha.example.yml']) expect(readFileSync(join(root, f), 'utf8'), f).toContain(retentionFlags().join(' '));
    // The long-term path: the HA replicas remote_write every sample beyond the local retention.
    expect((replicaConfig('a') as { remote_write?: unknown[] }).remote_write).toHaveLength(1);
  });
});
