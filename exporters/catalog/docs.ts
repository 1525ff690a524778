/**
 * Renders `docs/metrics.md`, the metrics reference, from the catalog. Deterministic: the same
 * catalog gives byte-identical output, so CI can compare it with the committed file.
 */
import { CATALOG } from './index.js';
import { DEFAULT_MAX_SERIES, type MetricDef } from './types.js';

const DOMAIN_TITLES: Record<string, string> = {
  engine: 'Engine liveness',
  feed: 'Market feed and gateways',
  bus: 'Event bus',
  strategy: 'Strategies',
  risk: 'Pre-trade risk',
  stormguard: 'StormGuard',
  orders: 'Orders',
  executions: 'Executions',
  pnl: 'PnL and exposure',
  positions: 'Positions (net exposure, the top K positions)',
  reconciliation: 'Reconciliation',
  session: 'Market session and configuration',
  system: 'System events (services of the engine and of tickwatch)',
  performance: 'Performance samples',
  security: 'Security events and suspicious activity',
  anomalies: 'Anomalies',
  ai: 'AI decisions',
  recorder: 'Audit recorder',
  redis: "Audit recorder's Redis hot state (with --redis-url)",
  ingest: 'Event ingest (tickwatch)',
  process: 'Process and instrumentation core',
  clickhouse: 'ClickHouse (listed here: ours and the passthrough names rules use; every system.metrics/events/asynchronous_metrics row is also served as ClickHouseMetrics_*, ClickHouseProfileEvents_*, ClickHouseAsyncMetrics_*)',
  host: 'Host (node_exporter-compatible names; every other /proc/meminfo field as node_memory_<Field>[_bytes])',
};

function labelCell(def: MetricDef): string {
  const parts = Object.entries(def.labels).map(([k, v]) => (v === 'open' ? `\`${k}\`` : `\`${k}\` ∈ {${v.map((x) => `\`${x}\``).join(', ')}}`));
  return parts.length ? parts.join('<br>') : '—';
}

function bucketsCell(def: MetricDef): string {
  return def.buckets ? def.buckets.map(String).join(', ') : '';
}

/** The Markdown reference of every catalog metric. */
export function renderMetricsDoc(defs: readonly MetricDef[] = CATALOG): string {
  const out: string[] = [
    '# Metrics reference',
    '',
    '<!-- Generated from exporters/catalog by `npm run build:docs`. Do not edit by hand. -->',
    '',
    `${defs.length} metrics. Each is defined once in \`exporters/catalog/<domain>.ts\`; exporters register from it and`,
    'alert rules and dashboards reference it, so a name that is not here cannot be used.',
    '',
    'Labels written as plain names are open (values from configuration, bounded by the series limit);',
    'labels with a set are closed. A value outside a closed set, or a label set past the series limit, is',
    'folded into a series whose labels are `other` and counted in `tickwatch_cardinality_overflow_total`.',
    '',
  ];
  const domains = [...new Set(defs.map((d) => d.domain))];
  for (const domain of domains) {
    out.push(`## ${DOMAIN_TITLES[domain] ?? domain}`, '', `Source: [\`exporters/catalog/${domain}.ts\`](../exporters/catalog/${domain}.ts)`, '');
    out.push('| metric | type | unit | labels | series limit | exported by | help |', '|---|---|---|---|---|---|---|');
    for (const d of defs.filter((x) => x.domain === domain)) {
      const limit = Object.keys(d.labels).length ? String(d.maxSeries ?? DEFAULT_MAX_SERIES) : '1';
      out.push(`| \`${d.name}\` | ${d.type} | ${d.unit} | ${labelCell(d)} | ${limit} | ${d.exportedBy.join(', ')} | ${d.help} |`);
    }
    const extras = defs.filter((x) => x.domain === domain && (x.buckets || x.valueMap || x.freshness));
    if (extras.length) {
      out.push('');
      for (const d of extras) {
        if (d.buckets) out.push(`- \`${d.name}\` buckets (${d.unit}): ${bucketsCell(d)}, +Inf`);
        if (d.freshness === 'engine') out.push(`- \`${d.name}\`: the engine's last reported value; not served while the engine is silent (\`hft_engine_up\` 0)`);
        if (d.valueMap) out.push(`- \`${d.name}\` values: ${Object.entries(d.valueMap).map(([k, v]) => `${k} = ${v}`).join(', ')}`);
      }
    }
    out.push('');
  }
  return out.join('\n');
}
