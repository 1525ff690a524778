/**
 * How the ClickHouse exporter talks to ClickHouse: the maintained @clickhouse/client over HTTP, with
 * every query under a hard deadline.
 *
 * @clickhouse/client 1.23 works against Debian's clickhouse-server 18.16 as long as queries avoid
 * what 18.16 lacks (query parameters, newer settings): every query here is plain SQL text with
 * JSONEachRow output, checked against a real 18.16 server by test/clickhouse.
 *
 * Deadline, three ways, so neither a down nor a hung (SIGSTOPped) server can hold a scrape: an
 * `AbortSignal.timeout` per query (the client aborts the HTTP request, measured: 806 ms for an 800 ms
 * deadline against a stopped server), the client's own `request_timeout` as a backstop, and
 * `max_execution_time` so the server itself gives up on a slow query instead of working on after
 * we left.
 */
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';

/** Connection options. */
export interface ClickHouseConnection {
  /** HTTP interface, e.g. `http://127.0.0.1:8123`. */
  readonly url: string;
  /** User; default `default`. */
  readonly user?: string;
  /** Password; default empty. */
  readonly password?: string;
}

/**
 * The `application` the exporter's client announces: its HTTP User-Agent starts with it, which is
 * how the `query_log` collector leaves the exporter's own queries out of the query durations.
 */
export const EXPORTER_APPLICATION = 'tickwatch-clickhouse-exporter';

/** Something that runs a query and returns its rows. */
export interface QuerySource {
  /**
   * Runs `sql` (no FORMAT clause) and returns its JSONEachRow rows.
   * @param timeoutMs - hard deadline for the whole request, in milliseconds
   * @param signal - aborts the request early (the scrape gave up on the server)
   * @param settings - extra query-level settings
   * @throws Error on a server error, a connection error, the deadline or the signal
   */
  query<T>(sql: string, timeoutMs: number, signal?: AbortSignal, settings?: Readonly<Record<string, string | number>>): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * A {@link QuerySource} on @clickhouse/client.
 * @param maxTimeoutMs - the longest deadline any query will get (sets the client's backstop)
 */
export function clickhouseSource(c: ClickHouseConnection, maxTimeoutMs: number): QuerySource {
  const client: ClickHouseClient = createClient({
    url: c.url,
    username: c.user ?? 'default',
    password: c.password ?? '',
    request_timeout: maxTimeoutMs + 250,
    max_open_connections: 16,
    log: { level: ClickHouseLogLevel.OFF },
    application: EXPORTER_APPLICATION,
  });
  return {
    async query<T>(sql: string, timeoutMs: number, signal?: AbortSignal, settings: Readonly<Record<string, string | number>> = {}): Promise<T[]> {
      const deadline = AbortSignal.timeout(timeoutMs);
      const abort = signal ? AbortSignal.any([signal, deadline]) : deadline;
      try {
        const rs = await client.query({
          query: sql,
          format: 'JSONEachRow',
          abort_signal: abort,
          clickhouse_settings: { max_execution_time: Math.max(1, Math.ceil(timeoutMs / 1000)), ...settings } as never,
        });
        return await rs.json<T>();
      } catch (err) {
        if (deadline.aborted) throw new Error(`no answer within ${timeoutMs} ms`);
        if (signal?.aborted) throw new Error(String(signal.reason instanceof Error ? signal.reason.message : signal.reason));
        throw err instanceof Error ? new Error(err.message.split('\n')[0]!.replace(/, e\.what\(\) = .*$/, '')) : new Error(String(err));
      }
    },
    close: () => client.close(),
  };
}
