/**
 * The recorder service: tails the engine's event and log files itself (every source the exporter
 * tails, each in its own format; their positions live in its WAL, so they advance only with
 * acknowledged batches), validates events with the same contract as the HFT exporter, records them
 * through the {@link Recorder}, reports how far behind each file it is (the log shipper's status),
 * and serves its metrics on 127.0.0.1:9473. In-process sources (the exporter's TCP connections, in
 * `tickwatch start`) hand their events to {@link RecorderService.add}.
 */
import { join } from 'node:path';
import { PORTS } from '../catalog/jobs.js';
import { recorderSpoolCorruptRecordsTotal, recorderTailLagBytes, recorderTailLagSeconds } from '../catalog/recorder.js';
import type { FormatOption } from '../events/formats.js';
import { DeadLetterFile } from '../ingest/deadletter.js';
import { IngestPipeline, type EventConsumer } from '../ingest/pipeline.js';
import { Redactor } from '../ingest/redact.js';
import { fileSource, type FileSpec } from '../ingest/sources.js';
import { FileTailer } from '../ingest/tail.js';
import { MetricRegistry } from '../instrument/registry.js';
import { startMetricsServer, type MetricsServer } from '../instrument/server.js';
import { logRefusal, refusalEvent, type WebAccess, type WebRefusal } from '../instrument/web/server.js';
import { VALIDATORS, type HftEvent } from '../events/index.js';
import type { Log, Logging } from '../lib/log.js';
import { backOff } from 'exponential-backoff';
import type { ChainHeads } from './chain.js';
import { Recorder } from './recorder.js';
import { DEFAULT_LEVELS, skipsNoRows, type LevelPolicy } from './rows.js';
import { TABLES } from '../catalog/tables.js';
import { StoreSchemaError, type AuditStore } from './stores/store.js';
import { WriteAheadLog, type TailPositions } from './wal.js';
import type { RedisHotState, RedisHotStateConfig } from './redis.js';
import { CleanupService, type CleanupServiceConfig } from './cleanup.js';
import { AlertReceiver } from './alerts.js';
import { everyOnGrid } from '../lib/grid.js';

/** Configuration of the recorder service. */
/** How often a recorder seals a batch when `batchMs` is not given, ms (`--batch-ms`'s default). */
export const DEFAULT_BATCH_MS = 1000;

/**
 * How long a quiet engine's batch may wait, ms, when `idleBatchMs` is not given (`--idle-batch-ms`'s
 * default). A batch costs the store about the same whatever its size (DuckDB: a commit and about
 * 1.2 ms of CPU per table it touches: 9.4-9.8 ms for a batch of the normal mix's 8 tables, its
 * appender's close 0.6-0.8 ms a table whatever the row count), and an idle engine's second of rows
 * is a small batch. At
 * about 375 lines/s (30 s /proc windows of `tickwatch start`, 3 December 2026 14:55 UTC, the
 * machine quiet, three rounds alternating): 3.89, 4.26 and 4.06 % of a core with
 * `--idle-batch-ms 1000`, 2.86, 3.23 and 3.06 % with 5000; the build before 3.99, 3.89 and 3.89 %.
 */
export const DEFAULT_IDLE_BATCH_MS = 5000;

/**
 * Below this many lines a second (read from the files, or events handed to `add`) since the last
 * seal, the engine is quiet and its batch waits up to `idleBatchMs`. The simulator's normal mix is
 * about 375 lines/s at rest and 15,000 to 60,000 busy; its stored rows are about 180 a second at
 * every rate (most busy lines are debug market data that make no row), so the line rate, not the
 * row rate, tells a busy engine from an idle one.
 */
export const QUIET_LINES_PER_SECOND = 1000;

export interface RecorderServiceConfig {
  /** The engine's event and log files: paths, or sources with their format and default component. */
  readonly events: FileSpec | readonly FileSpec[];
  /** Format of the files that name none; default `auto` (detected per line). */
  readonly format?: FormatOption;
  /** WAL and dead-letter folder. */
  readonly dataDir: string;
  readonly store: AuditStore;
  readonly host?: string;
  /** `/metrics` port (default 9473; 0 picks one). */
  readonly port?: number;
  readonly batchRows?: number;
  /** Seal at least this often, ms (default {@link DEFAULT_BATCH_MS}; `--batch-ms`: a batch costs DuckDB about 1.2 ms of CPU per table it touches, cli.ts's BATCH_MS_HELP). */
  readonly batchMs?: number;
  /**
   * While the engine is quiet (fewer than {@link QUIET_LINES_PER_SECOND} lines a second), seal only
   * this often, ms (default {@link DEFAULT_IDLE_BATCH_MS}; `--idle-batch-ms`). Nothing is at risk
   * meanwhile (the engine's file holds the lines until a batch takes them; Alertmanager's
   * notifications seal at once): a search sees a quiet engine's rows up to this much later.
   * At most `batchMs` means every `batchMs`; without it, a `batchMs` given is used at every rate.
   */
  readonly idleBatchMs?: number;
  /** Poll interval of the event files in ms while they are busy (default 100; ingest/tail.ts). */
  readonly pollMs?: number;
  /** Poll interval of a quiet event file in ms (`--idle-poll-ms`; default DEFAULT_IDLE_POLL_MS, ingest/tail.ts). */
  readonly idlePollMs?: number;
  readonly maxSpoolBytes?: number;
  /** Which components' levels go to `logs` (default info and above; seed 002's per-service levels). */
  readonly levels?: LevelPolicy;
  readonly retryMaxMs?: number;
  /**
   * Keep the hot state (recent trade executions, open anomalies and alerts, 7 days) in Redis too
   * (`--redis-url`; seed 000): a cache fed after each commit, never waited for (redis.ts).
   */
  readonly redis?: RedisHotStateConfig;
  /**
   * The retention clean-up (cleanup.ts): periods, schedule and checkpoint key. Given: it runs on its
   * schedule (daily at 02:00 by default), and at start when a run was missed. Absent: no schedule;
   * its metrics are served all the same, and it runs on demand (`tickwatch store cleanup`).
   */
  readonly cleanup?: CleanupServiceConfig;
  /**
   * Secret-looking key words whose values are redacted before a line is recorded, spooled,
   * dead-lettered or logged (ingest/redact.ts); default DEFAULT_REDACT_KEYS, `[]` for none.
   */
  readonly redactKeys?: readonly string[];
  /**
   * The web configuration of `/metrics` and of the query API with Alertmanager's webhook
   * (`--web.config.file`: TLS, basic auth; instrument/web/); absent: plain HTTP.
   */
  readonly web?: WebAccess;
  /**
   * Told about each refusal of its servers (already counted and logged). Absent: the recorder
   * records the audited ones itself as `security.permission_denied` rows of audit_security.
   * `tickwatch start` passes them to the HFT exporter instead (its detector, then every recorder). Must not throw.
   */
  readonly onWebRefusal?: (r: WebRefusal) => void;
}

/** A running recorder service. */
export interface RecorderService {
  readonly recorder: Recorder;
  readonly metrics: MetricsServer;
  /** One tailer per file source, in the order given. */
  readonly tailers: readonly FileTailer[];
  /** Records an event of an in-process source (the exporter's TCP connections): an {@link EventConsumer}. */
  readonly add: EventConsumer;
  readonly pipeline: IngestPipeline;
  readonly registry: MetricRegistry;
  /** The Redis hot state, when configured: the alert history hands it alerts ({@link RedisHotState.recordAlerts}). */
  readonly redis: RedisHotState | undefined;
  /** The retention clean-up (its schedule, and runs on demand: `POST /api/v1/cleanup`). */
  readonly cleanup: CleanupService;
  /** The alert history's receiver of Alertmanager's webhook (alerts.ts; served on the query API). */
  readonly alerts: AlertReceiver;
  /** Logs a refusal of one of its servers and records or hands it on (see `onWebRefusal`); the query API reports here. */
  readonly webRefused: (r: WebRefusal) => void;
  /** Seals what is pending, stops, closes the WAL (not the store: the caller owns it). */
  close(): Promise<void>;
}

/**
 * The chain heads the store holds, retried with backoff until the store answers.
 * @throws StoreSchemaError when the store's tables are not this version's (not retried)
 * @param maxDelayMs - longest wait between tries (default 5 s)
 */
async function chainHeadsFromStore(store: AuditStore, log: Log, maxDelayMs = 5000): Promise<ChainHeads> {
  return backOff(
    async () => {
      await store.init(TABLES);
      return store.chainHeads(TABLES);
    },
    {
      numOfAttempts: Number.MAX_SAFE_INTEGER,
      startingDelay: 100,
      maxDelay: maxDelayMs,
      jitter: 'full',
      retry: (err: unknown) => {
        if (err instanceof StoreSchemaError) return false;
        log.warn('recorder.store_unreachable', `The ${store.kind} store does not answer; recording starts once it does (the engine's file keeps the events).`, { err });
        return true;
      },
    },
  );
}

/**
 * Starts the service. The store may be down: batches spool until it answers (a new WAL, with no
 * chain heads of its own, waits for the store's before it starts recording).
 * @throws Error when the metrics port cannot be bound
 */
export async function startRecorderService(cfg: RecorderServiceConfig, logging: Logging): Promise<RecorderService> {
  const log = logging.logger('recorder');
  const registry = new MetricRegistry();
  const wal = new WriteAheadLog(join(cfg.dataDir, 'wal'));
  const recovery = wal.open();
  const corrupt = registry.counter(recorderSpoolCorruptRecordsTotal);
  corrupt.labels('truncated').inc(recovery.truncated);
  corrupt.labels('checksum').inc(recovery.corrupt);
  for (const p of recovery.problems) log.error('recorder.spool_damaged', `Spool record damaged and not replayed: ${p}`, { problem: p });
  // Refusals of its servers: logged, then handed on, or recorded here once the recorder runs.
  let own: Recorder | undefined;
  const webRefused = (r: WebRefusal): void => {
    logRefusal(log, r);
    if (cfg.onWebRefusal) return cfg.onWebRefusal(r);
    const ev = refusalEvent(r);
    if (r.audit && own && VALIDATORS.get(ev.event)?.Check(ev)) own.add(ev as unknown as HftEvent, undefined, { format: 'tickwatch', mapped: false });
  };
  // Served from here on (not ready until recording starts).
  const metrics = await startMetricsServer(registry, { host: cfg.host, port: cfg.port ?? PORTS.recorder, service: 'tickwatch-recorder', onProblem: (m) => log.warn('metrics.problem', m), web: cfg.web, onRefusal: webRefused });
  // The audit tables' hash chains continue from the heads the WAL logged; a new WAL learns them
  // from the store first (waiting while it is unreachable: the engine's file keeps the events).
  const chain = recovery.chain ?? (await chainHeadsFromStore(cfg.store, log, cfg.retryMaxMs));
  // Loaded only when asked for, so a recorder without Redis never loads its client.
  const redis = cfg.redis ? (await import('./redis.js')).RedisHotState.start(cfg.redis, { registry, log }) : undefined;
  const recorder = new Recorder({ store: cfg.store, wal, registry, log, batchRows: cfg.batchRows, maxSpoolBytes: cfg.maxSpoolBytes, levels: cfg.levels, retryMaxMs: cfg.retryMaxMs, chain, onCommitted: redis && ((t) => redis.recordBatch(t)) });
  recorder.resume(recovery.pending);
  own = recorder;
  log.info('recorder.chain_head', `Audit hash chains continue from ${recovery.chain ? 'the write-ahead log' : 'the store'} (tickwatch audit verify checks them).`, { heads: recorder.chainHeads });
  if (recovery.pending.length) log.info('recorder.replaying', `Replaying ${recovery.pending.length} spooled batches.`, { batches: recovery.pending.length });

  // The store's tables before the first line is read (Recorder.prepare: a backlog would hold them up).
  await recorder.prepare();
  const consume: EventConsumer = (ev, _t, raw, info) => recorder.add(ev, raw, info);
  /** Events handed to the service's `add` by other sources (TCP, in-process), for the quiet-engine test. */
  let added = 0;
  const add: EventConsumer = (ev, t, raw, info) => {
    added++;
    consume(ev, t, raw, info);
  };
  const levels = cfg.levels ?? DEFAULT_LEVELS;
  const batchMs = cfg.batchMs ?? DEFAULT_BATCH_MS;
  // A --batch-ms given alone keeps its meaning at every rate: whoever set it wants rows that fresh.
  const idleBatchMs = Math.max(batchMs, cfg.idleBatchMs ?? (cfg.batchMs !== undefined ? cfg.batchMs : DEFAULT_IDLE_BATCH_MS));
  const pipeline = new IngestPipeline({
    registry,
    deadLetter: new DeadLetterFile(join(cfg.dataDir, 'recorder-dead-letter.ndjson')),
    log: logging.logger('recorder-ingest'),
    redactor: new Redactor(cfg.redactKeys),
    consumers: [consume],
    // Lines that make no row (debug market data, most of a busy engine's lines) are counted, not parsed.
    skip: skipsNoRows(levels),
  });
  const sources = (Array.isArray(cfg.events) ? cfg.events : [cfg.events]).map((s: FileSpec) => fileSource(s, cfg.format));
  const tailers: FileTailer[] = [];
  /** Every file source's position (keyed by path): between polls, exactly the lines handed over. */
  const positions = (): TailPositions | undefined => {
    const out: Record<string, NonNullable<ReturnType<FileTailer['currentState']>>> = {};
    for (const t of tailers) {
      const s = t.currentState();
      if (s) out[s.path] = s;
    }
    return Object.keys(out).length ? out : undefined;
  };
  // Alertmanager's notifications go through the same batches, sealed with the files' positions.
  const alerts = new AlertReceiver({ recorder, store: cfg.store, registry, log: logging.logger('recorder-alerts'), seal: () => recorder.seal(positions()), redis });
  const lagBytes = registry.gauge(recorderTailLagBytes);
  const lagSeconds = registry.gauge(recorderTailLagSeconds);
  const lagGauges = sources.map((s) => ({ bytes: lagBytes.labels(s.component), seconds: lagSeconds.labels(s.component) }));
  for (const s of sources) {
    tailers.push(
      new FileTailer(
        {
          path: s.path,
          initialState: recovery.tails[s.path],
          pollMs: cfg.pollMs,
          idlePollMs: cfg.idlePollMs,
          onPollEnd: () => recorder.maybeSeal(positions()),
          paused: () => recorder.full,
        },
        pipeline.source('file', s.path, { format: s.format, component: s.component }),
        logging.logger('recorder-ingest'),
      ),
    );
  }
  for (const t of tailers) t.start();
  const sampleLag = (): void => {
    tailers.forEach((t, i) => {
      const l = t.lag();
      lagGauges[i]!.bytes.set(l.bytes);
      lagGauges[i]!.seconds.set(l.seconds);
    });
  };
  // Every batchMs, or every idleBatchMs while the engine is quiet: lines read or added since the
  // last seal, against QUIET_LINES_PER_SECOND over the time since.
  let sealedAt = performance.now();
  let linesAtSeal = 0;
  // On the wall clock's grid (lib/grid.ts): the tailers' polls and the event-loop delay sampler wake
  // the thread at the same instants.
  const timer = everyOnGrid(batchMs, () => {
    const now = performance.now();
    const lines = pipeline.accepted + pipeline.rejected + added;
    const waited = now - sealedAt;
    // Half a tick's slack: a timer that fires a little early still counts as the tick it is.
    if (waited >= idleBatchMs - batchMs / 2 || lines - linesAtSeal >= (QUIET_LINES_PER_SECOND * waited) / 1000) {
      recorder.seal(positions());
      sealedAt = now;
      linesAtSeal = lines;
    }
    sampleLag();
  });
  sampleLag();
  // The retention clean-up: its events go through the write-ahead log like any other.
  const cleanup = new CleanupService({ store: cfg.store, registry, log, record: (ev) => recorder.add(ev) }, cfg.cleanup ?? { schedule: false });
  cleanup.start();
  metrics.setReady(true);
  // The embedded store's threads (stores/duckdb.ts DEFAULT_DUCKDB_THREADS, --duckdb-threads), as DuckDB reports them.
  const duckdbThreads = await cfg.store.threads?.();
  log.info('recorder.started', `Recorder ready (${cfg.store.kind} store): ${metrics.url}/metrics`, { events: sources.map((s) => `${s.path} (${s.format})`), store: cfg.store.kind, batch_ms: batchMs, idle_batch_ms: idleBatchMs, poll_ms: tailers[0]?.pollMs ?? null, idle_poll_ms: tailers[0]?.idlePollMs ?? null, ...(duckdbThreads !== undefined ? { duckdb_threads: duckdbThreads } : {}) });
  return {
    recorder,
    metrics,
    tailers,
    add,
    pipeline,
    registry,
    redis,
    alerts,
    cleanup,
    webRefused,
    async close() {
      timer.stop();
      await cleanup.stop();
      metrics.setReady(false);
      const tails = positions();
      for (const t of tailers) t.stop();
      await recorder.stop(tails);
      await redis?.close();
      log.info('recorder.chain_head', 'Recorder stopped; where the audit hash chains end (rows still spooled included).', { heads: recorder.chainHeads });
      await metrics.close();
    },
  };
}
