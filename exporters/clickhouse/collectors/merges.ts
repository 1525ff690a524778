/**
 * `merges`: merges in progress per MergeTree table, from system.merges; every MergeTree table has
 * a series (0 when idle), so a panel or rule never has to guess whether a missing series means 0.
 */
import { clickhouseMergesRunning } from '../../catalog/clickhouse.js';
import { Samples } from '../../instrument/collector.js';
import { num, type ClickHouseCollector } from '../collector.js';

/** Merges per table, with a zero row for every MergeTree table. */
export const MERGES_SQL = `SELECT database, table, sum(n) AS merges FROM (
  SELECT database, table, count() AS n FROM system.merges GROUP BY database, table
  UNION ALL
  SELECT database, name AS table, toUInt64(0) AS n FROM system.tables WHERE engine LIKE '%MergeTree'
) GROUP BY database, table`;

/** The `merges` collector. */
export function createMergesCollector(): ClickHouseCollector {
  return {
    name: 'merges',
    defs: [clickhouseMergesRunning],
    async collect(round) {
      const s = new Samples();
      for (const r of await round.query<{ database: string; table: string; merges: number | string }>(MERGES_SQL)) s.add(clickhouseMergesRunning, [r.database, r.table], num(r.merges));
      return s;
    },
  };
}
