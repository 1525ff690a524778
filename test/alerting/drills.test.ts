/**
 * The drills' time-to-notify bounds and their table, on their own, in milliseconds. The full drill
 * (every scenario on a real stack, about seven minutes) is test/alerting/drills-full.test.ts, in
 * the slow group (`npm run test:cluster`).
 */
import { describe, expect, it } from 'vitest';
import { ALERTS, GROUPS } from '../../alert-rules/index.js';
import { CHANNELS_FOR, DRILL_PIPELINE, durationSeconds, formatDrillTable, notifyBounds, notifyProblem, pipelineBoundSeconds, PRODUCTION_PIPELINE, SLO_DETECTION_SECONDS, type DrillRow } from '../../scripts/stack/drill.js';

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
