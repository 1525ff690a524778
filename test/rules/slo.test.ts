/**
 * SLOs as typed code (alert-rules/slo.ts): the three SLOs' rules follow Sloth's naming, the
 * thin-flow guards are what the objective and factors make them, the generated promtool cases test
 * what their names say (worked out here from their phases, apart from Prometheus: the pair under
 * test fires just above its threshold and no other pair of the alert does; just below nothing
 * fires; the thin-flow case would fire every pair on its ratio alone and the guard holds them all),
 * and promtool passes them, the budget gauge's expression case included.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as C from '../../exporters/catalog/index.js';
import { ALERTS, GROUPS } from '../../alert-rules/index.js';
import type { AlertRule, RuleGroup } from '../../alert-rules/model.js';
import {
  checkSlos,
  errorBudget,
  minEvents,
  pagePairs,
  pairCase,
  SLO_TEST_MARGIN,
  sloIdentity,
  SLOS,
  thinFlowCase,
  ticketPairs,
  win,
  type BurnPair,
  type PairCase,
  type SloSpec,
} from '../../alert-rules/slo.js';
import * as T from '../../alert-rules/thresholds.js';
import { promtool, TOOL_TIMEOUT_MS } from '../helpers/tools.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const group = (s: SloSpec): RuleGroup => GROUPS.find((g) => g.name === `slo-${s.slo}`)!;

/** Events and bad events of a case in the `window` minutes up to its evaluation time (all of them for a window longer than the case). */
function counts(c: PairCase, window: number): { total: number; bad: number } {
  let total = 0;
  let bad = 0;
  let minute = 0;
  for (const p of c.phases) {
    for (let i = 0; i < p.minutes; i++) {
      minute++;
      if (minute > c.atMinutes - window && minute <= c.atMinutes) {
        total += p.total;
        bad += p.bad;
      }
    }
  }
  return { total, bad };
}

/** What a pair's alert condition sees in a case: the burn rate over each window, and the long window's events. */
function seen(s: SloSpec, p: BurnPair, c: PairCase) {
  const b = errorBudget(s.objective);
  const long = counts(c, p.longSeconds / 60);
  const short = counts(c, p.shortSeconds / 60);
  return { long: long.bad / long.total / b, short: short.bad / short.total / b, events: long.total };
}
const fires = (s: SloSpec, p: BurnPair, c: PairCase) => {
  const v = seen(s, p, c);
  return v.long > p.factor && v.short > p.factor && v.events >= minEvents(s, p);
};

describe('SLOs as code', () => {
  it('ship the three SLOs of issue 17 with their objectives, and the build finds them sound', () => {
    expect(SLOS.map((s) => [s.slo, s.objective])).toEqual([
      ['order-ack-latency', 0.999],
      ['feed-availability', 0.9995],
      ['audit-durability', 0.9999],
    ]);
    expect(checkSlos()).toEqual([]);
    // 5 ms is a bucket bound, so the SLI counts exactly; the exporter's gap bound is FeedGap's.
    expect(C.orderAckLatencySeconds.buckets).toContain(T.ORDER_ACK_SLO_LATENCY_SECONDS);
    expect(C.FEED_GAP_BAD_AFTER_SECONDS).toBe(T.FEED_GAP_CRITICAL_SECONDS);
    expect(checkSlos({ ...T, ORDER_ACK_SLO_LATENCY_SECONDS: 0.004 })[0]).toMatch(/0.004 s is not a bucket bound of hft_order_ack_latency_seconds/);
    expect(checkSlos({ ...T, FEED_GAP_CRITICAL_SECONDS: 2 })).toEqual([expect.stringMatching(/differs from FeedGap's/)]);
  });

  it("follow Sloth's names and labels: SLI ratios for every window, the budget gauge, page and ticket alerts", () => {
    for (const s of SLOS) {
      const g = group(s);
      const records = g.rules.filter((r) => r.kind === 'record').map((r) => r.record);
      expect(records, s.slo).toEqual([
        ...['5m', '30m', '1h', '2h', '6h', '1d', '3d'].map((w) => `slo:sli_error:ratio_rate${w}`),
        ...['5m', '1h', '6h', '1d', '3d'].map((w) => `slo:sli_total:increase${w}`),
        'slo:sli_error:increase5m',
        'slo:sli_error:ratio_rate30d',
        'slo:objective:ratio',
        'slo:error_budget:ratio',
        'slo:time_period:days',
        'slo:current_burn_rate:ratio',
        'slo:period_burn_rate:ratio',
        'slo:period_error_budget_remaining:ratio',
      ]);
      for (const r of g.rules) if (r.kind === 'record') expect(r.labels, r.record).toEqual(sloIdentity(s));
      const alerts = g.rules.filter((r): r is AlertRule => r.kind === 'alert');
      expect(alerts.map((a) => [a.name, a.severity, a.labels?.sloth_severity, a.runbook])).toEqual([
        [s.page.name, 'critical', 'page', s.runbook],
        [s.ticket.name, 'warning', 'ticket', s.runbook],
      ]);
      expect(g.interval).toBe('30s');
    }
    expect(sloIdentity(SLOS[0]!)).toEqual({ sloth_id: 'order-path-order-ack-latency', sloth_service: 'order-path', sloth_slo: 'order-ack-latency' });
    const page = ALERTS.find((a) => a.name === 'OrderAckSloFastBurn')!;
    expect(page.expr.text).toBe(
      '((((slo:sli_error:ratio_rate1h{sloth_id="order-path-order-ack-latency"} / 0.001) > 14.4) and ((slo:sli_error:ratio_rate5m{sloth_id="order-path-order-ack-latency"} / 0.001) > 14.4)) and (slo:sli_total:increase1h{sloth_id="order-path-order-ack-latency"} >= 70))' +
        ' or ((((slo:sli_error:ratio_rate6h{sloth_id="order-path-order-ack-latency"} / 0.001) > 6) and ((slo:sli_error:ratio_rate30m{sloth_id="order-path-order-ack-latency"} / 0.001) > 6)) and (slo:sli_total:increase6h{sloth_id="order-path-order-ack-latency"} >= 167))',
    );
  });

  it('use the burn rates and windows of the SRE workbook, as Sloth pairs them', () => {
    const pairs = (ps: readonly BurnPair[]) => ps.map((p) => `${p.factor}x ${win(p.longSeconds)}/${win(p.shortSeconds)}`);
    expect(pairs(pagePairs(T))).toEqual(['14.4x 1h/5m', '6x 6h/30m']);
    expect(pairs(ticketPairs(T))).toEqual(['3x 1d/2h', '1x 3d/6h']);
    // factor = share of the budget spent x period / long window: 2 % in 1 h, 5 % in 6 h, 10 % in 1 d and in 3 d.
    const spent = (p: BurnPair) => Number(((p.factor * p.longSeconds) / T.SLO_PERIOD_SECONDS).toFixed(4));
    expect([...pagePairs(T), ...ticketPairs(T)].map(spent)).toEqual([0.02, 0.05, 0.1, 0.1]);
  });

  it('guard thin flow: each pair needs enough events that the ignored bad ones alone stay under its threshold', () => {
    const guards = (s: SloSpec) => [...pagePairs(T), ...ticketPairs(T)].map((p) => minEvents(s, p));
    expect(SLOS.map(guards)).toEqual([
      [70, 167, 334, 1000],
      [139, 334, 667, 2000],
      [695, 1667, 3334, 10000],
    ]);
    for (const s of SLOS)
      for (const p of [...pagePairs(T), ...ticketPairs(T)]) {
        const n = minEvents(s, p);
        const threshold = p.factor * errorBudget(s.objective);
        expect(s.ignoredBadEvents / n, `${s.slo} ${p.factor}x`).toBeLessThanOrEqual(threshold);
        expect(s.ignoredBadEvents / (n - 1), `${s.slo} ${p.factor}x`).toBeGreaterThan(threshold);
      }
  });

  for (const s of SLOS) {
    it(`${s.slo}: each generated case tests what its name says`, () => {
      for (const [kind, pairs] of [['page', pagePairs(T)], ['ticket', ticketPairs(T)]] as const) {
        for (const [i, p] of pairs.entries()) {
          const above = pairCase(s, pairs, i, 1 + SLO_TEST_MARGIN);
          const below = pairCase(s, pairs, i, 1 - SLO_TEST_MARGIN);
          expect(seen(s, p, above).long, `${kind} ${p.factor}x above`).toBeCloseTo(p.factor * (1 + SLO_TEST_MARGIN), 6);
          expect(seen(s, p, above).short).toBeCloseTo(p.factor * (1 + SLO_TEST_MARGIN), 6);
          expect(pairs.map((q) => fires(s, q, above)), `${kind} ${p.factor}x above: only this pair`).toEqual(pairs.map((_, j) => j === i));
          expect(pairs.map((q) => fires(s, q, below)), `${kind} ${p.factor}x below: none`).toEqual(pairs.map(() => false));
          expect(above.atMinutes % 10, 'a multiple of the test step').toBe(0);
        }
        // Thin flow: every pair's windows are over its threshold, and none has the events its guard wants.
        const thin = thinFlowCase(s, T);
        for (const p of pairs) {
          const v = seen(s, p, thin);
          expect(v.long > p.factor && v.short > p.factor, `${kind} ${p.factor}x: the ratio alone would fire`).toBe(true);
          expect(v.events, `${kind} ${p.factor}x: under its guard`).toBeLessThan(minEvents(s, p));
          expect(fires(s, p, thin)).toBe(false);
        }
        expect(counts(thin, 60).bad).toBeCloseTo(s.ignoredBadEvents, 9);
      }
      const g = group(s);
      const alerts = g.rules.filter((r): r is AlertRule => r.kind === 'alert');
      for (const a of alerts) {
        expect(a.tests.firing.length).toBe(2);
        expect(a.tests.silent.map((c) => c.name)).toEqual([expect.stringMatching(/^just below /), expect.stringMatching(/^just below /), expect.stringMatching(/^thin flow: /)]);
      }
      expect(g.exprTests?.map((c) => c.samples.map((x) => x.value))).toEqual([[0.5]]);
    });
  }

  it('pass promtool: every pair just above and just below, the thin-flow cases and the budget gauge', { timeout: TOOL_TIMEOUT_MS + 60_000 }, () => {
    const dir = join(root, 'prometheus/rules/tests');
    const files = readdirSync(dir).filter((f) => f.startsWith('slo-')).map((f) => join(dir, f));
    expect(files).toHaveLength(3);
    const r = promtool(['test', 'rules', ...files]);
    expect(r.stdout + r.stderr, r.stdout + r.stderr).not.toMatch(/FAILED/);
    expect(r.status).toBe(0);
    expect(r.stdout.match(/SUCCESS/g)).toHaveLength(3);
  });
});
