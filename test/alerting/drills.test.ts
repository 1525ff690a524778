/**
 * Failure drills in CI: every scenario on one real stack (Prometheus, Alertmanager, stand-ins).
 * The normal session delivers nothing but Watchdog; each fault delivers exactly its alerts to
 * exactly the receivers their severity promises, once, then a resolve after the fault ends; and every
 * alert notified is in the audit recorder's alert history, firing and resolved (`r.problems` names
 * any that is not).
 * Takes about seven minutes: RecorderWriteFailures looks back five minutes before it resolves.
 */
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../exporters/hft/simulator/scenarios/index.js';
import { formatDrillTable, runDrills } from '../../scripts/stack/drill.js';

describe('failure drills', () => {
  it('deliver exactly the expected notifications for every scenario, then resolve', { timeout: 900_000 }, async () => {
    const r = await runDrills(SCENARIOS, { speed: 2 });
    const table = formatDrillTable(r);
    console.log(table);
    expect(r.problems, table).toEqual([]);
    for (const s of SCENARIOS.filter((x) => x.alert !== 'none')) {
      const row = r.rows.find((x) => x.scenario === s.name && x.alertname === s.alert);
      expect(row?.resolveAfter, `${s.name} resolved`).not.toBeNull();
    }
    expect(r.watchdogBeats).toBeGreaterThan(3);
    expect(r.historyRows).toBeGreaterThan(SCENARIOS.filter((x) => x.alert !== 'none').length);
  });
});
