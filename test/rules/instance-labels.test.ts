/**
 * Many engines (issue 18, point 3), static side: one Prometheus scrapes several HFT exporters, one
 * per engine host, told apart by `instance`, so no rule may add two engines together. Every
 * generated alert and recording rule expression and every PromQL dashboard query is parsed with
 * Prometheus' grammar (lezer-promql) and each place that loses `instance` is found
 * ({@link instanceLosses}): an aggregation without it in `by (...)` (or with it in `without`), a
 * one-to-one vector matching `on (...)` without it or `ignoring (instance)`, `absent()` and
 * `vector()`. Rules that deliberately span the fleet are listed in {@link FLEET_WIDE} with the
 * reason; dashboard queries that add engines up when the `$instance` variable selects several would
 * be listed in {@link ENGINE_SUMMING_PANELS}, which is empty. Both lists fail when an entry no
 * longer loses `instance`, so they can only shrink. The live side is test/rules/engines.test.ts.
 */
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { ALERTS, ALL_RECORDING_RULES } from '../../alert-rules/index.js';
import { panelsOf, queriesOf, substituteVariables } from '../../dashboards-src/check.js';
import { DASHBOARDS } from '../../dashboards-src/index.js';

const LABEL = 'instance';

/** Direct children of a syntax node. */
function children(n: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

/** Label names of a `by`/`without`/`on`/`ignoring` clause. */
function grouping(clause: SyntaxNode, text: string): string[] {
  const g = clause.getChild('GroupingLabels');
  return g ? children(g).filter((c) => c.name === 'LabelName').map((c) => text.slice(c.from, c.to)) : [];
}

/** Aggregations whose output keeps the input series' own labels (they select series, not add them up). */
const SELECTING = new Set(['Topk', 'Bottomk', 'Limitk', 'LimitRatio']);
/**
 * Functions whose output vector carries none (or only some) of the input's labels. `scalar()` and
 * `time()` are not among them: they give a scalar, and a vector combined with a scalar keeps its labels.
 */
const LABEL_DROPPING = new Set(['Absent', 'AbsentOverTime', 'Vector']);

/**
 * Every place in a PromQL expression where the `instance` label is lost: an aggregation without
 * `by (instance)` (or with `without (instance)`; `topk`, `bottomk` and `limitk` keep their series'
 * labels), a one-to-one vector matching `on (...)` without it or `ignoring (instance)` (with
 * `group_left`/`group_right` the many side keeps its labels, and a one side with several engines
 * is an error Prometheus reports, not a silent sum), and `absent`/`absent_over_time`/`vector`.
 * @returns one description per place; empty when every engine stays apart
 * @throws Error when the expression does not parse
 */
export function instanceLosses(expr: string): string[] {
  const tree = parser.parse(expr);
  const out: string[] = [];
  const at = (n: SyntaxNode) => JSON.stringify(expr.slice(n.from, Math.min(n.to, n.from + 80)));
  tree.iterate({
    enter: (ref) => {
      const n = ref.node;
      if (n.type.isError) throw new Error(`syntax error at ${n.from} of ${expr}`);
      if (n.name === 'AggregateExpr') {
        const op = n.getChild('AggregateOp')?.firstChild?.name ?? '?';
        if (SELECTING.has(op)) return;
        const mod = n.getChild('AggregateModifier');
        if (!mod) out.push(`${op.toLowerCase()} without by/without drops ${LABEL}: ${at(n)}`);
        else if (mod.getChild('By') && !grouping(mod, expr).includes(LABEL)) out.push(`${op.toLowerCase()} by (${grouping(mod, expr).join(', ')}) drops ${LABEL}: ${at(n)}`);
        else if (mod.getChild('Without') && grouping(mod, expr).includes(LABEL)) out.push(`${op.toLowerCase()} without (${LABEL}) drops it: ${at(n)}`);
      } else if (n.name === 'MatchingModifierClause') {
        const labels = grouping(n, expr);
        if (n.getChild('GroupLeft') || n.getChild('GroupRight')) return;
        if (n.getChild('On') && !labels.includes(LABEL)) out.push(`on (${labels.join(', ')}) matches across ${LABEL}s: ${at(n.parent!)}`);
        if (n.getChild('Ignoring') && labels.includes(LABEL)) out.push(`ignoring (${LABEL}) matches across ${LABEL}s: ${at(n.parent!)}`);
      } else if (n.name === 'FunctionCall') {
        const fn = n.getChild('FunctionIdentifier')?.firstChild?.name ?? '?';
        if (LABEL_DROPPING.has(fn)) out.push(`${fn} drops ${LABEL}: ${at(n)}`);
      }
    },
  });
  return out;
}

/** Why each dashboard's alert strip spans engines. */
const ALERT_STRIP = "the dashboard's alert strip: which of its families' alerts fire anywhere in the fleet (ALERTS by alertname and severity, 0 when none), a status overview; each alert it links to names its instance";

/**
 * What deliberately spans engines, by rule or `dashboard/panel title`, with the reason; each entry
 * must still lose `instance` (an entry that no longer does is reported, so the list cannot go stale).
 */
const FLEET_WIDE: Readonly<Record<string, string>> = {
  'alert Watchdog': "the pipeline's own heartbeat (vector(1)) for the dead man's switch: it belongs to no engine",
  'record slo:objective:ratio': "Sloth's SLO metadata: the objective is a constant per SLO (vector(0.999)), joined to each engine's error ratio with on (sloth_id, sloth_service, sloth_slo) group_left",
  'record slo:error_budget:ratio': "Sloth's SLO metadata: 1 - objective, a constant per SLO",
  'record slo:time_period:days': "Sloth's SLO metadata: the SLO period in days, a constant per SLO",
  'feed-gateway/Alerts of this dashboard': ALERT_STRIP,
  'logs-audit/Alerts of this dashboard': ALERT_STRIP,
  'pnl-exposure/Alerts of this dashboard': ALERT_STRIP,
  'recorder-clickhouse/Alerts of this dashboard': ALERT_STRIP,
  'strategy-orders/Alerts of this dashboard': ALERT_STRIP,
  'system-health/Alerts of this dashboard': ALERT_STRIP,
};

/**
 * Dashboard queries that add engines together when the multi-value `$instance` variable selects
 * several (its default is "All"): a query that filters every selector by `instance=~"$instance"`
 * (dashboards-src/check.ts' target rules) but aggregates `by` other labels only shows one engine
 * with one selected and the fleet's sum, maximum or quantile with several. None is left (issue 18
 * point 3: "no panel that mixes them"): every panel keeps `instance` in its `by` and names it in
 * its legend, and the tick latency heatmap, whose buckets cannot be told apart by legend, is
 * repeated per instance as well (dashboards-src/common.ts' `heatmapPanel`). Kept, empty, so that a
 * panel that adds engines up again fails here as unexplained rather than being listed.
 */
const ENGINE_SUMMING_PANELS: readonly string[] = [];

interface Checked {
  readonly where: string;
  readonly expr: string;
}

function everyExpression(): Checked[] {
  const out: Checked[] = [];
  for (const a of ALERTS) out.push({ where: `alert ${a.name}`, expr: String(a.expr) });
  for (const r of ALL_RECORDING_RULES) out.push({ where: `record ${r.record}`, expr: String(r.expr) });
  for (const d of DASHBOARDS) {
    for (const p of panelsOf(d.build())) {
      for (const q of queriesOf(p)) if (q.expr && !q.rawSql) out.push({ where: `${d.name}/${p.title ?? p.id}`, expr: substituteVariables(q.expr) });
    }
  }
  return out;
}

describe('every rule keeps engines apart', () => {
  it('finds the losses it is meant to find', () => {
    expect(instanceLosses('sum by (instance, le) (rate(x_bucket[1m]))')).toEqual([]);
    expect(instanceLosses('max without (gateway) (x) > on (instance, strategy) group_left y')).toEqual([]);
    expect(instanceLosses('topk(3, x)')).toEqual([]);
    expect(instanceLosses('histogram_quantile(0.99, sum(rate(a_bucket[1m])) by (le))')).toEqual(['sum by (le) drops instance: "sum(rate(a_bucket[1m])) by (le)"']);
    expect(instanceLosses('count(up)')).toHaveLength(1);
    expect(instanceLosses('sum without (instance) (x)')).toHaveLength(1);
    expect(instanceLosses('x / on (job) y')).toHaveLength(1);
    expect(instanceLosses('x / ignoring (instance) y')).toHaveLength(1);
    expect(instanceLosses('absent(up{job="a"})')).toHaveLength(1);
    expect(instanceLosses('x / on (slo) group_left () budget')).toEqual([]);
    expect(instanceLosses('time() - x > 3600')).toEqual([]);
    expect(() => instanceLosses('sum by (instance (x)')).toThrow(/syntax error/);
  });

  it('in every alert, recording rule and dashboard query, except the fleet-wide ones listed with a reason', () => {
    const all = everyExpression();
    expect(all.filter((c) => c.where.startsWith('alert ')).length).toBe(ALERTS.length);
    expect(all.filter((c) => !c.where.startsWith('alert ') && !c.where.startsWith('record ')).length).toBeGreaterThan(50);
    const found = new Map<string, string[]>();
    for (const c of all) {
      const l = instanceLosses(c.expr);
      if (l.length) found.set(c.where, [...(found.get(c.where) ?? []), ...l]);
    }
    const known = new Set([...Object.keys(FLEET_WIDE), ...ENGINE_SUMMING_PANELS]);
    const unexplained = [...found].filter(([w]) => !known.has(w)).map(([w, l]) => `${w}: ${l.join('; ')}`);
    const stale = [...known].filter((w) => !found.has(w));
    const rules = all.filter((c) => c.where.startsWith('alert ') || c.where.startsWith('record '));
    console.log(
      `instance: ${all.length} expressions checked (${rules.length} rules, ${all.length - rules.length} dashboard queries); ` +
        `${[...found.keys()].filter((w) => w.startsWith('alert ') || w.startsWith('record ')).length} rules and ${[...found.keys()].filter((w) => w.includes('/')).length} panels lose ${LABEL}: ` +
        `${Object.keys(FLEET_WIDE).length} fleet-wide by design, ${ENGINE_SUMMING_PANELS.length} panels that add engines up (known), ${unexplained.length} unexplained`,
    );
    expect(Object.keys(FLEET_WIDE).filter((w) => w.startsWith('alert ')), 'alerts that span engines').toEqual(['alert Watchdog']);
    expect(unexplained, unexplained.join('\n')).toEqual([]);
    expect(stale, 'FLEET_WIDE or ENGINE_SUMMING_PANELS entries that no longer lose instance: remove them').toEqual([]);
  });

  it('names the engine of every dashboard series: {{instance}} in the legend, or one panel per instance', () => {
    const unnamed: string[] = [];
    let named = 0;
    let repeated = 0;
    for (const d of DASHBOARDS) {
      for (const p of panelsOf(d.build())) {
        const where = `${d.name}/${p.title ?? p.id}`;
        if (where in FLEET_WIDE) continue;
        const targets = (p.targets ?? []) as unknown as { refId?: string; expr?: string; rawSql?: string; legendFormat?: string }[];
        for (const t of targets) {
          if (!t.expr || t.rawSql) continue;
          // A panel repeated over the instance variable: each copy's $instance is one engine, and its title says which.
          if (p.repeat === 'instance') {
            repeated++;
            if (!p.title?.includes('$instance')) unnamed.push(`${where} ${t.refId}: repeated per instance, but its title does not name $instance`);
            continue;
          }
          if (t.legendFormat?.includes('{{instance}}')) named++;
          else unnamed.push(`${where} ${t.refId}: legend ${JSON.stringify(t.legendFormat ?? '')} does not name {{instance}}`);
        }
      }
    }
    console.log(`instance legends: ${named} queries name {{instance}}, ${repeated} in panels repeated per instance, ${unnamed.length} unnamed`);
    expect(named).toBeGreaterThan(50);
    expect(repeated).toBeGreaterThan(0);
    expect(unnamed, unnamed.join('\n')).toEqual([]);
  });
});

