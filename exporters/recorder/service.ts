/**
 * The recorder service: tails the engine's event file itself (its position lives in its WAL, so
 * it advances only with acknowledged batches), validates events with the same contract as the HFT
 * exporter, records them through the {@link Recorder}, and serves its metrics on 127.0.0.1:9473.
 */
import { join } from 'node:path';
import { PORTS } from '../catalog/jobs.js';
import { recorderSpoolCorruptRecordsTotal } from '../catalog/recorder.js';
import { DeadLetterFile } from '../ingest/deadletter.js';
import { IngestPipeline } from '../ingest/pipeline.js';
import { FileTailer } from '../ingest/tail.js';
import { MetricRegistry } from '../instrument/registry.js';
import { startMetricsServer, type MetricsServer } from '../instrument/server.js';
import type { Log, Logging } from '../lib/log.js';
import { backOff } from 'exponential-backoff';
import type { ChainHeads } from './chain.js';
import { Recorder } from './recorder.js';
import { TABLES } from './tables.js';
import { StoreSchemaError, type AuditStore } from './stores/store.js';
import { WriteAheadLog } from './wal.js';

/** Configuration of the recorder service. */
export interface RecorderServiceConfig {
  /** The engine's NDJSON event file. */
  readonly events: string;
  /** WAL and dead-letter folder. */
  readonly dataDir: string;
  readonly store: AuditStore;
  readonly host?: string;
  /** `/metrics` port (default 9473; 0 picks one). */
  readonly port?: number;
  readonly batchRows?: number;
  /** Seal at least this often, ms (default 1000). */
  readonly batchMs?: number;
  readonly pollMs?: number;
  readonly maxSpoolBytes?: number;
  readonly minLevel?: string;
  readonly retryMaxMs?: number;
}

/** A running recorder service. */
export interface RecorderService {
  readonly recorder: Recorder;
  readonly metrics: MetricsServer;
  readonly tailer: FileTailer;
  readonly pipeline: IngestPipeline;
  readonly registry: MetricRegistry;
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
  // Served from here on (not ready until recording starts).
  const metrics = await startMetricsServer(registry, { host: cfg.host, port: cfg.port ?? PORTS.recorder, service: 'tickwatch-recorder', onProblem: (m) => log.warn('metrics.problem', m) });
  // The audit tables' hash chains continue from the heads the WAL logged; a new WAL learns them
  // from the store first (waiting while it is unreachable: the engine's file keeps the events).
  const chain = recovery.chain ?? (await chainHeadsFromStore(cfg.store, log, cfg.retryMaxMs));
  const recorder = new Recorder({ store: cfg.store, wal, registry, log, batchRows: cfg.batchRows, maxSpoolBytes: cfg.maxSpoolBytes, minLevel: cfg.minLevel, retryMaxMs: cfg.retryMaxMs, chain });
  recorder.resume(recovery.pending);
  log.info('recorder.chain_head', `Audit hash chains continue from ${recovery.chain ? 'the write-ahead log' : 'the store'} (tickwatch audit verify checks them).`, { heads: recorder.chainHeads });
  if (recovery.pending.length) log.info('recorder.replaying', `Replaying ${recovery.pending.length} spooled batches.`, { batches: recovery.pending.length });

  const pipeline = new IngestPipeline({
    registry,
    deadLetter: new DeadLetterFile(join(cfg.dataDir, 'recorder-dead-letter.ndjson')),
    log: logging.logger('recorder-ingest'),
    consumers: [(ev, _t, raw) => recorder.add(ev, raw)],
  });
  let tailer: FileTailer;
  // eslint-disable-next-line prefer-const
  tailer = new FileTailer(
    {
      path: cfg.events,
      initialState: recovery.tail,
      pollMs: cfg.pollMs,
      onPollEnd: () => recorder.maybeSeal(tailer.currentState()),
      paused: () => recorder.full,
    },
    pipeline.source('file', cfg.events),
    logging.logger('recorder-ingest'),
  );
  tailer.start();
  const timer = setInterval(() => recorder.seal(tailer.currentState()), cfg.batchMs ?? 1000);
  metrics.setReady(true);
  log.info('recorder.started', `Recorder ready (${cfg.store.kind} store): ${metrics.url}/metrics`, { events: cfg.events, store: cfg.store.kind });
  return {
    recorder,
    metrics,
    tailer,
    pipeline,
    registry,
    async close() {
      clearInterval(timer);
      metrics.setReady(false);
      const tail = tailer.currentState();
      tailer.stop();
      await recorder.stop(tail);
      log.info('recorder.chain_head', 'Recorder stopped; where the audit hash chains end (rows still spooled included).', { heads: recorder.chainHeads });
      await metrics.close();
    },
  };
}
