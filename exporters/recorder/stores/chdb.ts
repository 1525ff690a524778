/**
 * A {@link ClickHouseTransport} over chdb: a current ClickHouse engine (26.x) in this process. It
 * runs the production DDL (TTL, DateTime64, LowCardinality, deduplication window) without a server.
 * chdb is a development dependency (its native library is about 560 MB): tests and benchmarks
 * use it, production talks HTTP to a server.
 */
import type { ClickHouseTransport } from './clickhouse.js';

interface ChdbSession {
  queryAsync(sql: string, opts?: { format?: string }): Promise<{ text(): string }>;
  queryBindAsync(sql: string, params: object, opts?: { format?: string }): Promise<{ text(): string }>;
  /** chdb 3's raw insert: the payload handed to the engine as bytes, parsed by its own threads. */
  insert?(p: { table: string; values: Buffer; format: 'JSONEachRow'; settings?: Record<string, string | number> }): Promise<unknown>;
  cleanup?(): void;
  close?(): void;
}

/**
 * Opens a chdb session on `path` (a temp folder when absent).
 * @param connectionArgs - the engine's command-line arguments, e.g. `--config-file=<server config snippet>`
 * @throws Error when chdb is not installed (it is a dev dependency), or the engine refuses the arguments or the config
 */
export async function chdbTransport(path?: string, connectionArgs?: readonly string[]): Promise<ClickHouseTransport & { session: ChdbSession }> {
  const mod = (await import('chdb')) as unknown as { Session: new (p?: string, o?: { connectionArgs?: readonly string[] }) => ChdbSession };
  const session = connectionArgs?.length ? new mod.Session(path, { connectionArgs }) : new mod.Session(path);
  const text = async (sql: string, format = 'JSONEachRow') => (await session.queryAsync(sql, { format })).text();
  return {
    session,
    command: async (sql) => {
      await text(sql, 'CSV');
    },
    insert: async (table, rows, settings) => {
      // One JSON.stringify of the whole batch (a JSON array of rows, which JSONEachRow reads too)
      // handed over as bytes: the engine parses it on its own threads (issue 19: a query text of
      // one JSON.stringify per row, joined, took about 15 us per line of the calling thread's time,
      // --cpu-prof of 60,000 lines in 1,000-line batches, 2 December 2026).
      if (session.insert) return void (await session.insert({ table, values: Buffer.from(JSON.stringify(rows)), format: 'JSONEachRow', settings }));
      const s = Object.entries(settings).map(([k, v]) => `${k} = ${typeof v === 'number' ? v : `'${String(v).replace(/'/g, "\\'")}'`}`);
      const body = rows.map((r) => JSON.stringify(r)).join('\n');
      await text(`INSERT INTO ${table} ${s.length ? `SETTINGS ${s.join(', ')} ` : ''}FORMAT JSONEachRow\n${body}`, 'CSV');
    },
    query: async <T>(sql: string, params?: Readonly<Record<string, unknown>>) =>
      (params ? (await session.queryBindAsync(sql, { ...params }, { format: 'JSONEachRow' })).text() : await text(sql))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as T),
    close: async () => {
      (session.close ?? session.cleanup)?.call(session);
    },
  };
}
