/** `tickwatch recorder` and `tickwatch logs search`. */
import { Option, type Command } from 'commander';
import { LOG_FORMATS } from '../catalog/enums.js';
import type { FormatOption } from '../events/formats.js';
import { parseFileSpec, type FileSource } from '../ingest/sources.js';
import { IDLE_POLL_MS_HELP } from '../ingest/limits.js';
import { DEFAULT_REDACT_KEYS, REDACTED } from '../ingest/redact.js';
import { DEFAULT_LEVELS, levelPolicyArg, type LevelPolicy } from './levels.js';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PORTS } from '../catalog/jobs.js';
import { intArg, listArg, portArg, positiveMsArg, serviceLogging, stopOnSignals, webAccessOf, webOptions, type WebFlags } from '../lib/cli.js';
import type { ChainHeads } from './chain.js';
import type { FoundJson, LogPage } from './search.js';
import type { AlertJson } from './alerts.js';
import type { AuditStore, ExecTimeRow } from './stores/store.js';
import type { ChainReport } from './verify.js';
import { cleanupConfigOf, registerStoreCommands, withRetentionOptions, type RetentionFlags } from './cleanup-cli.js';

// The stores, the query API and the event contract load when a command runs, not when the
// `tickwatch` command starts: `tickwatch catalog list` need not load DuckDB.
const run = () => import('./run.js');
const searching = () => import('./search.js');

/** How `--clickhouse-cluster` is described (stores/clickhouse.ts, ddl.ts `clickhouseClusterDDL`). */
const CLUSTER = 'a replicated ClickHouse cluster of the servers\' remote_servers: tables created ON CLUSTER (ReplicatedMergeTree <table>_local under a Distributed <table>), read through the Distributed tables (README, "A ClickHouse cluster")';

/** How `--duckdb-key-file` is described (the file's form; encryption.ts reads it). */
const KEY = 'one line, readable by its owner only (openssl rand -base64 32 > f; chmod 600 f); default: the file TICKWATCH_DUCKDB_KEY_FILE names';

/**
 * `--batch-ms`'s help, for `tickwatch recorder` and `tickwatch start`. The figures: DuckDB spends
 * about 1.2 ms of CPU on each table a transaction inserts into, however few rows (the first insert
 * into a table in a transaction sets up its local storage; measured with @duckdb/node-api 1.5, in
 * memory and on disk alike), so an idle engine's batches cost more than their rows (README: Overhead).
 */
export const BATCH_MS_HELP =
  'how often the recorder seals a batch and writes it to the store while the engine is busy, ms (DuckDB pays about 1.2 ms of CPU per table a batch touches; search sees a row up to this much later; default 1000)';

/**
 * `--idle-batch-ms`'s help, for `tickwatch recorder` and `tickwatch start` (service.ts:
 * DEFAULT_IDLE_BATCH_MS and QUIET_LINES_PER_SECOND, with their figures).
 */
export const IDLE_BATCH_MS_HELP =
  'how often the recorder seals a batch while the engine is quiet (under 1000 lines/s), ms; at about 375 lines/s tickwatch start took 2.9-3.2 % of a core with 5000, 3.9-4.3 % with 1000; search sees a quiet engine\'s rows up to this much later; at most --batch-ms means every --batch-ms (default 5000, or --batch-ms when that is given)';

/**
 * `--duckdb-threads`'s help, shared by `tickwatch recorder` and `tickwatch start`; its default is
 * the store's DEFAULT_DUCKDB_THREADS (stores/duckdb.ts, not loaded at start-up: a test checks the two agree).
 */
export const DUCKDB_THREADS_HELP =
  "DuckDB's threads for the embedded store (default 1: at about 375 lines/s tickwatch start took 5.4-5.8 % of a core with one, 6.8-7.7 % with DuckDB's default of one per core; more make searches over a large store faster)";

/** `--query-url`'s help (the reading commands and `audit verify`). */
const QUERY_URL_HELP = "the query API of a running recorder as a URL, https://... when its --web.config.file serves TLS (default http://127.0.0.1:<--query-port>); given, nothing answering there is an error instead of a reason to open the store";

/** `--http.config.file`'s help: prometheus/common's client configuration, as amtool's flag of that name. */
const HTTP_CONFIG_HELP = "credentials and TLS for the query API, in prometheus/common's HTTP client configuration (as amtool's --http.config.file): basic_auth (username, password_file) and tls_config (ca_file, cert_file, key_file, server_name)";

/** Where the recorder's query API is and how to call it (commander's names for the flags). */
export interface QueryApiFlags {
  queryPort: number;
  queryUrl?: string;
  'http.config.file'?: string;
}

/**
 * GETs `path` of a running recorder's query API (`--query-url`, else `http://127.0.0.1:<--query-port>`)
 * with the client settings of `--http.config.file`.
 * @returns the body of a 2xx answer; undefined when nothing listens at the default address (no
 *   recorder running: the caller reads the store itself)
 * @throws Error naming the URL: any other failure (TLS, time-out, nothing at an explicit
 *   `--query-url`) or status, with what to give when the answer says credentials or TLS are missing
 */
export async function askQueryApi(o: QueryApiFlags, path: string, params?: URLSearchParams): Promise<string | undefined> {
  const { httpGet, loadHttpClientConfig } = await import('../instrument/web/client.js');
  const client = o['http.config.file'] ? loadHttpClientConfig(o['http.config.file']) : undefined;
  const base = (o.queryUrl ?? `http://127.0.0.1:${o.queryPort}`).replace(/\/+$/, '');
  const url = `${base}${path}${params && [...params].length ? `?${params}` : ''}`;
  let r;
  try {
    r = await httpGet(url, client);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ECONNREFUSED' && o.queryUrl === undefined) return undefined;
    throw new Error(`recorder query API at ${base}: ${e.code && !e.message.includes(e.code) ? `${e.code}: ` : ''}${e.message}`);
  }
  if (r.status >= 200 && r.status < 300) return r.body;
  let why = r.body.trim();
  try {
    why = (JSON.parse(why) as { error?: string }).error ?? why;
  } catch {
    // not JSON: the text as it came
  }
  const hint =
    r.status === 401
      ? ' (the query API asks for credentials: give them with --http.config.file, basic_auth)'
      : r.status === 400 && why.includes('HTTPS server')
        ? ' (the query API serves TLS: give --query-url https://..., and its CA with --http.config.file, tls_config.ca_file)'
        : '';
  throw new Error(`recorder query API at ${base}: ${r.status} ${r.statusText}${why ? `: ${why}` : ''}${hint}`);
}

/** Adds the recorder commands. */
export function registerRecorderCommands(program: Command, defaultDataDir: () => string): void {
  webOptions(withRetentionOptions(program.command('recorder'), true))
    .description("Record the engine's events and logs into the audit tables and the log stream, in the embedded store (DuckDB), ClickHouse or PostgreSQL.")
    .requiredOption('--events <files>', "the engine's event and log files, comma-separated, each optionally with its format: risk_engine.log:loguru", (v: string) => listArg(v).map(parseFileSpec))
    .addOption(new Option('--format <format>', 'log format of the files that name none (auto: detected per line)').choices(['auto', ...LOG_FORMATS]).default('auto'))
    .option('--log-level <levels>', "lowest level stored in logs, per component: info,strategy_runner=debug,risk_engine=warn (seed 002's per-service levels)", levelPolicyArg, DEFAULT_LEVELS)
    .option('--data-dir <dir>', 'WAL, dead letters and the embedded database', defaultDataDir())
    .option('--batch-ms <ms>', BATCH_MS_HELP, positiveMsArg)
    .option('--idle-batch-ms <ms>', IDLE_BATCH_MS_HELP, positiveMsArg)
    .option('--idle-poll-ms <ms>', IDLE_POLL_MS_HELP, positiveMsArg)
    .option('--port <port>', '/metrics port', portArg, PORTS.recorder)
    .option('--query-port <port>', 'query API port (logs search)', portArg, PORTS.recorderQuery)
    .option('--clickhouse-url <url>', 'write to ClickHouse over HTTP instead of the embedded store')
    .option('--clickhouse-legacy', 'the server is ClickHouse 18.x (no TTL, DateTime64 or dedup window)')
    .option('--postgres-url <url>', "write to PostgreSQL instead of the embedded store, with seed 002's log tables: postgres://user@host:5432/db (password: PGPASSWORD)")
    .option('--duckdb-key-file <file>', `encrypt the embedded store with the key in this file (AES-GCM-256; a new file is created encrypted, an existing one must have been): ${KEY}`)
    .option('--duckdb-threads <n>', DUCKDB_THREADS_HELP, intArg('--duckdb-threads', 1))
    .option('--clickhouse-storage-policy <name>', 'ClickHouse: the storage policy of the tables it creates, e.g. tickwatch_encrypted (exporters/recorder/config/tickwatch-encrypted-disk.xml)')
    .option('--clickhouse-cluster <name>', `${CLUSTER}; give every replica of the shard in --clickhouse-url, comma-separated, to write on while one is down`)
    .option('--clickhouse-database <name>', 'ClickHouse database (default tickwatch); on a cluster, one per recorder (engine host): its hash chains are its own')
    .option('--redis-url <url>', "also keep the hot state (recent trade executions, open anomalies and alerts, 7 days; seed 000) in Redis: redis://127.0.0.1:6379")
    .option('--redis-prefix <prefix>', 'prefix of the Redis keys', 'tickwatch:')
    .option('--redact-keys <words>', `keys whose values are replaced by ${REDACTED} before a line is recorded, spooled, dead-lettered or logged, comma-separated (default: ${DEFAULT_REDACT_KEYS.join(',')}; '' for none)`, (v: string) => listArg(v))
    .action(async (o: RetentionFlags & WebFlags & { redactKeys?: string[]; events: FileSource[]; format: FormatOption; logLevel: LevelPolicy; dataDir: string; batchMs?: number; idleBatchMs?: number; idlePollMs?: number; port: number; queryPort: number; clickhouseUrl?: string; clickhouseLegacy?: boolean; clickhouseStoragePolicy?: string; clickhouseCluster?: string; clickhouseDatabase?: string; postgresUrl?: string; duckdbKeyFile?: string; duckdbThreads?: number; redisUrl?: string; redisPrefix: string }) => {
      const logging = serviceLogging('tickwatch-recorder');
      mkdirSync(o.dataDir, { recursive: true });
      const { startRecorder, storeSpec } = await run();
      const cleanup = await cleanupConfigOf(o);
      const rec = await startRecorder({ events: o.events.map((e) => ({ ...e, path: resolve(e.path) })), format: o.format, levels: o.logLevel, dataDir: o.dataDir, batchMs: o.batchMs, idleBatchMs: o.idleBatchMs, ...(o.idlePollMs !== undefined ? { idlePollMs: o.idlePollMs } : {}), store: storeSpec(o), port: o.port, queryPort: o.queryPort, redis: o.redisUrl ? { url: o.redisUrl, keyPrefix: o.redisPrefix } : undefined, redactKeys: o.redactKeys, web: webAccessOf(o), ...(cleanup ? { cleanup } : {}) }, logging);
      console.error(`tickwatch recorder: ${rec.service.metrics.url}/metrics; logs search API on 127.0.0.1:${rec.queryPort}`);
      stopOnSignals('tickwatch recorder', () => rec.close());
    });

  const logs = program.command('logs').description('Query the recorded log stream and audit tables.');
  /** The options every reading command shares: where the recorder and its store are. */
  const where = (cmd: Command): Command =>
    cmd
      .option('--json', 'print JSON lines (NDJSON)')
      .option('--data-dir <dir>', 'the data folder of the recorder', defaultDataDir())
      .option('--query-port <port>', 'query API of a running recorder', portArg, PORTS.recorderQuery)
      .option('--query-url <url>', QUERY_URL_HELP)
      .option('--http.config.file <file>', HTTP_CONFIG_HELP)
      .option('--clickhouse-url <url>', 'read ClickHouse directly instead')
      .option('--clickhouse-legacy', 'the server is ClickHouse 18.x')
      .option('--clickhouse-cluster <name>', `${CLUSTER}; --clickhouse-url may name several replicas, comma-separated`)
      .option('--clickhouse-database <name>', "ClickHouse database (default tickwatch; on a cluster, the recorder's own)")
      .option('--postgres-url <url>', 'read PostgreSQL directly instead')
      .option('--duckdb-key-file <file>', `the encrypted embedded store's key file, when no recorder is running: ${KEY}`);
  type Where = QueryApiFlags & { json?: boolean; dataDir: string; clickhouseUrl?: string; clickhouseLegacy?: boolean; clickhouseCluster?: string; clickhouseDatabase?: string; postgresUrl?: string; duckdbKeyFile?: string };
  /**
   * Asks a running recorder's query API (it holds the embedded database), else opens the store
   * (ClickHouse and PostgreSQL are always read directly).
   */
  async function ask<T>(o: Where, path: string, params: URLSearchParams, direct: (store: AuditStore) => Promise<T>): Promise<T> {
    const r = o.clickhouseUrl || o.postgresUrl ? undefined : await askQueryApi(o, path, params);
    if (r) return JSON.parse(r) as T;
    const { openStore, storeSpec } = await run();
    const store = await openStore(storeSpec(o));
    try {
      await store.init((await import('../catalog/tables.js')).TABLES);
      return await direct(store);
    } finally {
      await store.close();
    }
  }

  where(
    logs
      .command('search')
      .description('Search the log stream: every accepted line of every source (known event types or not), filtered, in time order, a page at a time.')
      .option('--since <when>', 'from (30m, 1h, 2d back, or RFC 3339)')
      .option('--until <when>', 'until (same forms)')
      .option('--component <names>', 'only these components (comma-separated)')
      .option('--level <level>', 'this level and above (trace, debug, info, warn, error, fatal)')
      .option('--event <type>', 'event type, exact or a glob: order.*, *.exception')
      .option('--status <status>', "the event's status field")
      .option('--correlation-id <id>', 'one correlation id')
      .option('--intent-id <id>', 'one intent id')
      .option('--trace-id <id>', 'one trace id')
      .option('--grep <text>', 'a substring of the message')
      .option('--limit <n>', `rows per page (default ${100}, at most 10000)`)
      .option('--cursor <cursor>', 'the next page: the cursor the previous page printed'),
  ).action(
    async (
      o: Where & { since?: string; until?: string; component?: string; level?: string; event?: string; status?: string; correlationId?: string; intentId?: string; traceId?: string; grep?: string; limit?: string; cursor?: string },
    ) => {
      const { formatLogTable, logQuery, searchLogs } = await searching();
      const f = { since: o.since, until: o.until, component: o.component, level: o.level, event: o.event, status: o.status, correlation_id: o.correlationId, intent_id: o.intentId, trace_id: o.traceId, q: o.grep, limit: o.limit, cursor: o.cursor };
      const query = logQuery(f); // validates the flags before anything is asked
      const params = new URLSearchParams(Object.entries(f).filter((e): e is [string, string] => e[1] !== undefined));
      const page = await ask<LogPage>(o, '/api/v1/logs', params, (store) => searchLogs(store, query));
      console.log(o.json ? page.rows.map((x) => JSON.stringify(x)).join('\n') : formatLogTable(page.rows));
      if (page.next_cursor) console.error(`more rows: add --cursor ${page.next_cursor}`);
    },
  );

  where(
    logs
      .command('trade <correlation-id>')
      .description("One trade's story (seed 002): every event of a correlation id in the log stream and the audit tables, in time order, each with the tables it is in.")
      .option('--since <when>', 'only events since (30m, 1h, 2d or RFC 3339)')
      .option('--component <name>', 'only this component')
      .option('--level <level>', 'only this level'),
  ).action(async (id: string, o: Where & { since?: string; component?: string; level?: string }) => {
    const { formatStory, parseSince, search } = await searching();
    const params = new URLSearchParams({ correlation_id: id });
    if (o.since) params.set('since', o.since);
    if (o.component) params.set('component', o.component);
    if (o.level) params.set('level', o.level);
    const sinceNs = o.since ? parseSince(o.since) : undefined;
    const rows = await ask<FoundJson[]>(o, '/api/v1/trade', params, (store) => search(store, { correlationId: id, sinceNs, component: o.component, level: o.level }));
    console.log(o.json ? rows.map((x) => JSON.stringify(x)).join('\n') : formatStory(rows));
  });

  where(
    logs
      .command('exec-time')
      .description('Average and longest execution time per service (component) over a window (seed 002), from the execution times events state (latency_ns, duration_ms, ...).')
      .option('--since <when>', 'from (default 1h)', '1h')
      .option('--until <when>', 'until (default now)'),
  ).action(async (o: Where & { since: string; until?: string }) => {
    const { execTime, formatExecTime } = await searching();
    const params = new URLSearchParams({ since: o.since, ...(o.until ? { until: o.until } : {}) });
    const rows = await ask<ExecTimeRow[]>(o, '/api/v1/exec-time', params, (store) => execTime(store, o.since, o.until));
    console.log(o.json ? rows.map((x) => JSON.stringify(x)).join('\n') : formatExecTime(rows));
  });

  const alerts = program.command('alerts').description('The alert history: every alert Alertmanager notified (receiver tickwatch-history), as the recorder recorded it.');
  where(
    alerts
      .command('history')
      .description('Alerts notified, newest first: one row when an alert fired (OPEN), one when it resolved (RESOLVED).')
      .option('--since <when>', 'notified since (30m, 1h, 2d back, or RFC 3339)')
      .option('--until <when>', 'notified until (same forms)')
      .option('--severity <severity>', 'only this severity: critical, warning or none (Watchdog)')
      .option('--status <status>', 'only OPEN (fired) or RESOLVED rows')
      .option('--alertname <name>', 'only this alert')
      .option('--limit <n>', 'at most this many rows (default 1000, at most 10000)'),
  ).action(async (o: Where & { since?: string; until?: string; severity?: string; status?: string; alertname?: string; limit?: string }) => {
    const { alertHistory, alertQuery, formatAlertTable } = await import('./alerts.js');
    const { parseTime } = await searching();
    const f = { since: o.since, until: o.until, severity: o.severity, status: o.status, alertname: o.alertname, limit: o.limit };
    const q = alertQuery(f, (v, flag) => parseTime(v, `--${flag}`)); // validates the flags before anything is asked
    const params = new URLSearchParams(Object.entries(f).filter((e): e is [string, string] => e[1] !== undefined));
    const rows = await ask<AlertJson[]>(o, '/api/v1/alerts', params, (store) => alertHistory(store, q));
    console.log(o.json ? rows.map((x) => JSON.stringify(x)).join('\n') : formatAlertTable(rows));
  });

  const audit = program.command('audit').description('Check the audit tables.');
  audit
    .command('verify')
    .description("Verify every audit table's hash chain: finds altered, deleted, inserted and reordered rows. Exits 1 when a chain is broken.")
    .option('--json', 'print the reports as JSON')
    .option('--data-dir <dir>', 'the data folder of the recorder', defaultDataDir())
    .option('--query-port <port>', 'query API of a running recorder', portArg, PORTS.recorderQuery)
    .option('--query-url <url>', QUERY_URL_HELP)
    .option('--http.config.file <file>', HTTP_CONFIG_HELP)
    .option('--clickhouse-url <url>', 'verify ClickHouse directly instead')
    .option('--clickhouse-legacy', 'the server is ClickHouse 18.x')
    .option('--clickhouse-cluster <name>', `${CLUSTER}; --clickhouse-url may name several replicas, comma-separated`)
    .option('--clickhouse-database <name>', "ClickHouse database (default tickwatch; on a cluster, the recorder's own: its chains)")
    .option('--postgres-url <url>', 'verify PostgreSQL directly instead')
    .option('--duckdb-key-file <file>', `the encrypted embedded store's key file, when no recorder is running: ${KEY}`)
    .option('--checkpoint-key-file <file>', "the key that signs the chains' retention checkpoints (the recorder's --checkpoint-key-file), when no recorder is running: a signed checkpoint cannot be checked without it")
    .action(async (o: QueryApiFlags & { json?: boolean; dataDir: string; clickhouseUrl?: string; clickhouseLegacy?: boolean; clickhouseCluster?: string; clickhouseDatabase?: string; postgresUrl?: string; duckdbKeyFile?: string; checkpointKeyFile?: string }) => {
      const { formatChainReports } = await searching();
      const key = o.checkpointKeyFile ? (await import('./checkpoint.js')).readCheckpointKey(o.checkpointKeyFile) : undefined;
      const { openStore, storeSpec } = await run();
      const { TABLES } = await import('../catalog/tables.js');
      const { verifyStore } = await import('./verify.js');
      let reports: ChainReport[];
      // As for search: a running recorder holds the embedded database, so ask it first.
      const r = o.clickhouseUrl || o.postgresUrl ? undefined : await askQueryApi(o, '/api/v1/verify');
      if (r) reports = JSON.parse(r) as ChainReport[];
      else {
        // Verifying ClickHouse or PostgreSQL directly: a recorder that writes to it still knows where
        // its chains reach (rows cut from the end show against that); without one the tables speak alone.
        const heads = o.clickhouseUrl || o.postgresUrl ? await askQueryApi(o, '/api/v1/chain-heads').then((x) => (x ? (JSON.parse(x) as ChainHeads) : undefined), () => undefined) : undefined;
        const store = await openStore(storeSpec(o));
        try {
          await store.init(TABLES);
          reports = await verifyStore(store, TABLES, 20, heads, key);
        } finally {
          await store.close();
        }
      }
      console.log(o.json ? JSON.stringify(reports, null, 2) : formatChainReports(reports));
      if (reports.some((x) => x.problemCount > 0)) process.exitCode = 1;
    });

  registerStoreCommands(program, defaultDataDir);
}
