/**
 * `mutations`: per MergeTree table, pending mutations (0 when none), the creation time of the
 * oldest pending one, and, on servers whose system.mutations has `latest_fail_reason` (19.x+),
 * how many pending mutations last failed. On Debian's 18.16 a failing mutation is only visible as
 * one that stays pending, so the oldest-pending time is what an alert can watch there.
 */
import { clickhouseMutationOldestPendingTimeSeconds, clickhouseMutationsFailed, clickhouseMutationsPending } from '../../catalog/clickhouse.js';
import { Samples } from '../../instrument/collector.js';
import { num, type ClickHouseCollector } from '../collector.js';

/** Pending mutations per table, with a zero row for every MergeTree table. */
export function mutationsSql(failReason: boolean): string {
  const failed = failReason ? "countIf(latest_fail_reason != '')" : 'toUInt64(0)';
  return `SELECT database, table, sum(pending) AS pending, sum(failed) AS failed, max(oldest) AS oldest FROM (
  SELECT database, table, count() AS pending, ${failed} AS failed, min(toUInt32(toUnixTimestamp(create_time))) AS oldest FROM system.mutations WHERE is_done = 0 GROUP BY database, table
  UNION ALL
  SELECT database, name AS table, toUInt64(0) AS pending, toUInt64(0) AS failed, toUInt32(0) AS oldest FROM system.tables WHERE engine LIKE '%MergeTree'
) GROUP BY database, table`;
}

interface Row {
  readonly database: string;
  readonly table: string;
  readonly pending: number | string;
  readonly failed: number | string;
  readonly oldest: number | string;
}

/** The `mutations` collector. */
export function createMutationsCollector(): ClickHouseCollector {
  return {
    name: 'mutations',
    defs: [clickhouseMutationsPending, clickhouseMutationsFailed, clickhouseMutationOldestPendingTimeSeconds],
    async collect(round) {
      const caps = await round.capabilities();
      const s = new Samples();
      for (const r of await round.query<Row>(mutationsSql(caps.mutationFailReason))) {
        const labels = [r.database, r.table];
        const pending = num(r.pending);
        s.add(clickhouseMutationsPending, labels, pending);
        if (caps.mutationFailReason) s.add(clickhouseMutationsFailed, labels, num(r.failed));
        // The zero rows give 0 for `oldest`; max() keeps the real creation time when there is one.
        if (pending > 0 && num(r.oldest) > 0) s.add(clickhouseMutationOldestPendingTimeSeconds, labels, num(r.oldest));
      }
      return s;
    },
  };
}
