import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import * as C from '../../exporters/catalog/index.js';
import { validateRules } from '../../alert-rules/build.js';
import { ALERTS } from '../../alert-rules/index.js';
import { RUNBOOK_BASE_URL } from '../../query/links.js';
import { checkExpr, count, Expr, rate, sel } from '../../query/promql.js';
import { promtool, TOOL_TIMEOUT_MS } from '../helpers/tools.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const rulesDir = join(root, 'prometheus/rules');
const ruleFiles = readdirSync(rulesDir).filter((f) => f.endsWith('.yml')).map((f) => join(rulesDir, f));
const testFiles = readdirSync(join(rulesDir, 'tests')).map((f) => join(rulesDir, 'tests', f));

interface RuleYaml {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
}

describe('alert rules', () => {
  it('are sound: expressions parse, metrics exist, every alert has cases and a runbook', () => {
    expect(validateRules(root)).toEqual([]);
  });

  it('pass promtool check rules with linting', { timeout: TOOL_TIMEOUT_MS + 60_000 }, () => {
    const r = promtool(['check', 'rules', '--lint=all', '--lint-fatal', ...ruleFiles]);
    expect(r.stdout + r.stderr).not.toMatch(/FAILED|WARNING/);
    expect(r.status).toBe(0);
    expect(r.stdout.match(/SUCCESS/g)).toHaveLength(ruleFiles.length);
  });

  // ~20 s on a quiet machine, several times that beside other work: the deadline is the tool's (10 min).
  it('pass their promtool unit tests', { timeout: TOOL_TIMEOUT_MS + 60_000 }, () => {
    const r = promtool(['test', 'rules', ...testFiles]);
    expect(r.stdout + r.stderr, r.stdout + r.stderr).not.toMatch(/FAILED/);
    expect(r.status).toBe(0);
    expect(r.stdout.match(/SUCCESS/g)).toHaveLength(testFiles.length);
  });

  it('test every alert firing and silent (Watchdog always fires)', () => {
    // SLO groups also carry expression cases (promql_expr_test), without alert_rule_test.
    const cases = testFiles.flatMap((f) => (parse(readFileSync(f, 'utf8')) as { tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests);
    for (const a of ALERTS) {
      const mine = cases.flatMap((c) => c.alert_rule_test ?? []).filter((t) => t.alertname === a.name);
      expect(mine.some((t) => t.exp_alerts.length > 0), `${a.name} fires`).toBe(true);
      if (a.name !== 'Watchdog') expect(mine.some((t) => t.exp_alerts.length === 0), `${a.name} silent`).toBe(true);
    }
    expect(ALERTS.length).toBeGreaterThanOrEqual(20);
  });

  it('give every alert a severity, summary, description with its value, and a runbook_url that resolves to a file', () => {
    const alerts = ruleFiles.flatMap((f) => (parse(readFileSync(f, 'utf8')) as RuleYaml).groups.flatMap((g) => g.rules)).filter((r) => r.alert);
    expect(alerts.length).toBe(ALERTS.length);
    for (const a of alerts) {
      expect(['critical', 'warning', 'none'], a.alert).toContain(a.labels?.severity);
      expect(a.annotations?.summary, a.alert).toBeTruthy();
      expect(a.annotations?.description, a.alert).toBeTruthy();
      const url = a.annotations!.runbook_url!;
      expect(url.startsWith(RUNBOOK_BASE_URL), a.alert).toBe(true);
      expect(existsSync(join(root, 'runbooks', url.slice(RUNBOOK_BASE_URL.length))), url).toBe(true);
    }
  });

  it('refuse metrics that no exporter exports, and bad syntax', () => {
    const known = { recorded: new Set<string>() };
    expect(checkExpr('hft_feed_gap_seconds_renamed > 1', known)).toEqual(['unknown metric hft_feed_gap_seconds_renamed: not in the catalog, not a recording rule']);
    expect(checkExpr('hft_feed_gap_seconds_bucket > 1', known)[0]).toMatch(/unknown metric/); // a gauge has no buckets
    expect(checkExpr('sum(rate(hft_bus_overflows_total[1m])', known)[0]).toMatch(/syntax error/);
    expect(checkExpr(new Expr('hft_order_ack_latency_seconds_bucket').text, known)).toEqual([]);
  });

  it('type-check metrics, labels and rate() against the catalog', () => {
    // @ts-expect-error rate() takes counters, not a gauge
    rate(sel(C.busOccupancyRatio), '1m');
    // @ts-expect-error 'symbol' is not a label of hft_bus_occupancy_ratio
    sel(C.busOccupancyRatio, { symbol: '2330' });
    // @ts-expect-error a histogram is selected through bucket()/count()/sumOf()
    sel(C.orderAckLatencySeconds);
    expect(rate(count(C.orderAckLatencySeconds), '1m').text).toBe('rate(hft_order_ack_latency_seconds_count[1m])');
  });
});
