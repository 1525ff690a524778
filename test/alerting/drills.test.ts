/**
 * Failure drills in CI: every scenario on one real stack (Prometheus, Alertmanager, stand-ins).
 * The normal session delivers nothing but Watchdog; each fault delivers exactly its alerts to
 * exactly the receivers their severity promises (a critical: Slack, PagerDuty, e-mail, Telegram and
 * SMS), once, each critical within its `for` + 30 s of the fault's start, then a resolve after the
 * fault ends; and every alert notified is in the audit recorder's alert history, firing and
 * resolved (`r.problems` names any that is not).
 * Takes about seven minutes: RecorderWriteFailures looks back five minutes before it resolves.
 * The first block checks the time-to-notify bounds and the table on their own, in milliseconds.
 */
import { describe, expect, it } from 'vitest';
import { ALERTS, GROUPS } from '../../alert-rules/index.js';
import { SCENARIOS } from '../../exporters/hft/simulator/scenarios/index.js';
import { CHANNELS_FOR, DRILL_PIPELINE, durationSeconds, formatDrillTable, notifyBounds, notifyProblem, pipelineBoundSeconds, PRODUCTION_PIPELINE, runDrills, SLO_DETECTION_SECONDS, type DrillRow } from '../../scripts/stack/drill.js';

describe('time to notify bounds', () => {
  it('parse Prometheus durations', () => {
    expect(['0s', '5s', '2m', '1h30m', '500ms'].map(durationSeconds)).toEqual([0, 5, 120, 5400, 0.5]);
    expect(() => durationSeconds('5 s')).toThrow(/duration/);
  });

  it('add scrape, the recording rules, the group evaluation, the hold in whole evaluations and group_wait', () => {
    // Production: HFT scraped every 1 s, group_wait 10 s; the drills: 1 s and 1 s. Groups evaluate at their own interval.
    expect(PRODUCTION_PIPELINE).toEqual({ scrapeSeconds: 1, groupWaitSeconds: 10 });
    expect(DRILL_PIPELINE).toEqual({ scrapeSeconds: 1, groupWaitSeconds: 1 });
    expect(pipelineBoundSeconds(0, 1, PRODUCTION_PIPELINE)).toBe(13);
    expect(pipelineBoundSeconds(5, 1, PRODUCTION_PIPELINE)).toBe(18);
    expect(pipelineBoundSeconds(7, 5, PRODUCTION_PIPELINE)).toBe(27); // a 7 s hold in a 5 s group waits for the evaluation at 10 s
    expect(pipelineBoundSeconds(0, 30, DRILL_PIPELINE)).toBe(33);
    // FeedGap: for 5 s in the 1 s feed group; an SLO page: for 0 s in a 30 s group; RecorderWriteFailures: for 0 s, 5 s group.
    expect(notifyBounds('FeedGap')).toEqual({ drillLimit: 35, drillPipeline: 9, productionPipeline: 18 });
    // An SLO page's detection time: 14.4 x (1 - 0.999) x 3600 s = 51.84 s, to the tenth above.
    expect(SLO_DETECTION_SECONDS.get('OrderAckSloFastBurn')).toBe(51.9);
    expect(SLO_DETECTION_SECONDS.get('FeedAvailabilitySloFastBurn')).toBe(26);
    expect(SLO_DETECTION_SECONDS.get('AuditDurabilitySloFastBurn')).toBe(5.2);
    expect(notifyBounds('OrderAckSloFastBurn')).toEqual({ drillLimit: 59, drillPipeline: 33, productionPipeline: 42 });
    expect(notifyBounds('RecorderWriteFailures')).toEqual({ drillLimit: 34, drillPipeline: 8, productionPipeline: 17 });
    expect(() => notifyBounds('NoSuchAlert')).toThrow(/NoSuchAlert/);
  });

  it('report a critical past its for + 30 s, and nothing else', () => {
    expect(notifyProblem('feed-gap', 'FeedGap', 'critical', 35)).toBeNull();
    expect(notifyProblem('feed-gap', 'FeedGap', 'critical', 35.1)).toMatch(/FeedGap \(critical\) notified 35\.1 s after its fault began, over its bound of 35 s/);
    expect(notifyProblem('latency-spike', 'OrderAckLatencyHigh', 'warning', 500)).toBeNull();
    expect(notifyProblem('feed-gap', 'FeedGap', 'critical', null)).toBeNull();
    const interval = new Map(GROUPS.flatMap((g) => g.rules.filter((r) => r.kind === 'alert').map((r) => [r.name, durationSeconds(g.interval)] as const)));
    for (const a of ALERTS.filter((x) => x.severity === 'critical')) expect(notifyBounds(a.name).drillLimit).toBe(durationSeconds(a.for) + 30 + interval.get(a.name)! - 1);
    // SLO pages fire on budget spent and a minimum volume, not on one event: no limit for them.
    expect(notifyProblem('latency-spike', 'OrderAckSloFastBurn', 'critical', 500)).toBeNull();
    expect(notifyProblem('recorder-failure', 'RecorderWriteFailures', 'critical', 34.1)).toMatch(/over its bound of 34 s \(for \+ 30 s \+ its group interval past 1 s\)/);
  });

  it('print every channel of a critical, its time to notify and its bounds', () => {
    expect(CHANNELS_FOR.critical).toEqual(['slack', 'pager', 'email', 'telegram', 'sms']);
    const row: DrillRow = { scenario: 'feed-gap', alertname: 'FeedGap', severity: 'critical', channels: [...CHANNELS_FOR.critical].sort(), notifications: 1, notifyAfter: 9.25, bounds: notifyBounds('FeedGap'), resolveAfter: 4 };
    const table = formatDrillTable({ rows: [row], problems: [], watchdogBeats: 5, historyRows: 2 });
    const line = table.split('\n').find((l) => l.startsWith('feed-gap'))!;
    expect(line).toMatch(/email\+pager\+slack\+sms\+telegram/);
    expect(line).toMatch(/9\.3 s\s+35 s\s+9 s \/ 18 s\s+4\.0 s/);
    expect(table.split('\n')[0]).toMatch(/time to notify\s+limit\s+pipeline drill\/prod/);
  });
});

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
    // Every critical reached all five channels, within its for + 30 s.
    const criticals = r.rows.filter((x) => x.severity === 'critical');
    expect(criticals.length).toBeGreaterThan(10);
    for (const x of criticals) {
      expect(x.channels, `${x.scenario} ${x.alertname}`).toEqual(['email', 'pager', 'slack', 'sms', 'telegram']);
      expect(x.notifyAfter, `${x.scenario} ${x.alertname}`).not.toBeNull();
      expect(x.notifyAfter!, `${x.scenario} ${x.alertname}`).toBeLessThanOrEqual(x.bounds!.drillLimit);
    }
    expect(r.watchdogBeats).toBeGreaterThan(3);
    expect(r.historyRows).toBeGreaterThan(SCENARIOS.filter((x) => x.alert !== 'none').length);
  });
});
