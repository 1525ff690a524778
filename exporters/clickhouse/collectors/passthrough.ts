/**
 * The passthrough shared by the `metrics`, `events` and `asynchronous_metrics` collectors: every
 * row of the system table becomes a metric named as ClickHouse's built-in Prometheus endpoint names
 * it (see exporters/catalog/clickhouse.ts). Not a collector itself.
 *
 * The set of rows is the server's, and `system.events` lists an event only once it has happened
 * (unless the server has `system_events_show_zero_values`), so names are learned three ways: the
 * catalog's listed names are always served (a listed event without a row is 0, which is what a
 * missing row means), rows seen when the exporter starts are served from the first scrape, and a
 * row that appears later is served from the scrape after it first appears (through the collector
 * set's `define`).
 */
import { clickhousePassthroughDef, clickhousePassthroughName, listedPassthroughDefs, type PassthroughFamily } from '../../catalog/clickhouse.js';
import type { MetricDef } from '../../catalog/types.js';
import { Samples } from '../../instrument/collector.js';
import { num, type ClickHouseCollector } from '../collector.js';
import type { QuerySource } from '../source.js';

interface Row {
  readonly metric?: string;
  readonly event?: string;
  readonly value: number | string;
  readonly description?: string;
}

/** A passthrough collector for one system table. */
export function createPassthroughCollector(family: PassthroughFamily): ClickHouseCollector {
  const listed = listedPassthroughDefs(family);
  const known = new Map<string, MetricDef>(listed.map((d) => [d.name, d]));
  /** The latest row per exposed name, for `define`. */
  const rows = new Map<string, { readonly row: string; readonly description?: string }>();
  const sql = `SELECT * FROM system.${family}`;

  const read = (list: readonly Row[], s?: Samples): void => {
    for (const r of list) {
      const row = r.event ?? r.metric;
      if (row === undefined) continue;
      const name = clickhousePassthroughName(family, row);
      if (!name || s?.has(name)) continue; // two rows that clean to one name: the first wins
      rows.set(name, { row, description: r.description });
      const v = num(r.value);
      if (s && Number.isFinite(v)) s.add(name, [], v);
    }
  };

  return {
    name: family,
    get defs() {
      return [...known.values()];
    },
    async discover(source: QuerySource, timeoutMs: number) {
      const settings = family === 'events' ? await zeroEventsSetting(source, timeoutMs) : {};
      read(await source.query<Row>(sql, timeoutMs, undefined, settings));
      for (const [name, r] of rows) {
        const def = clickhousePassthroughDef(family, r.row, r.description);
        if (def && !known.has(name)) known.set(name, def);
      }
    },
    async collect(round) {
      const caps = family === 'events' ? await round.capabilities() : undefined;
      const list = await round.query<Row>(sql, caps?.zeroEvents ? { system_events_show_zero_values: 1 } : {});
      const s = new Samples();
      read(list, s);
      // An event without a row has not happened since the server started: it is 0.
      if (family === 'events') for (const d of listed) if (!s.has(d.name)) s.add(d.name, [], 0);
      return s;
    },
    define(name) {
      const r = rows.get(name);
      const def = r ? clickhousePassthroughDef(family, r.row, r.description) : undefined;
      if (def) known.set(name, def);
      return def;
    },
  };
}

async function zeroEventsSetting(source: QuerySource, timeoutMs: number): Promise<Record<string, number>> {
  const rows = await source.query<{ n: number | string }>("SELECT count() AS n FROM system.settings WHERE name = 'system_events_show_zero_values'", timeoutMs);
  return num(rows[0]?.n) > 0 ? { system_events_show_zero_values: 1 } : {};
}
