/**
 * The metric catalog: every metric tickwatch exports, one module per domain.
 *
 * Import a definition by its handle (`import { feedGapSeconds } from '.../catalog/index.js'`) in
 * exporters, rules and dashboards. {@link CATALOG} lists them all; `docs/metrics.md` is generated
 * from it by `npm run build:docs`.
 */
import * as ai from './ai.js';
import * as anomalies from './anomalies.js';
import * as bus from './bus.js';
import * as clickhouse from './clickhouse.js';
import * as clock from './clock.js';
import * as engine from './engine.js';
import * as executions from './executions.js';
import * as feed from './feed.js';
import * as host from './host.js';
import * as ingest from './ingest.js';
import * as orders from './orders.js';
import * as performance from './performance.js';
import * as pnl from './pnl.js';
import * as positions from './positions.js';
import * as processMetrics from './process.js';
import * as reconciliation from './reconciliation.js';
import * as recorder from './recorder.js';
import * as redis from './redis.js';
import * as risk from './risk.js';
import * as security from './security.js';
import * as session from './session.js';
import * as stormguard from './stormguard.js';
import * as strategy from './strategy.js';
import * as system from './system.js';
import { validateDefinition, type MetricDef } from './types.js';

export * from './ai.js';
export * from './anomalies.js';
export * from './bus.js';
export * from './clickhouse.js';
export * from './clock.js';
export * from './engine.js';
export * from './enums.js';
export * from './executions.js';
export * from './feed.js';
export * from './host.js';
export * from './jobs.js';
export * from './ingest.js';
export * from './orders.js';
export * from './performance.js';
export * from './pnl.js';
export * from './positions.js';
export * from './process.js';
export * from './reconciliation.js';
export * from './recorder.js';
export * from './redis.js';
export * from './risk.js';
export * from './security.js';
export * from './session.js';
export * from './stormguard.js';
export * from './strategy.js';
export * from './system.js';
export * from './types.js';

/** Domain modules in documentation order. */
const MODULES = {
  engine,
  feed,
  bus,
  strategy,
  risk,
  stormguard,
  orders,
  executions,
  pnl,
  positions,
  reconciliation,
  session,
  system,
  performance,
  security,
  anomalies,
  ai,
  recorder,
  redis,
  ingest,
  process: processMetrics,
  host,
  clock,
  clickhouse,
};

function isDef(v: unknown): v is MetricDef {
  return typeof v === 'object' && v !== null && 'name' in v && 'type' in v && 'help' in v && 'labels' in v;
}

/** Every metric definition, grouped by domain in documentation order, by name within a domain. */
export const CATALOG: readonly MetricDef[] = Object.freeze(
  // Sorted: module namespace key order differs between loaders (tsx sorts, vite keeps source order).
  Object.values(MODULES).flatMap((mod) =>
    Object.values(mod)
      .filter(isDef)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  ),
);

/** Definitions by metric name. */
export const METRICS_BY_NAME: ReadonlyMap<string, MetricDef> = new Map(CATALOG.map((d) => [d.name, d]));

/**
 * Checks the whole catalog: each definition ({@link validateDefinition}), unique names, no name that
 * collides with a histogram's or counter's derived series, and the module a definition sits in
 * matches its `domain`.
 * @returns problems found; empty when the catalog is sound
 */
export function validateCatalog(defs: readonly MetricDef[] = CATALOG): string[] {
  const problems = defs.flatMap(validateDefinition);
  const seen = new Set<string>();
  for (const d of defs) {
    if (seen.has(d.name)) problems.push(`${d.name}: defined twice`);
    seen.add(d.name);
  }
  for (const d of defs) {
    if (d.type === 'histogram') {
      for (const s of ['_bucket', '_sum', '_count']) if (seen.has(d.name + s)) problems.push(`${d.name + s}: collides with histogram ${d.name}`);
    }
  }
  for (const [domain, mod] of Object.entries(MODULES)) {
    for (const d of Object.values(mod).filter(isDef)) if (d.domain !== domain) problems.push(`${d.name}: in module ${domain} but domain is ${d.domain}`);
  }
  return problems;
}
