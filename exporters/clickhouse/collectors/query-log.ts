/**
 * `query_log`: how long the queries ClickHouse finished took, by kind (insert, select, other), as
 * the histogram `tickwatch_clickhouse_query_duration_seconds`, and whether the server logs them
 * (`tickwatch_clickhouse_query_log_enabled`). Read incrementally from system.query_log, the table
 * ClickHouse writes a row to when a query starts and when it ends (`type` QueryFinish = 2 for a
 * query that succeeded; an UInt8 on 18.16, an Enum8 with the same values on later versions), with
 * `query_duration_ms` (whole milliseconds, the server's own measure).
 *
 * Counting each query once. The server buffers log rows and flushes them every
 * `flush_interval_milliseconds` (7.5 s by default) and `event_time` has one-second resolution, so
 * the newest seconds of the table are still filling when a scrape reads it. The collector reads
 * whole seconds only once they are settled: each scrape aggregates the rows with `event_time` in
 * [from, to), where `to` is the server's clock minus a delay (default
 * {@link DEFAULT_QUERY_LOG_DELAY_SECONDS}, twice the default flush interval), then moves `from` to
 * `to`. The windows never overlap, so no row is counted twice across scrapes, and no per-query
 * state is kept: memory is the three series' bucket counts, whatever the query rate. The price:
 * the histogram runs that delay behind real time, and a row flushed more than the delay after its
 * query finished (a server too busy to flush, a longer flush interval: raise `--query-log-delay`)
 * is not counted.
 *
 * Bounded work per scrape: one probe of system.tables, system.columns and system.settings, then,
 * when there is a window to read, one aggregation over at most {@link QUERY_LOG_MAX_WINDOW_SECONDS}
 * of query_log (pruned by its partition and sort key, `event_date` then `event_time`), answered as
 * one row per kind with the bucket counts computed by the server. After an outage of more than
 * {@link QUERY_LOG_MAX_BACKLOG_SECONDS} the older part of the backlog is skipped, not replayed.
 *
 * What counts: initial queries (`is_initial_query` = 1; a distributed query's parts on other shards
 * are not counted again) that finished successfully, except the exporter's own (its HTTP User-Agent
 * starts with {@link EXPORTER_APPLICATION}), so its scrapes neither inflate the SELECT rate nor pull
 * the SELECT latency towards its own small queries. The kind is `query_kind` where the server has
 * that column (21.x and later: `Select`, `Insert`, ...), else the first keyword of the query text
 * after blanks, comments and parentheses (`SELECT` and `WITH` are selects, `INSERT` inserts, the rest
 * other).
 *
 * When system.query_log does not exist (ClickHouse creates it at its first flush of a logged
 * query: on 18.16, whose `log_queries` default is 0, never unless a profile turns it on) the
 * histogram has no series and the enabled gauge is 0; the collector still succeeds.
 */
import { CLICKHOUSE_QUERY_KINDS, clickhouseQueryDurationSeconds, clickhouseQueryLogEnabled } from '../../catalog/clickhouse.js';
import { Samples } from '../../instrument/collector.js';
import { num, type ClickHouseCollector } from '../collector.js';
import { EXPORTER_APPLICATION } from '../source.js';

/** Default delay behind the server's clock, in seconds: twice query_log's default flush interval (7.5 s). */
export const DEFAULT_QUERY_LOG_DELAY_SECONDS = 15;

/** Most seconds of query_log one scrape aggregates (a scrape after a pause catches up in steps). */
export const QUERY_LOG_MAX_WINDOW_SECONDS = 300;

/** Most seconds the collector catches up after a pause; older rows are skipped. */
export const QUERY_LOG_MAX_BACKLOG_SECONDS = 600;

/**
 * The per-scrape probe: the server's clock (Unix seconds), whether system.query_log exists, which
 * optional columns it has, and `log_queries` in the exporter's session.
 */
export const QUERY_LOG_PROBE_SQL = `SELECT toUInt32(now()) AS now,
  (SELECT count() FROM system.tables WHERE database = 'system' AND name = 'query_log') AS present,
  (SELECT count() FROM system.columns WHERE database = 'system' AND table = 'query_log' AND name = 'query_kind') AS query_kind,
  (SELECT count() FROM system.columns WHERE database = 'system' AND table = 'query_log' AND name = 'http_user_agent') AS user_agent,
  (SELECT any(value) FROM system.settings WHERE name = 'log_queries') AS log_queries`;

/**
 * The first keyword of a query text (RE2, as ClickHouse's `extract` takes it): skips blanks,
 * opening parentheses, `--` line comments and block comments.
 */
export const FIRST_KEYWORD_RE = String.raw`^(?:\s|\(|--[^\n]*\n|/\*(?s:.*?)\*/)*([A-Za-z]+)`;

/** Which optional query_log columns the server has. */
export interface QueryLogColumns {
  /** `query_kind` (21.x and later). */
  readonly queryKind: boolean;
  /** `http_user_agent` (18.x has it). */
  readonly userAgent: boolean;
}

/** A ClickHouse string literal. */
function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The aggregation of one window: one row per kind with its count (`n`), the sum of its durations in
 * milliseconds (`ms`) and, per bucket bound, how many took at most that long (`b0`, `b1`, ...,
 * cumulative).
 * @param from - first second of the window (Unix seconds, inclusive)
 * @param to - end of the window (Unix seconds, exclusive)
 * @param bounds - the histogram's bucket bounds in seconds
 */
export function queryLogSql(from: number, to: number, columns: QueryLogColumns, bounds: readonly number[]): string {
  const word = `lower(extract(substring(query, 1, 1024), ${sqlString(FIRST_KEYWORD_RE)}))`;
  const k = columns.queryKind ? `if(toString(query_kind) != '', lower(toString(query_kind)), ${word})` : word;
  const buckets = bounds.map((b, i) => `countIf(d <= ${Number((b * 1000).toPrecision(12))}) AS b${i}`).join(', ');
  const own = columns.userAgent ? `\n      AND http_user_agent NOT LIKE ${sqlString(`${EXPORTER_APPLICATION}%`)}` : '';
  return `SELECT kind, count() AS n, sum(d) AS ms, ${buckets}
FROM (
  SELECT multiIf(k = 'insert', 'insert', k IN ('select', 'with'), 'select', 'other') AS kind, d
  FROM (
    SELECT ${k} AS k, query_duration_ms AS d
    FROM system.query_log
    WHERE event_date >= toDate(toDateTime(${from})) AND event_date <= toDate(toDateTime(${to}))
      AND event_time >= toDateTime(${from}) AND event_time < toDateTime(${to})
      AND type = 2 AND is_initial_query = 1${own}
  )
)
GROUP BY kind`;
}

interface ProbeRow {
  readonly now: number | string;
  readonly present: number | string;
  readonly query_kind: number | string;
  readonly user_agent: number | string;
  readonly log_queries: string | number;
}

type Row = { readonly kind: string; readonly n: number | string; readonly ms: number | string } & Readonly<Record<`b${number}`, number | string>>;

/** Options of the `query_log` collector. */
export interface QueryLogOptions {
  /** Seconds behind the server's clock the collector reads (default {@link DEFAULT_QUERY_LOG_DELAY_SECONDS}). */
  readonly delaySeconds?: number;
}

/** One kind's histogram so far. */
interface KindState {
  readonly cumulative: number[];
  count: number;
  /** Sum of durations in whole milliseconds (exact in a double up to 2^53 ms). */
  ms: number;
}

/**
 * The `query_log` collector.
 * @throws Error when the delay is not a whole number of seconds, 0 or more; its `collect` rejects
 *   when a query fails (the scrape reports success 0, and the same window is read on the next one)
 */
export function createQueryLogCollector(o: QueryLogOptions = {}): ClickHouseCollector {
  const delay = o.delaySeconds ?? DEFAULT_QUERY_LOG_DELAY_SECONDS;
  if (!(Number.isInteger(delay) && delay >= 0)) throw new Error(`query_log delay must be a whole number of seconds, not ${delay}`);
  const bounds = clickhouseQueryDurationSeconds.buckets;
  const kinds = new Map<string, KindState>(CLICKHOUSE_QUERY_KINDS.map((k) => [k, { cumulative: new Array<number>(bounds.length).fill(0), count: 0, ms: 0 }]));
  /** First second not counted yet (server clock, Unix seconds); set by the first scrape. */
  let from: number | undefined;

  return {
    name: 'query_log',
    defs: [clickhouseQueryLogEnabled, clickhouseQueryDurationSeconds],
    async collect(round) {
      const probe = (await round.query<ProbeRow>(QUERY_LOG_PROBE_SQL))[0];
      if (!probe) throw new Error('the query_log probe returned no row');
      const now = num(probe.now);
      const present = num(probe.present) > 0;
      const s = new Samples();
      s.add(clickhouseQueryLogEnabled, [], present && String(probe.log_queries) === '1' ? 1 : 0);
      const end = now - delay;
      // The first scrape counts what finishes from `end` on; a clock that went back waits for `from`.
      from = Math.max(from ?? end, end - QUERY_LOG_MAX_BACKLOG_SECONDS);
      const to = Math.min(end, from + QUERY_LOG_MAX_WINDOW_SECONDS);
      if (!present) return s; // nothing logged yet: the window waits for the table
      if (to > from) {
        const columns = { queryKind: num(probe.query_kind) > 0, userAgent: num(probe.user_agent) > 0 };
        for (const r of await round.query<Row>(queryLogSql(from, to, columns, bounds))) {
          const k = kinds.get(r.kind);
          if (!k) continue;
          k.count += num(r.n);
          k.ms += num(r.ms);
          for (let i = 0; i < bounds.length; i++) k.cumulative[i]! += num(r[`b${i}`]);
        }
        from = to;
      }
      for (const [kind, k] of kinds) s.addHistogram(clickhouseQueryDurationSeconds, [kind], k.cumulative, k.count, k.ms / 1000);
      return s;
    },
  };
}
