/**
 * `parts`: per MergeTree table, its active parts, the most active parts in any one of its
 * partitions (what ClickHouse compares with `parts_to_delay_insert` and `parts_to_throw_insert`),
 * its rows and its bytes on disk, from system.parts.
 */
import { clickhouseTableActiveParts, clickhouseTablePartitionActivePartsMax, clickhouseTableRows, clickhouseTableSizeBytes } from '../../catalog/clickhouse.js';
import { Samples } from '../../instrument/collector.js';
import { num, type ClickHouseCollector } from '../collector.js';

/** Per-table totals over per-partition counts of active parts. */
export const PARTS_SQL = `SELECT database, table, sum(c) AS parts, max(c) AS max_in_partition, sum(r) AS rows, sum(b) AS bytes
FROM (SELECT database, table, partition_id, count() AS c, sum(rows) AS r, sum(bytes_on_disk) AS b FROM system.parts WHERE active GROUP BY database, table, partition_id)
GROUP BY database, table`;

interface Row {
  readonly database: string;
  readonly table: string;
  readonly parts: number | string;
  readonly max_in_partition: number | string;
  readonly rows: number | string;
  readonly bytes: number | string;
}

/** The `parts` collector. */
export function createPartsCollector(): ClickHouseCollector {
  return {
    name: 'parts',
    defs: [clickhouseTableActiveParts, clickhouseTablePartitionActivePartsMax, clickhouseTableRows, clickhouseTableSizeBytes],
    async collect(round) {
      const s = new Samples();
      for (const r of await round.query<Row>(PARTS_SQL)) {
        const labels = [r.database, r.table];
        s.add(clickhouseTableActiveParts, labels, num(r.parts));
        s.add(clickhouseTablePartitionActivePartsMax, labels, num(r.max_in_partition));
        s.add(clickhouseTableRows, labels, num(r.rows));
        s.add(clickhouseTableSizeBytes, labels, num(r.bytes));
      }
      return s;
    },
  };
}
