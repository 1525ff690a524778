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

/** Buffers kept for inserts to come: as many as the recorder writes at once (recorder.ts `WRITE_AHEAD`), and one more. */
const SPARE_BUFFERS = 3;

/** Rows {@link jsonArrayOf} turns into JSON at once: a piece well below V8's large-object size (about 128 KiB). */
const ROWS_A_PIECE = 64;

/** A buffer {@link jsonArrayOf} wrote, and how many of its bytes. */
type JsonBuffer = Buffer & { used: number };

/**
 * `rows` as one JSON array's UTF-8 (the bytes of `JSON.stringify(rows)`), written into `into` when
 * it is large enough, else into a new buffer. Stringified {@link ROWS_A_PIECE} rows at a time: one
 * string of a whole batch is a large object to V8, mapped fresh from the system for each batch,
 * and on a machine where a page's first touch costs about 10 us that, with its copy into a new
 * Buffer, was paid again by every batch (issue 19, 8 December 2026).
 * @param rows - the rows, each as `JSON.stringify` takes it
 * @param into - a buffer to write into (an earlier result), when large enough
 * @returns the buffer written, its first `used` bytes the JSON
 */
export function jsonArrayOf(rows: readonly unknown[], into?: JsonBuffer): JsonBuffer {
  let buf = into;
  let at = 0;
  for (let i = 0; i < rows.length || i === 0; i += ROWS_A_PIECE) {
    const piece = JSON.stringify(rows.slice(i, i + ROWS_A_PIECE));
    // UTF-8 takes at most 3 bytes a UTF-16 code unit.
    if (!buf || buf.length < at + piece.length * 3) {
      const next = Buffer.allocUnsafe(Math.max(1 << 16, (at + piece.length * 3) * 2)) as JsonBuffer;
      if (buf) buf.copy(next, 0, 0, at);
      buf = next;
    }
    // Each piece is an array of its own: after the first, its '[' overwrites the last one's ']' as a ','.
    if (i > 0) at--;
    const w = buf.write(piece, at, 'utf8');
    if (i > 0) buf[at] = 0x2c; // ','
    at += w;
  }
  buf!.used = at;
  return buf!;
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
  const spare: JsonBuffer[] = [];
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
      if (session.insert) {
        const buffer = jsonArrayOf(rows, spare.pop());
        try {
          return void (await session.insert({ table, values: buffer.subarray(0, buffer.used), format: 'JSONEachRow', settings }));
        } finally {
          // Kept for a later batch (the engine has read it once its insert settles).
          if (spare.length < SPARE_BUFFERS) spare.push(buffer);
        }
      }
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
