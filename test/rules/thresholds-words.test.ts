/**
 * Every sentence that names an alert threshold is made from its constant in
 * alert-rules/thresholds.ts: the alert descriptions and summaries, the promtool expectations, and
 * the runbooks (through the markers `npm run build:rules` renders). Each family of rules is built
 * from a thresholds object, so these tests move one constant at a time in a copy and watch which
 * rules and sentences change with it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { anomaliesRules } from '../../alert-rules/anomalies.js';
import { busRules } from '../../alert-rules/bus.js';
import { PROCEDURE_RUNBOOKS, renderRunbook, renderRunbooks, runbookFiles, RUNBOOK_FORMATTERS, RUNBOOKS_DIR } from '../../alert-rules/build.js';
import { clickhouseRules } from '../../alert-rules/clickhouse.js';
import { clockRules } from '../../alert-rules/clock.js';
import { engineRules } from '../../alert-rules/engine.js';
import { executionsRules } from '../../alert-rules/executions.js';
import { feedLatencyHigh, feedRules } from '../../alert-rules/feed.js';
import { hostRules } from '../../alert-rules/host.js';
import { ALERTS } from '../../alert-rules/index.js';
import type { AlertRule, RuleGroup, Thresholds } from '../../alert-rules/model.js';
import { modelsRules } from '../../alert-rules/models.js';
import { ordersRules } from '../../alert-rules/orders.js';
import { pipelineRules } from '../../alert-rules/pipeline.js';
import { pnlRules, reconciliationLag } from '../../alert-rules/pnl.js';
import { recorderQueueBacklog, recorderRules } from '../../alert-rules/recorder.js';
import { redisRules } from '../../alert-rules/redis.js';
import { securityRules } from '../../alert-rules/security.js';
import { servicesRules } from '../../alert-rules/services.js';
import { auditDurabilitySloRules, feedAvailabilitySloRules, orderAckSloRules } from '../../alert-rules/slo.js';
import { stormguardRules } from '../../alert-rules/stormguard.js';
import * as T from '../../alert-rules/thresholds.js';
import { count, durWords, num, promDur, promNum, promPct } from '../../query/format.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const committed = (file: string) => readFileSync(join(root, RUNBOOKS_DIR, file), 'utf8');

/** Every family, in the order of alert-rules/index.ts (recording rules hold no alert threshold). */
const FAMILIES: ((t: Thresholds) => RuleGroup)[] = [
  engineRules,
  feedRules,
  busRules,
  stormguardRules,
  ordersRules,
  executionsRules,
  pnlRules,
  anomaliesRules,
  modelsRules,
  securityRules,
  servicesRules,
  recorderRules,
  redisRules,
  pipelineRules,
  hostRules,
  clockRules,
  clickhouseRules,
  orderAckSloRules,
  feedAvailabilitySloRules,
  auditDurabilitySloRules,
];
const alertsWith = (t: Thresholds): AlertRule[] => FAMILIES.flatMap((f) => f(t).rules.filter((r): r is AlertRule => r.kind === 'alert'));

const live: Thresholds = { ...T };
const NAMES = Object.keys(live) as (keyof Thresholds)[];
/** The live thresholds with `name` tripled: a value every formatter writes differently. */
const moved = (name: keyof Thresholds): Thresholds => ({ ...live, [name]: live[name] * 3 });

const base = alertsWith(live);
const baseRunbooks = renderRunbooks(root, live);
const words = (a: AlertRule) => `${a.summary}\n${a.description}`;
/** The formats alert descriptions write a constant in, by its unit (the name says it: `_SECONDS`, `_RATIO`). */
const descriptionFormats = (n: string) => (n.endsWith('_SECONDS') ? [promDur, durWords] : n.includes('_RATIO') ? [promPct] : [promNum, count, num]);
/** Figures a description names that equal a constant's by coincidence, not by copy. */
const COINCIDENCES: Readonly<Record<string, readonly string[]>> = {
  HostNetworkDrops: ['5 minutes'], // "over 5 minutes" is the rate window [5m]; the 5-minute hold is not named
  EngineSilent: ['5 s'], // the exporter's heartbeat timeout (catalog, 5 s by default) is the figure named, not the 5 s hold
};
/** How often `figure` stands alone in `text` (`5%` is not in `95%`, `5m` is not in `5ms`). */
const occurrences = (text: string, figure: string) => text.split(new RegExp(`(?<![\\w.])${figure.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w.%])`)).length - 1;
const runbookOf = (a: AlertRule) => `${a.runbook ?? a.name}.md`;

/** For each constant: the alerts and runbooks built with it moved. */
const withMoved = new Map(NAMES.map((n) => [n, { alerts: alertsWith(moved(n)), runbooks: renderRunbooks(root, moved(n)) }]));

describe('the rules built from a thresholds object', () => {
  it('are exactly the live rules when built from thresholds.ts', () => {
    expect(base.map((a) => a.name)).toEqual(ALERTS.map((a) => a.name));
    expect(base).toEqual(ALERTS);
  });
});

describe('(a) every threshold an alert uses is named in its description or its runbook', () => {
  for (const [i, a] of base.entries()) {
    // The constants the alert uses: those whose change changes its expression or its hold.
    const uses = NAMES.filter((n) => {
      const b = withMoved.get(n)!.alerts[i]!;
      return b.expr.text !== a.expr.text || b.for !== a.for;
    });
    it(`${a.name} (${uses.join(', ') || 'no threshold: fires at once, on any event'})`, () => {
      // An alert no constant moves has no hold either (a hold would be a threshold to name).
      if (uses.length === 0) expect(a.for).toBe('0s');
      for (const n of uses) {
        const b = withMoved.get(n)!.alerts[i]!;
        const runbook = withMoved.get(n)!.runbooks.get(runbookOf(a))!;
        const text = `${words(b)}\n${runbook}`;
        // The moved figure appears, in one of the formats the texts use...
        const figures = Object.values(RUNBOOK_FORMATTERS).map((f) => f(moved(n)[n]));
        expect(figures.some((f) => text.includes(f)), `${a.name}: ${n} moved to ${moved(n)[n]} appears in its description or runbook`).toBe(true);
        // ...because the description or the runbook changed with it.
        expect(words(b) !== words(a) || runbook !== baseRunbooks.get(runbookOf(a)), `${a.name}: a sentence names ${n}`).toBe(true);
        // No literal copy: a figure of the constant in the description goes away when it moves.
        for (const format of descriptionFormats(n)) {
          const figure = format(live[n]);
          if (COINCIDENCES[a.name]?.includes(figure)) continue;
          const before = occurrences(words(a), figure);
          if (before > 0) expect(occurrences(words(b), figure), `${a.name}: "${figure}" in its description or summary is a literal copy of ${n}`).toBeLessThan(before);
        }
        // Expectations of the promtool cases follow the description.
        if (b.description !== a.description) {
          for (const [k, c] of b.tests.firing.entries())
            for (const [j, x] of c.alerts.entries()) expect(x.description, `${a.name} case '${c.name}' expects the moved ${n}`).not.toBe(a.tests.firing[k]!.alerts[j]!.description);
        }
      }
    });
  }

  it('and every constant of thresholds.ts is used by a rule or named by a description or runbook', () => {
    const unused = NAMES.filter((n) => {
      const m = withMoved.get(n)!;
      const rulesChanged = m.alerts.some((b, i) => b.expr.text !== base[i]!.expr.text || b.for !== base[i]!.for || words(b) !== words(base[i]!));
      const runbooksChanged = [...m.runbooks].some(([f, text]) => text !== baseRunbooks.get(f));
      return !rulesChanged && !runbooksChanged;
    });
    expect(unused).toEqual([]);
  });
});

describe('(b) changing a threshold changes the sentences that name it', () => {
  it('FeedLatencyHigh: the expression, the description, the promtool expectation and the runbook move from 5 ms to 7 ms, and nothing else moves', () => {
    const t = { ...live, FEED_LATENCY_P99_WARNING_SECONDS: 0.007 };
    const a = feedLatencyHigh(t);
    expect(a.expr.text).toBe('feed:hft_feed_tick_latency_seconds:p99_rate1m > 0.007');
    expect(a.description).toContain('(warning above 7ms)');
    expect(a.description).not.toMatch(/\b5ms\b/);
    expect(a.tests.firing[0]!.alerts[0]!.description).toContain('is 24.85ms over the last minute (warning above 7ms).');
    const before = committed('FeedLatencyHigh.md');
    const after = renderRunbook(before, 'runbooks/FeedLatencyHigh.md', t);
    expect(after).toContain('has been above <!--T:FEED_LATENCY_P99_WARNING_SECONDS:dur-->7 ms<!--/T--> for');
    expect(after).toContain('stays under <!--T:FEED_LATENCY_P99_WARNING_SECONDS:num-->0.007<!--/T--> for 5 minutes');
    expect(after).not.toMatch(/(?<![\d.])5 ms/);
    expect(after).not.toContain('0.005');
    // Only those figures changed (25 ms, an escalation point, is not the threshold and stays).
    expect(after.replaceAll('7 ms', '5 ms').replaceAll('0.007', '0.005')).toBe(before);
    expect(after).toContain('p99 exceeds 25 ms');
  });

  it('ReconciliationLag: prose and the PromQL blocks of two runbooks follow the lag threshold', () => {
    const t = { ...live, RECONCILIATION_LAG_WARNING_SECONDS: 90 };
    expect(reconciliationLag(t).description).toContain('(warning above 1m30s)');
    const lag = renderRunbook(committed('ReconciliationLag.md'), 'runbooks/ReconciliationLag.md', t);
    expect(lag).toContain('for more than <!--T:RECONCILIATION_LAG_WARNING_SECONDS:dur-->90 s<!--/T--> (it reconciles every 5 s)');
    expect(lag).toContain('   ```promql\n   hft_reconciliation_lag_seconds > 90\n   ```');
    expect(lag).not.toMatch(/(?<![\d.])60(?![\d.])/);
    const pnl = renderRunbook(committed('PnlDrawdownCritical.md'), 'runbooks/PnlDrawdownCritical.md', t);
    expect(pnl).toContain('\n   hft_reconciliation_lag_seconds > 90 or hft_reconciliation_mismatches > 0\n');
    expect(pnl).not.toContain('hft_reconciliation_lag_seconds > 60');
  });

  it('RecorderQueueBacklog: a hold (for:) and a count move the rule, the description and the runbook header and prose', () => {
    const t = { ...live, RECORDER_QUEUE_FOR_SECONDS: 300, RECORDER_QUEUE_WARNING_ROWS: 25_000 };
    const a = recorderQueueBacklog(t);
    expect(a.for).toBe('5m');
    expect(a.expr.text).toBe('hft_recorder_queue_depth_rows > 25000');
    expect(a.description).toContain('(warning above 25k for 5m)');
    const rb = renderRunbook(committed('RecorderQueueBacklog.md'), 'runbooks/RecorderQueueBacklog.md', t);
    expect(rb).toContain('· for <!--T:RECORDER_QUEUE_FOR_SECONDS:promDur-->`5m`<!--/T--> ·');
    expect(rb).toContain('More than <!--T:RECORDER_QUEUE_WARNING_ROWS:count-->25,000<!--/T--> audit rows have been waiting to be written for <!--T:RECORDER_QUEUE_FOR_SECONDS:durWords-->5 minutes<!--/T-->');
    expect(rb).not.toContain('10,000');
  });
});

describe('(c) the runbooks as committed', () => {
  it('render to themselves: every marker is known and the build output is committed', () => {
    const files = runbookFiles(root);
    // One per alert (twins may share one) and the procedure runbooks (ConfigChange.md).
    expect(files.length).toBe(new Set(ALERTS.map(runbookOf)).size + PROCEDURE_RUNBOOKS.length);
    for (const f of files) expect(baseRunbooks.get(f), f).toBe(committed(f));
  });

  it('carry only the two marker forms, with names thresholds.ts exports and formatters the build knows', () => {
    let figures = 0;
    let blocks = 0;
    for (const f of runbookFiles(root)) {
      for (const [, body] of committed(f).matchAll(/<!--([\s\S]*?)-->/g)) {
        const fig = /^T:([A-Za-z_0-9]+):([A-Za-z]+)$/.exec(body!);
        if (fig) {
          figures++;
          expect(NAMES, `${f}: ${body}`).toContain(fig[1]);
          expect(Object.keys(RUNBOOK_FORMATTERS), `${f}: ${body}`).toContain(fig[2]);
        } else if (/^\s*promql:/.test(body!)) {
          blocks++;
          for (const [, p] of body!.matchAll(/\$\{([^}]*)\}/g)) expect(NAMES, `${f}: ${p}`).toContain(p!.split(':')[0]);
        } else expect(body, f).toBe('/T');
      }
    }
    expect(figures).toBeGreaterThan(100);
    expect(blocks).toBe(8);
  });

  it('the renderer refuses what it does not know, naming file and line', () => {
    const r = (text: string) => () => renderRunbook(text, 'runbooks/X.md', live);
    expect(r('# X\n\nno tick for <!--T:NOPE:dur-->1 s<!--/T-->')).toThrow('runbooks/X.md:3: unknown threshold NOPE (not exported by alert-rules/thresholds.ts)');
    expect(r('no tick for <!--T:FEED_GAP_CRITICAL_SECONDS:secs-->1 s<!--/T-->')).toThrow('runbooks/X.md:1: unknown formatter secs (known: num, count, pct, dur, durWords, promDur, promPct, promNum)');
    expect(r('a\n<!-- T:FEED_GAP_CRITICAL_SECONDS:dur -->1 s<!--/T-->')).toThrow('runbooks/X.md:2: unknown marker');
    expect(r('<!--T:FEED_GAP_CRITICAL_SECONDS:dur-->1 s')).toThrow('runbooks/X.md:1: <!--T:FEED_GAP_CRITICAL_SECONDS:dur--> is not closed by <!--/T--> on the same line');
    expect(r('- <!--T:FEED_GAP_CRITICAL_SECONDS:dur-->1 s<!--/T--> without a tick')).toThrow('runbooks/X.md:1: a line (or list item) that starts with <!--T:FEED_GAP_CRITICAL_SECONDS:dur--> is an HTML block in Markdown');
    expect(r('1 s<!--/T-->')).toThrow('runbooks/X.md:1: <!--/T--> without an opening');
    expect(r('`gap > <!--T:FEED_GAP_CRITICAL_SECONDS:num-->1<!--/T-->`')).toThrow('runbooks/X.md:1: marker <!--T:FEED_GAP_CRITICAL_SECONDS:num--> inside a code span shows as text');
    expect(r('```promql\nhft_feed_gap_seconds > <!--T:FEED_GAP_CRITICAL_SECONDS:num-->1<!--/T-->\n```')).toThrow('runbooks/X.md:2: an HTML comment inside a fenced code block shows as text');
    expect(r('<!-- promql: x > ${FEED_GAP_CRITICAL_SECONDS} -->\nx > 1')).toThrow('runbooks/X.md:1: a <!-- promql: ... --> template must be followed at once by a fenced code block');
    expect(r('<!-- promql: x > ${NOPE} -->\n```promql\nx > 1\n```')).toThrow('runbooks/X.md:1: unknown threshold NOPE');
    expect(r('<!-- promql: x > ${FEED_GAP_CRITICAL_SECONDS:a:b} -->\n```promql\nx > 1\n```')).toThrow('runbooks/X.md:1: malformed placeholder');
    // Several problems are all reported.
    expect(r('<!--T:A:dur-->1<!--/T-->\n<!--T:B:dur-->1<!--/T-->')).toThrow(/X\.md:1: unknown threshold A[\s\S]*X\.md:2: unknown threshold B/);
  });

  it('the renderer rewrites a figure, a code span and a multi-line PromQL block, and is idempotent', () => {
    const text = [
      'for <!--T:FEED_GAP_FOR_SECONDS:promDur-->`9s`<!--/T--> and <!--T:BUS_OCCUPANCY_CRITICAL_RATIO:promPct-->1%<!--/T-->',
      '  <!-- promql: hft_bus_occupancy_ratio > ${BUS_OCCUPANCY_CRITICAL_RATIO}',
      '  and hft_feed_gap_seconds > ${FEED_GAP_CRITICAL_SECONDS:num} -->',
      '  ```promql',
      '  stale',
      '  ```',
    ].join('\n');
    const out = renderRunbook(text, 'x.md', live);
    expect(out).toBe(
      [
        'for <!--T:FEED_GAP_FOR_SECONDS:promDur-->`5s`<!--/T--> and <!--T:BUS_OCCUPANCY_CRITICAL_RATIO:promPct-->80%<!--/T-->',
        '  <!-- promql: hft_bus_occupancy_ratio > ${BUS_OCCUPANCY_CRITICAL_RATIO}',
        '  and hft_feed_gap_seconds > ${FEED_GAP_CRITICAL_SECONDS:num} -->',
        '  ```promql',
        '  hft_bus_occupancy_ratio > 0.8',
        '  and hft_feed_gap_seconds > 1',
        '  ```',
      ].join('\n'),
    );
    expect(renderRunbook(out, 'x.md', live)).toBe(out);
  });
});

describe('the figures in words', () => {
  it('write durations as Prometheus does: its duration notation from 1 s, humanizeDuration below', () => {
    expect([0.005, 100e-6, 10, 60, 300, 1800, 7200, 5400, 1.5, 0].map(promDur)).toEqual(['5ms', '100us', '10s', '1m', '5m', '30m', '2h', '1h30m', '1s500ms', '0s']);
    // What Prometheus itself rendered for {{ $value | humanizeDuration }} in the promtool cases.
    expect([0.02485, 248.5e-6].map(promDur)).toEqual(['24.85ms', '248.5us']);
    expect(() => promDur(-1)).toThrow(RangeError);
    expect(() => promDur(Number.NaN)).toThrow(RangeError);
  });

  it('write ratios and numbers as humanizePercentage and humanize do', () => {
    expect([0.8, 0.05, 0.15, 0.03125, 0.0625, 0.147].map(promPct)).toEqual(['80%', '5%', '15%', '3.125%', '6.25%', '14.7%']);
    expect([10_000, 25_000, 1_500_000, 120, 0.1, 0].map(promNum)).toEqual(['10k', '25k', '1.5M', '120', '100m', '0']);
    expect(() => promPct(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('write prose figures for runbooks', () => {
    expect([1, 60, 120, 1800, 3600, 14_400, 90].map(durWords)).toEqual(['1 s', '1 minute', '2 minutes', '30 minutes', '1 hour', '4 hours', '90 s']);
    expect([count(10_000), count(150), num(1e-4), num(14_400)]).toEqual(['10,000', '150', '0.0001', '14400']);
  });
});
