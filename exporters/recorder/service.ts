/**
 * The recorder service: tails the engine's event file itself (its position lives in its WAL, so
 * it advances only with acknowledged batches), validates events with the same contract as the HFT
 * exporter, records them through the {@link Recorder}, and serves its metrics on 127.0.0.1:9473.
 */
import { join } from 'node:path';
import { JOBS } from '../../prometheus/jobs.js';
import { recorderSpoolCorruptRecordsTotal } from '../catalog/recorder.js';
import { DeadLetterFile } from '../hft/ingest/deadletter.js';
import { IngestPipeline } from '../hft/ingest/pipeline.js';
import { FileTailer } from '../hft/ingest/tail.js';
import { MetricRegistry } from '../instrument/registry.js';
import { startMetricsServer, type MetricsServer } from '../instrument/server.js';
import type { Logging } from '../lib/log.js';
import { Recorder } from './recorder.js';
import type { AuditStore } from './stores/store.js';
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
 * Starts the service. The store may be down: batches spool until it answers.
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
  const recorder = new Recorder({ store: cfg.store, wal, registry, log, batchRows: cfg.batchRows, maxSpoolBytes: cfg.maxSpoolBytes, minLevel: cfg.minLevel, retryMaxMs: cfg.retryMaxMs });
  recorder.resume(recovery.pending);
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
  const metrics = await startMetricsServer(registry, { host: cfg.host, port: cfg.port ?? JOBS.recorder.port, service: 'tickwatch-recorder', onProblem: (m) => log.warn('metrics.problem', m) });
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
      await metrics.close();
    },
  };
}
