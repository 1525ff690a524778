/**
 * The audit recorder as one runnable unit: its store opened from a spec, the recording service
 * (tail, WAL, batches, `/metrics`) and the query API (search, verify, chain heads) beside it.
 * `tickwatch recorder` and the composition root (`exporters/start.ts`) both start it from here.
 */
import type { FastifyInstance } from 'fastify';
import { join } from 'node:path';
import type { Logging } from '../lib/log.js';
import { startQueryApi } from './search.js';
import { refusalCounter } from '../instrument/web/server.js';
import { startRecorderService, type RecorderService, type RecorderServiceConfig } from './service.js';
import { ClickHouseStore, failoverTransport } from './stores/clickhouse.js';
import { DuckDbStore } from './stores/duckdb.js';
import { ThreadedDuckDbStore } from './stores/threaded-duckdb.js';
import { DUCKDB_KEY_FILE_ENV, readKeyFile } from './encryption.js';
import type { AuditStore } from './stores/store.js';
import type { RetentionConfig } from '../catalog/retention.js';

/** The embedded database file in a data folder: `<dataDir>/audit.duckdb`. */
export const auditDbPath = (dataDir: string): string => join(dataDir, 'audit.duckdb');

/**
 * Which store to record into: the embedded DuckDB file (the default, no server), ClickHouse
 * over HTTP (`legacy` for Debian's 18.16: no TTL, DateTime64 or deduplication window), or
 * PostgreSQL (`postgres://user@host:port/database`; stores/postgres.ts, with seed 002's tables).
 */
export type StoreSpec =
  | {
      readonly kind: 'embedded';
      readonly path: string;
      /** Key file of an encrypted file (encryption.ts). */
      readonly keyFile?: string;
      /** DuckDB's threads (default `DEFAULT_DUCKDB_THREADS`, one). */
      readonly threads?: number;
      /**
       * Run the store on a worker thread of its own (stores/threaded-duckdb.ts), so its appender
       * does not block the thread that reads lines. `startRecorder` sets it unless told `false`;
       * the one-shot commands leave it out.
       */
      readonly thread?: boolean;
    }
  | {
      readonly kind: 'clickhouse';
      /** HTTP URL of the server; on a cluster, of each replica of the shard, comma-separated (stores/clickhouse.ts `failoverTransport`). */
      readonly url: string;
      readonly legacy?: boolean;
      /** Storage policy of the tables created (clickhouse-encryption.ts). */
      readonly storagePolicy?: string;
      /** A replicated cluster of the servers' `remote_servers` (ddl.ts `clickhouseClusterDDL`). */
      readonly cluster?: string;
      /** The database (default `tickwatch`); on a cluster, one per recorder. */
      readonly database?: string;
    }
  | { readonly kind: 'postgres'; readonly url: string };

/**
 * The store a command's options name: ClickHouse or PostgreSQL when its URL is given, else the
 * embedded file in `dataDir`, encrypted with the key in `duckdbKeyFile` (else the file
 * `env.TICKWATCH_DUCKDB_KEY_FILE` names) when there is one.
 * @throws Error when both URLs are given (a recorder writes to one store), when `--duckdb-key-file`
 *   or `--duckdb-threads` is given with a server's URL (servers encrypt server-side), `--clickhouse-storage-policy`
 *   without a current ClickHouse, `--clickhouse-cluster` or `--clickhouse-database` without
 *   `--clickhouse-url`, or several URLs without a cluster
 */
export function storeSpec(
  o: {
    readonly dataDir: string;
    readonly clickhouseUrl?: string;
    readonly clickhouseLegacy?: boolean;
    readonly clickhouseStoragePolicy?: string;
    readonly clickhouseCluster?: string;
    readonly clickhouseDatabase?: string;
    readonly postgresUrl?: string;
    readonly duckdbKeyFile?: string;
    readonly duckdbThreads?: number;
  },
  env: NodeJS.ProcessEnv = process.env,
): StoreSpec {
  if (o.postgresUrl && o.clickhouseUrl) throw new Error('--clickhouse-url and --postgres-url: a recorder writes to one store; give one of them');
  if (o.duckdbThreads !== undefined && (o.postgresUrl || o.clickhouseUrl)) throw new Error('--duckdb-threads sets the embedded store\'s threads; it has no meaning with --clickhouse-url or --postgres-url');
  if (o.duckdbKeyFile && (o.postgresUrl || o.clickhouseUrl)) throw new Error('--duckdb-key-file encrypts the embedded store; ClickHouse and PostgreSQL are encrypted on the server (README, "Encryption at rest")');
  if (o.clickhouseStoragePolicy && (!o.clickhouseUrl || o.clickhouseLegacy)) throw new Error('--clickhouse-storage-policy needs --clickhouse-url of a ClickHouse with storage policies (not 18.x)');
  if (o.postgresUrl) return { kind: 'postgres', url: o.postgresUrl };
  if ((o.clickhouseCluster || o.clickhouseDatabase) && !o.clickhouseUrl) throw new Error('--clickhouse-cluster and --clickhouse-database need --clickhouse-url');
  if (o.clickhouseUrl?.includes(',') && !o.clickhouseCluster) throw new Error('--clickhouse-url: several URLs are the replicas of a cluster; give --clickhouse-cluster too');
  if (o.clickhouseUrl) {
    return {
      kind: 'clickhouse',
      url: o.clickhouseUrl,
      legacy: o.clickhouseLegacy === true,
      ...(o.clickhouseStoragePolicy ? { storagePolicy: o.clickhouseStoragePolicy } : {}),
      ...(o.clickhouseCluster ? { cluster: o.clickhouseCluster } : {}),
      ...(o.clickhouseDatabase ? { database: o.clickhouseDatabase } : {}),
    };
  }
  const keyFile = o.duckdbKeyFile || env[DUCKDB_KEY_FILE_ENV] || undefined;
  return { kind: 'embedded', path: auditDbPath(o.dataDir), ...(keyFile ? { keyFile } : {}), ...(o.duckdbThreads !== undefined ? { threads: o.duckdbThreads } : {}) };
}

/**
 * Opens a store (a ClickHouse one with the TTL clauses of `retention`'s ClickHouse periods; default
 * the catalog's).
 * @throws StoreKeyError when the embedded file's key file is unusable, or the key does not fit the
 *   file (missing for an encrypted file, wrong, or given for a plain file)
 * @throws Error when the embedded file cannot be opened (locked by another process, unreadable); a
 *   ClickHouse or PostgreSQL store connects lazily and never throws here (but for a URL that is not
 *   a PostgreSQL one)
 */
export async function openStore(spec: StoreSpec, retention?: RetentionConfig): Promise<AuditStore> {
  // Loaded only when asked for: the other stores' commands need not load the pg client.
  if (spec.kind === 'postgres') return (await import('./stores/postgres.js')).PostgresStore.open(spec.url);
  // ClickHouse's TTL clauses come from the retention config's ClickHouse periods.
  if (spec.kind === 'clickhouse') {
    const urls = spec.url.split(',').map((u) => u.trim()).filter(Boolean);
    return new ClickHouseStore(failoverTransport(urls), {
      legacy: spec.legacy === true,
      ...(spec.storagePolicy ? { storagePolicy: spec.storagePolicy } : {}),
      ...(retention ? { periods: retention.periods.clickhouse } : {}),
      ...(spec.cluster ? { cluster: { name: spec.cluster } } : {}),
      ...(spec.database ? { database: spec.database } : {}),
    });
  }
  const options = { ...(spec.keyFile ? { key: readKeyFile(spec.keyFile) } : {}), ...(spec.threads !== undefined ? { threads: spec.threads } : {}) };
  return spec.thread ? ThreadedDuckDbStore.open(spec.path, options) : DuckDbStore.open(spec.path, options);
}

/** Configuration of {@link startRecorder}: the service's, with the store given as a spec or an open store. */
export interface RecorderConfig extends Omit<RecorderServiceConfig, 'store'> {
  /** A spec to open, or a store the caller opened (closed by {@link RunningRecorder.close} all the same). */
  readonly store: StoreSpec | AuditStore;
  /** Query API port (`logs search`, `audit verify`); `false` for none. Default: none. */
  readonly queryPort?: number | false;
  /** Query API address; default 127.0.0.1. */
  readonly queryHost?: string;
}

/** A running recorder: the service, its store and its query API. */
export interface RunningRecorder {
  readonly service: RecorderService;
  readonly store: AuditStore;
  /** The query API, when one was asked for. */
  readonly api: FastifyInstance | undefined;
  /** The query API's bound port, when there is one. */
  readonly queryPort: number | undefined;
  /** Stops the service (sealing what is pending) and the API, then closes the store. */
  close(): Promise<void>;
}

function isSpec(s: StoreSpec | AuditStore): s is StoreSpec {
  return 'kind' in s && (s.kind === 'embedded' || s.kind === 'clickhouse' || s.kind === 'postgres') && !('insert' in s);
}

/**
 * Opens the store and starts the service and the query API.
 * @throws Error when the store cannot be opened or a port cannot be bound (what started is stopped first)
 */
export async function startRecorder(cfg: RecorderConfig, logging: Logging): Promise<RunningRecorder> {
  const { store: given, queryPort, queryHost, ...serviceCfg } = cfg;
  // A running recorder writes the embedded store from a thread of its own (issue 19).
  const spec = isSpec(given) && given.kind === 'embedded' ? { thread: true, ...given } : given;
  const store = isSpec(spec) ? await openStore(spec, serviceCfg.cleanup?.retention) : spec;
  if ((store instanceof DuckDbStore || store instanceof ThreadedDuckDbStore) && store.encryption !== 'none') {
    const log = logging.logger('recorder');
    if (store.encryption === 'openssl') log.info('recorder.store_encrypted', 'The embedded store is encrypted (AES-GCM-256, OpenSSL from DuckDB\'s httpfs extension)', { encryption: store.encryption });
    else log.warn('recorder.store_encrypted', "The embedded store is encrypted (AES-GCM-256) with the mbedtls DuckDB bundles, which DuckDB calls unsafe for writing (nonces from a non-cryptographic generator): install DuckDB's httpfs extension to write through OpenSSL (README, \"Encryption at rest\")", { encryption: store.encryption });
  }
  let service: RecorderService | undefined;
  try {
    service = await startRecorderService({ ...serviceCfg, store }, logging);
    const svc = service;
    // Its refusals count on the recorder's /metrics and are recorded like those of /metrics.
    const count = serviceCfg.web ? refusalCounter(svc.registry) : undefined;
    const web = serviceCfg.web && count ? { access: serviceCfg.web, onRefusal: (r: Parameters<typeof count>[0]) => (count(r), svc.webRefused(r)), onProblem: (m: string) => logging.logger('recorder').warn('web.config_problem', m) } : undefined;
    const api = queryPort === false || queryPort === undefined ? undefined : await startQueryApi(store, queryPort, queryHost ?? '127.0.0.1', () => svc.recorder.storedHeads, svc.alerts, { ...(serviceCfg.cleanup?.key ? { key: serviceCfg.cleanup.key } : {}), run: (o) => svc.cleanup.run(o) }, web);
    const addr = api?.server.address();
    return {
      service: svc,
      store,
      api,
      queryPort: typeof addr === 'object' && addr ? addr.port : undefined,
      async close() {
        await Promise.all([svc.close(), api?.close()]);
        await store.close();
      },
    };
  } catch (err) {
    await service?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
}
